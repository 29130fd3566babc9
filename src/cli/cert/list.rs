//! `govpki cert list`.

use anyhow::Result;

use crate::ca::profile::Profile;
use crate::ca::when::{self};
use crate::cli::common::OpenCa;
use crate::cli::{Context, Outcome};
use crate::store::{CertRow, ListFilter};

use super::*;

pub(super) fn list(args: ListArgs, ctx: &Context) -> Result<Outcome> {
    let ListArgs {
        status,
        department,
        profile,
        expiring,
    } = args;
    if let Some(p) = &profile {
        p.parse::<Profile>()?;
    }
    let expiring_before = expiring
        .as_deref()
        .map(when::parse_duration)
        .transpose()?
        .map(|d| ctx.now + d);
    let open = OpenCa::open(&ctx.home)?;
    let mut rows = open.store.list(
        &ListFilter {
            status: status.as_deref().map(str::parse).transpose()?,
            department,
            profile,
            expiring_before,
        },
        ctx.now,
    )?;
    if expiring_before.is_some() {
        return expiring_report(&mut rows, ctx);
    }
    if ctx.out.is_json() {
        ctx.out.json(&rows)?;
    } else {
        let mut text = String::new();
        for r in &rows {
            // The status in the user's language, padded by terminal columns (CJK takes two).
            let status = crate::i18n::retell(ctx.out.lang(), &r.status.to_string());
            text.push_str(&format!(
                "{:<34} {} {:<10} {}  {}\n",
                r.serial,
                crate::i18n::pad(&status, 8),
                r.profile,
                &r.not_after[..10.min(r.not_after.len())],
                r.subject
            ));
        }
        ctx.out.data(&text)?;
        ctx.out.info(&format!("{} certificate(s)", rows.len()));
    }
    Ok(Outcome::Success)
}

/// The renewal report of `--expiring`: the valid certificates that expire within the window,
/// soonest first, with the whole days left (a table, or JSON rows with `days_left`).
fn expiring_report(rows: &mut [CertRow], ctx: &Context) -> Result<Outcome> {
    let not_after = |r: &CertRow| when::parse_time(&r.not_after).ok();
    rows.sort_by(|a, b| {
        not_after(a)
            .cmp(&not_after(b))
            .then_with(|| a.serial.cmp(&b.serial))
    });
    let days_left = |r: &CertRow| not_after(r).map(|t| (t - ctx.now).whole_days().max(0));
    if ctx.out.is_json() {
        let mut out = Vec::with_capacity(rows.len());
        for r in rows.iter() {
            let mut v = serde_json::to_value(r)?;
            v["days_left"] = serde_json::json!(days_left(r));
            out.push(v);
        }
        ctx.out.json(&out)?;
        return Ok(Outcome::Success);
    }
    use crate::i18n::{pad, tr, width};
    let lang = ctx.out.lang();
    let head = |id: &str| tr(lang, id, &[]);
    let subject_width = rows
        .iter()
        .map(|r| width(&r.subject))
        .max()
        .unwrap_or(0)
        .max(width(&head("col-subject")));
    let days = head("col-days-left");
    let mut text = format!(
        "{} {} {} {} {}{days}\n",
        pad(&head("col-serial"), 34),
        pad(&head("col-subject"), subject_width),
        pad(&head("col-profile"), 14),
        pad(&head("col-not-after"), 20),
        " ".repeat(9usize.saturating_sub(width(&days))),
    );
    for r in rows.iter() {
        // Pad by terminal columns, not bytes: CJK subjects take two columns a character.
        let gap = subject_width.saturating_sub(width(&r.subject));
        text.push_str(&format!(
            "{:<34} {}{} {:<14} {:<20} {:>9}\n",
            r.serial,
            r.subject,
            " ".repeat(gap),
            r.profile,
            r.not_after,
            days_left(r)
                .map(|d| d.to_string())
                .unwrap_or_else(|| "?".into()),
        ));
    }
    ctx.out.data(&text)?;
    ctx.out
        .info(&format!("{} certificate(s) expiring", rows.len()));
    Ok(Outcome::Success)
}
