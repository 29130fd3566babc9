//! The drawn seal image (issue #12): glyphs as outlines, the same bytes on every run, the same
//! pixels with and without fonts installed, PNG on request (`--image-out F.png`), and a
//! character the embedded font lacks refused with exit 2.

mod common;

use std::sync::Arc;

use common::{Env, p, sans_for, subject_for};
use govpki::seal::render::PX_PER_MM;
use govpki::seal::types::SealType;
use govpki::seal::{render_seal, render_seal_svg, svg_to_png};
use resvg::tiny_skia::Pixmap;
use resvg::usvg::{Options, Tree, fontdb};

const NAME: &str = "连云港市人民政府办公室";

/// Renders `svg` at 12 px per mm with the given font database.
fn render_with(svg: &[u8], db: fontdb::Database, (w, h): (u32, u32)) -> Vec<u8> {
    let options = Options {
        fontdb: Arc::new(db),
        ..Default::default()
    };
    let tree = Tree::from_data(svg, &options).unwrap();
    let mut pixmap = Pixmap::new(w * PX_PER_MM, h * PX_PER_MM).unwrap();
    let scale = (w * PX_PER_MM) as f32 / tree.size().width();
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    pixmap.data().to_vec()
}

fn system_fonts() -> fontdb::Database {
    let mut db = fontdb::Database::new();
    db.load_system_fonts();
    db
}

#[test]
fn svg_has_no_text_and_is_byte_identical_across_runs() {
    for t in [
        SealType::Official,
        SealType::Contract,
        SealType::Invoice,
        SealType::Personal,
    ] {
        let a = render_seal(NAME, t, Some("3f2a9c0e")).unwrap();
        let b = render_seal(NAME, t, Some("3f2a9c0e")).unwrap();
        assert_eq!(a.data, b.data, "{t}");
        let svg = String::from_utf8(a.data).unwrap();
        assert!(!svg.contains("<text"), "{t}: {svg}");
        assert!(svg.contains("<path transform="), "{t}");
    }
}

#[test]
fn pixels_are_the_same_with_no_font_installed_and_with_the_system_fonts() {
    let system = system_fonts();
    // The test can see a difference: a `<text>` in a font the system has renders differently
    // without it. (A machine without any font cannot make that check: said loudly.)
    let control = br#"<svg xmlns="http://www.w3.org/2000/svg" width="42mm" height="42mm" viewBox="0 0 42 42"><text x="2" y="20" font-size="10" font-family="DejaVu Sans, sans-serif">ABC</text></svg>"#;
    if system.is_empty() {
        eprintln!("SKIPPED (control only): no system fonts to tell `<text>` from outlines");
    } else {
        assert_ne!(
            render_with(control, fontdb::Database::new(), (42, 42)),
            render_with(control, system_fonts(), (42, 42)),
            "the control <text> should render only with fonts"
        );
    }
    for t in [SealType::Official, SealType::Contract, SealType::Personal] {
        let pic = render_seal_svg(NAME, t).unwrap();
        let size = (pic.width_mm, pic.height_mm);
        let empty = render_with(&pic.data, fontdb::Database::new(), size);
        let with_fonts = render_with(&pic.data, system_fonts(), size);
        assert!(
            empty == with_fonts,
            "{t}: pixels differ with fonts installed"
        );
        // And the library's own PNG has those pixels.
        let png = Pixmap::decode_png(&svg_to_png(&pic.data, size.0, size.1).unwrap()).unwrap();
        assert!(png.data() == empty.as_slice(), "{t}");
    }
}

/// The pixel at (`x`, `y`) mm is seal red.
fn red_at(pixmap: &Pixmap, x_mm: f64, y_mm: f64) -> bool {
    let (x, y) = (
        (x_mm * f64::from(PX_PER_MM)) as u32,
        (y_mm * f64::from(PX_PER_MM)) as u32,
    );
    let px = pixmap.pixel(x, y).unwrap().demultiply();
    px.alpha() > 200 && px.red() > 200 && px.green() < 60 && px.blue() < 60
}

fn check_official_png(png: &[u8]) {
    let pixmap = Pixmap::decode_png(png).unwrap();
    assert_eq!((pixmap.width(), pixmap.height()), (42 * 12, 42 * 12));
    // The rim, 1.2 mm wide from 0.2 mm in: top, left, bottom, right.
    for (x, y) in [(21.0, 0.8), (0.8, 21.0), (21.0, 41.2), (41.2, 21.0)] {
        assert!(red_at(&pixmap, x, y), "no red on the rim at {x},{y} mm");
    }
    // The star's centre and a point of it (7 mm above the centre, 1 mm in).
    assert!(red_at(&pixmap, 21.0, 21.0), "no red at the star's centre");
    assert!(
        red_at(&pixmap, 21.0, 15.0),
        "no red in the star's upper point"
    );
    // Between the star and the rim on the horizontal through the centre: blank.
    let blank = pixmap.pixel(10 * 12, 21 * 12).unwrap();
    assert_eq!(blank.alpha(), 0, "the seal's field is transparent");
    // The printed size is in pHYs: 12,000 px per metre.
    let info = govpki::seal::sniff_image(png).unwrap();
    assert_eq!(info.size_mm, Some((42, 42)));
}

#[test]
fn png_has_the_size_and_red_on_the_rim_and_the_star() {
    let pic = render_seal_svg(NAME, SealType::Official).unwrap();
    check_official_png(&svg_to_png(&pic.data, 42, 42).unwrap());
}

/// A home with a root CA and a seal holder.
fn home_with_holder(env: &Env) -> (std::path::PathBuf, std::path::PathBuf) {
    let ca = env.root_ca("home", "p256", &[]);
    let holder = env.issue(
        &ca,
        "holder",
        "seal",
        &subject_for("seal"),
        &sans_for("seal"),
        &[],
    );
    (ca.home, holder.cert)
}

fn create(env: &Env, home: &std::path::Path, name: &str, holder: &std::path::Path) -> common::Run {
    env.run(
        home,
        [
            "seal",
            "create",
            "--name",
            name,
            "--type",
            "official",
            "--department",
            "办公室",
            "--holder-cert",
            p(holder),
            "--render",
            "--out",
            p(&env.path("office.esl")),
        ],
    )
}

#[test]
fn seal_show_writes_png_by_extension_and_the_drawn_seal_carries_its_esid() {
    let env = Env::new();
    let (home, holder) = home_with_holder(&env);
    create(&env, &home, NAME, &holder).success();
    let esl = p(&env.path("office.esl")).to_string();
    let shown = env
        .run(&home, ["--json", "seal", "show", &esl])
        .success()
        .json();
    let es_id = common::json_str(&shown, "es_id");
    env.run(
        &home,
        [
            "seal",
            "show",
            &esl,
            "--image-out",
            p(&env.path("office.svg")),
        ],
    )
    .success();
    let svg = std::fs::read_to_string(env.path("office.svg")).unwrap();
    assert!(!svg.contains("<text"));
    assert_eq!(
        svg.matches("<path ").count(),
        NAME.chars().count() + es_id.len(),
        "the name and the esID, one path a character"
    );
    let run = env.run(
        &home,
        [
            "seal",
            "show",
            &esl,
            "--image-out",
            p(&env.path("office.png")),
        ],
    );
    let run = run.success();
    assert!(run.stderr.contains("PNG, 42x42 mm"), "{}", run.stderr);
    check_official_png(&std::fs::read(env.path("office.png")).unwrap());
}

#[test]
fn a_character_the_font_lacks_is_exit_2_naming_it() {
    let env = Env::new();
    let (home, holder) = home_with_holder(&env);
    let run = create(&env, &home, "连云港𠀀人民政府", &holder).code(2);
    assert!(
        run.stderr.contains("`𠀀` (U+20000)"),
        "the error names the character: {}",
        run.stderr
    );
    assert!(!env.path("office.esl").exists());
}

#[test]
fn rasterising_reads_no_file_and_bounds_the_size() {
    let dir = tempfile::tempdir().unwrap();
    let seal = render_seal_svg(NAME, SealType::Official).unwrap();
    let png_path = dir.path().join("seal.svg");
    std::fs::write(&png_path, &seal.data).unwrap();
    // A foreign seal's SVG pointing at a file (an SVG, which resvg would draw): the file is
    // not read, so nothing is drawn.
    let svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="42mm" height="42mm" viewBox="0 0 42 42"><image x="0" y="0" width="42" height="42" xlink:href="{}"/></svg>"#,
        png_path.display()
    );
    let png = Pixmap::decode_png(&svg_to_png(svg.as_bytes(), 42, 42).unwrap()).unwrap();
    assert!(png.pixels().iter().all(|px| px.alpha() == 0));
    for (w, h) in [(0, 42), (42, 201), (100_000, 1)] {
        let err = svg_to_png(&seal.data, w, h).unwrap_err().to_string();
        assert!(err.contains("not rasterised"), "{err}");
    }
}
