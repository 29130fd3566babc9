//! x509-limbo (C2SP) through the chain verification that `cert verify` uses.
//!
//! Every case runs through `govpki::ca::verify::verify_chain`, the function behind `cert verify`,
//! with limbo's fields mapped as follows:
//!
//! | limbo | `VerifyInput` |
//! |---|---|
//! | `peer_certificate` | `end_entity` |
//! | `untrusted_intermediates` | `intermediates` |
//! | `trusted_certs` | `anchors` |
//! | `crls` | `crls` |
//! | `validation_time` (now when null) | `at` |
//! | `extended_key_usage` | `purpose`, see below |
//!
//! `extended_key_usage` is limbo's *constraining* list: the end entity must be fit for every
//! usage listed. An empty list (or `anyExtendedKeyUsage`) constrains nothing, which is `cert
//! verify` without `--purpose` ("any purpose", DESIGN.md §2). One usage maps to the matching
//! `Purpose`; several are checked one `Purpose` at a time and all must verify, since `cert
//! verify` takes one `--purpose` and a certificate fit for all of them is fit for each. A usage
//! `Purpose` cannot express fails the case as unsupported (none occurs in the corpus).
//! `Valid` counts as SUCCESS; `Invalid`, `Indeterminate` and `Err` (unparseable input) count as
//! FAILURE.
//!
//! What is compared, and pinned:
//! - `limbo_without_peer_name`: the cases whose `expected_peer_name` is null, i.e. the ones that
//!   do not depend on a host-name check (`cert verify` has none). Pinned: a pass-rate floor and
//!   the known divergences in `tests/limbo_known_divergences.txt` (`id  # reason` per line). A
//!   divergence not listed fails the test; a listed case that now agrees is reported so the
//!   list can shrink.
//! - `limbo_whole_corpus`: all cases. Where a case expects a peer name (DNS or IP), the test
//!   adds webpki's own name check (`verify_is_valid_for_subject_name`) after `verify_chain`, as a
//!   TLS client would; the chain part is still govpki's. Pinned the same way, with the same file.
//!
//! Only 11 of the 9,780 cases have a null `expected_peer_name`, all of them rfc822Name or
//! directoryName name-constraint cases that webpki does not implement (it rejects every such
//! constraint), which is why the whole corpus is run too. limbo's `expected_peer_names` (for
//! CLIENT validation) are not checked: `cert verify` takes no peer name.
//!
//! The corpus lives in `testdata/x509-limbo/limbo.json.gz` (provenance in
//! `testdata/x509-limbo/PROVENANCE.md`); a missing file fails the test.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::Path;
use std::sync::OnceLock;

use govpki::ca::verify::{Purpose, Verdict, VerifyInput, verify_chain};
use serde::Deserialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

const LIMBO: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/testdata/x509-limbo/limbo.json.gz"
);
const KNOWN_DIVERGENCES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/limbo_known_divergences.txt"
);

/// Pass-rate floors (percent): the rates measured when the divergence list was written, minus 0.5
/// points. Measured 2026-11-30 with rustls-webpki 0.103.17: 5/11 (45.5%) and 9707/9780 (99.3%).
const FLOOR_WITHOUT_PEER_NAME: f64 = 44.9;
const FLOOR_WHOLE_CORPUS: f64 = 98.7;

/// The number of cases of each selection in the committed corpus: fewer means the corpus was
/// emptied or cut, and the pass rate would mean nothing.
const CASES_WITHOUT_PEER_NAME: usize = 11;
const CASES_WHOLE_CORPUS: usize = 9780;

#[derive(Deserialize)]
struct Limbo {
    testcases: Vec<Testcase>,
}

#[derive(Deserialize)]
struct Testcase {
    id: String,
    trusted_certs: Vec<String>,
    untrusted_intermediates: Vec<String>,
    peer_certificate: String,
    validation_time: Option<String>,
    extended_key_usage: Vec<String>,
    expected_result: String,
    expected_peer_name: Option<PeerName>,
    #[serde(default)]
    crls: Vec<String>,
}

#[derive(Deserialize)]
struct PeerName {
    kind: String,
    value: String,
}

/// The corpus, parsed once for both tests (41 MB of JSON).
fn load() -> Option<&'static [Testcase]> {
    static CASES: OnceLock<Option<Vec<Testcase>>> = OnceLock::new();
    CASES.get_or_init(load_uncached).as_deref()
}

fn load_uncached() -> Option<Vec<Testcase>> {
    let path = Path::new(LIMBO);
    // The corpus is part of the repository (testdata/x509-limbo, see its PROVENANCE.md): a
    // missing file is a broken checkout, never a silent pass.
    assert!(path.exists(), "limbo: `{}` is missing", path.display());
    let file = std::fs::File::open(path).expect("open limbo.json.gz");
    let mut json = Vec::new();
    flate2::read::GzDecoder::new(file)
        .read_to_end(&mut json)
        .expect("gunzip limbo.json.gz");
    let limbo: Limbo = serde_json::from_slice(&json).expect("limbo.json matches limbo-schema.json");
    Some(limbo.testcases)
}

fn pem_der(pem_text: &str) -> Result<Vec<u8>, String> {
    pem::parse(pem_text)
        .map(|p| p.contents().to_vec())
        .map_err(|e| format!("PEM: {e}"))
}

/// limbo's `extended_key_usage` as the `--purpose` values to check, `None` meaning any purpose.
fn purposes(ekus: &[String]) -> Result<Vec<Option<Purpose>>, String> {
    let mut out = Vec::new();
    for eku in ekus {
        out.push(match eku.as_str() {
            "anyExtendedKeyUsage" => None,
            "serverAuth" => Some(Purpose::ServerAuth),
            "clientAuth" => Some(Purpose::ClientAuth),
            "codeSigning" => Some(Purpose::CodeSigning),
            "emailProtection" => Some(Purpose::EmailProtection),
            "timeStamping" => Some(Purpose::TimeStamping),
            "OCSPSigning" => Some(Purpose::OcspSigning),
            other => return Err(format!("unsupported extended key usage `{other}`")),
        });
    }
    if out.is_empty() {
        out.push(None);
    }
    Ok(out)
}

/// What govpki says about one case: `Ok` is SUCCESS, `Err` is FAILURE with the reason.
fn evaluate(tc: &Testcase, check_peer_name: bool) -> Result<(), String> {
    let end_entity = pem_der(&tc.peer_certificate)?;
    let intermediates = tc
        .untrusted_intermediates
        .iter()
        .map(|p| pem_der(p))
        .collect::<Result<Vec<_>, _>>()?;
    let anchors = tc
        .trusted_certs
        .iter()
        .map(|p| pem_der(p))
        .collect::<Result<Vec<_>, _>>()?;
    let crls = tc
        .crls
        .iter()
        .map(|p| pem_der(p))
        .collect::<Result<Vec<_>, _>>()?;
    let at = match &tc.validation_time {
        Some(t) => {
            OffsetDateTime::parse(t, &Rfc3339).map_err(|e| format!("validation_time `{t}`: {e}"))?
        }
        None => OffsetDateTime::now_utc(),
    };
    for purpose in purposes(&tc.extended_key_usage)? {
        let input = VerifyInput {
            policy: None,
            allow_sha1: false,
            end_entity: &end_entity,
            intermediates: &intermediates,
            anchors: &anchors,
            crls: &crls,
            at,
            purpose,
        };
        match verify_chain(&input) {
            Ok(Verdict::Valid { .. }) => {}
            Ok(Verdict::Invalid { reason, .. }) => return Err(format!("invalid: {reason}")),
            Ok(Verdict::Indeterminate { reason, .. }) => {
                return Err(format!("indeterminate: {reason}"));
            }
            Err(e) => return Err(format!("error: {e}")),
        }
    }
    if let (true, Some(peer)) = (check_peer_name, &tc.expected_peer_name) {
        check_name(&end_entity, peer)?;
    }
    Ok(())
}

/// webpki's host-name check, as a TLS client adds it on top of chain verification.
fn check_name(end_entity: &[u8], peer: &PeerName) -> Result<(), String> {
    use rustls_pki_types::{CertificateDer, ServerName};
    let der = CertificateDer::from(end_entity);
    let ee = webpki::EndEntityCert::try_from(&der).map_err(|e| format!("name check: {e:?}"))?;
    let name = match peer.kind.as_str() {
        "DNS" | "IP" => ServerName::try_from(peer.value.as_str())
            .map_err(|e| format!("peer name `{}` unusable: {e}", peer.value))?,
        other => return Err(format!("peer name kind `{other}` unsupported")),
    };
    ee.verify_is_valid_for_subject_name(&name)
        .map_err(|e| format!("peer name `{}` does not match: {e:?}", peer.value))
}

/// `id  # reason` lines; blank lines and lines starting with `#` are ignored.
fn known_divergences() -> BTreeMap<String, String> {
    let text =
        std::fs::read_to_string(KNOWN_DIVERGENCES).expect("read tests/limbo_known_divergences.txt");
    let mut out = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (id, reason) = line
            .split_once('#')
            .unwrap_or_else(|| panic!("limbo_known_divergences.txt:{}: no `# reason`", n + 1));
        let (id, reason) = (id.trim(), reason.trim());
        assert!(
            !reason.is_empty(),
            "limbo_known_divergences.txt:{}: empty reason",
            n + 1
        );
        assert!(
            out.insert(id.to_string(), reason.to_string()).is_none(),
            "limbo_known_divergences.txt:{}: `{id}` listed twice",
            n + 1
        );
    }
    out
}

fn run(label: &str, cases: &[&Testcase], check_peer_name: bool, floor: f64, min_cases: usize) {
    assert!(
        cases.len() >= min_cases,
        "limbo ({label}): only {} cases, expected at least {min_cases}: is `{LIMBO}` complete?",
        cases.len()
    );
    let known = known_divergences();
    let mut agree = 0usize;
    let mut diverging = BTreeMap::new();
    // GOVPKI_LIMBO_DUMP=1 lists the divergences, =all every case: for rewriting the list.
    let dump_var = std::env::var("GOVPKI_LIMBO_DUMP").ok();
    let dump = dump_var.as_deref();
    for tc in cases {
        let expected_success = match tc.expected_result.as_str() {
            "SUCCESS" => true,
            "FAILURE" => false,
            other => panic!("{}: unknown expected_result `{other}`", tc.id),
        };
        let actual = evaluate(tc, check_peer_name);
        let said = match &actual {
            Ok(()) => "SUCCESS".to_string(),
            Err(why) => format!("FAILURE ({why})"),
        };
        if dump == Some("all") {
            eprintln!(
                "CASE {}\texpected {}\tgovpki {said}",
                tc.id, tc.expected_result
            );
        }
        if actual.is_ok() == expected_success {
            agree += 1;
        } else {
            diverging.insert(tc.id.clone(), (tc.expected_result.clone(), said));
        }
    }
    let total = cases.len();
    let rate = 100.0 * agree as f64 / total as f64;
    eprintln!("limbo ({label}): {agree}/{total} agree ({rate:.1}%)");

    if dump.is_some() {
        for (id, (expected, said)) in &diverging {
            eprintln!("DIVERGE {id}\texpected {expected}\tgovpki {said}");
        }
    }

    let corpus: BTreeSet<&str> = load()
        .unwrap_or_default()
        .iter()
        .map(|c| c.id.as_str())
        .collect();
    let unknown: Vec<&String> = known
        .keys()
        .filter(|id| !corpus.contains(id.as_str()))
        .collect();
    assert!(
        unknown.is_empty(),
        "tests/limbo_known_divergences.txt lists ids that are not in the corpus: {unknown:?}"
    );
    let ids: BTreeSet<&str> = cases.iter().map(|c| c.id.as_str()).collect();
    let fixed: Vec<&String> = known
        .keys()
        .filter(|id| ids.contains(id.as_str()) && !diverging.contains_key(*id))
        .collect();
    for id in &fixed {
        eprintln!(
            "limbo ({label}): `{id}` now agrees; remove it from tests/limbo_known_divergences.txt"
        );
    }
    let new: Vec<String> = diverging
        .iter()
        .filter(|(id, _)| !known.contains_key(*id))
        .map(|(id, (expected, said))| format!("  {id}: expected {expected}, govpki said {said}"))
        .collect();
    assert!(
        new.is_empty(),
        "limbo ({label}): {} divergence(s) not in tests/limbo_known_divergences.txt:\n{}",
        new.len(),
        new.join("\n")
    );
    assert!(
        rate >= floor,
        "limbo ({label}): pass rate {rate:.1}% fell below the floor {floor:.1}%"
    );
}

#[test]
fn limbo_without_peer_name() {
    let Some(cases) = load() else { return };
    let selected: Vec<&Testcase> = cases
        .iter()
        .filter(|c| c.expected_peer_name.is_none())
        .collect();
    run(
        "expected_peer_name null",
        &selected,
        false,
        FLOOR_WITHOUT_PEER_NAME,
        CASES_WITHOUT_PEER_NAME,
    );
}

#[test]
fn limbo_whole_corpus() {
    let Some(cases) = load() else { return };
    let selected: Vec<&Testcase> = cases.iter().collect();
    run(
        "whole corpus",
        &selected,
        true,
        FLOOR_WHOLE_CORPUS,
        CASES_WHOLE_CORPUS,
    );
}
