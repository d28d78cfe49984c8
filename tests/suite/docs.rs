//! The README and `docs/`: relative links resolve inside the repository (anchors included),
//! the README keeps the commands it promises, and `docs/configuration.md` documents every key
//! of `config/default.toml`.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// README.md and every docs/*.md, relative to the repository root.
fn markdown_files() -> Vec<PathBuf> {
    let mut files = vec![PathBuf::from("README.md")];
    let docs = std::fs::read_dir(root().join("docs")).expect("docs/");
    let mut pages: Vec<_> = docs
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .map(|p| p.strip_prefix(root()).expect("inside").to_owned())
        .collect();
    pages.sort();
    files.extend(pages);
    files
}

/// Text outside fenced code blocks and inline code spans: what Markdown renders as links.
fn prose(text: &str) -> String {
    let mut out = String::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        // Drop inline code spans.
        for (i, part) in line.split('`').enumerate() {
            if i % 2 == 0 {
                out.push_str(part);
            }
        }
        out.push('\n');
    }
    out
}

/// The targets of `[text](target)` and `![alt](target)` links.
fn link_targets(text: &str) -> Vec<String> {
    let prose = prose(text);
    let mut targets = Vec::new();
    let mut rest = prose.as_str();
    while let Some(at) = rest.find("](") {
        let after = &rest[at + 2..];
        let Some(end) = after.find(')') else { break };
        let target = after[..end].split_whitespace().next().unwrap_or_default();
        targets.push(target.to_owned());
        rest = &after[end..];
    }
    targets
}

/// GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

fn anchors(markdown: &str) -> BTreeSet<String> {
    let mut fenced = false;
    let mut found = BTreeSet::new();
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        } else if !fenced && line.starts_with('#') {
            found.insert(slug(line.trim_start_matches('#').replace('`', "").as_str()));
        }
    }
    found
}

/// Resolves `target` relative to `from`'s folder without touching the file system; `None` if
/// it climbs out of the repository.
fn resolve(from: &Path, target: &str) -> Option<PathBuf> {
    let mut path = PathBuf::new();
    for part in from
        .parent()
        .unwrap_or(Path::new(""))
        .join(target)
        .components()
    {
        match part {
            Component::Normal(p) => path.push(p),
            Component::CurDir => {}
            Component::ParentDir => {
                if !path.pop() {
                    return None;
                }
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(path)
}

#[test]
fn relative_links_resolve_inside_the_repository() {
    let mut checked = 0;
    let mut broken = Vec::new();
    for file in markdown_files() {
        let text = read(&root().join(&file));
        for target in link_targets(&text) {
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            checked += 1;
            let (path, anchor) = match target.split_once('#') {
                Some((p, a)) => (p, Some(a)),
                None => (target.as_str(), None),
            };
            let resolved = if path.is_empty() {
                Some(file.clone())
            } else {
                resolve(&file, path)
            };
            let Some(resolved) = resolved else {
                broken.push(format!(
                    "{}: {target} leaves the repository",
                    file.display()
                ));
                continue;
            };
            let full = root().join(&resolved);
            if !full.exists() {
                broken.push(format!("{}: {target} does not exist", file.display()));
                continue;
            }
            if let Some(anchor) = anchor
                && resolved.extension().is_some_and(|x| x == "md")
                && !anchors(&read(&full)).contains(anchor)
            {
                broken.push(format!("{}: {target} has no such heading", file.display()));
            }
        }
    }
    assert!(checked > 20, "only {checked} relative links found");
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn links_are_found_and_resolved_as_markdown_reads_them() {
    let text = "See [the guide](docs/a.md#part) and ![pic](img.png \"title\").\n\
                `[not](a-link.md)`\n```\n[nor](this.md)\n```\n";
    assert_eq!(link_targets(text), ["docs/a.md#part", "img.png"]);
    assert_eq!(slug("Try it without accounts"), "try-it-without-accounts");
    assert_eq!(slug("`/share` — one request"), "share--one-request");
    assert_eq!(
        resolve(Path::new("docs/x.md"), "../README.md"),
        Some(PathBuf::from("README.md"))
    );
    assert_eq!(
        resolve(Path::new("docs/x.md"), "../../elsewhere/NOTES.md"),
        None
    );
}

/// The two commands the README promises: the bot, and the whole test suite.
#[test]
fn the_readme_keeps_its_two_commands() {
    let readme = read(&root().join("README.md"));
    for command in ["cargo run --release -- run", "scripts/test.sh"] {
        assert!(
            readme.lines().any(|l| l.trim_start().starts_with(command)),
            "README.md has no line starting with {command:?}"
        );
    }
    let script = root().join("scripts/test.sh");
    assert!(script.is_file(), "{}", script.display());
}

/// `section.key` for every key `config/default.toml` sets or shows commented out.
fn config_keys(toml: &str) -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    let mut section = String::new();
    for line in toml.lines() {
        let line = line.trim();
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.to_owned();
            if name.contains('.') {
                keys.insert(name.to_owned()); // a table-valued key: discord.allowed_roles
            }
            continue;
        }
        let entry = line.strip_prefix('#').map(str::trim).unwrap_or(line);
        let Some((key, _)) = entry.split_once(" = ") else {
            continue;
        };
        if !section.is_empty()
            && !key.is_empty()
            && key.chars().all(|c| c.is_ascii_lowercase() || c == '_')
        {
            keys.insert(format!("{section}.{key}"));
        }
    }
    keys
}

#[test]
fn the_configuration_reference_names_every_key() {
    let keys = config_keys(&read(&root().join("config/default.toml")));
    assert!(keys.len() > 30, "{keys:?}");
    assert!(keys.contains("aliyun.endpoint"), "commented keys count");
    assert!(keys.contains("discord.allowed_roles"));
    let reference = read(&root().join("docs/configuration.md"));
    let missing: Vec<_> = keys
        .iter()
        .filter(|k| !reference.contains(&format!("`{k}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/configuration.md does not document {missing:?}"
    );
    let env_missing: Vec<_> = keys
        .iter()
        .filter(|k| *k != "discord.allowed_roles")
        .map(|k| {
            let (section, key) = k.split_once('.').expect("section.key");
            format!(
                "DLCSHARE_{}__{}",
                section.to_uppercase(),
                key.to_uppercase()
            )
        })
        .filter(|var| !reference.contains(var.as_str()))
        .collect();
    assert!(
        env_missing.is_empty(),
        "docs/configuration.md does not name {env_missing:?}"
    );
}
