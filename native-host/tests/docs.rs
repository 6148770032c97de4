//! The user docs against the code: the version line README.md shows is the one the binary
//! prints, no other text claims another protocol version is the current one, the links and
//! cited sections between the docs resolve, and the example config of CONFIGURATION.md loads.
//!
//! The convention: the current version is stated only by the line `rolecall --version`
//! prints, once in README.md and once in the header of docs/PROTOCOL.md. Elsewhere
//! "protocol N" names the version that added something, never "this release" or "current".

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `rolecall 0.1.0 (protocol 7)` and the 7.
fn version_line() -> (String, u32) {
    let out = Command::new(env!("CARGO_BIN_EXE_rolecall"))
        .arg("--version")
        .output()
        .unwrap();
    assert!(out.status.success());
    let line = String::from_utf8(out.stdout).unwrap().trim_end().to_owned();
    let protocol = line
        .strip_suffix(')')
        .and_then(|s| s.rsplit_once("(protocol "))
        .and_then(|(_, n)| n.parse().ok())
        .unwrap_or_else(|| panic!("--version printed {line:?}, not `rolecall X (protocol N)`"));
    (line, protocol)
}

/// README.md, CONTRIBUTING.md, docs/*.md and extension/README.md, with their paths.
fn user_docs() -> Vec<(PathBuf, String)> {
    let root = repo();
    let mut paths = vec![
        root.join("README.md"),
        root.join("CONTRIBUTING.md"),
        root.join("extension/README.md"),
    ];
    for entry in std::fs::read_dir(root.join("docs")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            paths.push(path);
        }
    }
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let text = read(&p);
            (p, text)
        })
        .collect()
}

fn name(path: &Path) -> String {
    path.strip_prefix(repo())
        .unwrap_or(path)
        .display()
        .to_string()
}

/// Every `protocol N` (any case) in a text: the byte offset after the number, and N.
fn protocol_mentions(text: &str) -> Vec<(usize, usize, u32)> {
    let lower = text.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = lower[from..].find("protocol ") {
        let start = from + i;
        let digits_at = start + "protocol ".len();
        let digits: String = lower[digits_at..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        if let Ok(n) = digits.parse() {
            out.push((start, digits_at + digits.len(), n));
        }
        from = digits_at;
    }
    out
}

/// Every `rolecall X.Y.Z (protocol N)` in a text.
fn version_lines(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = text[from..].find("rolecall ") {
        let start = from + i;
        let rest = &text[start + "rolecall ".len()..];
        let version: String = rest
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        if version.contains('.') && rest[version.len()..].starts_with(" (protocol ") {
            if let Some(end) = rest.find(')') {
                out.push(text[start..start + "rolecall ".len() + end + 1].to_owned());
            }
        }
        from = start + "rolecall ".len();
    }
    out
}

#[test]
fn readme_and_protocol_md_state_the_version_the_binary_prints() {
    let (line, protocol) = version_line();
    for doc in ["README.md", "docs/PROTOCOL.md"] {
        let text = read(&repo().join(doc));
        assert_eq!(
            text.matches(line.as_str()).count(),
            1,
            "{doc} must state `{line}` (what `rolecall --version` prints) exactly once"
        );
    }
    let protocol_md = read(&repo().join("docs/PROTOCOL.md"));
    assert!(
        protocol_md.contains(&format!("Protocol version: **{protocol}**")),
        "docs/PROTOCOL.md's header must say `Protocol version: **{protocol}**`"
    );
}

#[test]
fn no_other_text_claims_another_protocol_is_the_current_one() {
    let (line, current) = version_line();
    let mut wrong = Vec::new();
    for (path, text) in user_docs() {
        let doc = name(&path);
        for found in version_lines(&text) {
            let allowed = doc == "README.md" || doc == "docs/PROTOCOL.md";
            if found != line || !allowed {
                wrong.push(format!(
                    "{doc}: `{found}` (only README.md and docs/PROTOCOL.md state the version, as `{line}`)"
                ));
            }
        }
        for (start, end, n) in protocol_mentions(&text) {
            let after: String = text[end..].chars().take(40).collect();
            let before: String = {
                let head = &text[..start];
                let from = head.char_indices().rev().nth(24).map_or(0, |(i, _)| i);
                head[from..].to_owned()
            };
            let context = format!("{before}protocol {n}{after}")
                .to_lowercase()
                .replace('\n', " ");
            if n > current {
                wrong.push(format!(
                    "{doc}: `protocol {n}`, but the binary speaks {current}"
                ));
            }
            let claims = ["this release", "current", "latest", "(now", "today"]
                .iter()
                .any(|w| after.to_lowercase().replace('\n', " ").contains(w))
                || before.to_lowercase().contains("current");
            if claims && n != current {
                wrong.push(format!(
                    "{doc}: `…{context}…` calls protocol {n} current; only `{line}` says that"
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Text outside fenced code blocks (a link or heading in an example is not one).
fn prose(text: &str) -> String {
    let mut out = String::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            out.push('\n');
            continue;
        }
        if !fenced {
            out.push_str(line);
        }
        out.push('\n');
    }
    out
}

/// The heading texts of a Markdown file, and their GitHub anchors.
fn headings(text: &str) -> Vec<(String, String)> {
    let mut seen = std::collections::HashMap::<String, usize>::new();
    prose(text)
        .lines()
        .filter(|l| l.starts_with('#'))
        .filter_map(|l| {
            let title = l.trim_start_matches('#');
            title.starts_with(' ').then(|| title.trim().to_owned())
        })
        .map(|title| {
            let slug: String = title
                .to_lowercase()
                .chars()
                .filter_map(|c| match c {
                    ' ' => Some('-'),
                    c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
                    _ => None,
                })
                .collect();
            let n = seen.entry(slug.clone()).or_insert(0);
            let anchor = if *n == 0 {
                slug.clone()
            } else {
                format!("{slug}-{n}")
            };
            *n += 1;
            (normalise(&title), anchor)
        })
        .collect()
}

/// Without backticks, whitespace collapsed.
fn normalise(s: &str) -> String {
    s.replace('`', "")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// `](target)` of every link in a text's prose, images left out (a picture may be added
/// after the text that shows it; a missing one shows its alt text).
fn link_targets(text: &str) -> Vec<String> {
    let prose = prose(text);
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = prose[from..].find("](") {
        let at = from + i;
        let target_start = at + 2;
        let Some(len) = prose[target_start..].find(')') else {
            break;
        };
        let opening = prose[..at].rfind('[');
        let image = opening.is_some_and(|o| o > 0 && prose.as_bytes()[o - 1] == b'!');
        if !image {
            out.push(prose[target_start..target_start + len].to_owned());
        }
        from = target_start + len;
    }
    out
}

#[test]
fn relative_links_and_their_anchors_resolve() {
    let mut wrong = Vec::new();
    for (path, text) in user_docs() {
        let doc = name(&path);
        for target in link_targets(&text) {
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            let (file, anchor) = match target.split_once('#') {
                Some((f, a)) => (f, Some(a)),
                None => (target.as_str(), None),
            };
            let resolved = if file.is_empty() {
                path.clone()
            } else {
                path.parent().unwrap().join(file)
            };
            if !resolved.exists() {
                wrong.push(format!("{doc}: ({target}): no such file"));
                continue;
            }
            if let Some(anchor) = anchor {
                let anchors: Vec<String> = headings(&read(&resolved))
                    .into_iter()
                    .map(|(_, a)| a)
                    .collect();
                if !anchors.iter().any(|a| a == anchor) {
                    wrong.push(format!("{doc}: ({target}): no such heading"));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Citations of a section by its title, `FILE, "Title"` or `FILE, *Title*` (in code:
/// `README, \"Title\"`), where FILE is README, a Markdown file or a docs/ path.
fn citations(text: &str) -> Vec<(String, String)> {
    // A citation may run over lines of a comment: read it without their markers.
    let flat = text
        .lines()
        .map(|l| {
            let l = l.trim_start();
            ["///", "//", "# "]
                .iter()
                .find_map(|m| l.strip_prefix(m))
                .unwrap_or(l)
        })
        .flat_map(str::split_whitespace)
        .collect::<Vec<_>>()
        .join(" ");
    let mut out = Vec::new();
    for marker in [".md, ", "README, "] {
        let mut from = 0;
        while let Some(i) = flat[from..].find(marker) {
            let at = from + i;
            from = at + marker.len();
            let file_end = at + marker.len() - 2;
            let file_start = flat[..file_end]
                .rfind(|c: char| !(c.is_ascii_alphanumeric() || "_/.-".contains(c)))
                .map_or(0, |p| p + 1);
            let file = &flat[file_start..file_end];
            let rest = flat[from..].strip_prefix('\\').unwrap_or(&flat[from..]);
            let Some(quote) = rest.chars().next().filter(|c| *c == '"' || *c == '*') else {
                continue;
            };
            let body = &rest[1..];
            let close = if quote == '"' { "\"" } else { "*" };
            let Some(end) = body.find(close) else {
                continue;
            };
            let title = body[..end].trim_end_matches('\\');
            out.push((file.to_owned(), normalise(title)));
        }
    }
    out
}

fn text_files(dir: &Path, exts: &[&str], out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            text_files(&path, exts, out);
        } else if path
            .extension()
            .is_some_and(|e| exts.iter().any(|x| e == *x))
        {
            out.push(path);
        }
    }
}

#[test]
fn sections_cited_by_title_exist() {
    let root = repo();
    let mut files: Vec<PathBuf> = user_docs().into_iter().map(|(p, _)| p).collect();
    text_files(&root.join("native-host/src"), &["rs"], &mut files);
    text_files(&root.join("extension/src"), &["js", "html"], &mut files);
    text_files(&root.join("packaging"), &["sh", "py"], &mut files);
    text_files(&root.join(".github"), &["yml"], &mut files);
    files.push(root.join("setup.sh"));
    let mut wrong = Vec::new();
    let mut checked = 0;
    for path in files {
        let text = read(&path);
        for (file, title) in citations(&text) {
            let candidates = if file == "README" || file == "README.md" {
                vec![root.join("README.md")]
            } else if file.contains('/') {
                vec![root.join(&file)]
            } else {
                vec![
                    path.parent().unwrap().join(&file),
                    root.join(&file),
                    root.join("docs").join(&file),
                ]
            };
            let Some(cited) = candidates.into_iter().find(|c| c.is_file()) else {
                wrong.push(format!(
                    "{}: cites {file}, which does not exist",
                    name(&path)
                ));
                continue;
            };
            checked += 1;
            // The whole title, or its start up to a word's end (`An MFA command` for
            // `An MFA command: no typing`).
            let found = headings(&read(&cited)).into_iter().any(|(h, _)| {
                h.strip_prefix(title.as_str())
                    .is_some_and(|rest| !rest.starts_with(char::is_alphanumeric))
            });
            if !found {
                wrong.push(format!(
                    "{}: cites {file}, \"{title}\", which has no such section",
                    name(&path)
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // The doctor's keyring fix, at least, cites a section this way.
    assert!(checked > 0, "no citation found: has the format changed?");
}

#[test]
fn the_example_config_of_configuration_md_loads() {
    let text = read(&repo().join("docs/CONFIGURATION.md"));
    let example = text
        .split("```toml\n")
        .skip(1)
        .filter_map(|block| block.split_once("```").map(|(b, _)| b))
        .find(|b| b.starts_with("# config.toml\n"))
        .expect("docs/CONFIGURATION.md has a ```toml block starting `# config.toml`");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config.toml"), example).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_rolecall"))
        .args(["role", "list", "--json"])
        .env("ROLECALL_CONFIG_DIR", dir.path())
        .env("ROLECALL_DATA_DIR", dir.path().join("data"))
        .env("HOME", dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "rolecall role list refused the example: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let roles: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let listed = roles.as_array().map_or(0, Vec::len);
    let declared = example.matches("[[role]]").count();
    assert!(
        declared > 0 && listed == declared,
        "the example declares {declared} roles, role list shows {listed}"
    );
}
