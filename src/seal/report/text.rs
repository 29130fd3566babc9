//! The text report of one verification, in English or Chinese ([`crate::i18n`]). The English
//! is the report `seal verify` has always printed; the Chinese uses the same layout, the
//! standard terms of the seal types (GB/T 38540) and of the checks. The checks' details are
//! the verifier's own English words, retold in Chinese by [`crate::i18n::retell`].

use super::{CheckStatus, TimeSource, Verdict, VerificationReport};
use crate::i18n::{self, Lang, Value, tr};

/// The width of the field labels (`document:      `).
const LABEL: usize = 15;
/// The width of a check's name.
const CHECK: usize = 21;

/// The word of a verdict (`VALID`, `有效`).
pub fn verdict_word(lang: Lang, verdict: Verdict) -> String {
    match verdict {
        Verdict::Valid => tr(lang, "verdict-valid", &[]),
        Verdict::Invalid => tr(lang, "verdict-invalid", &[]),
        Verdict::Indeterminate => tr(lang, "verdict-indeterminate", &[]),
    }
}

/// Where the judged time comes from, in words.
pub fn time_source(lang: Lang, source: &TimeSource) -> String {
    match source {
        TimeSource::ClaimedBySigner => tr(lang, "ts-claimed", &[]),
        TimeSource::GivenByVerifier => tr(lang, "ts-given", &[]),
        TimeSource::VerificationTime => tr(lang, "ts-verification", &[]),
        TimeSource::TimeStamp { tsa } => tr(lang, "ts-stamp", &[("tsa", Value::from(tsa))]),
    }
}

fn check_name(lang: Lang, id: super::CheckId) -> String {
    tr(lang, &format!("check-{}", id.as_str()), &[])
}

impl VerificationReport {
    /// The verdict's reason in `lang`: in English the reason as judged; in another language the
    /// conclusion of [`super::Checks::conclude`] retold (the check's name, then its detail).
    pub fn reason_in(&self, lang: Lang) -> String {
        if lang == Lang::En {
            return self.reason.clone();
        }
        let worst = |status: CheckStatus| {
            self.checks
                .iter()
                .filter(|c| c.status == status)
                .min_by_key(|c| c.check.rank())
        };
        let failing = match self.verdict {
            Verdict::Invalid => worst(CheckStatus::Fail),
            Verdict::Indeterminate => worst(CheckStatus::Indeterminate),
            Verdict::Valid => None,
        };
        if let Some(c) = failing {
            return tr(
                lang,
                "sv-reason-check",
                &[
                    ("check", check_name(lang, c.check).into()),
                    ("detail", i18n::retell(lang, &c.detail).into()),
                ],
            );
        }
        // The notes of a valid verdict: the checks passed with revocation not settled.
        let notes: Vec<String> = self
            .checks
            .iter()
            .filter(|c| c.status == CheckStatus::Pass && c.revocation_checked == Some(false))
            .map(|c| {
                tr(
                    lang,
                    "sv-note-unchecked",
                    &[("check", check_name(lang, c.check).into())],
                )
            })
            .collect();
        if notes.is_empty() {
            tr(lang, "sv-all-passed", &[])
        } else {
            let sep = tr(lang, "sv-note-sep", &[]);
            tr(
                lang,
                "sv-all-passed-notes",
                &[("notes", notes.join(&sep).into())],
            )
        }
    }

    /// The text report in `lang`.
    pub fn render(&self, lang: Lang) -> String {
        let mut out = String::new();
        let mut line = |label: &str, value: &str| {
            out.push_str(&i18n::pad(&tr(lang, label, &[]), LABEL));
            out.push_str(value);
            out.push('\n');
        };
        if let Some(d) = &self.document {
            line("sv-document", d);
        }
        let verdict = verdict_word(lang, self.verdict);
        let sep = tr(lang, "join", &[]);
        line(
            "sv-verdict",
            &format!("{verdict}{sep}{}", self.reason_in(lang)),
        );
        if self.format == "ses" {
            line("sv-format", &tr(lang, "sv-format-ses", &[]));
        }
        match (&self.seal_name, &self.es_id) {
            (Some(name), Some(es_id)) => {
                line("sv-seal", name);
                let kind = match lang {
                    Lang::En => format!(
                        "{} {}",
                        self.seal_type.unwrap_or("?"),
                        self.seal_type_zh.unwrap_or("")
                    ),
                    Lang::Zh => self.seal_type_zh.unwrap_or("?").to_string(),
                };
                line("sv-type", &kind);
                if let Some(d) = &self.department {
                    line("sv-department", d);
                }
                line("sv-esid", es_id);
            }
            _ => line("sv-seal", &tr(lang, "sv-no-seal", &[])),
        }
        let signer = match &self.signer {
            Some(s) => s.clone(),
            None => tr(lang, "sv-unknown", &[]),
        };
        let serial = self
            .signer_serial
            .as_ref()
            .map(|s| tr(lang, "sv-signer-serial", &[("serial", Value::from(s))]))
            .unwrap_or_default();
        line("sv-signer", &format!("{signer}{serial}"));
        if let Some(a) = &self.authority {
            line("sv-authority", a);
        }
        let source = time_source(lang, &self.signing_time_source);
        line(
            "sv-signing-time",
            &format!("{}{}", self.judged_at, paren(lang, &source)),
        );
        if matches!(
            self.signing_time_source,
            TimeSource::GivenByVerifier | TimeSource::TimeStamp { .. }
        ) && let Some(t) = &self.signing_time
        {
            let claimed = time_source(lang, &TimeSource::ClaimedBySigner);
            line("sv-claimed-time", &format!("{t}{}", paren(lang, &claimed)));
        }
        out.push_str(&format!(
            "{:<LABEL$}{}\n",
            format!("{}:", self.document_digest_algorithm),
            self.document_digest
        ));
        out.push_str(&tr(lang, "sv-checks", &[]));
        out.push('\n');
        for c in &self.checks {
            let status = match c.status {
                CheckStatus::Pass => "st-pass",
                CheckStatus::Fail => "st-fail",
                CheckStatus::Indeterminate => "st-indeterminate",
                CheckStatus::Skipped => "st-skip",
            };
            out.push_str(&format!(
                "  {}  {} {}\n",
                i18n::pad(&tr(lang, status, &[]), 4),
                i18n::pad(&check_name(lang, c.check), CHECK),
                i18n::retell(lang, &c.detail)
            ));
        }
        out
    }
}

/// ` (text)` in English, `（text）` in Chinese (no space before a fullwidth parenthesis).
fn paren(lang: Lang, text: &str) -> String {
    match lang {
        Lang::En => format!(" ({text})"),
        Lang::Zh => format!("（{text}）"),
    }
}
