//! Writing a detached CMS `SignedData` ([`DocumentSigner`]) and adding a time-stamp token to
//! an existing one octet for octet ([`with_time_stamp_token`]).

use super::*;

pub(in crate::seal) fn oid_der(oid: &ObjectIdentifier) -> Vec<u8> {
    tlv(0x06, oid.as_bytes())
}

pub(in crate::seal) fn algorithm_identifier(oid: &ObjectIdentifier, null_params: bool) -> Vec<u8> {
    if null_params {
        seq(&[&oid_der(oid), &[0x05, 0x00]])
    } else {
        seq(&[&oid_der(oid)])
    }
}

pub(in crate::seal) fn attribute(oid: &ObjectIdentifier, value: &[u8]) -> Vec<u8> {
    seq(&[&oid_der(oid), &set_of(vec![value.to_vec()])])
}

pub(super) fn encode_err(what: &'static str) -> impl Fn(der::Error) -> SealError {
    move |source| SealError::Malformed { what, source }
}

/// `signingTime` value: UTCTime for 1950..=2049, GeneralizedTime otherwise (RFC 5652 §11.3).
pub(super) fn signing_time_der(t: OffsetDateTime) -> Result<Vec<u8>, SealError> {
    let spec_err = || SealError::Spec {
        field: "signing time",
        reason: format!("`{}` cannot be encoded", crate::seal::format_time(t)),
    };
    let secs = u64::try_from(t.unix_timestamp()).map_err(|_| spec_err())?;
    let d = std::time::Duration::from_secs(secs);
    if (1950..2050).contains(&t.year()) {
        UtcTime::from_unix_duration(d)
            .and_then(|u| u.to_der())
            .map_err(|_| spec_err())
    } else {
        GeneralizedTime::from_unix_duration(d)
            .and_then(|g| g.to_der())
            .map_err(|_| spec_err())
    }
}

/// Signs documents with one holder key, certificate and seal: the per-run work (key check,
/// certificate parsing, fixed attributes) is done once in [`DocumentSigner::new`], each
/// [`DocumentSigner::sign`] only adds the digest and time and signs. It is `Sync`: share it
/// across threads.
pub struct DocumentSigner<'a> {
    signer: &'a dyn SealSigner,
    digest: DigestAlgorithm,
    sid: Vec<u8>,
    certificates: Vec<u8>,
    crls: Option<Vec<u8>>,
    fixed_attributes: Vec<Vec<u8>>,
}

impl std::fmt::Debug for DocumentSigner<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DocumentSigner")
            .field("algorithm", &self.signer.algorithm())
            .field("digest", &self.digest)
            .finish_non_exhaustive()
    }
}

impl<'a> DocumentSigner<'a> {
    /// Prepares signing with `signer`, whose certificate is `signer_cert` (DER). `chain` holds
    /// further certificates to embed (intermediates, and the root if wanted), `crls` CRLs to
    /// embed (DER), and `seal` the seal to carry (None makes a plain CAdES signature, which
    /// `seal verify` judges invalid: use it for tests and tools only).
    ///
    /// Errors: an unparsable certificate, a key that is not the certificate's, or an SM2 key
    /// (a GB/T 35275 `SignedData` is not written; SM2 holders make `SES_Signature`s).
    pub fn new(
        signer: &'a dyn SealSigner,
        signer_cert: &[u8],
        chain: &[Vec<u8>],
        crls: &[Vec<u8>],
        seal: Option<&Seal>,
    ) -> Result<Self, SealError> {
        if signer.algorithm() == signer::SignatureAlgorithm::Sm2Sm3 {
            // RFC 5652 with an SM3 digestAlgorithm is neither CAdES nor GB/T 35275 (other OIDs):
            // no verifier, ours included, would read it.
            return Err(SealError::Spec {
                field: "signer key",
                reason: "a CMS (.p7s) signature with an SM2 key is not offered: an SM2 holder makes a GB/T 38540 SES_Signature".into(),
            });
        }
        let cert = parse_certificate("signer", signer_cert)?;
        if !signer::key_matches_certificate(signer, signer_cert)? {
            return Err(SealError::KeyMismatch {
                subject: crate::ca::dn::display_name(cert.subject()),
            });
        }
        let sid = seq(&[cert.issuer().as_raw(), &tlv(0x02, cert.raw_serial())]);

        let mut all = vec![signer_cert.to_vec()];
        for c in chain {
            parse_certificate("chain", c)?;
            if !all.contains(c) {
                all.push(c.clone());
            }
        }
        let certificates = {
            let mut sorted = all;
            sorted.sort();
            tlv(0xA0, &sorted.concat())
        };
        let crls = if crls.is_empty() {
            None
        } else {
            for c in crls {
                check_one_tlv(c, 0x30).map_err(encode_err("CRL"))?;
            }
            let mut sorted = crls.to_vec();
            sorted.sort();
            sorted.dedup();
            Some(tlv(0xA1, &sorted.concat()))
        };

        // RFC 5035 ESSCertIDv2 with hashAlgorithm omitted: SHA-256 is its DEFAULT, and DER
        // leaves out default values (X.690 §11.5).
        let cert_hash = DigestAlgorithm::Sha256.digest(signer_cert);
        let ess_cert_id = seq(&[&tlv(0x04, &cert_hash)]);
        let signing_certificate_v2 = seq(&[&seq(&[&ess_cert_id])]);
        let mut fixed_attributes = vec![
            attribute(&oid::CONTENT_TYPE, &oid_der(&oid::ID_DATA)),
            attribute(&oid::SIGNING_CERTIFICATE_V2, &signing_certificate_v2),
        ];
        if let Some(seal) = seal {
            fixed_attributes.push(attribute(&OID_SEAL_ATTRIBUTE, seal.to_der()));
        }
        Ok(Self {
            signer,
            digest: signer.algorithm().digest(),
            sid,
            certificates,
            crls,
            fixed_attributes,
        })
    }

    /// The digest algorithm documents must be hashed with for this signer.
    pub fn digest_algorithm(&self) -> DigestAlgorithm {
        self.digest
    }

    /// Makes the DER `.p7s` for a document whose digest (in [`Self::digest_algorithm`]) is
    /// `document_digest`, claiming `signing_time`.
    pub fn sign(
        &self,
        document_digest: &[u8],
        signing_time: OffsetDateTime,
    ) -> Result<Vec<u8>, SealError> {
        if document_digest.len() != self.digest.output_len() {
            return Err(SealError::Spec {
                field: "document digest",
                reason: format!(
                    "{} octets given, {} needs {}",
                    document_digest.len(),
                    self.digest,
                    self.digest.output_len()
                ),
            });
        }
        let mut attrs = self.fixed_attributes.clone();
        attrs.push(attribute(&oid::MESSAGE_DIGEST, &tlv(0x04, document_digest)));
        attrs.push(attribute(
            &oid::SIGNING_TIME,
            &signing_time_der(signing_time)?,
        ));
        // RFC 5652 §5.4: the signature covers the DER of the attributes as a SET OF, and the
        // SignerInfo carries the same octets under [0] IMPLICIT.
        let mut signed_attrs = set_of(attrs);
        let signature = self.signer.sign(&signed_attrs)?;
        signed_attrs[0] = 0xA0;

        let alg = self.signer.algorithm();
        let digest_alg = algorithm_identifier(&self.digest.oid(), false);
        let signer_info = seq(&[
            &[0x02, 0x01, 0x01],
            &self.sid,
            &digest_alg,
            &signed_attrs,
            &algorithm_identifier(&self.signer.algorithm_oid(), alg.has_null_parameters()),
            &tlv(0x04, &signature),
        ]);
        let encap = seq(&[&oid_der(&oid::ID_DATA)]);
        let crls = self.crls.as_deref().unwrap_or(&[]);
        let signed_data = seq(&[
            &[0x02, 0x01, 0x01],
            &set_of(vec![digest_alg.clone()]),
            &encap,
            &self.certificates,
            crls,
            &set_of(vec![signer_info]),
        ]);
        Ok(seq(&[
            &oid_der(&oid::ID_SIGNED_DATA),
            &tlv(0xA0, &signed_data),
        ]))
    }
}

/// The DER `.p7s` `input` with `token` (the DER of one `TimeStampToken`) as the unsigned
/// attribute `signatureTimeStampToken` of its first signer (CAdES-B-T, ETSI EN 319 122-1
/// §5.3). Everything else is kept octet for octet, so the signature still verifies. An existing
/// time-stamp of that signer is an error unless `replace`, which drops it.
pub fn with_time_stamp_token(
    input: &[u8],
    token: &[u8],
    replace: bool,
) -> Result<Vec<u8>, SealError> {
    let m = malformed_p7s;
    check_one_tlv(token, 0x30).map_err(|source| SealError::Malformed {
        what: "time-stamp token",
        source,
    })?;
    let mut top = Parser::new(input);
    let content_info = top.expect(0x30).map_err(m)?;
    top.finish().map_err(m)?;
    let mut ci = Parser::new(content_info.value);
    let ct = ci.expect(0x06).map_err(m)?;
    if parse_oid(ct).map_err(m)? != oid::ID_SIGNED_DATA {
        return Err(invalid_p7s("the content type is not SignedData"));
    }
    let explicit = ci.expect(0xA0).map_err(m)?;
    ci.finish().map_err(m)?;
    let mut outer = Parser::new(explicit.value);
    let sd = outer.expect(0x30).map_err(m)?;
    outer.finish().map_err(m)?;

    let mut sp = Parser::new(sd.value);
    let mut sd_parts: Vec<Vec<u8>> = Vec::new();
    let mut done = false;
    while !sp.is_empty() {
        let t = sp.next().map_err(m)?;
        if t.tag == 0x31 && sp.is_empty() && !sd_parts.is_empty() {
            // signerInfos: the first signer gets the token; the SET keeps its order (the
            // first signer stays first, as `SignatureFile::signer` reads it).
            let mut ip = Parser::new(t.value);
            let mut infos: Vec<Vec<u8>> = Vec::new();
            while !ip.is_empty() {
                let info = ip.expect(0x30).map_err(m)?;
                if infos.is_empty() {
                    infos.push(signer_info_with_token(info, token, replace)?);
                } else {
                    infos.push(info.raw.to_vec());
                }
            }
            if infos.is_empty() {
                return Err(invalid_p7s("no signer"));
            }
            sd_parts.push(tlv(0x31, &infos.concat()));
            done = true;
        } else {
            sd_parts.push(t.raw.to_vec());
        }
    }
    if !done {
        return Err(invalid_p7s("no signerInfos"));
    }
    let signed_data = tlv(0x30, &sd_parts.concat());
    Ok(seq(&[ct.raw, &tlv(0xA0, &signed_data)]))
}

pub(super) fn signer_info_with_token(
    info: Tlv<'_>,
    token: &[u8],
    replace: bool,
) -> Result<Vec<u8>, SealError> {
    let m = malformed_p7s;
    let mut p = Parser::new(info.value);
    let mut parts: Vec<&[u8]> = Vec::new();
    let mut unsigned: Vec<Vec<u8>> = Vec::new();
    while !p.is_empty() {
        let t = p.next().map_err(m)?;
        if t.tag == 0xA1 && p.is_empty() {
            let mut up = Parser::new(t.value);
            while !up.is_empty() {
                let attr = up.expect(0x30).map_err(m)?;
                let mut ap = Parser::new(attr.value);
                let oid_tlv = ap.expect(0x06).map_err(m)?;
                if oid_tlv.value == oid::SIGNATURE_TIME_STAMP_TOKEN.as_bytes() {
                    if !replace {
                        return Err(invalid_p7s("the signature already carries a time-stamp"));
                    }
                } else {
                    unsigned.push(attr.raw.to_vec());
                }
            }
        } else {
            parts.push(t.raw);
        }
    }
    unsigned.push(attribute(&oid::SIGNATURE_TIME_STAMP_TOKEN, token));
    let mut attrs = set_of(unsigned);
    // unsignedAttrs [1] IMPLICIT SET OF Attribute (RFC 5652 §5.3).
    attrs[0] = 0xA1;
    parts.push(&attrs);
    Ok(tlv(0x30, &parts.concat()))
}
