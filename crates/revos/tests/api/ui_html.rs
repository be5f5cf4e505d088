//! What the web-app tests share: form bodies, the CSRF token and attributes read from a page,
//! and the check that every form control has a label.

/// An `application/x-www-form-urlencoded` body of `pairs`.
pub fn form_encode(pairs: &[(&str, &str)]) -> String {
    let mut url = reqwest::Url::parse("http://x/").unwrap();
    url.query_pairs_mut().extend_pairs(pairs);
    url.query().unwrap_or("").to_owned()
}

/// The first CSRF token on a page.
pub fn csrf_of(html: &str) -> String {
    let marker = "name=\"_csrf\" value=\"";
    let start = html.find(marker).expect("a CSRF field") + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

/// The value of attribute `name` in a tag's text.
pub fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let at = tag.find(&key)? + key.len();
    Some(tag[at..].split('"').next()?.to_owned())
}

/// `text` as the pages' HTML escaping writes it.
pub fn escaped(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
        .replace('/', "&#x2f;")
}

/// A client that shows redirects instead of following them.
pub fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .unwrap()
}

/// Every `<input>` (but hidden ones), `<select>` and `<textarea>` of `page` has an id and a
/// `<label for>` naming it, and there is at least one.
pub fn assert_labelled(html: &str, page: &str) {
    let mut controls = 0;
    for open in ["<input", "<select", "<textarea"] {
        for (at, _) in html.match_indices(open) {
            let tag = &html[at..at + html[at..].find('>').unwrap()];
            if attr(tag, "type").as_deref() == Some("hidden") {
                continue;
            }
            controls += 1;
            let id =
                attr(tag, "id").unwrap_or_else(|| panic!("{page}: a control without an id: {tag}"));
            assert!(
                html.contains(&format!("<label for=\"{id}\"")),
                "{page}: no <label for=\"{id}\">"
            );
        }
    }
    assert!(controls > 0, "{page}: no form controls at all");
}
