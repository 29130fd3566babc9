//! `seal verify` of many SES_Signatures in one run answers each document as it answers it alone:
//! the run checks each seal authority's signature once (issue #10, "Speed"), and a seal altered
//! inside one document's signature is still caught among documents carrying the intact seal.

mod common;

use std::path::PathBuf;

use common::*;
use serde_json::Value;

/// The status of check `id` in a report.
fn status<'a>(report: &'a Value, id: &str) -> &'a str {
    report["checks"]
        .as_array()
        .and_then(|checks| checks.iter().find(|c| c["check"] == id))
        .and_then(|c| c["status"].as_str())
        .unwrap_or_else(|| panic!("no check `{id}` in {report}"))
}

#[test]
fn a_batch_checks_each_seal_once_and_still_catches_an_altered_seal_among_intact_ones() {
    let env = Env::new();
    let root = env.root_ca("root", "sm2", &[]);
    let holder = env.issue(
        &root,
        "holder",
        "seal",
        &subject_for("seal"),
        &sans_for("seal"),
        &["--algorithm", "sm2"],
    );
    let seal = env.path("office.esl");
    env.run(
        &root.home,
        [
            "seal",
            "create",
            "--name",
            "办公室",
            "--type",
            "official",
            "--department",
            "办公室",
            "--holder-cert",
            p(&holder.cert),
            "--out",
            p(&seal),
        ],
    )
    .success();
    let docs: Vec<PathBuf> = (0..6)
        .map(|i| env.write(&format!("docs/d{i}.txt"), format!("document {i}")))
        .collect();
    let mut sign = vec![
        "seal",
        "sign",
        "--seal",
        p(&seal),
        "--key",
        p(holder.key.as_ref().unwrap()),
        "--cert",
        p(&holder.cert),
    ];
    sign.extend(docs.iter().map(|d| p(d)));
    env.run(&root.home, sign).success();

    // In d3's signature, the embedded seal's own signature gets a flipped bit (the seal's last
    // octet): the seal authority's signature over that seal no longer verifies.
    let seal_der = std::fs::read(&seal).unwrap();
    let d3_sig = PathBuf::from(format!("{}.ses", docs[3].display()));
    let mut ses = std::fs::read(&d3_sig).unwrap();
    let at = ses
        .windows(seal_der.len())
        .position(|w| w == seal_der.as_slice())
        .expect("the seal is embedded octet for octet");
    ses[at + seal_der.len() - 1] ^= 1;
    std::fs::write(&d3_sig, &ses).unwrap();

    let alone = env
        .run(&root.home, ["--json", "seal", "verify", p(&docs[3])])
        .code(1)
        .json();
    assert_eq!(status(&alone, "seal_signature"), "fail", "{alone}");

    let mut verify = vec!["--json", "seal", "verify"];
    verify.extend(docs.iter().map(|d| p(d)));
    let run = env.run(&root.home, verify).code(1);
    let mut reports = run.json_lines();
    let tally = reports.pop().expect("the tally line");
    assert_eq!(tally["documents"], docs.len(), "{tally}");
    assert_eq!(tally["tally"]["invalid"], 1, "{tally}");
    assert_eq!(reports.len(), docs.len(), "{}", run.stdout);
    for (i, report) in reports.iter().enumerate() {
        assert_eq!(report["document"], p(&docs[i]), "{report}");
        if i == 3 {
            assert_eq!(report["verdict"], "invalid", "{report}");
            assert_eq!(status(report, "seal_signature"), "fail", "{report}");
            assert_eq!(
                report["checks"], alone["checks"],
                "judged in a batch as alone"
            );
        } else {
            assert_eq!(report["verdict"], "valid", "{report}");
            assert_eq!(status(report, "seal_signature"), "pass", "{report}");
        }
    }
}
