//! A small stderr logger. Stdout belongs to native messaging; Firefox shows a host's stderr
//! in the browser console. Level from `ROLECALL_LOG` (error, warn, info, debug); default warn.

use std::io::Write;

struct StderrLogger;

impl log::Log for StderrLogger {
    fn enabled(&self, m: &log::Metadata) -> bool {
        m.level() <= log::max_level() && m.target().starts_with("rolecall")
    }

    fn log(&self, record: &log::Record) {
        if self.enabled(record.metadata()) {
            let line = format!(
                "rolecall[{}]: {}: {}\n",
                std::process::id(),
                record.level().as_str().to_lowercase(),
                sanitize(&record.args().to_string())
            );
            let _ = std::io::stderr().lock().write_all(line.as_bytes());
        }
    }

    fn flush(&self) {}
}

/// Characters that drive a terminal or reorder what is shown: C0 and C1 controls and DEL
/// (escape sequences, BEL, line moves), and the bidirectional embeddings, overrides and
/// isolates (U+202A–U+202E, U+2066–U+2069), which make text read other than it is.
pub fn is_unsafe(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Text from outside (the config, a catalogue, the Identity Center portal, an OIDC answer)
/// as it may be printed: each [`is_unsafe`] character written as `\u{1b}`. Everything the CLI
/// prints of such text goes through this, and so does the log.
pub fn escape(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// JSON text as it may be printed: serde_json writes C0 controls in strings as `\u00XX` but
/// DEL, C1 controls and bidi controls as they are. Those can only stand inside strings, where
/// `\uXXXX` is the same character to any JSON reader; a raw line break or tab is the
/// layout's (pretty printing), outside any string.
pub fn escape_json(json: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_here = |c: char| is_unsafe(c) && !matches!(c, '\n' | '\r' | '\t');
    if !json.chars().any(unsafe_here) {
        return std::borrow::Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 8);
    for c in json.chars() {
        if unsafe_here(c) {
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Log lines may quote what a request carried: control characters are escaped, so a
/// request cannot forge log lines or drive the terminal, and long text is cut.
fn sanitize(message: &str) -> String {
    const MAX_CHARS: usize = 2000;
    match message.char_indices().nth(MAX_CHARS) {
        Some((cut, _)) => format!("{}…(cut)", escape(&message[..cut])),
        None => escape(message).into_owned(),
    }
}

pub fn init() {
    let level = match std::env::var("ROLECALL_LOG").as_deref() {
        Ok("error") => log::LevelFilter::Error,
        Ok("info") => log::LevelFilter::Info,
        Ok("debug") | Ok("trace") => log::LevelFilter::Debug,
        Ok("off") => log::LevelFilter::Off,
        _ => log::LevelFilter::Warn,
    };
    if log::set_logger(&StderrLogger).is_ok() {
        log::set_max_level(level);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped_and_long_text_is_cut() {
        assert_eq!(
            sanitize("a\nb\x1b[31m\u{202e}c"),
            "a\\u{a}b\\u{1b}[31m\\u{202e}c"
        );
        let long = "x".repeat(5000);
        let cut = sanitize(&long);
        assert!(cut.ends_with("…(cut)") && cut.chars().count() == 2000 + "…(cut)".chars().count());
        assert_eq!(sanitize("role prod: ok"), "role prod: ok");
    }

    #[test]
    fn escape_leaves_plain_text_alone_and_writes_every_unsafe_character_out() {
        assert!(matches!(
            escape("Production · Acme"),
            std::borrow::Cow::Borrowed(_)
        ));
        let hostile = "a\x1b]52;c;cGF5bG9hZA==\x07b\u{9b}2J\u{7f}\u{202e}\u{2066}c\td";
        let shown = escape(hostile);
        assert!(!shown.chars().any(is_unsafe), "{shown}");
        assert_eq!(
            shown,
            "a\\u{1b}]52;c;cGF5bG9hZA==\\u{7}b\\u{9b}2J\\u{7f}\\u{202e}\\u{2066}c\\u{9}d"
        );
        for json in [
            serde_json::to_string(&serde_json::json!({ "label": hostile })).unwrap(),
            serde_json::to_string_pretty(&serde_json::json!([{ "label": hostile }])).unwrap(),
        ] {
            let printed = escape_json(&json);
            assert!(
                !printed.chars().any(|c| is_unsafe(c) && c != '\n'),
                "{printed}"
            );
            let back: serde_json::Value = serde_json::from_str(&printed).unwrap();
            let back = back.get(0).unwrap_or(&back);
            assert_eq!(back["label"], hostile, "the same text to a JSON reader");
        }
    }
}
