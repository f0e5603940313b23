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

/// Draws one chart to `charts/<name>.svg` and `.png` and evaluates to the
/// SVG text. A macro because the drawing function is generic over the two
/// backends, which a closure cannot be.
macro_rules! svg_and_png {
    ($dir:expr, $name:expr, $size:expr, $draw:ident ( $($argument:expr),* )) => {{
        let svg_path = $dir.join(format!("{}.svg", $name));
        let png_path = $dir.join(format!("{}.png", $name));
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, $size).into_drawing_area();
            $draw(&root, $($argument),*).map_err(|e| chart_error(&svg_path)(e.to_string()))?;
        }
        super::write_file(&svg_path, &svg)?;
        let root = BitMapBackend::new(&png_path, $size).into_drawing_area();
        $draw(&root, $($argument),*).map_err(|e| chart_error(&png_path)(e.to_string()))?;
        svg
    }};
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
        let title = format!("Mean change in {id} with 95% CI, by group");
        let x_label = format!(
            "{} − {} (points; below 0 = less lonely)",
            waves.followup_name(),
            waves.baseline_name()
        );
        let size = (760, (90 + 34 * rows.len()) as u32);
        let svg = svg_and_png!(
            folder,
            format!("mean_change_{id}"),
            size,
            forest(&title, &x_label, &rows)
        );
        inline.push((id.clone(), svg));
        let bars = reliable_change_bars(content.estimates, id);
        if !bars.is_empty() {
            let title = format!("Reliable change in {id}, by group");
            let size = (760, (130 + 34 * bars.len()) as u32);
            svg_and_png!(
                folder,
                format!("reliable_change_{id}"),
                size,
                stacked(&title, &bars)
            );
        }
    }
    Ok(inline)
}

/// Shares of one bar, in drawing order, with their colours.
struct StackedBar {
    label: String,
    shares: [f64; 3],
}

const ORANGE: RGBColor = RGBColor(0xE6, 0x9F, 0x00);
const GREEN: RGBColor = RGBColor(0x00, 0x9E, 0x73);
const LIGHT: RGBColor = RGBColor(0xBB, 0xBB, 0xBB);

fn stacked<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    bars: &[StackedBar],
) -> std::result::Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let n = bars.len() as f64;
    let mut chart = ChartBuilder::on(root)
        .caption(title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(42)
        .y_label_area_size(190)
        .margin_bottom(30)
        .build_cartesian_2d(0.0..100.0, 0.0..n)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .x_desc("% of people with both answers")
        .label_style(("sans-serif", 13))
        .axis_desc_style(("sans-serif", 14))
        .draw()?;
    let colours = [GREEN, LIGHT, ORANGE];
    let names = [
        "improved reliably",
        "no reliable change",
        "deteriorated reliably",
    ];
    for (i, bar) in bars.iter().enumerate() {
        let y = n - i as f64 - 0.5;
        let mut start = 0.0;
        for (share, colour) in bar.shares.iter().zip(colours) {
            chart.draw_series(std::iter::once(Rectangle::new(
                [(start, y - 0.35), (start + share, y + 0.35)],
                colour.filled(),
            )))?;
            start += share;
        }
        let (_, pixel_y) = chart.backend_coord(&(0.0, y));
        root.draw(&Text::new(
            bar.label.clone(),
            (14, pixel_y - 7),
            ("sans-serif", 13).into_font().color(&BLACK),
        ))?;
    }
    let legend_y = root.dim_in_pixel().1 as i32 - 24;
    for (k, (name, colour)) in names.iter().zip(colours).enumerate() {
        let x = 200 + 180 * k as i32;
        root.draw(&Rectangle::new(
            [(x, legend_y), (x + 12, legend_y + 12)],
            colour.filled(),
        ))?;
        root.draw(&Text::new(
            name.to_string(),
            (x + 16, legend_y - 1),
            ("sans-serif", 12).into_font().color(&BLACK),
        ))?;
    }
    root.present()
}

/// Reliable-change categories per group; groups with any suppressed share
/// are left out (their bars would reveal the hidden counts).
fn reliable_change_bars(estimates: &[Estimate], outcome: &str) -> Vec<StackedBar> {
    let mut bars = Vec::new();
    for threshold in estimates.iter().filter(|e| {
        e.outcome == outcome && e.analysis == "reliable_change" && e.estimate == "n_improved"
    }) {
        let share = |name: &str| {
            estimates
                .iter()
                .find(|e| {
                    e.outcome == outcome
                        && e.analysis == "reliable_change"
                        && e.group_by == threshold.group_by
                        && e.group == threshold.group
                        && e.estimate == name
                })
                .and_then(|e| e.value)
        };
        if let (Some(a), Some(b), Some(c)) = (
            share("pct_improved"),
            share("pct_no_change"),
            share("pct_deteriorated"),
        ) {
            bars.push(StackedBar {
                label: if threshold.group_by == "all" {
                    format!("everyone (n = {})", threshold.n)
                } else {
                    format!(
                        "{}: {} (n = {})",
                        threshold.group_by, threshold.group, threshold.n
                    )
                },
                shares: [a, b, c],
            });
        }
    }
    bars
}
