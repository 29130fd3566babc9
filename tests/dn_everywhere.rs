//! One DN format everywhere (issue #12, "Reports a reviewer trusts"): a name that needs
//! escaping (a comma and a plus in O, an `=` in OU, CJK in CN) is printed as the same RFC 4514
//! string by `cert show`, `cert list`, `cert verify`, `crl show`, `seal show` and `seal verify`,
//! in text and in `--json`. Before one renderer (`pkix::name::text`), `cert verify`'s chain went
//! through x509-cert's Display and `cert show` through `ca::dn`, which disagreed on `=`.
//! tests/dn_format.rs covers the plain-name case and x509-parser's reversed order.

mod common;

use common::{Env, seal};
use serde_json::{Value, json};

const ROOT_DN: &str = r"CN=测试根CA,O=连云港市人民政府\, 档案\+信息,C=CN";
const HOLDER_DN: &str = r"CN=李四,OU=科=技,O=连云港市人民政府\, 办公室\+档案室,C=CN";

/// The values of the text lines `label: value` (label matched after leading spaces).
fn fields(text: &str, label: &str) -> Vec<String> {
    let prefix = format!("{label}:");
    text.lines()
        .filter_map(|l| l.trim_start().strip_prefix(&prefix))
        .map(|v| v.trim().to_string())
        .collect()
}

fn strs(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|s| {
            s.as_str()
                .unwrap_or_else(|| panic!("not a string: {s}"))
                .to_string()
        })
        .collect()
}

#[test]
fn every_report_prints_one_form_of_a_name_that_needs_escaping() {
    let env = Env::new();
    let home = seal::office(&env, ROOT_DN, HOLDER_DN, false);
    let run = |args: &[&str]| env.run(&home, args).success();
    env.write("doc.txt", "通知\n");
    seal::sign(&env, &home, &["doc.txt"]);
    run(&["-q", "crl", "generate", "--out", "root.crl"]);

    // Every printed name, by where it was printed: (what, printed, expected).
    let mut seen: Vec<(String, String, &'static str)> = Vec::new();
    let mut saw = |what: &str, printed: Vec<String>, expected: &'static str| {
        assert!(!printed.is_empty(), "{what}: no name printed");
        for p in printed {
            seen.push((what.to_string(), p, expected));
        }
    };

    // cert show
    let text = run(&["cert", "show", "holder.pem"]).stdout;
    saw("cert show Subject", fields(&text, "Subject"), HOLDER_DN);
    saw("cert show Issuer", fields(&text, "Issuer"), ROOT_DN);
    let json = run(&["--json", "cert", "show", "holder.pem"]).json();
    saw(
        "cert show --json subject",
        strs(&json!([json["subject"]])),
        HOLDER_DN,
    );
    saw(
        "cert show --json issuer",
        strs(&json!([json["issuer"]])),
        ROOT_DN,
    );

    // cert list: the subject is the last column.
    let text = run(&["cert", "list"]).stdout;
    let last: Vec<String> = text
        .lines()
        .filter(|l| l.contains("seal"))
        .filter_map(|l| l.split("  ").last().map(|s| s.trim().to_string()))
        .collect();
    saw("cert list", last, HOLDER_DN);
    let json = run(&["--json", "cert", "list"]).json();
    let subjects: Vec<Value> = json
        .as_array()
        .expect("cert list --json is an array")
        .iter()
        .map(|r| r["subject"].clone())
        .collect();
    saw("cert list --json", strs(&Value::from(subjects)), HOLDER_DN);

    // cert verify: the chain, leaf first, and each certificate's revocation line.
    let text = run(&["cert", "verify", "holder.pem", "--crl", "root.crl"]).stdout;
    let chain = fields(&text, "chain");
    assert_eq!(chain.len(), 1, "{text}");
    let links: Vec<String> = chain[0].split(" <- ").map(str::to_string).collect();
    assert_eq!(links.len(), 2, "{text}");
    saw(
        "cert verify chain (leaf)",
        vec![links[0].clone()],
        HOLDER_DN,
    );
    saw("cert verify chain (root)", vec![links[1].clone()], ROOT_DN);
    let json = run(&[
        "--json",
        "cert",
        "verify",
        "holder.pem",
        "--crl",
        "root.crl",
    ])
    .json();
    let chain = strs(&json["chain"]);
    saw(
        "cert verify --json chain[0]",
        vec![chain[0].clone()],
        HOLDER_DN,
    );
    saw(
        "cert verify --json chain[1]",
        vec![chain[1].clone()],
        ROOT_DN,
    );
    let revocation = json["revocation"].as_array().expect("revocation list");
    saw(
        "cert verify --json revocation[0]",
        strs(&json!([revocation[0]["subject"]])),
        HOLDER_DN,
    );

    // crl show
    let text = run(&["crl", "show", "root.crl"]).stdout;
    saw("crl show Issuer", fields(&text, "Issuer"), ROOT_DN);
    let json = run(&["--json", "crl", "show", "root.crl"]).json();
    saw(
        "crl show --json issuer",
        strs(&json!([json["issuer"]])),
        ROOT_DN,
    );
    let text = run(&["crl", "show", "--issuer", "root.pem", "root.crl"]).stdout;
    saw("crl show --issuer Issuer", fields(&text, "Issuer"), ROOT_DN);

    // seal show, of the seal and of the signature
    let text = run(&["seal", "show", "office.esl"]).stdout;
    saw("seal show holder", fields(&text, "holder"), HOLDER_DN);
    saw("seal show authority", fields(&text, "authority"), ROOT_DN);
    let json = run(&["--json", "seal", "show", "office.esl"]).json();
    saw(
        "seal show --json holders",
        strs(&json["holders"]),
        HOLDER_DN,
    );
    saw(
        "seal show --json authority",
        strs(&json!([json["authority"]])),
        ROOT_DN,
    );
    let text = run(&["seal", "show", "doc.txt.p7s"]).stdout;
    saw("seal show (p7s) signer", fields(&text, "signer"), HOLDER_DN);
    let json = run(&["--json", "seal", "show", "doc.txt.p7s"]).json();
    saw(
        "seal show --json (p7s) signer",
        strs(&json!([json["signer"]])),
        HOLDER_DN,
    );
    let mut certs = strs(&json["certificates"]);
    certs.sort();
    assert_eq!(certs.len(), 2, "{json}");
    saw(
        "seal show --json certificates",
        vec![certs[0].clone()],
        HOLDER_DN,
    );
    saw(
        "seal show --json certificates",
        vec![certs[1].clone()],
        ROOT_DN,
    );

    // seal verify
    let text = run(&["seal", "verify", "doc.txt"]).stdout;
    let signer: Vec<String> = fields(&text, "signer")
        .into_iter()
        .map(|s| match s.rsplit_once(" (serial ") {
            Some((name, _)) => name.to_string(),
            None => s,
        })
        .collect();
    saw("seal verify signer", signer, HOLDER_DN);
    saw("seal verify authority", fields(&text, "authority"), ROOT_DN);
    let json = run(&["--json", "seal", "verify", "doc.txt"]).json();
    saw(
        "seal verify --json signer",
        strs(&json!([json["signer"]])),
        HOLDER_DN,
    );
    saw(
        "seal verify --json authority",
        strs(&json!([json["authority"]])),
        ROOT_DN,
    );

    let differing: Vec<String> = seen
        .iter()
        .filter(|(_, printed, expected)| printed != expected)
        .map(|(what, printed, expected)| format!("{what}: `{printed}`, expected `{expected}`"))
        .collect();
    assert!(differing.is_empty(), "{}", differing.join("\n"));
}
