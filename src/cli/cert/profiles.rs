//! `govpki cert profiles`: the built-in profiles and this home's own.

use anyhow::Result;
use clap::Args;
use serde_json::json;

use crate::ca::profile::ALL;
use crate::cli::{Context, Outcome};
use crate::ops;

pub(super) const PROFILES_LONG: &str = "\
List the profiles `cert issue --profile` takes: the built-in ones and this home's own, one file
per profile, `$GOVPKI_HOME/profiles/NAME.yaml`:

    basedOn: person                 # department, person, seal or server
    description: 公务员签名证书
    keyUsage: [digitalSignature, nonRepudiation]
    extendedKeyUsage: [clientAuth, emailProtection, 1.2.156.10197.6.1]
    maxValidity: 1y                 # at most the base's maximum
    defaultValidity: 1y             # at most maxValidity
    sans: {required: [email], allowed: [email]}

Every key but basedOn is optional (the base's value). Unknown keys and values are refused, a
file that does not parse fails every command that reads it (exit 2 naming the file and key).
In a governed home a home profile is asked of the policy as its base.

EXAMPLES:
    govpki cert profiles
    govpki --json cert profiles | jq '.[].name'

EXIT CODES:
    0  listed
    2  an error (a profile file that does not parse)";

#[derive(Debug, Args)]
pub struct ProfilesArgs {}

pub(super) fn profiles(args: ProfilesArgs, ctx: &Context) -> Result<Outcome> {
    let ProfilesArgs {} = args;
    let home = ops::profiles::home_profiles(&ctx.home)?;
    let mut rows: Vec<serde_json::Value> = ALL
        .iter()
        .map(|p| {
            json!({
                "name": p.name(),
                "source": "built-in",
                "based_on": null,
                "max_validity_days": p.max_validity().whole_days(),
            })
        })
        .collect();
    rows.extend(home.iter().map(|h| {
        json!({
            "name": h.name,
            "source": "home",
            "based_on": h.base.name(),
            "max_validity_days": h.max_validity.whole_days(),
            "description": h.description,
        })
    }));
    if ctx.out.is_json() {
        ctx.out.json(&rows)?;
        return Ok(Outcome::Success);
    }
    // The cells in the user's language, padded by terminal columns (CJK takes two).
    use crate::i18n::{pad, tr};
    let lang = ctx.out.lang();
    let max = |days: i64| tr(lang, "prof-max-days", &[("days", days.to_string().into())]);
    let mut text = String::new();
    for p in ALL {
        text.push_str(&format!(
            "{:<16}{}{}\n",
            p.name(),
            pad(&tr(lang, "prof-built-in", &[]), 21),
            max(p.max_validity().whole_days())
        ));
    }
    for h in &home {
        text.push_str(&format!(
            "{:<16}{}{}{}\n",
            h.name,
            pad(
                &tr(lang, "prof-home-based", &[("base", h.base.name().into())]),
                22
            ),
            max(h.max_validity.whole_days()),
            h.description
                .as_deref()
                .map(|d| format!("  {d}"))
                .unwrap_or_default()
        ));
    }
    ctx.out.data(&text)?;
    Ok(Outcome::Success)
}
