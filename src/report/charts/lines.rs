//! Line charts: attendance per week by activity, and dose-response (band
//! means with CIs and the fitted slope).

use super::{select, BLUE, GREY, PALETTE};
use crate::analysis::DoseBand;
use crate::estimate::{Contrast, Estimate, Stat};
use plotters::coord::Shift;
use plotters::prelude::*;

/// One activity's published weeks: (week, attended sessions, attendees).
pub(crate) struct WeeklyLine {
    pub activity: String,
    pub points: Vec<(u32, Option<f64>)>,
}

pub(crate) fn weekly_attendance(estimates: &[Estimate]) -> Vec<WeeklyLine> {
    let mut lines: Vec<WeeklyLine> = Vec::new();
    for e in select(estimates, "", "participation", Stat::SessionsInWeek) {
        let Contrast::Week(week) = e.contrast else {
            continue;
        };
        let value = if e.suppressed { None } else { e.value };
        match lines.iter_mut().find(|l| l.activity == e.group) {
            Some(line) => line.points.push((week, value)),
            None => lines.push(WeeklyLine {
                activity: e.group.clone(),
                points: vec![(week, value)],
            }),
        }
    }
    lines
}

/// The `k`th entry of a legend in the chart's right margin.
fn legend_entry<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    k: usize,
    colour: RGBColor,
    label: String,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let y = 60 + 22 * k as i32;
    let x = root.dim_in_pixel().0 as i32 - 190;
    root.draw(&Rectangle::new([(x, y), (x + 12, y + 12)], colour.filled()))?;
    root.draw(&Text::new(
        label,
        (x + 16, y - 1),
        ("sans-serif", 12).into_font().color(&BLACK),
    ))
}

pub(crate) fn weekly_chart<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    lines: &[WeeklyLine],
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let last_week = lines
        .iter()
        .flat_map(|l| l.points.iter().map(|p| p.0))
        .max()
        .unwrap_or(1);
    let top = lines
        .iter()
        .flat_map(|l| l.points.iter().filter_map(|p| p.1))
        .fold(1.0f64, f64::max)
        * 1.15;
    let mut chart = super::titled(root, title, super::Room::Legend)
        .build_cartesian_2d(0.5..(f64::from(last_week) + 0.5), 0.0..top)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(TRANSPARENT)
        .x_label_formatter(&|v| super::bands::trimmed(*v))
        .y_label_formatter(&|v| super::bands::trimmed(*v))
        .x_desc("week since enrolment (weeks with fewer than the minimum cell of attendees are left out)")
        .y_desc("attended sessions")
        .label_style(("sans-serif", 13))
        .axis_desc_style(("sans-serif", 12))
        .draw()?;
    for (k, line) in lines.iter().enumerate() {
        let colour = PALETTE[k % PALETTE.len()];
        // Consecutive published weeks are joined; a suppressed week breaks
        // the line rather than being bridged.
        let mut segment: Vec<(f64, f64)> = Vec::new();
        let mut previous: Option<u32> = None;
        let mut segments: Vec<Vec<(f64, f64)>> = Vec::new();
        for (week, value) in &line.points {
            match value {
                Some(v) if previous.is_some_and(|p| p + 1 == *week) || segment.is_empty() => {
                    segment.push((f64::from(*week), *v));
                }
                Some(v) => {
                    segments.push(std::mem::take(&mut segment));
                    segment.push((f64::from(*week), *v));
                }
                None => segments.push(std::mem::take(&mut segment)),
            }
            previous = Some(*week);
        }
        segments.push(segment);
        for points in segments.into_iter().filter(|s| !s.is_empty()) {
            chart.draw_series(LineSeries::new(points.clone(), colour.stroke_width(2)))?;
            chart.draw_series(
                points
                    .into_iter()
                    .map(|p| Circle::new(p, 3, colour.filled())),
            )?;
        }
        legend_entry(root, k, colour, line.activity.clone())?;
    }
    root.present()
}

/// Band means with CIs, and the fitted line through (mean sessions, mean
/// change) with the adjusted slope.
pub(crate) struct DoseResponse {
    /// (band label, x position, mean change, CI low, CI high, n).
    pub bands: Vec<(String, f64, f64, f64, f64, usize)>,
    /// (mean sessions, mean change, slope per session).
    pub line: Option<(f64, f64, f64)>,
    pub x_max: f64,
    pub pairs: usize,
}

pub fn dose_response(
    estimates: &[Estimate],
    outcome: &str,
    dose_bands: &[DoseBand],
) -> Option<DoseResponse> {
    let all = |name: Stat| {
        select(estimates, outcome, "dose_response", name).find(|e| e.group_by == "all")
    };
    let mean_sessions = all(Stat::MeanSessions)?;
    let slope = all(Stat::SlopePerSession).and_then(|e| e.value);
    let mean_change = select(estimates, outcome, "change", Stat::MeanChange)
        .find(|e| e.group_by == "all")
        .and_then(|e| e.value);
    let line = match (mean_sessions.value, mean_change, slope) {
        (Some(x), Some(y), Some(b)) => Some((x, y, b)),
        _ => None,
    };
    // Each band sits at the mean sessions its pairs attended, so an open
    // band (`12+`) is drawn where its people are; without that mean, a
    // closed band sits at its midpoint and an open one a band-width past
    // its start.
    let band_row = |label: &str, name: Stat| {
        estimates.iter().find(|e| {
            e.outcome == outcome
                && e.analysis == "dose_response"
                && e.group_by == "dose_band"
                && e.group == label
                && e.estimate == name
        })
    };
    let mut previous_width = 1.0;
    let mut bands = Vec::new();
    let mut x_max: f64 = 1.0;
    for band in dose_bands {
        let midpoint = match band.max {
            Some(max) => {
                previous_width = f64::from(max - band.min + 1);
                f64::from(band.min + max) / 2.0
            }
            None => f64::from(band.min) + previous_width / 2.0,
        };
        let position = band_row(&band.label, Stat::MeanSessions)
            .filter(|e| !e.suppressed)
            .and_then(|e| e.value)
            .unwrap_or(midpoint);
        let row = band_row(&band.label, Stat::MeanChange);
        if let Some((value, low, high)) = row.and_then(|e| Some((e.value?, e.ci_low?, e.ci_high?)))
        {
            x_max = x_max.max(position + previous_width / 2.0);
            let n = row.map_or(0, |e| e.n);
            bands.push((band.label.clone(), position, value, low, high, n));
        }
    }
    if bands.is_empty() && line.is_none() {
        return None;
    }
    Some(DoseResponse {
        bands,
        line,
        x_max,
        pairs: mean_sessions.n,
    })
}

pub(crate) fn dose_chart<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    dose: &DoseResponse,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let mut low = dose.bands.iter().map(|b| b.3).fold(0.0f64, f64::min);
    let mut high = dose.bands.iter().map(|b| b.4).fold(0.0f64, f64::max);
    if let Some((x, y, b)) = dose.line {
        for end in [0.0, dose.x_max] {
            let value = y + b * (end - x);
            low = low.min(value);
            high = high.max(value);
        }
    }
    let pad = ((high - low) * 0.1).max(0.1);
    let mut chart = super::titled(root, title, super::Room::Note)
        .build_cartesian_2d(-0.5..dose.x_max, (low - pad)..(high + pad))?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(TRANSPARENT)
        .x_label_formatter(&|v| super::bands::trimmed(*v))
        .y_label_formatter(&|v| super::bands::trimmed(*v))
        .x_desc(format!("sessions attended (pairs, n = {})", dose.pairs))
        .y_desc("mean change (points)")
        .label_style(("sans-serif", 13))
        .axis_desc_style(("sans-serif", 14))
        .draw()?;
    chart.draw_series(std::iter::once(PathElement::new(
        vec![(-0.5, 0.0), (dose.x_max, 0.0)],
        GREY.stroke_width(1),
    )))?;
    if let Some((x, y, b)) = dose.line {
        chart.draw_series(DashedLineSeries::new(
            vec![(0.0, y - b * x), (dose.x_max, y + b * (dose.x_max - x))],
            8,
            4,
            GREY.stroke_width(2),
        ))?;
    }
    for (label, x, value, ci_low, ci_high, n) in &dose.bands {
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(*x, *ci_low), (*x, *ci_high)],
            BLUE.stroke_width(2),
        )))?;
        chart.draw_series(std::iter::once(Circle::new((*x, *value), 5, BLUE.filled())))?;
        let (px, py) = chart.backend_coord(&(*x, *ci_high));
        root.draw(&Text::new(
            format!("{label} (n = {n})"),
            (px - 30, py - 18),
            ("sans-serif", 12).into_font().color(&BLACK),
        ))?;
    }
    let height = root.dim_in_pixel().1 as i32;
    root.draw(&Text::new(
        "Points: mean change within each dose band, at its mean sessions, 95% CI. Dashed: fitted slope per session at the mean baseline score.",
        (60, height - 24),
        ("sans-serif", 12).into_font().color(&BLACK),
    ))?;
    root.present()
}

/// One series of the mixed model's estimated means: a label, the people
/// it rests on, and per wave (in wave order) the mean and its 95% CI when
/// published.
pub(crate) struct MeanLine {
    pub label: String,
    pub people: Option<usize>,
    pub points: Vec<Option<(f64, f64, f64)>>,
}

/// The estimated mean per wave, by arm when the model was fitted per arm,
/// else for everyone. Empty without a mixed model.
pub(crate) fn wave_means(estimates: &[Estimate], outcome: &str, waves: &[String]) -> Vec<MeanLine> {
    let means: Vec<&Estimate> =
        select(estimates, outcome, "longitudinal", Stat::WaveMean).collect();
    let by_arm = means.iter().any(|e| e.group_by == "arm");
    let mut groups: Vec<(&str, &str)> = Vec::new();
    for e in &means {
        let wanted = if by_arm {
            e.group_by == "arm"
        } else {
            e.group_by == "all"
        };
        if wanted && !groups.contains(&(e.group_by.as_str(), e.group.as_str())) {
            groups.push((e.group_by.as_str(), e.group.as_str()));
        }
    }
    groups
        .into_iter()
        .map(|(group_by, group)| {
            let at = |wave: &str| {
                means
                    .iter()
                    .find(|e| e.group_by == group_by && e.group == group && e.wave == wave)
            };
            let points = waves
                .iter()
                .map(|w| {
                    at(w).and_then(|e| (!e.suppressed).then_some((e.value?, e.ci_low?, e.ci_high?)))
                })
                .collect();
            MeanLine {
                label: if group_by == "all" {
                    "everyone".into()
                } else {
                    group.to_string()
                },
                people: waves
                    .iter()
                    .find_map(|w| at(w))
                    .and_then(|e| e.published_n()),
                points,
            }
        })
        .collect()
}

pub(crate) fn wave_means_chart<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    outcome: &str,
    waves: &[String],
    lines: &[MeanLine],
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let limits = lines
        .iter()
        .flat_map(|l| l.points.iter().flatten().flat_map(|p| [p.1, p.2]));
    let (mut low, mut high) = limits.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if !low.is_finite() {
        (low, high) = (0.0, 1.0);
    }
    let pad = ((high - low) * 0.15).max(0.1);
    let last = waves.len() as f64 - 0.5;
    let mut chart = super::titled(root, title, super::Room::Legend)
        .build_cartesian_2d(-0.5..last, (low - pad)..(high + pad))?;
    let wave_label = |v: &f64| {
        let index = v.round();
        if (v - index).abs() < 1e-9 && index >= 0.0 {
            waves.get(index as usize).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    };
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(TRANSPARENT)
        .x_labels(waves.len())
        .x_label_formatter(&wave_label)
        .y_label_formatter(&|v| super::bands::trimmed(*v))
        .x_desc("wave")
        .y_desc(format!("estimated {outcome} score (points)"))
        .label_style(("sans-serif", 13))
        .axis_desc_style(("sans-serif", 14))
        .draw()?;
    // Series sit side by side at each wave so their intervals do not hide
    // each other.
    let offset = |k: usize| (k as f64 - (lines.len() as f64 - 1.0) / 2.0) * 0.06;
    for (k, line) in lines.iter().enumerate() {
        let colour = PALETTE[k % PALETTE.len()];
        let points: Vec<(f64, f64, f64, f64)> = line
            .points
            .iter()
            .enumerate()
            .filter_map(|(w, p)| p.map(|(v, lo, hi)| (w as f64 + offset(k), v, lo, hi)))
            .collect();
        chart.draw_series(LineSeries::new(
            points.iter().map(|p| (p.0, p.1)),
            colour.stroke_width(2),
        ))?;
        for (x, value, ci_low, ci_high) in &points {
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(*x, *ci_low), (*x, *ci_high)],
                colour.stroke_width(2),
            )))?;
            chart.draw_series(std::iter::once(Circle::new(
                (*x, *value),
                4,
                colour.filled(),
            )))?;
        }
        let people = line
            .people
            .map_or_else(|| "n suppressed".to_string(), |n| format!("n = {n}"));
        legend_entry(root, k, colour, format!("{} ({people})", line.label))?;
    }
    root.present()
}
