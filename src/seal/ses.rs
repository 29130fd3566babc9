//! Seal-signatures (电子签章) made by other GB/T 38540 systems: parse a DER `SES_Signature`
//! (version 4, GB/T 38540-2020; version 5, GM/T 0031-2025) into an [`SesSignature`], and judge
//! one against a document's SM3 ([`verify_ses`]) with the same checks and report as a `.p7s`.
//!
//! ```text
//! SES_Signature ::= SEQUENCE {
//!     toSign          TBS_Sign,
//!     cert            OCTET STRING,            -- the signer's certificate, DER
//!     signatureAlgID  OBJECT IDENTIFIER,       -- SM2-with-SM3
//!     signature       BIT STRING,              -- over DER(toSign), DER SEQUENCE { r, s }
//!     timeStamp       [0] EXPLICIT BIT STRING OPTIONAL }
//! TBS_Sign ::= SEQUENCE {
//!     version       INTEGER (4 | 5),
//!     eseal         SESeal,
//!     timeInfo      GeneralizedTime,
//!     dataHash      BIT STRING,                -- SM3 of the signed file (OFD: Signature.xml)
//!     propertyInfo  IA5String,
//!     extDatas      ExtensionDatas OPTIONAL,   -- [0] EXPLICIT, or untagged in the wild
//!     timeStamp     [0] EXPLICIT BIT STRING OPTIONAL }   -- version 5 only
//! ```
//!
//! The parser is strict: DER only, no trailing bytes, every field typed; a version 1
//! (GM/T 0031-2014) signature, whose layout differs, is refused with its own message. The
//! signature is checked on the `TBS_Sign` octets as received. A raw `r‖s` signature value (64
//! octets, seen from one vendor) is **not** accepted: GB/T 38540 §7.1 and GB/T 35276 §7.3 say
//! DER `SEQUENCE { r, s }`, and a reader that guesses encodings accepts more than the signer
//! vouched for; the report says what it found.
//!
//! It does not read files, the clock, or hash documents (the caller streams the document
//! through SM3, [`super::hash_document_with`]); time-stamps inside the signature are shown, not
//! verified. Making an `SES_Signature` is [`build`].

use std::fmt;

use der::asn1::{
    AnyRef, BitStringRef, GeneralizedTime, Ia5StringRef, ObjectIdentifier, OctetStringRef,
};
use der::{Decode, Encode, Reader, SliceReader, Tag, TagNumber, Tagged};
use time::OffsetDateTime;

use super::asn1::ExtData;
use super::cms::DocumentHash;
use super::report::{
    CLOCK_SKEW_SECONDS, ChainRole, CheckId, Checks, TimeSource, VerificationReport,
};
use super::seal::{Listed, Seal, SealExtension, SealSummary};
use super::signer::{self, DigestAlgorithm, SignatureCheck};
use super::verify::{JudgedAt, VerifyOptions, chain_at, chain_check, seal_checks};
use super::{SealError, certificate_serial_hex, certificate_subject, format_time};

/// `TBS_Sign.version` of GB/T 38540-2020.
pub const VERSION_4: u32 = 4;
/// `TBS_Sign.version` of GM/T 0031-2025.
pub const VERSION_5: u32 = 5;

const WHAT: &str = "seal-signature (SES_Signature)";

/// A parsed `SES_Signature`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SesSignature {
    version: u32,
    seal: Seal,
    time_info: OffsetDateTime,
    data_hash: Vec<u8>,
    property_info: String,
    extensions: Vec<SealExtension>,
    signer_cert: Vec<u8>,
    signature_algorithm: ObjectIdentifier,
    signature: Vec<u8>,
    tbs_der: Vec<u8>,
    /// The raw `timeStamp` of `TBS_Sign` (v5) or of `SES_Signature`, uninterpreted.
    time_stamp: Option<Vec<u8>>,
}

fn malformed(what: &'static str) -> impl Fn(der::Error) -> SealError {
    move |source| SealError::Malformed { what, source }
}

fn invalid(reason: impl Into<String>) -> SealError {
    SealError::Invalid {
        what: WHAT,
        reason: reason.into(),
    }
}

const CONTEXT_0: Tag = Tag::ContextSpecific {
    constructed: true,
    number: TagNumber::N0,
};

/// Whether `bytes` look like an `SES_Signature` (of any version) rather than a CMS
/// `ContentInfo`: a SEQUENCE whose first element is a SEQUENCE starting with an INTEGER. A CMS
/// `ContentInfo` starts with an OBJECT IDENTIFIER. For sniffing only; [`SesSignature::from_der`]
/// decides.
pub fn looks_like_ses(bytes: &[u8]) -> bool {
    peek_version(bytes).is_some()
}

/// `TBS_Sign.version`, read from the leading headers only (so that a truncated file is still
/// recognised and gets the SES_Signature parser's error): SEQUENCE, SEQUENCE, INTEGER.
fn peek_version(der: &[u8]) -> Option<u32> {
    /// The content offset after a tag `tag` and its length at `at`.
    fn header(der: &[u8], at: usize, tag: u8) -> Option<(usize, usize)> {
        if *der.get(at)? != tag {
            return None;
        }
        let first = *der.get(at + 1)?;
        if first < 0x80 {
            return Some((at + 2, usize::from(first)));
        }
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        let mut len = 0usize;
        for i in 0..n {
            len = len << 8 | usize::from(*der.get(at + 2 + i)?);
        }
        Some((at + 2 + n, len))
    }
    let (at, _) = header(der, 0, 0x30)?;
    let (at, _) = header(der, at, 0x30)?;
    let (at, len) = header(der, at, 0x02)?;
    if len == 0 || len > 4 {
        return None;
    }
    let mut v = 0u32;
    for i in 0..len {
        v = v << 8 | u32::from(*der.get(at + i)?);
    }
    Some(v)
}

impl SesSignature {
    /// Parses a DER `SES_Signature` (v4 or v5). Version 1 and unknown versions, trailing bytes,
    /// a malformed embedded seal or certificate, and BIT STRINGs with unused bits are errors.
    /// Signatures are not checked here.
    pub fn from_der(der: &[u8]) -> Result<Self, SealError> {
        match peek_version(der) {
            Some(1) => {
                return Err(invalid(
                    "version 1 (GM/T 0031-2014) seal-signatures are not supported (only GB/T 38540 version 4 and GM/T 0031-2025 version 5)",
                ));
            }
            Some(v) if v != VERSION_4 && v != VERSION_5 => {
                return Err(invalid(format!(
                    "version {v} seal-signatures are not supported (only GB/T 38540 version 4 and GM/T 0031-2025 version 5)"
                )));
            }
            _ => {}
        }
        let outer = AnyRef::from_der(der).map_err(malformed(WHAT))?;
        if outer.tag() != Tag::Sequence {
            return Err(invalid(format!(
                "starts with {}, not a SEQUENCE",
                outer.tag()
            )));
        }
        let mut r = SliceReader::new(outer.value()).map_err(malformed(WHAT))?;
        let tbs = r
            .decode::<AnyRef<'_>>()
            .map_err(malformed("seal-signature (toSign)"))?;
        if tbs.tag() != Tag::Sequence {
            return Err(invalid(format!("toSign is {}, not a SEQUENCE", tbs.tag())));
        }
        let cert = r
            .decode::<OctetStringRef<'_>>()
            .map_err(malformed("seal-signature (cert)"))?;
        let signature_algorithm = r
            .decode::<ObjectIdentifier>()
            .map_err(malformed("seal-signature (signatureAlgID)"))?;
        let signature = r
            .decode::<BitStringRef<'_>>()
            .map_err(malformed("seal-signature (signature)"))?;
        let signature = signature
            .as_bytes()
            .ok_or_else(|| invalid("the signature BIT STRING has unused bits"))?
            .to_vec();
        let mut time_stamp = None;
        if !r.is_finished() {
            let ts = r
                .decode::<AnyRef<'_>>()
                .map_err(malformed("seal-signature (timeStamp)"))?;
            if ts.tag() != CONTEXT_0 {
                return Err(invalid(format!(
                    "unexpected {} after the signature (only a [0] timeStamp may follow)",
                    ts.tag()
                )));
            }
            time_stamp = Some(bit_string_octets(ts.value(), "timeStamp")?);
        }
        r.finish(()).map_err(malformed(WHAT))?;

        let tbs_der = tbs.to_der().map_err(malformed("seal-signature (toSign)"))?;
        let mut t = SliceReader::new(tbs.value()).map_err(malformed("seal-signature (toSign)"))?;
        let version = t
            .decode::<u32>()
            .map_err(malformed("seal-signature (TBS_Sign.version)"))?;
        if version != VERSION_4 && version != VERSION_5 {
            return Err(invalid(format!(
                "version {version} seal-signatures are not supported (only GB/T 38540 version 4 and GM/T 0031-2025 version 5)"
            )));
        }
        let eseal = t
            .decode::<AnyRef<'_>>()
            .map_err(malformed("seal-signature (TBS_Sign.eseal)"))?;
        let seal = Seal::from_der(
            &eseal
                .to_der()
                .map_err(malformed("seal-signature (TBS_Sign.eseal)"))?,
        )?;
        let time_info = t
            .decode::<GeneralizedTime>()
            .map_err(malformed("seal-signature (TBS_Sign.timeInfo)"))?;
        let time_info = super::seal::time_from_generalized(time_info)
            .map_err(|_| invalid("timeInfo is out of range"))?;
        let data_hash = t
            .decode::<BitStringRef<'_>>()
            .map_err(malformed("seal-signature (TBS_Sign.dataHash)"))?
            .as_bytes()
            .ok_or_else(|| invalid("the dataHash BIT STRING has unused bits"))?
            .to_vec();
        let property_info = t
            .decode::<Ia5StringRef<'_>>()
            .map_err(malformed("seal-signature (TBS_Sign.propertyInfo)"))?
            .to_string();
        let mut ext_datas: Option<Vec<ExtData>> = None;
        let mut tbs_time_stamp = None;
        while !t.is_finished() {
            let any = t
                .decode::<AnyRef<'_>>()
                .map_err(malformed("seal-signature (TBS_Sign)"))?;
            let late = ext_datas.is_some() || tbs_time_stamp.is_some();
            match any.tag() {
                // Untagged extDatas, as some vendors write it.
                Tag::Sequence if !late => {
                    ext_datas = Some(ext_datas_from(
                        &any.to_der()
                            .map_err(malformed("seal-signature (TBS_Sign.extDatas)"))?,
                    )?);
                }
                // `[0]` is extDatas (a SEQUENCE inside) or, in version 5, the time-stamp (a BIT
                // STRING inside).
                tag if tag == CONTEXT_0 && any.value().first() == Some(&0x30) && !late => {
                    ext_datas = Some(ext_datas_from(any.value())?);
                }
                tag if tag == CONTEXT_0
                    && any.value().first() == Some(&0x03)
                    && tbs_time_stamp.is_none() =>
                {
                    if version != VERSION_5 {
                        return Err(invalid("a version 4 TBS_Sign cannot carry a time-stamp"));
                    }
                    tbs_time_stamp = Some(bit_string_octets(any.value(), "TBS_Sign.timeStamp")?);
                }
                tag => {
                    return Err(invalid(format!(
                        "unexpected {tag} after TBS_Sign.propertyInfo"
                    )));
                }
            }
        }
        t.finish(())
            .map_err(malformed("seal-signature (TBS_Sign)"))?;
        super::seal::parse_certificate("seal-signature signer", cert.as_bytes())?;
        let extensions = ext_datas
            .into_iter()
            .flatten()
            .map(|e| SealExtension {
                oid: e.extn_id,
                critical: e.critical,
                value: e.extn_value.as_bytes().to_vec(),
            })
            .collect();
        Ok(SesSignature {
            version,
            seal,
            time_info,
            data_hash,
            property_info,
            extensions,
            signer_cert: cert.as_bytes().to_vec(),
            signature_algorithm,
            signature,
            tbs_der,
            time_stamp: tbs_time_stamp.or(time_stamp),
        })
    }

    /// `TBS_Sign.version` (4 or 5).
    pub fn version(&self) -> u32 {
        self.version
    }

    /// The seal the signer applied (`TBS_Sign.eseal`).
    pub fn seal(&self) -> &Seal {
        &self.seal
    }

    /// The signing time the signer claims (`timeInfo`).
    pub fn time_info(&self) -> OffsetDateTime {
        self.time_info
    }

    /// The time this signature is judged at: the verifier's `at`, else the claimed `timeInfo`
    /// (an `SES_Signature`'s own time-stamp is not verified: it proves no time).
    pub fn judged_at(&self, at: Option<OffsetDateTime>) -> JudgedAt {
        let (judged, source) = match at {
            Some(at) => (at, TimeSource::GivenByVerifier),
            None => (self.time_info, TimeSource::ClaimedBySigner),
        };
        JudgedAt {
            at: judged,
            source,
            claimed: Some(self.time_info),
            token: None,
        }
    }

    /// `dataHash`: the SM3 of the signed file, as the signer says.
    pub fn data_hash(&self) -> &[u8] {
        &self.data_hash
    }

    /// `propertyInfo`: in OFD, the path of the signed file in the package.
    pub fn property_info(&self) -> &str {
        &self.property_info
    }

    /// `TBS_Sign.extDatas`.
    pub fn extensions(&self) -> &[SealExtension] {
        &self.extensions
    }

    /// The signer's certificate (DER).
    pub fn signer_certificate(&self) -> &[u8] {
        &self.signer_cert
    }

    /// The raw time-stamp of the signature, if any (not interpreted).
    pub fn time_stamp(&self) -> Option<&[u8]> {
        self.time_stamp.as_deref()
    }

    /// Checks the signer's signature over `DER(TBS_Sign)` with the signer certificate carried in
    /// the signature. (Whether that certificate is trusted is a chain question.)
    pub fn verify_signer_signature(&self) -> SignatureCheck {
        let check = match signer::verify_signature_with_cert(
            &self.signer_cert,
            &self.signature_algorithm,
            None,
            &self.tbs_der,
            &self.signature,
        ) {
            Ok(check) => check,
            Err(e) => SignatureCheck::Invalid(e.to_string()),
        };
        match check {
            SignatureCheck::Invalid(why)
                if self.signature.len() == 64 && self.signature.first() != Some(&0x30) =>
            {
                SignatureCheck::Invalid(format!(
                    "{why}: it is 64 raw octets (r‖s), not the DER SEQUENCE {{ r, s }} GB/T 38540 requires, and govpki does not guess encodings"
                ))
            }
            other => other,
        }
    }

    /// A summary for `seal show`.
    pub fn summary(&self) -> SesSummary {
        SesSummary {
            format: "ses",
            version: self.version,
            signer: certificate_subject(&self.signer_cert),
            signer_serial: certificate_serial_hex(&self.signer_cert),
            signing_time: format_time(self.time_info),
            data_hash: hex::encode(&self.data_hash),
            property_info: self.property_info.clone(),
            signature_algorithm: signer::algorithm_name(&self.signature_algorithm),
            extensions: self
                .extensions
                .iter()
                .map(|e| format!("{}{}", e.oid, if e.critical { " (critical)" } else { "" }))
                .collect(),
            time_stamp: self.time_stamp.is_some(),
            seal: self.seal.summary(),
        }
    }
}

fn ext_datas_from(der: &[u8]) -> Result<Vec<ExtData>, SealError> {
    Vec::<ExtData>::from_der(der).map_err(malformed("seal-signature (TBS_Sign.extDatas)"))
}

fn bit_string_octets(der: &[u8], field: &str) -> Result<Vec<u8>, SealError> {
    let bits = BitStringRef::from_der(der).map_err(malformed("seal-signature (timeStamp)"))?;
    Ok(bits
        .as_bytes()
        .ok_or_else(|| invalid(format!("the {field} BIT STRING has unused bits")))?
        .to_vec())
}

/// What `seal show` prints about an `SES_Signature`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SesSummary {
    /// Always `ses`.
    pub format: &'static str,
    pub version: u32,
    pub signer: String,
    pub signer_serial: Option<String>,
    /// `timeInfo`, claimed by the signer.
    pub signing_time: String,
    /// `dataHash`, hex.
    pub data_hash: String,
    pub property_info: String,
    pub signature_algorithm: String,
    pub extensions: Vec<String>,
    pub time_stamp: bool,
    pub seal: SealSummary,
}

impl fmt::Display for SesSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "signature:     SES_Signature version {} (GB/T 38540){}",
            self.version,
            if self.time_stamp {
                ", with time-stamp"
            } else {
                ""
            }
        )?;
        writeln!(
            f,
            "signer:        {}{}",
            self.signer,
            self.signer_serial
                .as_ref()
                .map(|s| format!(" (serial {s})"))
                .unwrap_or_default()
        )?;
        writeln!(
            f,
            "signing time:  {} (claimed by signer)",
            self.signing_time
        )?;
        writeln!(f, "sm3:           {} (dataHash)", self.data_hash)?;
        writeln!(f, "signed file:   {} (propertyInfo)", self.property_info)?;
        writeln!(f, "algorithm:     {}", self.signature_algorithm)?;
        for e in &self.extensions {
            writeln!(f, "extension:     {e}")?;
        }
        write!(f, "{}", self.seal)
    }
}

/// Verifies an `SES_Signature` over a document: `document` is the document's SM3
/// ([`DigestAlgorithm::Sm3`]). The checks and their ids are those of
/// [`super::verify_document`]; `signing_certificate` does not apply (the signature carries its
/// certificate itself). The signer's chain is asked for [`ChainRole::SesHolder`].
pub fn verify_ses(
    sig: &SesSignature,
    document: &DocumentHash,
    opts: &VerifyOptions<'_>,
) -> VerificationReport {
    let mut checks = Checks::default();
    let seal = &sig.seal;
    let claimed = sig.time_info;
    let JudgedAt {
        at: judged_at,
        source,
        ..
    } = sig.judged_at(opts.at);

    checks.pass(
        CheckId::SealPresent,
        format!("seal `{}` ({})", seal.info().es_id, seal.info().name),
    );

    if document.algorithm != DigestAlgorithm::Sm3 {
        checks.indeterminate(
            CheckId::DocumentHash,
            format!(
                "the document was hashed with {}, but an SES_Signature signs its SM3",
                document.algorithm
            ),
        );
    } else if document.value == sig.data_hash {
        checks.pass(CheckId::DocumentHash, "the document's sm3 matches dataHash");
    } else {
        checks.fail(
            CheckId::DocumentHash,
            format!(
                "document hash mismatch: the document's sm3 differs from dataHash {} (changed after signing, or not the signed file `{}`)",
                hex::encode(&sig.data_hash),
                sig.property_info
            ),
        );
    }

    match sig.verify_signer_signature() {
        SignatureCheck::Valid => checks.pass(
            CheckId::SignerSignature,
            format!(
                "{} signature by the signer's key over TBS_Sign verifies",
                signer::algorithm_name(&sig.signature_algorithm)
            ),
        ),
        SignatureCheck::Invalid(why) => checks.fail(
            CheckId::SignerSignature,
            format!("the signer's signature is invalid: {why}"),
        ),
        SignatureCheck::Unsupported(why) => checks.indeterminate(CheckId::SignerSignature, why),
    }

    match source {
        TimeSource::GivenByVerifier => checks.pass(
            CheckId::SigningTime,
            format!("judged at {} (given by verifier)", format_time(judged_at)),
        ),
        _ if (claimed - opts.now).whole_seconds() > CLOCK_SKEW_SECONDS => checks.fail(
            CheckId::SigningTime,
            format!(
                "the claimed signing time {} is after the verification time {}",
                format_time(claimed),
                format_time(opts.now)
            ),
        ),
        _ => checks.pass(
            CheckId::SigningTime,
            format!(
                "{} (claimed by signer in timeInfo, not time-stamped)",
                format_time(claimed)
            ),
        ),
    }

    match seal.info().cert_list.lists(&sig.signer_cert) {
        Listed::Yes => checks.pass(
            CheckId::SignerListed,
            "the signer's certificate is a holder of the seal",
        ),
        Listed::No => checks.fail(
            CheckId::SignerListed,
            format!(
                "the signer's certificate `{}` is not listed in seal `{}`",
                certificate_subject(&sig.signer_cert),
                seal.info().es_id
            ),
        ),
        Listed::Unknown(why) => checks.indeterminate(CheckId::SignerListed, why),
    }
    let time_proven = source.is_proven();
    let outcome = chain_at(
        opts.chain,
        &sig.signer_cert,
        &[],
        judged_at,
        time_proven,
        ChainRole::SesHolder,
    );
    chain_check(
        &mut checks,
        CheckId::SignerChain,
        "signer",
        outcome,
        opts.require_revocation,
    );

    seal_checks(&mut checks, seal, &[], judged_at, time_proven, opts);
    // Critical extensions of TBS_Sign govpki does not understand void the signature as those
    // of the seal void the seal.
    let unknown: Vec<String> = sig
        .extensions
        .iter()
        .filter(|e| e.critical)
        .map(|e| e.oid.to_string())
        .collect();
    if !unknown.is_empty()
        && let Some(c) = checks
            .list
            .iter_mut()
            .find(|c| c.check == CheckId::SealExtensions)
    {
        c.status = super::CheckStatus::Fail;
        c.detail = format!(
            "the seal-signature (TBS_Sign) has unknown critical extensions: {}",
            unknown.join(", ")
        );
    }

    let ts = match (&sig.time_stamp, &seal.info().time_stamp) {
        (Some(_), _) => Some("the seal-signature carries a time-stamp"),
        (None, Some(_)) => Some("the seal carries a time-stamp (SES_Seal)"),
        (None, None) => None,
    };
    match ts {
        Some(what) => checks.skip(
            CheckId::TimeStamp,
            format!("{what}, which govpki does not verify yet"),
        ),
        None => checks.skip(CheckId::TimeStamp, "no time-stamp"),
    }

    let (verdict, reason) = checks.conclude();
    let info = seal.info();
    VerificationReport {
        document: None,
        format: "ses",
        verdict,
        reason,
        seal_name: Some(info.name.clone()),
        seal_type: Some(info.seal_type.name()),
        seal_type_zh: Some(info.seal_type.chinese_name()),
        department: info.department.clone(),
        es_id: Some(info.es_id.clone()),
        signer: Some(certificate_subject(&sig.signer_cert)),
        signer_serial: certificate_serial_hex(&sig.signer_cert),
        authority: Some(seal.authority_subject()),
        signing_time: Some(format_time(claimed)),
        judged_at: format_time(judged_at),
        signing_time_source: source,
        time_stamp: None,
        document_digest_algorithm: document.algorithm,
        document_digest: document.hex(),
        checks: checks.list,
    }
}

pub mod build;

#[cfg(test)]
mod tests;
