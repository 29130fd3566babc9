//! Conditions of rules: security domain, time window, classification level, clearance, and
//! equality or membership on subject and context attributes.
//!
//! Evaluation is three-valued: a condition holds, fails, or cannot be evaluated because the
//! request lacks (or garbles) a value it needs. Callers decide what "cannot be evaluated" means:
//! an allow grants nothing, a deny applies (DESIGN.md §5, fail closed).

use std::collections::BTreeMap;
use std::fmt;

use jiff::Timestamp;
use jiff::tz::{Offset, TimeZone, TimeZoneDatabase};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::Subject;

/// A classification level of a resource, or a clearance of a subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    /// 公开
    Public,
    /// 内部
    Internal,
    /// 秘密
    Secret,
    /// 机密
    Confidential,
    /// 绝密
    TopSecret,
}

impl Level {
    const ALL: [(Level, &'static str, &'static str); 5] = [
        (Level::Public, "public", "公开"),
        (Level::Internal, "internal", "内部"),
        (Level::Secret, "secret", "秘密"),
        (Level::Confidential, "confidential", "机密"),
        (Level::TopSecret, "top-secret", "绝密"),
    ];

    /// Parses an English (any case) or Chinese level name.
    pub fn parse(text: &str) -> Option<Level> {
        let t = text.trim();
        Level::ALL
            .iter()
            .find(|(_, en, zh)| t.eq_ignore_ascii_case(en) || t == *zh)
            .map(|(l, _, _)| *l)
    }

    /// The English name.
    pub fn name(self) -> &'static str {
        Level::ALL[self as usize].1
    }

    /// The Chinese name.
    pub fn chinese(self) -> &'static str {
        Level::ALL[self as usize].2
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name(), self.chinese())
    }
}

/// The network a request comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Domain {
    /// 政务内网
    Intranet,
    /// 政务外网
    Extranet,
    /// 互联网
    Internet,
}

impl Domain {
    /// Parses `intranet`, `extranet`, `internet` (any case) or 内网, 外网, 互联网.
    pub fn parse(text: &str) -> Option<Domain> {
        let t = text.trim();
        let table = [
            (Domain::Intranet, "intranet", ["内网", "政务内网"]),
            (Domain::Extranet, "extranet", ["外网", "政务外网"]),
            (Domain::Internet, "internet", ["互联网", "公网"]),
        ];
        table
            .iter()
            .find(|(_, en, zh)| t.eq_ignore_ascii_case(en) || zh.contains(&t))
            .map(|(d, _, _)| *d)
    }

    pub fn name(self) -> &'static str {
        match self {
            Domain::Intranet => "intranet",
            Domain::Extranet => "extranet",
            Domain::Internet => "internet",
        }
    }
}

/// A daily window in a time zone, optionally on some weekdays only.
#[derive(Debug, Clone)]
pub(crate) struct TimeWindow {
    zone: TimeZone,
    zone_name: String,
    /// Seconds after local midnight, included.
    from: u32,
    /// Seconds after local midnight, excluded (86,400 = the end of the day).
    to: u32,
    /// Bit 0 = Monday .. bit 6 = Sunday; `None` = every day.
    days: Option<u8>,
}

const DAY: u32 = 86_400;

impl TimeWindow {
    /// Builds a window; `from`/`to` absent mean the whole day.
    pub(crate) fn new(
        zone_name: &str,
        db: &TimeZoneDatabase,
        from: Option<&str>,
        to: Option<&str>,
        days: Option<&[String]>,
    ) -> Result<TimeWindow, TimeError> {
        let zone = parse_zone(zone_name, db)?;
        let (from, to) = match (from, to) {
            (None, None) => (0, DAY),
            (Some(f), Some(t)) => {
                let f = parse_clock(f, false).ok_or_else(|| TimeError::Clock(f.to_string()))?;
                let t = parse_clock(t, true).ok_or_else(|| TimeError::Clock(t.to_string()))?;
                if f == t {
                    return Err(TimeError::Empty);
                }
                (f, t)
            }
            (Some(_), None) | (None, Some(_)) => return Err(TimeError::HalfOpen),
        };
        let days = match days {
            None => None,
            Some(list) => {
                let mut mask = 0u8;
                for d in list {
                    mask |= 1 << parse_weekday(d).ok_or_else(|| TimeError::Weekday(d.clone()))?;
                }
                Some(mask)
            }
        };
        Ok(TimeWindow {
            zone,
            zone_name: zone_name.to_string(),
            from,
            to,
            days,
        })
    }

    /// Whether the window lists no weekday at all (it can never match).
    pub(crate) fn is_never(&self) -> bool {
        self.days == Some(0)
    }

    /// Whether `ts` falls inside the window.
    pub(crate) fn contains(&self, ts: Timestamp) -> bool {
        let local = self.zone.to_datetime(ts);
        let secs = u32::from(local.hour().unsigned_abs()) * 3600
            + u32::from(local.minute().unsigned_abs()) * 60
            + u32::from(local.second().unsigned_abs());
        // The weekday of the local date, in the window's zone (DESIGN.md §5).
        let weekday = local.weekday().to_monday_zero_offset();
        if let Some(mask) = self.days
            && mask & (1 << weekday) == 0
        {
            return false;
        }
        if self.from < self.to {
            self.from <= secs && secs < self.to
        } else {
            // End before start: the window crosses midnight.
            secs >= self.from || secs < self.to
        }
    }

    fn describe(&self) -> String {
        let mut s = format!(
            "time in {}-{} {}",
            clock(self.from),
            clock(self.to),
            self.zone_name
        );
        if let Some(mask) = self.days {
            let names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
            let days: Vec<&str> = (0..7)
                .filter(|i| mask & (1 << i) != 0)
                .map(|i| names[i])
                .collect();
            s.push_str(&format!(" on {}", days.join(",")));
        }
        s
    }

    fn local(&self, ts: Timestamp) -> String {
        let local = self.zone.to_datetime(ts);
        format!(
            "{} {}",
            local.strftime("%Y-%m-%d %H:%M:%S"),
            local.strftime("%a")
        )
    }
}

/// In a compiled-policy cache entry a window is its zone's name and its bounds; the zone is
/// looked up again in the bundled tz database when the entry is read.
impl Serialize for TimeWindow {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (&self.zone_name, self.from, self.to, self.days).serialize(s)
    }
}

impl<'de> Deserialize<'de> for TimeWindow {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        let (zone_name, from, to, days) = <(&str, u32, u32, Option<u8>)>::deserialize(d)?;
        // The invariants `new` establishes.
        if from >= DAY || to > DAY || from == to || days.is_some_and(|m| m >= 1 << 7) {
            return Err(D::Error::custom("a time window out of range"));
        }
        let zone = parse_zone(zone_name, &TimeZoneDatabase::bundled()).map_err(D::Error::custom)?;
        Ok(TimeWindow {
            zone,
            zone_name: zone_name.to_string(),
            from,
            to,
            days,
        })
    }
}

fn clock(secs: u32) -> String {
    if secs.is_multiple_of(60) {
        format!("{:02}:{:02}", secs / 3600, secs % 3600 / 60)
    } else {
        format!(
            "{:02}:{:02}:{:02}",
            secs / 3600,
            secs % 3600 / 60,
            secs % 60
        )
    }
}

/// Why a time window is malformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    #[error(
        "unknown time zone `{0}` (use an IANA name such as `Asia/Shanghai` or an offset such as `+08:00`)"
    )]
    Zone(String),
    #[error("`{0}` is not a time of day (HH:MM or HH:MM:SS)")]
    Clock(String),
    #[error("`{0}` is not a weekday (mon..sun, 周一..周日)")]
    Weekday(String),
    #[error("`from` and `to` are equal: the window is empty (omit both for the whole day)")]
    Empty,
    #[error("give both `from` and `to`, or neither for the whole day")]
    HalfOpen,
}

fn parse_zone(name: &str, db: &TimeZoneDatabase) -> Result<TimeZone, TimeError> {
    let bad = || TimeError::Zone(name.to_string());
    if let Some(rest) = name.strip_prefix('+').or_else(|| name.strip_prefix('-')) {
        let sign = if name.starts_with('-') { -1 } else { 1 };
        let (h, m) = match rest.split_once(':') {
            Some((h, m)) => (h, m),
            None if rest.len() == 4 => rest.split_at(2),
            None => (rest, "00"),
        };
        if h.len() != 2 || m.len() != 2 || !h.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let h: i32 = h.parse().map_err(|_| bad())?;
        let m: i32 = m.parse().map_err(|_| bad())?;
        if h > 18 || m > 59 {
            return Err(bad());
        }
        let offset = Offset::from_seconds(sign * (h * 3600 + m * 60)).map_err(|_| bad())?;
        return Ok(TimeZone::fixed(offset));
    }
    db.get(name).map_err(|_| bad())
}

/// `HH:MM` or `HH:MM:SS`; `24:00` only as an end.
fn parse_clock(text: &str, end: bool) -> Option<u32> {
    let parts: Vec<&str> = text.trim().split(':').collect();
    if !(2..=3).contains(&parts.len())
        || parts
            .iter()
            .any(|p| p.len() != 2 || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let h: u32 = parts[0].parse().ok()?;
    let m: u32 = parts[1].parse().ok()?;
    let s: u32 = match parts.get(2) {
        Some(s) => s.parse().ok()?,
        None => 0,
    };
    if end && h == 24 && m == 0 && s == 0 {
        return Some(DAY);
    }
    if h > 23 || m > 59 || s > 59 {
        return None;
    }
    Some(h * 3600 + m * 60 + s)
}

fn parse_weekday(text: &str) -> Option<u8> {
    let t = text.trim().to_ascii_lowercase();
    let table: [(&[&str], u8); 7] = [
        (&["mon", "monday", "周一", "星期一"], 0),
        (&["tue", "tuesday", "周二", "星期二"], 1),
        (&["wed", "wednesday", "周三", "星期三"], 2),
        (&["thu", "thursday", "周四", "星期四"], 3),
        (&["fri", "friday", "周五", "星期五"], 4),
        (&["sat", "saturday", "周六", "星期六"], 5),
        (&["sun", "sunday", "周日", "星期日", "周天", "星期天"], 6),
    ];
    table
        .iter()
        .find(|(names, _)| names.contains(&t.as_str()))
        .map(|(_, i)| *i)
}

/// One compiled condition.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) enum Cond {
    Domain(Vec<Domain>),
    Time(TimeWindow),
    Level {
        at_least: Option<Level>,
        at_most: Option<Level>,
    },
    ClearanceCoversLevel,
    ClearanceAtLeast(Level),
    Subject {
        key: String,
        values: Vec<String>,
    },
    Context {
        key: String,
        values: Vec<String>,
    },
}

/// Three-valued result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tri {
    True,
    False,
    Unknown,
}

/// What a request offers to conditions, parsed once per request.
#[derive(Debug)]
pub(crate) struct Env<'a> {
    pub subject: &'a Subject,
    pub context: &'a BTreeMap<String, String>,
    pub domain: Option<Result<Domain, &'a str>>,
    pub level: Option<Result<Level, &'a str>>,
    pub time: Result<Timestamp, &'a str>,
    /// The highest valid clearance from the subject and its bindings, or the bad value.
    pub clearance: Option<Result<Level, &'a str>>,
}

impl Cond {
    pub(crate) fn eval(&self, env: &Env) -> Tri {
        match self {
            Cond::Domain(list) => match env.domain {
                Some(Ok(d)) => tri(list.contains(&d)),
                _ => Tri::Unknown,
            },
            Cond::Time(w) => match env.time {
                Ok(ts) => tri(w.contains(ts)),
                Err(_) => Tri::Unknown,
            },
            Cond::Level { at_least, at_most } => match env.level {
                Some(Ok(l)) => {
                    tri(at_least.is_none_or(|m| l >= m) && at_most.is_none_or(|m| l <= m))
                }
                _ => Tri::Unknown,
            },
            Cond::ClearanceCoversLevel => match (env.clearance, env.level) {
                (Some(Ok(c)), Some(Ok(l))) => tri(c >= l),
                _ => Tri::Unknown,
            },
            Cond::ClearanceAtLeast(min) => match env.clearance {
                Some(Ok(c)) => tri(c >= *min),
                _ => Tri::Unknown,
            },
            Cond::Subject { key, values } => {
                let have = env.subject.get(key);
                if have.is_empty() {
                    Tri::Unknown
                } else {
                    tri(have.iter().any(|v| values.contains(v)))
                }
            }
            Cond::Context { key, values } => match env.context.get(key) {
                Some(v) => tri(values.contains(v)),
                None => Tri::Unknown,
            },
        }
    }

    /// The condition as a reader would write it.
    pub(crate) fn describe(&self) -> String {
        match self {
            Cond::Domain(list) => {
                let names: Vec<&str> = list.iter().map(|d| d.name()).collect();
                format!("domain in [{}]", names.join(", "))
            }
            Cond::Time(w) => w.describe(),
            Cond::Level { at_least, at_most } => match (at_least, at_most) {
                (Some(a), Some(b)) => format!("level between {} and {}", a.name(), b.name()),
                (Some(a), None) => format!("level at least {}", a.name()),
                (None, Some(b)) => format!("level at most {}", b.name()),
                (None, None) => "any level".into(),
            },
            Cond::ClearanceCoversLevel => "clearance covers the resource level".into(),
            Cond::ClearanceAtLeast(l) => format!("clearance at least {}", l.name()),
            Cond::Subject { key, values } => format!("subject {key} in [{}]", values.join(", ")),
            Cond::Context { key, values } => format!("context {key} in [{}]", values.join(", ")),
        }
    }

    /// Why the condition did not hold (or could not be evaluated) for this request.
    pub(crate) fn why(&self, env: &Env) -> String {
        fn missing(what: &str) -> String {
            format!("the request gives no {what}")
        }
        fn bad(what: &str, v: &str) -> String {
            format!("the request's {what} `{v}` is not valid")
        }
        let found = match self {
            Cond::Domain(_) => match env.domain {
                Some(Ok(d)) => format!("the domain is `{}`", d.name()),
                Some(Err(v)) => bad("domain", v),
                None => missing("`domain`"),
            },
            Cond::Time(w) => match env.time {
                Ok(ts) => format!("the local time is {}", w.local(ts)),
                Err(v) => bad("time", v),
            },
            Cond::Level { .. } => match env.level {
                Some(Ok(l)) => format!("the level is `{}`", l.name()),
                Some(Err(v)) => bad("level", v),
                None => missing("`level`"),
            },
            Cond::ClearanceCoversLevel => match (env.clearance, env.level) {
                (Some(Ok(c)), Some(Ok(l))) => {
                    format!("clearance `{}` is below level `{}`", c.name(), l.name())
                }
                (Some(Err(v)), _) => bad("clearance", v),
                (None, _) => "the subject has no clearance".into(),
                (_, Some(Err(v))) => bad("level", v),
                (_, None) => missing("`level`"),
            },
            Cond::ClearanceAtLeast(_) => match env.clearance {
                Some(Ok(c)) => format!("clearance is `{}`", c.name()),
                Some(Err(v)) => bad("clearance", v),
                None => "the subject has no clearance".into(),
            },
            Cond::Subject { key, .. } => {
                let have = env.subject.get(key);
                if have.is_empty() {
                    format!("the subject has no `{key}`")
                } else {
                    format!("the subject's {key} is `{}`", have.join("`, `"))
                }
            }
            Cond::Context { key, .. } => match env.context.get(key) {
                Some(v) => format!("the context's {key} is `{v}`"),
                None => missing(&format!("`{key}` in its context")),
            },
        };
        format!("{}: {found}", self.describe())
    }
}

fn tri(b: bool) -> Tri {
    if b { Tri::True } else { Tri::False }
}

/// Kleene conjunction of conditions: the overall value and the index of the condition that
/// decided it (the first false one, else the first unknown one).
pub(crate) fn eval_all(conds: &[Cond], env: &Env) -> (Tri, Option<usize>) {
    let mut unknown = None;
    for (i, c) in conds.iter().enumerate() {
        match c.eval(env) {
            Tri::True => {}
            Tri::False => return (Tri::False, Some(i)),
            Tri::Unknown => {
                unknown.get_or_insert(i);
            }
        }
    }
    match unknown {
        Some(i) => (Tri::Unknown, Some(i)),
        None => (Tri::True, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn window(
        zone: &str,
        from: Option<&str>,
        to: Option<&str>,
        days: Option<&[&str]>,
    ) -> TimeWindow {
        let days: Option<Vec<String>> = days.map(|d| d.iter().map(|s| s.to_string()).collect());
        TimeWindow::new(
            zone,
            &TimeZoneDatabase::bundled(),
            from,
            to,
            days.as_deref(),
        )
        .unwrap()
    }

    #[test]
    fn levels_accept_both_languages_and_order() {
        assert_eq!(Level::parse("秘密"), Some(Level::Secret));
        assert_eq!(Level::parse("Top-Secret"), Some(Level::TopSecret));
        assert_eq!(Level::parse("绝密"), Some(Level::TopSecret));
        assert_eq!(Level::parse("机密"), Some(Level::Confidential));
        assert_eq!(Level::parse("内部"), Some(Level::Internal));
        assert_eq!(Level::parse("公开"), Some(Level::Public));
        assert_eq!(Level::parse("classified"), None);
        assert!(Level::Public < Level::Internal);
        assert!(Level::Internal < Level::Secret);
        assert!(Level::Secret < Level::Confidential);
        assert!(Level::Confidential < Level::TopSecret);
    }

    #[test]
    fn office_hours_in_shanghai() {
        let w = window(
            "Asia/Shanghai",
            Some("08:30"),
            Some("17:30"),
            Some(&["mon", "tue", "wed", "thu", "fri"]),
        );
        // 2026-11-30 is a Monday. 00:30Z = 08:30 in Shanghai: start included.
        assert!(w.contains(ts("2026-11-30T00:30:00Z")));
        assert!(!w.contains(ts("2026-11-30T00:29:59Z")));
        // 09:30Z = 17:30 local: end excluded.
        assert!(!w.contains(ts("2026-11-30T09:30:00Z")));
        assert!(w.contains(ts("2026-11-30T09:29:59Z")));
        // Sunday 2026-11-29 23:00Z is Monday 07:00 local: weekday of the local date, too early.
        assert!(!w.contains(ts("2026-11-29T23:00:00Z")));
        // Sunday 2026-11-29 17:00Z is Monday 01:00 local... too early; Friday 2026-12-04 10:00 local.
        assert!(w.contains(ts("2026-12-04T10:00:00+08:00")));
        // Saturday.
        assert!(!w.contains(ts("2026-12-05T10:00:00+08:00")));
    }

    #[test]
    fn weekday_is_the_local_date_in_the_zone() {
        let w = window("Asia/Shanghai", None, None, Some(&["周一"]));
        // 2026-11-29T20:00Z is Sunday in UTC but Monday 04:00 in Shanghai.
        assert!(w.contains(ts("2026-11-29T20:00:00Z")));
        let utc = window("UTC", None, None, Some(&["mon"]));
        assert!(!utc.contains(ts("2026-11-29T20:00:00Z")));
    }

    #[test]
    fn windows_cross_midnight() {
        let w = window("+08:00", Some("22:00"), Some("06:00"), None);
        assert!(w.contains(ts("2026-11-30T22:00:00+08:00")));
        assert!(w.contains(ts("2026-11-30T23:59:59+08:00")));
        assert!(w.contains(ts("2026-12-01T00:00:00+08:00")));
        assert!(w.contains(ts("2026-12-01T05:59:59+08:00")));
        assert!(!w.contains(ts("2026-12-01T06:00:00+08:00")));
        assert!(!w.contains(ts("2026-12-01T21:59:59+08:00")));
        let end_of_day = window("-05:00", Some("18:00"), Some("24:00"), None);
        assert!(end_of_day.contains(ts("2026-12-01T23:59:59-05:00")));
        assert!(!end_of_day.contains(ts("2026-12-01T17:59:59-05:00")));
    }

    #[test]
    fn bad_windows_are_refused() {
        let db = TimeZoneDatabase::bundled();
        assert!(matches!(
            TimeWindow::new("Mars/Olympus", &db, None, None, None),
            Err(TimeError::Zone(_))
        ));
        assert!(matches!(
            TimeWindow::new("+25:00", &db, None, None, None),
            Err(TimeError::Zone(_))
        ));
        assert!(matches!(
            TimeWindow::new("UTC", &db, Some("8:30"), Some("17:00"), None),
            Err(TimeError::Clock(_))
        ));
        assert!(matches!(
            TimeWindow::new("UTC", &db, Some("24:00"), Some("17:00"), None),
            Err(TimeError::Clock(_))
        ));
        assert!(matches!(
            TimeWindow::new("UTC", &db, Some("09:00"), Some("09:00"), None),
            Err(TimeError::Empty)
        ));
        assert!(matches!(
            TimeWindow::new("UTC", &db, Some("09:00"), None, None),
            Err(TimeError::HalfOpen)
        ));
        let days = vec!["someday".to_string()];
        assert!(matches!(
            TimeWindow::new("UTC", &db, None, None, Some(&days)),
            Err(TimeError::Weekday(_))
        ));
    }

    #[test]
    fn bundled_zones_need_no_system_database() {
        // The bundled copy of the tz database works without /usr/share/zoneinfo.
        let db = TimeZoneDatabase::bundled();
        assert!(db.get("Asia/Shanghai").is_ok());
        assert!(db.get("America/New_York").is_ok());
    }

    #[test]
    fn domains_parse() {
        assert_eq!(Domain::parse("Intranet"), Some(Domain::Intranet));
        assert_eq!(Domain::parse("政务外网"), Some(Domain::Extranet));
        assert_eq!(Domain::parse("互联网"), Some(Domain::Internet));
        assert_eq!(Domain::parse("darknet"), None);
    }
}
