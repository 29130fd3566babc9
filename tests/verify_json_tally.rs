//! `seal verify --json` over more than one document (issue #12, "Reports a reviewer trusts"):
//! after the documents' JSON lines, one closing line
//! `{"documents":N,"tally":{"valid":..,"invalid":..,"indeterminate":..,"errors":..}}` that counts
//! every document, as the text mode's tally does; with `-q`, only the lines of the documents that
//! are not valid, then the same tally. One document prints its one object, no tally.

mod common;

use common::{Env, seal};
use serde_json::Value;

const ROOT_DN: &str = "CN=测试根CA,O=连云港市人民政府,C=CN";
const HOLDER_DN: &str = "CN=李四,OU=办公室,O=连云港市人民政府,C=CN";

/// A home whose holder sealed a.txt to d.txt; c.txt and d.txt are then changed, e.dir is a
/// directory (beside a copy of a valid signature), f.txt's signature is garbage, g.txt has none.
fn fixture() -> (Env, std::path::PathBuf) {
    let env = Env::new();
    let home = seal::office(&env, ROOT_DN, HOLDER_DN, false);
    for doc in ["a.txt", "b.txt", "c.txt", "d.txt"] {
        env.write(doc, format!("通知 {doc}\n"));
    }
    seal::sign(&env, &home, &["a.txt", "b.txt", "c.txt", "d.txt"]);
    env.write("c.txt", "changed after signing\n");
    env.write("d.txt", "通知 d.txt\n追加\n");
    std::fs::create_dir(env.path("e.dir")).unwrap();
    std::fs::copy(env.path("a.txt.p7s"), env.path("e.dir.p7s")).unwrap();
    env.write("f.txt", "通知 f.txt\n");
    env.write("f.txt.p7s", "not a CMS signature");
    env.write("g.txt", "通知 g.txt\n");
    (env, home)
}

const DOCS: [&str; 7] = [
    "a.txt", "b.txt", "c.txt", "d.txt", "e.dir", "f.txt", "g.txt",
];

/// The exact closing line: its shape and key order are part of the contract.
const TALLY: &str =
    r#"{"documents":7,"tally":{"valid":2,"invalid":2,"indeterminate":0,"errors":3}}"#;

fn verdicts(lines: &[Value]) -> Vec<(String, String)> {
    lines
        .iter()
        .map(|l| {
            (
                l["document"].as_str().unwrap_or("?").to_string(),
                l["verdict"].as_str().unwrap_or("?").to_string(),
            )
        })
        .collect()
}

fn count(lines: &[Value], verdict: &str) -> usize {
    lines.iter().filter(|l| l["verdict"] == verdict).count()
}

#[test]
fn the_documents_lines_end_with_a_tally_that_counts_them() {
    let (env, home) = fixture();
    let mut args = vec!["--json", "seal", "verify"];
    args.extend(DOCS);
    let run = env.run(&home, &args).code(2);
    let last = run.stdout.lines().last().unwrap_or_default();
    assert_eq!(last, TALLY, "{}", run.describe());

    let mut lines = run.json_lines();
    let tally = lines.pop().expect("a tally line");
    assert_eq!(
        verdicts(&lines),
        [
            ("a.txt", "valid"),
            ("b.txt", "valid"),
            ("c.txt", "invalid"),
            ("d.txt", "invalid"),
            ("e.dir", "error"),
            ("f.txt", "error"),
            ("g.txt", "error"),
        ]
        .map(|(d, v)| (d.to_string(), v.to_string())),
        "{}",
        run.describe()
    );
    // The counts are those of the lines above it, and no document line has its keys.
    for verdict in ["valid", "invalid", "indeterminate"] {
        assert_eq!(tally["tally"][verdict], count(&lines, verdict), "{verdict}");
    }
    assert_eq!(tally["tally"]["errors"], count(&lines, "error"));
    assert!(lines.iter().all(|l| l.get("tally").is_none()));
    assert!(tally.get("document").is_none());
    // The text mode's tally says the same.
    let text = env.run(&home, &args[1..]).code(2);
    assert!(
        text.stdout
            .ends_with("2 valid, 2 invalid, 0 indeterminate, 3 could not be verified\n"),
        "{}",
        text.describe()
    );
}

#[test]
fn quiet_json_keeps_the_failures_and_the_tally() {
    let (env, home) = fixture();
    let mut args = vec!["-q", "--json", "seal", "verify"];
    args.extend(DOCS);
    let run = env.run(&home, &args).code(2);
    assert_eq!(
        run.stdout.lines().last().unwrap_or_default(),
        TALLY,
        "{}",
        run.describe()
    );
    let mut lines = run.json_lines();
    lines.pop();
    let documents: Vec<String> = verdicts(&lines).into_iter().map(|(d, _)| d).collect();
    assert_eq!(
        documents,
        ["c.txt", "d.txt", "e.dir", "f.txt", "g.txt"],
        "{}",
        run.describe()
    );

    // All valid: nothing but the tally.
    let run = env
        .run(&home, ["-q", "--json", "seal", "verify", "a.txt", "b.txt"])
        .success();
    assert_eq!(
        run.stdout,
        "{\"documents\":2,\"tally\":{\"valid\":2,\"invalid\":0,\"indeterminate\":0,\"errors\":0}}\n"
    );
}

#[test]
fn indeterminate_documents_are_counted_and_one_document_has_no_tally() {
    let (env, home) = fixture();
    // A reviewer without the CA's store who requires revocation: the untampered documents are
    // indeterminate, the tampered one still invalid.
    let nohome = env.path("nohome");
    let run = env
        .run(
            &nohome,
            [
                "--json",
                "seal",
                "verify",
                "a.txt",
                "b.txt",
                "c.txt",
                "--trust",
                "root.pem",
                "--require-revocation",
            ],
        )
        .code(1);
    assert_eq!(
        run.stdout.lines().last().unwrap_or_default(),
        r#"{"documents":3,"tally":{"valid":0,"invalid":1,"indeterminate":2,"errors":0}}"#,
        "{}",
        run.describe()
    );

    let one = env
        .run(&home, ["--json", "seal", "verify", "a.txt"])
        .success();
    let doc = one.json();
    assert_eq!(doc["verdict"], "valid", "{}", one.describe());
    assert!(doc.get("tally").is_none());
}
