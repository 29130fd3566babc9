//! The application layer: one module per use case, under every front end (the CLI today, the
//! service next).
//!
//! An operation takes explicit inputs (the home, `now`, the actor, a [`Random`], how to get a
//! passphrase) and returns typed results or an [`Error`] with an optional hint. It prints
//! nothing, reads no environment variable and no terminal, and never reads the clock: the
//! front end reads it once and passes it down. Only the store and the output files it is asked
//! to write touch disk. See `docs/architecture.md` for what may import what.

pub mod audit;
pub mod authz;
pub mod batch;
pub mod ca_init;
pub mod clock;
pub mod common;
pub mod crl;
pub mod csr;
pub mod error;
pub mod export;
pub mod govern;
pub mod issue;
pub mod ocsp;
pub mod of_ca;
pub mod policy;
pub mod profiles;
pub mod remote;
pub mod renew;
pub mod revoke;
pub mod seal;
pub mod secrets;

pub use error::{Error, ErrorKind, Hinted, PolicyDenied, Result, hinted};
pub use secrets::{NoPrompt, Passphrase, Prompt, Random, SystemRandom};

/// What a command concluded, when it did not fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Success, valid, allow: exit 0.
    Success,
    /// A negative verdict (invalid, revoked, deny, broken chain): exit 1.
    Negative,
    /// The verdict needs data that is missing: exit 3.
    Indeterminate,
}

impl Outcome {
    /// The exit code of DESIGN.md §2.
    pub fn code(self) -> u8 {
        match self {
            Outcome::Success => 0,
            Outcome::Negative => 1,
            Outcome::Indeterminate => 3,
        }
    }

    /// How bad the outcome is: valid < indeterminate < negative.
    fn severity(self) -> u8 {
        match self {
            Outcome::Success => 0,
            Outcome::Indeterminate => 1,
            Outcome::Negative => 2,
        }
    }

    /// The worse of two outcomes (1 invalid > 3 indeterminate > 0 valid).
    pub fn worst(self, other: Outcome) -> Outcome {
        if other.severity() > self.severity() {
            other
        } else {
            self
        }
    }
}
