//! The one reader of CRL DER (RFC 5280 §5.1): x509-parser's parse plus the checks every
//! consumer needs, so that `cert verify`, path checks, `seal verify` and `crl show` judge the
//! same bytes the same way. It does not verify the signature or judge times: callers do.

use x509_parser::prelude::FromDer;
use x509_parser::revocation_list::CertificateRevocationList;

/// Why CRL DER was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CrlReadError {
    /// x509-parser could not read a `CertificateList`.
    #[error("{0}")]
    Malformed(String),
    /// Bytes follow the `CertificateList`.
    #[error("{0} trailing bytes")]
    Trailing(usize),
    /// A version is present and is not v2 (RFC 5280 §5.1.2.1: "if present, MUST be v2").
    #[error("unsupported CRL version {0}")]
    Version(u32),
    /// The strict DER reader (x509-cert) refused what x509-parser tolerated (issue #9).
    #[error("not DER: {0}")]
    NotDer(String),
}

/// Parses one CRL in DER: exactly one `CertificateList`, nothing after it, version absent or
/// v2.
pub fn parse_crl(der: &[u8]) -> Result<CertificateRevocationList<'_>, CrlReadError> {
    let (rest, crl) = CertificateRevocationList::from_der(der)
        .map_err(|e| CrlReadError::Malformed(e.to_string()))?;
    if !rest.is_empty() {
        return Err(CrlReadError::Trailing(rest.len()));
    }
    if let Some(v) = crl.version()
        && v.0 != 1
    {
        return Err(CrlReadError::Version(v.0));
    }
    // Strict gate: the validator's CRL reader (DER only, v1 and v2, extensions decoded), plus
    // the value checks openssl makes on algorithm parameters and name values.
    let strict =
        crate::pkix::crl::Crl::from_der(der).map_err(|e| CrlReadError::NotDer(e.to_string()))?;
    use crate::ca::input::{check_alg_params, check_name_values};
    check_alg_params(&strict.sig_alg)
        .and_then(|()| check_alg_params(&strict.tbs_sig_alg))
        .and_then(|()| check_name_values(&strict.issuer))
        .map_err(CrlReadError::NotDer)?;
    Ok(crl)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::tlv::{seq, tlv};

    /// A minimal unsigned `CertificateList` (x509-parser does not check the signature).
    fn crl_der(version: Option<u8>) -> Vec<u8> {
        // ecdsa-with-SHA256
        let alg = seq(&[&tlv(
            0x06,
            &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02],
        )]);
        let version = version.map(|v| tlv(0x02, &[v])).unwrap_or_default();
        let tbs = seq(&[&version, &alg, &seq(&[]), &tlv(0x17, b"250101000000Z")]);
        seq(&[&tbs, &alg, &tlv(0x03, &[0x00, 0x01])])
    }

    #[test]
    fn reads_a_crl_and_refuses_trailing_bytes_and_garbage() {
        let der = crl_der(Some(1));
        parse_crl(&der).unwrap();
        parse_crl(&crl_der(None)).unwrap();
        assert_eq!(
            parse_crl(&crl_der(Some(2))).unwrap_err(),
            CrlReadError::Version(2)
        );
        let mut long = der.clone();
        long.push(0);
        assert_eq!(parse_crl(&long).unwrap_err(), CrlReadError::Trailing(1));
        assert!(matches!(
            parse_crl(&der[..der.len() - 1]),
            Err(CrlReadError::Malformed(_))
        ));
    }
}
