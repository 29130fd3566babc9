//! Certificate profiles (DESIGN.md §3): what key usages, extended key usages and names each kind
//! of certificate gets. A profile decides; a CSR only asks.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

/// The built-in profiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Profile {
    SubCa,
    Department,
    Person,
    Seal,
    /// A seal authority (印章管理部门) whose key makes seals instead of the CA key.
    SealAuthority,
    Server,
    Ocsp,
    Tsa,
}

/// All profiles, in the order `--help` lists them.
pub const ALL: [Profile; 8] = [
    Profile::SubCa,
    Profile::Department,
    Profile::Person,
    Profile::Seal,
    Profile::SealAuthority,
    Profile::Server,
    Profile::Ocsp,
    Profile::Tsa,
];

/// The documentSigning EKU (RFC 9336).
pub const OID_DOCUMENT_SIGNING: &[u64] = &[1, 3, 6, 1, 5, 5, 7, 3, 36];

/// The seal authority EKU, `id-govpki-kp-sealAuthority`
/// ([`crate::seal::OID_KP_SEAL_AUTHORITY`], under the project's OID arc).
pub const OID_SEAL_AUTHORITY: &[u64] = &[1, 3, 6, 1, 4, 1, 32473, 1, 3, 1];

impl Profile {
    pub fn name(self) -> &'static str {
        match self {
            Profile::SubCa => "sub-ca",
            Profile::Department => "department",
            Profile::Person => "person",
            Profile::Seal => "seal",
            Profile::SealAuthority => "seal-authority",
            Profile::Server => "server",
            Profile::Ocsp => "ocsp",
            Profile::Tsa => "tsa",
        }
    }

    /// Whether certificates of this profile are CAs.
    pub fn is_ca(self) -> bool {
        self == Profile::SubCa
    }

    /// Which SAN kinds a certificate of this profile may carry.
    pub fn allows_san(self, san: &San) -> bool {
        match (self, san) {
            (Profile::SubCa, _) => false,
            (Profile::Server, San::Dns(_) | San::Ip(_)) => true,
            (Profile::Server, _) => false,
            (
                Profile::Department | Profile::Person | Profile::Seal | Profile::SealAuthority,
                San::Email(_) | San::Uri(_),
            ) => true,
            (Profile::Department, San::Dns(_)) => true,
            (Profile::Ocsp | Profile::Tsa, San::Dns(_) | San::Uri(_)) => true,
            _ => false,
        }
    }

    /// Whether the profile requires at least one DNS or IP SAN.
    pub fn requires_host_san(self) -> bool {
        self == Profile::Server
    }

    /// The longest validity a certificate of this profile may have (README "Profiles"): what
    /// common practice gives each kind. A request past it is refused, never cut.
    /// - `server`: 398 days, the CA/Browser Forum Baseline Requirements §6.3.2 limit;
    /// - `person`, `department`, `seal`: 3 years, the usual term of a civil servant's or an
    ///   organisation's signing certificate (and of a USB key's replacement cycle);
    /// - `ocsp`: 2 years (a responder certificate without revocation of its own stays short);
    /// - `seal-authority`, `tsa`: 5 years (their signatures must verify long after signing);
    /// - `sub-ca`: 20 years, as long as a root `ca init` makes by default.
    pub fn max_validity(self) -> time::Duration {
        let days = match self {
            Profile::Server => 398,
            Profile::Person | Profile::Department | Profile::Seal => 3 * 365,
            Profile::Ocsp => 2 * 365,
            Profile::SealAuthority | Profile::Tsa => 5 * 365,
            Profile::SubCa => 20 * 365,
        };
        time::Duration::days(days)
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An unknown profile name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown profile `{0}` (expected one of: sub-ca, department, person, seal, seal-authority, server, ocsp, tsa)"
)]
pub struct UnknownProfile(pub String);

impl FromStr for Profile {
    type Err = UnknownProfile;

    fn from_str(s: &str) -> Result<Profile, UnknownProfile> {
        ALL.iter()
            .copied()
            .find(|p| p.name() == s.trim())
            .ok_or_else(|| UnknownProfile(s.to_string()))
    }
}

/// A subject alternative name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum San {
    Dns(String),
    Email(String),
    Ip(IpAddr),
    Uri(String),
}

/// Why a SAN was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SanError {
    #[error("`{0}` is not of the form dns:NAME, email:ADDR, ip:ADDR or uri:URI")]
    Form(String),
    #[error("`{0}` is not a valid DNS name")]
    Dns(String),
    #[error("`{0}` is not a valid email address")]
    Email(String),
    #[error("`{0}` is not an IP address")]
    Ip(String),
    #[error("`{0}` is not an ASCII URI")]
    Uri(String),
}

impl San {
    /// Parses `dns:www.example.gov.cn`, `email:a@b.cn`, `ip:10.0.0.1`, `uri:https://...`.
    pub fn parse(text: &str) -> Result<San, SanError> {
        let t = text.trim();
        let (kind, value) = t
            .split_once(':')
            .ok_or_else(|| SanError::Form(t.to_string()))?;
        let value = value.trim();
        match kind.trim().to_ascii_lowercase().as_str() {
            "dns" => {
                let ok = !value.is_empty()
                    && value.len() <= 253
                    && value.split('.').enumerate().all(|(i, label)| {
                        (!label.is_empty()
                            && label.len() <= 63
                            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                            && !label.starts_with('-')
                            && !label.ends_with('-'))
                            || (i == 0 && label == "*")
                    });
                if ok {
                    Ok(San::Dns(value.to_ascii_lowercase()))
                } else {
                    Err(SanError::Dns(value.to_string()))
                }
            }
            "email" => {
                let ok = value.is_ascii()
                    && value
                        .split_once('@')
                        .is_some_and(|(l, d)| !l.is_empty() && !d.is_empty() && !d.contains('@'))
                    && !value.chars().any(|c| c.is_whitespace() || c.is_control());
                if ok {
                    Ok(San::Email(value.to_string()))
                } else {
                    Err(SanError::Email(value.to_string()))
                }
            }
            "ip" => value
                .parse::<IpAddr>()
                .map(San::Ip)
                .map_err(|_| SanError::Ip(value.to_string())),
            "uri" => {
                if value.is_ascii()
                    && value.contains(':')
                    && !value.chars().any(|c| c.is_whitespace())
                {
                    Ok(San::Uri(value.to_string()))
                } else {
                    Err(SanError::Uri(value.to_string()))
                }
            }
            _ => Err(SanError::Form(t.to_string())),
        }
    }

    /// Parses a comma-separated list as `--san` takes it.
    pub fn parse_list(text: &str) -> Result<Vec<San>, SanError> {
        text.split(',')
            .filter(|s| !s.trim().is_empty())
            .map(San::parse)
            .collect()
    }
}

impl fmt::Display for San {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            San::Dns(v) => write!(f, "dns:{v}"),
            San::Email(v) => write!(f, "email:{v}"),
            San::Ip(v) => write!(f, "ip:{v}"),
            San::Uri(v) => write!(f, "uri:{v}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_names_round_trip() {
        for p in ALL {
            assert_eq!(p.name().parse::<Profile>().unwrap(), p);
        }
        assert!("admin".parse::<Profile>().is_err());
    }

    #[test]
    fn seal_authority_eku_is_the_seal_module_oid() {
        let dotted: Vec<String> = OID_SEAL_AUTHORITY.iter().map(u64::to_string).collect();
        assert_eq!(
            dotted.join("."),
            crate::seal::OID_KP_SEAL_AUTHORITY.to_string()
        );
        assert!(
            crate::seal::OID_KP_SEAL_AUTHORITY
                .to_string()
                .starts_with(crate::seal::GOVPKI_OID_ARC)
        );
    }

    #[test]
    fn san_parsing() {
        assert_eq!(
            San::parse_list("dns:WWW.lyg.gov.cn, ip:10.1.2.3,email:a@b.cn").unwrap(),
            vec![
                San::Dns("www.lyg.gov.cn".into()),
                San::Ip("10.1.2.3".parse().unwrap()),
                San::Email("a@b.cn".into())
            ]
        );
        assert!(San::parse("dns:bad_name").is_err());
        assert!(San::parse("ip:999.1.1.1").is_err());
        assert!(San::parse("email:nobody").is_err());
        assert!(San::parse("foo:bar").is_err());
        assert!(San::parse("plain").is_err());
    }

    #[test]
    fn maximum_validities_follow_common_practice() {
        assert_eq!(Profile::Server.max_validity(), time::Duration::days(398));
        assert_eq!(Profile::Person.max_validity(), time::Duration::days(1095));
        for p in ALL {
            assert!(p.max_validity() >= time::Duration::days(398), "{p}");
        }
    }

    #[test]
    fn server_allows_only_host_names() {
        assert!(Profile::Server.allows_san(&San::Dns("a.cn".into())));
        assert!(!Profile::Server.allows_san(&San::Email("a@b.cn".into())));
        assert!(!Profile::SubCa.allows_san(&San::Dns("a.cn".into())));
    }
}
