//! The languages of govpki's reports, verdicts, errors and hints: English and Simplified Chinese,
//! as Project Fluent catalogues (`locales/en/govpki.ftl`, `locales/zh-CN/govpki.ftl`) embedded
//! at compile time.
//!
//! Pure: [`pick_lang`] takes the flag and the locale variables as values (the CLI reads the
//! environment), and [`tr`] never panics: a message missing from the Chinese catalogue falls back
//! to English, one missing from both prints its id. The tests below make a missing or unequal
//! message a test failure, not a runtime surprise. `--json` keys and enum values are never
//! translated: only text meant for people goes through here.

use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};

pub use fluent_bundle::FluentValue as Value;

mod phrases;
pub use phrases::retell;

/// A language govpki speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Zh,
}

impl Lang {
    /// The value of `--lang` (and `GOVPKI_LANG`) that chooses this language.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh",
        }
    }
}

const EN_FTL: &str = include_str!("../../locales/en/govpki.ftl");
const ZH_FTL: &str = include_str!("../../locales/zh-CN/govpki.ftl");

/// Chooses the language: `--lang` (or `GOVPKI_LANG`) when given, else the first non-empty of
/// `LC_ALL`, `LC_MESSAGES`, `LANG` (the POSIX order). `zh`, `zh_CN.UTF-8`, `zh-Hans`... are
/// Chinese; `C`, `POSIX`, unset and every other language are English.
pub fn pick_lang(
    flag: Option<&str>,
    lc_all: Option<&str>,
    lc_messages: Option<&str>,
    lang: Option<&str>,
) -> Lang {
    let chosen = [flag, lc_all, lc_messages, lang]
        .into_iter()
        .flatten()
        .map(str::trim)
        .find(|v| !v.is_empty());
    match chosen {
        Some(v) if is_chinese(v) => Lang::Zh,
        _ => Lang::En,
    }
}

fn is_chinese(locale: &str) -> bool {
    let lower = locale.to_ascii_lowercase();
    lower == "zh"
        || lower.starts_with("zh_")
        || lower.starts_with("zh-")
        || lower.starts_with("zh.")
}

fn bundle(lang: Lang) -> &'static FluentBundle<FluentResource> {
    static BUNDLES: OnceLock<[FluentBundle<FluentResource>; 2]> = OnceLock::new();
    let [en, zh] = BUNDLES.get_or_init(|| [make(EN_FTL, "en"), make(ZH_FTL, "zh-CN")]);
    match lang {
        Lang::En => en,
        Lang::Zh => zh,
    }
}

fn make(source: &str, locale: &str) -> FluentBundle<FluentResource> {
    let id = locale.parse().unwrap_or_default();
    let mut b = FluentBundle::new_concurrent(vec![id]);
    // Fluent wraps every placeable in Unicode isolation marks (U+2068, U+2069) by default; they
    // show as boxes or garbage in terminals and would make reports differ from their snapshots.
    b.set_use_isolating(false);
    // A syntax error keeps the messages that parsed (the tests fail on any error).
    let resource = FluentResource::try_new(source.to_string()).unwrap_or_else(|(r, _)| r);
    // Duplicate ids: the first wins (the tests fail on duplicates).
    let _ = b.add_resource(resource);
    b
}

/// The message `id` in `lang` with `args`; English when `lang` lacks it, the id itself when
/// English lacks it too. Never panics.
pub fn tr(lang: Lang, id: &str, args: &[(&str, Value<'_>)]) -> String {
    format_in(lang, id, args)
        .or_else(|| format_in(Lang::En, id, args))
        .unwrap_or_else(|| id.to_string())
}

fn format_in(lang: Lang, id: &str, args: &[(&str, Value<'_>)]) -> Option<String> {
    let b = bundle(lang);
    let pattern = b.get_message(id)?.value()?;
    let mut fargs = FluentArgs::with_capacity(args.len());
    for (k, v) in args {
        fargs.set(*k, v.clone());
    }
    let mut errors = Vec::new();
    Some(
        b.format_pattern(pattern, Some(&fargs), &mut errors)
            .into_owned(),
    )
}

/// A count with thousands separators: `1,008`.
pub fn group(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The columns `text` takes in a terminal: CJK and fullwidth characters take two.
pub fn width(text: &str) -> usize {
    text.chars()
        .map(|c| {
            let c = c as u32;
            let wide = (0x1100..=0x115F).contains(&c)
                || (0x2E80..=0xA4CF).contains(&c)
                || (0xAC00..=0xD7A3).contains(&c)
                || (0xF900..=0xFAFF).contains(&c)
                || (0xFE30..=0xFE4F).contains(&c)
                || (0xFF00..=0xFF60).contains(&c)
                || (0xFFE0..=0xFFE6).contains(&c)
                || (0x20000..=0x3FFFD).contains(&c);
            if wide { 2 } else { 1 }
        })
        .sum()
}

/// `text` padded with spaces to `columns` terminal columns, as `{:<columns}` pads ASCII.
pub fn pad(text: &str, columns: usize) -> String {
    let w = width(text);
    format!("{text}{}", " ".repeat(columns.saturating_sub(w)))
}

#[cfg(test)]
mod tests;
