//! The LinkedIn outreach wing: the path of one lead from a comment to a DM or an email. The
//! comment [`monitor`] turns commenters into leads, [`enrichment`] fills them in, [`dm`] sends
//! the (personalised, paced) DM once they are connected ([`connections`]), [`replies`] records
//! their answers (and [`comment_reply`] answers in public), and [`email_fallback`] sequences the
//! ones who cannot be reached on LinkedIn, until [`email_bounces`] stops a bounced address.
//! [`requeue`] is the only way a DM or a fallback is queued; [`context`] reads what a job works
//! with.

pub mod account_owner;
pub mod campaign_queue;
pub mod comment_reply;
pub mod connections;
pub mod context;
pub mod dm;
pub mod dm_requests;
pub mod email_bounces;
pub mod email_fallback;
pub mod enrichment;
pub mod entry;
pub mod monitor;
pub(crate) mod paced;
mod personalize;
pub mod replies;
pub mod requeue;
