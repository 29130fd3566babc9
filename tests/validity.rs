//! `cert issue` validity bounds (issue #12): `--not-before` / `--not-after`, each profile's
//! maximum validity, and the CA's own validity. A request past a bound is refused with exit 2
//! naming the bound, never cut; nothing is written or recorded.

mod common;

use common::{Env, Run, days_from_now, json_str, list, p, require_tool, subject_for, tool};

fn issue(env: &Env, ca: &common::Ca, name: &str, profile: &str, extra: &[&str]) -> Run {
    let key = env.path(&format!("{name}.key"));
    let mut args = vec![
        "--json".to_string(),
        "cert".into(),
        "issue".into(),
        "--profile".into(),
        profile.into(),
        "--subject".into(),
        subject_for(profile),
        "--key-out".into(),
        p(&key).into(),
        "--no-key-passphrase".into(),
    ];
    if profile == "server" {
        args.extend(["--san".into(), "dns:www.example.gov.cn".into()]);
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    env.run(&ca.home, args)
}

fn ts(text: &str) -> time::OffsetDateTime {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|e| panic!("`{text}`: {e}"))
}

#[test]
fn a_validity_past_the_profile_maximum_is_refused_naming_it() {
    let env = Env::new();
    let ca = env.root_ca("root", "p256", &[]);
    let before = list(&env, &ca, &[]);
    // Issue #12: a person certificate for 30 years is refused, not cut to the CA's end.
    let run = issue(&env, &ca, "long", "person", &["--validity", "30y"]).code(2);
    assert!(
        run.error_text().contains(
            "a validity of 10950 days exceeds the maximum of profile `person`, 1095 days"
        ),
        "{}",
        run.describe()
    );
    assert!(
        run.error_text().contains("hint: pass --validity 1095d"),
        "{}",
        run.describe()
    );
    assert!(!run.error_text().contains("warning"), "{}", run.describe());
    assert!(!env.path("long.key").exists());
    let run = issue(&env, &ca, "www", "server", &["--validity", "399d"]).code(2);
    assert!(
        run.error_text()
            .contains("maximum of profile `server`, 398 days"),
        "{}",
        run.describe()
    );
    assert_eq!(list(&env, &ca, &[]), before);

    // At the maximum, and the server default (398 days, no longer two years).
    issue(&env, &ca, "p3", "person", &["--validity", "1095d"]).success();
    let run = issue(&env, &ca, "www", "server", &[]).success();
    let json = run.json();
    let span = ts(&json_str(&json, "not_after")) - ts(&json_str(&json, "not_before"));
    assert_eq!(span, time::Duration::days(398));
}

#[test]
fn not_before_and_not_after_set_the_bounds_within_the_ca_s() {
    let env = Env::new();
    let ca = env.root_ca("root", "p256", &["--validity", "1y"]);
    let ca_json = env
        .run(&ca.home, ["--json", "cert", "show", p(&ca.cert)])
        .success()
        .json();
    let (ca_nb, ca_na) = (
        json_str(&ca_json, "not_before"),
        json_str(&ca_json, "not_after"),
    );

    // Explicit bounds (a date alone is midnight UTC), post-dated start allowed.
    let start = days_from_now(10);
    let end = days_from_now(40);
    let run = issue(
        &env,
        &ca,
        "a",
        "person",
        &["--not-before", &start, "--not-after", &end],
    )
    .success();
    assert_eq!(json_str(&run.json(), "not_before"), start);
    assert_eq!(json_str(&run.json(), "not_after"), end);
    if require_tool("openssl") {
        let cert = env.write("a.pem", run.json()["pem"].as_str().unwrap());
        let dates = tool("openssl", ["x509", "-in", p(&cert), "-noout", "-dates"])
            .success()
            .stdout;
        assert!(dates.contains("notBefore="), "{dates}");
    }
    let date = (time::OffsetDateTime::now_utc() + time::Duration::days(60)).date();
    let run = issue(
        &env,
        &ca,
        "b",
        "person",
        &["--not-after", &date.to_string()],
    )
    .success();
    assert_eq!(
        json_str(&run.json(), "not_after"),
        format!("{date}T00:00:00Z")
    );

    // Back to the CA's own start (a moment ago): allowed; before it, or hours back: refused.
    issue(
        &env,
        &ca,
        "c",
        "person",
        &["--not-before", &ca_nb, "--validity", "30d"],
    )
    .success();
    let early = (ts(&ca_nb) - time::Duration::seconds(60))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let run = issue(&env, &ca, "d", "person", &["--not-before", &early]).code(2);
    assert!(
        run.error_text()
            .contains(&format!("before the CA's own notBefore `{ca_nb}`")),
        "{}",
        run.describe()
    );
    let run = issue(
        &env,
        &ca,
        "e",
        "person",
        &["--not-before", &days_from_now(-2)],
    )
    .code(2);
    assert!(
        run.error_text().contains("more than an hour before now"),
        "{}",
        run.describe()
    );

    // Past the CA's end: exit 2 naming it (the old behaviour cut it with a warning).
    let before = list(&env, &ca, &[]);
    let run = issue(&env, &ca, "f", "person", &["--validity", "2y"]).code(2);
    assert!(
        run.error_text()
            .contains(&format!("after the CA's own notAfter `{ca_na}`")),
        "{}",
        run.describe()
    );
    assert!(
        run.error_text().contains("hint: ask for --not-after"),
        "{}",
        run.describe()
    );
    // An empty window, an unreadable time, and --validity with --not-after.
    issue(
        &env,
        &ca,
        "g",
        "person",
        &["--not-before", &end, "--not-after", &end],
    )
    .code(2);
    issue(&env, &ca, "h", "person", &["--not-after", "tomorrow"]).code(2);
    issue(
        &env,
        &ca,
        "i",
        "person",
        &["--validity", "1y", "--not-after", &end],
    )
    .code(2);
    assert_eq!(list(&env, &ca, &[]), before);
}
