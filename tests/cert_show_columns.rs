//! `cert show`'s fields are a table: every value starts in the same column, after at least one
//! column of space (or a fullwidth colon) following its label, in English and in Chinese
//! (counting a CJK character as two columns). Before, the longest English label, `Authority key
//! id:`, ran into its value (`Authority key id:2E35...`), and so did its Chinese label.

mod common;

use common::{Env, p, subject_for};

/// The display width of `s`, a CJK or fullwidth character counting two columns.
fn width(s: &str) -> usize {
    s.chars()
        .map(|c| if (c as u32) >= 0x1100 { 2 } else { 1 })
        .sum()
}

/// Each line split at its label's colon: (the label with its colon, the text after it).
fn fields(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let at = l
                .char_indices()
                .find(|&(_, c)| c == ':' || c == '：')
                .map(|(i, c)| i + c.len_utf8())
                .unwrap_or_else(|| panic!("a line without a label: {l:?}"));
            (l[..at].to_string(), l[at..].to_string())
        })
        .collect()
}

#[test]
fn every_value_of_cert_show_starts_in_one_column_in_english_and_chinese() {
    let env = Env::new();
    let ca = env.root_ca("columns", "p256", &[]);
    let cert = env.issue(&ca, "person", "person", &subject_for("person"), &[], &[]);
    for lang in ["en", "zh"] {
        let run = env
            .run(&ca.home, ["--lang", lang, "cert", "show", p(&cert.cert)])
            .success();
        let rows = fields(&run.stdout);
        assert!(rows.len() >= 15, "{lang}: {}", run.stdout);
        assert!(
            rows.iter()
                .any(|(label, _)| label.starts_with("Authority key id")
                    || label.starts_with("颁发机构密钥标识")),
            "{lang}: {}",
            run.stdout
        );
        let mut columns = Vec::new();
        for (label, rest) in &rows {
            let value = rest.trim_start();
            let gap = rest.len() - value.len();
            assert!(
                gap >= 1 || label.ends_with('：'),
                "{lang}: the label `{label}` runs into its value `{value}`"
            );
            columns.push(width(label) + gap);
        }
        columns.dedup();
        assert_eq!(
            columns.len(),
            1,
            "{lang}: the values start in more than one column:\n{}",
            run.stdout
        );
    }
}
