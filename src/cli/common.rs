//! Helpers shared by the command modules: reading inputs, passphrases, unlocking the CA key,
//! fresh serials, and the local actor's name.

use std::io::IsTerminal;
use std::path::Path;

use anyhow::{Context as _, Result, bail};
use zeroize::Zeroizing;

use super::hinted;
use crate::ca::keys::{KeyError, PrivateKey};
use crate::ca::serial::Serial;
use crate::ops::secrets::{self, NoPrompt, Passphrase, Prompt, SystemRandom};
use crate::store::Store;

pub use crate::ops::common::{
    INPUT_LIMIT, OpenCa, cert_pem, check_output_free, create_out_dir, read_cert, read_certs,
    read_file, spki_of, write_output, write_output_deferred,
};
pub use crate::ops::secrets::read_passphrase_file;

/// The CLI's way of asking a person: a prompt on the terminal, when there is one.
pub struct TerminalPrompt;

/// The prompt every command uses.
pub static TERMINAL: TerminalPrompt = TerminalPrompt;

impl Prompt for TerminalPrompt {
    fn existing(
        &self,
        key_path: &Path,
        flag: &str,
    ) -> std::result::Result<Zeroizing<String>, KeyError> {
        if !std::io::stdin().is_terminal() {
            return NoPrompt.existing(key_path, flag);
        }
        rpassword::prompt_password(format!("passphrase for `{}`: ", key_path.display()))
            .map(Zeroizing::new)
            .map_err(|e| KeyError::NoPassphrase(e.to_string()))
    }
}

/// The CA key's passphrase option, shared by every verb that signs with the CA key.
#[derive(Debug, clap::Args)]
pub struct CaKeyArgs {
    /// File holding the CA key's passphrase
    #[arg(long, value_name = "FILE")]
    pub passphrase_file: Option<std::path::PathBuf>,
}

impl CaKeyArgs {
    /// Where the CA key's passphrase comes from: the file, else the terminal.
    pub fn passphrase(&self) -> Passphrase {
        ca_passphrase(self.passphrase_file.as_deref())
    }
}

/// The CA key's passphrase source: `--passphrase-file`, else the terminal.
pub fn ca_passphrase(file: Option<&Path>) -> Passphrase {
    Passphrase::file_or_ask(file, "--passphrase-file")
}

/// A fresh random serial from the system generator, not yet used in the store.
pub fn fresh_serial(store: &Store) -> Result<Serial> {
    crate::ops::common::fresh_serial(store, &SystemRandom)
}

/// Random bytes for salts and IVs, from the system generator.
pub fn random16() -> Result<[u8; 16]> {
    crate::ops::secrets::random16(&SystemRandom)
}

/// How one verb spells and explains the passphrase options of a key it generates: the flags'
/// names differ between verbs (`--passphrase-file` for `ca init` and `csr create`,
/// `--key-passphrase-file` for `cert issue`, whose `--passphrase-file` is the CA key's) and so
/// does each `--help` line.
pub trait NewKeySpelling {
    /// The file option's long name (its clap id too: the verb may have a `passphrase_file`
    /// field of its own, the CA key's).
    const FILE_FLAG: &'static str;
    const FILE_HELP: &'static str;
    /// The explicit-consent option's long name (and clap id).
    const NONE_FLAG: &'static str;
    const NONE_HELP: &'static str;
}

/// The passphrase options of a key a verb generates: a file, or explicit consent to write it
/// unencrypted, else a prompt on a terminal ([`NewKeyArgs::protection`]).
#[derive(Debug, clap::Args)]
pub struct NewKeyArgs<S: NewKeySpelling + Send + Sync + 'static> {
    #[arg(id = S::FILE_FLAG, long = S::FILE_FLAG, value_name = "FILE", help = S::FILE_HELP)]
    pub passphrase_file: Option<std::path::PathBuf>,
    #[arg(id = S::NONE_FLAG, long = S::NONE_FLAG, help = S::NONE_HELP)]
    pub no_passphrase: bool,
    /// Keep a new passphrase that fails the strength check (at least 12 characters, not easy to
    /// guess); where the act is audited, its record says so
    #[arg(long)]
    pub allow_weak_passphrase: bool,
    #[arg(skip)]
    spelling: std::marker::PhantomData<S>,
}

impl<S: NewKeySpelling + Send + Sync + 'static> NewKeyArgs<S> {
    /// Whether either option was given.
    pub fn given(&self) -> bool {
        self.passphrase_file.is_some() || self.no_passphrase
    }

    /// The file flag as typed, for messages (`--key-passphrase-file`).
    pub fn file_flag() -> String {
        format!("--{}", S::FILE_FLAG)
    }

    /// The consent flag as typed, for messages (`--no-key-passphrase`).
    pub fn none_flag() -> String {
        format!("--{}", S::NONE_FLAG)
    }

    /// How the key is protected; `what` names it in the prompt and errors ("new CA key").
    pub fn protection(&self, what: &str) -> Result<NewKeyProtection> {
        new_key_protection(
            self.passphrase_file.as_deref(),
            self.no_passphrase,
            &Self::file_flag(),
            &Self::none_flag(),
            what,
            self.allow_weak_passphrase,
        )
    }
}

/// Where a passphrase for a new key comes from.
#[derive(Debug, Clone)]
pub enum NewKeyProtection {
    /// Encrypted under this passphrase; `weak_allowed` when it failed the strength check and
    /// `--allow-weak-passphrase` kept it (the act's audit record says so).
    Passphrase {
        value: Zeroizing<String>,
        weak_allowed: bool,
    },
    None,
}

impl NewKeyProtection {
    /// The operation's protection of the key, from the CLI's answer.
    pub fn key_protection(&self) -> crate::ops::issue::KeyProtection {
        match self {
            NewKeyProtection::Passphrase { value, .. } => {
                crate::ops::issue::KeyProtection::Passphrase(value.clone())
            }
            NewKeyProtection::None => crate::ops::issue::KeyProtection::Unencrypted,
        }
    }

    /// Whether a weak passphrase was kept with `--allow-weak-passphrase`.
    pub fn weak_allowed(&self) -> bool {
        matches!(
            self,
            NewKeyProtection::Passphrase {
                weak_allowed: true,
                ..
            }
        )
    }
}

/// How many times a terminal asks for a new passphrase before giving up.
const NEW_PASSPHRASE_TRIES: usize = 3;

/// A new passphrase (for a key or a PKCS#12 file) from `file`, else asked twice on a terminal,
/// and checked for strength ([`secrets::check_strength`]). On a terminal a mismatched
/// confirmation or a weak passphrase asks again, up to three times; from a file nothing is
/// asked. A weak passphrase is refused unless `allow_weak`; the answer's second part says
/// whether the override was used.
pub fn new_passphrase(
    file: Option<&Path>,
    what: &str,
    allow_weak: bool,
    no_source_hint: &str,
) -> Result<(Zeroizing<String>, bool)> {
    let refuse = |w: secrets::Weakness| hinted(format!("{w}"), w.hint());
    if let Some(f) = file {
        let value = read_passphrase_file(f)?;
        return match secrets::check_strength(&value) {
            Ok(()) => Ok((value, false)),
            Err(_) if allow_weak => Ok((value, true)),
            Err(w) => Err(refuse(w).context(format!(
                "the passphrase in `{}` for the {what}",
                f.display()
            ))),
        };
    }
    if !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
        return Err(hinted(
            format!("no passphrase source for the {what}, and no terminal to ask on"),
            no_source_hint.to_string(),
        ));
    }
    let mut retry = String::new();
    let mut last = None;
    for _ in 0..NEW_PASSPHRASE_TRIES {
        let first = Zeroizing::new(
            rpassword::prompt_password(format!("{retry}passphrase for the {what}: "))
                .context("reading the passphrase")?,
        );
        if first.is_empty() {
            bail!("the passphrase is empty");
        }
        let weak = match secrets::check_strength(&first) {
            Ok(()) => false,
            Err(_) if allow_weak => true,
            Err(w) => {
                retry = format!("{w}\n");
                last = Some(refuse(w));
                continue;
            }
        };
        let second = Zeroizing::new(
            rpassword::prompt_password("again: ").context("reading the passphrase")?,
        );
        if *first != *second {
            retry = "the passphrases do not match\n".into();
            last = Some(anyhow::anyhow!("the passphrases do not match"));
            continue;
        }
        return Ok((first, weak));
    }
    Err(last
        .unwrap_or_else(|| anyhow::anyhow!("no passphrase"))
        .context(format!("{NEW_PASSPHRASE_TRIES} tries")))
}

/// Resolves the passphrase for a key about to be written: a file, `--no-...` (explicit), or a
/// prompt with confirmation on a terminal, checked for strength unless `allow_weak`. A
/// non-terminal without a source is an error naming both flags (DESIGN §2).
pub fn new_key_protection(
    file: Option<&Path>,
    no_passphrase: bool,
    file_flag: &str,
    none_flag: &str,
    what: &str,
    allow_weak: bool,
) -> Result<NewKeyProtection> {
    match (file, no_passphrase) {
        (Some(_), true) => bail!("{file_flag} and {none_flag} cannot be used together"),
        (None, true) => Ok(NewKeyProtection::None),
        (file, false) => {
            let (value, weak_allowed) = new_passphrase(
                file,
                what,
                allow_weak,
                &format!(
                    "pass {file_flag} F to encrypt it, or {none_flag} to write it unencrypted"
                ),
            )?;
            Ok(NewKeyProtection::Passphrase {
                value,
                weak_allowed,
            })
        }
    }
}

/// Asks for an existing key's passphrase: from a file, else a prompt on a terminal.
pub fn existing_passphrase(
    file: Option<&Path>,
    key_path: &Path,
    file_flag: &'static str,
) -> std::result::Result<Zeroizing<String>, KeyError> {
    secrets::resolve(
        &Passphrase::file_or_ask(file, file_flag),
        key_path,
        &TERMINAL,
    )
}

/// Loads a private key file, asking for its passphrase only if it is encrypted.
pub fn load_key(path: &Path, passphrase_file: Option<&Path>) -> Result<PrivateKey> {
    load_key_with(path, passphrase_file, "--passphrase-file")
}

/// [`load_key`], naming `file_flag` as the passphrase source in errors.
pub fn load_key_with(
    path: &Path,
    passphrase_file: Option<&Path>,
    file_flag: &'static str,
) -> Result<PrivateKey> {
    secrets::load_key(
        path,
        &Passphrase::file_or_ask(passphrase_file, file_flag),
        &TERMINAL,
    )
}

/// Who is acting, for the audit log: the local user (an operator certificate, with policies).
pub fn local_actor() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".into());
    format!("local:{user}")
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, Parser};

    use super::*;

    #[derive(Debug)]
    struct KeySpelling;

    impl NewKeySpelling for KeySpelling {
        const FILE_FLAG: &'static str = "key-passphrase-file";
        const FILE_HELP: &'static str = "File for generated keys";
        const NONE_FLAG: &'static str = "no-key-passphrase";
        const NONE_HELP: &'static str = "Unencrypted generated keys";
    }

    /// A verb with the CA key's `--passphrase-file` beside a generated key's options.
    #[derive(Debug, Parser)]
    struct Verb {
        #[command(flatten)]
        ca_key: CaKeyArgs,
        #[command(flatten)]
        key: NewKeyArgs<KeySpelling>,
    }

    #[test]
    fn a_new_key_group_takes_its_verbs_spelling_beside_the_ca_key_option() {
        Verb::command().debug_assert();
        let v = Verb::try_parse_from([
            "verb",
            "--passphrase-file",
            "ca.pass",
            "--key-passphrase-file",
            "key.pass",
        ])
        .unwrap();
        assert_eq!(v.ca_key.passphrase_file, Some("ca.pass".into()));
        assert_eq!(v.key.passphrase_file, Some("key.pass".into()));
        assert!(v.key.given() && !v.key.no_passphrase);
        let help = Verb::command().render_help().to_string();
        assert!(help.contains("--no-key-passphrase"), "{help}");
        assert!(help.contains("Unencrypted generated keys"), "{help}");
    }

    #[test]
    fn a_new_key_group_names_its_own_flags_in_errors() {
        let v = Verb::try_parse_from([
            "verb",
            "--key-passphrase-file",
            "key.pass",
            "--no-key-passphrase",
        ])
        .unwrap();
        let err = v.key.protection("generated keys").err().unwrap();
        assert_eq!(
            err.to_string(),
            "--key-passphrase-file and --no-key-passphrase cannot be used together"
        );
        let none = Verb::try_parse_from(["verb", "--no-key-passphrase"]).unwrap();
        assert!(matches!(
            none.key.protection("generated keys").unwrap(),
            NewKeyProtection::None
        ));
    }
}
