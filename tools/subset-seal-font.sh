#!/usr/bin/env bash
# Regenerates assets/fonts/seal-serif-sc.ttf, the font the seal image's glyph outlines come
# from (src/seal/render/font.rs embeds it): Noto Serif SC Bold (SIL OFL 1.1) from the npm
# package @expo-google-fonts/noto-serif-sc 0.4.3 (Google Fonts v35), subset with fonttools to
# GB 2312: its 6,763 hanzi (levels 1 and 2) and 682 symbols, plus printable ASCII.
#
# Usage: tools/subset-seal-font.sh   (needs npm, python3; writes only assets/fonts/ and a temp dir)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent @expo-google-fonts/noto-serif-sc@0.4.3 >/dev/null
echo "27b80e37282893c78811f866444c9bc425c47e35  expo-google-fonts-noto-serif-sc-0.4.3.tgz" | sha1sum -c -
tar xzf expo-google-fonts-noto-serif-sc-0.4.3.tgz package/700Bold/NotoSerifSC_700Bold.ttf package/LICENSE_FONT
python3 -m venv venv
venv/bin/pip install --quiet fonttools==4.55.3
# Every character GB 2312 encodes: rows 0xA1-0xF7, cells 0xA1-0xFE, decoded as GB 2312.
venv/bin/python - <<'PY' > chars.txt
chars = set(chr(c) for c in range(0x20, 0x7F))
for row in range(0xA1, 0xF8):
    for cell in range(0xA1, 0xFF):
        try:
            chars.add(bytes([row, cell]).decode("gb2312"))
        except UnicodeDecodeError:
            pass
print("".join(sorted(chars)), end="")
PY
venv/bin/pyftsubset package/700Bold/NotoSerifSC_700Bold.ttf \
    --text-file=chars.txt \
    --layout-features='' --no-hinting --desubroutinize \
    --name-IDs='*' --name-legacy --name-languages='*' \
    --drop-tables+=GSUB,GPOS,GDEF,BASE,vhea,vmtx,VORG,DSIG,STAT,gasp \
    --output-file="$here/assets/fonts/seal-serif-sc.ttf"
cp package/LICENSE_FONT "$here/assets/fonts/OFL.txt"
ls -l "$here/assets/fonts/seal-serif-sc.ttf"
sha256sum "$here/assets/fonts/seal-serif-sc.ttf"
