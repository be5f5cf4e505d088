//! The configuration's resolution: precedence, defaults, and errors naming their source.

use super::*;
use revos_providers::outbound::PrivateUrls;

fn flags() -> GlobalArgs {
    GlobalArgs {
        config: None,
        data_dir: None,
        database_url: None,
        log_format: None,
        log: None,
    }
}

fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn defaults_without_any_source() {
    let s = resolve(&flags(), None, &env(&[("REVOS_CONFIG", "")])).unwrap();
    assert_eq!(s.listen.to_string(), DEFAULT_LISTEN);
    assert_eq!(s.data_dir, PathBuf::from(DEFAULT_DATA_DIR));
    assert!(s.database_url.is_none());
    assert_eq!(s.log_format, LogFormat::Text);
    assert_eq!(s.request_timeout, revos_web::DEFAULT_REQUEST_TIMEOUT);
    assert_eq!(s.shutdown_grace, revos_web::DEFAULT_SHUTDOWN_GRACE);
    assert_eq!(s.runner_config().grace, s.shutdown_grace);
}

#[test]
fn flags_beat_env_beat_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("revos.toml");
    std::fs::write(
        &file,
        "listen = \"127.0.0.1:1000\"\nlog_format = \"json\"\nshutdown_grace_seconds = 2.5\n",
    )
    .unwrap();
    let mut f = flags();
    f.config = Some(file.clone());
    let s = resolve(&f, None, &env(&[])).unwrap();
    assert_eq!(s.listen.port(), 1000);
    assert_eq!(s.log_format, LogFormat::Json);
    assert_eq!(s.shutdown_grace, std::time::Duration::from_millis(2500));
    let s = resolve(&f, None, &env(&[("REVOS_SHUTDOWN_GRACE_SECONDS", "0")])).unwrap();
    assert_eq!(s.shutdown_grace, std::time::Duration::ZERO);
    let s = resolve(&f, None, &env(&[("REVOS_LISTEN", "127.0.0.1:2000")])).unwrap();
    assert_eq!(s.listen.port(), 2000);
    let s = resolve(
        &f,
        Some("127.0.0.1:3000"),
        &env(&[("REVOS_LISTEN", "127.0.0.1:2000")]),
    )
    .unwrap();
    assert_eq!(s.listen.port(), 3000);
}

#[test]
fn errors_name_the_source() {
    let e = resolve(&flags(), None, &env(&[("REVOS_LISTEN", "nope")])).unwrap_err();
    assert_eq!(e.key, "REVOS_LISTEN");
    let e = resolve(&flags(), Some("x:y"), &env(&[])).unwrap_err();
    assert_eq!(e.key, "--listen");
    let e = resolve(&flags(), None, &env(&[("REVOS_LOG_FORMAT", "xml")])).unwrap_err();
    assert_eq!(e.key, "REVOS_LOG_FORMAT");
    let e = resolve(&flags(), None, &env(&[("REVOS_DATABASE_URL", "mysql://x")])).unwrap_err();
    assert_eq!(e.key, "REVOS_DATABASE_URL");
    let e = resolve(&flags(), None, &env(&[("REVOS_APOLLO_URL", "apollo.io")])).unwrap_err();
    assert_eq!(e.key, "REVOS_APOLLO_URL");
    let e = resolve(&flags(), None, &env(&[("REVOS_QUEUES", "default=lots")])).unwrap_err();
    assert_eq!(e.key, "REVOS_QUEUES");
    for key in [
        "REVOS_JOB_LEASE_SECONDS",
        "REVOS_REQUEST_TIMEOUT_SECONDS",
        "REVOS_SHUTDOWN_GRACE_SECONDS",
    ] {
        for bad in ["soon", "-1", "86400"] {
            let e = resolve(&flags(), None, &env(&[(key, bad)])).unwrap_err();
            assert_eq!(e.key, key, "{bad}");
        }
    }
    let s = resolve(
        &flags(),
        None,
        &env(&[("REVOS_QUEUES", "default=3, probe=50")]),
    )
    .unwrap();
    assert_eq!(
        s.queues,
        [("default".to_owned(), 3), ("probe".to_owned(), 50)]
    );
}

#[test]
fn model_budget_and_private_urls() {
    use revos_app::providers::PrivateUrls;
    let s = resolve(&flags(), None, &env(&[("REVOS_CONFIG", "")])).unwrap();
    assert_eq!(s.llm_workspace_budget_usd, None);
    assert_eq!(s.allow_private_urls, PrivateUrls::Refused);
    let s = resolve(
        &flags(),
        None,
        &env(&[
            ("REVOS_LLM_WORKSPACE_BUDGET_USD", "0"),
            ("REVOS_ALLOW_PRIVATE_URLS", "127.0.0.2/32"),
        ]),
    )
    .unwrap();
    assert_eq!(s.llm_workspace_budget_usd, Some(0.0));
    assert!(matches!(s.allow_private_urls, PrivateUrls::Networks(ref n) if n.len() == 1));
    for (key, bad) in [
        ("REVOS_LLM_WORKSPACE_BUDGET_USD", "-1"),
        ("REVOS_LLM_WORKSPACE_BUDGET_USD", "lots"),
        ("REVOS_ALLOW_PRIVATE_URLS", "maybe"),
    ] {
        let e = resolve(&flags(), None, &env(&[(key, bad)])).unwrap_err();
        assert_eq!(e.key, key);
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("revos.toml");
    std::fs::write(
        &file,
        "allow_private_urls = true\nllm_workspace_budget_usd = 2.5\n",
    )
    .unwrap();
    let mut f = flags();
    f.config = Some(file.clone());
    let s = resolve(&f, None, &env(&[])).unwrap();
    assert_eq!(s.allow_private_urls, PrivateUrls::Allowed);
    assert_eq!(s.llm_workspace_budget_usd, Some(2.5));
    std::fs::write(
        &file,
        "allow_private_urls = [\"10.0.0.0/8\", \"127.0.0.2\"]\n",
    )
    .unwrap();
    let s = resolve(&f, None, &env(&[])).unwrap();
    assert!(matches!(s.allow_private_urls, PrivateUrls::Networks(ref n) if n.len() == 2));
}

#[test]
fn file_errors_name_the_file_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("revos.toml");
    std::fs::write(&file, "listne = \"127.0.0.1:1\"\n").unwrap();
    let mut f = flags();
    f.config = Some(file);
    let e = resolve(&f, None, &env(&[])).unwrap_err();
    assert!(e.to_string().contains("listne"), "{e}");
    let mut f = flags();
    f.config = Some(dir.path().join("missing.toml"));
    assert_eq!(resolve(&f, None, &env(&[])).unwrap_err().key, "--config");
}

#[test]
fn signup_rule_and_trusted_proxies_come_from_env_or_file() {
    let s = resolve(&flags(), None, &env(&[("REVOS_CONFIG", "")])).unwrap();
    assert_eq!(s.signup, revos_domain::SignupPolicy::First);
    assert_eq!(s.trusted_proxies, revos_web::TrustedProxies::default());
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("revos.toml");
    std::fs::write(
        &file,
        "signup = \"closed\"\ntrusted_proxies = \"10.0.0.0/8, 127.0.0.1\"\n",
    )
    .unwrap();
    let mut f = flags();
    f.config = Some(file);
    let s = resolve(&f, None, &env(&[])).unwrap();
    assert_eq!(s.signup, revos_domain::SignupPolicy::Closed);
    assert_eq!(
        s.trusted_proxies,
        revos_web::TrustedProxies::parse("10.0.0.0/8,127.0.0.1").unwrap()
    );
    let s = resolve(&f, None, &env(&[("REVOS_SIGNUP", "open")])).unwrap();
    assert_eq!(s.signup, revos_domain::SignupPolicy::Open);
    let e = resolve(&f, None, &env(&[("REVOS_SIGNUP", "sometimes")])).unwrap_err();
    assert_eq!(e.key, "REVOS_SIGNUP");
    let e = resolve(&f, None, &env(&[("REVOS_TRUSTED_PROXIES", "my-proxy")])).unwrap_err();
    assert_eq!(e.key, "REVOS_TRUSTED_PROXIES");
    assert!(e.message.contains("my-proxy"), "{e}");
}

#[test]
fn mcp_servers_are_declared_in_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("revos.toml");
    let mut f = flags();
    f.config = Some(file.clone());
    std::fs::write(
        &file,
        "[mcp_servers.crm]\ncommand = \"/usr/bin/crm\"\nargs = [\"--stdio\"]\nsecret = \"crm_token\"\n\
         [mcp_servers.search]\nurl = \"https://search.example/mcp\"\nworkspaces = [\"Acme\"]\n",
    )
    .unwrap();
    let s = resolve(&f, None, &env(&[])).unwrap();
    assert_eq!(s.mcp_servers.len(), 2);
    assert_eq!(
        s.mcp_servers[0].transport,
        McpTransport::Stdio {
            command: "/usr/bin/crm".into(),
            args: vec!["--stdio".into()]
        }
    );
    assert_eq!(
        s.mcp_servers[0].secret_env_var().as_deref(),
        Some("CRM_TOKEN")
    );
    assert_eq!(
        s.mcp_servers[1].workspaces.as_deref(),
        Some(&["acme".to_owned()][..])
    );
    let policy = OutboundPolicy::default();
    check_mcp_urls(&s.mcp_servers, &policy).unwrap();

    for (text, key) in [
        (
            "[mcp_servers.x]\ncommand = \"a\"\nurl = \"https://a.io\"\n",
            "mcp_servers.x",
        ),
        (
            "[mcp_servers.x]\nurl = \"ftp://a.io\"\n",
            "mcp_servers.x.url",
        ),
        (
            "[mcp_servers.x]\nurl = \"https://a.io\"\nargs = []\n",
            "mcp_servers.x.args",
        ),
        (
            "[mcp_servers.x]\ncommand = \"a\"\nsecret = \"Bad Name\"\n",
            "mcp_servers.x.secret",
        ),
        (
            "[mcp_servers.x]\ncommand = \"a\"\nworkspaces = []\n",
            "mcp_servers.x.workspaces",
        ),
        ("[mcp_servers.Bad]\ncommand = \"a\"\n", "mcp_servers.Bad"),
    ] {
        std::fs::write(&file, text).unwrap();
        let e = resolve(&f, None, &env(&[])).unwrap_err();
        assert!(e.key.ends_with(key), "{text}: {e}");
    }
    std::fs::write(&file, "[mcp_servers.x]\ncommand = \"a\"\nenv = {}\n").unwrap();
    let e = resolve(&f, None, &env(&[])).unwrap_err();
    assert!(
        e.to_string().contains("env"),
        "unknown keys are errors: {e}"
    );

    // A declared HTTP server on an internal address needs the operator's opt-in.
    std::fs::write(
        &file,
        "[mcp_servers.local]\nurl = \"http://127.0.0.1:9000/mcp\"\n",
    )
    .unwrap();
    let s = resolve(&f, None, &env(&[])).unwrap();
    let e = check_mcp_urls(&s.mcp_servers, &policy).unwrap_err();
    assert_eq!(e.key, "mcp_servers.local.url");
    let open = OutboundPolicy::new(PrivateUrls::Allowed);
    check_mcp_urls(&s.mcp_servers, &open).unwrap();
}

/// The README's configuration table documents every row of the settings table: its
/// variable, its flag and its revos.toml key, on one line.
#[test]
fn readme_documents_every_setting() {
    let readme = include_str!("../../../../README.md");
    for setting in table::SETTINGS {
        let line = readme
            .lines()
            .find(|l| l.starts_with(&format!("| `{}` |", setting.env)))
            .unwrap_or_else(|| panic!("README lacks a row for {}", setting.env));
        assert!(
            line.contains(&format!("| `{}` |", setting.file_key)),
            "README's {} row lacks its file key {}",
            setting.env,
            setting.file_key
        );
        if let Some((flag, _)) = setting.flag {
            assert!(
                line.contains(&format!("`{flag}`")),
                "README's {} row lacks {flag}",
                setting.env
            );
        }
    }
}

#[test]
fn file_type_and_syntax_errors_name_the_key_and_line_and_no_internal_type() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("revos.toml");
    let cases = [
        (
            "listen = \"127.0.0.1:1000\"\n[llm_prices]\n\"gpt-x\" = \"cheap\"\n",
            "revos.toml: line 3: llm_prices.\"gpt-x\"",
        ),
        (
            "[llm_prices.\"gpt-x\"]\ninput_per_million = \"abc\"\n",
            "revos.toml: line 2: llm_prices.\"gpt-x\".input_per_million",
        ),
        ("log_format = \"json\"\nlisten = \n", "revos.toml: line 2"),
    ];
    for (text, key) in cases {
        std::fs::write(&file, text).unwrap();
        let mut f = flags();
        f.config = Some(file.clone());
        let e = resolve(&f, None, &env(&[])).unwrap_err().to_string();
        assert!(e.contains(key), "{text:?}: {e}");
        assert!(!e.contains("Raw") && !e.contains("struct"), "{text:?}: {e}");
    }
}
