//! Seal images: draw the standard red seal as SVG (`seal create --render`) or PNG, and check an
//! image given with `--image` ([`sniff_image`]: a well-formed PNG, or an SVG document without
//! active content).
//!
//! Shapes and sizes follow the State Council's rule on seals (国务院关于国家行政机关和企业事业
//! 单位社会团体印章管理的规定, 国发〔1999〕25号): seals are round with a five-pointed star in the
//! centre, the name around it from left to right, in 宋体 (a serif face) with simplified
//! characters; the seals of county-level bodies' departments and of enterprises are 42 mm
//! across at most. The proportions of the parts are the carvers' customary ones (a rim 1.2 mm
//! wide, a star 14 mm across, the name 6.2 mm high): neither that rule nor GA 241 (the public
//! security seal-management standard, which gives seals their code) fixes them:
//! - official (公章): round, 42 mm, one rim, the name around the upper arc (glyphs upright
//!   along it, evenly spaced, short names spread, long ones narrowed), the star in the centre,
//!   nothing under the star; the seal's code (its esID) along the lower arc when given;
//! - contract, finance (合同/财务专用章): round, 40 mm, the same, with the purpose text
//!   horizontally under the star; other codes: round, 40 mm, no purpose text;
//! - invoice (发票专用章): an oval, 40 × 30 mm, the name around the upper arc and the purpose
//!   text across the lower half, without a star (real invoice seals carry the taxpayer number
//!   in the middle, which a seal spec does not have);
//! - personal (个人章): a square, 18 mm, the name in columns read right to left, completed to
//!   four characters with 之印 / 印 as name seals are.
//!
//! Every glyph is a `<path>` from the font embedded in the binary ([`font`]: Noto Serif SC
//! Bold subset to GB 2312 and ASCII), so the image is the same on every viewer, with or
//! without a CJK font, and the same bytes on every run; a character the font lacks is an
//! error. [`svg_to_png`] rasterises it (resvg, 12 px per mm). Nothing is read from disk.

use std::fmt::Write as _;

use super::SealError;
use super::types::{ImageFormat, Picture, SealType};

mod font;
mod layout;
mod raster;

pub use raster::{PX_PER_MM, svg_to_png};

/// Seal red (the customary 朱红, close to Pantone 485).
const SEAL_RED: &str = "#E60012";

/// What [`sniff_image`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageInfo {
    pub format: ImageFormat,
    /// Pixel size of a PNG (from IHDR).
    pub pixel_size: Option<(u32, u32)>,
    /// Physical size in millimetres, when the image says (PNG `pHYs` in metres, SVG `width` and
    /// `height` in mm, cm, in or px at 96 dpi).
    pub size_mm: Option<(u32, u32)>,
}

fn image_err(reason: impl Into<String>) -> SealError {
    SealError::Image {
        reason: reason.into(),
    }
}

/// Identifies and checks a seal image: a PNG (signature, every chunk's length and CRC, IHDR
/// first and sane, IDAT present, IEND last with nothing after it) or an SVG (UTF-8, an `svg`
/// root element in the SVG namespace, no DOCTYPE, no script, event handler, `javascript:` URL
/// or foreign object). Anything else is an error.
pub fn sniff_image(data: &[u8]) -> Result<ImageInfo, SealError> {
    if data.starts_with(PNG_SIGNATURE) {
        return sniff_png(data);
    }
    let text_start = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    let first = text_start.iter().find(|b| !b.is_ascii_whitespace());
    if first == Some(&b'<') {
        return sniff_svg(data);
    }
    Err(image_err("not a PNG or SVG image"))
}

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

fn crc32(parts: &[&[u8]]) -> u32 {
    // ISO 3309 / PNG CRC (reflected 0xEDB88320), bitwise: images are small and this runs once.
    let mut crc = 0xFFFF_FFFFu32;
    for part in parts {
        for &b in *part {
            crc ^= u32::from(b);
            for _ in 0..8 {
                let mask = (crc & 1).wrapping_neg();
                crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
            }
        }
    }
    !crc
}

fn be32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

fn sniff_png(data: &[u8]) -> Result<ImageInfo, SealError> {
    let mut pos = PNG_SIGNATURE.len();
    let mut index = 0usize;
    let mut pixel_size = None;
    let mut color_type = 0u8;
    let mut seen_plte = false;
    let mut seen_idat = false;
    let mut size_mm = None;
    loop {
        let header = data
            .get(pos..pos + 8)
            .ok_or_else(|| image_err("PNG ends before its IEND chunk"))?;
        let len = be32(&header[..4]);
        if len > 0x7FFF_FFFF {
            return Err(image_err("PNG chunk length out of range"));
        }
        let len = len as usize;
        let kind = &header[4..8];
        if !kind.iter().all(u8::is_ascii_alphabetic) {
            return Err(image_err("PNG chunk type is not four letters"));
        }
        let body_start = pos + 8;
        let body_end = body_start
            .checked_add(len)
            .ok_or_else(|| image_err("PNG chunk length out of range"))?;
        let body = data
            .get(body_start..body_end)
            .ok_or_else(|| image_err("PNG is truncated"))?;
        let crc = data
            .get(body_end..body_end + 4)
            .ok_or_else(|| image_err("PNG is truncated"))?;
        if crc32(&[kind, body]) != be32(crc) {
            return Err(image_err(format!(
                "PNG chunk `{}` has a bad CRC",
                String::from_utf8_lossy(kind)
            )));
        }
        pos = body_end + 4;
        match kind {
            b"IHDR" => {
                if index != 0 || len != 13 {
                    return Err(image_err("PNG IHDR is not the first chunk of 13 bytes"));
                }
                let (w, h) = (be32(&body[0..4]), be32(&body[4..8]));
                if w == 0 || h == 0 || w > 0x7FFF_FFFF || h > 0x7FFF_FFFF {
                    return Err(image_err("PNG width or height out of range"));
                }
                let (depth, ct) = (body[8], body[9]);
                let depth_ok = match ct {
                    0 => matches!(depth, 1 | 2 | 4 | 8 | 16),
                    3 => matches!(depth, 1 | 2 | 4 | 8),
                    2 | 4 | 6 => matches!(depth, 8 | 16),
                    _ => false,
                };
                if !depth_ok {
                    return Err(image_err(format!(
                        "PNG colour type {ct} with bit depth {depth} is not allowed"
                    )));
                }
                if body[10] != 0 || body[11] != 0 || body[12] > 1 {
                    return Err(image_err(
                        "PNG compression, filter or interlace method unknown",
                    ));
                }
                color_type = ct;
                pixel_size = Some((w, h));
            }
            _ if index == 0 => return Err(image_err("PNG does not start with IHDR")),
            b"PLTE" => seen_plte = true,
            b"IDAT" => {
                if color_type == 3 && !seen_plte {
                    return Err(image_err("PNG palette image without PLTE before IDAT"));
                }
                seen_idat = true;
            }
            b"pHYs" if len == 9 && body[8] == 1 => {
                let (px, py) = (be32(&body[0..4]), be32(&body[4..8]));
                if let (Some((w, h)), true) = (pixel_size, px > 0 && py > 0) {
                    let mm = |pixels: u32, per_metre: u32| {
                        (f64::from(pixels) * 1000.0 / f64::from(per_metre)).round() as u32
                    };
                    size_mm = Some((mm(w, px), mm(h, py)));
                }
            }
            b"IEND" => {
                if len != 0 {
                    return Err(image_err("PNG IEND chunk is not empty"));
                }
                if !seen_idat {
                    return Err(image_err("PNG has no image data (IDAT)"));
                }
                if pos != data.len() {
                    return Err(image_err("bytes after the PNG IEND chunk"));
                }
                return Ok(ImageInfo {
                    format: ImageFormat::Png,
                    pixel_size,
                    size_mm,
                });
            }
            _ => {}
        }
        index += 1;
    }
}

/// Elements that run code or embed other documents: refused in seal images.
const ACTIVE_ELEMENTS: [&str; 7] = [
    "script",
    "foreignobject",
    "iframe",
    "embed",
    "object",
    "handler",
    "listener",
];

fn sniff_svg(data: &[u8]) -> Result<ImageInfo, SealError> {
    let text = std::str::from_utf8(data).map_err(|_| image_err("SVG is not valid UTF-8"))?;
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let mut rest = text.trim_start();
    // Prolog: XML declaration, processing instructions, comments, whitespace.
    loop {
        if let Some(r) = rest.strip_prefix("<?") {
            let end = r
                .find("?>")
                .ok_or_else(|| image_err("unterminated `<?` in SVG"))?;
            rest = r[end + 2..].trim_start();
        } else if let Some(r) = rest.strip_prefix("<!--") {
            let end = r
                .find("-->")
                .ok_or_else(|| image_err("unterminated comment in SVG"))?;
            rest = r[end + 3..].trim_start();
        } else if rest.starts_with("<!") {
            return Err(image_err("SVG with a DOCTYPE is refused (entities)"));
        } else {
            break;
        }
    }
    let mut root = None;
    let mut depth = 0usize;
    let mut closed_root = false;
    let mut cursor = rest;
    while let Some(lt) = cursor.find('<') {
        if closed_root && !cursor[..lt].trim().is_empty() {
            return Err(image_err("content after the SVG root element"));
        }
        let after = &cursor[lt + 1..];
        if let Some(r) = after.strip_prefix("!--") {
            let end = r
                .find("-->")
                .ok_or_else(|| image_err("unterminated comment in SVG"))?;
            cursor = &r[end + 3..];
            continue;
        }
        if let Some(r) = after.strip_prefix("![CDATA[") {
            let end = r
                .find("]]>")
                .ok_or_else(|| image_err("unterminated CDATA in SVG"))?;
            cursor = &r[end + 3..];
            continue;
        }
        if after.starts_with('!') {
            return Err(image_err("SVG with a DOCTYPE is refused (entities)"));
        }
        if let Some(r) = after.strip_prefix('?') {
            let end = r
                .find("?>")
                .ok_or_else(|| image_err("unterminated `<?` in SVG"))?;
            cursor = &r[end + 2..];
            continue;
        }
        let tag_end = find_tag_end(after).ok_or_else(|| image_err("unterminated tag in SVG"))?;
        let tag = &after[..tag_end];
        cursor = &after[tag_end + 1..];
        if closed_root {
            return Err(image_err("content after the SVG root element"));
        }
        if let Some(name) = tag.strip_prefix('/') {
            depth = depth
                .checked_sub(1)
                .ok_or_else(|| image_err(format!("unbalanced `</{}>` in SVG", name.trim())))?;
            if depth == 0 {
                closed_root = true;
            }
            continue;
        }
        let self_closing = tag.ends_with('/');
        let tag = tag.strip_suffix('/').unwrap_or(tag);
        let (name, attrs) = split_tag(tag)?;
        let local = name.rsplit(':').next().unwrap_or(name).to_ascii_lowercase();
        if ACTIVE_ELEMENTS.contains(&local.as_str()) {
            return Err(image_err(format!("SVG contains a `<{name}>` element")));
        }
        for (attr, value) in &attrs {
            let lower = attr.to_ascii_lowercase();
            if lower.starts_with("on") {
                return Err(image_err(format!("SVG contains an event handler `{attr}`")));
            }
            let v: String = value
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect::<String>()
                .to_ascii_lowercase();
            if v.starts_with("javascript:") || v.contains("javascript:") {
                return Err(image_err("SVG contains a `javascript:` URL"));
            }
        }
        if root.is_none() {
            if local != "svg" {
                return Err(image_err(format!(
                    "the root element is `<{name}>`, not `<svg>`"
                )));
            }
            let ns_ok = attrs.iter().any(|(a, v)| {
                (*a == "xmlns" || a.starts_with("xmlns:"))
                    && v.trim() == "http://www.w3.org/2000/svg"
            });
            if !ns_ok {
                return Err(image_err("the `<svg>` root is not in the SVG namespace"));
            }
            root = Some(attrs.clone());
        }
        if self_closing {
            if depth == 0 {
                closed_root = true;
            }
        } else {
            depth += 1;
        }
    }
    if closed_root && !cursor.trim().is_empty() {
        return Err(image_err("content after the SVG root element"));
    }
    let root = root.ok_or_else(|| image_err("no `<svg>` root element"))?;
    if !closed_root {
        return Err(image_err("the `<svg>` root element is not closed"));
    }
    let get = |n: &str| root.iter().find(|(a, _)| *a == n).map(|(_, v)| v.as_str());
    let size_mm = match (
        get("width").and_then(length_mm),
        get("height").and_then(length_mm),
    ) {
        (Some(w), Some(h)) => Some((w, h)),
        _ => None,
    };
    Ok(ImageInfo {
        format: ImageFormat::Svg,
        pixel_size: None,
        size_mm,
    })
}

/// The index of the `>` ending a tag, skipping quoted attribute values.
fn find_tag_end(s: &str) -> Option<usize> {
    let mut quote = None;
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return Some(i),
            _ => {}
        }
    }
    None
}

type Attrs = Vec<(String, String)>;

fn split_tag(tag: &str) -> Result<(&str, Attrs), SealError> {
    let tag = tag.trim_start();
    let name_end = tag.find(|c: char| c.is_whitespace()).unwrap_or(tag.len());
    let name = &tag[..name_end];
    if name.is_empty() {
        return Err(image_err("empty tag name in SVG"));
    }
    let mut attrs = Vec::new();
    let mut rest = tag[name_end..].trim_start();
    while !rest.is_empty() {
        let eq = rest
            .find('=')
            .ok_or_else(|| image_err(format!("attribute without a value in `<{name}>`")))?;
        let attr = rest[..eq].trim();
        let after = rest[eq + 1..].trim_start();
        let q = after
            .chars()
            .next()
            .filter(|c| *c == '"' || *c == '\'')
            .ok_or_else(|| image_err(format!("unquoted attribute `{attr}` in `<{name}>`")))?;
        let close = after[1..]
            .find(q)
            .ok_or_else(|| image_err(format!("unterminated attribute `{attr}`")))?;
        attrs.push((attr.to_string(), after[1..1 + close].to_string()));
        rest = after[close + 2..].trim_start();
    }
    Ok((name, attrs))
}

fn length_mm(v: &str) -> Option<u32> {
    let v = v.trim();
    let split = v
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(v.len());
    let number: f64 = v[..split].parse().ok()?;
    let factor = match v[split..].trim() {
        "mm" => 1.0,
        "cm" => 10.0,
        "in" => 25.4,
        "px" | "" => 25.4 / 96.0,
        "pt" => 25.4 / 72.0,
        _ => return None,
    };
    let mm = (number * factor).round();
    (1.0..=10_000.0).contains(&mm).then_some(mm as u32)
}

/// Escapes text for XML character data and attribute values.
fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// The customary size of a seal of this type, in millimetres (width, height).
pub fn default_size_mm(seal_type: SealType) -> (u32, u32) {
    match seal_type {
        SealType::Official => (42, 42),
        SealType::Invoice => (40, 30),
        SealType::Personal => (18, 18),
        SealType::Contract | SealType::Finance | SealType::Other(_) => (40, 40),
    }
}

/// Draws the seal for `name` and `seal_type` as an SVG picture in its customary size (see the
/// module docs), without a code on the lower arc. The name must be 1 to 40 characters without
/// control characters, each one the seal font has.
pub fn render_seal_svg(name: &str, seal_type: SealType) -> Result<Picture, SealError> {
    render_seal(name, seal_type, None)
}

/// Draws the seal as [`render_seal_svg`] does, with `code` (1 to 40 printable ASCII
/// characters: the seal's esID) along the lower arc of a round seal.
pub fn render_seal(
    name: &str,
    seal_type: SealType,
    code: Option<&str>,
) -> Result<Picture, SealError> {
    let glyphs: Vec<char> = name.trim().chars().collect();
    if glyphs.is_empty() || glyphs.len() > 40 || glyphs.iter().any(|c| c.is_control()) {
        return Err(SealError::Spec {
            field: "name",
            reason: "a rendered seal needs 1 to 40 printable characters".to_string(),
        });
    }
    if let Some(code) = code
        && (code.is_empty() || code.len() > 40 || !code.chars().all(|c| c.is_ascii_graphic()))
    {
        return Err(SealError::Spec {
            field: "code",
            reason: "a seal code on the image is 1 to 40 printable ASCII characters".to_string(),
        });
    }
    let font = font::SealFont::embedded()?;
    // Every character is checked before anything is drawn: the error names the first missing.
    font.check_covers(name)?;
    let (w, h) = default_size_mm(seal_type);
    let mut canvas = layout::Canvas::new(font);
    let _ = write!(
        canvas.svg,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"{w}mm\" height=\"{h}mm\" viewBox=\"0 0 {w} {h}\">\n\
         <title>{}</title>\n\
         <g fill=\"{SEAL_RED}\" stroke=\"none\">\n",
        xml_escape(&format!("{} {}", name.trim(), seal_type.chinese_name()))
    );
    match seal_type {
        SealType::Personal => layout::personal(&mut canvas, &glyphs, f64::from(w))?,
        SealType::Invoice => {
            layout::oval(&mut canvas, &glyphs, seal_type, f64::from(w), f64::from(h))?
        }
        _ => layout::round(&mut canvas, &glyphs, seal_type, f64::from(w), code)?,
    }
    canvas.svg.push_str("</g>\n</svg>\n");
    Ok(Picture {
        format: ImageFormat::Svg,
        data: canvas.svg.into_bytes(),
        width_mm: w,
        height_mm: h,
    })
}

/// The picture as PNG: a PNG as it is, an SVG rasterised at [`PX_PER_MM`] to its printed size
/// ([`svg_to_png`]). Another format is an error.
pub fn picture_as_png(picture: &Picture) -> Result<Picture, SealError> {
    let data = match &picture.format {
        ImageFormat::Png => picture.data.clone(),
        ImageFormat::Svg => svg_to_png(&picture.data, picture.width_mm, picture.height_mm)?,
        ImageFormat::Other(f) => {
            return Err(image_err(format!(
                "a {f} seal image is not converted to PNG"
            )));
        }
    };
    Ok(Picture {
        format: ImageFormat::Png,
        data,
        width_mm: picture.width_mm,
        height_mm: picture.height_mm,
    })
}

#[cfg(test)]
mod tests;
