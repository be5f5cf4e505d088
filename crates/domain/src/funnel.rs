//! A campaign's funnel: how many of its leads reached each step. A lead's current stage only
//! tells where it stands now (a lead who opted out after replying shows `opted_out`), so each
//! lead's progress is gathered from every trace it left — its stage, the campaign's events
//! about it and its messages — and then closed under what each step implies.
//!
//! The rule, per lead of the campaign:
//! * `scraped`: every lead of the campaign (it joined the campaign when scraped);
//! * `enriched`: enrichment ran for the person (in any campaign), or the stage is `enriched`;
//! * `awaiting_connection`: the stage is `awaiting_connection` *now* (no event records the
//!   wait, so leads who were connected since are not counted);
//! * `dm_sent`: a `dm_sent` event, an outbound DM marked `sent`, or a stage past the DM;
//! * `replied`: a `dm_replied` event, an inbound DM, or the stage `replied`;
//! * `email_sequenced`: an `email_sequenced` event, an outbound email, or the stage
//!   `email_sequenced` or `email_replied`;
//! * `email_replied`: an `email_replied` event, an inbound email, or the stage `email_replied`;
//! * `opted_out`: an `opted_out` event of the campaign, or the stage `opted_out`;
//! * `opened`: a `magnet_opened` event (the lead opened the tracked lead-magnet link). It is
//!   a fact beside the stages, not a stage: it implies nothing and nothing implies it;
//!
//! and then: a reply implies the DM was sent; an email reply implies the sequence, which
//! implies the DM was sent (the stage machine allows no other path).

use crate::lead::LeadStage;
use serde::Serialize;

/// The steps one lead of a campaign is known to have reached.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// Enrichment ran.
    pub enriched: bool,
    /// Waiting for a connection now.
    pub awaiting_connection: bool,
    /// The DM went out.
    pub dm_sent: bool,
    /// They answered the DM.
    pub replied: bool,
    /// They were handed to the email sequence.
    pub email_sequenced: bool,
    /// They answered an email.
    pub email_replied: bool,
    /// They opted out.
    pub opted_out: bool,
    /// They opened the tracked lead-magnet link.
    pub opened: bool,
}

impl Progress {
    /// What a lead's current stage proves it reached.
    pub fn from_stage(stage: LeadStage) -> Self {
        use LeadStage::*;
        Self {
            enriched: stage == Enriched,
            awaiting_connection: stage == AwaitingConnection,
            dm_sent: matches!(stage, DmSent | Replied | EmailSequenced | EmailReplied),
            replied: stage == Replied,
            email_sequenced: matches!(stage, EmailSequenced | EmailReplied),
            email_replied: stage == EmailReplied,
            opted_out: stage == OptedOut,
            opened: false,
        }
    }

    /// Notes an event of the campaign about the lead, by its kind; kinds that prove no step
    /// (`lead_scraped`, `dm_queued`, `provider_error`, …) change nothing.
    pub fn note_event(&mut self, kind: &str) {
        match kind {
            "lead_enriched" => self.enriched = true,
            "dm_sent" => self.dm_sent = true,
            "dm_replied" => self.replied = true,
            "email_sequenced" => self.email_sequenced = true,
            "email_replied" => self.email_replied = true,
            "opted_out" => self.opted_out = true,
            crate::magnet_link::MAGNET_OPENED => self.opened = true,
            _ => {}
        }
    }

    /// Notes a message of the campaign to or from the lead.
    pub fn note_message(&mut self, channel: &str, direction: &str, status: &str) {
        match (channel, direction) {
            ("dm", "out") if status == "sent" => self.dm_sent = true,
            ("dm", "in") => self.replied = true,
            ("email", "out") => self.email_sequenced = true,
            ("email", "in") => self.email_replied = true,
            _ => {}
        }
    }

    /// The steps that stay proven once reached, as the bits of the store's per-lead rollup
    /// column (`campaign_leads.progress`); `awaiting_connection` is about *now* and has no
    /// bit.
    pub fn to_bits(self) -> i32 {
        [
            self.enriched,
            self.dm_sent,
            self.replied,
            self.email_sequenced,
            self.email_replied,
            self.opted_out,
            self.opened,
        ]
        .iter()
        .enumerate()
        .fold(0, |bits, (i, &on)| bits | (i32::from(on) << i))
    }

    /// The steps stored as [`Progress::to_bits`] wrote them.
    pub fn from_bits(bits: i32) -> Self {
        let on = |i: u32| bits & (1 << i) != 0;
        Self {
            enriched: on(0),
            awaiting_connection: false,
            dm_sent: on(1),
            replied: on(2),
            email_sequenced: on(3),
            email_replied: on(4),
            opted_out: on(5),
            opened: on(6),
        }
    }

    /// What an event of `kind` of the campaign about the lead proves (see
    /// [`Progress::note_event`]).
    pub fn from_event(kind: &str) -> Self {
        let mut p = Self::default();
        p.note_event(kind);
        p
    }

    /// What a message of the campaign proves (see [`Progress::note_message`]).
    pub fn from_message(channel: &str, direction: &str, status: &str) -> Self {
        let mut p = Self::default();
        p.note_message(channel, direction, status);
        p
    }

    /// The lasting steps known from `self` and `other` together, closed: what a lead's
    /// rollup becomes when new evidence arrives.
    pub fn with(self, other: Progress) -> Self {
        Self::from_bits(self.to_bits() | other.to_bits()).closed()
    }

    /// Adds the steps that the known ones imply.
    pub fn closed(mut self) -> Self {
        self.email_sequenced |= self.email_replied;
        self.dm_sent |= self.replied || self.email_sequenced;
        self
    }
}

/// How many leads of a campaign reached each step (see the module's rule).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FunnelCounts {
    /// Leads found in the comments: every lead of the campaign.
    pub scraped: u64,
    /// Leads enrichment ran for.
    pub enriched: u64,
    /// Leads waiting for a connection now.
    pub awaiting_connection: u64,
    /// Leads whose DM went out.
    pub dm_sent: u64,
    /// Leads who answered the DM.
    pub replied: u64,
    /// Leads handed to the email sequence.
    pub email_sequenced: u64,
    /// Leads who answered an email.
    pub email_replied: u64,
    /// Leads who opted out.
    pub opted_out: u64,
    /// Leads who opened the tracked lead-magnet link (shown after `dm_sent`; not a stage).
    pub opened: u64,
}

impl FunnelCounts {
    /// Adds another campaign's counts to these: the funnel of several campaigns together (a
    /// lead in two campaigns counts in each).
    pub fn absorb(&mut self, other: &FunnelCounts) {
        self.scraped += other.scraped;
        self.enriched += other.enriched;
        self.awaiting_connection += other.awaiting_connection;
        self.dm_sent += other.dm_sent;
        self.replied += other.replied;
        self.email_sequenced += other.email_sequenced;
        self.email_replied += other.email_replied;
        self.opted_out += other.opted_out;
        self.opened += other.opened;
    }

    /// The funnel counters that move when a lead's lasting steps go from `before` to
    /// `after` (each step counted once, when it is first reached): what the store adds to
    /// the campaign's counters in the transaction that moved the lead.
    pub fn gained(before: Progress, after: Progress) -> FunnelCounts {
        let (b, a) = (before.to_bits(), after.to_bits());
        let new = Progress::from_bits(a & !b);
        FunnelCounts {
            scraped: 0,
            enriched: u64::from(new.enriched),
            awaiting_connection: 0,
            dm_sent: u64::from(new.dm_sent),
            replied: u64::from(new.replied),
            email_sequenced: u64::from(new.email_sequenced),
            email_replied: u64::from(new.email_replied),
            opted_out: u64::from(new.opted_out),
            opened: u64::from(new.opened),
        }
    }

    /// Counts one lead of the campaign with what it reached.
    pub fn add(&mut self, progress: Progress) {
        let p = progress.closed();
        self.scraped += 1;
        self.enriched += u64::from(p.enriched);
        self.awaiting_connection += u64::from(p.awaiting_connection);
        self.dm_sent += u64::from(p.dm_sent);
        self.replied += u64::from(p.replied);
        self.email_sequenced += u64::from(p.email_sequenced);
        self.email_replied += u64::from(p.email_replied);
        self.opted_out += u64::from(p.opted_out);
        self.opened += u64::from(p.opened);
    }
}

/// `amount` rounded to a millionth of a dollar, so sums of float costs read cleanly.
pub fn round_usd(amount: f64) -> f64 {
    (amount * 1e6).round() / 1e6
}

/// Cost per lead: `cost / leads`, `None` when there are no leads.
pub fn cost_per_lead(cost: f64, leads: u64) -> Option<f64> {
    (leads > 0).then(|| round_usd(cost / leads as f64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reply_counts_as_sent_and_scraped_even_after_opting_out() {
        let mut funnel = FunnelCounts::default();
        let mut replied_then_out = Progress::from_stage(LeadStage::OptedOut);
        replied_then_out.note_event("dm_replied");
        funnel.add(replied_then_out);
        funnel.add(Progress::from_stage(LeadStage::EmailReplied));
        let mut queued = Progress::from_stage(LeadStage::DmQueued);
        queued.note_message("dm", "out", "queued");
        funnel.add(queued);
        assert_eq!(
            funnel,
            FunnelCounts {
                scraped: 3,
                enriched: 0,
                awaiting_connection: 0,
                dm_sent: 2,
                replied: 1,
                email_sequenced: 1,
                email_replied: 1,
                opted_out: 1,
                opened: 0,
            }
        );
    }

    #[test]
    fn messages_prove_steps() {
        let mut p = Progress::default();
        p.note_message("email", "in", "received");
        let p = p.closed();
        assert!(p.email_replied && p.email_sequenced && p.dm_sent && !p.replied);
        let mut p = Progress::default();
        p.note_message("dm", "out", "failed");
        assert!(!p.closed().dm_sent, "a failed DM was not sent");
    }

    #[test]
    fn bits_round_trip_and_growth_counts_each_step_once() {
        let mut p = Progress::from_stage(LeadStage::EmailReplied);
        p.enriched = true;
        p.opted_out = true;
        p.opened = true;
        assert_eq!(Progress::from_bits(p.to_bits()), p);
        let awaiting = Progress::from_stage(LeadStage::AwaitingConnection);
        assert_eq!(awaiting.to_bits(), 0, "waiting now is not a lasting step");
        let before = Progress::from_event("dm_sent").closed();
        let after = before.with(Progress::from_message("email", "in", "received"));
        assert!(after.email_replied && after.email_sequenced && after.dm_sent);
        let gained = FunnelCounts::gained(before, after);
        assert_eq!(
            (gained.dm_sent, gained.email_sequenced, gained.email_replied),
            (0, 1, 1)
        );
        assert_eq!(
            FunnelCounts::gained(after, after.with(before)),
            FunnelCounts::default()
        );
    }

    #[test]
    fn an_open_is_a_fact_beside_the_stages() {
        let opened = Progress::from_event("magnet_opened").closed();
        assert!(opened.opened && !opened.dm_sent && !opened.replied);
        let replied = opened.with(Progress::from_event("dm_replied"));
        assert!(replied.opened && replied.replied && replied.dm_sent);
        let gained = FunnelCounts::gained(Progress::from_event("dm_sent"), replied);
        assert_eq!((gained.opened, gained.replied, gained.dm_sent), (1, 1, 0));
    }

    #[test]
    fn cost_per_lead_is_null_without_leads() {
        assert_eq!(cost_per_lead(1.0, 0), None);
        assert_eq!(cost_per_lead(0.1 + 0.2, 3), Some(0.1));
        assert_eq!(round_usd(0.1 + 0.2), 0.3);
    }
}
