//! `cert renew SERIAL|FILE --ca URL` (docs/api.md), a real `govpki serve` on loopback: the
//! server renews as the local verb does (asked of the policy as an issuance of the profile to
//! the subject, `cert.renew NEW renews OLD` with the issuance), the client prints the local
//! verb's text and `--json` (the same keys), writes the file; `--rekey --key-out` makes the key
//! on the client and `--rekey --csr` sends the CSR; `--revoke-old` and a foreign CA's file are
//! refused (exit 2); then `audit verify` of the home passes (the acts held to the signed
//! operative content) and `cert list` shows the old and the new serials.

mod common;

use common::remote::{CLERK, Env, json, keys, serial_of};

#[test]
fn a_renewal_through_the_service_is_the_local_one_and_the_log_accounts_for_it() {
    let env = Env::governed(|env| {
        env.issue("home", "clerk", "person", CLERK, &[]);
        env.issue("home", "clerk-local", "person", CLERK, &[]);
        env.issue("home", "clerk-rekey", "person", CLERK, &[]);
        env.issue("home", "clerk-csr", "person", CLERK, &[]);
        env.ca("other", "CN=另一个CA,O=连云港市人民政府,C=CN");
        env.issue("other", "foreign", "person", CLERK, &[]);
    });
    let server = env.serve();
    let url = server.url("intranet").to_string();
    let old = serial_of(&env, "home", "clerk.pem");

    // By serial, --json: the local verb's object, the file written on the client.
    let (code, out, err) = env.remote(
        &url,
        "officer",
        &[
            "--json",
            "cert",
            "renew",
            &old,
            "--validity",
            "1y",
            "--out",
            &env.p("clerk-2028.pem"),
        ],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    let renewed = json(&out);
    let (code, local, err) = env.local_as(
        "officer",
        &[
            "--json",
            "cert",
            "renew",
            &env.p("clerk-local.pem"),
            "--out",
            &env.p("clerk-local-2028.pem"),
        ],
    );
    assert_eq!(code, 0, "{local}\n{err}");
    assert_eq!(keys(&renewed), keys(&json(&local)));
    assert_eq!(renewed["renews"], old.as_str());
    assert_eq!(renewed["old_revoked"], false);
    assert_eq!(renewed["out"], env.p("clerk-2028.pem").as_str());
    assert_eq!(renewed["key_out"], serde_json::Value::Null);
    let new = renewed["serial"].as_str().unwrap().to_string();
    assert_ne!(new, old);
    let written = std::fs::read_to_string(env.path("clerk-2028.pem")).unwrap();
    assert_eq!(written, renewed["pem"].as_str().unwrap());
    let shown = json(&env.ok("home", &["--json", "cert", "show", &new]));
    assert_eq!(shown["renews"], old.as_str(), "{shown}");

    // By file, text: the local verb's lines; --rekey --key-out makes the key here.
    let rekey_old = serial_of(&env, "home", "clerk-rekey.pem");
    let (code, out, err) = env.remote(
        &url,
        "officer",
        &[
            "cert",
            "renew",
            &env.p("clerk-rekey.pem"),
            "--rekey",
            "--key-out",
            &env.p("clerk-rekey-2028.key"),
            "--no-key-passphrase",
        ],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        err.contains(&format!("renewed certificate {rekey_old} as ")),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "{rekey_old} stays valid until it expires (--revoke-old revokes it)"
        )),
        "{err}"
    );
    assert!(err.contains("the new key is stored unencrypted"), "{err}");
    assert!(out.contains("BEGIN CERTIFICATE"), "{out}");
    let key = std::fs::read_to_string(env.path("clerk-rekey-2028.key")).unwrap();
    assert!(key.contains("PRIVATE KEY"));

    // --rekey --csr: the CSR's key is certified.
    env.ok(
        "client",
        &[
            "csr",
            "create",
            "--subject",
            CLERK,
            "--key-out",
            &env.p("clerk-csr-2028.key"),
            "--no-passphrase",
            "--out",
            &env.p("clerk-csr-2028.csr"),
        ],
    );
    let (code, out, err) = env.remote(
        &url,
        "officer",
        &[
            "--json",
            "cert",
            "renew",
            &env.p("clerk-csr.pem"),
            "--rekey",
            "--csr",
            &env.p("clerk-csr-2028.csr"),
        ],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    let by_csr = json(&out);
    assert_eq!(
        by_csr["renews"],
        serial_of(&env, "home", "clerk-csr.pem").as_str()
    );

    // Refused on the client, naming what is wrong: another CA's file, --revoke-old.
    let (code, out, err) = env.remote(&url, "officer", &["cert", "renew", &env.p("foreign.pem")]);
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(
        err.contains(&format!("`{}`", env.p("foreign.pem"))),
        "{err}"
    );
    let (code, _, err) = env.remote(&url, "officer", &["cert", "renew", &new, "--revoke-old"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--revoke-old is not offered over --ca"),
        "{err}"
    );
    // A revoked certificate is not renewed, as locally (exit 2, the server's reason).
    let (code, out, err) = env.remote(
        &url,
        "officer",
        &["cert", "revoke", &rekey_old, "--reason", "superseded"],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    let (code, _, err) = env.remote(&url, "officer", &["cert", "renew", &rekey_old]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("a revoked certificate is not renewed"),
        "{err}"
    );

    drop(server);
    env.ok("home", &["audit", "verify"]);
    let listed = env.listed("home");
    for serial in [&old, &new] {
        assert!(
            listed
                .iter()
                .any(|(s, status)| s == serial && status == "valid"),
            "{serial} in {listed:?}"
        );
    }
}
