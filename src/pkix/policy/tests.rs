//! The policy tree against PKITS §4.8-§4.12 (policy sections) and hand-made negative controls.

use std::path::{Path, PathBuf};

use der::Encode;
use der::asn1::ObjectIdentifier;

use super::*;

fn pkits_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/pkits")
}

fn load(name: &str) -> Cert {
    let der = std::fs::read(pkits_dir().join("certs").join(name)).expect("read PKITS cert");
    Cert::from_der(&der).expect("parse PKITS cert")
}

/// Orders `certs` into a path from the trust anchor to `ee` by DER equality of names (every
/// certificate used once, the EE last).
fn order(anchor: &Cert, ee: Cert, others: Vec<Cert>) -> Vec<Cert> {
    fn dfs(subject: &[u8], left: &mut Vec<Option<Cert>>, ee: &Cert, out: &mut Vec<Cert>) -> bool {
        if left.iter().all(Option::is_none) {
            return ee.issuer.to_der().expect("der") == subject;
        }
        for k in 0..left.len() {
            let fits = left[k]
                .as_ref()
                .is_some_and(|c| c.issuer.to_der().expect("der") == subject);
            if fits {
                let c = left[k].take().expect("present");
                let next = c.subject.to_der().expect("der");
                out.push(c);
                if dfs(&next, left, ee, out) {
                    return true;
                }
                left[k] = out.pop();
            }
        }
        false
    }
    let mut left: Vec<Option<Cert>> = others.into_iter().map(Some).collect();
    let mut out = Vec::new();
    let root = anchor.subject.to_der().expect("der");
    assert!(dfs(&root, &mut left, &ee, &mut out), "no path to the EE");
    out.push(ee);
    out
}

fn run(path: &[Cert], inputs: &PolicyInputs) -> Result<ValidPolicies, PolicyError> {
    let mut st = PolicyState::new(inputs, path.len());
    for (k, c) in path.iter().enumerate() {
        st.process(c, k + 1)?;
    }
    st.finish()
}

fn oid(s: &str) -> ObjectIdentifier {
    ObjectIdentifier::new(s).expect("oid")
}

/// Every case of PKITS §4.8-§4.12; all their failures are policy failures (none excluded).
#[test]
fn pkits_policy_sections() {
    let text = std::fs::read_to_string(pkits_dir().join("pkits.json")).expect("pkits.json");
    let cases: serde_json::Value = serde_json::from_str(&text).expect("json");
    let anchor = load("TrustAnchorRootCertificate.crt");
    let mut checked = 0;
    let mut wrong = Vec::new();
    for case in cases.as_array().expect("array") {
        let id = case["id"].as_str().expect("id");
        if !["408", "409", "410", "411", "412"].contains(&&id[..3]) {
            continue;
        }
        let ee = load(case["cert"].as_str().expect("cert"));
        let others = case["other_certs"]
            .as_array()
            .expect("other_certs")
            .iter()
            .map(|v| load(v.as_str().expect("name")))
            .collect();
        let path = order(&anchor, ee, others);
        let p = &case["params"];
        let inputs = PolicyInputs {
            initial_policy_set: p["user_initial_policy_set"]
                .as_array()
                .map(|a| a.iter().map(|v| oid(v.as_str().expect("oid"))).collect())
                .unwrap_or_default(),
            initial_explicit_policy: p["initial_explicit_policy"].as_bool().unwrap_or(false),
            initial_policy_mapping_inhibit: p["initial_policy_mapping_inhibit"]
                .as_bool()
                .unwrap_or(false),
            initial_any_policy_inhibit: p["initial_any_policy_inhibit"].as_bool().unwrap_or(false),
        };
        let want_ok = case.get("error").is_none();
        let got = run(&path, &inputs);
        if got.is_ok() != want_ok {
            wrong.push(format!("{} {}: {:?}", id, case["name"], got));
        }
        checked += 1;
    }
    assert_eq!(wrong, Vec::<String>::new());
    assert_eq!(checked, 85);
}

const P1: &str = "2.16.840.1.101.3.2.1.48.1";
const P2: &str = "2.16.840.1.101.3.2.1.48.2";

fn path_of(ee: &str, others: &[&str]) -> Vec<Cert> {
    let anchor = load("TrustAnchorRootCertificate.crt");
    order(&anchor, load(ee), others.iter().map(|n| load(n)).collect())
}

#[test]
fn same_policy_path_reports_the_policy() {
    let path = path_of("ValidCertificatePathTest1EE.crt", &["GoodCACert.crt"]);
    assert_eq!(
        run(&path, &PolicyInputs::default()),
        Ok(ValidPolicies::Set(vec![P1.to_string()]))
    );
    let only_p2 = PolicyInputs {
        initial_policy_set: vec![oid(P2)],
        ..PolicyInputs::default()
    };
    assert_eq!(run(&path, &only_p2), Ok(ValidPolicies::None));
    let explicit = PolicyInputs {
        initial_explicit_policy: true,
        ..only_p2
    };
    assert_eq!(
        run(&path, &explicit),
        Err(PolicyError::ExplicitPolicyRequired)
    );
}

#[test]
fn no_policies_with_explicit_policy_fails_at_the_first_certificate() {
    let path = path_of(
        "AllCertificatesNoPoliciesTest2EE.crt",
        &["NoPoliciesCACert.crt"],
    );
    assert_eq!(
        run(&path, &PolicyInputs::default()),
        Ok(ValidPolicies::None)
    );
    let explicit = PolicyInputs {
        initial_explicit_policy: true,
        ..PolicyInputs::default()
    };
    assert_eq!(
        run(&path, &explicit),
        Err(PolicyError::NullTreeWithExplicitPolicy { at: 1 })
    );
}

#[test]
fn mapping_from_any_policy_is_refused() {
    let path = path_of(
        "InvalidMappingFromanyPolicyTest7EE.crt",
        &["MappingFromanyPolicyCACert.crt"],
    );
    assert_eq!(
        run(&path, &PolicyInputs::default()),
        Err(PolicyError::MapsAnyPolicy)
    );
    let path = path_of(
        "InvalidMappingToanyPolicyTest8EE.crt",
        &["MappingToanyPolicyCACert.crt"],
    );
    assert_eq!(
        run(&path, &PolicyInputs::default()),
        Err(PolicyError::MapsAnyPolicy)
    );
}

#[test]
fn mapping_is_followed_and_inhibited() {
    let path = path_of("ValidPolicyMappingTest1EE.crt", &["Mapping1to2CACert.crt"]);
    let p1 = PolicyInputs {
        initial_policy_set: vec![oid(P1)],
        ..PolicyInputs::default()
    };
    assert_eq!(
        run(&path, &p1),
        Ok(ValidPolicies::Set(vec![P1.to_string()]))
    );
    let inhibited = PolicyInputs {
        initial_policy_mapping_inhibit: true,
        ..PolicyInputs::default()
    };
    assert_eq!(
        run(&path, &inhibited),
        Err(PolicyError::NullTreeWithExplicitPolicy { at: 2 })
    );
}

#[test]
fn calls_out_of_order_are_refused() {
    let path = path_of("ValidCertificatePathTest1EE.crt", &["GoodCACert.crt"]);
    let mut st = PolicyState::new(&PolicyInputs::default(), 2);
    assert_eq!(
        st.process(&path[1], 2),
        Err(PolicyError::OutOfOrder {
            got: 2,
            expected: 1
        })
    );
    let st = PolicyState::new(&PolicyInputs::default(), 2);
    assert!(matches!(st.finish(), Err(PolicyError::OutOfOrder { .. })));
}

/// A mapping CA that asserts only anyPolicy (PKITS 4.10.9): the path reports the policy in the
/// anchor's domain.
#[test]
fn mapping_through_any_policy_keeps_the_issuer_domain_policy() {
    let path = path_of(
        "ValidPolicyMappingTest9EE.crt",
        &["PanyPolicyMapping1to2CACert.crt"],
    );
    assert_eq!(
        run(&path, &PolicyInputs::default()),
        Ok(ValidPolicies::Set(vec![P1.to_string()]))
    );
}

/// A CA operator's self-issued certificates with K policies and every K×K mapping multiply the
/// tree by K per level (CVE-2023-0464): the tree is capped, the path refused, promptly.
#[test]
fn exponential_policy_trees_are_refused() {
    use x509_cert::ext::pkix::certpolicy::PolicyInformation;
    use x509_cert::ext::pkix::{CertificatePolicies, PolicyMapping, PolicyMappings};
    let k = 8u32;
    let oids: Vec<ObjectIdentifier> = (1..=k)
        .map(|i| ObjectIdentifier::new(&format!("1.2.3.4.{i}")).expect("oid"))
        .collect();
    let mut ca = load("GoodCACert.crt");
    ca.subject = ca.issuer.clone();
    ca.ext.policies = Some(CertificatePolicies(
        oids.iter()
            .map(|o| PolicyInformation {
                policy_identifier: *o,
                policy_qualifiers: None,
            })
            .collect(),
    ));
    ca.ext.policy_mappings = Some(PolicyMappings(
        oids.iter()
            .flat_map(|a| {
                oids.iter().map(|b| PolicyMapping {
                    issuer_domain_policy: *a,
                    subject_domain_policy: *b,
                })
            })
            .collect(),
    ));
    ca.ext.policy_constraints = None;
    ca.ext.inhibit_any_policy = None;
    assert!(ca.is_self_issued());
    let n = 12;
    let mut state = PolicyState::new(&PolicyInputs::default(), n);
    let mut refused = None;
    for i in 1..=n {
        if let Err(e) = state.process(&ca, i) {
            refused = Some(e);
            break;
        }
    }
    assert_eq!(
        refused,
        Some(PolicyError::TooComplex {
            max: MAX_TREE_NODES
        })
    );
}
