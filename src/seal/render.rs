//! Seal images: draw the standard red seal as SVG (`seal create --render`), and check an image
//! given with `--image` ([`sniff_image`]: a well-formed PNG, or an SVG document without active
//! content).
//!
//! Shapes and sizes follow the customary forms (the official seal after the State Council's rule
//! on seals of administrative bodies, 国发〔1999〕25号: round, 42 mm, star in the centre):
//! - official (公章): round, 42 mm, the name around the upper arc, a five-pointed star in the
//!   centre, the type below the star;
//! - contract, finance (合同/财务专用章) and other codes: round, 40 mm, same layout;
//! - invoice (发票专用章): an oval, 40 × 30 mm, the name around the upper arc and the type
//!   across the lower half, without a star (real invoice seals carry the taxpayer number in the
//!   middle, which a seal spec does not have);
//! - personal (个人章): a square, 18 mm, the name in columns read right to left, completed to
//!   four characters with 之印 / 印 as name seals are.
//!
//! The glyphs come from the viewer's CJK serif font (宋体 family); nothing is rasterised here,
//! and nothing is read from disk.

use std::f64::consts::PI;
use std::fmt::Write as _;

use super::SealError;
use super::types::{ImageFormat, Picture, SealType};

/// Seal red (the customary 朱红, close to Pantone 485).
const SEAL_RED: &str = "#E60012";

const FONT_FAMILY: &str =
    "STSong, SimSun, 'Songti SC', 'Noto Serif CJK SC', 'Source Han Serif SC', serif";

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
/// module docs). The name must be 1 to 40 characters without control characters.
pub fn render_seal_svg(name: &str, seal_type: SealType) -> Result<Picture, SealError> {
    let glyphs: Vec<char> = name.trim().chars().collect();
    if glyphs.is_empty() || glyphs.len() > 40 || glyphs.iter().any(|c| c.is_control()) {
        return Err(SealError::Spec {
            field: "name",
            reason: "a rendered seal needs 1 to 40 printable characters".to_string(),
        });
    }
    let (w, h) = default_size_mm(seal_type);
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"{w}mm\" height=\"{h}mm\" viewBox=\"0 0 {w} {h}\">\n\
         <title>{}</title>\n\
         <g fill=\"{SEAL_RED}\" stroke=\"none\" font-family=\"{FONT_FAMILY}\" font-weight=\"bold\">\n",
        xml_escape(&format!("{} {}", name.trim(), seal_type.chinese_name()))
    );
    match seal_type {
        SealType::Personal => personal(&mut svg, &glyphs, f64::from(w)),
        SealType::Invoice => oval(&mut svg, &glyphs, seal_type, f64::from(w), f64::from(h)),
        _ => round(&mut svg, &glyphs, seal_type, f64::from(w)),
    }
    svg.push_str("</g>\n</svg>\n");
    Ok(Picture {
        format: ImageFormat::Svg,
        data: svg.into_bytes(),
        width_mm: w,
        height_mm: h,
    })
}

/// Where the baseline goes below a glyph's centre, in ems: CJK glyphs fill the em box from
/// about 0.88 em above the baseline to 0.12 em below it. (`dominant-baseline="central"` would
/// say this, but not every SVG renderer honours it.)
const BASELINE_DROP: f64 = 0.38;

fn glyph(svg: &mut String, c: char, x: f64, y: f64, size: f64, rotate_deg: f64, x_scale: f64) {
    if c.is_whitespace() {
        return;
    }
    let _ = writeln!(
        svg,
        "<text x=\"0\" y=\"{:.3}\" font-size=\"{size:.2}\" text-anchor=\"middle\" \
         transform=\"translate({x:.3} {y:.3}) rotate({rotate_deg:.2}) scale({x_scale:.3} 1)\">{}</text>",
        size * BASELINE_DROP,
        xml_escape(&c.to_string())
    );
}

fn centred_text(svg: &mut String, text: &str, cx: f64, y: f64, size: f64, max_width: f64) {
    let n = text.chars().count().max(1) as f64;
    let scale = (max_width / (n * size)).min(1.0);
    let _ = writeln!(
        svg,
        "<text x=\"0\" y=\"{:.3}\" font-size=\"{size:.2}\" text-anchor=\"middle\" \
         transform=\"translate({cx:.3} {y:.3}) scale({scale:.3} 1)\">{}</text>",
        size * BASELINE_DROP,
        xml_escape(text)
    );
}

fn star(svg: &mut String, cx: f64, cy: f64, r_outer: f64) {
    let r_inner = r_outer * 0.381_966; // regular pentagram: r_inner / r_outer = 1 / φ²
    let mut points = String::new();
    for k in 0..10 {
        let r = if k % 2 == 0 { r_outer } else { r_inner };
        let a = f64::from(k) * PI / 5.0;
        let _ = write!(points, "{:.3},{:.3} ", cx + r * a.sin(), cy - r * a.cos());
    }
    let _ = writeln!(svg, "<polygon points=\"{}\"/>", points.trim_end());
}

/// Places glyphs evenly (by arc length) on the upper arc of an ellipse with semi-axes `a`, `b`
/// centred at (`cx`, `cy`), over `span` radians of the parameter centred on the top.
#[allow(clippy::too_many_arguments)]
fn arc_text(
    svg: &mut String,
    glyphs: &[char],
    cx: f64,
    cy: f64,
    a: f64,
    b: f64,
    max_span: f64,
    font: f64,
) {
    let point = |t: f64| (cx + a * t.sin(), cy - b * t.cos());
    // Arc length from the top to parameter t, sampled.
    const STEPS: usize = 720;
    let arc_len = |t_end: f64| {
        let mut len = 0.0;
        let mut prev = point(0.0);
        for i in 1..=STEPS {
            let p = point(t_end * i as f64 / STEPS as f64);
            len += ((p.0 - prev.0).powi(2) + (p.1 - prev.1).powi(2)).sqrt();
            prev = p;
        }
        len
    };
    let n = glyphs.len();
    let half_arc_max = arc_len(max_span / 2.0);
    let pitch_nominal = font * 1.15;
    // Few glyphs spread at their natural pitch; many fill the span and get narrower, as a
    // seal carver compresses long names.
    let needed = pitch_nominal * (n.saturating_sub(1)) as f64;
    let (total, x_scale) = if needed <= 2.0 * half_arc_max {
        (needed, 1.0)
    } else {
        let pitch = 2.0 * half_arc_max / (n - 1) as f64;
        (2.0 * half_arc_max, (pitch / pitch_nominal).max(0.4))
    };
    // Parameter for a signed arc distance s from the top (bisection on the monotone arc_len).
    let param_at = |s: f64| {
        let target = s.abs();
        let (mut lo, mut hi) = (0.0, PI);
        for _ in 0..40 {
            let mid = (lo + hi) / 2.0;
            if arc_len(mid) < target {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        (lo + hi) / 2.0 * s.signum()
    };
    for (i, c) in glyphs.iter().enumerate() {
        let s = if n == 1 {
            0.0
        } else {
            -total / 2.0 + total * i as f64 / (n - 1) as f64
        };
        let t = param_at(s);
        let (x, y) = point(t);
        // The glyph's top faces outward along the ellipse normal (b sin t, -a cos t).
        let rot = (b * t.sin()).atan2(a * t.cos()).to_degrees();
        glyph(svg, *c, x, y, font * x_scale.max(0.75), rot, x_scale);
    }
}

fn round(svg: &mut String, glyphs: &[char], seal_type: SealType, d: f64) {
    let s = d / 42.0; // proportions of the 42 mm official seal
    let c = d / 2.0;
    let stroke = 1.2 * s;
    let _ = writeln!(
        svg,
        "<circle cx=\"{c}\" cy=\"{c}\" r=\"{:.3}\" fill=\"none\" stroke=\"{SEAL_RED}\" stroke-width=\"{stroke:.3}\"/>",
        c - stroke / 2.0 - 0.2
    );
    let font = 6.2 * s;
    let r_text = c - stroke - 0.9 * s - font / 2.0;
    arc_text(svg, glyphs, c, c, r_text, r_text, 240f64.to_radians(), font);
    star(svg, c, c, 7.0 * s);
    centred_text(
        svg,
        seal_type.chinese_name(),
        c,
        c + 11.5 * s,
        4.2 * s,
        22.0 * s,
    );
}

fn oval(svg: &mut String, glyphs: &[char], seal_type: SealType, w: f64, h: f64) {
    let s = h / 30.0;
    let (cx, cy) = (w / 2.0, h / 2.0);
    let stroke = 1.0 * s;
    let _ = writeln!(
        svg,
        "<ellipse cx=\"{cx}\" cy=\"{cy}\" rx=\"{:.3}\" ry=\"{:.3}\" fill=\"none\" stroke=\"{SEAL_RED}\" stroke-width=\"{stroke:.3}\"/>",
        cx - stroke / 2.0 - 0.2,
        cy - stroke / 2.0 - 0.2
    );
    let font = 4.6 * s;
    let inset = stroke + 0.7 * s + font / 2.0;
    arc_text(
        svg,
        glyphs,
        cx,
        cy,
        cx - inset,
        cy - inset,
        220f64.to_radians(),
        font,
    );
    centred_text(
        svg,
        seal_type.chinese_name(),
        cx,
        cy + 7.0 * s,
        4.0 * s,
        w * 0.55,
    );
}

fn personal(svg: &mut String, glyphs: &[char], side: f64) {
    let mut chars: Vec<char> = glyphs
        .iter()
        .copied()
        .filter(|c| !c.is_whitespace())
        .collect();
    // Name seals read as four characters: 张三之印, 欧阳明印.
    match chars.len() {
        2 => chars.extend(['之', '印']),
        3 => chars.push('印'),
        _ => {}
    }
    let n = chars.len().max(1);
    let rows = if n <= 4 { n.min(2) } else { 3 };
    let cols = n.div_ceil(rows);
    let stroke = 1.0;
    let _ = writeln!(
        svg,
        "<rect x=\"{0:.3}\" y=\"{0:.3}\" width=\"{1:.3}\" height=\"{1:.3}\" fill=\"none\" stroke=\"{SEAL_RED}\" stroke-width=\"{stroke}\"/>",
        stroke / 2.0 + 0.2,
        side - stroke - 0.4
    );
    let inner = side - 2.0 * (stroke + 1.0);
    let cell_w = inner / cols as f64;
    let cell_h = inner / rows as f64;
    let font = cell_h.min(cell_w) * 0.9;
    for (i, c) in chars.iter().enumerate() {
        // Columns run right to left, characters top to bottom within a column.
        let col = i / rows;
        let row = i % rows;
        let x = side - (stroke + 1.0) - cell_w * (col as f64 + 0.5);
        let y = stroke + 1.0 + cell_h * (row as f64 + 0.5);
        glyph(svg, *c, x, y, font, 0.0, (cell_w / cell_h).clamp(0.5, 1.0));
    }
}

#[cfg(test)]
mod tests;
