//! The compiled-policy cache seen from outside: `authz check` stores one private entry per
//! compiled policy in `GOVPKI_CACHE_DIR`, a hit answers exactly as a load, an edit is never
//! answered from a stale entry, and an entry that is garbage or that someone else could have
//! written is ignored. Every run here has its own cache directory (never the real home's).

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use govpki::authz::{Policy, cache_key};

const ROLES: &str = r#"
roles:
  - id: keeper
    permissions:
      - id: keeper-apply
        actions: seal.apply
        resources: dept/${subject.department}/seal/*
        when:
          domain: [intranet]
          time: {zone: Asia/Shanghai, days: [mon, tue, wed, thu, fri], from: "08:30", to: "17:30"}
  - id: unused
    permissions:
      - {id: unused-read, actions: doc.read, resources: "dept/*"}
"#;

const BINDINGS: &str = r#"
bindings:
  - id: bind-keepers
    subject: {title: keeper}
    roles: keeper
"#;

const DENY: &str = r#"
deny:
  - id: deny-finance-seal
    actions: seal.apply
    resources: dept/*/seal/finance
"#;

/// The finance keeper applies the finance seal on a Tuesday morning: allowed by `ROLES`.
const REQUEST: &[&str] = &[
    "authz",
    "check",
    "--subject",
    "title=keeper",
    "--subject",
    "department=财政局",
    "--action",
    "seal.apply",
    "--resource",
    "dept/财政局/seal/finance",
    "--context",
    "domain=intranet",
    "--context",
    "time=2026-12-01T10:00:00+08:00",
];

struct Setup {
    dir: tempfile::TempDir,
}

impl Setup {
    fn new() -> Setup {
        let s = Setup {
            dir: tempfile::tempdir().unwrap(),
        };
        s.write("policy/roles.yaml", ROLES);
        s.write("policy/bindings.yaml", BINDINGS);
        s
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn write(&self, rel: &str, text: &str) {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    /// Not created by the setup: govpki makes it.
    fn cache(&self) -> PathBuf {
        self.path("cache/govpki/policies")
    }

    fn entries(&self) -> Vec<PathBuf> {
        match std::fs::read_dir(self.cache()) {
            Ok(list) => list.map(|e| e.unwrap().path()).collect(),
            Err(_) => Vec::new(),
        }
    }

    /// govpki in the temporary directory, with the cache there and the user's cache settings
    /// (and home) out of reach.
    fn govpki(&self) -> Command {
        let mut cmd = Command::new(assert_cmd::cargo::cargo_bin!("govpki"));
        cmd.current_dir(self.dir.path())
            .env("NO_COLOR", "1")
            .env("GOVPKI_CACHE_DIR", self.cache())
            .env("HOME", self.path("home"))
            .env("XDG_CACHE_HOME", self.path("xdg"))
            .env_remove("GOVPKI_NO_CACHE")
            .env_remove("GOVPKI_HOME")
            .arg("--home")
            .arg(self.path("home/.govpki"));
        cmd
    }

    fn check(&self, policy: &str, extra: &[&str]) -> Output {
        self.govpki()
            .args(REQUEST)
            .args(extra)
            .args(["--policy", policy])
            .output()
            .unwrap()
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

/// Stderr without the cache's own `-v` messages.
fn without_cache_lines(stderr: &[u8]) -> String {
    text(stderr)
        .lines()
        .filter(|l| !l.contains("cache") && !l.contains("compiled policy"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_first_run_stores_one_private_entry_and_the_second_answers_the_same() {
    let s = Setup::new();
    let first = s.check("policy", &["--explain"]);
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
    assert!(text(&first.stdout).starts_with("allow: "));
    let entries = s.entries();
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(mode(&entries[0]), 0o600);
    assert_eq!(mode(&s.cache()), 0o700);
    let name = entries[0].file_name().unwrap().to_str().unwrap().to_owned();
    assert!(
        name.len() == 64 && name.bytes().all(|b| b.is_ascii_hexdigit()),
        "{name}"
    );
    let stored = std::fs::read(&entries[0]).unwrap();

    let second = s.check("policy", &["--explain"]);
    assert_eq!(second.status.code(), first.status.code());
    assert_eq!(text(&second.stdout), text(&first.stdout));
    assert_eq!(text(&second.stderr), text(&first.stderr));
    // Answered from the entry, which was left as it was.
    assert_eq!(s.entries(), entries);
    assert_eq!(std::fs::read(&entries[0]).unwrap(), stored);

    // JSON output and the warnings (shown with -v) are the same from the cache.
    let verbose = s.check("policy", &["-v", "--json"]);
    assert!(
        text(&verbose.stderr).contains("compiled policy from cache"),
        "{}",
        text(&verbose.stderr)
    );
    let fresh = s
        .govpki()
        .env("GOVPKI_NO_CACHE", "1")
        .args(REQUEST)
        .args(["-v", "--json", "--policy", "policy"])
        .output()
        .unwrap();
    assert_eq!(text(&verbose.stdout), text(&fresh.stdout));
    let warnings = without_cache_lines(&verbose.stderr);
    assert!(
        warnings.contains("role `unused` is given by no binding"),
        "{warnings}"
    );
    assert_eq!(warnings, without_cache_lines(&fresh.stderr));
}

#[test]
fn an_edited_policy_is_never_answered_from_a_stale_entry() {
    let s = Setup::new();
    assert_eq!(s.check("policy", &[]).status.code(), Some(0));
    // A new file in the policy directory.
    s.write("policy/deny.yaml", DENY);
    let out = s.check("policy", &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("denied by rule `deny-finance-seal`"));
    // An edit inside a file, same name and same length.
    s.write(
        "policy/deny.yaml",
        &DENY.replace("seal/finance", "seal/official"),
    );
    assert_eq!(s.check("policy", &[]).status.code(), Some(0));
    // Back to the first version: its entry answers again.
    std::fs::remove_file(s.path("policy/deny.yaml")).unwrap();
    assert_eq!(s.check("policy", &[]).status.code(), Some(0));
    assert_eq!(s.entries().len(), 3);
}

#[test]
fn a_garbage_entry_is_ignored_and_replaced() {
    let s = Setup::new();
    s.write("policy/deny.yaml", DENY);
    assert_eq!(s.check("policy", &[]).status.code(), Some(1));
    let entry = s.entries().pop().unwrap();
    std::fs::write(&entry, b"not a compiled policy at all").unwrap();
    let out = s.check("policy", &["-v"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("denied by rule `deny-finance-seal`"));
    assert!(
        text(&out.stderr).contains("does not check out"),
        "{}",
        text(&out.stderr)
    );
    // Rewritten with the real thing.
    assert_ne!(
        std::fs::read(&entry).unwrap(),
        b"not a compiled policy at all"
    );
    let hit = s.check("policy", &["-v"]);
    assert!(text(&hit.stderr).contains("compiled policy from cache"));
    // Truncated: the same.
    let bytes = std::fs::read(&entry).unwrap();
    std::fs::write(&entry, &bytes[..bytes.len() / 2]).unwrap();
    assert_eq!(s.check("policy", &[]).status.code(), Some(1));
}

#[test]
fn an_entry_others_could_have_written_is_ignored() {
    let s = Setup::new();
    s.write("p.yaml", &format!("{ROLES}{BINDINGS}{DENY}"));
    // A valid entry for `p.yaml` that allows everything, as another user might plant it.
    let sources = vec![(
        PathBuf::from("p.yaml"),
        std::fs::read_to_string(s.path("p.yaml")).unwrap(),
    )];
    let lenient = format!("{ROLES}{BINDINGS}");
    let (policy, warnings) = Policy::load(&[(PathBuf::from("p.yaml"), lenient)]).unwrap();
    let key = cache_key(&sources);
    let forged = policy.to_cache_bytes(&warnings, &key).unwrap();
    std::fs::create_dir_all(s.cache()).unwrap();
    let entry = s.cache().join(hex::encode(key));
    std::fs::write(&entry, &forged).unwrap();

    for writable in [0o620, 0o602] {
        std::fs::set_permissions(&entry, std::fs::Permissions::from_mode(writable)).unwrap();
        let out = s.check("p.yaml", &["-v"]);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
        assert!(
            text(&out.stderr).contains("writable by group or others"),
            "{}",
            text(&out.stderr)
        );
        // The policy was loaded from its file instead, and its entry replaced the planted one.
        assert_eq!(mode(&entry), 0o600);
        assert_ne!(std::fs::read(&entry).unwrap(), forged);
        std::fs::write(&entry, &forged).unwrap();
    }
    // The same entry with safe permissions is trusted: the permission check is what refused it.
    std::fs::set_permissions(&entry, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert_eq!(s.check("p.yaml", &[]).status.code(), Some(0));
}

#[test]
fn no_cache_reads_and_writes_nothing() {
    let s = Setup::new();
    for value in ["1", "yes"] {
        let out = s
            .govpki()
            .env("GOVPKI_NO_CACHE", value)
            .args(REQUEST)
            .args(["--policy", "policy"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    }
    assert!(!s.cache().exists());
    assert!(!s.path("home").exists());
    assert!(!s.path("xdg").exists());
}

#[test]
fn without_govpki_cache_dir_the_xdg_cache_is_used() {
    let s = Setup::new();
    let out = s
        .govpki()
        .env_remove("GOVPKI_CACHE_DIR")
        .args(REQUEST)
        .args(["--policy", "policy"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let dir = s.path("xdg/govpki/policies");
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
    assert!(!s.path("home").exists());
}

#[test]
fn a_policy_that_does_not_load_is_not_cached_and_keeps_its_locations() {
    let s = Setup::new();
    s.write(
        "policy/bindings.yaml",
        &BINDINGS.replace("roles: keeper", "roles: keepr"),
    );
    for _ in 0..2 {
        let out = s.check("policy", &[]);
        assert_eq!(out.status.code(), Some(2));
        assert!(
            text(&out.stderr).contains("policy/bindings.yaml:5:12: unknown role `keepr`"),
            "{}",
            text(&out.stderr)
        );
    }
    assert!(s.entries().is_empty());
}

#[test]
fn validate_bypasses_the_cache() {
    let s = Setup::new();
    let out = s
        .govpki()
        .args(["authz", "validate", "--policy", "policy"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("role `unused` is given by no binding"));
    assert!(s.entries().is_empty());
}

#[test]
fn an_unusable_cache_directory_changes_nothing() {
    let s = Setup::new();
    // The cache directory's name is taken by a file: nothing can be stored, and nothing fails.
    std::fs::create_dir_all(s.cache().parent().unwrap()).unwrap();
    std::fs::write(s.cache(), b"a file").unwrap();
    let out = s.check("policy", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stderr).is_empty(), "{}", text(&out.stderr));
    assert_eq!(std::fs::read(s.cache()).unwrap(), b"a file");
}
