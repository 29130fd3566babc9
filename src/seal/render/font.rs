//! The glyphs of a drawn seal: outlines read from the font embedded in the binary
//! (`assets/fonts/seal-serif-sc.ttf`: Noto Serif SC Bold, SIL OFL 1.1, subset to GB 2312 and
//! printable ASCII by `tools/subset-seal-font.sh`), written as SVG path data. A seal image so
//! looks the same on every viewer, with or without a CJK font installed, and a character the
//! font lacks is an error, never a box.
//!
//! Nothing here reads a file: the font is `include_bytes!`.

use std::fmt::Write as _;

use ttf_parser::{Face, GlyphId, OutlineBuilder};

use super::super::SealError;

/// The subset font (see `assets/fonts/README.md`).
static FONT: &[u8] = include_bytes!("../../../assets/fonts/seal-serif-sc.ttf");

/// Where a CJK glyph's visual centre lies above the baseline, in ems: the ideographic em box
/// runs from 0.12 em below the baseline to 0.88 em above it.
const CENTRE_ABOVE_BASELINE: f64 = 0.38;

/// A glyph's outline in font units (y up, the baseline at 0), as SVG path data.
#[derive(Debug, Clone)]
pub(super) struct Outline {
    /// SVG path data; empty for a glyph without contours (a space).
    pub d: String,
    /// The advance width in ems.
    pub advance: f64,
    /// The point the glyph is placed by, in font units: half its advance across, the ideographic
    /// centre up.
    pub centre: (f64, f64),
    /// Units per em of the font.
    pub units_per_em: f64,
}

/// The embedded seal font.
pub(super) struct SealFont {
    face: Face<'static>,
}

impl SealFont {
    pub fn embedded() -> Result<Self, SealError> {
        let face = Face::parse(FONT, 0).map_err(|e| SealError::Image {
            reason: format!("the embedded seal font does not parse: {e}"),
        })?;
        Ok(SealFont { face })
    }

    fn glyph(&self, c: char) -> Result<GlyphId, SealError> {
        match self.face.glyph_index(c) {
            Some(id) if id.0 != 0 => Ok(id),
            _ => Err(missing(c)),
        }
    }

    /// The first character of `text` (whitespace aside) the font has no glyph for, as the
    /// error naming it.
    pub fn check_covers(&self, text: &str) -> Result<(), SealError> {
        for c in text.chars().filter(|c| !c.is_whitespace()) {
            self.glyph(c)?;
        }
        Ok(())
    }

    /// The outline of `c`.
    pub fn outline(&self, c: char) -> Result<Outline, SealError> {
        let id = self.glyph(c)?;
        let upem = f64::from(self.face.units_per_em());
        let advance_units = f64::from(self.face.glyph_hor_advance(id).unwrap_or(0));
        let mut path = PathData(String::new());
        // A glyph without contours (none in the subset but the space) has no outline: fine.
        let _ = self.face.outline_glyph(id, &mut path);
        Ok(Outline {
            d: path.0,
            advance: advance_units / upem,
            centre: (advance_units / 2.0, CENTRE_ABOVE_BASELINE * upem),
            units_per_em: upem,
        })
    }
}

fn missing(c: char) -> SealError {
    SealError::Spec {
        field: "name",
        reason: format!(
            "the seal font (GB 2312 and ASCII) has no glyph for `{c}` (U+{:04X}); \
             write the name with characters of GB 2312, or give the image with --image",
            u32::from(c)
        ),
    }
}

/// Collects an outline as SVG path data. Font coordinates are integers or halves (implied
/// TrueType on-curve points), so `f32`'s shortest form is exact and the same on every run.
struct PathData(String);

impl OutlineBuilder for PathData {
    fn move_to(&mut self, x: f32, y: f32) {
        let _ = write!(self.0, "M{x} {y}");
    }
    fn line_to(&mut self, x: f32, y: f32) {
        let _ = write!(self.0, "L{x} {y}");
    }
    fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
        let _ = write!(self.0, "Q{x1} {y1} {x} {y}");
    }
    fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
        let _ = write!(self.0, "C{x1} {y1} {x2} {y2} {x} {y}");
    }
    fn close(&mut self) {
        self.0.push('Z');
    }
}
