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

/// Log lines may quote what a request carried: control characters are escaped, so a
/// request cannot forge log lines or drive the terminal, and long text is cut.
fn sanitize(message: &str) -> String {
    const MAX_CHARS: usize = 2000;
    let mut out = String::with_capacity(message.len().min(MAX_CHARS));
    for (i, c) in message.chars().enumerate() {
        if i == MAX_CHARS {
            out.push_str("…(cut)");
            break;
        }
        if c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}') {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
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
    use super::sanitize;

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
}
