//! Fake-provider wiring: the fake servers of `revos-providers` (re-exported here, so a test
//! needs no `fakes` feature of its own), the keys a test instance gives them, the seeding of
//! a commented post on the fake Unipile, and clients pointed at the fakes.
//!
//! Building the app's `ProviderSettings` from these stays with the tests that have an app
//! (`crates/revos/tests/api/campaign_fakes.rs`): this crate sits below `revos-app`.

pub use revos_providers::fakes::{Fault, apollo, email, openai, unipile};

use revos_providers::HttpConfig;
use revos_providers::unipile::Unipile;

/// The Unipile key a test instance uses for workspaces without their own.
pub const INSTANCE_UNIPILE_KEY: &str = "instance-unipile-key";

/// The API key a test instance gives the fake language model.
pub const FAKE_LLM_KEY: &str = "sk-test";

/// The fake Unipile account tests connect (`acc1`, "Dana").
pub const ACCOUNT: (&str, &str) = ("acc1", "Dana");

/// Gives the fake account [`ACCOUNT`] the watched `post` ("Comment GUIDE"), on which `lead`
/// (provider id, name) commented "GUIDE please", and connects `lead` to that account.
pub fn commented_post(unipile: &unipile::Running, post: &str, lead: (&str, &str)) {
    let (account, name) = ACCOUNT;
    let (lead_id, lead_name) = lead;
    unipile.state.add_account(account, name);
    unipile.state.add_post(post, "Comment GUIDE");
    unipile
        .state
        .add_comment(post, lead_id, lead_name, "GUIDE please", true);
    unipile.state.connect(account, lead_id);
}

/// A client of the fake Unipile server (any key: the fake does not check it).
pub fn unipile_client(unipile: &unipile::Running) -> Unipile {
    Unipile::new(HttpConfig::new(&unipile.base_url, "k".to_owned().into()))
}
