//! `cert revoke FILE` and `seal revoke FILE`: a certificate (PEM or DER) or a seal file stands
//! for its serial or esID; one of another CA (or another home) is refused, naming the file,
//! and nothing is revoked.

mod common;

use std::path::Path;

use common::{Ca, Env, der_of, list, p, row, subject_for};

fn make_seal(env: &Env, ca: &Ca, name: &str) -> std::path::PathBuf {
    let holder = env.issue(
        ca,
        &format!("{name}-holder"),
        "seal",
        &subject_for("seal"),
        &[],
        &[],
    );
    let out = env.path(&format!("{name}.esl"));
    env.run(
        &ca.home,
        [
            "seal",
            "create",
            "--name",
            "连云港市人民政府办公室",
            "--type",
            "official",
            "--department",
            "办公室",
            "--holder-cert",
            p(&holder.cert),
            "--out",
            p(&out),
        ],
    )
    .success();
    out
}

/// `seal show FILE` as text: what the home records of the seal.
fn seal_shown(env: &Env, ca: &Ca, seal: &Path) -> String {
    env.run(&ca.home, ["seal", "show", p(seal)])
        .success()
        .all_output()
}

#[test]
fn cert_revoke_takes_pem_and_der_files_of_this_ca_only() {
    let env = Env::new();
    let ca = env.root_ca("root", "p256", &[]);
    let other = env.root_ca("other", "p256", &[]);
    let a = env.issue(&ca, "a", "person", &subject_for("person"), &[], &[]);
    let b = env.issue(&ca, "b", "person", &subject_for("person"), &[], &[]);
    let c = env.issue(&ca, "c", "person", &subject_for("person"), &[], &[]);
    let foreign = env.issue(&other, "f", "person", &subject_for("person"), &[], &[]);
    let b_der = env.write("b.der", der_of(&b.cert));
    let before = list(&env, &ca, &[]);

    // Another CA's certificate: exit 2 naming the file; the serial beside it is not revoked.
    let run = env
        .run(&ca.home, ["cert", "revoke", &c.serial, p(&foreign.cert)])
        .code(2);
    assert!(
        run.stderr.contains(&format!(
            "certificate `{}` was not issued by this CA",
            p(&foreign.cert)
        )),
        "{}",
        run.describe()
    );
    assert_eq!(run.error_lines().len(), 1, "{}", run.describe());
    assert_eq!(list(&env, &ca, &[]), before);

    // A file that is no certificate: exit 2 naming it.
    let junk = env.write("junk.pem", "not a certificate\n");
    let run = env.run(&ca.home, ["cert", "revoke", p(&junk)]).code(2);
    assert!(run.stderr.contains(p(&junk)), "{}", run.describe());

    // A PEM file, a DER file and a serial in one request.
    env.run(
        &ca.home,
        [
            "cert",
            "revoke",
            p(&a.cert),
            p(&b_der),
            &c.serial,
            "--reason",
            "superseded",
        ],
    )
    .success();
    let listed = list(&env, &ca, &[]);
    for s in [&a.serial, &b.serial, &c.serial] {
        assert_eq!(row(&listed, s)["status"], "revoked", "{s}");
        assert_eq!(row(&listed, s)["reason"], "superseded", "{s}");
    }
    // Twice is an error, as by serial.
    env.run(&ca.home, ["cert", "revoke", p(&a.cert)]).code(2);
    env.run(&ca.home, ["audit", "verify"]).success();
}

#[test]
fn a_certificate_with_this_ca_s_name_but_not_in_its_store_is_refused() {
    // Two CAs with the same subject: the name matches, the store does not hold the file.
    let env = Env::new();
    let ca = env.root_ca("twin", "p256", &[]);
    let twin = Ca::at(env.path("twin2"));
    env.run(
        &twin.home,
        [
            "ca",
            "init",
            "--subject",
            &format!("CN=twin 根CA,{}", common::ORG),
            "--no-passphrase",
        ],
    )
    .success();
    let foreign = env.issue(&twin, "t", "person", &subject_for("person"), &[], &[]);
    let run = env
        .run(&ca.home, ["cert", "revoke", p(&foreign.cert)])
        .code(2);
    assert!(run.stderr.contains(p(&foreign.cert)), "{}", run.describe());
}

#[test]
fn seal_revoke_takes_a_seal_file_of_this_home_only() {
    let env = Env::new();
    let ca = env.root_ca("root", "p256", &[]);
    let other = env.root_ca("other", "p256", &[]);
    let ours = make_seal(&env, &ca, "ours");
    let theirs = make_seal(&env, &other, "theirs");

    let run = env
        .run(&ca.home, ["seal", "revoke", p(&theirs), "--reason", "lost"])
        .code(2);
    assert!(
        run.stderr.contains(&format!(
            "seal `{}` was not made by this home's CA",
            p(&theirs)
        )),
        "{}",
        run.describe()
    );
    assert_eq!(run.error_lines().len(), 1, "{}", run.describe());
    assert!(!seal_shown(&env, &other, &theirs).contains("revoked at"));
    // Its own home revokes it by file.
    env.run(&other.home, ["seal", "revoke", p(&theirs)])
        .success();

    let run = env
        .run(
            &ca.home,
            ["--json", "seal", "revoke", p(&ours), "--reason", "印章遗失"],
        )
        .success();
    let es_id = run.json()["es_id"].as_str().unwrap().to_string();
    let shown = seal_shown(&env, &ca, &ours);
    assert!(shown.contains(&es_id), "{shown}");
    assert!(
        shown.contains("revoked at") && shown.contains("印章遗失"),
        "{shown}"
    );
    // Twice is an error, as by esID.
    env.run(&ca.home, ["seal", "revoke", p(&ours)]).code(2);
    env.run(&ca.home, ["seal", "revoke", &es_id]).code(2);
}
