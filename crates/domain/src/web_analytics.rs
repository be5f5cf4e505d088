//! The operator's web analytics snippet (PostHog, Microsoft Clarity, …) on the app's pages:
//! an external script loaded by URL (never inline script), and the Content-Security-Policy
//! sources it needs: the script's own origin and the origins it talks to, all https.

/// The snippet: the script every app page loads, and the extra origins the script loads
/// from and sends to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebAnalytics {
    script_url: String,
    origins: Vec<String>,
}

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

impl WebAnalytics {
    /// The snippet loading `script_url` and talking to `origins` (see [`check_script_url`]
    /// and [`check_origins`]). Errors say what is wrong, for the setting's error line.
    pub fn parse(script_url: &str, origins: &str) -> Result<Self, String> {
        Ok(Self {
            script_url: check_script_url(script_url)?,
            origins: check_origins(origins)?,
        })
    }

    /// The script's URL, for the pages' `<script src>`.
    pub fn script_url(&self) -> &str {
        &self.script_url
    }

    /// The sources to allow in `script-src`, `connect-src` and `img-src`: the script's own
    /// origin and the extra origins, space-separated.
    pub fn csp_sources(&self) -> String {
        let own = origin_len(&self.script_url, false).map(|n| &self.script_url[..n]);
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
        assert_eq!(w.script_url(), "https://www.clarity.ms/tag/abc123");
        assert_eq!(
            w.csp_sources(),
            "https://www.clarity.ms https://*.clarity.ms https://c.bing.com"
        );
        let alone = WebAnalytics::parse("https://analytics.example.com:8443/ph.js", "").unwrap();
        assert_eq!(alone.csp_sources(), "https://analytics.example.com:8443");
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
