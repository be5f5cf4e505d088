//! How a figure moved from the previous period to the current one: the difference and the
//! relative change, which is undefined (not infinite, not 100%) when the previous period had
//! nothing — the report then says "no previous data".

use serde::Serialize;

/// A figure's change between two periods.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Change {
    /// Current minus previous.
    pub delta: f64,
    /// `delta / previous` (0.25 is +25%); `null` when the previous value is zero or unknown.
    pub relative: Option<f64>,
}

/// The change from `previous` to `current`. An unknown value on either side (a rate without
/// DMs sent) gives no relative change and a delta of zero.
pub fn change(current: Option<f64>, previous: Option<f64>) -> Change {
    match (current, previous) {
        (Some(c), Some(p)) => Change {
            delta: c - p,
            relative: (p != 0.0).then(|| (c - p) / p),
        },
        _ => Change {
            delta: 0.0,
            relative: None,
        },
    }
}

/// The arrow and percentage a person reads: `▲ 25.0%`, `▼ 10.0%`, `= 0.0%`, or
/// `no previous data` when there is no relative change.
pub fn describe(c: &Change) -> String {
    match c.relative {
        None => "no previous data".to_owned(),
        Some(r) if r > 0.0 => format!("▲ {:.1}%", r * 100.0),
        Some(r) if r < 0.0 => format!("▼ {:.1}%", -r * 100.0),
        Some(_) => "= 0.0%".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_read_as_arrows_and_percentages() {
        let up = change(Some(5.0), Some(4.0));
        assert_eq!((up.delta, up.relative), (1.0, Some(0.25)));
        assert_eq!(describe(&up), "▲ 25.0%");
        let down = change(Some(9.0), Some(10.0));
        assert_eq!(describe(&down), "▼ 10.0%");
        assert_eq!(describe(&change(Some(3.0), Some(3.0))), "= 0.0%");
        let fresh = change(Some(3.0), Some(0.0));
        assert_eq!((fresh.delta, fresh.relative), (3.0, None));
        assert_eq!(describe(&fresh), "no previous data");
        assert_eq!(change(None, Some(0.5)).relative, None);
    }
}
