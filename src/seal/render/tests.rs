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

/// The rotation of each glyph path (degrees, from its `matrix(a b ...)`), in order.
fn glyph_angles(svg: &str) -> Vec<f64> {
    svg.split("<path transform=\"matrix(")
        .skip(1)
        .map(|s| {
            let m: Vec<f64> = s
                .split(')')
                .next()
                .unwrap()
                .split(' ')
                .map(|v| v.parse().unwrap())
                .collect();
            m[1].atan2(m[0]).to_degrees()
        })
        .collect()
}

#[test]
fn official_seal_has_star_and_name_as_outlines_and_no_purpose_text() {
    let pic = render_seal_svg("连云港市人民政府", SealType::Official).unwrap();
    let text = String::from_utf8(pic.data).unwrap();
    assert_eq!(text.matches("<polygon").count(), 1, "one star");
    assert!(!text.contains("<text"), "glyphs are outlines");
    assert!(!text.contains("font-family"));
    // The official seal carries its name and nothing under the star (国发〔1999〕25号).
    let angles = glyph_angles(&text);
    assert_eq!(angles.len(), 8, "one path per character");
    // The name is symmetric about the top: first and last glyphs turn by opposite angles.
    assert!((angles[0] + angles[7]).abs() < 0.05, "{angles:?}");
    assert!(angles[0] < -90.0, "{angles:?}");
    assert!(angles.windows(2).all(|w| w[0] < w[1]), "{angles:?}");
}

#[test]
fn contract_seal_has_its_purpose_text_under_the_star() {
    let pic = render_seal_svg("连云港市人民政府", SealType::Contract).unwrap();
    let text = String::from_utf8(pic.data).unwrap();
    let angles = glyph_angles(&text);
    assert_eq!(angles.len(), 8 + "合同专用章".chars().count());
    assert!(angles[8..].iter().all(|a| a.abs() < 1e-9), "{angles:?}");
}

#[test]
fn code_runs_along_the_lower_arc_upright() {
    let pic = render_seal("连云港市人民政府", SealType::Official, Some("0123456789ab")).unwrap();
    let text = String::from_utf8(pic.data).unwrap();
    let angles = glyph_angles(&text);
    assert_eq!(angles.len(), 8 + 12);
    let code = &angles[8..];
    // Read left to right with heads towards the centre: turning from positive to negative.
    assert!(code[0] > 20.0 && code[11] < -20.0, "{code:?}");
    assert!((code[0] + code[11]).abs() < 0.05, "{code:?}");
    assert!(render_seal("x", SealType::Official, Some("a b")).is_err());
    assert!(render_seal("x", SealType::Official, Some("")).is_err());
}

#[test]
fn personal_seal_completes_the_name() {
    let two = render_seal_svg("张三", SealType::Personal).unwrap();
    let four = render_seal_svg("张三之印", SealType::Personal).unwrap();
    assert_eq!(
        glyph_angles(std::str::from_utf8(&two.data).unwrap()).len(),
        4
    );
    // The title differs (the name as given); the drawing is the same.
    let body = |p: &Picture| {
        let t = String::from_utf8(p.data.clone()).unwrap();
        t[t.find("</title>").unwrap()..].to_string()
    };
    assert_eq!(body(&two), body(&four));
}

#[test]
fn missing_glyph_is_an_error_naming_the_character() {
    let err = render_seal_svg("连云港𠀀政府", SealType::Official)
        .unwrap_err()
        .to_string();
    assert!(err.contains("`𠀀` (U+20000)"), "{err}");
}

#[test]
fn rendering_is_deterministic() {
    for t in [SealType::Official, SealType::Invoice, SealType::Personal] {
        let a = render_seal("连云港市人民政府办公室", t, Some("ab12")).unwrap();
        let b = render_seal("连云港市人民政府办公室", t, Some("ab12")).unwrap();
        assert_eq!(a, b);
    }
}

#[test]
fn render_rejects_empty_and_control_names() {
    assert!(render_seal_svg("  ", SealType::Official).is_err());
    assert!(render_seal_svg("a\u{7}b", SealType::Official).is_err());
}
