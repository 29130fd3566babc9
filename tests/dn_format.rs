//! One DN format everywhere (issue #12): the RFC 4514 form `cert show` prints
//! (`CN=李四,OU=办公室,O=连云港市人民政府,C=CN`), in `cert show`, `cert verify`, `seal verify`
//! and `seal show`, text and JSON. `seal verify` used to print x509-parser's
//! `C=CN, O=..., CN=李四`.

mod common;

use common::{Env, seal};

const ROOT_DN: &str = "CN=测试根CA,O=连云港市人民政府,C=CN";
const HOLDER_DN: &str = "CN=李四,OU=办公室,O=连云港市人民政府,C=CN";

fn sealed() -> (Env, std::path::PathBuf) {
    let env = Env::new();
    let home = seal::office(&env, ROOT_DN, HOLDER_DN, true);
    env.write("doc.txt", "通知\nnotice body\n".repeat(20));
    seal::sign(&env, &home, &["doc.txt"]);
    (env, home)
}

#[test]
fn seal_verify_names_the_signer_as_cert_show_does() {
    let (env, home) = sealed();
    let shown = env
        .run(&home, ["--json", "cert", "show", "holder.pem"])
        .success()
        .json();
    assert_eq!(shown["subject"], HOLDER_DN);
    assert_eq!(shown["issuer"], ROOT_DN);

    let verified = env
        .run(&home, ["--json", "seal", "verify", "doc.txt"])
        .success()
        .json();
    assert_eq!(verified["signer"], shown["subject"], "{verified:#}");
    assert_eq!(verified["authority"], shown["issuer"], "{verified:#}");

    let text = env
        .run(&home, ["seal", "verify", "doc.txt"])
        .success()
        .stdout;
    assert!(text.contains(HOLDER_DN), "{text}");
    assert!(text.contains(ROOT_DN), "{text}");
    assert!(!text.contains("C=CN, O="), "x509-parser's order: {text}");

    let cert = env
        .run(&home, ["cert", "verify", "holder.pem"])
        .success()
        .stdout;
    assert!(cert.contains(HOLDER_DN), "{cert}");
}

#[test]
fn seal_show_names_holders_and_maker_in_the_same_form() {
    let (env, home) = sealed();
    let shown = env
        .run(&home, ["--json", "seal", "show", "office.esl"])
        .success()
        .stdout;
    assert!(
        shown.contains(HOLDER_DN) || shown.contains(ROOT_DN),
        "{shown}"
    );
    assert!(!shown.contains("C=CN, O="), "x509-parser's order: {shown}");
    let sig = env
        .run(&home, ["seal", "show", "doc.txt.p7s"])
        .success()
        .stdout;
    assert!(!sig.contains("C=CN, O="), "x509-parser's order: {sig}");
}
