//! `authz check` fails closed (DESIGN.md §5): a deny pattern with a `${subject.X}` the subject
//! lacks applies to every resource its action matches; an allow pattern with it matches
//! nothing; a resource with an empty, `.` or `..` segment is an error; a department scope covers
//! only resources strictly under `dept/D/`. Each is checked with the compiled-policy cache off,
//! then written and read back through it.

mod common;

use std::path::Path;

use common::{Env, Run, p};

const POLICY: &str = r#"
roles:
  - id: archivist
    permissions:
      - id: revoke-seals
        actions: seal.revoke
        resources: dept/*/seal/*
  - id: keeper
    permissions:
      - id: own-seals
        actions: seal.apply
        resources: dept/${subject.department}/seal/*
  - id: clerk
    permissions:
      - id: any-dept
        actions: doc.read
        resources: dept/*
bindings:
  - id: b-archivist
    subject: {title: archivist}
    roles: archivist
  - id: b-keeper
    subject: {title: keeper}
    roles: keeper
  - id: b-clerk
    subject: {title: clerk}
    roles: clerk
    scope: 财政局
deny:
  - id: invoice-seals-stay-home
    actions: seal.revoke
    resources: dept/${subject.department}/seal/invoice
"#;

/// `authz check`; `cache` is the compiled-policy cache directory, or `None` for no cache.
fn check(env: &Env, cache: Option<&Path>, subject: &[&str], action: &str, resource: &str) -> Run {
    let policy = env.write("policy.yaml", POLICY);
    let mut args: Vec<String> = vec![
        "--json".into(),
        "authz".into(),
        "check".into(),
        "--policy".into(),
        p(&policy).into(),
    ];
    for s in subject {
        args.push("--subject".into());
        args.push((*s).into());
    }
    args.extend([
        "--action".into(),
        action.into(),
        "--resource".into(),
        resource.into(),
        "--explain".into(),
    ]);
    let home = env.path("home");
    let mut cmd = common::govpki(&home, env.root());
    if let Some(dir) = cache {
        cmd.env_remove("GOVPKI_NO_CACHE")
            .env("GOVPKI_CACHE_DIR", dir);
    }
    let out = assert_cmd::Command::from_std(cmd)
        .args(&args)
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .expect("spawn govpki");
    let run = Run {
        args,
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stdout_bytes: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(!run.stderr.contains("panicked"), "{}", run.describe());
    run
}

/// Runs `f` without the cache, then twice with one (compiling, then reading the entry).
fn each_way(f: impl Fn(&Env, Option<&Path>)) {
    let env = Env::new();
    f(&env, None);
    let cache = env.path("cache");
    f(&env, Some(&cache));
    f(&env, Some(&cache));
}

fn cache_written(cache: Option<&Path>) {
    if let Some(dir) = cache {
        assert!(
            std::fs::read_dir(dir).is_ok_and(|mut d| d.next().is_some()),
            "the cache was not written"
        );
    }
}

#[test]
fn a_deny_with_a_missing_attribute_applies_to_every_resource_of_its_action() {
    each_way(|env, cache| {
        // No department: `dept/${subject.department}/seal/invoice` stops every seal.revoke.
        for resource in [
            "dept/档案局/seal/contract",
            "dept/财政局/seal/official",
            "dept/档案局/seal/invoice",
        ] {
            let run = check(env, cache, &["title=archivist"], "seal.revoke", resource).code(1);
            let v = run.json();
            assert_eq!(v["decision"], "deny", "{}", run.describe());
            assert!(
                run.stdout.contains("invoice-seals-stay-home"),
                "{}",
                run.describe()
            );
        }
        // Two departments are no single value either.
        check(
            env,
            cache,
            &["title=archivist", "department=档案局", "department=财政局"],
            "seal.revoke",
            "dept/档案局/seal/contract",
        )
        .code(1);
        // A department of `.` or `..` (a certificate's OU may say so) would make the deny
        // pattern `dept/../seal/invoice`, which no well-formed resource matches: it counts as
        // no department, so the deny still applies.
        for dot in ["department=.", "department=.."] {
            let run = check(
                env,
                cache,
                &["title=archivist", dot],
                "seal.revoke",
                "dept/档案局/seal/contract",
            )
            .code(1);
            assert!(
                run.stdout.contains("invoice-seals-stay-home"),
                "{}",
                run.describe()
            );
        }
        // With a department the deny is what it says: only that department's invoice seal.
        let with = ["title=archivist", "department=档案局"];
        check(
            env,
            cache,
            &with,
            "seal.revoke",
            "dept/档案局/seal/contract",
        )
        .code(0);
        check(env, cache, &with, "seal.revoke", "dept/财政局/seal/invoice").code(0);
        check(env, cache, &with, "seal.revoke", "dept/档案局/seal/invoice").code(1);
        cache_written(cache);
    });
}

#[test]
fn an_allow_with_a_missing_attribute_matches_nothing() {
    each_way(|env, cache| {
        for resource in ["dept/财政局/seal/official", "dept/x/seal/y"] {
            let run = check(env, cache, &["title=keeper"], "seal.apply", resource).code(1);
            assert_eq!(run.json()["decision"], "deny", "{}", run.describe());
        }
        check(
            env,
            cache,
            &["title=keeper", "department=财政局"],
            "seal.apply",
            "dept/财政局/seal/official",
        )
        .code(0);
    });
}

#[test]
fn a_resource_with_an_empty_dot_or_dot_dot_segment_is_an_error() {
    each_way(|env, cache| {
        for resource in [
            "dept/档案局/",
            "dept//seal/contract",
            "dept/./seal/contract",
            "dept/档案局/../财政局/seal/contract",
            ".",
            "/dept/档案局/seal/contract",
        ] {
            let run = check(env, cache, &["title=archivist"], "seal.revoke", resource).code(2);
            // A `--json` run's error is one JSON line on stdout (issue #12).
            let error: serde_json::Value =
                serde_json::from_str(run.stdout.trim()).expect("a JSON error line");
            assert!(
                error["error"]
                    .as_str()
                    .is_some_and(|e| e.contains("segment")),
                "{resource}: {}",
                run.describe()
            );
        }
    });
}

#[test]
fn a_department_scope_covers_only_resources_strictly_under_it() {
    each_way(|env, cache| {
        let clerk = ["title=clerk"];
        check(env, cache, &clerk, "doc.read", "dept/财政局/doc/1").code(0);
        check(env, cache, &clerk, "doc.read", "dept/财政局").code(1);
        check(env, cache, &clerk, "doc.read", "dept/财政局局/doc/1").code(1);
        check(env, cache, &clerk, "doc.read", "dept/档案局/doc/1").code(1);
    });
}

/// A deny file of a policy directory that cannot be read (replaced by a FIFO, a directory or a
/// dangling link) stops the command: it is never skipped into an allow.
#[test]
fn an_unreadable_policy_file_in_a_directory_is_an_error_not_a_skip() {
    let env = Env::new();
    let dir = env.path("policy");
    std::fs::create_dir_all(&dir).unwrap();
    let (allow, deny) = POLICY.split_once("deny:").unwrap();
    std::fs::write(dir.join("allow.yaml"), allow).unwrap();
    let run = |env: &Env| {
        let mut cmd = common::govpki(&env.path("home"), env.root());
        cmd.args([
            "authz",
            "check",
            "--policy",
            p(&dir),
            "--subject",
            "title=archivist",
            "--action",
            "seal.revoke",
            "--resource",
            "dept/档案局/seal/contract",
        ]);
        let out = assert_cmd::Command::from_std(cmd)
            .timeout(std::time::Duration::from_secs(60))
            .output()
            .expect("spawn govpki");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    // Sanity: without the deny file, allowed; with it, denied.
    assert_eq!(run(&env).0, Some(0));
    std::fs::write(dir.join("deny.yaml"), format!("deny:{deny}")).unwrap();
    assert_eq!(run(&env).0, Some(1));
    // A dangling link in its place.
    std::fs::remove_file(dir.join("deny.yaml")).unwrap();
    std::os::unix::fs::symlink(dir.join("gone.yaml.txt"), dir.join("deny.yaml")).unwrap();
    let (code, err) = run(&env);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("deny.yaml"), "{err}");
    // A FIFO in its place: refused at once, not read, not skipped.
    std::fs::remove_file(dir.join("deny.yaml")).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(dir.join("deny.yaml"))
        .status()
        .expect("mkfifo");
    assert!(made.success());
    let (code, err) = run(&env);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("deny.yaml"), "{err}");
}
