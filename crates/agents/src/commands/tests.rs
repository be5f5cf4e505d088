//! The grammar's unit tests: every command, its clauses, hints and that no input panics.

use super::help::COMMANDS;
use super::*;
use chrono::TimeZone;
use chrono::{DateTime, Utc};
use proptest::prelude::*;
use serde_json::{Value, json};

/// Thursday 2026-11-26, 15:30 UTC.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 26, 15, 30, 0).unwrap()
}

fn call(input: &str) -> (&'static str, Value) {
    match parse_command(input, now()) {
        Parsed::Tool { name, arguments } => (name, arguments),
        other => panic!("{input:?} parsed as {other:?}"),
    }
}

fn hint(input: &str) -> String {
    match parse_command(input, now()) {
        Parsed::Unknown { hint } => hint,
        other => panic!("{input:?} parsed as {other:?}"),
    }
}

#[test]
fn create_campaign_from_few_words() {
    assert_eq!(
        call("create campaign Spring Guide for Acme trigger GUIDE magnet 'Hiring checklist'"),
        (
            "create_campaign",
            json!({"name": "Spring Guide", "client": "Acme", "trigger_words": ["GUIDE"],
                   "lead_magnet_title": "Hiring checklist"})
        )
    );
    assert_eq!(
        call(
            "Create Campaign 'Q3 for founders' trigger guide, playbook magnet Hiring checklist url https://acme.io/h account Dana"
        ),
        (
            "create_campaign",
            json!({"name": "Q3 for founders", "trigger_words": ["guide", "playbook"],
                   "lead_magnet_title": "Hiring checklist",
                   "lead_magnet_url": "https://acme.io/h", "linkedin_account": "Dana"})
        )
    );
    assert_eq!(
        call("create campaign X magnet Y trigger A B watch 123 456"),
        (
            "create_campaign",
            json!({"name": "X", "lead_magnet_title": "Y", "trigger_words": ["A", "B"],
                   "watched_posts": ["123", "456"]})
        )
    );
    assert!(hint("create campaign Spring Guide for Acme").contains("magnet"));
}

#[test]
fn campaign_lifecycle_and_report() {
    for (input, name) in [
        ("pause campaign Spring Guide", "pause_campaign"),
        ("PAUSE Spring Guide", "pause_campaign"),
        ("resume campaign Spring Guide", "resume_campaign"),
        ("report on campaign Spring Guide", "campaign_report"),
        ("campaign report Spring Guide", "campaign_report"),
    ] {
        assert_eq!(
            call(input),
            (name, json!({"campaign": "Spring Guide"})),
            "{input}"
        );
    }
    assert!(hint("pause campaign").contains("pause campaign <name or id>"));
}

#[test]
fn list_campaigns_with_or_without_status() {
    assert_eq!(call("list campaigns"), ("list_campaigns", json!({})));
    assert_eq!(call("campaigns"), ("list_campaigns", json!({})));
    assert_eq!(
        call("show paused campaigns"),
        ("list_campaigns", json!({"status": "paused"}))
    );
}

#[test]
fn leads_with_stage_time_campaign_and_text() {
    assert_eq!(
        call("leads who replied this week"),
        (
            "list_leads",
            json!({"stage": "replied", "since": "2026-11-23T00:00:00Z"})
        )
    );
    assert_eq!(
        call("leads today"),
        ("list_leads", json!({"since": "2026-11-26T00:00:00Z"}))
    );
    assert_eq!(
        call("leads last 7 days"),
        ("list_leads", json!({"since": "2026-11-19T15:30:00Z"}))
    );
    assert_eq!(
        call("leads yesterday"),
        (
            "list_leads",
            json!({"since": "2026-11-25T00:00:00Z", "until": "2026-11-26T00:00:00Z"})
        )
    );
    assert_eq!(
        call("list leads in campaign Spring Guide who opted out matching acme"),
        (
            "list_leads",
            json!({"campaign": "Spring Guide", "stage": "opted_out", "text": "acme"})
        )
    );
    assert_eq!(call("leads"), ("list_leads", json!({})));
    assert!(hint("leads who danced").contains("leads [who <stage>]"));
}

#[test]
fn enrich_and_dms() {
    assert_eq!(
        call("enrich Ana Lopez"),
        ("enrich_lead", json!({"lead": "Ana Lopez"}))
    );
    assert_eq!(
        call("draft dm to Ana Lopez for campaign Spring Guide"),
        (
            "draft_dm",
            json!({"lead": "Ana Lopez", "campaign": "Spring Guide"})
        )
    );
    assert_eq!(
        call("queue dm to 'Ana for Lopez' for Spring Guide"),
        (
            "queue_dm",
            json!({"lead": "Ana for Lopez", "campaign": "Spring Guide"})
        )
    );
    assert!(hint("queue dm to Ana").contains("queue dm to <lead> for campaign"));
}

#[test]
fn lead_magnets_and_cartridges() {
    assert_eq!(
        call("find lead magnets about hiring"),
        ("search_lead_magnets", json!({"query": "hiring"}))
    );
    assert_eq!(call("list cartridges"), ("list_cartridges", json!({})));
    assert_eq!(
        call("load cartridge Acme"),
        ("load_cartridge", json!({"cartridge": "Acme"}))
    );
    for input in ["switch to Acme", "use cartridge Acme", "Switch To acme"] {
        let (name, args) = call(input);
        assert_eq!(name, "switch_cartridge");
        assert!(
            args["cartridge"]
                .as_str()
                .unwrap()
                .eq_ignore_ascii_case("acme")
        );
    }
}

#[test]
fn funnel_posts_and_help() {
    assert_eq!(call("funnel"), ("funnel_report", json!({})));
    assert_eq!(
        call("funnel for Spring Guide"),
        ("funnel_report", json!({"campaign": "Spring Guide"}))
    );
    assert_eq!(
        call("draft a post about onboarding"),
        ("draft_post", json!({"topic": "onboarding"}))
    );
    let id = "0199a1b2-0000-7000-8000-000000000001";
    assert_eq!(
        call(&format!("submit post {id}")),
        ("submit_post", json!({"post": id}))
    );
    assert_eq!(call("submit the post"), ("submit_post", json!({})));
    assert_eq!(parse_command("help", now()), Parsed::Help);
    assert_eq!(parse_command("  HELP? ", now()), Parsed::Help);
    let help = help_text();
    for c in COMMANDS {
        assert!(help.contains(c.example), "{}", c.example);
    }
}

#[test]
fn every_example_in_the_help_parses() {
    for c in COMMANDS {
        assert!(
            !matches!(parse_command(c.example, now()), Parsed::Unknown { .. }),
            "{}",
            c.example
        );
    }
}

#[test]
fn unknown_commands_get_the_closest_command() {
    assert!(hint("paws campaign Spring").contains("pause campaign"));
    assert!(hint("funel").contains("funnel"));
    assert!(hint("").contains("help"));
    assert!(hint("make me a sandwich").contains("help"));
}

#[test]
fn every_command_calls_a_registered_tool() {
    let registry = crate::tools::ToolRegistry::standard();
    for c in COMMANDS {
        if let Parsed::Tool { name, .. } = parse_command(c.example, now()) {
            assert!(registry.contains(name), "{} calls {name}", c.example);
        }
    }
}

proptest! {
    #[test]
    fn no_input_panics(input in any::<String>()) {
        let _ = parse_command(&input, now());
    }

    #[test]
    fn no_command_shaped_input_panics(
        verb in prop::sample::select(vec!["create campaign", "leads", "draft dm to", "submit", "funnel", "use", "leads who", "leads last"]),
        tail in "[ a-zA-Z0-9'\"“,]{0,40}",
    ) {
        let _ = parse_command(&format!("{verb} {tail}"), now());
    }
}
