//! The office's official seal in a fresh CA home, as the tests of the seal reports build it
//! (tests/dn_format.rs, dn_everywhere.rs, verify_json_tally.rs, i18n_coverage.rs, snapshots.rs,
//! snapshots_i18n.rs): unencrypted keys, and files named as an operator names them, relative to
//! the temporary directory the commands run in.

use std::path::{Path, PathBuf};

use super::Env;

/// The seal's name; it is an official seal (公章) of 办公室.
pub const NAME: &str = "连云港市人民政府办公室";

/// In `env`'s `home`: a root CA `root_dn`, its certificate also in `root.pem`; a seal holder
/// `holder_dn` (`holder.key`, `holder.pem`); the office's official seal for him, `office.esl`,
/// with its picture when `render`. Returns the home.
pub fn office(env: &Env, root_dn: &str, holder_dn: &str, render: bool) -> PathBuf {
    let home = env.path("home");
    env.run(
        &home,
        ["-q", "ca", "init", "--subject", root_dn, "--no-passphrase"],
    )
    .success();
    env.write("root.pem", env.run(&home, ["ca", "show"]).success().stdout);
    env.run(
        &home,
        [
            "-q",
            "cert",
            "issue",
            "--profile",
            "seal",
            "--subject",
            holder_dn,
            "--key-out",
            "holder.key",
            "--no-key-passphrase",
            "--out",
            "holder.pem",
        ],
    )
    .success();
    let mut create = vec![
        "-q",
        "seal",
        "create",
        "--name",
        NAME,
        "--type",
        "official",
        "--department",
        "办公室",
        "--holder-cert",
        "holder.pem",
    ];
    if render {
        create.push("--render");
    }
    create.extend(["--out", "office.esl"]);
    env.run(&home, &create).success();
    home
}

/// `seal sign` of `docs`, in one run, with `office.esl` and the holder's key and certificate.
pub fn sign(env: &Env, home: &Path, docs: &[&str]) {
    let mut args = vec![
        "-q",
        "seal",
        "sign",
        "--seal",
        "office.esl",
        "--key",
        "holder.key",
        "--cert",
        "holder.pem",
    ];
    args.extend_from_slice(docs);
    env.run(home, &args).success();
}
