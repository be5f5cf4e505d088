//! No stage or status word is spelled outside the enums that own it: every `"<word>"` string
//! literal in the Rust sources of the crates above the store (app, web, workers, jobs, the
//! binary, …) whose word is a stored status or stage fails this test, naming the file and
//! line. The words come from the enums' `ALL` lists ([`vocabulary`]), not from a hand list.
//! `store` (the SQL), `domain` (the enums' own conversions) and `providers` (the providers'
//! wire vocabulary, their words, not ours) are exempt; comments are not code, a JSON object
//! key (`"draft": …`) names a field, not a status, and unit-test files check answers.

use revos_domain::stored_name::vocabulary;
use std::path::{Path, PathBuf};

/// Crates whose sources may spell the words.
const EXEMPT_CRATES: [&str; 3] = ["store", "domain", "providers"];

/// Literals that spell a status word with another meaning, as (the end of a file's path,
/// word): names of forms, request fields and error codes that happen to be the same word.
const UNRELATED: [(&str, &str); 9] = [
    // The approval page's two compose forms are `new` and `draft` (a template switch).
    ("ui/approvals.rs", "draft"),
    // The memory API's request field named `draft` (the AI's first text), not a status.
    ("app/src/memory.rs", "draft"),
    // The error code a tool call skipped by a cancelled chat run answers with.
    ("chat/runtime.rs", "cancelled"),
    // The offline grammar's English: the verb a person types ("draft a post about …") and the
    // words of a stage phrase ("leads who replied", "… were enriched", "… were scraped"),
    // which map to `LeadStage` values there.
    ("agents/src/commands/mod.rs", "draft"),
    ("agents/src/commands/leads.rs", "replied"),
    ("agents/src/commands/leads.rs", "enriched"),
    ("agents/src/commands/leads.rs", "scraped"),
    // The intent router's keywords: words in a person's message that point to an agent.
    ("agents/src/definitions.rs", "replied"),
    ("agents/src/definitions.rs", "draft"),
];

/// Unit tests beside the code (`tests.rs`, `tests/…`) compare answers with the stored words,
/// as the API tests under `crates/*/tests` do: they are checked answers, not code.
fn is_test_file(rel: &str) -> bool {
    rel.ends_with("/tests.rs") || rel.contains("/tests/")
}

/// Whether `line` holds `"word"` as a value (not as a JSON object key).
fn spells(line: &str, word: &str) -> bool {
    let quoted = format!("\"{word}\"");
    line.match_indices(&quoted)
        .any(|(at, _)| !line[at + quoted.len()..].trim_start().starts_with(':'))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_status_or_stage_literal_outside_store_and_domain() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let words = vocabulary();
    let mut files = Vec::new();
    for entry in std::fs::read_dir(&crates).unwrap() {
        let dir = entry.unwrap().path();
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        if EXEMPT_CRATES.contains(&name.as_str()) || !dir.join("src").is_dir() {
            continue;
        }
        rust_files(&dir.join("src"), &mut files);
    }
    assert!(files.len() > 50, "found only {} source files", files.len());
    let mut found = Vec::new();
    for file in &files {
        let rel = file
            .strip_prefix(&crates)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if is_test_file(&rel) {
            continue;
        }
        let text = std::fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            for (owner, word) in &words {
                let unrelated = UNRELATED
                    .iter()
                    .any(|(path, w)| rel.ends_with(path) && w == word);
                if spells(line, word) && !unrelated {
                    found.push(format!("crates/{rel}:{}: \"{word}\" ({owner})", n + 1));
                }
            }
        }
    }
    found.sort();
    found.dedup();
    assert!(
        found.is_empty(),
        "status or stage literals outside store and domain; use the enum:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_check_sees_a_literal() {
    // The check above would fail on a file spelling a stage.
    let line = format!(
        "if stage == \"{}\" {{",
        revos_domain::lead::LeadStage::DmSent
    );
    assert!(vocabulary().iter().any(|(_, w)| spells(&line, w)));
    assert!(!spells(r#"json!({"draft": text})"#, "draft"));
    assert!(spells(r#"json!({"status": "draft"})"#, "draft"));
}
