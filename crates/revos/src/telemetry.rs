//! Log output: human-readable or JSON lines on stderr, filtered by REVOS_LOG. Every line
//! logged while a request is handled carries that request's id (see the web crate's span).

use crate::config::{LogFormat, Settings};
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber.
pub fn init(settings: &Settings) {
    let filter = EnvFilter::builder().parse_lossy(&settings.log_filter);
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match settings.log_format {
        LogFormat::Json => builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .init(),
        LogFormat::Text => builder.with_ansi(false).init(),
    }
}
