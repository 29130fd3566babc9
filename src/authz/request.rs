//! Requests: who (a [`Subject`]'s attributes) wants to do what (an action) to which resource,
//! in which context.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use super::cond::{Domain, Level};

/// The attributes of a subject; each attribute may have several values (SANs, policy OIDs).
///
/// `serial` values are normalised as `openssl x509 -serial` prints them (upper-case hex, no
/// colons, no leading zero bytes), so policies and requests may write them either way.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Subject {
    attrs: BTreeMap<String, Vec<String>>,
}

impl Subject {
    /// A subject with no attributes.
    pub fn new() -> Subject {
        Subject::default()
    }

    /// Adds a value to an attribute (kept once).
    pub fn insert(&mut self, key: &str, value: &str) {
        let value = normalize_value(key, value);
        let values = self.attrs.entry(key.to_string()).or_default();
        if !values.contains(&value) {
            values.push(value);
        }
    }

    /// The values of an attribute (empty when the subject lacks it).
    pub fn get(&self, key: &str) -> &[String] {
        self.attrs.get(key).map_or(&[], Vec::as_slice)
    }

    /// Every attribute and its values, by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[String])> {
        self.attrs.iter().map(|(k, v)| (k.as_str(), v.as_slice()))
    }

    /// Whether the subject has no attributes.
    pub fn is_empty(&self) -> bool {
        self.attrs.is_empty()
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for (k, vs) in &self.attrs {
            for v in vs {
                if !first {
                    f.write_str(", ")?;
                }
                first = false;
                write!(f, "{k}={v}")?;
            }
        }
        Ok(())
    }
}

/// Normalises a value of a known attribute for comparison.
pub(crate) fn normalize_value(key: &str, value: &str) -> String {
    if key == "serial" {
        normalize_serial(value)
    } else {
        value.to_string()
    }
}

/// Upper-case hex without colons or leading zero bytes, even length; other text unchanged.
fn normalize_serial(value: &str) -> String {
    let t = value.trim();
    let t = t
        .strip_prefix("0x")
        .or_else(|| t.strip_prefix("0X"))
        .unwrap_or(t);
    let hex: String = t.chars().filter(|c| *c != ':').collect();
    if hex.is_empty() || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return value.to_string();
    }
    let mut hex = hex.to_ascii_uppercase();
    if hex.len() % 2 == 1 {
        hex.insert(0, '0');
    }
    while hex.len() > 2 && hex.starts_with("00") {
        hex.drain(..2);
    }
    hex
}

impl<'de> Deserialize<'de> for Subject {
    /// A map of attribute to a string or a list of strings.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Subject;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map of attribute names to a string or a list of strings")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Subject, A::Error> {
                let mut s = Subject::new();
                while let Some((k, v)) = map.next_entry::<String, Values>()? {
                    if k.is_empty() {
                        return Err(de::Error::custom("empty attribute name"));
                    }
                    for v in v.0 {
                        s.insert(&k, &v);
                    }
                }
                Ok(s)
            }
        }
        deserializer.deserialize_map(V)
    }
}

/// A string or a list of strings.
struct Values(Vec<String>);

impl<'de> Deserialize<'de> for Values {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Values;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or a list of strings")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Values, E> {
                Ok(Values(vec![v.to_string()]))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Values, E> {
                Ok(Values(vec![v.to_string()]))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Values, E> {
                Err(E::custom(format!(
                    "`{v}` is read as a boolean here; write it in quotes to mean text"
                )))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Values, E> {
                Err(E::custom(format!(
                    "`{v}` is read as a number here; write it in quotes to mean text"
                )))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Values, E> {
                Ok(Values(vec![v.to_string()]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Values, A::Error> {
                let mut out = Vec::new();
                while let Some(s) = seq.next_element::<String>()? {
                    out.push(s);
                }
                Ok(Values(out))
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// One authorization question.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// Who asks.
    pub subject: Subject,
    /// A dotted action name (`seal.apply`).
    pub action: String,
    /// A slash path (`dept/信息中心/seal/official`).
    pub resource: String,
    /// `domain`, `level`, `time` (RFC 3339, default now) and free keys.
    #[serde(default)]
    pub context: BTreeMap<String, String>,
}

/// Why a request is malformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    #[error("empty action")]
    EmptyAction,
    #[error("empty resource")]
    EmptyResource,
    #[error("action `{0}` has an empty segment")]
    ActionSegment(String),
    #[error("resource `{0}` has an empty, `.` or `..` segment")]
    ResourceSegment(String),
    #[error("`{0}` contains a control character")]
    Control(String),
    #[error("domain `{0}` is not intranet, extranet or internet")]
    Domain(String),
    #[error("level `{0}` is not a classification level")]
    Level(String),
    #[error("clearance `{0}` is not a classification level")]
    Clearance(String),
    #[error("time `{0}` is not an RFC 3339 time")]
    Time(String),
}

impl RequestError {
    /// A hint for the user, where one helps.
    pub fn hint(&self) -> &'static str {
        match self {
            RequestError::Domain(_) => "use domain=intranet, extranet or internet",
            RequestError::Level(_) | RequestError::Clearance(_) => {
                "use public, internal, secret, confidential, top-secret (or 公开, 内部, 秘密, 机密, 绝密)"
            }
            RequestError::Time(_) => "use e.g. time=2026-11-30T09:30:00+08:00",
            _ => {
                "actions are dotted names (cert.issue), resources slash paths (dept/信息中心/seal/official)"
            }
        }
    }
}

impl Request {
    /// Checks the action and resource are well formed names: non-empty segments, no `.` or
    /// `..` path segments, no control characters. [`Policy::decide`](super::Policy::decide)
    /// denies a malformed request; callers that want to report it as an error check first.
    pub fn check(&self) -> Result<(), RequestError> {
        if self.action.is_empty() {
            return Err(RequestError::EmptyAction);
        }
        if self.resource.is_empty() {
            return Err(RequestError::EmptyResource);
        }
        for text in [&self.action, &self.resource] {
            if text.chars().any(char::is_control) {
                return Err(RequestError::Control(text.clone()));
            }
        }
        if self.action.split('.').any(str::is_empty) {
            return Err(RequestError::ActionSegment(self.action.clone()));
        }
        if self
            .resource
            .split('/')
            .any(|s| s.is_empty() || s == "." || s == "..")
        {
            return Err(RequestError::ResourceSegment(self.resource.clone()));
        }
        Ok(())
    }

    /// Checks the values conditions read: context `domain`, `level` and `time`, and the
    /// subject's `clearance`. The policy treats a bad value as one it cannot evaluate (an allow
    /// needing it grants nothing, a deny needing it applies); callers that want to report it as
    /// an error check first.
    pub fn check_values(&self) -> Result<(), RequestError> {
        if let Some(d) = self.context.get("domain")
            && Domain::parse(d).is_none()
        {
            return Err(RequestError::Domain(d.clone()));
        }
        if let Some(l) = self.context.get("level")
            && Level::parse(l).is_none()
        {
            return Err(RequestError::Level(l.clone()));
        }
        if let Some(t) = self.context.get("time")
            && t.parse::<jiff::Timestamp>().is_err()
        {
            return Err(RequestError::Time(t.clone()));
        }
        if let Some(c) = self
            .subject
            .get("clearance")
            .iter()
            .find(|c| Level::parse(c).is_none())
        {
            return Err(RequestError::Clearance(c.clone()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_are_normalised() {
        let mut s = Subject::new();
        s.insert("serial", "0a:bc");
        assert_eq!(s.get("serial"), ["0ABC"]);
        s.insert("serial", "ABC");
        assert_eq!(s.get("serial"), ["0ABC"]);
        s.insert("serial", "00:FF");
        assert_eq!(s.get("serial"), ["0ABC", "FF"]);
        assert_eq!(normalize_serial("not hex"), "not hex");
        assert_eq!(normalize_serial("0x00"), "00");
    }

    #[test]
    fn subject_from_json_and_yaml() {
        let s: Subject =
            serde_json::from_str(r#"{"cn":"张三","dns":["a.example","b.example"]}"#).unwrap();
        assert_eq!(s.get("cn"), ["张三"]);
        assert_eq!(s.get("dns").len(), 2);
        let s: Subject = serde_saphyr::from_str("department: 信息中心\nlevel: 3\n").unwrap();
        assert_eq!(s.get("level"), ["3"]);
        assert!(serde_json::from_str::<Subject>(r#"{"cn":{"x":1}}"#).is_err());
    }

    #[test]
    fn malformed_requests() {
        let ok = Request {
            subject: Subject::new(),
            action: "seal.apply".into(),
            resource: "dept/信息中心/seal/official".into(),
            context: BTreeMap::new(),
        };
        assert!(ok.check().is_ok());
        for (a, r) in [
            ("", "x"),
            ("a", ""),
            ("a..b", "x"),
            ("a", "dept//x"),
            ("a", "dept/信息中心/../财政局"),
            ("a", "/dept"),
            ("a\n", "x"),
        ] {
            let req = Request {
                action: a.into(),
                resource: r.into(),
                ..ok.clone()
            };
            assert!(req.check().is_err(), "{a} {r}");
        }
    }
}
