//! `cert revoke FILE --ca URL` and `seal revoke FILE --ca URL` (docs/api.md), a real `govpki
//! serve` on loopback: the client checks the file against the CA certificate it fetched from
//! the server (issuer name AND signature; for a seal, its authority's signature and that the
//! authority is the CA or was issued by it) and sends its serial or esID. A file of a foreign
//! CA, or one forged by a CA of the same name, is refused with exit 2 naming the file, and
//! nothing is revoked; the CA's own files are revoked, and `audit verify` passes.

mod common;

use common::remote::{CLERK, Env, HOLDER, ROOT, json, keys, serial_of};

/// The served CA with a clerk's certificate and an official seal made before the policy; a
/// foreign CA (`other`) and a twin (`twin`, the served root's name with another key), each with
/// a certificate and a seal of its own.
fn setup() -> Env {
    Env::governed(|env| {
        env.issue("home", "clerk", "person", CLERK, &[]);
        env.issue("home", "clerk2", "person", CLERK, &[]);
        env.seal("home", "holder", "office.esl");
        env.ca("other", "CN=另一个CA,O=连云港市人民政府,C=CN");
        env.issue("other", "foreign", "person", CLERK, &[]);
        env.issue("other", "foreign-holder", "seal", HOLDER, &[]);
        env.seal("other", "foreign-holder", "foreign.esl");
        env.ca("twin", ROOT);
        env.issue("twin", "forged", "person", CLERK, &[]);
        env.issue("twin", "forged-holder", "seal", HOLDER, &[]);
        env.seal("twin", "forged-holder", "forged.esl");
    })
}

#[test]
fn a_certificate_file_is_revoked_only_if_the_served_ca_issued_and_signed_it() {
    let env = setup();
    let server = env.serve();
    let url = server.url("intranet").to_string();
    let before = env.listed("home");

    // Another CA's certificate: its issuer is not the served CA.
    let (code, out, err) = env.remote(&url, "officer", &["cert", "revoke", &env.p("foreign.pem")]);
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(
        err.contains(&format!("`{}`", env.p("foreign.pem"))),
        "{err}"
    );
    assert!(err.contains("was not issued by the service's CA"), "{err}");

    // The served CA's name, another key: the signature does not verify. Refused among good
    // arguments, before anything is sent.
    let clerk = serial_of(&env, "home", "clerk.pem");
    let (code, out, err) = env.remote(
        &url,
        "officer",
        &["cert", "revoke", &clerk, &env.p("forged.pem")],
    );
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(err.contains(&format!("`{}`", env.p("forged.pem"))), "{err}");
    assert!(err.contains("signature does not verify"), "{err}");
    assert_eq!(env.listed("home"), before, "nothing was revoked");

    // With --json the error is one JSON line on stdout, exit 2.
    let (code, out, _) = env.remote(
        &url,
        "officer",
        &["--json", "cert", "revoke", &env.p("forged.pem")],
    );
    assert_eq!(code, 2);
    assert!(json(&out)["error"].as_str().unwrap().contains("forged.pem"));

    // The CA's own files (PEM, and DER) are revoked by their serials, as locally.
    let der = env.path("clerk2.der");
    let pem = std::fs::read_to_string(env.path("clerk2.pem")).unwrap();
    std::fs::write(&der, pem::parse(pem).unwrap().contents()).unwrap();
    let (code, out, err) = env.remote(
        &url,
        "officer",
        &[
            "--json",
            "cert",
            "revoke",
            &env.p("clerk.pem"),
            der.to_str().unwrap(),
            "--reason",
            "keyCompromise",
        ],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    let revoked = json(&out);
    assert_eq!(keys(&revoked), ["reason", "revoked", "revoked_at"]);
    let mut got: Vec<String> = revoked["revoked"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect();
    got.sort();
    let mut want = vec![clerk.clone(), serial_of(&env, "home", "clerk2.pem")];
    want.sort();
    assert_eq!(got, want);
    drop(server);
    env.ok("home", &["audit", "verify"]);
}

#[test]
fn a_seal_file_is_revoked_only_if_the_served_ca_made_it() {
    let env = setup();
    let server = env.serve();
    let url = server.url("intranet").to_string();

    for (file, says) in [
        ("foreign.esl", "was not made by the service's CA"),
        ("forged.esl", "signature does not verify"),
    ] {
        let (code, out, err) = env.remote(&url, "sealer", &["seal", "revoke", &env.p(file)]);
        assert_eq!(code, 2, "{file}\n{out}\n{err}");
        assert!(err.contains(&format!("`{}`", env.p(file))), "{err}");
        assert!(err.contains(says), "{file}: {err}");
    }
    // A seal file altered after it was made: its authority's signature no longer verifies.
    let mut altered = std::fs::read(env.path("office.esl")).unwrap();
    let at = altered
        .windows("办公室".len())
        .position(|w| w == "办公室".as_bytes())
        .unwrap();
    altered[at..at + "办公室".len()].copy_from_slice("财政局".as_bytes());
    std::fs::write(env.path("altered.esl"), &altered).unwrap();
    let (code, _, err) = env.remote(&url, "sealer", &["seal", "revoke", &env.p("altered.esl")]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("altered.esl"), "{err}");
    assert!(err.contains("signature does not verify"), "{err}");

    let shown = json(&env.ok("home", &["--json", "seal", "show", &env.p("office.esl")]));
    let (code, out, err) = env.remote(
        &url,
        "sealer",
        &[
            "--json",
            "seal",
            "revoke",
            &env.p("office.esl"),
            "--reason",
            "印章遗失",
        ],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    let revoked = json(&out);
    assert_eq!(keys(&revoked), ["es_id", "reason", "revoked_at"]);
    assert_eq!(revoked["es_id"], shown["es_id"], "{shown}");
    drop(server);
    env.ok("home", &["audit", "verify"]);
}
