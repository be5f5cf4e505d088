//! The commands' shapes and examples: the help text, the usage hint of a command whose value
//! is missing, and the closest command to input that matched none.

use super::Parsed;

/// One command of the grammar, for the help text and the hints.
pub(super) struct Command {
    /// The words it starts with, for finding the closest command.
    pub(super) lead: &'static str,
    /// Its shape.
    pub(super) usage: &'static str,
    /// A line that works.
    pub(super) example: &'static str,
}

pub(super) const COMMANDS: &[Command] = &[
    Command {
        lead: "create campaign",
        usage: "create campaign <name> [for <client>] [trigger <words>] magnet <title> [url <url>] [account <LinkedIn account>] [watch <post ids>]",
        example: "create campaign Spring Guide for Acme trigger GUIDE magnet 'Hiring checklist'",
    },
    Command {
        lead: "activate campaign",
        usage: "activate campaign <name or id> (or start, launch, turn on)",
        example: "launch the Spring Guide campaign",
    },
    Command {
        lead: "pause campaign",
        usage: "pause campaign <name or id>",
        example: "pause campaign Spring Guide",
    },
    Command {
        lead: "resume campaign",
        usage: "resume campaign <name or id>",
        example: "resume campaign Spring Guide",
    },
    Command {
        lead: "report on campaign",
        usage: "report on campaign <name or id>",
        example: "report on campaign Spring Guide",
    },
    Command {
        lead: "list campaigns",
        usage: "list [draft|active|paused|completed] campaigns",
        example: "list active campaigns",
    },
    Command {
        lead: "leads",
        usage: "leads [who <stage>] [in campaign <name>] [today|yesterday|this week|this month|last <n> days] [matching <text>]",
        example: "leads who replied this week",
    },
    Command {
        lead: "enrich",
        usage: "enrich <lead name or id>",
        example: "enrich Ana Lopez",
    },
    Command {
        lead: "draft dm to",
        usage: "draft dm to <lead> for campaign <name>",
        example: "draft dm to Ana Lopez for campaign Spring Guide",
    },
    Command {
        lead: "queue dm to",
        usage: "queue dm to <lead> for campaign <name>",
        example: "queue dm to Ana Lopez for campaign Spring Guide",
    },
    Command {
        lead: "find lead magnets",
        usage: "find lead magnets about <words>",
        example: "find lead magnets about hiring",
    },
    Command {
        lead: "list cartridges",
        usage: "list cartridges",
        example: "list cartridges",
    },
    Command {
        lead: "load cartridge",
        usage: "load cartridge <name or id>",
        example: "load cartridge Acme",
    },
    Command {
        lead: "switch to",
        usage: "switch to <cartridge> | use cartridge <cartridge>",
        example: "switch to Acme",
    },
    Command {
        lead: "funnel",
        usage: "funnel [for <campaign>]",
        example: "funnel for Spring Guide",
    },
    Command {
        lead: "draft a post about",
        usage: "draft a post about <topic>",
        example: "draft a post about onboarding",
    },
    Command {
        lead: "submit post",
        usage: "submit post <id> | submit the post",
        example: "submit the post",
    },
    Command {
        lead: "help",
        usage: "help",
        example: "help",
    },
];

/// Every command with its shape and an example, one per line.
pub fn help_text() -> String {
    let mut out =
        String::from("Commands (words in <> are yours; quote values that contain a keyword):\n");
    for c in COMMANDS {
        out.push_str(&format!("  {}\n      e.g. {}\n", c.usage, c.example));
    }
    out
}

/// The hint for a command whose value is missing.
pub(super) fn usage_of(lead: &str) -> Parsed {
    let c = COMMANDS
        .iter()
        .find(|c| c.lead == lead)
        .unwrap_or(&COMMANDS[COMMANDS.len() - 1]);
    Parsed::Unknown {
        hint: format!(
            "Usage: {} (for example: {}). Type `help` for every command.",
            c.usage, c.example
        ),
    }
}

/// Edit distance between two strings, by characters.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// The hint for input that matched no command: the command whose first words are closest.
pub(super) fn closest(input: &str) -> Parsed {
    let lower = input.to_lowercase();
    let best = COMMANDS
        .iter()
        .min_by_key(|c| {
            let n = c.lead.chars().count();
            let head: String = lower.chars().take(n).collect();
            distance(&head, c.lead)
        })
        .unwrap_or(&COMMANDS[0]);
    Parsed::Unknown {
        hint: format!(
            "I did not understand that. Closest command: {} (for example: {}). Type `help` for every command.",
            best.usage, best.example
        ),
    }
}
