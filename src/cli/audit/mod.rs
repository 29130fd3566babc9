//! `govpki audit`: show the hash-chained audit log, sign its head, and verify it against the
//! store, the operators' signatures, the pinned policy and a head kept elsewhere. One file per
//! verb; the use cases are in [`crate::ops::audit`]; this module holds the escaping every
//! report of the log shares.

mod head;
mod show;
mod verify;

use anyhow::Result;
use clap::Subcommand;

use super::{Context, Outcome};
use crate::audit::binding;

use head::HEAD_LONG;
pub use head::HeadArgs;
use show::SHOW_LONG;
pub use show::ShowArgs;
use verify::VERIFY_LONG;
pub use verify::VerifyArgs;

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Print audit records (time, actor, action, object, outcome, hash)
    #[command(long_about = SHOW_LONG)]
    Show(ShowArgs),
    /// Print the log's current head (records, last hash, time) signed with the CA key
    #[command(long_about = HEAD_LONG)]
    Head(HeadArgs),
    /// Recompute the hash chain, check operator signatures, the pinned policy and the store
    #[command(long_about = VERIFY_LONG)]
    Verify(VerifyArgs),
}

/// Escapes what a terminal would interpret: C0 and C1 control characters, DEL, and the
/// backslash that introduces an escape, so a field prints as one visible run of text.
pub fn escape_control(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if ('\u{80}'..='\u{9f}').contains(&c) => {
                out.push_str(&format!("\\u{{{:x}}}", c as u32))
            }
            c => out.push(c),
        }
    }
    out
}

/// An outcome for the text report: long field values (row hashes, signatures, decision
/// records) cut to their first 12 characters; `--json` shows them whole.
pub(super) fn short_outcome(outcome: &str) -> String {
    let (proof_less, proof) = match outcome.rsplit_once("; proof: ") {
        Some((head, _)) => (head, "; proof: …"),
        None => (outcome, ""),
    };
    let (head, fields) = binding::split_fields(proof_less);
    let mut out = head.to_string();
    for (k, v) in fields {
        let v = match v.char_indices().nth(12) {
            Some((i, _)) => format!("{}…", &v[..i]),
            None => v.to_string(),
        };
        out.push_str(&format!("; {k}={v}"));
    }
    out.push_str(proof);
    out
}

/// JSON text with DEL and the C1 controls written as `\u` escapes.
pub(super) fn escape_json_controls(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if c == '\u{7f}' || ('\u{80}'..='\u{9f}').contains(&c) {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

pub fn run(cmd: AuditCommand, ctx: &Context) -> Result<Outcome> {
    match cmd {
        AuditCommand::Show(args) => show::run(args, ctx),
        AuditCommand::Head(args) => head::run(args, ctx),
        AuditCommand::Verify(args) => verify::run(args, ctx),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_field_values_are_cut_in_text() {
        assert_eq!(
            short_outcome("ok keyCompromise; row=0123456789abcdef0123"),
            "ok keyCompromise; row=0123456789ab…"
        );
        assert_eq!(
            short_outcome("allowed by r; policy=0123456789abcdef; proof: nonce=00 acts=1 sig=AA"),
            "allowed by r; policy=0123456789ab…; proof: …"
        );
        assert_eq!(short_outcome("ok"), "ok");
    }

    #[test]
    fn json_keeps_no_raw_del_or_c1() {
        let text = serde_json::to_string(&["a\u{7f}b\u{9b}c\u{1b}"]).unwrap();
        let escaped = escape_json_controls(&text);
        assert_eq!(escaped, r#"["a\u007fb\u009bc\u001b"]"#);
        let back: Vec<String> = serde_json::from_str(&escaped).unwrap();
        assert_eq!(back, ["a\u{7f}b\u{9b}c\u{1b}"]);
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(escape_control("a\x1b[2Jb"), "a\\x1b[2Jb");
        assert_eq!(escape_control("x\ny\rz\u{7f}"), "x\\ny\\rz\\x7f");
        assert_eq!(escape_control("\u{9b}31m"), "\\u{9b}31m");
        assert_eq!(escape_control("a\\nb"), "a\\\\nb");
        assert_eq!(escape_control("王五 ok"), "王五 ok");
    }
}
