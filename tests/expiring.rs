//! `cert list --expiring DURATION`: the renewal report. Only valid certificates (not revoked,
//! not yet expired) whose notAfter falls within the window, soonest first, with the days left;
//! as a table and as JSON. Run on the test clock (`govpki-test`) moved forward, so the times are
//! fixed relative to issuance.

mod common;

use std::path::Path;

use common::{CLOCK_OFFSET_VAR, DEPT, Env, GOVPKI_TEST_BIN};
use serde_json::Value;

const DAY: i64 = 86_400;

/// `govpki-test` with its clock moved by `offset` seconds; must succeed.
fn at_offset(env: &Env, home: &Path, offset: i64, args: &[&str]) -> String {
    let out = std::process::Command::new(GOVPKI_TEST_BIN)
        .env("GOVPKI_HOME", home)
        .env("NO_COLOR", "1")
        .env("GOVPKI_NO_CACHE", "1")
        .env_remove("GOVPKI_POLICY")
        .env(CLOCK_OFFSET_VAR, offset.to_string())
        .current_dir(env.root())
        .stdin(std::process::Stdio::null())
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "govpki-test {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A CA with certificates valid for 10, 20 (two; one revoked), 40 and 400 days.
fn setup(env: &Env) -> (common::Ca, Vec<String>) {
    let ca = env.root_ca("expiring", "p256", &[]);
    let mut serials = Vec::new();
    for (name, days) in [
        ("d40", 40),
        ("d10", 10),
        ("d20", 20),
        ("revoked", 20),
        ("d400", 400),
    ] {
        let issued = env.issue(
            &ca,
            name,
            "person",
            &format!("CN={name} 测试,{DEPT}"),
            &[],
            &["--validity", &format!("{days}d")],
        );
        serials.push(issued.serial);
    }
    env.run(&ca.home, ["cert", "revoke", &serials[3]]).success();
    (ca, serials)
}

#[test]
fn the_report_lists_valid_certificates_expiring_within_the_window_soonest_first() {
    let env = Env::new();
    let (ca, serials) = setup(&env);
    // Fifteen days on, less an hour: d10 has expired, d20 has 5 days left, d40 25, d400 385.
    let offset = 15 * DAY - 3600;
    let json: Value = serde_json::from_str(&at_offset(
        &env,
        &ca.home,
        offset,
        &["--json", "cert", "list", "--expiring", "30d"],
    ))
    .unwrap();
    let rows = json.as_array().unwrap();
    let got: Vec<(String, i64)> = rows
        .iter()
        .map(|r| {
            (
                common::norm_serial(r["serial"].as_str().unwrap()),
                r["days_left"].as_i64().unwrap(),
            )
        })
        .collect();
    let norm = |i: usize| common::norm_serial(&serials[i]);
    assert_eq!(got, vec![(norm(2), 5), (norm(0), 25)], "{json:#}");
    assert!(rows.iter().all(|r| r["status"] == "valid"), "{json:#}");

    // Shorter windows, in hours and weeks.
    for (window, expected) in [
        ("1w", vec![norm(2)]),
        ("12h", vec![]),
        ("4w", vec![norm(2), norm(0)]),
    ] {
        let json: Value = serde_json::from_str(&at_offset(
            &env,
            &ca.home,
            offset,
            &["--json", "cert", "list", "--expiring", window],
        ))
        .unwrap();
        let got: Vec<String> = json
            .as_array()
            .unwrap()
            .iter()
            .map(|r| common::norm_serial(r["serial"].as_str().unwrap()))
            .collect();
        assert_eq!(got, expected, "--expiring {window}: {json:#}");
    }

    // The table: a header, then one line per certificate with its days left.
    let text = at_offset(
        &env,
        &ca.home,
        offset,
        &["cert", "list", "--expiring", "30d"],
    );
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    for column in ["SERIAL", "SUBJECT", "PROFILE", "NOT AFTER", "DAYS LEFT"] {
        assert!(lines[0].contains(column), "{text}");
    }
    assert!(
        lines[1].contains("d20 测试") && lines[1].contains("person"),
        "{text}"
    );
    assert!(lines[1].trim_end().ends_with(" 5"), "{text}");
    assert!(
        lines[2].contains("d40 测试") && lines[2].trim_end().ends_with(" 25"),
        "{text}"
    );
}

#[test]
fn a_bad_duration_is_an_error() {
    let env = Env::new();
    let ca = env.root_ca("expiring-bad", "p256", &[]);
    for bad in ["30", "d", "30x"] {
        let run = env
            .run(&ca.home, ["cert", "list", "--expiring", bad])
            .code(2);
        assert!(run.stderr.contains(bad), "{}", run.describe());
    }
}
