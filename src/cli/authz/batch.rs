//! `govpki authz batch`: decide JSON-lines requests from stdin.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;

use anyhow::{Context as _, anyhow};

use super::load_policy;
use crate::cli::{Context, Outcome};
use crate::ops::authz;

pub(super) const BATCH_LONG: &str = "\
Decide many requests with the policy compiled once. Each stdin line is a JSON object:

    {\"subject\": {\"cn\": \"张三\", \"department\": \"信息中心\"}, \"action\": \"seal.apply\",
     \"resource\": \"dept/信息中心/seal/official\", \"context\": {\"domain\": \"intranet\"}}

with optional \"id\" (echoed back) and \"explain\": true. Each input line gets exactly one output
line, in order: {\"decision\": \"allow\"|\"deny\", \"reason\": ..., \"rule\": ...}, or for a malformed
line {\"line\": N, \"error\": ...}. Output is flushed whenever stdin has nothing more buffered, so
a co-process can ask one question at a time.

EXAMPLES:
    govpki authz batch --policy policies < requests.jsonl > decisions.jsonl
    jq -c '.[]' requests.json | govpki authz batch --policy policies

EXIT CODES:
    0  every line got a decision (allow or deny)
    2  the policy does not load, stdin cannot be read, or some lines were malformed (each
       such line got an error object; the others still got decisions)";

/// Arguments of `authz batch`.
#[derive(Debug, clap::Args)]
pub struct BatchArgs {
    /// The policy: a YAML file, or a directory of .yaml/.yml files
    #[arg(long, value_name = "PATH")]
    pub policy: PathBuf,
}

/// Flush output once this much has accumulated, even if more input is waiting.
const BATCH_CHUNK: usize = 64 * 1024;

pub fn run(args: BatchArgs, ctx: &Context) -> anyhow::Result<Outcome> {
    let BatchArgs { policy } = args;
    let (policy, _) = load_policy(&policy, ctx, false)?;
    let stdin = std::io::stdin().lock();
    let mut input = BufReader::with_capacity(64 * 1024, stdin);
    let mut raw = Vec::new();
    let mut out = String::new();
    let mut malformed = 0usize;
    let mut line_no = 0usize;
    loop {
        raw.clear();
        let n = input
            .read_until(b'\n', &mut raw)
            .context("reading requests from stdin")?;
        if n == 0 {
            break;
        }
        line_no += 1;
        let line = authz::decide_line(&policy, &raw, line_no, ctx.now);
        if line.malformed {
            malformed += 1;
        }
        out.push_str(&line.json);
        out.push('\n');
        // Flush when the next read would block (interactive use) or the buffer is large.
        if out.len() >= BATCH_CHUNK || input.buffer().is_empty() {
            ctx.out.data(&out)?;
            out.clear();
        }
    }
    ctx.out.data(&out)?;
    if malformed > 0 {
        return Err(anyhow!(
            "{malformed} of {line_no} request line{} malformed (each got an error object on stdout)",
            if line_no == 1 { " was" } else { "s were" }
        ));
    }
    Ok(Outcome::Success)
}
