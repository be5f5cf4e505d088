//! Words of a command line: bare keywords and quoted values, and the helpers that match
//! keyword sequences and cut values at keywords.

/// A word of the input: bare (matched as a keyword) or quoted (always a value).
#[derive(Clone, Debug)]
pub(super) struct Token {
    pub(super) text: String,
    pub(super) quoted: bool,
}

impl Token {
    /// Whether this is the bare keyword `word` (any case).
    pub(super) fn is(&self, word: &str) -> bool {
        !self.quoted && self.text.eq_ignore_ascii_case(word)
    }

    pub(super) fn is_any(&self, words: &[&str]) -> bool {
        words.iter().any(|w| self.is(w))
    }
}

/// Splits a line into words; `'…'` and `"…"` group words into one quoted value. A quote with
/// no closing partner is an ordinary character.
pub(super) fn tokenize(input: &str) -> Vec<Token> {
    let chars: Vec<char> = input.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if matches!(c, '\'' | '"' | '“' | '‘') {
            let close = match c {
                '“' => '”',
                '‘' => '’',
                other => other,
            };
            if let Some(end) = (i + 1..chars.len()).find(|&j| chars[j] == close) {
                tokens.push(Token {
                    text: chars[i + 1..end]
                        .iter()
                        .collect::<String>()
                        .trim()
                        .to_owned(),
                    quoted: true,
                });
                i = end + 1;
                continue;
            }
        }
        let start = i;
        while i < chars.len() && !chars[i].is_whitespace() {
            i += 1;
        }
        tokens.push(Token {
            text: chars[start..i].iter().collect(),
            quoted: false,
        });
    }
    tokens
}

/// The rest of `tokens` after one of the keyword sequences in `prefixes`, if it starts with one.
pub(super) fn after<'t>(tokens: &'t [Token], prefixes: &[&[&str]]) -> Option<&'t [Token]> {
    prefixes.iter().find_map(|p| {
        (tokens.len() >= p.len() && p.iter().zip(tokens).all(|(w, t)| t.is(w)))
            .then(|| &tokens[p.len()..])
    })
}

/// The words of `tokens` as one value.
pub(super) fn join(tokens: &[Token]) -> String {
    tokens
        .iter()
        .map(|t| t.text.as_str())
        .collect::<Vec<_>>()
        .join(" ")
        .trim()
        .to_owned()
}

/// Splits `tokens` at the first bare keyword of `stops`: the value before it and the rest.
pub(super) fn until<'t>(tokens: &'t [Token], stops: &[&str]) -> (&'t [Token], &'t [Token]) {
    let at = tokens
        .iter()
        .position(|t| t.is_any(stops))
        .unwrap_or(tokens.len());
    tokens.split_at(at)
}
