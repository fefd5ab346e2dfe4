//! The progress chart: a burn-up of the plan (scope and done over time) with per-track
//! detail, as a PNG drawn from the digest's series (it decides nothing). Shapes are drawn
//! with plotters' bitmap backend; text with ab_glyph in fonts found through the system's
//! font database (fontdb), each glyph in the first font that has it (`.ci/run` and the
//! Docker image install Noto Sans CJK; `SHORTLIST_FONT` names a font file to prefer).

use super::short;
use crate::digest::Burnup;

/// Why the chart could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("no font for the chart; install fonts-noto-cjk or set SHORTLIST_FONT (tried {tried})")]
    NoFont { tried: String },
    #[error("cannot draw the chart: {0}")]
    Draw(String),
}
use ab_glyph::{Font, FontVec, PxScale, ScaleFont};
use chrono::{DateTime, Utc};
use plotters::prelude::*;
use std::path::PathBuf;

/// Families asked of the system's font database, in order: CJK first (they also cover
/// Latin), then common sans fonts, then emoji. Every glyph is drawn with the first font
/// that has it.
const FAMILIES: &[&str] = &[
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Noto Sans CJK",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "PingFang SC",
    "Microsoft YaHei",
    "Noto Sans",
    "DejaVu Sans",
    "Liberation Sans",
    "Arial",
    "Noto Emoji",
    "Noto Color Emoji",
];

pub const WIDTH: u32 = 1000;
pub const HEIGHT: u32 = 500;

const COLORS: [RGBColor; 8] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
];

/// The fonts text is drawn with, in fallback order.
pub struct Fonts {
    fonts: Vec<FontVec>,
    /// Where each came from (a file, or a family of the font database).
    pub sources: Vec<String>,
}

impl Fonts {
    /// The first font with a glyph for `c`.
    fn for_char(&self, c: char) -> Option<&FontVec> {
        self.fonts.iter().find(|f| f.glyph_id(c).0 != 0)
    }

    /// Characters of `text` no font can draw.
    pub fn missing(&self, text: &str) -> Vec<char> {
        let mut out: Vec<char> = text
            .chars()
            .filter(|c| !c.is_whitespace() && self.for_char(*c).is_none())
            .collect();
        out.dedup();
        out
    }
}

/// `SHORTLIST_FONT` (a file) first, then the system's fonts of [`FAMILIES`], then any
/// sans-serif the font database knows.
pub fn load_fonts() -> Result<Fonts, ChartError> {
    let mut fonts = Vec::new();
    let mut sources = Vec::new();
    if let Ok(p) = std::env::var("SHORTLIST_FONT") {
        if let Some(f) = std::fs::read(&p)
            .ok()
            .and_then(|b| FontVec::try_from_vec_and_index(b, 0).ok())
        {
            fonts.push(f);
            sources.push(p);
        }
    }
    let mut db = fontdb::Database::new();
    db.load_system_fonts();
    let mut seen = Vec::new();
    let families = FAMILIES
        .iter()
        .map(|f| fontdb::Family::Name(f))
        .chain([fontdb::Family::SansSerif]);
    for family in families {
        let query = fontdb::Query {
            families: &[family],
            ..fontdb::Query::default()
        };
        let Some(id) = db.query(&query) else {
            continue;
        };
        if seen.contains(&id) {
            continue;
        }
        seen.push(id);
        let loaded = db.with_face_data(id, |data, index| {
            FontVec::try_from_vec_and_index(data.to_vec(), index).ok()
        });
        if let Some(Some(f)) = loaded {
            fonts.push(f);
            sources.push(
                db.face(id)
                    .and_then(|face| face.families.first().map(|(n, _)| n.clone()))
                    .unwrap_or_default(),
            );
        }
    }
    if fonts.is_empty() {
        return Err(ChartError::NoFont {
            tried: "SHORTLIST_FONT and the system's font database".to_string(),
        });
    }
    Ok(Fonts { fonts, sources })
}

/// The first font found and where it came from (tests check CJK coverage with it).
pub fn load_font() -> Result<(FontVec, PathBuf), ChartError> {
    let fonts = load_fonts()?;
    let source = fonts.sources.first().cloned().unwrap_or_default();
    let font = fonts.fonts.into_iter().next().ok_or(ChartError::NoFont {
        tried: source.clone(),
    })?;
    Ok((font, PathBuf::from(source)))
}

/// The progress chart's title, wherever it is drawn.
pub const PROGRESS_TITLE: &str = "Progress by track: done and remaining tasks";

/// Draw a burn-up as a PNG of `WIDTH`×`HEIGHT`: the plan's scope and done over time,
/// and per track (the largest few, the rest as "other") its done count, with a legend
/// of done/total that stays readable at any number of tracks.
pub fn render(title: &str, b: &Burnup) -> Result<Vec<u8>, ChartError> {
    let fonts = load_fonts()?;
    let (w, h) = (WIDTH, HEIGHT);
    let mut buf = vec![255u8; (w * h * 3) as usize];
    let n = b.at.len();
    let t0 = b.at.first().map(|t| t.timestamp()).unwrap_or(0);
    let now = b.at.last().map(|t| t.timestamp()).unwrap_or(1);
    // The x axis spans the data: on a quiet repository "now" is long after the last
    // change, and drawing up to today would squeeze every change into the left edge.
    let last_change = if n >= 2 { b.at[n - 2].timestamp() } else { now };
    let span = (last_change - t0).max(1);
    let squeezed = n >= 3 && now - last_change > span / 4;
    let t1 = if squeezed {
        last_change + span / 8
    } else {
        now.max(t0 + 1)
    };
    let x_of = |i: usize| -> i64 {
        if squeezed && i + 1 == n {
            t1
        } else {
            b.at[i].timestamp()
        }
    };
    // Headroom above the scope line, rounded so that the four grid steps are whole.
    let top_count = b.scope.iter().copied().max().unwrap_or(1).max(1);
    let ymax = (top_count + top_count / 10 + 1).div_ceil(4) * 4;
    let (left, top, right, bottom) = (60i32, 50i32, (w as i32) - 300, (h as i32) - 60);
    {
        let root = BitMapBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
        let map = |t: i64, y: usize| -> (i32, i32) {
            let x =
                left + ((t - t0) as f64 / (t1 - t0).max(1) as f64 * (right - left) as f64) as i32;
            let y = bottom - (y as f64 / ymax as f64 * (bottom - top) as f64) as i32;
            (x, y)
        };
        let grey = RGBColor(210, 210, 210);
        let e = |e: DrawingAreaErrorKind<_>| ChartError::Draw(e.to_string());
        for k in 0..=4 {
            let y = bottom - (k * (bottom - top) / 4);
            root.draw(&PathElement::new(vec![(left, y), (right, y)], grey))
                .map_err(e)?;
        }
        // Steps: a count holds until the next change.
        let steps = |v: &[usize]| -> Vec<(i32, i32)> {
            let mut out: Vec<(i32, i32)> = Vec::new();
            for (i, &y) in v.iter().enumerate() {
                let (x, y) = map(x_of(i), y);
                if let Some(&(_, py)) = out.last() {
                    out.push((x, py));
                }
                out.push((x, y));
            }
            out
        };
        let done = steps(&b.done);
        if done.len() > 1 {
            let mut poly = done.clone();
            poly.push((done[done.len() - 1].0, bottom));
            poly.push((done[0].0, bottom));
            root.draw(&Polygon::new(poly, RGBColor(44, 160, 44).mix(0.25)))
                .map_err(e)?;
        }
        root.draw(&PathElement::new(
            done,
            RGBColor(44, 160, 44).stroke_width(3),
        ))
        .map_err(e)?;
        root.draw(&PathElement::new(steps(&b.scope), BLACK.stroke_width(2)))
            .map_err(e)?;
        for (i, t) in b.tracks.iter().enumerate() {
            let c = COLORS[i % COLORS.len()];
            root.draw(&PathElement::new(steps(&t.done), c.stroke_width(1)))
                .map_err(e)?;
            // Legend: a swatch and a bar of done against total.
            let ly = top + 34 + (i as i32) * 40;
            let total = t.total.last().copied().unwrap_or(0).max(1);
            let d = t.done.last().copied().unwrap_or(0);
            let bar = 200;
            root.draw(&Rectangle::new(
                [(right + 20, ly + 22), (right + 20 + bar, ly + 30)],
                grey.filled(),
            ))
            .map_err(e)?;
            root.draw(&Rectangle::new(
                [
                    (right + 20, ly + 22),
                    (right + 20 + bar * d as i32 / total as i32, ly + 30),
                ],
                c.filled(),
            ))
            .map_err(e)?;
        }
        root.draw(&PathElement::new(
            vec![(left, top), (left, bottom), (right, bottom)],
            BLACK.stroke_width(2),
        ))
        .map_err(e)?;
        root.present()
            .map_err(|e| ChartError::Draw(e.to_string()))?;
    }
    let black = [20u8, 20, 20];
    let mut text = |size: f32, x: i32, y: i32, s: &str| {
        draw_text(&mut buf, w, h, &fonts, size, x, y, s, black);
    };
    text(22.0, left, 12, title);
    text(14.0, 6, top - 24, "tasks");
    for k in 0..=4 {
        let y = bottom - (k * (bottom - top) / 4) - 8;
        text(13.0, left - 30, y, &(ymax * k as usize / 4).to_string());
    }
    let fmt = if t1 - t0 < 4 * 86_400 {
        "%m-%d %H:%M"
    } else {
        "%Y-%m-%d"
    };
    let label = |t: i64| {
        DateTime::<Utc>::from_timestamp(t, 0)
            .map(|d| d.format(fmt).to_string())
            .unwrap_or_default()
    };
    text(13.0, left - 10, bottom + 8, &label(t0));
    if squeezed {
        text(
            13.0,
            right - 110,
            bottom + 8,
            &format!("now ({})", label(now)),
        );
        text(
            13.0,
            (left + right) / 2 - 40,
            bottom + 8,
            &label(last_change),
        );
    } else {
        text(13.0, right - 70, bottom + 8, &label(t1));
    }
    text(13.0, left, bottom + 30, "black: scope · green: done");
    text(15.0, right + 20, top, "Done / total by track");
    for (i, t) in b.tracks.iter().enumerate() {
        let ly = top + 34 + (i as i32) * 40;
        let d = t.done.last().copied().unwrap_or(0);
        let total = t.total.last().copied().unwrap_or(0);
        text(
            13.0,
            right + 20,
            ly,
            &format!("{} {d}/{total}", short(&t.name, 24)),
        );
    }
    let all: String = b
        .tracks
        .iter()
        .map(|t| t.name.as_str())
        .chain([title])
        .collect();
    let missing = fonts.missing(&all);
    if !missing.is_empty() {
        tracing::warn!(
            "the chart has no font for {:?} (install fonts-noto-cjk, or set SHORTLIST_FONT)",
            missing.iter().collect::<String>()
        );
    }
    encode_png(&buf, w, h)
}

/// Draw `text` with its top-left at (x, y), each glyph in the first font that has it,
/// blending coverage into the RGB buffer.
#[allow(clippy::too_many_arguments)]
fn draw_text(
    buf: &mut [u8],
    w: u32,
    h: u32,
    fonts: &Fonts,
    px: f32,
    x: i32,
    y: i32,
    text: &str,
    rgb: [u8; 3],
) {
    let Some(first) = fonts.fonts.first() else {
        return;
    };
    let base = y as f32 + first.as_scaled(PxScale::from(px)).ascent();
    let mut pen = x as f32;
    for ch in text.chars() {
        let font = fonts.for_char(ch).unwrap_or(first);
        let scaled = font.as_scaled(PxScale::from(px));
        let id = scaled.glyph_id(ch);
        let glyph = id.with_scale_and_position(PxScale::from(px), ab_glyph::point(pen, base));
        pen += scaled.h_advance(id);
        let Some(outlined) = font.outline_glyph(glyph) else {
            continue;
        };
        let bounds = outlined.px_bounds();
        outlined.draw(|gx, gy, cov| {
            let px_ = bounds.min.x as i32 + gx as i32;
            let py = bounds.min.y as i32 + gy as i32;
            if px_ < 0 || py < 0 || px_ >= w as i32 || py >= h as i32 {
                return;
            }
            let i = ((py as u32 * w + px_ as u32) * 3) as usize;
            for c in 0..3 {
                let old = buf[i + c] as f32;
                buf[i + c] = (old + (rgb[c] as f32 - old) * cov.min(1.0)) as u8;
            }
        });
    }
}

fn encode_png(buf: &[u8], w: u32, h: u32) -> Result<Vec<u8>, ChartError> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc
            .write_header()
            .map_err(|e| ChartError::Draw(e.to_string()))?;
        writer
            .write_image_data(buf)
            .map_err(|e| ChartError::Draw(e.to_string()))?;
    }
    Ok(out)
}
