//! A seal image as PNG: an SVG rasterised with resvg at a fixed density (12 px per mm, about
//! 305 dpi), transparent outside the red, with a `pHYs` chunk saying the printed size. The
//! same SVG gives the same bytes: resvg draws with its own rasteriser and no font (the seal
//! SVG has outlines, no `<text>`; an SVG from elsewhere has its `<text>` left out), and
//! nothing is read from disk (`<image>` references are not followed).

use super::super::SealError;
use super::{PNG_SIGNATURE, crc32};

/// Pixels per millimetre of a rasterised seal.
pub const PX_PER_MM: u32 = 12;

/// The largest printed side rasterised, in millimetres (a seal is at most a few centimetres;
/// this bounds the pixmap of a hostile SVG's picture size).
const MAX_SIDE_MM: u32 = 200;

fn raster_err(reason: impl Into<String>) -> SealError {
    SealError::Image {
        reason: reason.into(),
    }
}

/// Rasterises `svg` to a PNG of `width_mm` × `height_mm` at [`PX_PER_MM`], the SVG's view box
/// stretched to fill it.
pub fn svg_to_png(svg: &[u8], width_mm: u32, height_mm: u32) -> Result<Vec<u8>, SealError> {
    if !(1..=MAX_SIDE_MM).contains(&width_mm) || !(1..=MAX_SIDE_MM).contains(&height_mm) {
        return Err(raster_err(format!(
            "a {width_mm}x{height_mm} mm image is not rasterised (1 to {MAX_SIDE_MM} mm a side)"
        )));
    }
    let options = resvg::usvg::Options {
        image_href_resolver: resvg::usvg::ImageHrefResolver {
            resolve_data: Box::new(|_, _, _| None),
            resolve_string: Box::new(|_, _| None),
        },
        ..Default::default()
    };
    let tree = resvg::usvg::Tree::from_data(svg, &options)
        .map_err(|e| raster_err(format!("the SVG does not render: {e}")))?;
    let (w_px, h_px) = (width_mm * PX_PER_MM, height_mm * PX_PER_MM);
    let mut pixmap = resvg::tiny_skia::Pixmap::new(w_px, h_px)
        .ok_or_else(|| raster_err("no pixmap of that size"))?;
    let size = tree.size();
    let transform = resvg::tiny_skia::Transform::from_scale(
        w_px as f32 / size.width(),
        h_px as f32 / size.height(),
    );
    resvg::render(&tree, transform, &mut pixmap.as_mut());
    let png = pixmap
        .encode_png()
        .map_err(|e| raster_err(format!("encoding the PNG: {e}")))?;
    Ok(with_phys(png, PX_PER_MM * 1000))
}

/// Inserts a `pHYs` chunk (`per_metre` pixels per metre both ways) after IHDR, so the PNG
/// says its printed size.
fn with_phys(png: Vec<u8>, per_metre: u32) -> Vec<u8> {
    // The signature, then IHDR: length (4), type (4), 13 bytes, CRC (4).
    let after_ihdr = PNG_SIGNATURE.len() + 4 + 4 + 13 + 4;
    if png.get(PNG_SIGNATURE.len() + 4..PNG_SIGNATURE.len() + 8) != Some(b"IHDR".as_slice())
        || png.len() < after_ihdr
    {
        return png;
    }
    let mut body = Vec::with_capacity(9);
    body.extend(per_metre.to_be_bytes());
    body.extend(per_metre.to_be_bytes());
    body.push(1); // the unit is the metre
    let mut out = Vec::with_capacity(png.len() + 21);
    out.extend_from_slice(&png[..after_ihdr]);
    out.extend(9u32.to_be_bytes());
    out.extend_from_slice(b"pHYs");
    out.extend_from_slice(&body);
    out.extend(crc32(&[b"pHYs", &body]).to_be_bytes());
    out.extend_from_slice(&png[after_ihdr..]);
    out
}
