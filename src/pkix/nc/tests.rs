use super::*;
use der::asn1::{Ia5String, OctetString};
use std::str::FromStr;

fn cert(file: &str) -> Cert {
    let path = format!("{}/testdata/pkits/certs/{file}", env!("CARGO_MANIFEST_DIR"));
    let der = std::fs::read(&path).unwrap_or_else(|e| panic!("reading `{path}`: {e}"));
    Cert::from_der(&der).unwrap_or_else(|e| panic!("parsing `{path}`: {e}"))
}

/// Walk a PKITS 4.13 path (CAs from the anchor down, then the EE) the way §6.1 does: every
/// non-self-issued CA and the EE are checked, then each CA's constraints are applied.
/// A CA that breaks the constraints above it is a failure of the walk itself (panic): PKITS
/// puts every 4.13 violation in the end entity.
fn walk(cas: &[&str], ee: &str) -> Result<(), NcViolation> {
    let mut state = NameConstraintsState::new();
    for (file, ca) in cas.iter().map(|f| (f, cert(f))) {
        if !ca.is_self_issued() {
            assert_eq!(state.check(&ca), Ok(()), "{file}");
        }
        if let Some(nc) = &ca.ext.name_constraints {
            state.apply(nc);
        }
    }
    state.check(&cert(ee))
}

#[test]
fn pkits_4_13_name_constraints() {
    let path = format!("{}/testdata/pkits/pkits.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    let cases: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    let mut seen = 0;
    for case in cases
        .iter()
        .filter(|c| c["id"].as_str().is_some_and(|i| i.starts_with("413")))
    {
        let name = case["name"].as_str().unwrap();
        let cas: Vec<&str> = case["other_certs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let ee = case["cert"].as_str().unwrap();
        let result = walk(&cas, ee);
        if name.starts_with("valid") {
            assert_eq!(result, Ok(()), "{name}");
        } else {
            assert!(result.is_err(), "{name} should violate the constraints");
            assert!(
                !matches!(result, Err(NcViolation::Unsupported { .. })),
                "{name}: {result:?}"
            );
        }
        seen += 1;
    }
    assert_eq!(seen, 38);
}

fn ia5(s: &str) -> Ia5String {
    Ia5String::new(s).unwrap()
}
fn subtree(base: GeneralName) -> GeneralSubtree {
    GeneralSubtree {
        base,
        minimum: 0,
        maximum: None,
    }
}
fn permit(bases: Vec<GeneralName>) -> NameConstraintsState {
    let mut s = NameConstraintsState::new();
    s.apply(&NameConstraints {
        permitted_subtrees: Some(bases.into_iter().map(subtree).collect()),
        excluded_subtrees: None,
    });
    s
}
fn exclude(bases: Vec<GeneralName>) -> NameConstraintsState {
    let mut s = NameConstraintsState::new();
    s.apply(&NameConstraints {
        permitted_subtrees: None,
        excluded_subtrees: Some(bases.into_iter().map(subtree).collect()),
    });
    s
}
fn email(s: &str) -> GeneralName {
    GeneralName::Rfc822Name(ia5(s))
}
fn dns(s: &str) -> GeneralName {
    GeneralName::DnsName(ia5(s))
}
fn uri(s: &str) -> GeneralName {
    GeneralName::UniformResourceIdentifier(ia5(s))
}
fn ip(b: &[u8]) -> GeneralName {
    GeneralName::IpAddress(OctetString::new(b).unwrap())
}
fn dn(s: &str) -> GeneralName {
    GeneralName::DirectoryName(Name::from_str(s).unwrap())
}
fn ok(state: &NameConstraintsState, name: GeneralName) -> bool {
    state.check_name(&name).is_ok()
}

#[test]
fn rfc822_mailbox_host_and_domain_forms() {
    // limbo nc-permits-email-exact / -domain and the literal-asterisk variants: the local part
    // is compared literally, `*` is no wildcard.
    let exact = permit(vec![email("foo@example.com")]);
    assert!(ok(&exact, email("foo@EXAMPLE.com")));
    assert!(
        !ok(&exact, email("Foo@example.com")),
        "local part is case-sensitive"
    );
    assert!(!ok(&exact, email("bar@example.com")));
    let star = permit(vec![email("*@example.com")]);
    assert!(ok(&star, email("*@example.com")));
    assert!(!ok(&star, email("foo@example.com")), "`*` is literal");
    let double = permit(vec![email("**@example.com")]);
    assert!(ok(&double, email("**@example.com")));
    assert!(!ok(&double, email("*@example.com")));
    let mid = permit(vec![email("f*o@example.com")]);
    assert!(ok(&mid, email("f*o@example.com")));
    assert!(!ok(&mid, email("foo@example.com")));
    let host = permit(vec![email("example.com")]);
    assert!(ok(&host, email("anyone@Example.COM")));
    assert!(
        !ok(&host, email("a@sub.example.com")),
        "host form is not a domain form"
    );
    let domain = permit(vec![email(".example.com")]);
    assert!(ok(&domain, email("a@sub.example.com")));
    assert!(
        !ok(&domain, email("a@example.com")),
        "domain form excludes the host itself"
    );
    assert!(!ok(&domain, email("a@badexample.com")));
    assert!(!ok(&domain, email("no-at-sign.example.com")));
    let ex = exclude(vec![email("example.com")]);
    assert!(matches!(
        ex.check_name(&email("x@example.com")),
        Err(NcViolation::Excluded { .. })
    ));
    assert!(ok(&ex, email("x@example.org")));
}

#[test]
fn dns_label_boundary_suffix() {
    let p = permit(vec![dns("example.com")]);
    assert!(ok(&p, dns("example.com")));
    assert!(ok(&p, dns("WWW.Example.com")));
    assert!(
        !ok(&p, dns("badexample.com")),
        "suffix must be on a label boundary"
    );
    assert!(!ok(&p, dns("example.com.evil")));
    let all = permit(vec![dns("")]);
    assert!(ok(&all, dns("anything.test")));
    let ex = exclude(vec![dns("example.com")]);
    assert!(!ok(&ex, dns("a.example.com")));
    assert!(ok(&ex, dns("example.org")));
    // A DNS constraint does not restrict other forms.
    assert!(ok(&p, email("a@other.org")));
}

#[test]
fn uri_host_forms() {
    let p = permit(vec![uri("example.com")]);
    assert!(ok(&p, uri("https://Example.com/path")));
    assert!(ok(&p, uri("https://user@example.com:8443/x")));
    assert!(!ok(&p, uri("https://www.example.com/")));
    assert!(
        !ok(&p, uri("urn:example.com")),
        "a URI without a host is not permitted"
    );
    let d = permit(vec![uri(".example.com")]);
    assert!(ok(&d, uri("http://www.example.com")));
    assert!(!ok(&d, uri("http://example.com")));
    assert_eq!(matching::uri_host("http://[::1]:80/"), Some("::1"));
    assert_eq!(matching::uri_host("mailto:a@b"), None);
}

#[test]
fn ip_address_and_mask() {
    let p = permit(vec![ip(&[10, 0, 0, 0, 255, 0, 0, 0])]);
    assert!(ok(&p, ip(&[10, 1, 2, 3])));
    assert!(!ok(&p, ip(&[11, 1, 2, 3])));
    assert!(
        !ok(&p, ip(&[0; 16])),
        "a v6 address is outside a v4 subtree"
    );
    let mut v6 = vec![0x20, 0x01, 0x0d, 0xb8];
    v6.extend([0; 12]);
    v6.extend([0xff; 4]);
    v6.extend([0; 12]);
    let p6 = permit(vec![ip(&v6)]);
    let mut inside = vec![0x20, 0x01, 0x0d, 0xb8];
    inside.extend([7; 12]);
    assert!(ok(&p6, ip(&inside)));
    assert!(!ok(&p6, ip(&[0x20; 16])));
    let bad_mask = permit(vec![ip(&[10, 0, 0, 0, 255, 0, 255, 0])]);
    assert!(matches!(
        bad_mask.check_name(&ip(&[10, 0, 0, 0])),
        Err(NcViolation::Unsupported { .. })
    ));
    let bad_len = exclude(vec![ip(&[10, 0, 0, 0, 255])]);
    assert!(
        !ok(&bad_len, ip(&[10, 0, 0, 0])),
        "a malformed excluded subtree fails closed"
    );
}

#[test]
fn directory_name_subtrees() {
    // limbo permitted-dn-match
    let p = permit(vec![dn("O=Org,C=US")]);
    assert!(ok(&p, dn("CN=leaf,O=Org,C=US")));
    assert!(ok(&p, dn("CN=leaf,O=org,C=US")), "compared by §7.1 rules");
    assert!(!ok(&p, dn("CN=leaf,O=Other,C=US")));
    assert!(!ok(&p, dn("C=US")));
    let ex = exclude(vec![dn("O=Org,C=US")]);
    assert!(!ok(&ex, dn("CN=leaf,O=Org,C=US")));
}

#[test]
fn every_stored_permitted_list_must_hold() {
    let mut s = permit(vec![dns("example.com")]);
    s.apply(&NameConstraints {
        permitted_subtrees: Some(vec![subtree(dns("a.example.com")), subtree(email("x.org"))]),
        excluded_subtrees: None,
    });
    assert!(ok(&s, dns("h.a.example.com")));
    assert!(
        !ok(&s, dns("b.example.com")),
        "the second list narrows the first"
    );
    // Only the second list has rfc822 subtrees.
    assert!(ok(&s, email("m@x.org")));
    assert!(!ok(&s, email("m@y.org")));
}

#[test]
fn unsupported_forms_and_min_max_fail_closed() {
    let rid = GeneralName::RegisteredId(der::asn1::ObjectIdentifier::new_unwrap("1.2.3"));
    let p = permit(vec![rid.clone()]);
    assert!(matches!(
        p.check_name(&rid),
        Err(NcViolation::Unsupported { .. })
    ));
    assert!(ok(&p, dns("example.com")), "other forms are not restricted");
    assert!(ok(&permit(vec![dns("example.com")]), rid.clone()));
    assert_eq!(
        p.check_name(&rid).unwrap_err().to_string(),
        "Other `registeredID 1.2.3` cannot be checked against a Other constraint"
    );
    let mut s = NameConstraintsState::new();
    s.apply(&NameConstraints {
        permitted_subtrees: Some(vec![GeneralSubtree {
            base: dns("example.com"),
            minimum: 1,
            maximum: None,
        }]),
        excluded_subtrees: None,
    });
    assert!(matches!(
        s.check_name(&dns("example.com")),
        Err(NcViolation::Unsupported { .. })
    ));
}

#[test]
fn subject_email_attributes_are_checked_only_without_san_email() {
    // PKITS ValidRFC822nameConstraintsTest21EE-style: rfc822 constraints apply to the
    // emailAddress attribute of a certificate whose SAN has no rfc822Name.
    let mut c = cert("GoodCACert.crt");
    c.subject =
        Name::from_str("CN=x,1.2.840.113549.1.9.1=#160d6d40626164686f73742e6f7267,C=US").unwrap();
    c.ext.subject_alt_name = None;
    let p = permit(vec![email("goodhost.org")]);
    assert!(matches!(
        p.check(&c),
        Err(NcViolation::NotPermitted {
            form: NameForm::Rfc822Name,
            ..
        })
    ));
    c.ext.subject_alt_name = Some(x509_cert::ext::pkix::SubjectAltName(vec![email(
        "m@goodhost.org",
    )]));
    assert_eq!(p.check(&c), Ok(()));
}

#[test]
fn an_empty_subject_is_not_checked_against_dn_constraints() {
    let mut c = cert("GoodCACert.crt");
    let p = permit(vec![dn("O=Elsewhere,C=US")]);
    assert!(p.check(&c).is_err());
    c.subject = Name::default();
    assert_eq!(p.check(&c), Ok(()));
}

/// Insider review: a trailing dot or a URI without an authority must not slip out of an
/// excluded URI subtree; malformed DNS and email names and wildcards against excluded
/// subtrees (x509-limbo nc-permits-invalid-*, nc-forbids-dnsname-wildcard-san).
#[test]
fn excluded_uri_dns_and_email_cannot_be_dodged() {
    let x = exclude(vec![uri("evil.com")]);
    assert!(!ok(&x, uri("https://evil.com./x")));
    assert!(!ok(&x, uri("http:evil.com")));
    assert!(ok(&x, uri("https://good.com/")));
    let x = exclude(vec![dns("bar.example.com")]);
    assert!(!ok(&x, dns("*.example.com")));
    assert!(ok(&x, dns("*.other.com")));
    let p = permit(vec![dns("example.com")]);
    assert!(!ok(&p, dns(".example.com")));
    let p = permit(vec![email("example.com")]);
    assert!(!ok(&p, email("invalid@address@example.com")));
    assert!(ok(&p, email("a@example.com")));
}
