//! The progress chart: done and remaining tasks per track over time, as a PNG (drawn
//! from the digest's series; decides nothing). Shapes
//! are drawn with plotters' bitmap backend; text (title, dates, legend, CJK track names)
//! with ab_glyph from a font file the program loads, so the picture is the same wherever
//! the font is (`.ci/run` and the Docker image install Noto Sans CJK).

use ab_glyph::{Font, FontVec, PxScale, ScaleFont};
use chrono::{DateTime, Utc};
use plotters::prelude::*;
use std::path::{Path, PathBuf};

/// Where fonts with CJK glyphs usually are; `SHORTLIST_FONT` names another.
const FONT_PATHS: &[&str] = &[
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/System/Library/Fonts/PingFang.ttc",
];

use crate::digest::{DigestError, Point};

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

/// Load the first font found; the path it came from.
pub fn load_font() -> Result<(FontVec, PathBuf), DigestError> {
    let mut tried = Vec::new();
    let env = std::env::var("SHORTLIST_FONT").ok();
    for p in env
        .iter()
        .map(String::as_str)
        .chain(FONT_PATHS.iter().copied())
    {
        let path = Path::new(p);
        tried.push(p.to_string());
        let Ok(bytes) = std::fs::read(path) else {
            continue;
        };
        // Collections (.ttc): the first face.
        if let Ok(f) = FontVec::try_from_vec_and_index(bytes, 0) {
            return Ok((f, path.to_path_buf()));
        }
    }
    Err(DigestError::NoFont {
        tried: tried.join(", "),
    })
}

/// Render the series as a PNG of `WIDTH`×`HEIGHT`.
pub fn render(title: &str, series: &[Point]) -> Result<Vec<u8>, DigestError> {
    let (font, _) = load_font()?;
    let (w, h) = (WIDTH, HEIGHT);
    let mut buf = vec![255u8; (w * h * 3) as usize];
    let names: Vec<String> = {
        let mut v: Vec<String> = Vec::new();
        for p in series {
            for (n, _, _) in &p.tracks {
                if !v.contains(n) {
                    v.push(n.clone());
                }
            }
        }
        v
    };
    let t0 = series.first().map(|p| p.at.timestamp()).unwrap_or(0);
    let t1 = series
        .last()
        .map(|p| p.at.timestamp())
        .unwrap_or(1)
        .max(t0 + 1);
    // The largest count, rounded up so that the four grid steps are whole numbers.
    let ymax = series
        .iter()
        .flat_map(|p| p.tracks.iter().map(|t| t.2))
        .max()
        .unwrap_or(1)
        .max(1)
        .div_ceil(4)
        * 4;
    // Plot area, leaving room for the title, axes and the legend on the right.
    let (left, top, right, bottom) = (70i32, 50i32, (w as i32) - 260, (h as i32) - 60);
    {
        let root = BitMapBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
        let map = |t: i64, y: usize| -> (i32, i32) {
            let x = left + ((t - t0) as f64 / (t1 - t0) as f64 * (right - left) as f64) as i32;
            let y = bottom - (y as f64 / ymax as f64 * (bottom - top) as f64) as i32;
            (x, y)
        };
        let grey = RGBColor(200, 200, 200);
        let e = |e: DrawingAreaErrorKind<_>| DigestError::Chart(e.to_string());
        // Axes and horizontal grid.
        for k in 0..=4 {
            let y = bottom - (k * (bottom - top) / 4);
            root.draw(&PathElement::new(vec![(left, y), (right, y)], grey))
                .map_err(e)?;
        }
        root.draw(&PathElement::new(
            vec![(left, top), (left, bottom), (right, bottom)],
            BLACK.stroke_width(2),
        ))
        .map_err(e)?;
        for (i, name) in names.iter().enumerate() {
            let c = COLORS[i % COLORS.len()];
            // A count holds until the next change: steps, not slopes.
            let pts = |done: bool| -> Vec<(i32, i32)> {
                let mut out: Vec<(i32, i32)> = Vec::new();
                for p in series {
                    let Some(t) = p.tracks.iter().find(|t| &t.0 == name) else {
                        continue;
                    };
                    let v = if done { t.1 } else { t.2 - t.1 };
                    let (x, y) = map(p.at.timestamp(), v);
                    if let Some(&(_, py)) = out.last() {
                        out.push((x, py));
                    }
                    out.push((x, y));
                }
                out
            };
            let done = pts(true);
            let open = pts(false);
            // Done: a filled band under a thick line; remaining: a thin line with dots.
            if done.len() > 1 {
                let mut poly = done.clone();
                poly.push((done[done.len() - 1].0, bottom));
                poly.push((done[0].0, bottom));
                root.draw(&Polygon::new(poly, c.mix(0.12))).map_err(e)?;
            }
            root.draw(&PathElement::new(done.clone(), c.stroke_width(3)))
                .map_err(e)?;
            root.draw(&PathElement::new(open.clone(), c.stroke_width(1)))
                .map_err(e)?;
            for p in &open {
                root.draw(&Circle::new(*p, 3, c.filled())).map_err(e)?;
            }
            // Legend swatches.
            let ly = top + 10 + (i as i32) * 48;
            root.draw(&Rectangle::new(
                [(right + 20, ly + 24), (right + 44, ly + 28)],
                c.filled(),
            ))
            .map_err(e)?;
            root.draw(&PathElement::new(
                vec![(right + 110, ly + 26), (right + 134, ly + 26)],
                c.stroke_width(1),
            ))
            .map_err(e)?;
        }
        root.present()
            .map_err(|e| DigestError::Chart(e.to_string()))?;
    }
    // Text.
    let black = [20u8, 20, 20];
    draw_text(&mut buf, w, h, &font, 22.0, left, 12, title, black);
    draw_text(&mut buf, w, h, &font, 14.0, 6, top - 4, "tasks", black);
    for k in 0..=4 {
        let v = ymax * k / 4;
        let y = bottom - ((k as i32) * (bottom - top) / 4) - 8;
        draw_text(
            &mut buf,
            w,
            h,
            &font,
            13.0,
            left - 30,
            y,
            &v.to_string(),
            black,
        );
    }
    let ticks = 4;
    // Short spans need the time of day to tell the ticks apart.
    let fmt = if t1 - t0 < 4 * 86_400 {
        "%m-%d %H:%M"
    } else {
        "%Y-%m-%d"
    };
    for k in 0..=ticks {
        let t = t0 + (t1 - t0) * k as i64 / ticks as i64;
        let x = left + ((t - t0) as f64 / (t1 - t0) as f64 * (right - left) as f64) as i32;
        let label = DateTime::<Utc>::from_timestamp(t, 0)
            .map(|d| d.format(fmt).to_string())
            .unwrap_or_default();
        draw_text(
            &mut buf,
            w,
            h,
            &font,
            13.0,
            x - 36,
            bottom + 8,
            &label,
            black,
        );
    }
    draw_text(
        &mut buf,
        w,
        h,
        &font,
        13.0,
        (left + right) / 2 - 20,
        bottom + 30,
        "date",
        black,
    );
    for (i, name) in names.iter().enumerate() {
        let ly = top + 10 + (i as i32) * 48;
        let mut shown: String = name.chars().take(26).collect();
        if name.chars().count() > 26 {
            shown.push('…');
        }
        draw_text(&mut buf, w, h, &font, 14.0, right + 20, ly, &shown, black);
        draw_text(
            &mut buf,
            w,
            h,
            &font,
            12.0,
            right + 50,
            ly + 18,
            "done",
            black,
        );
        draw_text(
            &mut buf,
            w,
            h,
            &font,
            12.0,
            right + 140,
            ly + 18,
            "remaining",
            black,
        );
    }
    encode_png(&buf, w, h)
}

/// Draw `text` with its top-left at (x, y), blending coverage into the RGB buffer.
#[allow(clippy::too_many_arguments)]
fn draw_text(
    buf: &mut [u8],
    w: u32,
    h: u32,
    font: &FontVec,
    px: f32,
    x: i32,
    y: i32,
    text: &str,
    rgb: [u8; 3],
) {
    let scaled = font.as_scaled(PxScale::from(px));
    let mut pen = x as f32;
    let base = y as f32 + scaled.ascent();
    let mut prev = None;
    for ch in text.chars() {
        let id = scaled.glyph_id(ch);
        if let Some(p) = prev {
            pen += scaled.kern(p, id);
        }
        let glyph = id.with_scale_and_position(PxScale::from(px), ab_glyph::point(pen, base));
        pen += scaled.h_advance(id);
        prev = Some(id);
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

fn encode_png(buf: &[u8], w: u32, h: u32) -> Result<Vec<u8>, DigestError> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc
            .write_header()
            .map_err(|e| DigestError::Chart(e.to_string()))?;
        writer
            .write_image_data(buf)
            .map_err(|e| DigestError::Chart(e.to_string()))?;
    }
    Ok(out)
}
