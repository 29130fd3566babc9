use super::*;
use crate::pkix::Cert;

fn cert(file: &str) -> Cert {
    let path = format!("{}/testdata/pkits/certs/{file}", env!("CARGO_MANIFEST_DIR"));
    let der = std::fs::read(&path).unwrap_or_else(|e| panic!("reading `{path}`: {e}"));
    Cert::from_der(&der).unwrap_or_else(|e| panic!("parsing `{path}`: {e}"))
}

fn chains(ee: &str, ca: &str) -> bool {
    names_match(&cert(ee).issuer, &cert(ca).subject)
}

#[test]
fn pkits_4_3_valid_name_chaining_matches() {
    for (ee, ca) in [
        ("ValidNameChainingWhitespaceTest3EE.crt", "GoodCACert.crt"),
        ("ValidNameChainingWhitespaceTest4EE.crt", "GoodCACert.crt"),
        (
            "ValidNameChainingCapitalizationTest5EE.crt",
            "GoodCACert.crt",
        ),
        ("ValidNameUIDsTest6EE.crt", "UIDCACert.crt"),
        (
            "ValidRFC3280MandatoryAttributeTypesTest7EE.crt",
            "RFC3280MandatoryAttributeTypesCACert.crt",
        ),
        (
            "ValidRFC3280OptionalAttributeTypesTest8EE.crt",
            "RFC3280OptionalAttributeTypesCACert.crt",
        ),
        (
            "ValidUTF8StringEncodedNamesTest9EE.crt",
            "UTF8StringEncodedNamesCACert.crt",
        ),
        (
            "ValidRolloverfromPrintableStringtoUTF8StringTest10EE.crt",
            "RolloverfromPrintableStringtoUTF8StringCACert.crt",
        ),
        (
            "ValidUTF8StringCaseInsensitiveMatchTest11EE.crt",
            "UTF8StringCaseInsensitiveMatchCACert.crt",
        ),
    ] {
        assert!(chains(ee, ca), "{ee} should chain to {ca}");
    }
}

#[test]
fn pkits_4_3_invalid_name_chaining_does_not_match() {
    assert!(!chains("InvalidNameChainingTest1EE.crt", "GoodCACert.crt"));
    assert!(!chains(
        "InvalidNameChainingOrderTest2EE.crt",
        "NameOrderingCACert.crt"
    ));
}

#[test]
fn a_name_matches_itself_and_not_another() {
    let good = cert("GoodCACert.crt");
    assert!(names_match(&good.subject, &good.subject));
    assert!(!names_match(&good.subject, &good.issuer));
}

#[test]
fn dn_within_is_a_prefix_test() {
    let ca = cert("GoodCACert.crt");
    // The trust anchor's DN (C=US, O=Test Certificates 2011, CN=...) is not a prefix of
    // GoodCA's (same C and O, other CN); the first two RDNs of it are.
    assert!(dn_within(&ca.subject, &ca.subject));
    assert!(!dn_within(&ca.issuer, &ca.subject));
    let mut base = ca.subject.clone();
    base.0.truncate(2);
    assert!(dn_within(&base, &ca.subject));
    assert!(dn_within(&base, &ca.issuer));
    assert!(
        !dn_within(&ca.subject, &base),
        "a longer base never contains a shorter name"
    );
}

#[test]
fn prepare_folds_case_and_whitespace() {
    assert_eq!(prepare("  Test   CA\t One "), "test ca one");
    assert_eq!(prepare("ÄBC"), "äbc");
    assert_ne!(prepare("Test CA1"), prepare("Test CA 1"));
}

#[test]
fn directory_strings_decode_across_types() {
    assert_eq!(
        directory_string(Tag::BmpString, &[0, b'A', 0, b'b']).as_deref(),
        Some("Ab")
    );
    assert_eq!(directory_string(Tag::BmpString, &[0, b'A', 0]), None);
    assert_eq!(
        directory_string(Tag::BmpString, &[0xD8, 0x00, 0, b'a']),
        None,
        "lone surrogate"
    );
    assert_eq!(
        directory_string(Tag::TeletexString, &[0xC4]).as_deref(),
        Some("Ä")
    );
    assert_eq!(directory_string(Tag::Utf8String, &[0xff]), None);
    assert_eq!(directory_string(Tag::Ia5String, b"a"), None);
}

#[test]
fn ia5_values_compare_ascii_case_insensitively_and_others_bytewise() {
    use der::asn1::{Any, ObjectIdentifier};
    let oid = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.1");
    let atv = |tag: Tag, v: &[u8]| AttributeTypeAndValue {
        oid,
        value: Any::new(tag, v).unwrap(),
    };
    assert!(atvs_match(
        &atv(Tag::Ia5String, b"A@X.org"),
        &atv(Tag::Ia5String, b"a@x.ORG")
    ));
    assert!(!atvs_match(
        &atv(Tag::Ia5String, b"a@x.org "),
        &atv(Tag::Ia5String, b"a@x.org")
    ));
    assert!(atvs_match(
        &atv(Tag::PrintableString, b"Ab  c"),
        &atv(Tag::Utf8String, b" ab c")
    ));
    assert!(!atvs_match(
        &atv(Tag::OctetString, b"A"),
        &atv(Tag::OctetString, b"a")
    ));
    let other = AttributeTypeAndValue {
        oid: ObjectIdentifier::new_unwrap("2.5.4.3"),
        value: Any::new(Tag::Ia5String, b"a@x.org".as_slice()).unwrap(),
    };
    assert!(
        !atvs_match(&atv(Tag::Ia5String, b"a@x.org"), &other),
        "types differ"
    );
}

#[test]
fn multi_valued_rdns_match_as_sets_across_string_types() {
    use der::asn1::{Any, ObjectIdentifier, SetOfVec};
    let cn = ObjectIdentifier::new_unwrap("2.5.4.3");
    let o = ObjectIdentifier::new_unwrap("2.5.4.10");
    let atv = |oid, tag: Tag, v: &[u8]| AttributeTypeAndValue {
        oid,
        value: Any::new(tag, v).unwrap(),
    };
    let rdn = |atvs: Vec<AttributeTypeAndValue>| {
        RelativeDistinguishedName(SetOfVec::try_from(atvs).unwrap())
    };
    let a = Name::from(vec![rdn(vec![
        atv(cn, Tag::PrintableString, b"Alice"),
        atv(o, Tag::Utf8String, b"Org"),
    ])]);
    // Different string types change the DER order of the SET, so matching must not pair by
    // position.
    let b = Name::from(vec![rdn(vec![
        atv(o, Tag::PrintableString, b"org"),
        atv(cn, Tag::Utf8String, b"alice"),
    ])]);
    let c = Name::from(vec![rdn(vec![
        atv(o, Tag::PrintableString, b"org"),
        atv(cn, Tag::Utf8String, b"bob"),
    ])]);
    let d = Name::from(vec![rdn(vec![atv(o, Tag::PrintableString, b"org")])]);
    assert!(names_match(&a, &b));
    assert!(!names_match(&a, &c));
    assert!(!names_match(&a, &d), "an RDN with fewer values differs");
}
