//! Use cases over a fresh database on both backends, called directly on an [`App`] built with
//! [`App::new`]: no HTTP server in between.

mod auth;
mod cartridges;

use crate::{App, MasterKey, Settings, SimulatedClock, Store};
use chrono::{SubsecRound, Utc};
use revos_domain::SignupPolicy;
use std::sync::Arc;

/// An app over `store` under `signup`, on a simulated clock (whole milliseconds, which both
/// backends keep exactly) that the test moves.
fn app(store: Store, signup: SignupPolicy) -> (App, Arc<SimulatedClock>) {
    let clock = Arc::new(SimulatedClock::new(Utc::now().trunc_subsecs(3)));
    let settings = Settings {
        signup,
        ..Settings::default()
    };
    let app = App::new(store, MasterKey::generate(), clock.clone(), settings);
    (app, clock)
}
