//! A verify run over many inputs, as `seal verify DOC...` and `cert verify FILE...` report it
//! (issue #12): the one-line summary of the whole run first, then the reports (with `-q`, of the
//! inputs that are not valid only), then, for more than one input, the closing tally
//! `1,008 valid, 0 invalid, 0 indeterminate`. With `--json`, one line per input, then
//! `{"documents":N,"tally":{...}}` (`"certificates"` for `cert verify`). An input that cannot be
//! judged is an error of that input, counted, not an abort of the run. The exit code is the
//! worst over all inputs: 2 (an input could not be judged) > 1 invalid > 3 indeterminate > 0.
//!
//! Judging is the commands' own; this module only counts, orders and words what they found.

use anyhow::{Result, bail};
use serde::ser::{Serialize, SerializeStruct, Serializer};
use serde_json::json;

use super::output::Output;
use super::{Context, Outcome};
use crate::i18n::{self, Lang, tr};

/// What a run counts: the words of its summary (`$what` in the catalogues) and the key of the
/// count in its JSON tally.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counted {
    Documents,
    Certificates,
}

impl Counted {
    fn word(self) -> &'static str {
        match self {
            Counted::Documents => "documents",
            Counted::Certificates => "certificates",
        }
    }
}

/// What a run says: the reports (with `-q`, of the failures only) and the counts, kept until the
/// last input is judged so that the summary of the whole run comes first.
pub struct Run {
    counted: Counted,
    total: usize,
    reports: Vec<String>,
    valid: usize,
    invalid: usize,
    indeterminate: usize,
    errors: usize,
    worst: Outcome,
    /// The one input's summary (`VALID: doc.txt: all checks passed`), said when there is one.
    first: Option<String>,
    /// The error of the last input that could not be judged.
    error: Option<anyhow::Error>,
}

impl Run {
    pub fn new(counted: Counted, total: usize) -> Run {
        Run {
            counted,
            total,
            reports: Vec::new(),
            valid: 0,
            invalid: 0,
            indeterminate: 0,
            errors: 0,
            worst: Outcome::Success,
            first: None,
            error: None,
        }
    }

    /// Counts one judged input.
    pub fn count(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Success => self.valid += 1,
            Outcome::Negative => self.invalid += 1,
            Outcome::Indeterminate => self.indeterminate += 1,
        }
        self.worst = self.worst.worst(outcome);
    }

    /// Whether an input judged `outcome` is reported (text or JSON): with `-q`, the failures only.
    pub fn shows(quiet: bool, outcome: Outcome) -> bool {
        !quiet || outcome != Outcome::Success
    }

    /// Keeps one input's text report, and the summary of the first input (`first`, said when the
    /// run has one input).
    pub fn keep(&mut self, first: impl FnOnce() -> String, report: Option<String>) {
        if self.first.is_none() {
            self.first = Some(first());
        }
        self.reports.extend(report);
    }

    /// An input that could not be judged: with `--json` its line (`"verdict": "error"`, the input
    /// under `document`, and for certificates under `file` too), else, when the run has more
    /// than one input, the error on stderr; one input's error is the run's error.
    pub fn failed(&mut self, out: &Output, input: &str, error: anyhow::Error) -> Result<()> {
        self.errors += 1;
        if out.is_json() {
            let mut line = json!({
                "document": input,
                "verdict": "error",
                "reason": format!("{error:#}"),
            });
            if self.counted == Counted::Certificates {
                line["file"] = json!(input);
            }
            out.json(&line)?;
        } else if self.total > 1 {
            out.error(&error);
        }
        self.error = Some(error);
        Ok(())
    }

    /// Prints the text (or, with `--json` over more than one input, the tally line) and returns
    /// the exit: the worst outcome, or an error when an input could not be judged (one input's
    /// own error when it is the only input).
    pub fn finish(self, out: &Output) -> Result<Outcome> {
        let lang = out.lang();
        if out.is_json() {
            if self.total > 1 {
                out.json(&self.json_tally())?;
            }
        } else if self.total != 1 || self.errors != 1 {
            out.data(&self.text(lang, out.is_quiet()))?;
        }
        match (self.errors, self.error) {
            (0, _) => Ok(self.worst),
            (1, Some(e)) if self.total == 1 => Err(e),
            (n, _) => bail!(tr(
                lang,
                "err-docs-unverified",
                &[
                    ("failed", i18n::group(n).into()),
                    ("total", i18n::group(self.total).into()),
                    ("what", self.counted.word().into()),
                ],
            )),
        }
    }

    fn json_tally(&self) -> JsonTally {
        JsonTally {
            counted: self.counted,
            total: self.total,
            tally: Counts {
                valid: self.valid,
                invalid: self.invalid,
                indeterminate: self.indeterminate,
                errors: self.errors,
            },
        }
    }

    /// The one-line summary of the run.
    fn summary(&self, lang: Lang) -> String {
        let count = i18n::group(self.total);
        let what = self.counted.word();
        let of = |id: &str, verdict: &str, bad: usize| {
            tr(
                lang,
                id,
                &[
                    ("verdict", tr(lang, verdict, &[]).into()),
                    ("bad", i18n::group(bad).into()),
                    ("count", count.clone().into()),
                    ("what", what.into()),
                ],
            )
        };
        if self.total == 1
            && let Some(first) = &self.first
        {
            return first.clone();
        }
        if self.errors > 0 {
            of("summary-some-error", "verdict-error", self.errors)
        } else if self.invalid > 0 {
            of("summary-some-invalid", "verdict-invalid", self.invalid)
        } else if self.indeterminate > 0 {
            of(
                "summary-some-indeterminate",
                "verdict-indeterminate",
                self.indeterminate,
            )
        } else {
            tr(
                lang,
                "summary-all-valid",
                &[
                    ("verdict", tr(lang, "verdict-valid", &[]).into()),
                    ("n", self.total.into()),
                    ("count", count.clone().into()),
                    ("what", what.into()),
                ],
            )
        }
    }

    /// The closing tally (`1,008 valid, 0 invalid, 0 indeterminate`).
    fn tally(&self, lang: Lang) -> String {
        let mut t = tr(
            lang,
            "tally",
            &[
                ("valid", i18n::group(self.valid).into()),
                ("invalid", i18n::group(self.invalid).into()),
                ("indeterminate", i18n::group(self.indeterminate).into()),
            ],
        );
        if self.errors > 0 {
            t.push_str(&tr(
                lang,
                "tally-errors",
                &[("errors", i18n::group(self.errors).into())],
            ));
        }
        t
    }

    /// The summary, the reports, and for more than one input the tally, blank lines between;
    /// with `-q` the failures' reports and the tally only.
    fn text(&self, lang: Lang, quiet: bool) -> String {
        let mut parts: Vec<String> = Vec::with_capacity(self.reports.len() + 2);
        if !quiet {
            parts.push(format!("{}\n", self.summary(lang)));
        }
        parts.extend(self.reports.iter().cloned());
        if self.total > 1 {
            parts.push(format!("{}\n", self.tally(lang)));
        }
        parts.join("\n")
    }
}

/// The closing line of `--json` over more than one input, after the inputs' lines (with `-q`,
/// those of the inputs that are not valid):
/// `{"documents":N,"tally":{"valid":..,"invalid":..,"indeterminate":..,"errors":..}}`, or
/// `"certificates":N`. It has no `document` key, so a reader of the lines tells it apart; the
/// counts are of all N inputs.
struct JsonTally {
    counted: Counted,
    total: usize,
    tally: Counts,
}

impl Serialize for JsonTally {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("JsonTally", 2)?;
        st.serialize_field(self.counted.word(), &self.total)?;
        st.serialize_field("tally", &self.tally)?;
        st.end()
    }
}

#[derive(Debug, serde::Serialize)]
struct Counts {
    valid: usize,
    invalid: usize,
    indeterminate: usize,
    /// Inputs that could not be judged (`"verdict": "error"`).
    errors: usize,
}

/// Judges `items` on rayon's pool, 512 at a time, with a progress bar on a terminal for 50 or
/// more, and hands each result to `take` in the items' order.
pub fn judge_all<T: Sync, J: Send>(
    ctx: &Context,
    items: &[T],
    judge: impl Fn(&T) -> J + Sync + Send,
    mut take: impl FnMut(&T, J) -> Result<()>,
) -> Result<()> {
    let bar = progress(ctx, items.len(), "verifying");
    for chunk in items.chunks(512) {
        let judged = parallel_map(chunk, |item| {
            let j = judge(item);
            if let Some(b) = &bar {
                b.inc(1);
            }
            j
        });
        for (item, j) in chunk.iter().zip(judged) {
            take(item, j)?;
        }
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    Ok(())
}

/// Runs `f` over `items` on rayon's pool; results in the items' order.
pub fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync + Send) -> Vec<R> {
    use rayon::prelude::*;
    items.par_iter().map(f).collect()
}

/// A progress bar on stderr for `total` items, when stderr is a terminal and there are 50 or more.
pub fn progress(ctx: &Context, total: usize, verb: &str) -> Option<indicatif::ProgressBar> {
    if !ctx.out.wants_progress() || total < 50 {
        return None;
    }
    let b = indicatif::ProgressBar::new(total as u64);
    b.set_style(
        indicatif::ProgressStyle::with_template(&format!(
            "{{spinner}} {verb} [{{bar:40}}] {{pos}}/{{len}} {{per_sec}} eta {{eta}}"
        ))
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    Some(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(counted: Counted, total: usize, counts: [usize; 4], reports: &[&str]) -> Run {
        let mut run = Run::new(counted, total);
        for (outcome, n) in [
            (Outcome::Success, counts[0]),
            (Outcome::Negative, counts[1]),
            (Outcome::Indeterminate, counts[2]),
        ] {
            for _ in 0..n {
                run.count(outcome);
            }
        }
        run.errors = counts[3];
        run.reports = reports.iter().map(|r| r.to_string()).collect();
        run
    }

    #[test]
    fn the_tally_groups_thousands_and_quiet_keeps_only_failures_and_the_tally() {
        let all = run(Counted::Documents, 1008, [1008, 0, 0, 0], &[]);
        assert_eq!(
            all.text(Lang::En, true),
            "1,008 valid, 0 invalid, 0 indeterminate\n"
        );
        assert_eq!(all.text(Lang::Zh, true), "有效 1,008，无效 0，无法判定 0\n");
        assert_eq!(
            all.text(Lang::En, false),
            "VALID: all 1,008 documents are valid\n\n1,008 valid, 0 invalid, 0 indeterminate\n"
        );
        let failing = run(Counted::Documents, 4, [2, 0, 1, 1], &["report\n"]);
        assert_eq!(
            failing.text(Lang::En, false),
            "ERROR: 1 of 4 documents could not be verified\n\nreport\n\n\
             2 valid, 0 invalid, 1 indeterminate, 1 could not be verified\n"
        );
    }

    #[test]
    fn certificates_are_counted_in_their_own_words_and_json_key() {
        let all = run(Counted::Certificates, 1008, [1008, 0, 0, 0], &[]);
        assert_eq!(
            all.summary(Lang::En),
            "VALID: all 1,008 certificates are valid"
        );
        assert_eq!(all.summary(Lang::Zh), "有效：全部 1,008 张证书有效");
        let some = run(Counted::Certificates, 6, [1, 3, 0, 2], &[]);
        assert_eq!(
            some.summary(Lang::En),
            "ERROR: 2 of 6 certificates could not be verified"
        );
        assert_eq!(some.summary(Lang::Zh), "出错：6 张证书中有 2 张无法验证");
        let invalid = run(Counted::Certificates, 3, [1, 1, 1, 0], &[]);
        assert_eq!(
            invalid.summary(Lang::En),
            "INVALID: 1 of 3 certificates are invalid"
        );
        assert_eq!(
            serde_json::to_string(&some.json_tally()).unwrap(),
            r#"{"certificates":6,"tally":{"valid":1,"invalid":3,"indeterminate":0,"errors":2}}"#
        );
        assert_eq!(
            serde_json::to_string(&run(Counted::Documents, 2, [2, 0, 0, 0], &[]).json_tally())
                .unwrap(),
            r#"{"documents":2,"tally":{"valid":2,"invalid":0,"indeterminate":0,"errors":0}}"#
        );
    }

    #[test]
    fn the_exit_is_the_worst_outcome_and_an_error_beats_them_all() {
        let out = Output::new(true, true, 0);
        let mut mixed = Run::new(Counted::Certificates, 3);
        mixed.count(Outcome::Indeterminate);
        mixed.count(Outcome::Negative);
        mixed.count(Outcome::Success);
        assert_eq!(mixed.worst, Outcome::Negative);
        let mut undecided = Run::new(Counted::Certificates, 2);
        undecided.count(Outcome::Success);
        undecided.count(Outcome::Indeterminate);
        assert_eq!(undecided.worst, Outcome::Indeterminate);
        let mut erred = run(Counted::Certificates, 2, [1, 0, 0, 1], &[]);
        erred.error = Some(anyhow::anyhow!("unreadable"));
        let err = erred.finish(&out).unwrap_err();
        assert_eq!(err.to_string(), "1 of 2 certificates could not be verified");
    }

    #[test]
    fn parallel_map_keeps_order() {
        let items: Vec<usize> = (0..1000).collect();
        let out = parallel_map(&items, |i| i * 2);
        assert_eq!(out, items.iter().map(|i| i * 2).collect::<Vec<_>>());
        assert!(parallel_map(&Vec::<usize>::new(), |i| *i).is_empty());
    }
}
