//! The serde helpers the seal use cases' JSON results share: paths as displayed, times in the
//! seal's own format and in RFC 3339.

use std::path::Path;

use time::OffsetDateTime;

pub(super) fn display_path<S: serde::Serializer>(p: &Path, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&p.display())
}

/// A time as seals write it (`seal::format_time`).
pub(super) fn seal_time<S: serde::Serializer>(t: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&crate::seal::format_time(*t))
}

pub(super) fn rfc3339_time<S: serde::Serializer>(
    t: &OffsetDateTime,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.serialize_str(&crate::ca::when::rfc3339(*t))
}
