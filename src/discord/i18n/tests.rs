//! The catalogue against the code: every message the code asks for exists in every language
//! with exactly the placeables the code fills, none is left unused, and each one renders.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use fluent_syntax::ast;
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::visit::Visit;

use super::*;

type Vars = BTreeSet<String>;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn files(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(&path, ext, out);
        } else if path.extension().is_some_and(|e| e == ext) {
            out.push(path);
        }
    }
}

fn inline_vars(e: &ast::InlineExpression<&str>, vars: &mut Vars) {
    match e {
        ast::InlineExpression::VariableReference { id } => {
            vars.insert(id.name.to_owned());
        }
        ast::InlineExpression::Placeable { expression } => expression_vars(expression, vars),
        ast::InlineExpression::FunctionReference { arguments, .. } => {
            arguments
                .positional
                .iter()
                .for_each(|a| inline_vars(a, vars));
            arguments
                .named
                .iter()
                .for_each(|a| inline_vars(&a.value, vars));
        }
        _ => {}
    }
}

fn expression_vars(e: &ast::Expression<&str>, vars: &mut Vars) {
    match e {
        ast::Expression::Inline(i) => inline_vars(i, vars),
        ast::Expression::Select { selector, variants } => {
            inline_vars(selector, vars);
            for v in variants {
                pattern_vars(&v.value, vars);
            }
        }
    }
}

fn pattern_vars(p: &ast::Pattern<&str>, vars: &mut Vars) {
    for element in &p.elements {
        if let ast::PatternElement::Placeable { expression } = element {
            expression_vars(expression, vars);
        }
    }
}

/// Every message of one locale folder, with the variables it uses (selectors included).
fn catalogue(lang: Lang) -> BTreeMap<String, Vars> {
    let mut paths = Vec::new();
    files(
        &Path::new(ROOT).join("locales").join(lang.code()),
        "ftl",
        &mut paths,
    );
    assert!(!paths.is_empty(), "no .ftl files for {}", lang.code());
    let mut out = BTreeMap::new();
    for path in paths {
        let text = std::fs::read_to_string(&path).unwrap();
        let resource = fluent_syntax::parser::parse(text.as_str())
            .unwrap_or_else(|(_, errors)| panic!("{}: {errors:?}", path.display()));
        for entry in &resource.body {
            match entry {
                ast::Entry::Message(m) => {
                    assert!(
                        m.attributes.is_empty(),
                        "{}: attributes are unused",
                        m.id.name
                    );
                    let mut vars = Vars::new();
                    pattern_vars(m.value.as_ref().expect("a message has a value"), &mut vars);
                    let previous = out.insert(m.id.name.to_owned(), vars);
                    assert!(previous.is_none(), "{} twice in {}", m.id.name, lang.code());
                }
                ast::Entry::Term(t) => panic!("{}: terms are not used", t.id.name),
                ast::Entry::Junk { content } => panic!("{}: junk {content}", path.display()),
                _ => {}
            }
        }
    }
    out
}

/// One `tr!` in the code: its message id and the placeables it fills.
#[derive(Default)]
struct Uses {
    calls: Vec<(String, Vars, String)>,
    /// String literals of `commands.rs`: its descriptions are ids given to `option()`.
    command_literals: BTreeSet<String>,
    in_commands: bool,
    file: String,
}

impl<'ast> Visit<'ast> for Uses {
    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        if m.path.segments.last().is_some_and(|s| s.ident == "tr") {
            let parse = |input: ParseStream| {
                input.parse::<syn::Expr>()?;
                input.parse::<syn::Token![,]>()?;
                let id: syn::LitStr = input.parse()?;
                let mut names = Vars::new();
                let mut values = Vec::new();
                while !input.is_empty() {
                    input.parse::<syn::Token![,]>()?;
                    if input.is_empty() {
                        break;
                    }
                    let name = input.call(syn::Ident::parse_any)?;
                    input.parse::<syn::Token![=]>()?;
                    values.push(input.parse::<syn::Expr>()?);
                    assert!(names.insert(name.to_string()), "{name} twice");
                }
                Ok((id.value(), names, values))
            };
            // The macro's own definition has no literal id.
            if let Ok((id, names, values)) = parse.parse2(m.tokens.clone()) {
                self.calls.push((id, names, self.file.clone()));
                values.iter().for_each(|v| self.visit_expr(v));
            }
            return;
        }
        // `format!`, `vec!`, `assert!`…: their arguments are expressions that may hold `tr!`.
        let args = syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated;
        if let Ok(args) = args.parse2(m.tokens.clone()) {
            args.iter().for_each(|a| self.visit_expr(a));
        }
    }

    fn visit_lit_str(&mut self, lit: &'ast syn::LitStr) {
        if self.in_commands {
            self.command_literals.insert(lit.value());
        }
    }
}

fn code_uses() -> Uses {
    let mut paths = Vec::new();
    files(&Path::new(ROOT).join("src"), "rs", &mut paths);
    let mut uses = Uses::default();
    for path in paths {
        let file = syn::parse_file(&std::fs::read_to_string(&path).unwrap()).unwrap();
        uses.file = path.display().to_string();
        uses.in_commands = path.ends_with("discord/commands.rs");
        uses.visit_file(&file);
    }
    uses
}

#[test]
fn every_language_has_every_message_with_the_same_placeables() {
    let english = catalogue(Lang::En);
    for lang in Lang::TRANSLATED {
        let other = catalogue(lang);
        let missing: Vec<_> = english
            .keys()
            .filter(|id| !other.contains_key(*id))
            .collect();
        let extra: Vec<_> = other
            .keys()
            .filter(|id| !english.contains_key(*id))
            .collect();
        assert!(missing.is_empty(), "{} lacks {missing:?}", lang.code());
        assert!(extra.is_empty(), "{} has unknown {extra:?}", lang.code());
        for (id, vars) in &english {
            assert_eq!(
                &other[id],
                vars,
                "{} `{id}` uses other placeables",
                lang.code()
            );
        }
    }
}

#[test]
fn the_code_fills_exactly_the_placeables_of_each_message_and_uses_every_message() {
    let english = catalogue(Lang::En);
    let uses = code_uses();
    assert!(
        uses.calls.len() > 100,
        "the scan found {} tr! calls",
        uses.calls.len()
    );
    let mut used = BTreeSet::new();
    for (id, names, file) in &uses.calls {
        let Some(vars) = english.get(id) else {
            panic!("{file}: `{id}` is not in locales/en-US");
        };
        assert_eq!(
            names, vars,
            "{file}: `{id}` is given other placeables than it uses"
        );
        used.insert(id.clone());
    }
    for literal in &uses.command_literals {
        if let Some(vars) = english.get(literal) {
            assert!(vars.is_empty(), "description `{literal}` has placeables");
            used.insert(literal.clone());
        }
    }
    let unused: Vec<_> = english.keys().filter(|id| !used.contains(*id)).collect();
    assert!(unused.is_empty(), "messages no code uses: {unused:?}");
}

#[test]
fn every_message_renders_in_every_language_without_fallback() {
    let english = catalogue(Lang::En);
    for lang in Lang::ALL {
        for (id, vars) in &english {
            let args: HashMap<String, FluentValue> = vars
                .iter()
                .map(|v| (v.clone(), FluentValue::from(format!("«{v}»"))))
                .collect();
            let text = LOCALES
                .lookup_single_language(lang.langid(), id, Some(&args))
                .unwrap_or_else(|e| panic!("{} `{id}`: {e}", lang.code()));
            // A selector (plural) may consume its variable; every other one shows.
            for v in vars {
                let shown = text.contains(&format!("«{v}»"));
                assert!(
                    shown || ["count", "requests"].contains(&v.as_str()),
                    "{} `{id}` drops ${v}: {text}",
                    lang.code()
                );
            }
            assert!(
                !text.contains(['\u{2068}', '\u{2069}']),
                "isolation marks in {id}"
            );
            let joiner = id.ends_with("-joiner");
            assert!(
                joiner || !text.trim().is_empty(),
                "{} `{id}` is empty",
                lang.code()
            );
        }
    }
}

#[test]
fn discord_locales_select_a_language_and_anything_else_is_english() {
    for (locale, lang) in [
        (Some("zh-CN"), Lang::ZhCn),
        (Some("zh-TW"), Lang::ZhTw),
        (Some("ja"), Lang::Ja),
        (Some("en-US"), Lang::En),
        (Some("en-GB"), Lang::En),
        (Some("ko"), Lang::En),
        (Some("zh"), Lang::En),
        (Some("ZH-cn"), Lang::En),
        (Some(""), Lang::En),
        (None, Lang::En),
    ] {
        assert_eq!(Lang::from_discord(locale), lang, "{locale:?}");
    }
    for lang in Lang::ALL {
        assert_eq!(Lang::from_discord(Some(lang.code())), lang);
    }
}

#[test]
fn durations_are_written_in_the_readers_language() {
    let d = |s| Duration::from_secs(s);
    for (secs, en, zh_cn, zh_tw, ja) in [
        (
            5_400,
            "1h30m",
            "1 小时 30 分钟",
            "1 小時 30 分鐘",
            "1 時間 30 分",
        ),
        (604_800, "7d", "7 天", "7 天", "7 日"),
        (
            90_061,
            "1d1h1m1s",
            "1 天 1 小时 1 分钟 1 秒",
            "1 天 1 小時 1 分鐘 1 秒",
            "1 日 1 時間 1 分 1 秒",
        ),
        (60, "1m", "1 分钟", "1 分鐘", "1 分"),
        (0, "0s", "0 秒", "0 秒", "0 秒"),
    ] {
        assert_eq!(duration(Lang::En, d(secs)), en);
        assert_eq!(duration(Lang::ZhCn, d(secs)), zh_cn);
        assert_eq!(duration(Lang::ZhTw, d(secs)), zh_tw);
        assert_eq!(duration(Lang::Ja, d(secs)), ja);
    }
    // English writes them as members type them, so they parse back.
    for secs in [60, 5_400, 86_400, 90_061, 604_800] {
        let written = duration(Lang::En, d(secs));
        assert_eq!(crate::share::parse_duration(&written).unwrap(), d(secs));
    }
}

#[test]
fn a_message_missing_everywhere_shows_its_id_and_placeables_are_not_isolated() {
    assert_eq!(
        message(Lang::Ja, "no-such-message", Vec::new()),
        "no-such-message"
    );
    let text = tr!(Lang::En, "approval-approved-by", by = "<@7>");
    assert_eq!(text, "Approved by <@7>.");
}
