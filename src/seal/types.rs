//! The plain value types a seal is described with, shared by the seal object ([`super::seal`])
//! and the drawing of its image ([`super::render`]): the kind of seal, the image format and the
//! picture. A leaf: it imports nothing else of `seal`, so `seal` and `render` need not import
//! each other both ways.

use std::fmt;
use std::str::FromStr;

use super::SealError;

/// The kind of seal (`SES_ESPropertyInfo.type`).
///
/// GB/T 38540 leaves the codes to the application. govpki uses the codes of the public-security
/// seal registry that third-party seals in the wild follow (`testdata/gbt38540`: a
/// contract seal has type 4, an invoice seal type 3): 1 公章 (official, the unit's legal-name
/// seal), 2 财务专用章, 3 发票专用章, 4 合同专用章, 5 个人章 (personal name seal). Other codes
/// parse as [`SealType::Other`]. Note that GM/T 0031-2014 used 2 for personal seals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SealType {
    /// 公章: the unit's official seal.
    Official,
    /// 财务专用章.
    Finance,
    /// 发票专用章.
    Invoice,
    /// 合同专用章.
    Contract,
    /// 个人章: a person's name seal.
    Personal,
    /// A code govpki does not name.
    Other(u32),
}

impl SealType {
    /// Every named type, in code order.
    pub const ALL: [SealType; 5] = [
        SealType::Official,
        SealType::Finance,
        SealType::Invoice,
        SealType::Contract,
        SealType::Personal,
    ];

    /// The `type` code written into the seal.
    pub fn code(self) -> u32 {
        match self {
            SealType::Official => 1,
            SealType::Finance => 2,
            SealType::Invoice => 3,
            SealType::Contract => 4,
            SealType::Personal => 5,
            SealType::Other(n) => n,
        }
    }

    /// The type for a code.
    pub fn from_code(code: u32) -> Self {
        Self::ALL
            .into_iter()
            .find(|t| t.code() == code)
            .unwrap_or(SealType::Other(code))
    }

    /// The command-line name: `official`, `contract`, `finance`, `invoice`, `personal`, `other`.
    pub fn name(self) -> &'static str {
        match self {
            SealType::Official => "official",
            SealType::Finance => "finance",
            SealType::Invoice => "invoice",
            SealType::Contract => "contract",
            SealType::Personal => "personal",
            SealType::Other(_) => "other",
        }
    }

    /// The Chinese name, as carved on the seal.
    pub fn chinese_name(self) -> &'static str {
        match self {
            SealType::Official => "公章",
            SealType::Finance => "财务专用章",
            SealType::Invoice => "发票专用章",
            SealType::Contract => "合同专用章",
            SealType::Personal => "个人章",
            SealType::Other(_) => "其他印章",
        }
    }
}

impl fmt::Display for SealType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SealType::Other(n) => write!(f, "other ({n})"),
            t => write!(f, "{} ({})", t.name(), t.chinese_name()),
        }
    }
}

impl FromStr for SealType {
    type Err = SealError;

    /// Accepts the English name, the Chinese name, or the numeric code.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if let Some(t) = Self::ALL
            .into_iter()
            .find(|t| t.name().eq_ignore_ascii_case(s) || t.chinese_name() == s)
        {
            return Ok(t);
        }
        if let Ok(code) = s.parse::<u32>() {
            return Ok(Self::from_code(code));
        }
        Err(SealError::Spec {
            field: "type",
            reason: format!(
                "unknown seal type `{s}` (expected official, contract, finance, invoice or personal)"
            ),
        })
    }
}

impl serde::Serialize for SealType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// The format of a seal image (`SES_ESPictrueInfo.type`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ImageFormat {
    Png,
    Svg,
    /// Another format written by another system (`GIF`, `JPG`, `ofd`, ...), kept as written.
    Other(String),
}

impl ImageFormat {
    /// The `type` string: `PNG`, `SVG`, or as written.
    pub fn as_str(&self) -> &str {
        match self {
            ImageFormat::Png => "PNG",
            ImageFormat::Svg => "SVG",
            ImageFormat::Other(s) => s,
        }
    }

    /// A file extension for `--image-out`.
    pub fn extension(&self) -> String {
        self.as_str().to_ascii_lowercase()
    }

    pub(super) fn from_type(s: &str) -> Self {
        if s.eq_ignore_ascii_case("PNG") {
            ImageFormat::Png
        } else if s.eq_ignore_ascii_case("SVG") {
            ImageFormat::Svg
        } else {
            ImageFormat::Other(s.to_string())
        }
    }
}

impl fmt::Display for ImageFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The seal image and its printed size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picture {
    pub format: ImageFormat,
    pub data: Vec<u8>,
    pub width_mm: u32,
    pub height_mm: u32,
}
