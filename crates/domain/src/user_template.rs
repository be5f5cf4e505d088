//! Rendering text a workspace wrote (a campaign's DM template, its public connect reply, any
//! later user template) under a budget, so that no template can hold a thread or fill the
//! server's memory: a limited number of engine steps (minijinja's fuel, which also pays for
//! every string and list a template builds), a shallow recursion limit, and output that stops
//! as soon as it passes [`OUTPUT_MAX_CHARS`]. The same function checks a template when it is
//! saved and renders it when it is sent, so what passes the check cannot stall the sender.

use minijinja::{Environment, ErrorKind, UndefinedBehavior, Value};
use std::io;

/// The most characters a user template may render to (LinkedIn's limit on a message).
pub const OUTPUT_MAX_CHARS: usize = 8_000;

/// The engine steps one render may take. An instruction costs about one, and every 64 bytes
/// a template creates cost about one more, so this bounds both the time (a few milliseconds)
/// and the memory (a few megabytes) of a render. A real DM template takes a few hundred.
pub const FUEL: u64 = 50_000;

/// How deeply a template may nest blocks, loops and macro calls.
pub const RECURSION_LIMIT: usize = 40;

/// Why a user template could not be rendered: the limit it hit, or what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// It took more than [`FUEL`] engine steps (long loops, huge strings).
    #[error("does too much work when rendered (over {FUEL} steps): remove the loops or repetition")]
    TooMuchWork,
    /// It nested deeper than [`RECURSION_LIMIT`].
    #[error("nests too deeply when rendered (over {RECURSION_LIMIT} levels)")]
    TooDeep,
    /// Its output passed [`OUTPUT_MAX_CHARS`].
    #[error("renders to more than {OUTPUT_MAX_CHARS} characters")]
    TooLong,
    /// It does not parse, or uses an unknown variable or a failing operation.
    #[error("is not a valid template ({0})")]
    Invalid(String),
}

/// Renders `template` with `context` under the budget; the output is trimmed.
pub fn render_user_template(template: &str, context: Value) -> Result<String, TemplateError> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_fuel(Some(FUEL));
    env.set_recursion_limit(RECURSION_LIMIT);
    let compiled = env.template_from_str(template).map_err(invalid)?;
    let mut out = CappedOutput::default();
    let rendered = compiled.render_captured_to(context, &mut out);
    if out.overflowed {
        return Err(TemplateError::TooLong);
    }
    rendered.map_err(|e| match e.kind() {
        ErrorKind::OutOfFuel => TemplateError::TooMuchWork,
        ErrorKind::InvalidOperation if e.detail() == Some("recursion limit exceeded") => {
            TemplateError::TooDeep
        }
        _ => invalid(e),
    })?;
    let text = String::from_utf8(out.bytes)
        .map_err(|_| TemplateError::Invalid("the output is not UTF-8".into()))?;
    Ok(text.trim().to_owned())
}

fn invalid(e: minijinja::Error) -> TemplateError {
    TemplateError::Invalid(e.detail().unwrap_or("syntax error").to_owned())
}

/// Collects output and fails the render as soon as it passes [`OUTPUT_MAX_CHARS`].
#[derive(Default)]
struct CappedOutput {
    bytes: Vec<u8>,
    chars: usize,
    overflowed: bool,
}

impl io::Write for CappedOutput {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // A UTF-8 character starts at every byte that is not a continuation byte.
        self.chars += buf.iter().filter(|b| (**b & 0xC0) != 0x80).count();
        if self.chars > OUTPUT_MAX_CHARS {
            self.overflowed = true;
            return Err(io::Error::other("output too long"));
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn render(t: &str) -> Result<String, TemplateError> {
        render_user_template(t, Value::from_pairs([("first_name", "Ana")]))
    }

    #[test]
    fn ordinary_templates_render() {
        assert_eq!(
            render("  Hi {{ first_name }}{% for i in range(3) %}!{% endfor %}\n").unwrap(),
            "Hi Ana!!!"
        );
        assert!(matches!(
            render("Hi {{ nickname }}"),
            Err(TemplateError::Invalid(_))
        ));
        assert!(matches!(render("{% if %}"), Err(TemplateError::Invalid(_))));
    }

    #[test]
    fn hostile_templates_hit_a_limit_quickly() {
        let cases = [
            (
                "{% for a in range(100000) %}{% for b in range(100000) %}{% for c in range(100000) %}x{% endfor %}{% endfor %}{% endfor %}",
                TemplateError::TooLong,
            ),
            (
                "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}",
                TemplateError::TooMuchWork,
            ),
            (
                "{% for a in range(100000) %}{{ \"x\" * 99999 }}{% endfor %}",
                TemplateError::TooLong,
            ),
            (
                "{% for a in range(100000) %}{% set s = \"x\" * 99999 %}{% endfor %}",
                TemplateError::TooMuchWork,
            ),
            ("{{ \"x\" * 99999999 }}", TemplateError::TooMuchWork),
            (
                "{{ (\"x\" * 99999999)|list|length }}",
                TemplateError::TooMuchWork,
            ),
            (
                "{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}",
                TemplateError::TooDeep,
            ),
            ("{{ \"é\" * 8001 }}", TemplateError::TooLong),
            (
                "{% for i in range(9000) %}x{% endfor %}",
                TemplateError::TooLong,
            ),
        ];
        for (template, limit) in cases {
            let started = Instant::now();
            assert_eq!(render(template), Err(limit), "{template}");
            assert!(started.elapsed() < Duration::from_millis(500), "{template}");
        }
        assert_eq!(render(&"é".repeat(8_000)).unwrap().chars().count(), 8_000);
    }
}
