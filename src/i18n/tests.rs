//! The catalogues agree: the same ids and the same variables in both languages, and every id
//! the code asks for exists.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::*;

/// Each message id of a catalogue and the variables its text uses.
fn messages(ftl: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in ftl.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let text = if line.starts_with(|c: char| c.is_ascii_alphabetic()) {
            let (id, rest) = line.split_once('=').expect("a message line has `=`");
            let id = id.trim().to_string();
            assert!(!out.contains_key(&id), "message `{id}` is defined twice");
            out.insert(id.clone(), BTreeSet::new());
            current = Some(id);
            rest
        } else {
            line
        };
        let id = current
            .as_ref()
            .expect("a continuation line follows a message");
        let vars = out.get_mut(id).unwrap();
        let mut rest = text;
        while let Some(i) = rest.find('$') {
            rest = &rest[i + 1..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
                .collect();
            vars.insert(name);
        }
    }
    out
}

#[test]
fn both_catalogues_parse_without_errors() {
    for (name, ftl) in [("en", EN_FTL), ("zh-CN", ZH_FTL)] {
        if let Err((_, errors)) = FluentResource::try_new(ftl.to_string()) {
            panic!("locales/{name}/govpki.ftl: {errors:?}");
        }
    }
}

#[test]
fn both_catalogues_have_the_same_ids_and_the_same_variables() {
    let en = messages(EN_FTL);
    let zh = messages(ZH_FTL);
    let en_ids: BTreeSet<_> = en.keys().collect();
    let zh_ids: BTreeSet<_> = zh.keys().collect();
    assert_eq!(
        en_ids.difference(&zh_ids).collect::<Vec<_>>(),
        Vec::<&&String>::new(),
        "in English only"
    );
    assert_eq!(
        zh_ids.difference(&en_ids).collect::<Vec<_>>(),
        Vec::<&&String>::new(),
        "in Chinese only"
    );
    for (id, vars) in &en {
        assert_eq!(Some(vars), zh.get(id), "the variables of `{id}`");
    }
    assert!(en.len() > 50, "the catalogue was read: {}", en.len());
}

/// The literal ids of every `tr(LANG, "id", ...)` call in `src/`.
fn literal_ids(dir: &Path, out: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            literal_ids(&path, out);
            continue;
        }
        // This file's own calls test the fallback with ids that do not exist.
        if path.extension().is_none_or(|e| e != "rs") || path.ends_with("i18n/tests.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let mut rest = text.as_str();
        while let Some(i) = rest.find("tr(") {
            let before = rest[..i].chars().next_back();
            rest = &rest[i + 3..];
            if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
                continue;
            }
            // The second argument, when it is a string literal.
            let Some(comma) = rest.find(',') else { break };
            let arg = rest[comma + 1..].trim_start();
            if let Some(lit) = arg.strip_prefix('"') {
                let id: String = lit.chars().take_while(|c| *c != '"').collect();
                out.insert(id);
            }
        }
    }
}

#[test]
fn every_id_the_code_asks_for_exists_in_both_languages() {
    let en = messages(EN_FTL);
    let mut used = BTreeSet::new();
    literal_ids(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut used,
    );
    assert!(used.len() > 30, "the scan found the calls: {used:?}");
    // The ids the code makes from values.
    for id in crate::seal::report::CheckId::ALL {
        used.insert(format!("check-{}", id.as_str()));
    }
    for r in crate::ca::crl::Reason::ALL {
        used.insert(format!("reason-{}", r.name()));
    }
    for (_, id) in crate::cli::output::READ_WHAT {
        used.insert(id.to_string());
    }
    let missing: Vec<_> = used.iter().filter(|id| !en.contains_key(*id)).collect();
    assert!(missing.is_empty(), "ids without a message: {missing:?}");
}

#[test]
fn the_language_follows_the_flag_then_lc_all_lc_messages_lang() {
    use Lang::{En, Zh};
    assert_eq!(pick_lang(None, None, None, None), En);
    assert_eq!(pick_lang(None, None, None, Some("zh_CN.UTF-8")), Zh);
    assert_eq!(
        pick_lang(None, None, Some("zh_CN"), Some("en_US.UTF-8")),
        Zh
    );
    assert_eq!(pick_lang(None, Some("C"), Some("zh_CN"), Some("zh_CN")), En);
    assert_eq!(pick_lang(None, Some(""), Some(""), Some("zh_TW.UTF-8")), Zh);
    assert_eq!(pick_lang(None, Some("POSIX"), None, Some("zh_CN")), En);
    assert_eq!(pick_lang(None, None, None, Some("de_DE.UTF-8")), En);
    assert_eq!(pick_lang(None, None, None, Some("zhx")), En);
    assert_eq!(pick_lang(Some("en"), Some("zh_CN.UTF-8"), None, None), En);
    assert_eq!(pick_lang(Some("zh"), None, None, Some("C")), Zh);
    assert_eq!(pick_lang(Some("zh-CN"), None, None, None), Zh);
}

#[test]
fn a_message_has_no_isolation_marks_and_a_missing_one_falls_back() {
    let s = tr(
        Lang::Zh,
        "tally",
        &[
            ("valid", group(1008).into()),
            ("invalid", "0".into()),
            ("indeterminate", "0".into()),
        ],
    );
    assert_eq!(s, "有效 1,008，无效 0，无法判定 0");
    assert!(!s.contains('\u{2068}') && !s.contains('\u{2069}'));
    assert_eq!(tr(Lang::Zh, "no-such-message", &[]), "no-such-message");
    assert_eq!(
        tr(Lang::En, "sv-signer-serial", &[("serial", "0A".into())]),
        " (serial 0A)"
    );
    assert_eq!(
        tr(
            Lang::En,
            "summary-all-valid",
            &[
                ("verdict", "VALID".into()),
                ("n", 1.into()),
                ("count", "1".into())
            ]
        ),
        "VALID: the document is valid"
    );
    assert_eq!(
        tr(
            Lang::En,
            "summary-all-valid",
            &[
                ("verdict", "VALID".into()),
                ("n", 1008.into()),
                ("count", "1,008".into())
            ]
        ),
        "VALID: all 1,008 documents are valid"
    );
}

#[test]
fn counts_are_grouped_by_thousands_and_cjk_takes_two_columns() {
    assert_eq!(group(0), "0");
    assert_eq!(group(999), "999");
    assert_eq!(group(1008), "1,008");
    assert_eq!(group(1_234_567), "1,234,567");
    assert_eq!(width("文档："), 6);
    assert_eq!(pad("文档：", 15), format!("文档：{}", " ".repeat(9)));
    assert_eq!(pad("document:", 15), format!("{:<15}", "document:"));
}
