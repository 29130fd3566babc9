//! The README's first command: `govpki demo` runs every step of the tour with the real binary
//! and checks each exit code, so a change that breaks the tour fails here, not on a new user's
//! machine.

use std::process::Command;

#[test]
fn the_guided_tour_runs_to_the_end() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(assert_cmd::cargo::cargo_bin!("govpki"))
        .args(["demo", "--keep", "--dir"])
        .arg(dir.path().join("tour"))
        .env_remove("GOVPKI_HOME")
        // The tour compiles policies: keep their cache out of the real home.
        .env("GOVPKI_CACHE_DIR", dir.path().join("cache"))
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    let text = format!("{stdout}{stderr}");
    assert!(text.contains("demo complete"), "{text}");
    // What the tour leaves behind is real: the officer's governed issuance is in the store and
    // his signature on it verifies.
    let tour = dir.path().join("tour");
    assert!(tour.join("qian.pem").is_file(), "{text}");
    // The national-algorithm leg: an SM2 CA's home, and an SES seal-signature whose signature
    // algorithm is SM2-with-SM3 (1.2.156.10197.1.501).
    assert!(tour.join("sm2-ca/ca.pem").is_file(), "{text}");
    let ses = std::fs::read(tour.join("notice-sm2.txt.ses")).unwrap();
    let sm2_with_sm3 = [0x06, 0x08, 0x2A, 0x81, 0x1C, 0xCF, 0x55, 0x01, 0x83, 0x75];
    assert!(
        ses.windows(sm2_with_sm3.len()).any(|w| w == sm2_with_sm3),
        "{text}"
    );
    let verify = Command::new(assert_cmd::cargo::cargo_bin!("govpki"))
        .args(["--json", "audit", "verify", "--home"])
        .arg(tour.join("root-ca"))
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&verify.stdout).unwrap();
    assert_eq!(report["intact"], true, "{report}");
    assert_eq!(report["signed_acts"], 1, "{report}");
}

/// `govpki --lang zh demo` (or a Chinese `LANG`): every step speaks the tour's language. Before,
/// the steps ran in the child's default language and a Chinese tour printed English verdicts
/// (`VALID: notice.txt: all checks passed`).
#[test]
fn the_tour_s_steps_speak_its_language() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(assert_cmd::cargo::cargo_bin!("govpki"))
        .args(["--lang", "zh", "demo", "--dir"])
        .arg(dir.path().join("tour"))
        .env_remove("GOVPKI_HOME")
        .env_remove("GOVPKI_LANG")
        .env("GOVPKI_CACHE_DIR", dir.path().join("cache"))
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("全部检查通过"), "{text}");
    assert!(text.contains("无效："), "{text}");
    // The tour's own frame, its steps' titles and the verbs' success lines too (issue #12).
    for chinese in [
        "govpki 演示目录 `",
        "== 1. 创建根 CA（P-256，私钥以 scrypt 加密）",
        "== 31. 改动一个字节的副本",
        "（退出码 0）",
        "已写入私钥 `",
        "已制作公章 `连云港市人民政府办公室`",
        "已签章 `",
        "签章时间：",
        "本 CA 现由策略 `",
        "演示完成：每一步均符合预期",
    ] {
        assert!(
            text.contains(chinese),
            "no `{chinese}` in a Chinese tour:\n{text}"
        );
    }
    for english in [
        "all checks passed",
        "VALID:",
        "INVALID:",
        "document hash mismatch",
        "demo complete",
        "wrote key",
        "sealed `",
        "signing time:",
        "(exit ",
        "create the root CA",
    ] {
        assert!(
            !text.contains(english),
            "`{english}` in a Chinese tour:\n{text}"
        );
    }
}
