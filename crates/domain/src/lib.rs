//! Pure types and rules of RevOS: identifiers, parsed values, roles, cartridges and the
//! validation errors they raise. Nothing here performs I/O, so every rule is unit-testable
//! and shared alike by the API, the CLI and the workers.

pub mod activity;
pub mod analytics;
pub mod calendar;
pub mod campaign;
pub mod campaign_activation;
pub mod cartridge;
pub mod clock;
pub mod content_plan;
pub mod costs;
pub mod date_range;
pub mod email;
pub mod embedding;
pub mod files;
pub mod first_run;
pub mod funnel;
pub mod grounding;
pub mod guides;
pub mod ids;
pub mod inbox;
pub mod job_state;
pub mod json_diff;
pub mod knowledge;
pub mod lead;
pub mod lead_import;
pub mod lead_magnet;
pub mod lead_tag;
pub mod linkedin_account;
pub mod linkedin_id;
pub mod llm_pricing;
pub mod magnet_link;
pub mod mcp_servers;
pub mod memory;
pub mod notification;
pub mod offline_writer;
pub mod outgoing_webhook;
pub mod paced_action;
pub mod pacing;
pub mod pacing_status;
pub mod page;
pub mod password;
pub mod period_change;
pub mod post;
pub mod post_media;
pub mod post_preview;
pub mod report_period;
pub mod role;
pub mod search_text;
pub mod secret_name;
pub mod sequence;
pub mod signup;
pub mod stored_name;
pub mod style;
pub mod triggers;
pub mod untrusted;
pub mod user_template;
pub mod validation;
pub mod web_analytics;
pub mod workspace;

pub use clock::{Clock, SimulatedClock, SystemClock};
pub use email::Email;
pub use ids::{
    ApiKeyId, CartridgeId, FileId, GuideId, InvitationId, LeadMagnetId, TenantId, UserId,
};
pub use pacing::{PacingPolicy, PacingState};
pub use page::{Page, PageRequest};
pub use password::NewPassword;
pub use role::Role;
pub use secret_name::SecretName;
pub use signup::SignupPolicy;
pub use validation::{FieldError, ValidationErrors};
pub use workspace::WorkspaceName;
