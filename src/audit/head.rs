//! Signed heads of the audit log: "this CA's log had N records, the last one hashing to H, at
//! time T", signed with the CA key. `audit head` prints one to keep elsewhere (another
//! machine, paper, a notary); each `crl.publish` record carries one of the log as it was before
//! it (`; head=N:H:SIG`). A head kept outside the home proves what the log was: a log that was
//! truncated, or rebuilt with other records before record N, no longer extends it.
//!
//! What a head does not prove: whoever holds the CA key (its passphrase) can sign a head of a
//! rebuilt log too. The head kept elsewhere is what an insider cannot reach.
//!
//! Pure: text in, text out; signatures are made and checked by the caller's key and
//! [`super::proof::verify`].

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;

use super::Record;

/// The first line of a head file.
const HEADER: &str = "govpki audit head v1";

/// Why a head file was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeadError {
    #[error("not a govpki audit head (the first line is not `{HEADER}`)")]
    NotAHead,
    #[error("the head has no `{0}` line")]
    Missing(&'static str),
    #[error("the head's `{0}` line is malformed")]
    Malformed(&'static str),
}

/// A signed head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    /// SHA-256 of the CA certificate whose key signed it (lowercase hex).
    pub ca: String,
    /// How many records the log had.
    pub records: i64,
    /// The hash of the last of them ([`super::GENESIS`] for an empty log).
    pub hash: String,
    /// When the head was taken (RFC 3339).
    pub time: String,
    pub signature: Vec<u8>,
}

/// The exact bytes the CA key signs for a head: every field length-prefixed.
pub fn message(ca: &str, records: i64, hash: &str, time: &str) -> Vec<u8> {
    let mut out = b"govpki audit head v1\0".to_vec();
    let count = records.to_string();
    for f in [ca, count.as_str(), hash, time] {
        out.extend_from_slice(&(f.len() as u64).to_be_bytes());
        out.extend_from_slice(f.as_bytes());
    }
    out
}

impl Head {
    /// The bytes its signature covers.
    pub fn message(&self) -> Vec<u8> {
        message(&self.ca, self.records, &self.hash, &self.time)
    }

    /// The head file's text.
    pub fn to_text(&self) -> String {
        format!(
            "{HEADER}\nca: {}\nrecords: {}\nhash: {}\ntime: {}\nsignature: {}\n",
            self.ca,
            self.records,
            self.hash,
            self.time,
            B64.encode(&self.signature)
        )
    }

    /// Reads a head file's text.
    pub fn parse(text: &str) -> Result<Head, HeadError> {
        let mut lines = text.lines().map(str::trim_end);
        if lines.next() != Some(HEADER) {
            return Err(HeadError::NotAHead);
        }
        let mut get = |key: &'static str| -> Result<String, HeadError> {
            let line = lines.next().ok_or(HeadError::Missing(key))?;
            line.strip_prefix(key)
                .and_then(|l| l.strip_prefix(": "))
                .map(str::to_string)
                .ok_or(HeadError::Malformed(key))
        };
        let hex64 = |s: &str| s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit());
        let ca = get("ca")?;
        if !hex64(&ca) {
            return Err(HeadError::Malformed("ca"));
        }
        let records = get("records")?
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .ok_or(HeadError::Malformed("records"))?;
        let hash = get("hash")?;
        if !hex64(&hash) {
            return Err(HeadError::Malformed("hash"));
        }
        let time = get("time")?;
        let signature = B64
            .decode(get("signature")?)
            .map_err(|_| HeadError::Malformed("signature"))?;
        Ok(Head {
            ca,
            records,
            hash,
            time,
            signature,
        })
    }

    /// The checkpoint form kept in a `crl.publish` outcome: `N:H:SIG` (the time is the
    /// record's own).
    pub fn checkpoint(&self) -> String {
        format!(
            "{}:{}:{}",
            self.records,
            self.hash,
            B64.encode(&self.signature)
        )
    }

    /// Reads a checkpoint written by [`Head::checkpoint`] into the record at `time`.
    pub fn from_checkpoint(ca: &str, value: &str, time: &str) -> Option<Head> {
        let mut parts = value.splitn(3, ':');
        let records = parts.next()?.parse::<i64>().ok()?;
        let hash = parts.next()?.to_string();
        let signature = B64.decode(parts.next()?).ok()?;
        Some(Head {
            ca: ca.to_string(),
            records,
            hash,
            time: time.to_string(),
            signature,
        })
    }
}

/// Whether a log (its hash chain checked) still extends a head: it has at least the head's
/// records, and its record N hashes as the head says. Returns why not.
pub fn extends(records: &[Record], head: &Head) -> Result<(), String> {
    if head.records == 0 {
        return if head.hash == super::GENESIS {
            Ok(())
        } else {
            Err("the head names no record but is not the empty log's".into())
        };
    }
    let n = head.records;
    let Some(r) = usize::try_from(n - 1).ok().and_then(|i| records.get(i)) else {
        return Err(format!(
            "the log was truncated: the head has {n} records, the log only {}",
            records.len()
        ));
    };
    if r.seq != n || r.hash != head.hash {
        return Err(format!(
            "the log was rewritten: record {n} hashes to {}, the head says {}",
            r.hash, head.hash
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trips_and_junk_is_refused() {
        let h = Head {
            ca: "ab".repeat(32),
            records: 7,
            hash: "cd".repeat(32),
            time: "2027-01-04T02:00:00Z".into(),
            signature: vec![1, 2, 3],
        };
        assert_eq!(Head::parse(&h.to_text()), Ok(h.clone()));
        assert_eq!(
            Head::from_checkpoint(&h.ca, &h.checkpoint(), &h.time),
            Some(h.clone())
        );
        assert_eq!(Head::parse("hello"), Err(HeadError::NotAHead));
        let bad = h.to_text().replace("records: 7", "records: -1");
        assert_eq!(Head::parse(&bad), Err(HeadError::Malformed("records")));
    }
}
