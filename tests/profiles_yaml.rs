//! A home's own profiles (`$GOVPKI_HOME/profiles/NAME.yaml`, DESIGN §3): one issues a
//! certificate openssl and pkilint accept, with the usages, SAN rules and maximum validity it
//! defines; a malformed profile file is exit 2 with a one-line error naming the file and key.

mod common;

use common::{Env, json_str, list, p, require_tool, row, subject_for, tool};

const STAFF: &str = "\
basedOn: person
description: 公务员一年期证书
keyUsage: [digitalSignature]
extendedKeyUsage: [clientAuth, 1.2.156.10197.6.1]
maxValidity: 1y
sans: {required: [email], allowed: [email]}
";

fn pkilint(cert: &std::path::Path) {
    let run = tool("lint_pkix_cert", ["lint", "-s", "ERROR", p(cert)]);
    assert_eq!(run.code, Some(0), "{}", run.describe());
    assert!(run.stdout.trim().is_empty(), "{}", run.describe());
}

#[test]
fn a_home_profile_issues_what_it_defines() {
    let env = Env::new();
    let ca = env.root_ca("root", "p256", &[]);
    std::fs::create_dir(ca.home.join("profiles")).unwrap();
    std::fs::write(ca.home.join("profiles/staff-1y.yaml"), STAFF).unwrap();

    let listed = env
        .run(&ca.home, ["--json", "cert", "profiles"])
        .success()
        .json();
    let staff = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "staff-1y")
        .expect("the home profile is listed");
    assert_eq!(staff["based_on"], "person");
    assert_eq!(staff["max_validity_days"], 365);
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["name"] == "server")
    );
    let text = env.run(&ca.home, ["cert", "profiles"]).success().stdout;
    assert!(
        text.contains("staff-1y") && text.contains("公务员一年期证书"),
        "{text}"
    );

    let issued = env.issue(
        &ca,
        "zs",
        "staff-1y",
        &subject_for("person"),
        &["email:zhangsan@example.gov.cn"],
        &[],
    );
    assert_eq!(json_str(&issued.json, "profile"), "staff-1y");
    // The default validity is the profile's maximum here: one year, not the base's two.
    let at = |k: &str| {
        time::OffsetDateTime::parse(
            &json_str(&issued.json, k),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap()
    };
    assert_eq!(
        at("not_after") - at("not_before"),
        time::Duration::days(365)
    );
    assert_eq!(
        row(&list(&env, &ca, &[]), &issued.serial)["profile"],
        "staff-1y"
    );
    if require_tool("openssl") {
        tool(
            "openssl",
            [
                "verify",
                "-CAfile",
                p(&ca.cert),
                "-purpose",
                "sslclient",
                p(&issued.cert),
            ],
        )
        .success();
        let ext = tool(
            "openssl",
            [
                "x509",
                "-in",
                p(&issued.cert),
                "-noout",
                "-ext",
                "keyUsage,extendedKeyUsage",
            ],
        )
        .success()
        .stdout;
        assert!(ext.contains("TLS Web Client Authentication"), "{ext}");
        assert!(ext.contains("1.2.156.10197.6.1"), "{ext}");
        assert!(
            !ext.contains("E-mail Protection"),
            "the base's EKU is replaced\n{ext}"
        );
        assert!(
            !ext.contains("Non Repudiation"),
            "the base's key usage is replaced\n{ext}"
        );
    }
    if require_tool("lint_pkix_cert") {
        pkilint(&issued.cert);
    }

    // A renewal keeps the home profile (its usages and its maximum).
    let renewed = env
        .run(&ca.home, ["--json", "cert", "renew", &issued.serial])
        .success()
        .json();
    assert_eq!(json_str(&renewed, "profile"), "staff-1y");
    let renewed_cert = env.write("zs-2.pem", renewed["pem"].as_str().unwrap());
    if require_tool("openssl") {
        let ext = tool(
            "openssl",
            [
                "x509",
                "-in",
                p(&renewed_cert),
                "-noout",
                "-ext",
                "extendedKeyUsage",
            ],
        )
        .success()
        .stdout;
        assert!(ext.contains("1.2.156.10197.6.1"), "{ext}");
    }
    env.run(
        &ca.home,
        ["cert", "renew", &issued.serial, "--validity", "2y"],
    )
    .code(2);

    // Its own rules: the maximum, the required and allowed SANs.
    let before = list(&env, &ca, &[]);
    let key = env.path("x.key");
    let attempt = |extra: &[&str]| {
        let mut args = vec![
            "cert",
            "issue",
            "--profile",
            "staff-1y",
            "--subject",
            "CN=李四,OU=办公室,O=连云港市人民政府,C=CN",
            "--key-out",
            p(&key),
            "--no-key-passphrase",
        ];
        args.extend_from_slice(extra);
        env.run(&ca.home, args).code(2)
    };
    let run = attempt(&["--san", "email:ls@example.gov.cn", "--validity", "2y"]);
    assert!(
        run.stderr
            .contains("maximum of profile `staff-1y`, 365 days"),
        "{}",
        run.describe()
    );
    let run = attempt(&[]);
    assert!(
        run.stderr.contains("profile `staff-1y` needs a email: SAN"),
        "{}",
        run.describe()
    );
    let run = attempt(&["--san", "email:ls@example.gov.cn,uri:https://a.example"]);
    assert!(
        run.stderr.contains("does not allow SAN `uri:"),
        "{}",
        run.describe()
    );
    assert!(!key.exists());
    assert_eq!(list(&env, &ca, &[]), before);
}

#[test]
fn a_malformed_profile_file_is_exit_2_with_one_line_naming_file_and_key() {
    let env = Env::new();
    let ca = env.root_ca("root", "p256", &[]);
    let dir = ca.home.join("profiles");
    std::fs::create_dir(&dir).unwrap();
    let bad = dir.join("bad.yaml");
    std::fs::write(&bad, "basedOn: person\nkeyUsages: [digitalSignature]\n").unwrap();
    let key = env.path("bad.key");
    let run = env
        .run(
            &ca.home,
            [
                "cert",
                "issue",
                "--profile",
                "bad",
                "--subject",
                &subject_for("person"),
                "--key-out",
                p(&key),
                "--no-key-passphrase",
            ],
        )
        .code(2);
    assert!(
        run.stderr
            .contains(&format!("profile file `{}`", bad.display()))
            && run.stderr.contains("keyUsages"),
        "{}",
        run.describe()
    );
    assert_eq!(run.error_lines().len(), 1, "{}", run.describe());
    assert!(!key.exists());
    let run = env.run(&ca.home, ["cert", "profiles"]).code(2);
    assert!(run.stderr.contains("keyUsages"), "{}", run.describe());

    // Not YAML, a usage that makes a CA, an unknown profile.
    std::fs::write(&bad, "basedOn: [person\n").unwrap();
    let run = env.run(&ca.home, ["cert", "profiles"]).code(2);
    assert_eq!(run.error_lines().len(), 1, "{}", run.describe());
    std::fs::write(&bad, "basedOn: person\nkeyUsage: [keyCertSign]\n").unwrap();
    let run = env.run(&ca.home, ["cert", "profiles"]).code(2);
    assert!(
        run.stderr.contains("keyUsage: unknown value `keyCertSign`"),
        "{}",
        run.describe()
    );
    let run = env
        .run(
            &ca.home,
            [
                "cert",
                "issue",
                "--profile",
                "nosuch",
                "--subject",
                &subject_for("person"),
                "--key-out",
                p(&key),
                "--no-key-passphrase",
            ],
        )
        .code(2);
    assert!(
        run.stderr.contains("unknown profile `nosuch`"),
        "{}",
        run.describe()
    );
}
