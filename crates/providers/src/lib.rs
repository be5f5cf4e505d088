//! Clients for the services RevOS works with: Apollo (enrichment), Unipile (LinkedIn),
//! Instantly and Smartlead (email sequences). Each client takes its base URL and key from
//! configuration (or a tenant's vault), applies a timeout, retries 429 and 5xx answers with
//! backoff while honouring `Retry-After`, and classifies failures as transient (try again
//! later) or permanent (fail the job with a clear reason), keeping the provider's own error
//! type. The `fakes` feature adds in-process fake servers for tests.

pub mod apollo;
pub mod email;
mod http;
pub mod llm;
pub mod outbound;
pub mod outgoing_webhook;
pub mod posthog;
pub mod sandbox;
pub mod slack;
mod traits;
pub mod unipile;
pub mod webhooks;

#[cfg(feature = "fakes")]
pub mod fakes;

pub use http::{
    CallObserver, ErrorClass, HttpConfig, MAX_PROVIDER_BODY, ProviderCall, ProviderError,
    ProviderErrorKind,
};
pub use traits::{
    ChatActivity, ChatMessage, ChatPage, CommentPage, Commenter, CreatedPost, EmailSequencer,
    Enricher, LinkedIn, OwnPost, PostAttachment, PostComment, PostMetrics, SentDm,
};
