//! The operator's web analytics snippet (PostHog, Microsoft Clarity, …) on the app's pages:
//! an external script loaded by URL, and/or the vendor's standard inline snippet, which
//! RevOS serves itself as a same-origin script file (so the pages never carry inline script
//! and the Content-Security-Policy needs no `'unsafe-inline'`), and the policy sources they
//! need: the script's own origin and the origins they talk to, all https.

/// The snippet: the script every app page loads, the operator's own snippet text served at
/// [`SNIPPET_PATH`], and the extra origins they load from and send to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebAnalytics {
    script_url: Option<String>,
    snippet: Option<String>,
    origins: Vec<String>,
}

/// Where RevOS serves the operator's snippet text (same origin: `script-src 'self'`).
pub const SNIPPET_PATH: &str = "/assets/web-analytics.js";

/// The largest snippet accepted: vendors' loaders are a few kilobytes.
pub const MAX_SNIPPET_BYTES: usize = 64 * 1024;

/// `https://HOST[:PORT]` (with `*.` allowed before the host when `wildcard`), its length if
/// `text` starts with one.
fn origin_len(text: &str, wildcard: bool) -> Option<usize> {
    let rest = text.strip_prefix("https://")?;
    let host = rest.split('/').next().unwrap_or("");
    let bare = match wildcard {
        true => host.strip_prefix("*.").unwrap_or(host),
        false => host,
    };
    let ok = !bare.is_empty()
        && !bare.starts_with('.')
        && bare
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'));
    ok.then_some("https://".len() + host.len())
}

/// Checks the snippet's script URL: an https URL without characters that could end a
/// policy source or an HTML attribute. Returns it trimmed.
pub fn check_script_url(raw: &str) -> Result<String, String> {
    let url = raw.trim();
    let safe = url
        .chars()
        .all(|c| c.is_ascii_graphic() && !matches!(c, '"' | '\'' | '<' | '>' | ';' | ',' | '\\'));
    if origin_len(url, false).is_none() || !safe {
        return Err(format!(
            "{url:?} is not an https URL of a script (e.g. https://www.clarity.ms/tag/ID)"
        ));
    }
    Ok(url.to_owned())
}

/// Checks a comma- or space-separated list of https origins (`https://*.clarity.ms`
/// allowed). Returns them without trailing slashes.
pub fn check_origins(raw: &str) -> Result<Vec<String>, String> {
    raw.split([',', ' '])
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map(|origin| {
            let origin = origin.trim_end_matches('/');
            match origin_len(origin, true) == Some(origin.len()) {
                true => Ok(origin.to_owned()),
                false => Err(format!(
                    "{origin:?} is not an https origin (e.g. https://us.i.posthog.com or https://*.clarity.ms)"
                )),
            }
        })
        .collect()
}

/// Checks the operator's snippet text (the JavaScript of a vendor's standard snippet, as
/// pasted from PostHog's or Clarity's settings): one `<script>…</script>` wrapper around it
/// is taken off; it must not be empty, exceed [`MAX_SNIPPET_BYTES`], or hold further
/// `<script` tags (an external script goes in the script URL setting instead). Returns the
/// JavaScript to serve.
pub fn check_snippet(raw: &str) -> Result<String, String> {
    let mut text = raw.trim();
    if text.len() > MAX_SNIPPET_BYTES {
        return Err(format!(
            "the snippet has {} bytes; at most {MAX_SNIPPET_BYTES} are accepted",
            text.len()
        ));
    }
    let lower = text.to_ascii_lowercase();
    if lower.starts_with("<script") && lower.ends_with("</script>") {
        let open_end = text.find('>').unwrap_or(0);
        let open = &lower[..open_end];
        if open.contains(" src") {
            return Err(
                "the snippet loads an external script: set its URL as the script URL instead"
                    .into(),
            );
        }
        text = text[open_end + 1..text.len() - "</script>".len()].trim();
    }
    if text.is_empty() {
        return Err("the snippet is empty".into());
    }
    if text.to_ascii_lowercase().contains("<script") {
        return Err(
            "the snippet must be the JavaScript of one snippet (at most one <script> wrapper, no HTML inside)"
                .into(),
        );
    }
    Ok(text.to_owned())
}

impl WebAnalytics {
    /// The snippet loading `script_url` and talking to `origins` (see [`check_script_url`]
    /// and [`check_origins`]). Errors say what is wrong, for the setting's error line.
    pub fn parse(script_url: &str, origins: &str) -> Result<Self, String> {
        Self::from_parts(Some(script_url), None, origins)
    }

    /// The snippet of an external script (`script_url`), the operator's own snippet text
    /// (`snippet`, see [`check_snippet`]), or both, talking to `origins`. One of the two
    /// must be given.
    pub fn from_parts(
        script_url: Option<&str>,
        snippet: Option<&str>,
        origins: &str,
    ) -> Result<Self, String> {
        if script_url.is_none() && snippet.is_none() {
            return Err("neither a script URL nor a snippet is set".into());
        }
        Ok(Self {
            script_url: script_url.map(check_script_url).transpose()?,
            snippet: snippet.map(check_snippet).transpose()?,
            origins: check_origins(origins)?,
        })
    }

    /// The external script's URL, for the pages' `<script src>`.
    pub fn script_url(&self) -> Option<&str> {
        self.script_url.as_deref()
    }

    /// The operator's snippet text, served at [`SNIPPET_PATH`].
    pub fn snippet(&self) -> Option<&str> {
        self.snippet.as_deref()
    }

    /// The sources to allow in `script-src`, `connect-src` and `img-src`: the script's own
    /// origin and the extra origins, space-separated.
    pub fn csp_sources(&self) -> String {
        let own = self
            .script_url
            .as_deref()
            .and_then(|url| origin_len(url, false).map(|n| &url[..n]));
        let mut sources: Vec<&str> = own.into_iter().collect();
        for o in &self.origins {
            if !sources.contains(&o.as_str()) {
                sources.push(o);
            }
        }
        sources.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_are_the_script_origin_and_the_extra_origins() {
        let w = WebAnalytics::parse(
            "https://www.clarity.ms/tag/abc123",
            "https://*.clarity.ms, https://c.bing.com/",
        )
        .unwrap();
        assert_eq!(w.script_url(), Some("https://www.clarity.ms/tag/abc123"));
        assert_eq!(
            w.csp_sources(),
            "https://www.clarity.ms https://*.clarity.ms https://c.bing.com"
        );
        let alone = WebAnalytics::parse("https://analytics.example.com:8443/ph.js", "").unwrap();
        assert_eq!(alone.csp_sources(), "https://analytics.example.com:8443");
    }

    #[test]
    fn a_pasted_snippet_loses_its_script_wrapper_and_nothing_else() {
        let pasted = "<script type=\"text/javascript\">\n  (function(c,l,a,r,i,t,y){c[a]=c[a]||function(){};})(window, document, \"clarity\", \"script\", \"abc\");\n</script>\n";
        let w = WebAnalytics::from_parts(None, Some(pasted), "https://www.clarity.ms").unwrap();
        assert_eq!(
            w.snippet(),
            Some(
                "(function(c,l,a,r,i,t,y){c[a]=c[a]||function(){};})(window, document, \"clarity\", \"script\", \"abc\");"
            )
        );
        assert_eq!(w.script_url(), None);
        assert_eq!(w.csp_sources(), "https://www.clarity.ms");
        assert_eq!(
            check_snippet("posthog.init('k')").unwrap(),
            "posthog.init('k')"
        );
        for bad in [
            "",
            "<script></script>",
            "<script src=\"https://x.example/a.js\"></script>",
            "<script>a()</script><script>b()</script>",
        ] {
            assert!(check_snippet(bad).is_err(), "{bad}");
        }
        assert!(check_snippet(&"x".repeat(MAX_SNIPPET_BYTES + 1)).is_err());
        assert!(WebAnalytics::from_parts(None, None, "").is_err());
    }

    #[test]
    fn unsafe_or_plain_http_values_are_refused() {
        for (url, origins) in [
            ("http://www.clarity.ms/tag/x", ""),
            ("https://a.example/x.js'; script-src *", ""),
            ("https:///x.js", ""),
            ("javascript:alert(1)", ""),
            ("https://a.example/x.js", "https://b.example/path"),
            ("https://a.example/x.js", "*"),
            ("https://a.example/x.js", "https://b.example;"),
        ] {
            assert!(
                WebAnalytics::parse(url, origins).is_err(),
                "{url} {origins}"
            );
        }
    }
}
