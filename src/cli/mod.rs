//! The command line: one module per command group, each with an args struct and
//! `run(args, &Context) -> Result<Outcome>`. [`main_entry`] is the one exit point that maps
//! outcomes and errors to the exit codes of DESIGN.md §2.

pub mod audit;
pub mod authz;
pub mod ca;
pub mod cert;
pub mod common;
pub mod crl;
pub mod csr;
pub mod demo;
pub mod help;
mod man;
pub mod output;
pub mod remote;
pub mod seal;
pub mod serve;
pub mod tally;

use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use clap::{FromArgMatches, Parser, Subcommand};
use time::OffsetDateTime;

use output::Output;

use crate::i18n;
use crate::ops::govern::Governance;
use crate::ops::{Passphrase, SystemRandom};

pub use crate::ops::{Hinted, Outcome, hinted};
pub use man::{ENVIRONMENT, man_pages};

/// What every command receives: the global flags, resolved once, and the clock read once.
#[derive(Debug, Clone)]
pub struct Context {
    /// The CA home (`--home`, `$GOVPKI_HOME`, else `~/.govpki`).
    pub home: PathBuf,
    /// The time this run treats as "now".
    pub now: OffsetDateTime,
    pub out: Output,
    /// The operator's certificate (`--as`), for homes governed by a policy.
    pub operator: Option<PathBuf>,
    /// The operator's private key (`--as-key`), which proves the operator is present.
    pub operator_key: Option<PathBuf>,
    /// Where the operator key's passphrase comes from (`--as-passphrase-file`).
    pub operator_passphrase_file: Option<PathBuf>,
    /// The security domain the operator works from (`--domain`), for policy decisions.
    pub domain: Option<String>,
}

impl Context {
    /// The governance inputs of this run: the operator (`--as`, `--as-key`,
    /// `--as-passphrase-file`), `--domain`, the clock read once, the terminal to ask on, and
    /// the local actor of an ungoverned home.
    pub fn governance(&self) -> Governance<'static> {
        Governance {
            now: self.now,
            domain: self.domain.clone(),
            operator_cert: self.operator.clone(),
            operator_key: self.operator_key.clone(),
            operator_passphrase: Passphrase::file_or_ask(
                self.operator_passphrase_file.as_deref(),
                "--as-passphrase-file",
            ),
            prompt: &common::TERMINAL,
            rng: Arc::new(SystemRandom),
            local_actor: common::local_actor(),
        }
    }
}

const ABOUT: &str =
    "The network trust system of an e-government: CA, electronic seals, authorization, audit";

const LONG_ABOUT: &str = "\
govpki runs an e-government certificate authority from a terminal: it creates root and
subordinate CAs, issues certificates by profile, revokes them, publishes CRLs, verifies chains,
and keeps a tamper-evident audit log of every state change.

EXAMPLES:
    govpki demo      # a guided tour in a temporary home
    export GOVPKI_HOME=/srv/govpki/root
    govpki ca init --passphrase-file pass.txt \\
        --subject 'CN=连云港市电子政务根CA,O=连云港市人民政府,C=CN'
    govpki cert issue --profile department --passphrase-file pass.txt \\
        --subject 'CN=信息中心,OU=信息中心,O=连云港市人民政府,C=CN' \\
        --key-out dept.key --key-passphrase-file dept-pass.txt --out dept.pem
    govpki cert verify dept.pem

EXIT CODES:
    0  success, valid, allow
    1  a negative verdict (invalid, revoked, expired, deny, audit chain broken)
    2  an error (usage, I/O, malformed input, wrong passphrase)
    3  indeterminate (the verdict needs data that is missing)";

/// The top-level command line.
#[derive(Debug, Parser)]
#[command(name = "govpki", version, about = ABOUT, long_about = LONG_ABOUT)]
pub struct Cli {
    /// The CA home directory [default: $GOVPKI_HOME, else ~/.govpki]
    #[arg(long, global = true, value_name = "DIR")]
    pub home: Option<PathBuf>,
    /// Print one JSON document per command (JSON lines for batches)
    #[arg(long, global = true)]
    pub json: bool,
    /// Print no messages on stderr, only data and errors
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Print more detail on stderr
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Act as this operator (certificate file) where the home is governed by a policy
    #[arg(long = "as", global = true, value_name = "OPERATOR_CERT")]
    pub operator: Option<PathBuf>,
    /// The operator's private key: it signs each allowed act, kept in the audit log
    #[arg(long = "as-key", global = true, value_name = "KEY")]
    pub operator_key: Option<PathBuf>,
    /// Read the operator key's passphrase from this file (first line)
    #[arg(long = "as-passphrase-file", global = true, value_name = "FILE")]
    pub operator_passphrase_file: Option<PathBuf>,
    /// The security domain this command runs from, for policy decisions
    #[arg(long, global = true, value_parser = ["intranet", "extranet", "internet"])]
    pub domain: Option<String>,
    /// Act through this CA service (https://HOST:PORT) instead of the home's CA
    #[arg(long = "ca", global = true, env = "GOVPKI_CA", value_name = "URL")]
    pub ca: Option<String>,
    /// The anchor (PEM) that authenticates the CA service [default: the home's ca.pem]
    #[arg(
        long = "ca-trust",
        global = true,
        env = "GOVPKI_CA_TRUST",
        value_name = "FILE"
    )]
    pub ca_trust: Option<PathBuf>,
    /// The language of reports and errors [default: from LC_ALL, LC_MESSAGES, LANG]
    #[arg(long, global = true, env = "GOVPKI_LANG", value_parser = ["zh", "en"])]
    pub lang: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
// Parsed once per process; boxing the large variants would only add noise.
#[allow(clippy::large_enum_variant)]
pub enum Command {
    /// Create and show this home's certificate authority
    #[command(subcommand)]
    Ca(ca::CaCommand),
    /// Issue, revoke, list, show and verify certificates
    #[command(subcommand)]
    Cert(cert::CertCommand),
    /// Create certificate signing requests for departments that keep their own keys
    #[command(subcommand)]
    Csr(csr::CsrCommand),
    /// Publish and inspect certificate revocation lists
    #[command(subcommand)]
    Crl(crl::CrlCommand),
    /// Make electronic seals, seal documents, verify and revoke seals
    #[command(subcommand)]
    Seal(seal::SealCommand),
    /// Check, test and explain authorization policies
    #[command(subcommand)]
    Authz(authz::AuthzCommand),
    /// Show and verify the hash-chained audit log
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// Run this home's CA as a network service: publication over HTTP(S)
    #[command(long_about = serve::SERVE_LONG)]
    Serve(serve::ServeArgs),
    /// Run a guided tour: set up a CA, issue, revoke, publish a CRL, verify
    #[command(long_about = demo::LONG_ABOUT)]
    Demo(demo::DemoArgs),
    /// Print a shell completion script
    #[command(
        long_about = "Print a shell completion script to stdout.\n\nEXAMPLES:\n    govpki completions bash > /etc/bash_completion.d/govpki\n    govpki completions zsh > \"${fpath[1]}/_govpki\"\n    govpki completions fish > ~/.config/fish/completions/govpki.fish\n\nEXIT CODES:\n    0  printed\n    2  unknown shell"
    )]
    Completions {
        /// The shell: bash, zsh, fish, elvish or powershell
        shell: clap_complete::Shell,
    },
}

/// Parses arguments, runs the command with `clock`, prints any error, and returns the exit
/// code.
pub fn main_entry<I, T>(args: I, clock: crate::ops::clock::Clock) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    // Parsed through the paste-safe command (help::command), which only moves help text.
    let parsed = help::command()
        .try_get_matches_from(&args)
        .and_then(|mut matches| Cli::from_arg_matches_mut(&mut matches));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(err) => {
            let code = match err.kind() {
                clap::error::ErrorKind::DisplayHelp
                | clap::error::ErrorKind::DisplayVersion
                | clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => 0,
                _ => 2,
            };
            // A usage error of a `--json` run is JSON too (clap's words, in English).
            if code == 2
                && args
                    .iter()
                    .skip(1)
                    .take_while(|a| *a != "--")
                    .any(|a| a == "--json")
            {
                let text = err.to_string();
                let first = text.lines().next().unwrap_or_default();
                let message = first.strip_prefix("error: ").unwrap_or(first);
                output::print_message(i18n::Lang::En, true, message, None);
                return code;
            }
            // A usage error in the user's language (clap's words retold); help stays as it is.
            let lang = lang_of_args(&args);
            if code == 2 && lang != i18n::Lang::En {
                let text = i18n::retell(lang, &err.render().to_string());
                eprint!("{text}");
                return code;
            }
            let _ = err.print();
            return code;
        }
    };
    let (lang, json) = (resolve_lang(cli.lang.as_deref()), cli.json);
    let wrote_json = Arc::new(AtomicBool::new(false));
    match run_recording(cli, clock, &wrote_json) {
        Ok(outcome) => outcome.code(),
        Err(err) => {
            if is_broken_pipe(&err) {
                return 0;
            }
            // A policy deny is a negative verdict (exit 1), not an error.
            if let Some(denied) = err.downcast_ref::<crate::ops::PolicyDenied>() {
                // The explanation opens with its own `deny: <reason>` line, which the summary
                // already said; print the roles, rules and hints that follow it.
                let details = denied
                    .explanation
                    .split_once('\n')
                    .filter(|(first, _)| first.starts_with("deny: "))
                    .map_or(denied.explanation.as_str(), |(_, rest)| rest)
                    .trim_end();
                if json {
                    let hint = Some(details).filter(|d| !d.is_empty());
                    output::print_message(lang, true, &denied.summary, hint);
                    return 1;
                }
                // The policy's reasons in the user's language (the JSON above keeps them as the
                // evaluator said them).
                let (summary, details) = (
                    i18n::retell(lang, &denied.summary),
                    i18n::retell(lang, details),
                );
                eprintln!("{summary}");
                if !details.is_empty() {
                    eprintln!("{details}");
                }
                return 1;
            }
            // A command that reported in JSON already (`authz validate`, the lines of `seal
            // verify`) keeps its stdout one document, or lines of one shape: the error is text.
            let json = json && !wrote_json.load(Ordering::Relaxed);
            output::report_error(lang, json, &err);
            2
        }
    }
}

/// The language of a command line clap refused: its `--lang` when one is there, else as
/// [`resolve_lang`] says.
fn lang_of_args(args: &[OsString]) -> i18n::Lang {
    let mut flag = None;
    let mut it = args.iter().skip(1).take_while(|a| *a != "--");
    while let Some(a) = it.next() {
        let a = a.to_string_lossy();
        if a == "--lang" {
            flag = it.next().map(|v| v.to_string_lossy().into_owned());
        } else if let Some(v) = a.strip_prefix("--lang=") {
            flag = Some(v.to_string());
        }
    }
    let env = std::env::var("GOVPKI_LANG").ok().filter(|v| !v.is_empty());
    resolve_lang(flag.or(env).as_deref())
}

/// The language of this run: `--lang` (or `GOVPKI_LANG`), else the locale variables.
fn resolve_lang(flag: Option<&str>) -> i18n::Lang {
    let var = |name: &str| std::env::var(name).ok();
    i18n::pick_lang(
        flag,
        var("LC_ALL").as_deref(),
        var("LC_MESSAGES").as_deref(),
        var("LANG").as_deref(),
    )
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Resolves the home directory from the flag, the environment, or the user's home.
fn resolve_home(flag: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    if let Some(home) = flag {
        return Ok(home);
    }
    if let Some(home) = std::env::var_os("GOVPKI_HOME").filter(|h| !h.is_empty()) {
        return Ok(PathBuf::from(home));
    }
    match std::env::var_os("HOME").filter(|h| !h.is_empty()) {
        Some(user) => Ok(PathBuf::from(user).join(".govpki")),
        None => Err(hinted(
            "no CA home: neither --home, $GOVPKI_HOME nor $HOME is set",
            "pass --home DIR",
        )),
    }
}

/// Runs a parsed command line, reading `clock` once.
pub fn run(cli: Cli, clock: crate::ops::clock::Clock) -> anyhow::Result<Outcome> {
    run_recording(cli, clock, &Arc::default())
}

/// As [`run`], setting `wrote_json` when the command writes JSON to stdout.
fn run_recording(
    cli: Cli,
    clock: crate::ops::clock::Clock,
    wrote_json: &Arc<AtomicBool>,
) -> anyhow::Result<Outcome> {
    let Cli {
        home,
        json,
        quiet,
        verbose,
        operator,
        operator_key,
        operator_passphrase_file,
        domain,
        ca,
        ca_trust,
        lang,
        command,
    } = cli;
    let ctx = Context {
        home: resolve_home(home)?,
        now: clock.now(),
        out: Output::new(json, quiet, verbose)
            .with_lang(resolve_lang(lang.as_deref()))
            .recording_json(wrote_json.clone()),
        operator,
        operator_key,
        operator_passphrase_file,
        domain,
    };
    if let Some(url) = ca.filter(|u| !u.is_empty()) {
        let remote = remote::RemoteCa::resolve(url, ca_trust, &ctx.home)?;
        return remote::run(command, &ctx, &remote);
    }
    match command {
        Command::Ca(cmd) => ca::run(cmd, &ctx),
        Command::Cert(cmd) => cert::run(cmd, &ctx),
        Command::Csr(cmd) => csr::run(cmd, &ctx),
        Command::Crl(cmd) => crl::run(cmd, &ctx),
        Command::Seal(cmd) => seal::run(cmd, &ctx),
        Command::Authz(cmd) => authz::run(cmd, &ctx),
        Command::Audit(cmd) => audit::run(cmd, &ctx),
        Command::Demo(args) => demo::run(args, &ctx),
        Command::Serve(args) => serve::run(args, &ctx, clock),
        Command::Completions { shell } => {
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut help::command(), "govpki", &mut buf);
            ctx.out.bytes(&buf)?;
            Ok(Outcome::Success)
        }
    }
}
