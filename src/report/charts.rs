//! Charts drawn with plotters, each written as SVG and as PNG. The font is
//! embedded (DejaVu Sans, assets/fonts), so PNG rendering needs no system
//! fonts and gives the same pixels everywhere. Colours: Okabe–Ito, safe for
//! colour-vision deficiencies. Charts read `Estimate` rows only.

use super::ReportContent;
use crate::error::{Error, Result};
use crate::estimate::Estimate;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;
use std::sync::Once;

static FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static REGISTER: Once = Once::new();

const BLUE: RGBColor = RGBColor(0x00, 0x72, 0xB2);
const GREY: RGBColor = RGBColor(0x55, 0x55, 0x55);

fn register_font() {
    REGISTER.call_once(|| {
        // The bytes are a valid TrueType font compiled into the binary.
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT);
    });
}

/// One line of a forest plot.
struct Interval {
    label: String,
    value: f64,
    low: f64,
    high: f64,
}

fn forest<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    x_label: &str,
    rows: &[Interval],
) -> std::result::Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let low = rows.iter().map(|r| r.low).fold(0.0f64, f64::min);
    let high = rows.iter().map(|r| r.high).fold(0.0f64, f64::max);
    let pad = ((high - low) * 0.08).max(0.05);
    let n = rows.len() as f64;
    let mut chart = ChartBuilder::on(root)
        .caption(title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(42)
        .y_label_area_size(190)
        .build_cartesian_2d((low - pad)..(high + pad), 0.0..n)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .x_desc(x_label)
        .label_style(("sans-serif", 13))
        .axis_desc_style(("sans-serif", 14))
        .draw()?;
    chart.draw_series(std::iter::once(PathElement::new(
        vec![(0.0, 0.0), (0.0, n)],
        GREY.stroke_width(1),
    )))?;
    for (i, row) in rows.iter().enumerate() {
        let y = n - i as f64 - 0.5;
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(row.low, y), (row.high, y)],
            BLUE.stroke_width(2),
        )))?;
        chart.draw_series(std::iter::once(Circle::new(
            (row.value, y),
            4,
            BLUE.filled(),
        )))?;
        let (_, pixel_y) = chart.backend_coord(&(low - pad, y));
        root.draw(&Text::new(
            row.label.clone(),
            (14, pixel_y - 7),
            ("sans-serif", 13).into_font().color(&BLACK),
        ))?;
    }
    root.present()
}

fn chart_error(path: &Path) -> impl Fn(String) -> Error + '_ {
    move |message| Error::Write {
        path: path.to_path_buf(),
        message,
    }
}

/// Writes `charts/<name>.svg` and `.png` and returns the SVG text.
fn render_forest(
    dir: &Path,
    name: &str,
    title: &str,
    x_label: &str,
    rows: &[Interval],
) -> Result<String> {
    let height = (90 + 34 * rows.len()) as u32;
    let svg_path = dir.join(format!("{name}.svg"));
    let png_path = dir.join(format!("{name}.png"));
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (760, height)).into_drawing_area();
        forest(&root, title, x_label, rows).map_err(|e| chart_error(&svg_path)(e.to_string()))?;
    }
    super::write_file(&svg_path, &svg)?;
    {
        let root = BitMapBackend::new(&png_path, (760, height)).into_drawing_area();
        forest(&root, title, x_label, rows).map_err(|e| chart_error(&png_path)(e.to_string()))?;
    }
    Ok(svg)
}

fn find<'a>(estimates: &'a [Estimate], outcome: &str, name: &str) -> Vec<&'a Estimate> {
    estimates
        .iter()
        .filter(|e| e.outcome == outcome && e.analysis == "change" && e.estimate == name)
        .collect()
}

/// Draws every chart; returns (outcome, inline SVG) of the mean-change
/// charts for index.html.
pub fn write(dir: &Path, content: &ReportContent) -> Result<Vec<(String, String)>> {
    register_font();
    let folder = dir.join("charts");
    std::fs::create_dir_all(&folder).map_err(|e| Error::io(&folder, e))?;
    let waves = &content.panel.waves;
    let mut inline = Vec::new();
    for outcome in &content.panel.outcomes {
        let id = &outcome.outcome.id;
        let rows: Vec<Interval> = find(content.estimates, id, "mean_change")
            .into_iter()
            .filter_map(|e| {
                Some(Interval {
                    label: if e.group_by == "all" {
                        format!("everyone (n = {})", e.n)
                    } else {
                        format!("{}: {} (n = {})", e.group_by, e.group, e.n)
                    },
                    value: e.value?,
                    low: e.ci_low?,
                    high: e.ci_high?,
                })
            })
            .collect();
        if rows.is_empty() {
            continue;
        }
        let svg = render_forest(
            &folder,
            &format!("mean_change_{id}"),
            &format!("Mean change in {id} with 95% CI, by group"),
            &format!(
                "{} − {} (points; below 0 = less lonely)",
                waves.followup_name(),
                waves.baseline_name()
            ),
            &rows,
        )?;
        inline.push((id.clone(), svg));
    }
    Ok(inline)
}
