//! What `seal show` says about a `.p7s` signature file: [`SignatureSummary`], the signer, the
//! signed attributes, the certificates and the embedded time-stamp's claim, unverified.
//!
//! It sits above [`super::cms`] and [`super::timestamp`] (it reads a time-stamp token out of a
//! signature), so that `cms` need not import `timestamp`, which imports `cms`.

use super::cms::SignatureFile;
use super::seal::{Seal, SealSummary};
use super::{certificate_subject, format_time, signer, timestamp};

impl SignatureFile {
    /// A summary for `seal show` on a `.p7s`.
    pub fn summary(&self) -> SignatureSummary {
        let signer = self.signer();
        let attrs = signer.signed_attributes.as_ref();
        SignatureSummary {
            signer: self.signer_certificate(signer).map(certificate_subject),
            digest_algorithm: signer::algorithm_name(&signer.digest_algorithm.oid),
            signature_algorithm: signer::algorithm_name(&signer.signature_algorithm.oid),
            signing_time: attrs.and_then(|a| a.signing_time).map(format_time),
            message_digest: attrs
                .and_then(|a| a.message_digest.as_ref())
                .map(hex::encode),
            signed_attributes: attrs
                .map(|a| {
                    let mut names = Vec::new();
                    if a.content_type.is_some() {
                        names.push("contentType".to_string());
                    }
                    if a.message_digest.is_some() {
                        names.push("messageDigest".to_string());
                    }
                    if a.signing_time.is_some() {
                        names.push("signingTime".to_string());
                    }
                    if a.signing_certificate_v2.is_some() {
                        names.push("signingCertificateV2".to_string());
                    }
                    if a.seal.is_some() {
                        names.push("seal".to_string());
                    }
                    names.extend(a.other_types.iter().cloned());
                    names
                })
                .unwrap_or_default(),
            certificates: self
                .certificates
                .iter()
                .map(|c| certificate_subject(c))
                .collect(),
            crls: self.crls.len(),
            signers: self.signers.len(),
            detached: !self.has_content,
            time_stamp: signer.has_time_stamp_token,
            time_stamp_claim: signer.time_stamp_token.as_deref().map(|t| {
                match timestamp::parse_token(t) {
                    Ok(token) => format!(
                        "genTime {} by {} (not verified: `seal verify` does)",
                        format_time(token.info.gen_time),
                        token
                            .signed
                            .signer_certificate(token.signed.signer())
                            .map(certificate_subject)
                            .unwrap_or_else(|| "an unknown TSA".into())
                    ),
                    Err(e) => format!("unreadable: {e}"),
                }
            }),
            seal: self.seal().map(Seal::summary),
        }
    }
}

/// What `seal show` prints about a signature file.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SignatureSummary {
    pub signer: Option<String>,
    pub digest_algorithm: String,
    pub signature_algorithm: String,
    pub signing_time: Option<String>,
    pub message_digest: Option<String>,
    pub signed_attributes: Vec<String>,
    pub certificates: Vec<String>,
    pub crls: usize,
    pub signers: usize,
    pub detached: bool,
    pub time_stamp: bool,
    /// What the embedded time-stamp token says, unverified.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_stamp_claim: Option<String>,
    /// None: the signature carries no seal.
    pub seal: Option<SealSummary>,
}

impl std::fmt::Display for SignatureSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "signer:        {}",
            self.signer
                .as_deref()
                .unwrap_or("(certificate not in the signature)")
        )?;
        writeln!(
            f,
            "signing time:  {} (claimed by the signer)",
            self.signing_time.as_deref().unwrap_or("(none)")
        )?;
        writeln!(
            f,
            "algorithms:    {} / {}",
            self.digest_algorithm, self.signature_algorithm
        )?;
        if let Some(d) = &self.message_digest {
            writeln!(f, "doc digest:    {d}")?;
        }
        writeln!(f, "attributes:    {}", self.signed_attributes.join(", "))?;
        for c in &self.certificates {
            writeln!(f, "certificate:   {c}")?;
        }
        if self.crls > 0 {
            writeln!(f, "crls:          {}", self.crls)?;
        }
        if let Some(t) = &self.time_stamp_claim {
            writeln!(f, "time-stamp:    {t}")?;
        }
        if self.signers > 1 {
            writeln!(
                f,
                "signers:       {} (only the first is shown)",
                self.signers
            )?;
        }
        match &self.seal {
            Some(seal) => write!(f, "{seal}"),
            None => writeln!(f, "seal:          no seal"),
        }
    }
}
