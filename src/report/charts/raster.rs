//! PNG copies of the charts, rasterised from the very SVG that index.html
//! shows, at print resolution. A bitmap drawn by plotters has one pixel
//! per unit (blurry on paper) and is a second drawing that could differ
//! from the SVG; rasterising the SVG gives one picture at any size. The
//! font is the embedded DejaVu Sans, so the pixels are the same on every
//! machine.

use resvg::tiny_skia;
use resvg::usvg;
use std::sync::OnceLock;

/// Pixels per SVG unit: a chart 760 units wide becomes 1,900 pixels, 300
/// dots per inch across a 6.3-inch column of text.
pub(crate) const SCALE: f32 = 2.5;

/// The resolution written into each PNG (its `pHYs` chunk), so that a
/// word processor places it at its print size: 300 dpi in pixels per metre.
const PIXELS_PER_METRE: u32 = 11_811;

/// An encoded PNG and its size in pixels.
#[derive(Debug, Clone, Default)]
pub(crate) struct Png {
    pub bytes: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

fn options() -> &'static usvg::Options<'static> {
    static OPTIONS: OnceLock<usvg::Options<'static>> = OnceLock::new();
    OPTIONS.get_or_init(|| {
        let mut options = usvg::Options {
            font_family: "DejaVu Sans".into(),
            ..usvg::Options::default()
        };
        let fonts = options.fontdb_mut();
        fonts.load_font_data(super::FONT.to_vec());
        fonts.set_sans_serif_family("DejaVu Sans");
        options
    })
}

/// The chart `svg` as a PNG at [`SCALE`] pixels per unit, on white.
pub(crate) fn png(svg: &str) -> Result<Png, String> {
    let tree = usvg::Tree::from_str(svg, options()).map_err(|e| e.to_string())?;
    let size = tree
        .size()
        .to_int_size()
        .scale_by(SCALE)
        .ok_or("the chart is too large to rasterise")?;
    let mut pixmap = tiny_skia::Pixmap::new(size.width(), size.height())
        .ok_or("the chart is too large to rasterise")?;
    pixmap.fill(tiny_skia::Color::WHITE);
    resvg::render(
        &tree,
        tiny_skia::Transform::from_scale(SCALE, SCALE),
        &mut pixmap.as_mut(),
    );
    let encoded = pixmap.encode_png().map_err(|e| e.to_string())?;
    Ok(Png {
        bytes: with_resolution(encoded),
        width: size.width(),
        height: size.height(),
    })
}

/// `png` with a `pHYs` chunk after its header chunk (the 8-byte signature
/// and the 25-byte IHDR), declaring [`PIXELS_PER_METRE`] both ways.
fn with_resolution(png: Vec<u8>) -> Vec<u8> {
    const AFTER_HEADER: usize = 8 + 25;
    if png.len() < AFTER_HEADER || &png[12..16] != b"IHDR" {
        return png;
    }
    let mut chunk = Vec::with_capacity(21);
    chunk.extend_from_slice(&9u32.to_be_bytes());
    chunk.extend_from_slice(b"pHYs");
    chunk.extend_from_slice(&PIXELS_PER_METRE.to_be_bytes());
    chunk.extend_from_slice(&PIXELS_PER_METRE.to_be_bytes());
    chunk.push(1); // the unit is the metre
    let crc = crc32fast::hash(&chunk[4..]);
    chunk.extend_from_slice(&crc.to_be_bytes());
    let mut out = Vec::with_capacity(png.len() + chunk.len());
    out.extend_from_slice(&png[..AFTER_HEADER]);
    out.extend_from_slice(&chunk);
    out.extend_from_slice(&png[AFTER_HEADER..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SVG: &str = r#"<svg width="40" height="20" viewBox="0 0 40 20" xmlns="http://www.w3.org/2000/svg"><rect x="0" y="0" width="20" height="20" fill="black"/><text x="22" y="15" font-family="sans-serif" font-size="12">a</text></svg>"#;

    #[test]
    fn scales_and_declares_300_dpi() {
        let png = png(SVG).unwrap();
        assert_eq!((png.width, png.height), (100, 50));
        assert_eq!(&png.bytes[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(&png.bytes[37..41], b"pHYs");
        assert_eq!(
            u32::from_be_bytes(png.bytes[41..45].try_into().unwrap()),
            PIXELS_PER_METRE
        );
        let decoded = tiny_skia::Pixmap::decode_png(&png.bytes).unwrap();
        assert_eq!(decoded.width(), 100);
        // The square is black, the rest of the background white.
        assert_eq!(decoded.pixel(10, 10).unwrap().red(), 0);
        assert_eq!(decoded.pixel(99, 0).unwrap().red(), 255);
    }

    #[test]
    fn draws_text_with_the_embedded_font() {
        let png = png(SVG).unwrap();
        let decoded = tiny_skia::Pixmap::decode_png(&png.bytes).unwrap();
        let inked = (55..100)
            .flat_map(|x| (0..50).map(move |y| (x, y)))
            .filter(|&(x, y)| decoded.pixel(x, y).unwrap().red() < 128)
            .count();
        assert!(inked > 20, "the letter was not drawn ({inked} dark pixels)");
    }
}
