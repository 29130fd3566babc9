//! Certificate serial numbers: 128-bit random, positive, written in hex as
//! `openssl x509 -serial` prints them.

use std::fmt;
use std::str::FromStr;

/// A certificate serial number (big-endian magnitude, no leading zero bytes).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Serial(Vec<u8>);

/// Why a serial string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SerialError {
    #[error("`{0}` is not a hex serial number")]
    NotHex(String),
    #[error("serial number `{0}` is longer than 20 octets")]
    TooLong(String),
    #[error("serial number must not be zero")]
    Zero,
}

impl Serial {
    /// A fresh serial from 16 random bytes: the top bit is cleared so the INTEGER is positive
    /// without padding, and the next bit set so it always has the full 127-bit length.
    pub fn from_random(mut bytes: [u8; 16]) -> Serial {
        bytes[0] = (bytes[0] & 0x7f) | 0x40;
        Serial(bytes.to_vec())
    }

    /// From big-endian bytes as they appear in a certificate's INTEGER (sign byte allowed).
    pub fn from_be_bytes(bytes: &[u8]) -> Result<Serial, SerialError> {
        let trimmed: Vec<u8> = bytes.iter().copied().skip_while(|b| *b == 0).collect();
        if trimmed.is_empty() {
            return Err(SerialError::Zero);
        }
        if trimmed.len() > 20 {
            return Err(SerialError::TooLong(hex::encode_upper(bytes)));
        }
        Ok(Serial(trimmed))
    }

    /// The magnitude bytes (no sign byte).
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The DER INTEGER content (a 0x00 sign byte when the top bit is set).
    pub fn der_content(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.0.len() + 1);
        if self.0.first().is_some_and(|b| b & 0x80 != 0) {
            out.push(0);
        }
        out.extend_from_slice(&self.0);
        out
    }

    /// Upper-case hex, as the store keys serials and `openssl x509 -serial` prints them.
    pub fn to_hex(&self) -> String {
        hex::encode_upper(&self.0)
    }
}

impl fmt::Display for Serial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl FromStr for Serial {
    type Err = SerialError;

    /// Accepts hex in any case, with colons and an optional `0x` prefix.
    fn from_str(s: &str) -> Result<Serial, SerialError> {
        let t = s.trim();
        let t = t
            .strip_prefix("0x")
            .or_else(|| t.strip_prefix("0X"))
            .unwrap_or(t);
        let mut clean: String = t.chars().filter(|c| *c != ':').collect();
        if clean.is_empty() || !clean.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(SerialError::NotHex(s.to_string()));
        }
        if clean.len() % 2 == 1 {
            clean.insert(0, '0');
        }
        let bytes = hex::decode(&clean).map_err(|_| SerialError::NotHex(s.to_string()))?;
        Serial::from_be_bytes(&bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_serials_are_positive_and_full_length() {
        let s = Serial::from_random([0xff; 16]);
        assert_eq!(s.as_bytes()[0], 0x7f);
        assert_eq!(s.der_content().len(), 16);
        let s = Serial::from_random([0; 16]);
        assert_eq!(s.as_bytes().len(), 16);
    }

    #[test]
    fn parses_openssl_forms() {
        let a: Serial = "4A:0b:ff".parse().unwrap();
        let b: Serial = "4a0bff".parse().unwrap();
        assert_eq!(a, b);
        assert_eq!(a.to_hex(), "4A0BFF");
        let c: Serial = "00ABC".parse().unwrap();
        assert_eq!(c.to_hex(), "0ABC");
        assert!("xyz".parse::<Serial>().is_err());
        assert!("00".parse::<Serial>().is_err());
        assert!("".parse::<Serial>().is_err());
        assert!("aa".repeat(21).parse::<Serial>().is_err());
    }

    #[test]
    fn sign_byte_added_for_high_bit() {
        let s: Serial = "80".parse().unwrap();
        assert_eq!(s.der_content(), vec![0, 0x80]);
    }
}
