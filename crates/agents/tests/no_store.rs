//! "Agents act through use cases" is checked here: the agents crate must not depend on the
//! store, so that a tool or the chat can only do what a use case of `revos-app` does.

/// The crate's manifest names no `revos-store` dependency, in any section.
#[test]
fn the_agents_crate_does_not_depend_on_the_store() {
    let manifest = include_str!("../Cargo.toml");
    let named: Vec<&str> = manifest
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter(|l| l.contains("revos-store") || l.contains("revos_store"))
        .collect();
    assert!(
        named.is_empty(),
        "crates/agents/Cargo.toml names the store: {named:?}"
    );
    assert!(
        manifest.contains("revos-app.workspace = true"),
        "the agents act through revos-app"
    );
}

/// Every Rust file under `path`, recursively.
fn rust_files(path: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(path).expect("readable source directory") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// No source file reaches the store through `revos-app` either (its re-exported `Store`, or
/// `App`'s store field).
#[test]
fn no_agent_source_reaches_the_store() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    assert!(files.len() > 10, "found only {files:?}");
    for file in files {
        let text = std::fs::read_to_string(&file).expect("a readable source file");
        for needle in ["revos_store", "revos_app::Store", ".store."] {
            assert!(
                !text.contains(needle),
                "{} contains {needle:?}: agents act through use cases",
                file.display()
            );
        }
    }
}
