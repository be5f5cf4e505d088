//! Headers every response carries, API and pages alike, so a browser treats everything this
//! server sends as strictly as the web app needs and no more: scripts, styles and everything
//! else only from this origin (no inline script or style, so injected markup cannot run), no
//! framing by other sites, no content-type sniffing, no full URLs in the `Referer` sent
//! elsewhere, and HSTS when the operator serves the instance over https. The operator's web
//! analytics snippet, when set, adds its own origins to `script-src`, `connect-src` and
//! `img-src`, and nothing else.

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use revos_domain::web_analytics::WebAnalytics;

/// The Content-Security-Policy of every response, with the snippet's `sources` (its script's
/// origin and the origins it talks to) allowed where a snippet needs them.
fn content_security_policy(sources: &str) -> String {
    let extra = match sources.is_empty() {
        true => String::new(),
        false => format!(" {sources}"),
    };
    format!(
        "default-src 'self'; script-src 'self'{extra}; style-src 'self'; img-src 'self' data:{extra}; \
         connect-src 'self'{extra}; font-src 'self'; object-src 'none'; frame-ancestors 'none'; \
         base-uri 'none'; form-action 'self'"
    )
}

/// The policy without a snippet: also what a snippet falls back to should its sources ever
/// not fit a header (they are checked https origins, so they always do).
const WITHOUT_SNIPPET: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; \
     frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// The policy header for an instance with this snippet (or none).
pub(crate) fn policy(snippet: Option<&WebAnalytics>) -> HeaderValue {
    let sources = snippet.map(WebAnalytics::csp_sources).unwrap_or_default();
    HeaderValue::from_str(&content_security_policy(&sources))
        .unwrap_or(HeaderValue::from_static(WITHOUT_SNIPPET))
}

/// HSTS for instances served over https: a year, this host only (the operator's other
/// subdomains may not be on https).
const STRICT_TRANSPORT_SECURITY: &str = "max-age=31536000";

/// Adds the headers to `resp`, keeping any a handler set itself.
pub(crate) async fn add(https: bool, csp: HeaderValue, req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let headers = resp.headers_mut();
    headers
        .entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(csp);
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(headers, header::REFERRER_POLICY, "same-origin");
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    if https {
        set(
            headers,
            header::STRICT_TRANSPORT_SECURITY,
            STRICT_TRANSPORT_SECURITY,
        );
    }
    resp
}

fn set(headers: &mut HeaderMap, name: HeaderName, value: &'static str) {
    headers
        .entry(name)
        .or_insert(HeaderValue::from_static(value));
}

#[cfg(test)]
mod tests {
    /// Every template, by name, with its text.
    fn templates() -> Vec<(String, String)> {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
        let mut found: Vec<(String, String)> = std::fs::read_dir(dir)
            .expect("the templates directory")
            .map(|entry| {
                let path = entry.expect("a directory entry").path();
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                (name, std::fs::read_to_string(&path).expect("a template"))
            })
            .collect();
        found.sort();
        found
    }

    /// The tags of `html`, each from `<` to `>`, lower-cased.
    fn tags(html: &str) -> Vec<String> {
        html.split('<')
            .skip(1)
            .filter_map(|rest| {
                rest.split_once('>')
                    .map(|(tag, _)| tag.to_ascii_lowercase())
            })
            .collect()
    }

    /// What the policy forbids in `html`: inline scripts, event-handler attributes,
    /// `javascript:` URLs, style elements and attributes.
    fn violations(html: &str) -> Vec<String> {
        let mut found = Vec::new();
        for tag in tags(html) {
            let name = tag.split_whitespace().next().unwrap_or("");
            if name == "script" && !tag.contains(" src=") {
                found.push(format!("an inline script: <{tag}>"));
            }
            if name == "style" {
                found.push("a <style> element".into());
            }
            for attr in tag.split_whitespace().skip(1) {
                let key = attr.split('=').next().unwrap_or("");
                if key.starts_with("on") && key.len() > 2 && attr.contains('=') {
                    found.push(format!("an event handler: {attr} in <{tag}>"));
                }
                if key == "style" {
                    found.push(format!("a style attribute in <{tag}>"));
                }
            }
            if tag.contains("javascript:") {
                found.push(format!("a javascript: URL in <{tag}>"));
            }
        }
        found
    }

    #[test]
    fn a_snippet_adds_its_origins_and_nothing_else() {
        assert_eq!(super::content_security_policy(""), super::WITHOUT_SNIPPET);
        assert_eq!(super::policy(None), super::WITHOUT_SNIPPET);
        let w = revos_domain::web_analytics::WebAnalytics::parse(
            "https://www.clarity.ms/tag/abc",
            "https://*.clarity.ms",
        )
        .unwrap();
        let with = super::policy(Some(&w));
        let with = with.to_str().unwrap();
        let sources = "https://www.clarity.ms https://*.clarity.ms";
        assert!(
            with.contains(&format!("script-src 'self' {sources};")),
            "{with}"
        );
        assert!(
            with.contains(&format!("connect-src 'self' {sources};")),
            "{with}"
        );
        assert!(!with.contains("unsafe-inline"), "{with}");
        assert!(with.contains("default-src 'self';"), "{with}");
    }

    #[test]
    fn the_checker_sees_what_the_policy_forbids() {
        for bad in [
            "<script>alert(1)</script>",
            "<button onclick=\"go()\">",
            "<body ONLOAD=go()>",
            "<p style=\"color:red\">",
            "<style>p{}</style>",
            "<a href=\"javascript:history.back()\">",
        ] {
            assert!(!violations(bad).is_empty(), "{bad} passed");
        }
        for good in [
            "<script src=\"/assets/app.js\" defer></script>",
            "<button type=\"submit\" data-confirm=\"on=off\">",
            "<option value=\"x\">",
        ] {
            assert_eq!(violations(good), Vec::<String>::new(), "{good}");
        }
    }

    /// The pages work under a policy without `'unsafe-inline'`: no template holds inline
    /// script, event handlers, `javascript:` URLs or inline style, and every page head that
    /// loads the stylesheet names the icon.
    #[test]
    fn templates_hold_no_inline_script_or_style() {
        let all = templates();
        assert!(all.len() > 10, "templates not found");
        for (name, text) in &all {
            assert_eq!(violations(text), Vec::<String>::new(), "{name}");
            if text.contains("<head") {
                assert!(
                    text.contains(r#"<link rel="icon" href="/assets/favicon.svg""#),
                    "{name}: a page head without the icon"
                );
            }
        }
    }
}
