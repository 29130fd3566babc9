use super::*;

/// A minimal valid PNG: 1x1 grey, with an optional pHYs.
pub(crate) fn tiny_png(phys_per_metre: Option<u32>) -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8], body: &[u8]) {
        out.extend((body.len() as u32).to_be_bytes());
        out.extend(kind);
        out.extend(body);
        out.extend(crc32(&[kind, body]).to_be_bytes());
    }
    let mut png = PNG_SIGNATURE.to_vec();
    chunk(&mut png, b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]);
    if let Some(p) = phys_per_metre {
        let mut b = p.to_be_bytes().to_vec();
        b.extend(p.to_be_bytes());
        b.push(1);
        chunk(&mut png, b"pHYs", &b);
    }
    // zlib stream of one filtered scanline (filter 0, one grey byte).
    chunk(
        &mut png,
        b"IDAT",
        &[0x78, 0x9c, 0x63, 0x60, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01],
    );
    chunk(&mut png, b"IEND", &[]);
    png
}

#[test]
fn crc_matches_known_value() {
    assert_eq!(crc32(&[b"IEND"]), 0xAE42_6082);
}

#[test]
fn sniffs_png_with_size() {
    let info = sniff_image(&tiny_png(None)).unwrap();
    assert_eq!(info.format, ImageFormat::Png);
    assert_eq!(info.pixel_size, Some((1, 1)));
    // 1 px at 25 px/mm rounds to 0 mm... use a realistic density: 1 px per mm.
    let info = sniff_image(&tiny_png(Some(1000))).unwrap();
    assert_eq!(info.size_mm, Some((1, 1)));
}

#[test]
fn rejects_malformed_png() {
    let good = tiny_png(None);
    let mut bad_crc = good.clone();
    bad_crc[20] ^= 1; // inside IHDR
    assert!(sniff_image(&bad_crc).is_err());
    assert!(sniff_image(&good[..good.len() - 1]).is_err());
    let mut trailing = good.clone();
    trailing.push(0);
    assert!(sniff_image(&trailing).is_err());
    assert!(sniff_image(&good[..8]).is_err());
    assert!(sniff_image(b"GIF89a").is_err());
    // IHDR with colour type 2 and bit depth 4.
    let mut bad_depth = good.clone();
    bad_depth[24] = 4;
    bad_depth[25] = 2;
    let crc = crc32(&[&bad_depth[12..16], &bad_depth[16..29]]);
    bad_depth[29..33].copy_from_slice(&crc.to_be_bytes());
    assert!(
        sniff_image(&bad_depth)
            .unwrap_err()
            .to_string()
            .contains("bit depth")
    );
}

#[test]
fn sample_seal_images_are_well_formed_png() {
    let der = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/gbt38540/UserV4.esl"
    ))
    .unwrap();
    let seal = crate::seal::Seal::from_der(&der).unwrap();
    let info = sniff_image(&seal.info().picture.data).unwrap();
    assert_eq!(info.format, ImageFormat::Png);
    assert_eq!(info.pixel_size, Some((400, 400)));
}

#[test]
fn sniffs_svg_and_its_size() {
    let svg = br#"<?xml version="1.0"?><!-- c --><svg xmlns="http://www.w3.org/2000/svg" width="42mm" height="4.2cm"><circle r="1"/></svg>
"#;
    let info = sniff_image(svg).unwrap();
    assert_eq!(info.format, ImageFormat::Svg);
    assert_eq!(info.size_mm, Some((42, 42)));
}

#[test]
fn rejects_bad_svg() {
    for (svg, why) in [
            (&br#"<html xmlns="http://www.w3.org/2000/svg"></html>"#[..], "not `<svg>`"),
            (br#"<svg width="1"></svg>"#, "namespace"),
            (br#"<!DOCTYPE svg [<!ENTITY x "y">]><svg xmlns="http://www.w3.org/2000/svg"/>"#, "DOCTYPE"),
            (br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#, "script"),
            (br#"<svg xmlns="http://www.w3.org/2000/svg" onload="x()"></svg>"#, "event handler"),
            (br#"<svg xmlns="http://www.w3.org/2000/svg"><a href=" javascript:x()"/></svg>"#, "javascript"),
            (br#"<svg xmlns="http://www.w3.org/2000/svg"><g>"#, "not closed"),
            (br#"<svg xmlns="http://www.w3.org/2000/svg"></svg><svg xmlns="http://www.w3.org/2000/svg"></svg>"#, "after"),
            (b"<svg xmlns=\"http://www.w3.org/2000/svg\">\xff</svg>", "UTF-8"),
        ] {
            let err = sniff_image(svg).unwrap_err().to_string();
            assert!(err.contains(why), "{err} should mention {why}");
        }
}

#[test]
fn rendered_seals_are_valid_svg_of_customary_size() {
    for (t, size) in [
        (SealType::Official, (42, 42)),
        (SealType::Contract, (40, 40)),
        (SealType::Finance, (40, 40)),
        (SealType::Invoice, (40, 30)),
        (SealType::Personal, (18, 18)),
    ] {
        let pic = render_seal_svg("连云港市人民政府办公室<&>", t).unwrap();
        assert_eq!((pic.width_mm, pic.height_mm), size);
        let info = sniff_image(&pic.data).unwrap();
        assert_eq!(info.format, ImageFormat::Svg);
        assert_eq!(info.size_mm, Some(size));
        let text = String::from_utf8(pic.data).unwrap();
        assert!(text.contains("&lt;") && !text.contains("<&>"));
    }
}

#[test]
fn official_seal_has_star_rotated_glyphs_and_type() {
    let pic = render_seal_svg("连云港市人民政府", SealType::Official).unwrap();
    let text = String::from_utf8(pic.data).unwrap();
    assert_eq!(text.matches("<polygon").count(), 1, "one star");
    assert!(text.contains(">公章</text>"));
    assert_eq!(
        text.matches("rotate(").count(),
        8,
        "one rotated glyph per character"
    );
    // The name is symmetric about the top: first and last glyphs rotate by opposite angles.
    let angles: Vec<f64> = text
        .split("rotate(")
        .skip(1)
        .map(|s| s.split(')').next().unwrap().parse().unwrap())
        .collect();
    assert!((angles[0] + angles[7]).abs() < 0.05, "{angles:?}");
    assert!(angles[0] < -30.0);
}

#[test]
fn personal_seal_completes_the_name() {
    let pic = render_seal_svg("张三", SealType::Personal).unwrap();
    let text = String::from_utf8(pic.data).unwrap();
    for c in ["张", "三", "之", "印"] {
        assert!(text.contains(&format!(">{c}</text>")));
    }
}

#[test]
fn render_rejects_empty_and_control_names() {
    assert!(render_seal_svg("  ", SealType::Official).is_err());
    assert!(render_seal_svg("a\u{7}b", SealType::Official).is_err());
}
