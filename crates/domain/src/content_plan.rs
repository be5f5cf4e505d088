//! A month of post topics: which month a plan is for, the days its posts are suggested for
//! (spread over the month's weekdays), and the offline planner's topics when no model is
//! configured (from the knowledge's headings, the best posts' hooks and the cartridge's
//! topics, each with a different angle).

use chrono::{Datelike, NaiveDate, Weekday};

/// The default number of topics in a plan.
pub const DEFAULT_TOPICS: usize = 12;
/// The most topics one plan proposes.
pub const MAX_TOPICS: usize = 31;

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// The first day of the month `text` names: `2027-03`, or a month's name (`March`, `mar`),
/// which means its next occurrence from `today` (this month included). `None` when it names
/// no month.
pub fn parse_month(text: &str, today: NaiveDate) -> Option<NaiveDate> {
    let t = text.trim().to_ascii_lowercase();
    if let Some((y, m)) = t.split_once('-') {
        let (y, m) = (y.parse().ok()?, m.parse().ok()?);
        return NaiveDate::from_ymd_opt(y, m, 1);
    }
    let word = t.split_whitespace().next()?;
    if word.len() < 3 {
        return None;
    }
    let month = MONTHS.iter().position(|m| m.starts_with(word))? as u32 + 1;
    let year = if month >= today.month() {
        today.year()
    } else {
        today.year() + 1
    };
    let year = t
        .split_whitespace()
        .nth(1)
        .and_then(|y| y.parse().ok())
        .unwrap_or(year);
    NaiveDate::from_ymd_opt(year, month, 1)
}

/// `n` days of the month starting at `first`, spread evenly over its weekdays, in order.
pub fn suggested_days(first: NaiveDate, n: usize) -> Vec<NaiveDate> {
    let weekdays: Vec<NaiveDate> = first
        .iter_days()
        .take_while(|d| d.month() == first.month())
        .filter(|d| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun))
        .collect();
    if weekdays.is_empty() || n == 0 {
        return Vec::new();
    }
    (0..n)
        .map(|i| weekdays[i * weekdays.len() / n.max(1)])
        .collect()
}

/// The angles the offline planner gives its subjects, in turn.
const ANGLES: [&str; 6] = [
    "The biggest mistake people make with",
    "A step-by-step guide to",
    "What I learned about",
    "3 myths about",
    "A checklist for",
    "Why it pays to rethink",
];

/// Up to `n` topics from `subjects` (the knowledge's headings, the best posts' hooks, the
/// cartridge's topics, in that order of preference), each subject once, each with an angle.
pub fn offline_topics(subjects: &[String], n: usize) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    let unique: Vec<&str> = subjects
        .iter()
        .map(|s| s.trim().trim_end_matches(['.', ':', '!', '?']))
        .filter(|s| !s.is_empty() && seen.insert(s.to_lowercase()))
        .collect();
    if unique.is_empty() {
        return Vec::new();
    }
    (0..n)
        .map(|i| {
            let angle = ANGLES[i % ANGLES.len()];
            let subject = unique[i % unique.len()];
            let first = subject.chars().next().map(|c| c.to_lowercase().to_string());
            let lowered = match first {
                Some(f) => format!(
                    "{f}{}",
                    &subject[subject.chars().next().map_or(0, char::len_utf8)..]
                ),
                None => subject.to_owned(),
            };
            format!("{angle} {lowered}")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn months_are_parsed_forward() {
        let today = d(2026, 12, 7);
        assert_eq!(parse_month("March", today), Some(d(2027, 3, 1)));
        assert_eq!(parse_month("december", today), Some(d(2026, 12, 1)));
        assert_eq!(parse_month("2026-05", today), Some(d(2026, 5, 1)));
        assert_eq!(parse_month("mar 2028", today), Some(d(2028, 3, 1)));
        assert_eq!(parse_month("xyz", today), None);
        assert_eq!(parse_month("2026-13", today), None);
    }

    #[test]
    fn days_are_weekdays_of_the_month() {
        let days = suggested_days(d(2027, 3, 1), 12);
        assert_eq!(days.len(), 12);
        assert!(
            days.iter()
                .all(|x| x.month() == 3 && x.weekday().num_days_from_monday() < 5)
        );
        assert!(days.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn offline_topics_vary_angles_and_subjects() {
        let t = offline_topics(
            &["Pricing".into(), "pricing".into(), "Onboarding".into()],
            4,
        );
        assert_eq!(t.len(), 4);
        assert_eq!(t[0], "The biggest mistake people make with pricing");
        assert!(t[1].ends_with("onboarding"));
        assert!(offline_topics(&[], 3).is_empty());
    }
}
