//! Cartridges as files: YAML and JSON import and export, with the API's field names. Every
//! problem names its place: a syntax error its line and column, a wrong type its field path
//! (e.g. `writing_style.tone`), a broken rule the field the domain's validation names.

use crate::cartridges::Cartridge;
use crate::memory::spec_texts;
use crate::{App, AppError, Principal, Result};
use revos_domain::cartridge::CartridgeSpec;
use revos_domain::memory::{ExampleKind, ExampleSource};
use revos_domain::{CartridgeId, ValidationErrors};

/// The file formats a cartridge can be written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CartridgeFormat {
    /// YAML (the default for export: easiest to edit by hand).
    Yaml,
    /// JSON, exactly as the API takes it.
    Json,
}

impl CartridgeFormat {
    /// Parses a format name: `yaml`, `yml` or `json` (any case).
    pub fn parse(name: &str) -> Option<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "yaml" | "yml" => Some(Self::Yaml),
            "json" => Some(Self::Json),
            _ => None,
        }
    }

    /// The format a file name's extension names, if any.
    pub fn from_file_name(name: &str) -> Option<Self> {
        let (_, ext) = name.rsplit_once('.')?;
        Self::parse(ext)
    }

    /// The format a `Content-Type` names (`application/json`, `*+json`, `application/yaml`,
    /// `text/yaml`, `application/x-yaml`, ...), if any.
    pub fn from_content_type(content_type: &str) -> Option<Self> {
        let mime = content_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if mime == "application/json" || mime.ends_with("+json") {
            Some(Self::Json)
        } else if mime.ends_with("/yaml") || mime.ends_with("/x-yaml") || mime.ends_with("+yaml") {
            Some(Self::Yaml)
        } else {
            None
        }
    }

    /// Guesses from the text itself: a document starting with `{` is JSON, anything else YAML.
    pub fn sniff(text: &str) -> Self {
        match text
            .trim_start_matches('\u{feff}')
            .trim_start()
            .starts_with('{')
        {
            true => Self::Json,
            false => Self::Yaml,
        }
    }

    /// The format of an upload: from its file name, else its content type, else its text.
    pub fn detect(file_name: Option<&str>, content_type: Option<&str>, text: &str) -> Self {
        file_name
            .and_then(Self::from_file_name)
            .or_else(|| content_type.and_then(Self::from_content_type))
            .unwrap_or_else(|| Self::sniff(text))
    }

    /// The file extension, without a dot.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Yaml => "yaml",
            Self::Json => "json",
        }
    }

    /// The media type of an export.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Yaml => "application/yaml",
            Self::Json => "application/json",
        }
    }
}

/// Joins serde_path_to_error's path with the field named in serde's message, so a missing
/// `persona.role` is reported as `persona.role` rather than `persona`.
fn field_path(path: &str, message: &str) -> String {
    let named = ["missing field `", "unknown field `"].iter().find_map(|p| {
        message
            .split_once(p)
            .and_then(|(_, rest)| rest.split('`').next())
    });
    let base = if path == "." || path == "?" { "" } else { path };
    match named {
        Some(name) if base == name || base.ends_with(&format!(".{name}")) => base.to_owned(),
        Some(name) if base.is_empty() => name.to_owned(),
        Some(name) => format!("{base}.{name}"),
        None if base.is_empty() => "body".to_owned(),
        None => base.to_owned(),
    }
}

/// serde's message without the position it appends (positions are reported separately).
fn short(message: &str) -> String {
    message
        .split(" at line ")
        .next()
        .unwrap_or(message)
        .trim()
        .to_owned()
}

fn syntax_error(format: &str, line: usize, column: usize, message: &str) -> ValidationErrors {
    ValidationErrors::single(
        "body",
        format!(
            "{format} syntax error at line {line}, column {column}: {}",
            short(message)
        ),
    )
}

/// Reads a cartridge file and validates it. Errors name the line (syntax) or the field (types
/// and rules).
pub fn parse_cartridge(
    text: &str,
    format: CartridgeFormat,
) -> Result<CartridgeSpec, ValidationErrors> {
    let text = text.trim_start_matches('\u{feff}');
    let spec: CartridgeSpec = match format {
        CartridgeFormat::Json => {
            let value: serde_json::Value = serde_json::from_str(text)
                .map_err(|e| syntax_error("JSON", e.line(), e.column(), &e.to_string()))?;
            if !value.is_object() {
                return Err(ValidationErrors::single("body", "must be a JSON object"));
            }
            serde_path_to_error::deserialize(value).map_err(|e| {
                let path = e.path().to_string();
                let message = e.into_inner().to_string();
                ValidationErrors::single(field_path(&path, &message), short(&message))
            })?
        }
        CartridgeFormat::Yaml => {
            let value: serde_yaml_ng::Value = serde_yaml_ng::from_str(text).map_err(|e| {
                let (line, column) = e.location().map_or((1, 1), |l| (l.line(), l.column()));
                syntax_error("YAML", line, column, &e.to_string())
            })?;
            if !value.is_mapping() {
                return Err(ValidationErrors::single(
                    "body",
                    "must be a YAML mapping of the cartridge's fields",
                ));
            }
            serde_path_to_error::deserialize(value).map_err(|e| {
                let path = e.path().to_string();
                let message = e.into_inner().to_string();
                ValidationErrors::single(field_path(&path, &message), short(&message))
            })?
        }
    };
    spec.validate()?;
    Ok(spec)
}

/// Writes a cartridge's fields in `format`, with the API's field names.
pub fn render_cartridge(spec: &CartridgeSpec, format: CartridgeFormat) -> Result<String> {
    match format {
        CartridgeFormat::Yaml => serde_yaml_ng::to_string(spec)
            .map_err(|e| AppError::Internal(format!("cannot write YAML: {e}"))),
        CartridgeFormat::Json => serde_json::to_string_pretty(spec)
            .map(|mut s| {
                s.push('\n');
                s
            })
            .map_err(|e| AppError::Internal(format!("cannot write JSON: {e}"))),
    }
}

impl App {
    /// Imports a cartridge file: creates a cartridge, or replaces `replace` (a new version).
    /// The file's post and DM examples also enter the cartridge's memory (source `import`),
    /// each distinct text once.
    pub async fn import_cartridge(
        &self,
        who: &Principal,
        text: &str,
        format: CartridgeFormat,
        replace: Option<CartridgeId>,
    ) -> Result<Cartridge> {
        let spec = parse_cartridge(text, format)?;
        let cartridge = match replace {
            Some(id) => self.replace_cartridge(who, id, spec).await?,
            None => self.create_cartridge(who, spec).await?,
        };
        for kind in [ExampleKind::Post, ExampleKind::Dm] {
            let known: Vec<String> = self
                .list_examples(who, cartridge.id, Some(kind))
                .await?
                .into_iter()
                .map(|e| e.text)
                .collect();
            for t in spec_texts(&cartridge.spec, kind) {
                if !known.contains(&t) {
                    self.record_example(
                        who,
                        cartridge.id,
                        kind,
                        None,
                        &t,
                        ExampleSource::Import,
                        None,
                    )
                    .await?;
                }
            }
        }
        Ok(cartridge)
    }

    /// A cartridge's fields as a file in `format`; importing it gives the same cartridge.
    pub async fn export_cartridge(
        &self,
        who: &Principal,
        id: CartridgeId,
        format: CartridgeFormat,
    ) -> Result<String> {
        let cartridge = self.get_cartridge(who, id).await?;
        render_cartridge(&cartridge.spec, format)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const YAML: &str = "name: Dana\npersona:\n  role: Coach\n  target_audience: managers\n\
        writing_style:\n  tone: casual\n  vocabulary_level: 5\n  sentence_structure: short\n\
        industry_knowledge:\n  niche: leadership\n";

    fn fields(text: &str, format: CartridgeFormat) -> Vec<String> {
        parse_cartridge(text, format)
            .unwrap_err()
            .0
            .into_iter()
            .map(|e| format!("{}|{}", e.field, e.message))
            .collect()
    }

    #[test]
    fn yaml_and_json_round_trip() {
        let spec = parse_cartridge(YAML, CartridgeFormat::Yaml).unwrap();
        for f in [CartridgeFormat::Yaml, CartridgeFormat::Json] {
            let text = render_cartridge(&spec, f).unwrap();
            assert_eq!(CartridgeFormat::sniff(&text), f);
            assert_eq!(parse_cartridge(&text, f).unwrap(), spec);
        }
    }

    #[test]
    fn errors_name_the_line_or_the_field() {
        let bad_type = YAML.replace("tone: casual", "tone: angry");
        let f = fields(&bad_type, CartridgeFormat::Yaml);
        assert!(f[0].starts_with("writing_style.tone|"), "{f:?}");
        let missing = YAML.replace("  role: Coach\n", "");
        assert!(fields(&missing, CartridgeFormat::Yaml)[0].starts_with("persona.role|"));
        let syntax = YAML.replace("  vocabulary_level: 5", "  vocabulary_level: [5");
        let f = fields(&syntax, CartridgeFormat::Yaml);
        assert!(f[0].starts_with("body|YAML syntax error at line "), "{f:?}");
        let f = fields("{\"name\": \n  ", CartridgeFormat::Json);
        assert!(f[0].contains("line 2"), "{f:?}");
        let rule = YAML.replace("vocabulary_level: 5", "vocabulary_level: 11");
        assert_eq!(
            fields(&rule, CartridgeFormat::Yaml)[0],
            "writing_style.vocabulary_level|must be between 1 and 10"
        );
        assert_eq!(
            fields("- a\n- b\n", CartridgeFormat::Yaml)[0]
                .split('|')
                .next(),
            Some("body")
        );
    }

    #[test]
    fn formats_are_detected() {
        use CartridgeFormat::*;
        assert_eq!(
            CartridgeFormat::detect(Some("c.YML"), Some("application/json"), "{"),
            Yaml
        );
        assert_eq!(
            CartridgeFormat::detect(None, Some("text/yaml; charset=utf-8"), "{"),
            Yaml
        );
        assert_eq!(
            CartridgeFormat::detect(None, Some("text/plain"), " {\"a\":1}"),
            Json
        );
        assert_eq!(
            CartridgeFormat::detect(Some("cartridge"), None, "name: x"),
            Yaml
        );
        assert_eq!(CartridgeFormat::parse("xml"), None);
    }
}
