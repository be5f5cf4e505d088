//! The one permission check of the client role: a client (the agency's customer) may only
//! make the requests on this allow-list (the approval queue, the posts' schedule, the
//! reports, approving and rejecting with a comment, signing out). It is applied where a
//! principal is resolved (the API's bearer extractor and the pages' session extractor), so a
//! route added later is closed to clients until it is listed here.

use axum::http::Method;
use revos_domain::Role;

/// What a client-role caller may request: a method and a path pattern where `*` stands for
/// one path segment (an id).
const CLIENT_ALLOWED: &[(Method, &str)] = &[
    // Who they are, and signing out.
    (Method::GET, "/api/v1/me"),
    (Method::POST, "/api/v1/auth/logout"),
    (Method::POST, "/logout"),
    (Method::POST, "/switch"),
    // The approval queue and the posts' schedule (scheduled and published posts), with the
    // posts' media previews; approving or rejecting with a comment.
    (Method::GET, "/api/v1/posts"),
    (Method::GET, "/api/v1/posts/*"),
    (Method::GET, "/api/v1/posts/*/media"),
    (Method::POST, "/api/v1/posts/*/approve"),
    (Method::POST, "/api/v1/posts/*/reject"),
    (Method::GET, "/approvals"),
    (Method::GET, "/posts/*"),
    (Method::GET, "/post-media/*"),
    (Method::POST, "/posts/*/approve"),
    (Method::POST, "/posts/*/reject"),
    // The content calendar (read only) and its best posting times.
    (Method::GET, "/calendar"),
    (Method::GET, "/api/v1/calendar"),
    (Method::GET, "/api/v1/calendar/best-times"),
    // Reports: the dashboard's funnel and figures, and the per-workspace overview.
    (Method::GET, "/"),
    (Method::GET, "/api/v1/overview"),
    // Reports over a period, per client, and their PDF.
    (Method::GET, "/api/v1/reports"),
    (Method::GET, "/api/v1/reports.pdf"),
    (Method::GET, "/reports"),
    (Method::GET, "/reports.pdf"),
];

/// Whether a caller with `role` may make this request. Every role but the client may reach
/// every route (each use case still checks what the role may do).
pub(crate) fn allows(role: Role, method: &Method, path: &str) -> bool {
    !role.is_client()
        || CLIENT_ALLOWED
            .iter()
            .any(|(m, pattern)| m == method && matches(pattern, path))
}

/// The message of the refusal.
pub(crate) const REFUSED: &str =
    "a client may only see the approval queue, the posts' schedule and the reports";

/// Whether `path` matches `pattern`, segment by segment (`*` is any one non-empty segment).
fn matches(pattern: &str, path: &str) -> bool {
    let path = path
        .strip_suffix('/')
        .filter(|p| !p.is_empty())
        .unwrap_or(path);
    let mut want = pattern.split('/');
    let mut got = path.split('/');
    loop {
        match (want.next(), got.next()) {
            (None, None) => return true,
            (Some("*"), Some(seg)) if !seg.is_empty() => {}
            (Some(w), Some(g)) if w == g => {}
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clients_reach_only_the_listed_requests() {
        let get = Method::GET;
        let post = Method::POST;
        assert!(allows(Role::Client, &get, "/approvals"));
        assert!(allows(Role::Client, &post, "/posts/abc/approve"));
        assert!(!allows(Role::Client, &post, "/posts/abc/publish"));
        assert!(!allows(Role::Client, &post, "/posts/abc/approve/x"));
        assert!(!allows(Role::Client, &post, "/posts//approve"));
        assert!(!allows(Role::Client, &get, "/leads"));
        assert!(!allows(Role::Client, &post, "/approvals"));
        assert!(!allows(Role::Client, &get, "/api/v1/posts/a/b"));
        assert!(allows(Role::Client, &get, "/api/v1/posts/"));
        assert!(allows(Role::Member, &get, "/leads"));
        assert!(allows(Role::Client, &get, "/calendar"));
        assert!(!allows(Role::Client, &post, "/calendar/schedule"));
    }
}
