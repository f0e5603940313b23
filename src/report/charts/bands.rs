//! Charts of people per band: score distributions, individual change,
//! the pre/post grid with reliable-change bands, and sessions attended.
//! They draw `distribution` and `participation` count rows; a suppressed
//! band is marked, never drawn to a height.

use super::{select, BLUE, GREEN, GREY, LIGHT, ORANGE};
use crate::estimate::{Contrast, Estimate, Stat};
use crate::instruments::Direction;
use crate::waves::WaveOrder;
use plotters::coord::Shift;
use plotters::prelude::*;

/// One band: its edges and count (`None` when suppressed).
pub(crate) struct Bar {
    pub low: f64,
    pub high: f64,
    pub count: Option<f64>,
    pub colour: RGBColor,
}

/// Bars sharing a legend entry.
pub(crate) struct Series {
    pub label: String,
    pub colour: RGBColor,
    pub bars: Vec<Bar>,
}

/// What a histogram draws.
pub(crate) struct Histogram {
    pub series: Vec<Series>,
    /// Dashed vertical lines (reliable-change thresholds).
    pub markers: Vec<f64>,
    /// Extra legend entries (colours that mean categories).
    pub legend: Vec<(String, RGBColor)>,
}

impl Histogram {
    pub fn is_empty(&self) -> bool {
        self.series.iter().all(|s| s.bars.is_empty())
    }
}

fn bars_of<'a>(rows: impl Iterator<Item = &'a Estimate>, colour: RGBColor) -> Vec<Bar> {
    rows.filter_map(|e| {
        let Contrast::Band { low, width } = e.contrast else {
            return None;
        };
        let high = low + width;
        Some(Bar {
            low,
            high,
            count: if e.suppressed { None } else { e.value },
            colour,
        })
    })
    .collect()
}

/// Baseline and follow-up score distributions of everyone who answered.
pub(crate) fn score_series(estimates: &[Estimate], outcome: &str, waves: &WaveOrder) -> Histogram {
    let mut series = Vec::new();
    for (wave, colour) in [
        (waves.baseline_name(), BLUE),
        (waves.followup_name(), ORANGE),
    ] {
        let rows: Vec<&Estimate> = select(estimates, outcome, "distribution", Stat::NAtScore)
            .filter(|e| e.group_by == "all" && e.wave == wave)
            .collect();
        let Some(first) = rows.first() else { continue };
        series.push(Series {
            label: format!("{wave} (n = {})", first.n),
            colour,
            bars: bars_of(rows.iter().copied(), colour),
        });
    }
    Histogram {
        series,
        markers: Vec::new(),
        legend: Vec::new(),
    }
}

/// Pairs per band of change, coloured by reliable-change category.
pub(crate) fn change_series(
    estimates: &[Estimate],
    outcome: &str,
    threshold: Option<f64>,
    direction: Direction,
) -> Histogram {
    let rows: Vec<&Estimate> = select(estimates, outcome, "distribution", Stat::NWithChange)
        .filter(|e| e.group_by == "all")
        .collect();
    let Some(first) = rows.first() else {
        return Histogram {
            series: Vec::new(),
            markers: Vec::new(),
            legend: Vec::new(),
        };
    };
    let (lower, upper) = match direction {
        Direction::HigherIsWorse => (GREEN, ORANGE),
        Direction::HigherIsBetter => (ORANGE, GREEN),
    };
    let mut bars = bars_of(rows.iter().copied(), LIGHT);
    if let Some(rc) = threshold {
        for bar in &mut bars {
            // A band is coloured only when every change in it is beyond the
            // threshold; bands straddling it stay grey.
            if bar.high <= -rc || (bar.high - bar.low == 1.0 && bar.low <= -rc) {
                bar.colour = lower;
            } else if bar.low >= rc {
                bar.colour = upper;
            }
        }
    }
    Histogram {
        series: vec![Series {
            label: format!("pairs (n = {})", first.n),
            colour: LIGHT,
            bars,
        }],
        markers: threshold.map(|rc| vec![-rc, rc]).unwrap_or_default(),
        legend: if threshold.is_some() {
            vec![
                ("improved reliably".into(), GREEN),
                ("deteriorated reliably".into(), ORANGE),
            ]
        } else {
            Vec::new()
        },
    }
}

/// Everyone enrolled, per band of sessions attended.
pub(crate) fn sessions_series(estimates: &[Estimate]) -> Histogram {
    let rows: Vec<&Estimate> = select(estimates, "", "participation", Stat::NWithSessions)
        .filter(|e| e.group_by == "all")
        .collect();
    Histogram {
        series: rows
            .first()
            .map(|first| Series {
                label: format!("everyone enrolled (n = {})", first.n),
                colour: BLUE,
                bars: bars_of(rows.iter().copied(), BLUE),
            })
            .into_iter()
            .collect(),
        markers: Vec::new(),
        legend: Vec::new(),
    }
}

pub(crate) fn histogram<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    x_label: &str,
    histogram: &Histogram,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let bars = histogram.series.iter().flat_map(|s| &s.bars);
    // Unit bands of whole-number scores hold one value each: draw them
    // centred on it, so the bar for 3 stands over the tick 3.
    let shift = if bars.clone().all(|b| b.high - b.low == 1.0) {
        0.5
    } else {
        0.0
    };
    let low = bars.clone().map(|b| b.low).fold(f64::INFINITY, f64::min) - shift;
    let high = bars
        .clone()
        .map(|b| b.high)
        .fold(f64::NEG_INFINITY, f64::max)
        - shift;
    let top = bars.filter_map(|b| b.count).fold(1.0f64, f64::max) * 1.15;
    let (low, high) = histogram
        .markers
        .iter()
        .fold((low, high), |(l, h), m| (l.min(*m), h.max(*m)));
    let mut chart =
        super::titled(root, title, super::Room::Note).build_cartesian_2d(low..high, 0.0..top)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(TRANSPARENT)
        .x_label_formatter(&|v| trimmed(*v))
        .y_label_formatter(&|v| trimmed(*v))
        .x_desc(x_label)
        .y_desc("people")
        .label_style(("sans-serif", 13))
        .axis_desc_style(("sans-serif", 14))
        .draw()?;
    let k = histogram.series.len().max(1) as f64;
    for (s, series) in histogram.series.iter().enumerate() {
        for bar in &series.bars {
            let width = (bar.high - bar.low) / k;
            let start = bar.low - shift;
            let left = start + width * s as f64 + width * 0.08;
            let right = start + width * (s + 1) as f64 - width * 0.08;
            match bar.count {
                Some(count) => {
                    chart.draw_series(std::iter::once(Rectangle::new(
                        [(left, 0.0), (right, count)],
                        bar.colour.filled(),
                    )))?;
                }
                None => {
                    // Suppressed: an outline at the floor, never a height.
                    chart.draw_series(std::iter::once(Rectangle::new(
                        [(left, 0.0), (right, top * 0.03)],
                        GREY.stroke_width(1),
                    )))?;
                }
            }
        }
    }
    for marker in &histogram.markers {
        chart.draw_series(DashedLineSeries::new(
            vec![(*marker, 0.0), (*marker, top)],
            6,
            4,
            GREY.stroke_width(1),
        ))?;
    }
    let mut entries: Vec<(String, RGBColor)> = histogram
        .series
        .iter()
        .map(|s| (s.label.clone(), s.colour))
        .collect();
    entries.extend(histogram.legend.iter().cloned());
    if histogram
        .series
        .iter()
        .any(|s| s.bars.iter().any(|b| b.count.is_none()))
    {
        entries.push(("withheld [c]".into(), WHITE));
    }
    legend(root, &entries)?;
    root.present()
}

/// An axis label without needless decimals: `3`, `2.5`.
pub(crate) fn trimmed(value: f64) -> String {
    if value.abs() < 1e-9 {
        return "0".into();
    }
    let text = format!("{value:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A one-line legend along the bottom edge. White swatches are drawn as
/// grey outlines (the suppressed marker).
pub(crate) fn legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    entries: &[(String, RGBColor)],
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let y = root.dim_in_pixel().1 as i32 - 24;
    let mut x = 60;
    for (name, colour) in entries {
        let swatch = [(x, y), (x + 12, y + 12)];
        if *colour == WHITE {
            root.draw(&Rectangle::new(swatch, GREY.stroke_width(1)))?;
        } else {
            root.draw(&Rectangle::new(swatch, colour.filled()))?;
        }
        root.draw(&Text::new(
            name.clone(),
            (x + 16, y - 1),
            ("sans-serif", 12).into_font().color(&BLACK),
        ))?;
        x += 30 + 7 * name.chars().count() as i32;
    }
    Ok(())
}

/// One cell of the pre/post grid.
pub(crate) struct GridCell {
    pub baseline: (f64, f64),
    pub followup: (f64, f64),
    pub count: Option<f64>,
}

/// Pairs per (baseline band, follow-up band). On a whole-number `scale`
/// (its lowest and highest score) a band from 3 to <5 holds the scores 3
/// and 4, so its cell is drawn from 2.5 to 4.5, each whole score at the
/// centre of its own stretch of axis, and no cell runs past the scale.
pub(crate) fn joint_cells(
    estimates: &[Estimate],
    outcome: &str,
    scale: (f64, f64),
) -> Vec<GridCell> {
    let whole = |x: f64| x.fract() == 0.0;
    let (lowest, highest) = scale;
    let on_scale = |(low, high): (f64, f64), whole_scores: bool| {
        if whole_scores {
            (
                (low - 0.5).max(lowest - 0.5),
                (high - 0.5).min(highest + 0.5),
            )
        } else {
            (low, high)
        }
    };
    select(
        estimates,
        outcome,
        "distribution",
        Stat::NAtBaselineAndFollowup,
    )
    .filter(|e| e.group_by == "all")
    .filter_map(|e| {
        let Contrast::Joint {
            baseline,
            followup,
            width,
        } = e.contrast
        else {
            return None;
        };
        let whole_scores =
            whole(lowest) && whole(highest) && whole(width) && whole(baseline) && whole(followup);
        Some(GridCell {
            baseline: on_scale((baseline, baseline + width), whole_scores),
            followup: on_scale((followup, followup + width), whole_scores),
            count: if e.suppressed { None } else { e.value },
        })
    })
    .collect()
}

/// The pre/post grid: a shaded cell per pair of bands (darker = more
/// pairs), the line of no change and the reliable-change band around it.
/// The lines drawn over the pre/post grid besides "no change".
pub(crate) struct Guides {
    /// The reliable-change threshold, in points either side of no change.
    pub threshold: Option<f64>,
    /// The cut-off between the clinical and functional ranges, and its name.
    pub cutoff: Option<(f64, String)>,
}

pub(crate) fn pre_post<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    baseline: &str,
    followup: &str,
    cells: &[GridCell],
    guides: &Guides,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let (threshold, cutoff) = (guides.threshold, guides.cutoff.clone());
    root.fill(&WHITE)?;
    let low = cells
        .iter()
        .map(|c| c.baseline.0.min(c.followup.0))
        .fold(f64::INFINITY, f64::min);
    let high = cells
        .iter()
        .map(|c| c.baseline.1.max(c.followup.1))
        .fold(f64::NEG_INFINITY, f64::max);
    let largest = cells.iter().filter_map(|c| c.count).fold(1.0f64, f64::max);
    let mut chart =
        super::titled(root, title, super::Room::Note).build_cartesian_2d(low..high, low..high)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_label_formatter(&|v| trimmed(*v))
        .y_label_formatter(&|v| trimmed(*v))
        .x_desc(format!("score at {baseline}"))
        .y_desc(format!("score at {followup}"))
        .label_style(("sans-serif", 13))
        .axis_desc_style(("sans-serif", 14))
        .draw()?;
    for cell in cells {
        let corners = [
            (cell.baseline.0, cell.followup.0),
            (cell.baseline.1, cell.followup.1),
        ];
        let centre = (
            (cell.baseline.0 + cell.baseline.1) / 2.0,
            (cell.followup.0 + cell.followup.1) / 2.0,
        );
        let (x, y) = chart.backend_coord(&centre);
        match cell.count {
            Some(count) => {
                let shade = 0.15 + 0.6 * count / largest;
                chart.draw_series(std::iter::once(Rectangle::new(
                    corners,
                    BLUE.mix(shade).filled(),
                )))?;
                root.draw(&Text::new(
                    format!("{count:.0}"),
                    (x - 8, y - 7),
                    ("sans-serif", 14).into_font().color(&BLACK),
                ))?;
            }
            None => {
                root.draw(&Text::new(
                    crate::report::format::suppressed_text(),
                    (x - 10, y - 7),
                    ("sans-serif", 12).into_font().color(&GREY),
                ))?;
            }
        }
        chart.draw_series(std::iter::once(Rectangle::new(
            corners,
            WHITE.stroke_width(2),
        )))?;
    }
    // Lines on top of the cells.
    chart.draw_series(std::iter::once(PathElement::new(
        vec![(low, low), (high, high)],
        BLACK.stroke_width(1),
    )))?;
    if let Some(rc) = threshold {
        for offset in [-rc, rc] {
            chart.draw_series(DashedLineSeries::new(
                vec![(low, low + offset), (high, high + offset)],
                6,
                4,
                BLACK.stroke_width(1),
            ))?;
        }
    }
    // The cut-off between the clinical and functional ranges, on both
    // axes, where it lies inside the chart.
    let cutoff = cutoff.filter(|(value, _)| *value > low && *value < high);
    if let Some((value, _)) = &cutoff {
        for line in [
            vec![(*value, low), (*value, high)],
            vec![(low, *value), (high, *value)],
        ] {
            chart.draw_series(DashedLineSeries::new(
                line,
                2,
                3,
                super::ORANGE.stroke_width(2),
            ))?;
        }
    }
    let note = match threshold {
        Some(rc) => format!(
            "Cells: pairs per band of baseline and follow-up score. Solid line: no change; dashed: ±{rc:.2} points, the reliable-change threshold."
        ),
        None => "Cells: pairs per band of baseline and follow-up score. Line: no change.".into(),
    };

    let height = root.dim_in_pixel().1 as i32;
    root.draw(&Text::new(
        note,
        (60, height - 24),
        ("sans-serif", 12).into_font().color(&BLACK),
    ))?;
    if let Some((value, label)) = &cutoff {
        root.draw(&Text::new(
            format!("Orange dots: {label} ({value:.2})."),
            (60, height - 11),
            ("sans-serif", 12).into_font().color(&BLACK),
        ))?;
    }
    root.present()
}
