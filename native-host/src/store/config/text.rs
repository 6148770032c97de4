//! The text of a role that people read: its label, its group and its links' names (and their
//! destinations, which the popup sends back). Bounded and free of terminal and bidi controls,
//! so that neither a catalogue nor a config can blind the popup (one 3 MiB label made a
//! `roles.list` page too large for the browser) or drive the terminal that prints it.
//!
//! These rules are apart from the config's structural ones (`validate.rs`): a role that
//! breaks them is left out of listings and reported (store/catalog `effective`), it does not
//! stop the config from loading; rolecall never writes one (`save` refuses it, and the CLI
//! refuses such a value when it is given). Messages name the field and the rule, never the
//! text.

use super::schema::{Config, Role};
use crate::logger::is_unsafe;

/// A role's label: what the popup row, the container and `role list` show.
pub const MAX_LABEL_CHARS: usize = 128;
/// A group's name (a role's `group`, a `[[group]]` table): a heading in the popup.
pub const MAX_GROUP_CHARS: usize = 64;
/// A link's name: an entry in the row's menu.
pub const MAX_LINK_NAME_CHARS: usize = 64;
/// Named links of one role.
pub const MAX_LINKS: usize = 32;
/// A link's destination (a console path or URL; the click path checks it again).
pub const MAX_LINK_DESTINATION_CHARS: usize = 2048;

const CHARACTERS: &str =
    "no control characters (escape sequences, bell, line breaks, tabs) and no bidirectional overrides or isolates (U+202A–U+202E, U+2066–U+2069)";

/// One piece of text against its rule: 1 to `max` characters, not only spaces, no unsafe
/// character. `field` names it in the message (`label`, `group`, `link name`).
pub fn check_text(field: &str, value: &str, max: usize) -> Result<(), String> {
    if let Some((i, c)) = value.chars().enumerate().find(|(_, c)| is_unsafe(*c)) {
        return Err(format!(
            "its {field} holds the control character U+{:04X} (character {}); a {field} has {CHARACTERS}",
            u32::from(c),
            i + 1
        ));
    }
    let n = value.chars().count();
    if n > max {
        return Err(format!(
            "its {field} is {n} characters long; a {field} has at most {max}"
        ));
    }
    if value.trim().is_empty() {
        return Err(format!(
            "its {field} is empty; a {field} has 1 to {max} characters, not only spaces"
        ));
    }
    Ok(())
}

pub fn check_label(value: &str) -> Result<(), String> {
    check_text("label", value, MAX_LABEL_CHARS)
}

pub fn check_group(value: &str) -> Result<(), String> {
    check_text("group", value, MAX_GROUP_CHARS)
}

pub fn check_link_name(value: &str) -> Result<(), String> {
    check_text("link name", value, MAX_LINK_NAME_CHARS)
}

/// A role's label, group and links against their rules (the message does not name the
/// role: callers do).
pub fn check_role_text(role: &Role) -> Result<(), String> {
    if let Some(l) = &role.label {
        check_label(l)?;
    }
    if let Some(g) = &role.group {
        check_group(g)?;
    }
    if role.links.len() > MAX_LINKS {
        return Err(format!(
            "it has {} links; a role has at most {MAX_LINKS}",
            role.links.len()
        ));
    }
    for (i, l) in role.links.iter().enumerate() {
        let at = |e: String| format!("link {}: {e}", i + 1);
        check_link_name(&l.name).map_err(at)?;
        check_text("destination", &l.destination, MAX_LINK_DESTINATION_CHARS).map_err(at)?;
    }
    Ok(())
}

impl Config {
    /// Every role and `[[group]]` whose text breaks its rules, with why.
    pub fn text_problems(&self) -> Vec<String> {
        let groups = self.groups.iter().filter_map(|g| {
            check_group(&g.name)
                .err()
                .map(|e| format!("a [[group]] table: {e}"))
        });
        groups
            .chain(self.roles.iter().filter_map(|r| {
                check_role_text(r)
                    .err()
                    .map(|e| format!("role '{}': {e}", r.id))
            }))
            .collect()
    }

    /// What [`Config::text_problems`] finds, as one refusal (the first problem, and how many
    /// more): rolecall writes no config that breaks these rules.
    pub fn check_text(&self) -> Result<(), String> {
        let problems = self.text_problems();
        match problems.first() {
            None => Ok(()),
            Some(first) => Err(format!(
                "{first}{} (rolecall writes no label, group or link that breaks these rules: fix it in the file, or with `rolecall role set`)",
                match problems.len() - 1 {
                    0 => String::new(),
                    n => format!(" (and {n} more)"),
                }
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{sample, Link};
    use super::*;

    #[test]
    fn labels_groups_and_links_are_bounded_and_hold_no_terminal_or_bidi_controls() {
        let ok = sample();
        assert!(ok.text_problems().is_empty());
        let hostile = [
            "\x1b]52;c;cGF5bG9hZA==\x07",
            "Prod\x1b[2K",
            "bell\x07",
            "two\nlines",
            "tab\there",
            "c1\u{9b}31m",
            "\u{202e}dorp",
            "iso\u{2066}late",
            "del\u{7f}",
        ];
        for text in hostile {
            let mut c = sample();
            c.roles[0].label = Some(text.into());
            let e = check_role_text(&c.roles[0]).unwrap_err();
            assert!(
                e.starts_with("its label holds the control character U+"),
                "{e}"
            );
            assert!(!e.contains(text), "the text is never repeated: {e}");
            let e = c.check_text().unwrap_err();
            assert!(e.starts_with("role 'prod-admin': its label holds"), "{e}");
        }
        let mut r = sample().roles[0].clone();
        r.label = Some("x".repeat(MAX_LABEL_CHARS));
        check_role_text(&r).unwrap();
        // Characters, not bytes: 128 accented letters are a label.
        r.label = Some("é".repeat(MAX_LABEL_CHARS));
        check_role_text(&r).unwrap();
        r.label = Some("x".repeat(3 << 20));
        let e = check_role_text(&r).unwrap_err();
        assert!(
            e.contains("3145728 characters long") && e.contains("at most 128"),
            "{e}"
        );
        r.label = Some("   ".into());
        assert!(check_role_text(&r).unwrap_err().contains("empty"));
        r.label = None;
        r.group = Some("g".repeat(MAX_GROUP_CHARS + 1));
        assert!(check_role_text(&r)
            .unwrap_err()
            .contains("group is 65 characters long"));
        r.group = Some("Acme · prod".into());
        check_role_text(&r).unwrap();
        let link = |name: &str, destination: &str| Link {
            name: name.into(),
            destination: destination.into(),
        };
        r.links = vec![link("S3\x1b[8m", "/s3")];
        assert!(check_role_text(&r)
            .unwrap_err()
            .contains("link 1: its link name holds"));
        r.links = vec![link(
            "S3",
            &format!("/s3/{}", "a".repeat(MAX_LINK_DESTINATION_CHARS)),
        )];
        assert!(check_role_text(&r).unwrap_err().contains("destination is"));
        r.links = (0..=MAX_LINKS)
            .map(|i| link(&format!("l{i}"), "/s3"))
            .collect();
        assert!(check_role_text(&r).unwrap_err().contains("33 links"));
        r.links.pop();
        check_role_text(&r).unwrap();
    }

    #[test]
    fn a_config_breaking_them_loads_but_is_not_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(super::super::FILE_NAME);
        let mut c = sample();
        c.roles[1].label = Some("\u{202e}nimda".into());
        c.validate().unwrap();
        let e = super::super::save(&path, &c).unwrap_err().to_string();
        assert!(
            e.contains("role 'gov': its label holds the control character U+202E"),
            "{e}"
        );
        assert!(!path.exists());
        // By hand: the file loads (the role is left out where it would be shown).
        std::fs::write(&path, toml::to_string(&c).unwrap()).unwrap();
        assert_eq!(super::super::load(&path).unwrap(), c);
        c.groups.push(super::super::Group {
            name: "bell\x07".into(),
            risk: None,
        });
        let e = c.check_text().unwrap_err();
        assert!(
            e.starts_with("a [[group]] table: its group holds") && e.contains("(and 1 more)"),
            "{e}"
        );
    }
}
