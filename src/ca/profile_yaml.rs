//! A home's own profiles (DESIGN §3: "a home may add YAML profiles"): one file
//! `$GOVPKI_HOME/profiles/NAME.yaml` per profile, based on a built-in end-entity profile whose
//! key usages, extended key usages, maximum validity and SAN kinds it replaces or narrows.
//! Parsed strictly: an unknown key, an unknown usage or SAN kind, a maximum past the built-in's,
//! a SAN kind the base does not allow are errors naming the file and the key. Pure: text in,
//! a [`HomeProfile`] out; reading the directory is the caller's.
//!
//! ```yaml
//! basedOn: person                 # department, person, seal or server
//! description: 公务员签名证书 (one year)
//! keyUsage: [digitalSignature, nonRepudiation]
//! extendedKeyUsage: [clientAuth, emailProtection, 1.2.156.10197.6.1]
//! maxValidity: 1y                 # at most the built-in's maximum
//! defaultValidity: 1y             # at most maxValidity
//! sans: {required: [email], allowed: [email]}
//! ```

use serde::Deserialize;
use time::Duration;

use super::profile::{Profile, San};
use super::when::parse_duration;

/// The most of a profile file read.
pub const MAX_FILE: u64 = 64 * 1024;

/// The built-in profiles a home profile may be based on: end entities whose extensions are
/// key usages and extended key usages alone (not `sub-ca`, whose constraints a file cannot
/// set; not `ocsp`, `tsa` or `seal-authority`, whose extended key usage is what they are).
pub const BASES: [Profile; 4] = [
    Profile::Department,
    Profile::Person,
    Profile::Seal,
    Profile::Server,
];

/// A key usage bit a home profile may ask for (never keyCertSign or cRLSign: a home profile
/// makes no CA).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyUsageBit {
    DigitalSignature,
    NonRepudiation,
    KeyEncipherment,
    DataEncipherment,
    KeyAgreement,
}

/// What a home profile puts in place of its base's key usages and extended key usages.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Usages {
    pub key_usage: Option<Vec<KeyUsageBit>>,
    /// Extended key usage OIDs (arcs).
    pub extended: Option<Vec<Vec<u64>>>,
}

/// The SAN kinds of `--san`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SanKind {
    Dns,
    Email,
    Ip,
    Uri,
}

impl SanKind {
    pub fn of(san: &San) -> SanKind {
        match san {
            San::Dns(_) => SanKind::Dns,
            San::Email(_) => SanKind::Email,
            San::Ip(_) => SanKind::Ip,
            San::Uri(_) => SanKind::Uri,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            SanKind::Dns => "dns",
            SanKind::Email => "email",
            SanKind::Ip => "ip",
            SanKind::Uri => "uri",
        }
    }

    /// A SAN of this kind, to ask the base profile whether it allows the kind.
    fn sample(self) -> San {
        match self {
            SanKind::Dns => San::Dns("a.example".into()),
            SanKind::Email => San::Email("a@a.example".into()),
            SanKind::Ip => San::Ip(std::net::IpAddr::from([10, 0, 0, 1])),
            SanKind::Uri => San::Uri("https://a.example".into()),
        }
    }
}

/// A home profile, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HomeProfile {
    pub name: String,
    pub base: Profile,
    pub description: Option<String>,
    pub usages: Usages,
    pub max_validity: Duration,
    pub default_validity: Duration,
    pub required_sans: Vec<SanKind>,
    /// `None`: what the base allows.
    pub allowed_sans: Option<Vec<SanKind>>,
}

/// Why a profile file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("profile file `{file}`: {message}")]
pub struct ProfileFileError {
    pub file: String,
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Doc {
    based_on: String,
    description: Option<String>,
    key_usage: Option<Vec<String>>,
    extended_key_usage: Option<Vec<String>>,
    max_validity: Option<String>,
    default_validity: Option<String>,
    sans: Option<SansDoc>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SansDoc {
    #[serde(default)]
    required: Vec<String>,
    allowed: Option<Vec<String>>,
}

/// Whether `name` may name a home profile: lowercase letters, digits and `-`, 1 to 64, not a
/// built-in's name.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && name.parse::<Profile>().is_err()
}

fn key_usage(text: &str) -> Option<KeyUsageBit> {
    Some(match text {
        "digitalSignature" => KeyUsageBit::DigitalSignature,
        "nonRepudiation" | "contentCommitment" => KeyUsageBit::NonRepudiation,
        "keyEncipherment" => KeyUsageBit::KeyEncipherment,
        "dataEncipherment" => KeyUsageBit::DataEncipherment,
        "keyAgreement" => KeyUsageBit::KeyAgreement,
        _ => return None,
    })
}

fn eku(text: &str) -> Option<Vec<u64>> {
    let kp = |n: u64| Some(vec![1, 3, 6, 1, 5, 5, 7, 3, n]);
    match text {
        "serverAuth" => kp(1),
        "clientAuth" => kp(2),
        "codeSigning" => kp(3),
        "emailProtection" => kp(4),
        "timeStamping" | "OCSPSigning" | "ocspSigning" => None,
        "documentSigning" => kp(36),
        dotted => {
            let arcs: Vec<u64> = dotted
                .split('.')
                .map(|a| a.parse::<u64>().ok())
                .collect::<Option<_>>()?;
            (arcs.len() >= 2 && arcs.first().is_some_and(|a| *a <= 2)).then_some(arcs)
        }
    }
}

fn san_kind(text: &str) -> Option<SanKind> {
    Some(match text {
        "dns" => SanKind::Dns,
        "email" => SanKind::Email,
        "ip" => SanKind::Ip,
        "uri" => SanKind::Uri,
        _ => return None,
    })
}

/// Parses the profile `name` from the text of `file` (named in errors).
pub fn parse(name: &str, file: &str, text: &str) -> Result<HomeProfile, ProfileFileError> {
    let err = |message: String| ProfileFileError {
        file: file.to_string(),
        message,
    };
    if !valid_name(name) {
        return Err(err(format!(
            "`{name}` is not a profile name (lowercase letters, digits and -, not a built-in's name)"
        )));
    }
    let mut options = serde_saphyr::Options::default();
    options.with_snippet = false;
    options.strict_booleans = true;
    let doc: Doc = serde_saphyr::from_str_with_options(text, options)
        .map_err(|e| err(e.to_string().replace('\n', " ")))?;
    let base: Profile = doc
        .based_on
        .parse()
        .map_err(|e: super::profile::UnknownProfile| err(format!("basedOn: {e}")))?;
    if !BASES.contains(&base) {
        return Err(err(format!(
            "basedOn: `{base}` cannot be a base (one of department, person, seal, server)"
        )));
    }
    let list = |key: &str, items: Option<Vec<String>>, f: &dyn Fn(&str) -> bool| {
        if let Some(items) = &items {
            if items.is_empty() {
                return Err(err(format!("{key}: the list is empty")));
            }
            if let Some(bad) = items.iter().find(|i| !f(i)) {
                return Err(err(format!("{key}: unknown value `{bad}`")));
            }
        }
        Ok(items)
    };
    let key_usage_list = list("keyUsage", doc.key_usage, &|t| key_usage(t).is_some())?
        .map(|v| v.iter().filter_map(|t| key_usage(t)).collect());
    let eku_list = list("extendedKeyUsage", doc.extended_key_usage, &|t| {
        eku(t).is_some()
    })?
    .map(|v| v.iter().filter_map(|t| eku(t)).collect());
    let duration = |key: &str, text: Option<String>| {
        text.map(|t| parse_duration(&t).map_err(|e| err(format!("{key}: {e}"))))
            .transpose()
    };
    let max_validity = duration("maxValidity", doc.max_validity)?.unwrap_or(base.max_validity());
    if max_validity > base.max_validity() {
        return Err(err(format!(
            "maxValidity: longer than the {} days of `{base}`",
            base.max_validity().whole_days()
        )));
    }
    let default_validity = duration("defaultValidity", doc.default_validity)?
        .unwrap_or(Duration::days(730).min(max_validity));
    if default_validity > max_validity {
        return Err(err("defaultValidity: longer than maxValidity".into()));
    }
    let kinds = |key: &str, items: Vec<String>| -> Result<Vec<SanKind>, ProfileFileError> {
        items
            .iter()
            .map(|t| {
                let k = san_kind(t).ok_or_else(|| {
                    err(format!(
                        "{key}: unknown SAN kind `{t}` (dns, email, ip, uri)"
                    ))
                })?;
                if !base.allows_san(&k.sample()) {
                    return Err(err(format!("{key}: `{base}` allows no `{t}` SAN")));
                }
                Ok(k)
            })
            .collect()
    };
    let (required_sans, allowed_sans) = match doc.sans {
        None => (vec![], None),
        Some(s) => (
            kinds("sans.required", s.required)?,
            s.allowed.map(|a| kinds("sans.allowed", a)).transpose()?,
        ),
    };
    if let Some(allowed) = &allowed_sans
        && let Some(k) = required_sans.iter().find(|k| !allowed.contains(k))
    {
        return Err(err(format!(
            "sans.required: `{}` is not in sans.allowed",
            k.name()
        )));
    }
    Ok(HomeProfile {
        name: name.to_string(),
        base,
        description: doc.description,
        usages: Usages {
            key_usage: key_usage_list,
            extended: eku_list,
        },
        max_validity,
        default_validity,
        required_sans,
        allowed_sans,
    })
}

impl HomeProfile {
    /// Why `sans` do not fit this profile's own SAN rules (the base's are checked when
    /// issuing), or `None`.
    pub fn san_problem(&self, sans: &[San]) -> Option<String> {
        if let Some(allowed) = &self.allowed_sans
            && let Some(s) = sans.iter().find(|s| !allowed.contains(&SanKind::of(s)))
        {
            return Some(format!("profile `{}` does not allow SAN `{s}`", self.name));
        }
        self.required_sans
            .iter()
            .find(|k| !sans.iter().any(|s| SanKind::of(s) == **k))
            .map(|k| format!("profile `{}` needs a {}: SAN", self.name, k.name()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "basedOn: person\ndescription: one year\nkeyUsage: [digitalSignature]\nextendedKeyUsage: [clientAuth, 1.2.156.10197.6.1]\nmaxValidity: 1y\nsans: {required: [email], allowed: [email]}\n";

    #[test]
    fn a_good_profile_parses() {
        let p = parse("staff-1y", "staff-1y.yaml", GOOD).unwrap();
        assert_eq!(p.base, Profile::Person);
        assert_eq!(p.max_validity, Duration::days(365));
        assert_eq!(p.default_validity, Duration::days(365));
        assert_eq!(
            p.usages.extended,
            Some(vec![
                vec![1, 3, 6, 1, 5, 5, 7, 3, 2],
                vec![1, 2, 156, 10197, 6, 1]
            ])
        );
        assert_eq!(
            p.san_problem(&[]).unwrap(),
            "profile `staff-1y` needs a email: SAN"
        );
        assert!(p.san_problem(&[San::Email("a@b.cn".into())]).is_none());
    }

    #[test]
    fn every_mistake_names_the_file_and_the_key() {
        for (text, expect) in [
            (
                "basedOn: person\nkeyUsages: [digitalSignature]\n",
                "keyUsages",
            ),
            ("basedOn: sub-ca\n", "basedOn"),
            ("basedOn: admin\n", "basedOn"),
            ("basedOn: person\nkeyUsage: [keyCertSign]\n", "keyCertSign"),
            (
                "basedOn: person\nextendedKeyUsage: [anything]\n",
                "extendedKeyUsage",
            ),
            ("basedOn: person\nmaxValidity: 4y\n", "maxValidity"),
            (
                "basedOn: person\nmaxValidity: 1y\ndefaultValidity: 2y\n",
                "defaultValidity",
            ),
            (
                "basedOn: server\nsans: {allowed: [email]}\n",
                "sans.allowed",
            ),
            (
                "basedOn: person\nsans: {required: [dns]}\n",
                "sans.required",
            ),
            (
                "basedOn: person\nsans: {required: [email], allowed: [uri]}\n",
                "sans.required",
            ),
            ("basedOn: [person\n", "x.yaml"),
        ] {
            let e = parse("x", "x.yaml", text).unwrap_err().to_string();
            assert!(e.starts_with("profile file `x.yaml`: "), "{e}");
            assert!(e.contains(expect), "{text}: {e}");
            assert!(!e.contains('\n'), "{e}");
        }
        assert!(parse("person", "person.yaml", "basedOn: person\n").is_err());
        assert!(parse("Bad_Name", "b.yaml", "basedOn: person\n").is_err());
    }
}
