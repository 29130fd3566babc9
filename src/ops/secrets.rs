//! Passphrases and randomness, as explicit inputs of the operations.
//!
//! An operation never reads a terminal: where a key's passphrase comes from is a
//! [`Passphrase`] the front end chose, and asking a person is a [`Prompt`] it supplies (the CLI
//! asks on the terminal; the service has none). The passphrase is asked for only when the key
//! turns out to be encrypted, and only after the operation has refused what it can refuse
//! without the key.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use zeroize::Zeroizing;

use crate::ca::keys::{KeyError, PrivateKey};
use crate::store::files;

/// Where an existing key's passphrase comes from.
#[derive(Clone)]
pub enum Passphrase {
    /// The first line of this file.
    File(PathBuf),
    /// Already known (the service, or a passphrase read once for several keys).
    Value(Zeroizing<String>),
    /// Ask through the [`Prompt`]; `flag` names the option that would have supplied a file.
    Ask { flag: &'static str },
}

impl std::fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Passphrase::File(p) => write!(f, "File({})", p.display()),
            Passphrase::Value(_) => f.write_str("Value(..)"),
            Passphrase::Ask { flag } => write!(f, "Ask({flag})"),
        }
    }
}

impl Passphrase {
    /// A file if given, else ask, naming `flag` when there is no one to ask.
    pub fn file_or_ask(file: Option<&Path>, flag: &'static str) -> Passphrase {
        match file {
            Some(f) => Passphrase::File(f.to_path_buf()),
            None => Passphrase::Ask { flag },
        }
    }
}

/// Asks a person for a passphrase. The CLI's asks on the terminal; [`NoPrompt`] never can.
pub trait Prompt: Sync {
    /// Asks for the passphrase of the existing key at `key_path`; `flag` names the option
    /// that supplies it from a file, for the error when there is no one to ask.
    fn existing(&self, key_path: &Path, flag: &str) -> Result<Zeroizing<String>, KeyError>;
}

/// A front end with no person to ask (the service, tests).
pub struct NoPrompt;

impl Prompt for NoPrompt {
    fn existing(&self, key_path: &Path, flag: &str) -> Result<Zeroizing<String>, KeyError> {
        Err(KeyError::NoPassphrase(format!(
            "`{}` is encrypted and there is no terminal to ask for its passphrase; pass {flag} F",
            key_path.display()
        )))
    }
}

/// Reads a passphrase file: the first line, without its line ending.
pub fn read_passphrase_file(path: &Path) -> anyhow::Result<Zeroizing<String>> {
    let bytes = Zeroizing::new(
        files::read_limited(path, 64 * 1024)
            .with_context(|| format!("reading passphrase file `{}`", path.display()))?,
    );
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| anyhow::anyhow!("passphrase file `{}` is not UTF-8", path.display()))?;
    let line = text.strip_suffix('\n').unwrap_or(text);
    let line = line.strip_suffix('\r').unwrap_or(line);
    if line.is_empty() {
        bail!("passphrase file `{}` is empty", path.display());
    }
    Ok(Zeroizing::new(line.to_string()))
}

/// Resolves a passphrase for the key at `key_path`.
pub fn resolve(
    source: &Passphrase,
    key_path: &Path,
    prompt: &dyn Prompt,
) -> Result<Zeroizing<String>, KeyError> {
    match source {
        Passphrase::File(f) => {
            read_passphrase_file(f).map_err(|e| KeyError::NoPassphrase(format!("{e:#}")))
        }
        Passphrase::Value(v) => Ok(v.clone()),
        Passphrase::Ask { flag } => prompt.existing(key_path, flag),
    }
}

/// Loads a private key file, resolving its passphrase only if it is encrypted.
pub fn load_key(
    path: &Path,
    passphrase: &Passphrase,
    prompt: &dyn Prompt,
) -> anyhow::Result<PrivateKey> {
    let bytes = Zeroizing::new(super::common::read_file(path, "private key")?);
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| anyhow::anyhow!("reading private key `{}`: not PEM text", path.display()))?;
    PrivateKey::from_pem(text, || resolve(passphrase, path, prompt))
        .with_context(|| format!("unlocking private key `{}`", path.display()))
}

/// A source of random bytes for serials, salts and IVs. Injectable so that tests can make the
/// operations deterministic; [`SystemRandom`] is the operating system's generator.
pub trait Random: Sync {
    fn fill(&self, out: &mut [u8]) -> anyhow::Result<()>;
}

/// The operating system's cryptographic random generator.
pub struct SystemRandom;

impl Random for SystemRandom {
    fn fill(&self, out: &mut [u8]) -> anyhow::Result<()> {
        ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), out)
            .map_err(|_| anyhow::anyhow!("the system random generator failed"))
    }
}

/// Sixteen random bytes.
pub fn random16(rng: &dyn Random) -> anyhow::Result<[u8; 16]> {
    let mut bytes = [0u8; 16];
    rng.fill(&mut bytes)?;
    Ok(bytes)
}

/// The fewest characters a new passphrase may have. A passphrase here protects a file (a key,
/// a PKCS#12) that whoever copies it can attack offline, with no rate limit and at the
/// attacker's speed: NIST SP 800-63B's 8 characters are for online, throttled secrets, and 12 is
/// the usual floor for offline-attacked ones (it also keeps a zxcvbn score of 3 meaningful,
/// since short random strings score high on brute-force estimates alone).
pub const MIN_PASSPHRASE_CHARS: usize = 12;

/// The lowest zxcvbn score accepted: 3, "safely unguessable" (about 10^10 guesses: moderate
/// protection against an offline attack on a slow hash, which scrypt and PBKDF2 at 600,000
/// iterations are).
pub const MIN_PASSPHRASE_SCORE: u8 = 3;

/// zxcvbn reads at most this many characters (its matching is superlinear in the length; a
/// longer passphrase is judged on its start, which is then strong or not on its own).
const STRENGTH_CHARS_CHECKED: usize = 100;

/// Why a new passphrase was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Weakness {
    #[error("the passphrase is too short ({chars} characters; at least {MIN_PASSPHRASE_CHARS})")]
    TooShort { chars: usize },
    #[error("the passphrase is easy to guess (zxcvbn score {score} of 4, at least {MIN_PASSPHRASE_SCORE}){}", warning.as_ref().map(|w| format!(": {w}")).unwrap_or_default())]
    Guessable { score: u8, warning: Option<String> },
}

impl Weakness {
    /// What to do about it, for the hint line.
    pub fn hint(&self) -> &'static str {
        "use a longer passphrase of several unrelated words, or pass --allow-weak-passphrase to \
         keep this one"
    }
}

/// Checks a NEW passphrase (a CA key's, a generated key's, a PKCS#12 file's): at least
/// [`MIN_PASSPHRASE_CHARS`] characters and a zxcvbn score of at least
/// [`MIN_PASSPHRASE_SCORE`] (common passwords, words, names, dates, keyboard walks and
/// repetitions score low). Existing keys' passphrases are never checked: they are what they are.
pub fn check_strength(passphrase: &str) -> std::result::Result<(), Weakness> {
    let chars = passphrase.chars().count();
    if chars < MIN_PASSPHRASE_CHARS {
        return Err(Weakness::TooShort { chars });
    }
    let checked: Zeroizing<String> =
        Zeroizing::new(passphrase.chars().take(STRENGTH_CHARS_CHECKED).collect());
    let entropy = zxcvbn::zxcvbn(&checked, &[]);
    let score = u8::from(entropy.score());
    if score < MIN_PASSPHRASE_SCORE {
        return Err(Weakness::Guessable {
            score,
            warning: entropy
                .feedback()
                .and_then(|f| f.warning())
                .map(|w| w.to_string()),
        });
    }
    Ok(())
}

#[cfg(test)]
mod strength_tests {
    use super::*;

    #[test]
    fn short_passphrases_are_refused_by_length_in_characters() {
        assert_eq!(
            check_strength("Tr0ub4dor&3"),
            Err(Weakness::TooShort { chars: 11 })
        );
        // Characters, not bytes: eleven CJK characters are 33 bytes and still too short.
        assert_eq!(
            check_strength("连云港市人民政府信息中"),
            Err(Weakness::TooShort { chars: 11 })
        );
    }

    #[test]
    fn long_but_common_passphrases_are_refused() {
        for weak in [
            "passwordpassword",
            "123456789012",
            "qwertyuiopasdf",
            "aaaaaaaaaaaaaaaa",
            "iloveyou1234",
        ] {
            assert!(
                matches!(check_strength(weak), Err(Weakness::Guessable { .. })),
                "{weak} was accepted"
            );
        }
    }

    #[test]
    fn strong_passphrases_are_accepted() {
        for strong in [
            "correct horse battery staple",
            "Ca-Pa55-never-echo-7f3c1d",
            "连云港市人民政府信息中心口令",
        ] {
            assert_eq!(check_strength(strong), Ok(()), "{strong}");
        }
    }
}
