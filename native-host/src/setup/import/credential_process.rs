//! `import aws-config --write-credential-process`: the imported gateway role profiles point
//! at `rolecall credential-process <role>`, so the AWS CLI keeps working once `--move-keys`
//! took their source profile's keys out of the files. In each such profile the `role_arn`
//! line becomes `credential_process = …` and the `source_profile` line goes (the AWS CLI
//! prefers `role_arn` over `credential_process`); every other line stays as it is.

use super::ini::IniFile;
use super::plan::{profile_name, FileKind};
use std::collections::{BTreeMap, BTreeSet};

/// Line edits of one file: lines to drop, and lines to replace (by their new text).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Edits {
    pub drop: BTreeSet<usize>,
    pub replace: BTreeMap<usize, String>,
}

impl Edits {
    pub fn is_empty(&self) -> bool {
        self.drop.is_empty() && self.replace.is_empty()
    }
}

/// The command a profile's `credential_process` runs: this binary, quoted for the AWS
/// CLI's shell-like split when its path needs it.
pub fn command(exe: &str, role: &str) -> String {
    let plain = exe
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"/._-+:@".contains(&b));
    let exe = if plain {
        exe.to_owned()
    } else {
        format!("\"{}\"", exe.replace('\\', "\\\\").replace('"', "\\\""))
    };
    format!("{exe} credential-process {role}")
}

/// The edits that point `profiles` of `ini` (a file of kind `kind`) at rolecall.
pub fn edits(ini: &IniFile, kind: FileKind, profiles: &[(String, String)]) -> Edits {
    let mut out = Edits::default();
    for sec in &ini.sections {
        let Ok(Some(name)) = profile_name(&sec.header, kind) else {
            continue;
        };
        let Some((_, cmd)) = profiles.iter().find(|(p, _)| *p == name) else {
            continue;
        };
        for p in &sec.properties {
            match p.key.as_str() {
                "role_arn" => {
                    let first = &ini.lines[p.first_line];
                    let eol = if first.ends_with("\r\n") {
                        "\r\n"
                    } else if first.ends_with('\n') {
                        "\n"
                    } else {
                        ""
                    };
                    let indent: String = first
                        .chars()
                        .take_while(|c| *c == ' ' || *c == '\t')
                        .collect();
                    out.replace.insert(
                        p.first_line,
                        format!("{indent}credential_process = {cmd}{eol}"),
                    );
                    out.drop.extend(p.first_line + 1..p.end_line);
                }
                "source_profile" => out.drop.extend(p.first_line..p.end_line),
                _ => {}
            }
        }
    }
    out
}

/// The file with `edits` applied (a dropped first line keeps a byte-order mark).
pub fn apply(ini: &IniFile, edits: &Edits) -> String {
    if edits.replace.is_empty() {
        return ini.without_lines(&edits.drop);
    }
    let mut out = String::new();
    if edits.drop.contains(&0) && ini.lines.first().is_some_and(|l| l.starts_with('\u{feff}')) {
        out.push('\u{feff}');
    }
    for (n, line) in ini.lines.iter().enumerate() {
        if edits.drop.contains(&n) {
            continue;
        }
        match edits.replace.get(&n) {
            Some(new) if n == 0 && line.starts_with('\u{feff}') => {
                out.push('\u{feff}');
                out.push_str(new);
            }
            Some(new) => out.push_str(new),
            None => out.push_str(line),
        }
    }
    out
}

/// A unified diff of `edits` (three lines of context), with the values of key lines
/// replaced by `<secret>`: what `--dry-run` shows.
pub fn diff(ini: &IniFile, edits: &Edits, path: &str) -> String {
    let changed: BTreeSet<usize> = edits
        .drop
        .iter()
        .chain(edits.replace.keys())
        .copied()
        .collect();
    if changed.is_empty() {
        return String::new();
    }
    let shown = |l: &str| -> String {
        let key = l
            .split('=')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        let text = l.trim_end_matches(['\n', '\r']);
        if matches!(
            key.as_str(),
            "aws_secret_access_key" | "aws_session_token" | "aws_security_token"
        ) {
            format!(
                "{} = <secret>",
                l.split('=').next().unwrap_or("").trim_end()
            )
        } else {
            text.to_owned()
        }
    };
    // Hunks: runs of changed lines with 3 lines of context, merged when they touch.
    let mut hunks: Vec<(usize, usize)> = Vec::new();
    for &n in &changed {
        let (start, end) = (n.saturating_sub(3), (n + 4).min(ini.lines.len()));
        match hunks.last_mut() {
            Some(h) if start <= h.1 => h.1 = h.1.max(end),
            _ => hunks.push((start, end)),
        }
    }
    let mut out = format!("--- {path}\n+++ {path} (rolecall)\n");
    let mut offset: isize = 0;
    for (start, end) in hunks {
        let mut body = String::new();
        let (mut old_n, mut new_n) = (0, 0);
        for n in start..end {
            let line = &ini.lines[n];
            if edits.drop.contains(&n) {
                body.push_str(&format!("-{}\n", shown(line)));
                old_n += 1;
            } else if let Some(new) = edits.replace.get(&n) {
                body.push_str(&format!("-{}\n+{}\n", shown(line), shown(new)));
                old_n += 1;
                new_n += 1;
            } else {
                body.push_str(&format!(" {}\n", shown(line)));
                old_n += 1;
                new_n += 1;
            }
        }
        let new_start = start as isize + 1 + offset;
        out.push_str(&format!(
            "@@ -{},{old_n} +{new_start},{new_n} @@\n{body}",
            start + 1
        ));
        offset += new_n as isize - old_n as isize;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::setup::import::ini::parse;

    const CONFIG: &str = "[default]\nregion = eu-west-1\n\n[profile prod]\n# production\nrole_arn = arn:aws:iam::111111111111:role/Admin\nsource_profile = corp\nmfa_serial = arn:aws:iam::999999999999:mfa/ana\nregion = eu-west-1\n\n[profile other]\nrole_arn = arn:aws:iam::222222222222:role/X\nsource_profile = corp\n";

    #[test]
    fn only_the_named_profiles_change_and_only_two_lines_each() {
        let ini = parse(CONFIG);
        let cmd = command("/usr/local/bin/rolecall", "prod");
        let e = edits(&ini, FileKind::Config, &[("prod".into(), cmd)]);
        let out = apply(&ini, &e);
        assert_eq!(
            out,
            CONFIG.replace(
                "role_arn = arn:aws:iam::111111111111:role/Admin\nsource_profile = corp\n",
                "credential_process = /usr/local/bin/rolecall credential-process prod\n"
            )
        );
        let d = diff(&ini, &e, "/h/.aws/config");
        assert_eq!(
            d,
            "--- /h/.aws/config\n+++ /h/.aws/config (rolecall)\n@@ -3,8 +3,7 @@\n \n [profile prod]\n # production\n-role_arn = arn:aws:iam::111111111111:role/Admin\n+credential_process = /usr/local/bin/rolecall credential-process prod\n-source_profile = corp\n mfa_serial = arn:aws:iam::999999999999:mfa/ana\n region = eu-west-1\n \n"
        );
    }

    #[test]
    fn paths_with_spaces_are_quoted_and_crlf_is_kept() {
        assert_eq!(
            command("/opt/my tools/rolecall", "p"),
            "\"/opt/my tools/rolecall\" credential-process p"
        );
        let ini =
            parse("[profile p]\r\nrole_arn = arn:aws:iam::1:role/x\r\nsource_profile = c\r\n");
        let e = edits(&ini, FileKind::Config, &[("p".into(), command("/r", "p"))]);
        assert_eq!(
            apply(&ini, &e),
            "[profile p]\r\ncredential_process = /r credential-process p\r\n"
        );
    }

    #[test]
    fn secrets_are_not_shown_in_the_diff() {
        let ini = parse("[corp]\naws_access_key_id = AKIA\naws_secret_access_key = SECRETSECRET\n");
        let e = Edits {
            drop: BTreeSet::from([0, 1, 2]),
            ..Edits::default()
        };
        let d = diff(&ini, &e, "c");
        assert!(
            !d.contains("SECRETSECRET") && d.contains("aws_secret_access_key = <secret>"),
            "{d}"
        );
    }
}
