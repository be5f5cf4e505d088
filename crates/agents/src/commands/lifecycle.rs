//! Campaign lifecycle commands in the words people use: "activate", "start", "launch", "turn
//! on" or "go live with" a campaign; "pause", "stop", "halt" or "turn off" it; "resume",
//! "restart", "unpause" or "continue" it. The name may come bare (several words), quoted, or
//! framed as "the Spring Guide campaign" / "campaign called Spring Guide".

use super::Parsed;
use super::clauses::one;
use super::help::usage_of;
use super::tokens::{Token, after, join};
use crate::tools::{ActivateCampaignArgs, PauseCampaignArgs, ResumeCampaignArgs, Tool};

/// The verbs of each step, the tool they call and their command in the help text.
const STEPS: [(&[&[&str]], &str, &str); 3] = [
    (
        &[
            &["activate"],
            &["start"],
            &["launch"],
            &["enable"],
            &["turn", "on"],
            &["kick", "off"],
            &["go", "live", "with"],
        ],
        ActivateCampaignArgs::NAME,
        "activate campaign",
    ),
    (
        &[
            &["pause"],
            &["stop"],
            &["halt"],
            &["disable"],
            &["turn", "off"],
        ],
        PauseCampaignArgs::NAME,
        "pause campaign",
    ),
    (
        &[
            &["resume"],
            &["unpause"],
            &["restart"],
            &["reactivate"],
            &["continue"],
        ],
        ResumeCampaignArgs::NAME,
        "resume campaign",
    ),
];

/// Words between the verb and the name that are not part of it.
const LEADING: &[&str] = &["the", "my", "our", "campaign", "called", "named"];

/// A lifecycle command, if `t` starts with one of its verbs.
pub(super) fn lifecycle(t: &[Token]) -> Option<Parsed> {
    STEPS.iter().find_map(|(verbs, name, lead)| {
        let mut rest = after(t, verbs)?;
        while let [first, tail @ ..] = rest
            && first.is_any(LEADING)
        {
            rest = tail;
        }
        // "launch the Spring Guide campaign": the trailing word names the kind, not the campaign.
        if let [head @ .., last] = rest
            && !head.is_empty()
            && last.is("campaign")
        {
            rest = head;
        }
        Some(if join(rest).is_empty() {
            usage_of(lead)
        } else {
            one(name, "campaign", rest, lead)
        })
    })
}

/// Polite openings that change nothing ("please", "can you", "could you please").
pub(super) fn without_courtesy(t: &[Token]) -> &[Token] {
    let mut rest = t;
    while let Some(next) = after(
        rest,
        &[
            &["please"],
            &["pls"],
            &["kindly"],
            &["can", "you"],
            &["could", "you"],
            &["would", "you"],
        ],
    ) {
        rest = next;
    }
    match rest {
        [head @ .., last] if !head.is_empty() && last.is("please") => head,
        _ => rest,
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Parsed, parse_command};
    use chrono::{TimeZone, Utc};
    use serde_json::json;

    fn parsed(input: &str) -> Parsed {
        parse_command(
            input,
            Utc.with_ymd_and_hms(2026, 11, 26, 15, 30, 0).unwrap(),
        )
    }

    /// The phrasings people use, and what each must call.
    #[test]
    fn natural_phrasings_reach_the_lifecycle_tools() {
        let table: &[(&str, &str, &str)] = &[
            (
                "activate campaign Spring Guide",
                "activate_campaign",
                "Spring Guide",
            ),
            (
                "Activate the campaign Spring Guide",
                "activate_campaign",
                "Spring Guide",
            ),
            ("ACTIVATE SPRING GUIDE", "activate_campaign", "SPRING GUIDE"),
            (
                "start campaign Spring Guide",
                "activate_campaign",
                "Spring Guide",
            ),
            (
                "start the Spring Guide campaign",
                "activate_campaign",
                "Spring Guide",
            ),
            ("launch Spring Guide", "activate_campaign", "Spring Guide"),
            (
                "Launch campaign 'Spring Guide'",
                "activate_campaign",
                "Spring Guide",
            ),
            (
                "launch \"Q3 for founders\"",
                "activate_campaign",
                "Q3 for founders",
            ),
            (
                "please launch my campaign called Spring Guide",
                "activate_campaign",
                "Spring Guide",
            ),
            (
                "can you start campaign Spring Guide please?",
                "activate_campaign",
                "Spring Guide",
            ),
            (
                "turn on campaign Spring Guide",
                "activate_campaign",
                "Spring Guide",
            ),
            (
                "go live with Spring Guide!",
                "activate_campaign",
                "Spring Guide",
            ),
            (
                "kick off the campaign named Sandbox trial",
                "activate_campaign",
                "Sandbox trial",
            ),
            (
                "activate campaign \u{201c}Spring Guide\u{201d}",
                "activate_campaign",
                "Spring Guide",
            ),
            (
                "pause campaign Spring Guide",
                "pause_campaign",
                "Spring Guide",
            ),
            (
                "stop the Spring Guide campaign",
                "pause_campaign",
                "Spring Guide",
            ),
            ("Halt 'Spring Guide'", "pause_campaign", "Spring Guide"),
            (
                "turn off campaign spring guide",
                "pause_campaign",
                "spring guide",
            ),
            (
                "resume campaign Spring Guide",
                "resume_campaign",
                "Spring Guide",
            ),
            ("unpause Spring Guide", "resume_campaign", "Spring Guide"),
            (
                "restart the campaign Spring Guide",
                "resume_campaign",
                "Spring Guide",
            ),
            (
                "continue campaign 'The campaign'",
                "resume_campaign",
                "The campaign",
            ),
        ];
        for (input, tool, campaign) in table {
            assert_eq!(
                parsed(input),
                Parsed::Tool {
                    name: tool,
                    arguments: json!({ "campaign": campaign }),
                },
                "{input}"
            );
        }
    }

    #[test]
    fn a_verb_without_a_name_shows_its_usage() {
        for (input, usage) in [
            ("activate", "activate campaign <name or id>"),
            ("launch the campaign", "activate campaign <name or id>"),
            ("please stop campaign", "pause campaign <name or id>"),
            ("resume", "resume campaign <name or id>"),
        ] {
            match parsed(input) {
                Parsed::Unknown { hint } => assert!(hint.contains(usage), "{input}: {hint}"),
                other => panic!("{input:?} parsed as {other:?}"),
            }
        }
    }
}
