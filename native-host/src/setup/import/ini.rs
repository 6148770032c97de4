//! A small reader for the AWS shared config and credentials files (`~/.aws/config`,
//! `~/.aws/credentials`), following the SDKs' file format: `[section]` lines, `key = value`
//! properties, `#`/`;` comment lines, inline comments only after whitespace (secrets may hold
//! `;`), continuation lines indented under a value, and indented sub-properties under a key
//! with an empty value (`s3 =\n  max_concurrent_requests = 10`). An indented `[header]`
//! below a property continues that property, as in the AWS CLI and SDKs, and a UTF-8
//! byte-order mark at the start is skipped; both are warned about.
//!
//! It keeps every line as read, with positions, so keys can later be removed from the file
//! without disturbing a byte of the rest. It never fails: lines it cannot read are reported
//! as warnings and ignored, as the SDKs would refuse only the profile they are in.

/// One `key = value` of a section, with where it sits in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Property {
    /// Lower-cased, as the AWS CLI reads keys.
    pub key: String,
    pub value: String,
    /// Sub-properties, for a key whose value is a nested block.
    pub sub: Vec<(String, String)>,
    /// The 0-based index of its first line, and one past its last (continuations included).
    pub first_line: usize,
    pub end_line: usize,
}

/// One `[header]` and what follows it up to the next header. A header may appear more than
/// once; each appearance is its own `Section`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// The text between the brackets, trimmed: `default`, `profile dev`, `sso-session x`.
    pub header: String,
    pub line: usize,
    pub properties: Vec<Property>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IniFile {
    /// Every line as read, line ending included, so the file can be rewritten exactly.
    pub lines: Vec<String>,
    pub sections: Vec<Section>,
    /// "line N: what was wrong", for lines ignored or read otherwise than they look.
    pub warnings: Vec<String>,
}

const WS: &[char] = &[' ', '\t'];
const BOM: char = '\u{feff}';

fn is_comment_char(c: char) -> bool {
    c == '#' || c == ';'
}

/// Cuts an inline comment: one that starts after whitespace (`value # note`), or anywhere
/// when `anywhere` (section headers).
fn strip_comment(s: &str, anywhere: bool) -> &str {
    let mut prev_ws = false;
    for (i, c) in s.char_indices() {
        if is_comment_char(c) && (anywhere || prev_ws) {
            return s[..i].trim_matches(WS);
        }
        prev_ws = c == ' ' || c == '\t';
    }
    s.trim_matches(WS)
}

fn key_value(line: &str) -> Option<(String, String)> {
    let line = strip_comment(line.trim_matches(WS), false);
    let (k, v) = line.split_once('=')?;
    let k = k.trim_matches(WS);
    if k.is_empty() {
        return None;
    }
    Some((k.to_ascii_lowercase(), v.trim_matches(WS).to_owned()))
}

pub fn parse(text: &str) -> IniFile {
    let mut file = IniFile {
        lines: text.split_inclusive('\n').map(str::to_owned).collect(),
        ..IniFile::default()
    };
    // (section index, property index) of the property continuation lines extend.
    let mut current: Option<(usize, usize)> = None;
    for (n, raw) in file.lines.iter().enumerate() {
        let mut line = raw.trim_end_matches(['\n', '\r']);
        if n == 0 {
            if let Some(rest) = line.strip_prefix(BOM) {
                // Windows editors write one. The AWS CLI then fails on the whole file
                // (configparser keeps the mark, so line 1 is no header: aws/aws-cli#3419).
                // What the file means is plain: read it, and say so.
                line = rest;
                file.warnings.push(
                    "line 1: the file starts with a UTF-8 byte-order mark, which rolecall skips but the AWS CLI cannot read (save the file as UTF-8 without BOM)".into(),
                );
            }
        }
        let trimmed = line.trim_matches(WS);
        if trimmed.is_empty() || trimmed.starts_with(is_comment_char) {
            continue;
        }
        let indented = line.starts_with(WS);
        // Indented under a property, even a `[header]` continues it: botocore's configparser
        // and the SDKs (whose headers must start the line) both read it so. With no property
        // to continue, configparser reads a header and the SDKs fail: keep the header.
        if trimmed.starts_with('[') && !(indented && current.is_some()) {
            let inner = strip_comment(trimmed, true);
            match inner.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
                Some(name) if !name.trim_matches(WS).is_empty() => {
                    file.sections.push(Section {
                        header: name.trim_matches(WS).to_owned(),
                        line: n,
                        properties: Vec::new(),
                    });
                }
                _ => {
                    file.warnings.push(format!(
                        "line {}: '{trimmed}' is not a [section] header; ignored",
                        n + 1
                    ));
                    // Properties below a broken header must not land in the section above.
                    file.sections.push(Section {
                        header: String::new(),
                        line: n,
                        properties: Vec::new(),
                    });
                }
            }
            current = None;
            continue;
        }
        if indented {
            let Some((s, p)) = current else {
                file.warnings.push(format!(
                    "line {}: an indented line that continues no property; ignored",
                    n + 1
                ));
                continue;
            };
            let prop = &mut file.sections[s].properties[p];
            prop.end_line = n + 1;
            let header = trimmed.starts_with('[');
            if header {
                file.warnings.push(format!(
                    "line {}: '{trimmed}' is indented, so the AWS CLI reads it as part of '{}' above, not as a section; remove the indentation to start a section there",
                    n + 1,
                    prop.key
                ));
            }
            if !prop.value.is_empty() && prop.sub.is_empty() {
                prop.value.push('\n');
                prop.value.push_str(strip_comment(trimmed, false));
            } else if !header {
                // A block of sub-properties (a header in one makes the references fail the
                // whole file; it is only warned about here).
                match key_value(trimmed) {
                    Some(kv) => prop.sub.push(kv),
                    None => file.warnings.push(format!(
                        "line {}: '{trimmed}' under '{}' is not `key = value`; ignored",
                        n + 1,
                        prop.key
                    )),
                }
            }
            continue;
        }
        let Some(section) = file.sections.len().checked_sub(1) else {
            file.warnings.push(format!(
                "line {}: a property before any [section]; ignored",
                n + 1
            ));
            continue;
        };
        match key_value(trimmed) {
            Some((key, value)) => {
                let props = &mut file.sections[section].properties;
                props.push(Property {
                    key,
                    value,
                    sub: Vec::new(),
                    first_line: n,
                    end_line: n + 1,
                });
                current = Some((section, props.len() - 1));
            }
            None => {
                file.warnings.push(format!(
                    "line {}: '{trimmed}' is not `key = value`; ignored",
                    n + 1
                ));
                current = None;
            }
        }
    }
    file
}

impl IniFile {
    /// The file's text without the given lines (0-based), every other byte as it was. A
    /// byte-order mark belongs to the file, not its first line: it stays.
    pub fn without_lines(&self, drop: &std::collections::BTreeSet<usize>) -> String {
        let mut out = String::new();
        if drop.contains(&0) && self.lines.first().is_some_and(|l| l.starts_with(BOM)) {
            out.push(BOM);
        }
        out.extend(
            self.lines
                .iter()
                .enumerate()
                .filter(|(n, _)| !drop.contains(n))
                .map(|(_, l)| l.as_str()),
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "\
# top comment
; another
[default]
region=us-east-1
output = json   # trailing comment

[ profile  dev ]   ; header comment
role_arn   =   arn:aws:iam::111111111111:role/Dev
source_profile = corp
s3 =
  max_concurrent_requests = 10
  # a comment inside the block
  addressing_style = path
region = eu-west-1
\tnote = continued

[corp]
aws_secret_access_key = abc;def#ghi
AWS_ACCESS_KEY_ID = AKIAEXAMPLE
";

    fn props(f: &IniFile, header: &str) -> Vec<(String, String)> {
        f.sections
            .iter()
            .filter(|s| s.header == header)
            .flat_map(|s| {
                s.properties
                    .iter()
                    .map(|p| (p.key.clone(), p.value.clone()))
            })
            .collect()
    }

    #[test]
    fn reads_sections_properties_comments_and_odd_spacing() {
        let f = parse(SAMPLE);
        assert!(f.warnings.is_empty(), "{:?}", f.warnings);
        let headers: Vec<_> = f.sections.iter().map(|s| s.header.as_str()).collect();
        assert_eq!(headers, ["default", "profile  dev", "corp"]);
        assert_eq!(
            props(&f, "default"),
            [
                ("region".into(), "us-east-1".into()),
                ("output".into(), "json".into())
            ]
        );
        let dev = props(&f, "profile  dev");
        assert_eq!(
            dev[0],
            (
                "role_arn".into(),
                "arn:aws:iam::111111111111:role/Dev".into()
            )
        );
        // The nested block stays under `s3`: its keys are not the profile's.
        assert_eq!(dev[2].0, "s3");
        assert!(!dev.iter().any(|(k, _)| k == "max_concurrent_requests"));
        let s3 = &f.sections[1].properties[2];
        assert_eq!(
            s3.sub,
            [
                ("max_concurrent_requests".into(), "10".into()),
                ("addressing_style".into(), "path".into())
            ]
        );
        // A continuation line extends the value; keys are case-insensitive.
        assert_eq!(
            dev[3],
            ("region".into(), "eu-west-1\nnote = continued".into())
        );
        // `;` and `#` inside a value without whitespace before them are part of it.
        assert_eq!(
            props(&f, "corp"),
            [
                ("aws_secret_access_key".into(), "abc;def#ghi".into()),
                ("aws_access_key_id".into(), "AKIAEXAMPLE".into())
            ]
        );
    }

    #[test]
    fn positions_allow_an_exact_rewrite() {
        let f = parse(SAMPLE);
        assert_eq!(f.without_lines(&Default::default()), SAMPLE);
        let corp = f.sections.iter().find(|s| s.header == "corp").unwrap();
        let drop = corp
            .properties
            .iter()
            .flat_map(|p| p.first_line..p.end_line)
            .collect();
        let out = f.without_lines(&drop);
        assert!(out.ends_with("[corp]\n"), "{out}");
        assert!(!out.contains("AKIAEXAMPLE") && !out.contains("abc;def"));
        // The s3 block spans its indented lines.
        let s3 = &f.sections[1].properties[2];
        assert_eq!(s3.end_line - s3.first_line, 4);
    }

    #[test]
    fn crlf_and_bad_lines_are_tolerated_and_reported() {
        let f = parse(
            "key = before\r\n[default]\r\nregion = us-west-2\r\nnonsense\r\n[broken\r\nx = y\r\n",
        );
        assert_eq!(
            props(&f, "default"),
            [("region".into(), "us-west-2".into())]
        );
        assert_eq!(f.warnings.len(), 3, "{:?}", f.warnings);
        assert!(f.warnings[0].starts_with("line 1:"));
        assert!(f.warnings[1].contains("nonsense"));
        // x = y sits under the broken header, not under [default].
        assert!(!props(&f, "default").iter().any(|(k, _)| k == "x"));
        assert_eq!(
            f.without_lines(&Default::default()).matches("\r\n").count(),
            6
        );
    }

    #[test]
    fn an_indented_header_below_a_property_continues_it() {
        // As botocore (configparser) and the SDKs read it: `[profile b]` starts no section,
        // so `role_arn` below it belongs to `a`.
        let f = parse(
            "[profile a]\nregion = us-east-1\n  [profile b]\nrole_arn = x\n\
             s3 =\n  max_concurrent_requests = 10\n  [profile c]\n\
             [profile d]\n  [profile e]\n",
        );
        let headers: Vec<_> = f.sections.iter().map(|s| s.header.as_str()).collect();
        // With no property to continue, configparser reads a header: so does rolecall.
        assert_eq!(headers, ["profile a", "profile d", "profile e"]);
        assert_eq!(
            props(&f, "profile a")[..2],
            [
                ("region".into(), "us-east-1\n[profile b]".into()),
                ("role_arn".into(), "x".into())
            ]
        );
        let s3 = &f.sections[0].properties[2];
        assert_eq!(s3.sub, [("max_concurrent_requests".into(), "10".into())]);
        assert_eq!(s3.end_line, 7, "the header line is part of the block");
        assert_eq!(f.warnings.len(), 2, "{:?}", f.warnings);
        assert!(f.warnings[0].starts_with("line 3: '[profile b]' is indented"));
        assert!(f.warnings[0].contains("'region'"));
        assert!(f.warnings[1].starts_with("line 7: '[profile c]' is indented"));
    }

    #[test]
    fn a_byte_order_mark_is_skipped_and_kept() {
        let text = "\u{feff}[default]\r\nregion = eu-west-1\r\n";
        let f = parse(text);
        assert_eq!(
            props(&f, "default"),
            [("region".into(), "eu-west-1".into())]
        );
        assert_eq!(f.warnings.len(), 1, "{:?}", f.warnings);
        assert!(f.warnings[0].contains("byte-order mark"));
        assert_eq!(f.without_lines(&Default::default()), text);
        // Dropping the first line keeps the mark at the start of the file.
        assert_eq!(
            f.without_lines(&[0].into()),
            "\u{feff}region = eu-west-1\r\n"
        );
        // Only at the very start: elsewhere it is an unreadable line.
        assert_eq!(parse("[a]\n\u{feff}[b]\n").sections.len(), 1);
    }
}
