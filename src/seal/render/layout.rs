//! Where the parts of a drawn seal go: the rim, the name around the upper arc, the star, the
//! purpose text and the code, each glyph a `<path>` of the embedded font ([`super::font`]).
//! Every number is written with fixed precision, so the same seal gives the same bytes.

use std::f64::consts::PI;
use std::fmt::Write as _;

use super::super::SealError;
use super::super::types::SealType;
use super::SEAL_RED;
use super::font::SealFont;

/// An SVG being drawn with the seal font.
pub(super) struct Canvas {
    pub svg: String,
    font: SealFont,
}

impl Canvas {
    pub fn new(font: SealFont) -> Self {
        Canvas {
            svg: String::new(),
            font,
        }
    }

    /// The advance of `c` in ems (0 for a character the font lacks: checked before drawing).
    fn advance(&self, c: char) -> f64 {
        self.font.outline(c).map(|o| o.advance).unwrap_or(0.0)
    }

    /// Draws `c` with its centre at (`x`, `y`) mm, `size` mm per em, turned `rotate_deg`
    /// clockwise, its width scaled by `x_scale`.
    fn glyph(
        &mut self,
        c: char,
        (x, y): (f64, f64),
        size: f64,
        rotate_deg: f64,
        x_scale: f64,
    ) -> Result<(), SealError> {
        if c.is_whitespace() {
            return Ok(());
        }
        let o = self.font.outline(c)?;
        if o.d.is_empty() {
            return Ok(());
        }
        // translate(x y) rotate(r) scale(sx, -sy) translate(-centre): font units (y up) to mm.
        let sy = size / o.units_per_em;
        let sx = sy * x_scale;
        let (sin, cos) = rotate_deg.to_radians().sin_cos();
        let (a, b, c2, d) = (cos * sx, sin * sx, sin * sy, -cos * sy);
        let (gx, gy) = o.centre;
        let e = x - (a * gx + c2 * gy);
        let f = y - (b * gx + d * gy);
        let _ = writeln!(
            self.svg,
            "<path transform=\"matrix({} {} {} {} {} {})\" d=\"{}\"/>",
            num(a, 6),
            num(b, 6),
            num(c2, 6),
            num(d, 6),
            num(e, 3),
            num(f, 3),
            o.d
        );
        Ok(())
    }

    /// A horizontal line of text centred on (`cx`, `y`), narrowed to `max_width` if longer.
    fn centred_text(
        &mut self,
        text: &str,
        (cx, y): (f64, f64),
        size: f64,
        max_width: f64,
    ) -> Result<(), SealError> {
        let advances: Vec<(char, f64)> =
            text.chars().map(|c| (c, self.advance(c) * size)).collect();
        let natural: f64 = advances.iter().map(|(_, w)| w).sum();
        let scale = if natural > max_width {
            max_width / natural
        } else {
            1.0
        };
        let mut x = cx - natural * scale / 2.0;
        for (c, w) in advances {
            self.glyph(c, (x + w * scale / 2.0, y), size, 0.0, scale)?;
            x += w * scale;
        }
        Ok(())
    }

    fn star(&mut self, cx: f64, cy: f64, r_outer: f64) {
        let r_inner = r_outer * 0.381_966; // regular pentagram: r_inner / r_outer = 1 / φ²
        let mut points = String::new();
        for k in 0..10 {
            let r = if k % 2 == 0 { r_outer } else { r_inner };
            let a = f64::from(k) * PI / 5.0;
            let _ = write!(
                points,
                "{},{} ",
                num(cx + r * a.sin(), 3),
                num(cy - r * a.cos(), 3)
            );
        }
        let _ = writeln!(self.svg, "<polygon points=\"{}\"/>", points.trim_end());
    }

    fn ring(&mut self, cx: f64, cy: f64, (rx, ry): (f64, f64), stroke: f64) {
        let _ = writeln!(
            self.svg,
            "<ellipse cx=\"{}\" cy=\"{}\" rx=\"{}\" ry=\"{}\" fill=\"none\" stroke=\"{SEAL_RED}\" stroke-width=\"{}\"/>",
            num(cx, 3),
            num(cy, 3),
            num(rx, 3),
            num(ry, 3),
            num(stroke, 3)
        );
    }

    /// Places `glyphs` evenly by arc length on an ellipse centred at `centre` with semi-axes
    /// `axes`, upright along it (each glyph's head away from the centre on the upper arc,
    /// towards it on the lower one), read left to right. `pitch` is the natural distance
    /// between glyph centres; the glyphs spread to at least `min_span` radians (of the
    /// ellipse's parameter) and at most `max_span`, narrowed beyond it as a seal carver
    /// narrows a long name.
    fn arc_text(&mut self, glyphs: &[char], arc: &Arc, size: f64) -> Result<(), SealError> {
        let Arc {
            centre: (cx, cy),
            axes: (a, b),
            lower,
            min_span,
            max_span,
            pitch,
        } = *arc;
        let vertical = if lower { 1.0 } else { -1.0 };
        let point = |t: f64| (cx + a * t.sin(), cy + vertical * b * t.cos());
        // Arc length from the middle of the arc to parameter t, sampled.
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
        if n == 0 {
            return Ok(());
        }
        let gaps = n.saturating_sub(1) as f64;
        let natural = pitch * gaps;
        let least = 2.0 * arc_len(min_span / 2.0);
        let most = 2.0 * arc_len(max_span / 2.0);
        let total = natural.max(least).min(most);
        let x_scale = if n > 1 && natural > most {
            (total / natural).max(0.4)
        } else {
            1.0
        };
        // Parameter for a signed arc distance s from the middle (bisection on the monotone
        // arc_len).
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
                -total / 2.0 + total * i as f64 / gaps
            };
            let t = param_at(s);
            // The ellipse's outward normal at t is (b sin t, ∓a cos t); the glyph's head
            // follows it on the upper arc and turns inward on the lower one.
            let rot = if lower {
                -(b * t.sin()).atan2(a * t.cos()).to_degrees()
            } else {
                (b * t.sin()).atan2(a * t.cos()).to_degrees()
            };
            self.glyph(*c, point(t), size * x_scale.max(0.75), rot, x_scale)?;
        }
        Ok(())
    }
}

/// An arc of text (see [`Canvas::arc_text`]).
struct Arc {
    centre: (f64, f64),
    axes: (f64, f64),
    lower: bool,
    min_span: f64,
    max_span: f64,
    pitch: f64,
}

/// A number with at most `places` decimals, without trailing zeros (`-0` written `0`).
fn num(v: f64, places: usize) -> String {
    let s = format!("{v:.places$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    if s == "-0" { "0".to_string() } else { s }
}

/// The least spread of a name of `n` glyphs around a round seal: short names are spaced out
/// as carvers do (two glyphs 40° apart, up to 210° for six and more).
fn name_min_span(n: usize) -> f64 {
    let gaps = n.saturating_sub(1) as f64;
    (40f64.to_radians() * gaps).min(210f64.to_radians())
}

/// The purpose text under the star: the special-purpose seals' names. The official seal has
/// none (国发〔1999〕25号: the name around a star, nothing else), nor a seal of a type this
/// tool does not know.
fn purpose(seal_type: SealType) -> Option<&'static str> {
    match seal_type {
        SealType::Contract | SealType::Finance | SealType::Invoice => {
            Some(seal_type.chinese_name())
        }
        SealType::Official | SealType::Personal | SealType::Other(_) => None,
    }
}

/// A round seal of diameter `d` mm, drawn in the proportions of the 42 mm official seal: a
/// rim 1.2 mm wide, the name in 6.2 mm glyphs around the upper arc (over 240° at most, 220°
/// when the purpose text or the code takes the lower part), a star 14 mm across, the
/// purpose text in 4 mm glyphs under it, the code in 1.8 mm glyphs along the lower arc.
pub(super) fn round(
    canvas: &mut Canvas,
    glyphs: &[char],
    seal_type: SealType,
    d: f64,
    code: Option<&str>,
) -> Result<(), SealError> {
    let s = d / 42.0;
    let c = d / 2.0;
    let stroke = 1.2 * s;
    let r_ring = c - stroke / 2.0 - 0.2;
    canvas.ring(c, c, (r_ring, r_ring), stroke);
    let font = 6.2 * s;
    let r_text = c - stroke - 0.9 * s - font / 2.0;
    canvas.arc_text(
        glyphs,
        &Arc {
            centre: (c, c),
            axes: (r_text, r_text),
            lower: false,
            min_span: name_min_span(glyphs.len()),
            // The purpose text and the code need the lower part of the ring.
            max_span: if purpose(seal_type).is_some() || code.is_some() {
                220f64.to_radians()
            } else {
                240f64.to_radians()
            },
            pitch: font * 1.15,
        },
        font,
    )?;
    canvas.star(c, c, 7.0 * s);
    if let Some(text) = purpose(seal_type) {
        canvas.centred_text(text, (c, c + 10.5 * s), 4.0 * s, 17.0 * s)?;
    }
    if let Some(code) = code {
        let code_font = 1.8 * s;
        let r_code = c - stroke - 0.8 * s - code_font / 2.0;
        let chars: Vec<char> = code.chars().collect();
        let pitch = chars
            .iter()
            .map(|ch| canvas.advance(*ch))
            .fold(0.0, f64::max)
            * code_font
            * 1.05;
        canvas.arc_text(
            &chars,
            &Arc {
                centre: (c, c),
                axes: (r_code, r_code),
                lower: true,
                min_span: 0.0,
                max_span: 100f64.to_radians(),
                pitch,
            },
            code_font,
        )?;
    }
    Ok(())
}

/// An oval seal `w` × `h` mm (the invoice seal): the name around the upper arc, the purpose
/// text across the lower half, no star.
pub(super) fn oval(
    canvas: &mut Canvas,
    glyphs: &[char],
    seal_type: SealType,
    w: f64,
    h: f64,
) -> Result<(), SealError> {
    let s = h / 30.0;
    let (cx, cy) = (w / 2.0, h / 2.0);
    let stroke = 1.0 * s;
    canvas.ring(
        cx,
        cy,
        (cx - stroke / 2.0 - 0.2, cy - stroke / 2.0 - 0.2),
        stroke,
    );
    let font = 4.6 * s;
    let inset = stroke + 0.7 * s + font / 2.0;
    canvas.arc_text(
        glyphs,
        &Arc {
            centre: (cx, cy),
            axes: (cx - inset, cy - inset),
            lower: false,
            min_span: name_min_span(glyphs.len()).min(200f64.to_radians()),
            max_span: 220f64.to_radians(),
            pitch: font * 1.15,
        },
        font,
    )?;
    if let Some(text) = purpose(seal_type) {
        canvas.centred_text(text, (cx, cy + 7.0 * s), 4.0 * s, w * 0.55)?;
    }
    Ok(())
}

/// A square name seal of side `side` mm: the name in columns read right to left, completed
/// to four characters with 之印 / 印 as name seals are.
pub(super) fn personal(canvas: &mut Canvas, glyphs: &[char], side: f64) -> Result<(), SealError> {
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
    let inset = stroke / 2.0 + 0.2;
    let _ = writeln!(
        canvas.svg,
        "<rect x=\"{0}\" y=\"{0}\" width=\"{1}\" height=\"{1}\" fill=\"none\" stroke=\"{SEAL_RED}\" stroke-width=\"{2}\"/>",
        num(inset, 3),
        num(side - stroke - 0.4, 3),
        num(stroke, 3)
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
        canvas.glyph(*c, (x, y), font, 0.0, (cell_w / cell_h).clamp(0.5, 1.0))?;
    }
    Ok(())
}
