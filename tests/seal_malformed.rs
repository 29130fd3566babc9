//! Every file in `testdata/malformed/` is refused by the parser its name points at (`seal-*`:
//! the SESeal parser, `p7s-*`: the signature reader, `image-*`: the image check).

use govpki::seal::{Seal, parse_signature, sniff_image};

#[test]
fn every_malformed_input_is_an_error() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/seal-malformed");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let data = std::fs::read(&path).unwrap();
        let err = if name.starts_with("seal-") {
            Seal::from_der(&data).err().map(|e| e.to_string())
        } else if name.starts_with("p7s-") {
            parse_signature(&data).err().map(|e| e.to_string())
        } else if name.starts_with("image-") {
            sniff_image(&data).err().map(|e| e.to_string())
        } else {
            continue;
        };
        let err = err.unwrap_or_else(|| panic!("`{name}` was accepted"));
        // One line, lowercase start, no trailing period (STYLE.md).
        assert!(!err.contains('\n') && !err.ends_with('.'), "{name}: {err}");
        assert!(
            err.starts_with(|c: char| !c.is_uppercase()),
            "{name}: {err}"
        );
        seen += 1;
    }
    assert!(seen >= 16, "only {seen} malformed inputs found");
}
