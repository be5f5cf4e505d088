//! Where a form may send the browser afterwards (`next`): only a path of this site. Every
//! place that reads a `next` value goes through [`same_origin_path`], so an open redirect
//! cannot come back through a route that forgot the rule.

use percent_encoding::percent_decode_str;

/// `next` when it is a path of this site, else `None` (callers fall back to a page of their
/// own). A path starts with one `/` and is printable ASCII without spaces (what a browser
/// sends for a link of ours, percent-encoded); after percent-decoding it must still not
/// start with `//` and must hold no backslash and no control character, since browsers
/// drop tabs and newlines and read `\` as `/`: `/%09/evil.example` and `/\evil` would
/// otherwise leave the site. Schemes (`javascript:`) and absolute URLs do not start with `/`.
pub(super) fn same_origin_path(next: Option<&str>) -> Option<&str> {
    let next = next?;
    let printable = next.bytes().all(|b| b.is_ascii_graphic());
    if !printable || !next.starts_with('/') {
        return None;
    }
    let decoded = percent_decode_str(next).collect::<Vec<u8>>();
    let hostile =
        decoded.starts_with(b"//") || decoded.iter().any(|b| *b == b'\\' || b.is_ascii_control());
    (!hostile).then_some(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paths_of_this_site_are_followed() {
        let cases: &[(&str, Option<&str>)] = &[
            ("/", Some("/")),
            (
                "/leads?q=Ana%20co&stage=new",
                Some("/leads?q=Ana%20co&stage=new"),
            ),
            ("/campaigns/0193/edit#top", Some("/campaigns/0193/edit#top")),
            ("//evil.example", None),
            ("/\\evil.example", None),
            ("/%5Cevil.example", None),
            ("/%09/evil.example", None),
            ("/\t/evil.example", None),
            ("/%0a/evil.example", None),
            ("/%2F/evil.example", None),
            ("/%2f%2fevil.example", None),
            ("/ok\r\nSet-Cookie: x=1", None),
            ("/a b", None),
            ("/é", None),
            ("javascript:alert(1)", None),
            ("https://evil.example/", None),
            ("http:/evil.example", None),
            ("evil.example", None),
            ("", None),
        ];
        for (raw, want) in cases {
            assert_eq!(same_origin_path(Some(raw)), *want, "{raw:?}");
        }
        assert_eq!(same_origin_path(None), None);
    }
}
