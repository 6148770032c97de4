//! The layers of docs/DESIGN.md, checked on the source: a module imports only from layers
//! below its own (the crate root's constants are the base). Moving code upwards by accident
//! fails here rather than in review.

use std::path::{Path, PathBuf};

/// Top-level modules and their layer, lowest first.
const LAYERS: &[(&str, u8)] = &[
    ("error", 0),
    ("credentials", 1),
    ("logger", 1),
    ("sync", 1),
    ("words", 1),
    ("console", 2),
    ("store", 3),
    ("sources", 4),
    ("browser", 4),
    ("app", 5),
    ("protocol", 6),
    ("setup", 6),
    ("cli", 7),
];

fn layer(module: &str) -> Option<u8> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|(_, l)| *l)
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level modules a file names with `crate::<module>` (and in `use crate::{…}`).
fn crate_references(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let name = item.trim().split("::").next().unwrap_or("").trim();
                out.push(name.to_owned());
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            out.push(name);
        }
    }
    out
}

#[test]
fn no_module_imports_from_a_layer_above_or_beside_its_own() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut wrong = Vec::new();
    for file in &files {
        let rel = file.strip_prefix(&src).unwrap();
        let top = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_owned();
        if top == "lib" || top == "main" {
            continue;
        }
        let own = layer(&top).unwrap_or_else(|| panic!("{top} has no layer in this test"));
        let text = std::fs::read_to_string(file).unwrap();
        for name in crate_references(&text) {
            if name == top || name.chars().next().is_some_and(|c| c.is_ascii_uppercase()) {
                continue; // itself, or a crate-root constant
            }
            match layer(&name) {
                Some(l) if l < own => {}
                _ => wrong.push(format!("{} uses crate::{name}", rel.display())),
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports against the layers:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_reader_sees_imports_and_paths() {
    let refs = crate_references(
        "use crate::store::config;\nuse crate::{CHROMIUM_EXTENSION_ID, error::Error};\nlet x = crate::app::App::new();",
    );
    assert_eq!(refs, ["store", "CHROMIUM_EXTENSION_ID", "error", "app"]);
}

/// The store/ modules (`config`, `catalog`, `files`, …) a text names with `crate::store::`.
fn store_references(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("crate::store::") {
        rest = &rest[i + "crate::store::".len()..];
        let ident = |s: &str| -> String {
            s.trim()
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect()
        };
        match rest.strip_prefix('{') {
            // `{config::{self, Role}, files}`: the first name of each top-level item.
            Some(group) => {
                let (mut depth, mut start) = (0, 0);
                for (i, c) in group.char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' if depth == 0 => {
                            out.push(ident(&group[start..i]));
                            break;
                        }
                        '}' => depth -= 1,
                        ',' if depth == 0 => {
                            out.push(ident(&group[start..i]));
                            start = i + 1;
                        }
                        _ => {}
                    }
                }
            }
            None => out.push(ident(rest)),
        }
    }
    out.retain(|n| !n.is_empty());
    out
}

/// Within store/, imports form no circle: two of its modules that need each other keep what
/// both need in the lower one (or a third), as `[[catalog]]`'s type lives with the config.
#[test]
fn no_store_modules_import_each_other() {
    let store = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/store");
    let mut files = Vec::new();
    rust_files(&store, &mut files);
    let mut edges: std::collections::BTreeSet<(String, String)> = Default::default();
    for file in &files {
        let rel = file.strip_prefix(&store).unwrap();
        let own = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_owned();
        let text = std::fs::read_to_string(file).unwrap();
        for name in store_references(&text) {
            if name != own && own != "mod" {
                edges.insert((own.clone(), name));
            }
        }
    }
    // Any circle, of any length: follow the edges from each module.
    for (start, _) in &edges {
        let mut seen = std::collections::BTreeSet::new();
        let mut todo = vec![start.clone()];
        while let Some(m) = todo.pop() {
            for (_, next) in edges.iter().filter(|(from, _)| *from == m) {
                assert!(
                    next != start,
                    "store/{start} imports itself back through store/{m}: {edges:?}"
                );
                if seen.insert(next.clone()) {
                    todo.push(next.clone());
                }
            }
        }
    }
    assert!(
        edges.contains(&("catalog".to_owned(), "config".to_owned())),
        "the reader sees store/catalog's imports: {edges:?}"
    );
}

#[test]
fn the_store_reader_sees_groups_and_paths() {
    assert_eq!(
        store_references(
            "use crate::store::{config::{self, Role}, files};\ncrate::store::state::x"
        ),
        ["config", "files", "state"]
    );
}
