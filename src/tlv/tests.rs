use super::*;

fn len_octets(len: usize) -> Vec<u8> {
    let mut v = Vec::new();
    der_len(len, &mut v);
    v
}

#[test]
fn length_forms_at_the_boundaries() {
    assert_eq!(len_octets(0), [0x00]);
    assert_eq!(len_octets(127), [0x7F]);
    assert_eq!(len_octets(128), [0x81, 0x80]);
    assert_eq!(len_octets(255), [0x81, 0xFF]);
    assert_eq!(len_octets(256), [0x82, 0x01, 0x00]);
    assert_eq!(len_octets(65535), [0x82, 0xFF, 0xFF]);
    assert_eq!(len_octets(65536), [0x83, 0x01, 0x00, 0x00]);
    for len in [0, 127, 128, 255, 256, 65535, 65536] {
        assert_eq!(header_len(len), 1 + len_octets(len).len(), "{len}");
    }
}

#[test]
fn written_tlvs_read_back_at_every_length_form() {
    for len in [0usize, 1, 127, 128, 255, 256, 65535, 65536] {
        let content = vec![0xA5; len];
        let enc = tlv(0x04, &content);
        assert_eq!(enc.len(), header_len(len) + len);
        assert_eq!(header(&enc), Some((header_len(len), len)), "{len}");
        let (t, rest) = read_tlv(&enc).unwrap();
        assert_eq!((t.tag, t.value, t.raw), (0x04, &content[..], &enc[..]));
        assert!(rest.is_empty());
    }
}

#[test]
fn read_tlv_returns_the_rest() {
    let data = [0x02, 0x01, 0x05, 0x05, 0x00];
    let (t, rest) = read_tlv(&data).unwrap();
    assert_eq!((t.tag, t.value), (0x02, &[0x05][..]));
    assert_eq!(rest, [0x05, 0x00]);
}

#[test]
fn reader_rejects_truncated_input() {
    // No tag, no length, short long-form length, short content.
    for bad in [
        &[][..],
        &[0x30],
        &[0x30, 0x82, 0x01],
        &[0x30, 0x03, 1, 2],
        &[0x04, 0x81, 0x80, 0],
    ] {
        let err = read_tlv(bad).unwrap_err();
        assert!(
            matches!(
                err.kind(),
                ErrorKind::Incomplete { .. } | ErrorKind::Overlength
            ),
            "{bad:?}: {err}"
        );
    }
}

#[test]
fn reader_rejects_indefinite_lengths() {
    let err = read_tlv(&[0x30, 0x80, 0x02, 0x01, 0x00, 0x00, 0x00]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::IndefiniteLength);
}

#[test]
fn reader_rejects_non_minimal_lengths_and_multi_octet_tags() {
    let err = read_tlv(&[0x30, 0x81, 0x03, 1, 2, 3]).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Noncanonical { .. }));
    let err = read_tlv(&[0x30, 0x82, 0x00, 0x03, 1, 2, 3]).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Noncanonical { .. }));
    let err = read_tlv(&[0x1F, 0x01, 0x00]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TagNumberInvalid);
    let err = read_tlv(&[0x04, 0x85, 1, 0, 0, 0, 0]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Overlength);
}

#[test]
fn parser_expects_tags_and_finishes() {
    let data = [tlv(0x02, &[1]), tlv(0x04, &[])].concat();
    let mut p = Parser::new(&data);
    assert!(p.expect(0x04).is_err());
    let mut p = Parser::new(&data);
    assert_eq!(p.expect(0x02).unwrap().value, [1]);
    assert!(p.optional(0x05).unwrap().is_none());
    assert!(p.finish().is_err());
    assert!(p.optional(0x04).unwrap().is_some());
    p.finish().unwrap();
    assert!(check_one_tlv(&data, 0x02).is_err());
    check_one_tlv(&tlv(0x02, &[1]), 0x02).unwrap();
}

#[test]
fn set_of_sorts_its_elements() {
    let set = set_of(vec![vec![0x02, 0x01, 0x09], vec![0x02, 0x01, 0x01]]);
    assert_eq!(set, [0x31, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x09]);
    assert_eq!(seq(&[&[0x05, 0x00]]), [0x30, 0x02, 0x05, 0x00]);
}
