//! What each pipeline step costs, recorded with its event so the funnel can show cost per
//! lead. Figures are list-price estimates in US dollars; steps paid by a flat subscription
//! (Unipile per account, Instantly and Smartlead per seat) cost nothing per lead.

/// One Apollo people-match credit (charged only when a person is found).
pub const APOLLO_MATCH_USD: f64 = 0.10;

/// A LinkedIn DM through Unipile (flat monthly price per account).
pub const DM_USD: f64 = 0.0;

/// Adding a lead to an Instantly or Smartlead sequence (flat plan).
pub const EMAIL_SEQUENCE_USD: f64 = 0.0;

/// The cost of an enrichment that used `credits` credits.
pub fn enrichment_usd(credits: u32) -> f64 {
    f64::from(credits) * APOLLO_MATCH_USD
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_found_people_cost_a_credit() {
        assert_eq!(super::enrichment_usd(0), 0.0);
        assert!((super::enrichment_usd(3) - 0.30).abs() < 1e-9);
    }
}
