//! The two AWS files read as the SDKs read them: which section names which profile (and
//! which sections are mistakes, with a note), and each profile's settings from both files
//! merged, the credentials file winning.

use super::super::ini::{IniFile, Property};
use super::FileKind;
use std::collections::HashMap;

#[derive(Debug, Clone)]
pub(super) struct Value {
    pub(super) text: String,
    pub(super) file: FileKind,
}

/// A profile as the SDKs see it: config and credentials merged, credentials winning.
#[derive(Debug, Clone, Default)]
pub(super) struct Profile {
    pub(super) name: String,
    pub(super) values: HashMap<String, Value>,
}

impl Profile {
    pub(super) fn get(&self, key: &str) -> Option<&str> {
        self.values
            .get(key)
            .map(|v| v.text.as_str())
            .filter(|v| !v.is_empty())
    }

    /// The first of `keys` this profile sets.
    pub(super) fn first_set(&self, keys: &[&'static str]) -> Option<&'static str> {
        keys.iter().copied().find(|k| self.get(k).is_some())
    }
}

/// The merged profiles of both files, in the order they first appear (config first).
pub(super) struct Profiles {
    pub(super) list: Vec<Profile>,
    pub(super) notes: Vec<String>,
}

impl Profiles {
    pub(super) fn get(&self, name: &str) -> Option<&Profile> {
        self.list.iter().find(|p| p.name == name)
    }
}

/// `"name"` or `'name'` without its quotes.
pub(super) fn unquote(s: &str) -> Option<&str> {
    ['"', '\'']
        .into_iter()
        .find_map(|q| s.strip_prefix(q)?.strip_suffix(q))
}

/// The profile a section header names: `Ok(None)` for a section that is not meant as one
/// (`[sso-session x]`), `Err(note)` for one that looks like a mistake.
pub(crate) fn profile_name(header: &str, file: FileKind) -> Result<Option<String>, String> {
    let ws = [' ', '\t'];
    let prefixed = header
        .strip_prefix("profile")
        .filter(|r| r.starts_with(ws))
        .map(|r| r.trim_matches(ws));
    let (name, quoted) = match file {
        FileKind::Credentials => {
            if let Some(rest) = prefixed {
                return Err(format!(
                    "section [{header}] of the credentials file is not a profile (profiles there are written [{}], without `profile`); ignored",
                    unquote(rest).unwrap_or(rest)
                ));
            }
            // Only the config file's `[profile "x"]` loses its quotes in botocore (the SDKs
            // refuse quotes in any name): here the name would keep them, so nobody reads x.
            if let Some(inner) = unquote(header) {
                return Err(format!(
                    "section [{header}] of the credentials file is not profile '{inner}' (the AWS CLI keeps quotes in names there; write [{inner}]); ignored"
                ));
            }
            (header, false)
        }
        FileKind::Config => {
            if header == "default" {
                ("default", false)
            } else if let Some(rest) = prefixed {
                // botocore splits `profile NAME` like a shell, so `[profile "prod"]` is prod
                // (and `[profile "a b"]` is "a b"); the SDKs ignore a quoted name as invalid,
                // so no reference reads it any other way.
                match unquote(rest) {
                    Some(inner) => (inner, true),
                    None => (rest, false),
                }
            } else if header.starts_with("sso-session")
                || header.starts_with("services")
                || header == "plugins"
                || header == "preview"
            {
                return Ok(None);
            } else {
                return Err(format!(
                    "section [{header}] of the config file is not a profile (profiles there are written [profile {header}]); ignored"
                ));
            }
        }
    };
    // Unquoted, whitespace splits the header into more words than botocore reads as one.
    if name.is_empty() || (!quoted && name.contains(ws)) {
        return Err(format!(
            "section [{header}] does not name a valid profile; ignored"
        ));
    }
    Ok(Some(name.to_owned()))
}

pub(super) fn merge(config: Option<&IniFile>, credentials: Option<&IniFile>) -> Profiles {
    let mut out = Profiles {
        list: Vec::new(),
        notes: Vec::new(),
    };
    // The SDKs' shared-config spec: in the config file, `[profile default]` replaces
    // `[default]` wherever each stands. (botocore keeps whichever comes last; the SDKs'
    // rule is the one that does not depend on order.)
    let profile_default = config.is_some_and(|ini| {
        ini.sections.iter().any(|s| {
            s.header != "default"
                && matches!(profile_name(&s.header, FileKind::Config), Ok(Some(n)) if n == "default")
        })
    });
    let bare_default = config.is_some_and(|ini| ini.sections.iter().any(|s| s.header == "default"));
    if profile_default && bare_default {
        out.notes.push("The config file has both [default] and [profile default]: as the AWS SDKs do, rolecall reads [profile default] and ignores [default] (the AWS CLI reads whichever comes last); merge them into one section.".into());
    }
    for (file, ini) in [
        (FileKind::Config, config),
        (FileKind::Credentials, credentials),
    ] {
        let Some(ini) = ini else { continue };
        for section in &ini.sections {
            if section.header.is_empty() {
                continue; // a broken header, already warned about
            }
            if file == FileKind::Config && profile_default && section.header == "default" {
                continue;
            }
            let name = match profile_name(&section.header, file) {
                Ok(Some(n)) => n,
                Ok(None) => continue,
                Err(note) => {
                    out.notes.push(note);
                    continue;
                }
            };
            let idx = match out.list.iter().position(|p| p.name == name) {
                Some(i) => i,
                None => {
                    out.list.push(Profile {
                        name,
                        values: HashMap::new(),
                    });
                    out.list.len() - 1
                }
            };
            for Property { key, value, .. } in &section.properties {
                out.list[idx].values.insert(
                    key.clone(),
                    Value {
                        text: value.clone(),
                        file,
                    },
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::tests::{plan_files, reason};
    use super::super::FileKind;

    #[test]
    fn quoted_profile_names_lose_their_quotes_in_the_config_file() {
        // botocore reads `[profile "prod"]` as prod; a gateway written so is found too.
        let (p, config, _) = plan_files(
            "[profile \"prod\"]\nrole_arn = arn:aws:iam::111111111111:role/A\nsource_profile = corp\n\
             [profile 'corp']\nregion = eu-west-1\n\
             [profile \"dev\"]\nrole_arn = arn:aws:iam::222222222222:role/B\nsource_profile = gw\n\
             [profile \"gw\"]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = s\n\
             [profile \"two words\"]\nrole_arn = arn:aws:iam::333333333333:role/C\nsource_profile = corp\n",
            "[corp]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = s\n\
             [\"other\"]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = s\n",
        );
        let ids: Vec<_> = p.roles.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["prod", "dev"], "{:?}", p.skipped);
        assert_eq!(
            p.config.gateway("corp").unwrap().region.as_deref(),
            Some("eu-west-1")
        );
        // The keys of `[profile "gw"]` move out of its section.
        let m = p.key_moves.iter().find(|m| m.gateway == "gw").unwrap();
        let after = config.without_lines(&m.lines[&FileKind::Config]);
        assert!(!after.contains("AKIA"), "{after}");
        // Quoted, a name may hold a space (botocore reads one); rolecall ids cannot.
        assert!(reason(&p, "two words").contains("role id 'two words'"));
        // In the credentials file the AWS CLI keeps the quotes: not profile `other`.
        assert!(
            p.notes
                .iter()
                .any(|n| n.contains("[\"other\"]") && n.contains("write [other]")),
            "{:?}",
            p.notes
        );
    }

    #[test]
    fn profile_default_replaces_default_in_the_config_file() {
        for config in [
            "[default]\nrole_arn = arn:aws:iam::111111111111:role/A\nsource_profile = corp\nregion = us-west-2\n\
             [profile default]\nregion = eu-west-1\n",
            "[profile default]\nregion = eu-west-1\n\
             [default]\nrole_arn = arn:aws:iam::111111111111:role/A\nsource_profile = corp\nregion = us-west-2\n",
        ] {
            let (p, _, _) = plan_files(
                &format!("{config}[profile r]\nrole_arn = arn:aws:iam::222222222222:role/R\nsource_profile = default\n"),
                "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = s\n",
            );
            // Not a role from [default]'s role_arn merged with the other section...
            assert!(p.config.role("default").is_none(), "{config}");
            let ids: Vec<_> = p.roles.iter().map(|r| r.id.as_str()).collect();
            assert_eq!(ids, ["r"]);
            // ...but [profile default], with the credentials file's keys.
            let g = p.config.gateway("default").unwrap();
            assert_eq!(g.region.as_deref(), Some("eu-west-1"));
            assert!(p.notes.iter().any(|n| n.contains("ignores [default]")));
        }
    }

    #[test]
    fn profile_prefix_in_the_credentials_file_gets_a_hint() {
        let (p, _, _) = plan_files(
            "[profile r]\nrole_arn = arn:aws:iam::111111111111:role/A\nsource_profile = gw\n",
            "[profile gw]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = s\n",
        );
        assert!(
            p.notes.iter().any(|n| n.contains(
                "section [profile gw] of the credentials file is not a profile (profiles there are written [gw], without `profile`)"
            )),
            "{:?}",
            p.notes
        );
        assert!(reason(&p, "r").contains("'gw' is in neither"));
    }

    #[test]
    fn an_indented_header_and_a_byte_order_mark_read_as_the_aws_cli_reads_them() {
        // `  [profile b]` continues `region`, so role_arn below is a's, whose region is now
        // not one, and no profile b exists.
        let (p, _, _) = plan_files(
            "\u{feff}[profile a]\nregion = us-east-1\n  [profile b]\nrole_arn = arn:aws:iam::111111111111:role/A\nsource_profile = gw\n",
            "\u{feff}[gw]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = s\n",
        );
        assert!(
            p.skipped.iter().all(|s| s.profile != "b"),
            "{:?}",
            p.skipped
        );
        // The byte-order marks hid neither [profile a] nor [gw]: a got past its source.
        assert!(
            reason(&p, "a").contains("'us-east-1\n[profile b]'"),
            "{:?}",
            p.skipped
        );
        assert!(reason(&p, "gw").contains("only to skipped profiles (a)"));
    }
}
