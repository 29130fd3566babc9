//! Building full CRLs (RFC 5280 §5), streamed into one buffer.
//!
//! rcgen builds a CRL from a `Vec` of entry structs; at a million entries that costs several
//! hundred megabytes. Here entries are DER-encoded straight into the buffer that is then signed,
//! so memory is about the size of the CRL itself. Pure: entries, times and the CRL number come
//! from the caller.

use time::OffsetDateTime;

use super::keys::{KeyError, PrivateKey};
use super::serial::Serial;
use crate::tlv::{der_len, header_len, tlv};

/// RFC 5280 §5.3.1 reason codes.
/// Shown and serialised by its RFC 5280 name ([`Reason::name`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
#[value(rename_all = "camelCase")]
pub enum Reason {
    Unspecified,
    KeyCompromise,
    // RFC 5280 spells these cACompromise, removeFromCRL and aACompromise; accept both.
    #[value(name = "cACompromise", alias = "caCompromise")]
    CaCompromise,
    AffiliationChanged,
    Superseded,
    CessationOfOperation,
    CertificateHold,
    #[value(name = "removeFromCRL", alias = "removeFromCrl")]
    RemoveFromCrl,
    PrivilegeWithdrawn,
    #[value(name = "aACompromise", alias = "aaCompromise")]
    AaCompromise,
}

impl Reason {
    pub fn code(self) -> u8 {
        match self {
            Reason::Unspecified => 0,
            Reason::KeyCompromise => 1,
            Reason::CaCompromise => 2,
            Reason::AffiliationChanged => 3,
            Reason::Superseded => 4,
            Reason::CessationOfOperation => 5,
            Reason::CertificateHold => 6,
            Reason::RemoveFromCrl => 8,
            Reason::PrivilegeWithdrawn => 9,
            Reason::AaCompromise => 10,
        }
    }

    /// Every reason, in code order (7 is unused).
    pub const ALL: [Reason; 10] = [
        Reason::Unspecified,
        Reason::KeyCompromise,
        Reason::CaCompromise,
        Reason::AffiliationChanged,
        Reason::Superseded,
        Reason::CessationOfOperation,
        Reason::CertificateHold,
        Reason::RemoveFromCrl,
        Reason::PrivilegeWithdrawn,
        Reason::AaCompromise,
    ];

    /// The reason with this reasonCode, `None` for a number RFC 5280 does not define.
    pub fn from_code(code: u8) -> Option<Reason> {
        Reason::ALL.into_iter().find(|r| r.code() == code)
    }

    /// The reason of a CRL entry's reasonCode as the validator reads it; `None` (no
    /// reasonCode) is unspecified (RFC 5280 §5.3.1).
    pub fn from_entry(reason: Option<x509_cert::ext::pkix::CrlReason>) -> Reason {
        use x509_cert::ext::pkix::CrlReason as C;
        match reason {
            None | Some(C::Unspecified) => Reason::Unspecified,
            Some(C::KeyCompromise) => Reason::KeyCompromise,
            Some(C::CaCompromise) => Reason::CaCompromise,
            Some(C::AffiliationChanged) => Reason::AffiliationChanged,
            Some(C::Superseded) => Reason::Superseded,
            Some(C::CessationOfOperation) => Reason::CessationOfOperation,
            Some(C::CertificateHold) => Reason::CertificateHold,
            Some(C::RemoveFromCRL) => Reason::RemoveFromCrl,
            Some(C::PrivilegeWithdrawn) => Reason::PrivilegeWithdrawn,
            Some(C::AaCompromise) => Reason::AaCompromise,
        }
    }

    /// Whether the reason says the key was compromised (keyCompromise, cACompromise,
    /// aACompromise): a claimed time proves nothing against it (RFC 5280 §5.3.2).
    pub fn is_compromise(self) -> bool {
        matches!(
            self,
            Reason::KeyCompromise | Reason::CaCompromise | Reason::AaCompromise
        )
    }

    pub fn name(self) -> &'static str {
        match self {
            Reason::Unspecified => "unspecified",
            Reason::KeyCompromise => "keyCompromise",
            Reason::CaCompromise => "cACompromise",
            Reason::AffiliationChanged => "affiliationChanged",
            Reason::Superseded => "superseded",
            Reason::CessationOfOperation => "cessationOfOperation",
            Reason::CertificateHold => "certificateHold",
            Reason::RemoveFromCrl => "removeFromCRL",
            Reason::PrivilegeWithdrawn => "privilegeWithdrawn",
            Reason::AaCompromise => "aACompromise",
        }
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl serde::Serialize for Reason {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// One revoked certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevokedEntry {
    pub serial: Serial,
    pub revoked_at: OffsetDateTime,
    pub reason: Reason,
    pub invalidity: Option<OffsetDateTime>,
}

/// The fixed parts of a CRL.
#[derive(Debug, Clone)]
pub struct CrlHeader<'a> {
    /// The issuer's subject Name, as raw DER from its certificate.
    pub issuer_name_der: &'a [u8],
    /// The issuer's subject key identifier, for the AKI extension.
    pub issuer_key_id: &'a [u8],
    pub this_update: OffsetDateTime,
    pub next_update: OffsetDateTime,
    pub number: u64,
}

/// A signed CRL: `buf[start..]` is the DER.
#[derive(Debug, Clone)]
pub struct SignedCrl {
    buf: Vec<u8>,
    start: usize,
    pub entries: usize,
}

impl SignedCrl {
    pub fn der(&self) -> &[u8] {
        &self.buf[self.start..]
    }
}

/// Encodes a time as RFC 5280 requires: UTCTime through 2049, GeneralizedTime from 2050.
pub fn encode_time(t: OffsetDateTime, out: &mut Vec<u8>) {
    let t = t.to_offset(time::UtcOffset::UTC);
    let (y, mo, d, h, mi, s) = (
        t.year(),
        t.month() as u8,
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
    );
    if (1950..2050).contains(&y) {
        out.push(0x17);
        out.push(13);
        let text = format!("{:02}{mo:02}{d:02}{h:02}{mi:02}{s:02}Z", y % 100);
        out.extend_from_slice(text.as_bytes());
    } else {
        generalized_time(t, out);
    }
}

fn generalized_time(t: OffsetDateTime, out: &mut Vec<u8>) {
    let t = t.to_offset(time::UtcOffset::UTC);
    out.push(0x18);
    out.push(15);
    let text = format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}Z",
        t.year(),
        t.month() as u8,
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    );
    out.extend_from_slice(text.as_bytes());
}

const OID_REASON: [u8; 5] = [0x06, 0x03, 0x55, 0x1d, 0x15];
const OID_INVALIDITY: [u8; 5] = [0x06, 0x03, 0x55, 0x1d, 0x18];
const OID_AKI: [u8; 5] = [0x06, 0x03, 0x55, 0x1d, 0x23];
const OID_CRL_NUMBER: [u8; 5] = [0x06, 0x03, 0x55, 0x1d, 0x14];

/// Writes two decimal digits.
fn push2(out: &mut Vec<u8>, v: u8) {
    out.push(b'0' + v / 10);
    out.push(b'0' + v % 10);
}

/// Encodes a time without allocating (the hot path of a million-entry CRL).
fn encode_time_fast(t: OffsetDateTime, generalized: bool, out: &mut Vec<u8>) {
    let t = t.to_offset(time::UtcOffset::UTC);
    let y = t.year();
    if generalized || !(1950..2050).contains(&y) {
        out.extend_from_slice(&[0x18, 15]);
        let y = y.clamp(0, 9999) as u16;
        push2(out, (y / 100) as u8);
        push2(out, (y % 100) as u8);
    } else {
        out.extend_from_slice(&[0x17, 13]);
        push2(out, (y % 100) as u8);
    }
    push2(out, t.month() as u8);
    push2(out, t.day());
    push2(out, t.hour());
    push2(out, t.minute());
    push2(out, t.second());
    out.push(b'Z');
}

fn encode_entry(e: &RevokedEntry, out: &mut Vec<u8>) {
    let magnitude = e.serial.as_bytes();
    let pad = usize::from(magnitude.first().is_some_and(|b| b & 0x80 != 0));
    let serial_len = magnitude.len() + pad;
    let utc = (1950..2050).contains(&e.revoked_at.to_offset(time::UtcOffset::UTC).year());
    let time_len = if utc { 15 } else { 17 };
    // Extension lengths: reasonCode is 30 0a 06 03 55 1d 15 04 03 0a 01 NN (12 bytes);
    // invalidityDate is 30 18 06 03 55 1d 18 04 11 <GeneralizedTime, 17> (26 bytes).
    let reason_len = if e.reason != Reason::Unspecified {
        12
    } else {
        0
    };
    let inv_len = if e.invalidity.is_some() { 26 } else { 0 };
    let exts_len = reason_len + inv_len;
    let mut body_len = 2 + serial_len + time_len;
    if exts_len > 0 {
        body_len += 2 + exts_len;
    }
    out.push(0x30);
    der_len(body_len, out);
    out.push(0x02);
    out.push(serial_len as u8);
    if pad == 1 {
        out.push(0);
    }
    out.extend_from_slice(magnitude);
    encode_time_fast(e.revoked_at, false, out);
    if exts_len > 0 {
        out.push(0x30);
        out.push(exts_len as u8);
        // RFC 5280 §5.3.1: the reasonCode "unspecified" SHOULD be absent.
        if reason_len > 0 {
            out.extend_from_slice(&[0x30, 0x0a]);
            out.extend_from_slice(&OID_REASON);
            out.extend_from_slice(&[0x04, 0x03, 0x0a, 0x01, e.reason.code()]);
        }
        if let Some(inv) = e.invalidity {
            out.extend_from_slice(&[0x30, 0x18]);
            out.extend_from_slice(&OID_INVALIDITY);
            out.extend_from_slice(&[0x04, 0x11]);
            encode_time_fast(inv, true, out);
        }
    }
}

/// Builds a CRL entry by entry, straight into the buffer that will be signed.
pub struct CrlBuilder {
    buf: Vec<u8>,
    reserve: usize,
    prefix: Vec<u8>,
    exts: Vec<u8>,
    count: usize,
}

impl CrlBuilder {
    /// Starts a CRL; `size_hint` is the expected number of entries.
    pub fn new(
        header: &CrlHeader<'_>,
        signature_algorithm_der: &[u8],
        size_hint: usize,
    ) -> CrlBuilder {
        // Fields of TBSCertList before revokedCertificates.
        let mut prefix = vec![0x02, 0x01, 0x01]; // version v2
        prefix.extend_from_slice(signature_algorithm_der);
        prefix.extend_from_slice(header.issuer_name_der);
        encode_time(header.this_update, &mut prefix);
        encode_time(header.next_update, &mut prefix);
        // crlExtensions [0] EXPLICIT Extensions: AKI and cRLNumber.
        let mut exts = Vec::new();
        let aki_value = tlv(0x30, &tlv(0x80, header.issuer_key_id));
        let mut aki = OID_AKI.to_vec();
        aki.extend_from_slice(&tlv(0x04, &aki_value));
        exts.extend_from_slice(&tlv(0x30, &aki));
        let number = Serial::from_be_bytes(&header.number.to_be_bytes())
            .map(|s| s.der_content())
            .unwrap_or_else(|_| vec![0]);
        let mut num = OID_CRL_NUMBER.to_vec();
        num.extend_from_slice(&tlv(0x04, &tlv(0x02, &number)));
        exts.extend_from_slice(&tlv(0x30, &num));
        let exts = tlv(0xa0, &tlv(0x30, &exts));
        // Room in front for: outer SEQUENCE header, TBS header, prefix, revoked SEQUENCE header.
        let reserve = 6 + 6 + prefix.len() + 6;
        let mut buf = Vec::with_capacity(reserve + size_hint.saturating_mul(56) + exts.len() + 600);
        buf.resize(reserve, 0);
        CrlBuilder {
            buf,
            reserve,
            prefix,
            exts,
            count: 0,
        }
    }

    /// Appends one revoked certificate.
    pub fn push(&mut self, e: &RevokedEntry) {
        encode_entry(e, &mut self.buf);
        self.count += 1;
    }

    /// Signs the CRL.
    pub fn finish(self, key: &PrivateKey) -> Result<SignedCrl, KeyError> {
        let CrlBuilder {
            mut buf,
            reserve,
            prefix,
            exts,
            count,
        } = self;
        let entries_len = buf.len() - reserve;
        buf.extend_from_slice(&exts);
        // Write headers backwards into the reserved room.
        let mut start = reserve;
        if count > 0 {
            let mut h = vec![0x30];
            der_len(entries_len, &mut h);
            start -= h.len();
            buf[start..start + h.len()].copy_from_slice(&h);
        }
        start -= prefix.len();
        buf[start..start + prefix.len()].copy_from_slice(&prefix);
        let tbs_len = buf.len() - start;
        let mut h = vec![0x30];
        der_len(tbs_len, &mut h);
        start -= h.len();
        buf[start..start + h.len()].copy_from_slice(&h);
        let tbs_start = start;

        let signature = key.sign(&buf[tbs_start..])?;
        buf.extend_from_slice(key.signature_algorithm_der());
        let mut bits = Vec::with_capacity(signature.len() + 1);
        bits.push(0);
        bits.extend_from_slice(&signature);
        buf.extend_from_slice(&tlv(0x03, &bits));

        let total = buf.len() - tbs_start;
        let mut h = vec![0x30];
        der_len(total, &mut h);
        debug_assert_eq!(h.len(), header_len(total));
        let start = tbs_start - h.len();
        buf[start..tbs_start].copy_from_slice(&h);
        Ok(SignedCrl {
            buf,
            start,
            entries: count,
        })
    }
}

/// Builds and signs a full CRL from `entries`.
pub fn build_crl<I>(
    header: &CrlHeader<'_>,
    key: &PrivateKey,
    entries: I,
    size_hint: usize,
) -> Result<SignedCrl, KeyError>
where
    I: IntoIterator<Item = RevokedEntry>,
{
    let mut b = CrlBuilder::new(header, key.signature_algorithm_der(), size_hint);
    for e in entries {
        b.push(&e);
    }
    b.finish(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ca::dn::Dn;
    use crate::ca::keys::Algorithm;
    use x509_parser::prelude::FromDer;

    #[test]
    fn crl_parses_and_verifies() {
        let key = PrivateKey::generate(Algorithm::P256).unwrap();
        let now = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let dn = Dn::parse("CN=测试CA,O=连云港市人民政府,C=CN").unwrap();
        let ca = crate::ca::issue::self_signed_root(
            &key,
            &dn,
            &"4142".parse().unwrap(),
            now,
            now + time::Duration::days(365),
        )
        .unwrap();
        let (_, cert) = x509_parser::parse_x509_certificate(&ca).unwrap();
        let entries: Vec<RevokedEntry> = (1..300u32)
            .map(|i| RevokedEntry {
                serial: Serial::from_be_bytes(&i.to_be_bytes()).unwrap(),
                revoked_at: now,
                reason: if i % 2 == 0 {
                    Reason::KeyCompromise
                } else {
                    Reason::Unspecified
                },
                invalidity: (i % 3 == 0).then_some(now),
            })
            .collect();
        let header = CrlHeader {
            issuer_name_der: cert.subject().as_raw(),
            issuer_key_id: b"0123456789abcdef0123",
            this_update: now,
            next_update: now + time::Duration::days(7),
            number: 258,
        };
        let crl = build_crl(&header, &key, entries, 299).unwrap();
        let (rest, parsed) =
            x509_parser::revocation_list::CertificateRevocationList::from_der(crl.der()).unwrap();
        assert!(rest.is_empty());
        assert_eq!(parsed.iter_revoked_certificates().count(), 299);
        assert_eq!(
            parsed.crl_number().map(|n| n.to_string()),
            Some("258".into())
        );
        parsed.verify_signature(cert.public_key()).unwrap();

        let empty = build_crl(&header, &key, Vec::new(), 0).unwrap();
        let (_, parsed) =
            x509_parser::revocation_list::CertificateRevocationList::from_der(empty.der()).unwrap();
        assert_eq!(parsed.iter_revoked_certificates().count(), 0);
        parsed.verify_signature(cert.public_key()).unwrap();
    }

    #[test]
    fn times_switch_at_2050() {
        let mut v = Vec::new();
        encode_time(
            OffsetDateTime::from_unix_timestamp(2_600_000_000).unwrap(),
            &mut v,
        );
        assert_eq!(v[0], 0x18);
        v.clear();
        encode_time(
            OffsetDateTime::from_unix_timestamp(1_600_000_000).unwrap(),
            &mut v,
        );
        assert_eq!(v[0], 0x17);
    }

    #[test]
    fn reasons_round_trip_by_code_and_show_their_rfc_5280_names() {
        for r in Reason::ALL {
            assert_eq!(Reason::from_code(r.code()), Some(r));
            assert_eq!(r.to_string(), r.name());
            assert_eq!(
                serde_json::to_string(&r).unwrap(),
                format!("\"{}\"", r.name())
            );
        }
        assert_eq!(Reason::from_entry(None), Reason::Unspecified);
        assert_eq!(
            Reason::from_entry(Some(x509_cert::ext::pkix::CrlReason::AaCompromise)),
            Reason::AaCompromise
        );
        assert_eq!(Reason::from_code(7), None);
        assert_eq!(Reason::from_code(11), None);
        assert_eq!(
            serde_json::to_string(&Reason::CaCompromise).unwrap(),
            "\"cACompromise\""
        );
        let compromised: Vec<Reason> = Reason::ALL
            .into_iter()
            .filter(|r| r.is_compromise())
            .collect();
        assert_eq!(
            compromised,
            [
                Reason::KeyCompromise,
                Reason::CaCompromise,
                Reason::AaCompromise
            ]
        );
    }
}
