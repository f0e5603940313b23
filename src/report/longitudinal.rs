//! The longitudinal part of the report: estimated means per wave with CIs
//! (an inline SVG chart, by arm when there is one), the wave-effect table,
//! a sentence contrasting completers-only change with the mixed model, and
//! the sensitivity comparison with the attrition pattern. Everything is
//! read from `Estimate` rows.

use super::format::rounded;
use crate::estimate::{Estimate, Stat};
use minijinja::context;
use std::fmt::Write as _;

/// Okabe–Ito colours: distinguishable with every common colour-vision
/// deficiency.
const PALETTE: [&str; 6] = [
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00",
];

fn find<'a>(
    estimates: &'a [Estimate],
    outcome: &str,
    analysis: &str,
    group_by: &str,
    group: &str,
    wave: Option<&str>,
    estimate: Stat,
) -> Option<&'a Estimate> {
    estimates.iter().find(|e| {
        e.outcome == outcome
            && e.analysis == analysis
            && e.group_by == group_by
            && e.group == group
            && wave.is_none_or(|w| e.wave == w)
            && e.estimate == estimate
    })
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn interval(e: Option<&Estimate>) -> String {
    match e {
        Some(e) if e.value.is_some() => format!(
            "{} (95% CI {} to {})",
            rounded(e.value, 2),
            rounded(e.ci_low, 2),
            rounded(e.ci_high, 2)
        ),
        _ => "–".into(),
    }
}

/// A chart of estimated means per wave with 95% CIs, one line per series.
fn chart(outcome: &str, waves: &[String], series: &[(String, Vec<Option<&Estimate>>)]) -> String {
    let (width, height) = (640.0, 320.0);
    let (left, right, top, bottom) = (70.0, 150.0, 40.0, 50.0);
    let values: Vec<f64> = series
        .iter()
        .flat_map(|(_, points)| points.iter().flatten().flat_map(|e| [e.ci_low, e.ci_high]))
        .flatten()
        .collect();
    if values.is_empty() {
        return String::new();
    }
    let mut low = values.iter().cloned().fold(f64::INFINITY, f64::min);
    let mut high = values.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let pad = ((high - low) * 0.1).max(0.1);
    low -= pad;
    high += pad;
    let plot_width = width - left - right;
    let plot_height = height - top - bottom;
    let x = |i: usize| left + plot_width * (i as f64 + 0.5) / waves.len() as f64;
    let y = |v: f64| top + plot_height * (high - v) / (high - low);
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" aria-label="Estimated {outcome} score per wave with 95% confidence intervals" font-family="sans-serif" font-size="12">"#,
        outcome = escape(outcome)
    );
    let _ = write!(
        svg,
        r#"<text x="{}" y="20" font-size="14" font-weight="bold">Estimated {} score per wave (mixed model, 95% CI)</text>"#,
        left,
        escape(outcome)
    );
    // Axes and ticks.
    let _ = write!(
        svg,
        "<line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{}\" stroke=\"#333\"/><line x1=\"{left}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#333\"/>",
        top + plot_height,
        top + plot_height,
        left + plot_width,
        top + plot_height
    );
    for k in 0..=4 {
        let v = low + (high - low) * k as f64 / 4.0;
        let _ = write!(
            svg,
            "<line x1=\"{}\" y1=\"{:.1}\" x2=\"{left}\" y2=\"{:.1}\" stroke=\"#333\"/><text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{:.1}</text>",
            left - 4.0,
            y(v),
            y(v),
            left - 8.0,
            y(v) + 4.0,
            v
        );
    }
    for (i, wave) in waves.iter().enumerate() {
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            x(i),
            top + plot_height + 18.0,
            escape(wave)
        );
    }
    let _ = write!(
        svg,
        "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">wave</text><text transform=\"translate(16 {:.1}) rotate(-90)\" text-anchor=\"middle\">{} score (points)</text>",
        left + plot_width / 2.0,
        height - 8.0,
        top + plot_height / 2.0,
        escape(outcome)
    );
    let offset = |s: usize| (s as f64 - (series.len() as f64 - 1.0) / 2.0) * 8.0;
    for (s, (label, points)) in series.iter().enumerate() {
        let colour = PALETTE[s % PALETTE.len()];
        let mut path = String::new();
        for (i, point) in points.iter().enumerate() {
            let Some(e) = point else { continue };
            let (Some(v), Some(lo), Some(hi)) = (e.value, e.ci_low, e.ci_high) else {
                continue;
            };
            let px = x(i) + offset(s);
            let _ = write!(
                path,
                "{}{:.1},{:.1}",
                if path.is_empty() { "M" } else { " L" },
                px,
                y(v)
            );
            let _ = write!(
                svg,
                "<line x1=\"{px:.1}\" y1=\"{:.1}\" x2=\"{px:.1}\" y2=\"{:.1}\" stroke=\"{colour}\" stroke-width=\"2\"/><circle cx=\"{px:.1}\" cy=\"{:.1}\" r=\"4\" fill=\"{colour}\"/>",
                y(lo),
                y(hi),
                y(v)
            );
        }
        let n = points.iter().flatten().next().map(|e| e.n).unwrap_or(0);
        let _ = write!(
            svg,
            "<path d=\"{path}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.5\"/><rect x=\"{}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"{colour}\"/><text x=\"{}\" y=\"{}\">{} (n = {n})</text>",
            width - right + 12.0,
            top + 20.0 * s as f64,
            width - right + 30.0,
            top + 20.0 * s as f64 + 10.0,
            escape(label)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// The template context of the longitudinal section, or `None` when the
/// estimates hold no mixed model.
pub fn section(
    estimates: &[Estimate],
    outcomes: &[String],
    waves: &[String],
    followup: &str,
    min_cell: usize,
) -> Option<minijinja::Value> {
    let people = |e: &Estimate| super::format::people_text(e, min_cell);
    if !estimates.iter().any(|e| e.analysis == "longitudinal") {
        return None;
    }
    let mut blocks = Vec::new();
    for outcome in outcomes {
        let arms: Vec<&str> = {
            let mut arms: Vec<&str> = estimates
                .iter()
                .filter(|e| {
                    &e.outcome == outcome && e.analysis == "longitudinal" && e.group_by == "arm"
                })
                .filter(|e| e.estimate == Stat::WaveMean)
                .map(|e| e.group.as_str())
                .collect();
            arms.dedup();
            arms
        };
        let series_groups: Vec<(&str, &str)> = if arms.is_empty() {
            vec![("all", "all")]
        } else {
            arms.iter().map(|a| ("arm", *a)).collect()
        };
        let series: Vec<(String, Vec<Option<&Estimate>>)> = series_groups
            .iter()
            .map(|(group_by, group)| {
                let label = if *group_by == "all" {
                    "everyone".to_string()
                } else {
                    group.to_string()
                };
                let points = waves
                    .iter()
                    .map(|w| {
                        find(
                            estimates,
                            outcome,
                            "longitudinal",
                            group_by,
                            group,
                            Some(w),
                            Stat::WaveMean,
                        )
                    })
                    .collect();
                (label, points)
            })
            .collect();
        let mixed = find(
            estimates,
            outcome,
            "longitudinal",
            "all",
            "all",
            Some(followup),
            Stat::WaveEffect,
        );
        let completers = find(
            estimates,
            outcome,
            "change",
            "all",
            "all",
            Some(followup),
            Stat::MeanChange,
        );
        let sentence = match (mixed, completers) {
            (Some(m), Some(c)) if m.value.is_some() => format!(
                "Using everyone who answered at least once ({} people), the mixed model estimates a change in {outcome} of {} from the baseline to {followup}; among the {} people who answered both, the completers-only mean change was {}.",
                people(m),
                interval(Some(m)),
                people(c),
                interval(Some(c))
            ),
            _ => String::new(),
        };
        let rows: Vec<minijinja::Value> = estimates
            .iter()
            .filter(|e| &e.outcome == outcome && e.analysis == "longitudinal" && e.estimate != Stat::WaveMean)
            .map(|e| {
                context! {
                    estimate => e.estimate,
                    group => if e.group_by == "all" { "all".to_string() } else { format!("{}: {}", e.group_by, e.group) },
                    wave => e.wave.clone(),
                    contrast => e.contrast.clone(),
                    value => interval(Some(e)),
                    df => rounded(e.df, 1),
                    p => e.p_value.map(|p| if p < 0.001 { "<0.001".to_string() } else { format!("{p:.3}") }).unwrap_or_else(|| "–".into()),
                    p_adjusted => e.p_adjusted.map(|p| if p < 0.001 { "<0.001".to_string() } else { format!("{p:.3}") }).unwrap_or_else(|| "–".into()),
                    n => people(e),
                }
            })
            .collect();
        // Sensitivity: completers-only and all-available side by side.
        let mut groups: Vec<(&str, &str)> = Vec::new();
        for e in estimates.iter().filter(|e| {
            &e.outcome == outcome && e.estimate == Stat::WaveEffect && e.wave == followup
        }) {
            groups.push((e.group_by.as_str(), e.group.as_str()));
        }
        let sensitivity: Vec<minijinja::Value> = groups
            .iter()
            .map(|(group_by, group)| {
                let get = |analysis: &str, estimate: Stat| find(estimates, outcome, analysis, group_by, group, Some(followup), estimate);
                context! {
                    group => if *group_by == "all" { "all".to_string() } else { format!("{group_by}: {group}") },
                    completers => interval(get("change", Stat::MeanChange)),
                    completers_n => get("change", Stat::NPairs).map(people).unwrap_or_default(),
                    mixed => interval(get("longitudinal", Stat::WaveEffect)),
                    mixed_n => get("longitudinal", Stat::WaveEffect).map(people).unwrap_or_default(),
                    completed => get("attrition", Stat::PctCompleted).and_then(|e| e.value).map(|v| format!("{v:.0}%")).unwrap_or_else(|| "–".into()),
                    baseline_difference => interval(get("attrition", Stat::BaselineDifference)),
                }
            })
            .collect();
        blocks.push(context! {
            outcome => outcome,
            svg => chart(outcome, waves, &series),
            sentence => sentence,
            rows => rows,
            sensitivity => sensitivity,
        });
    }
    Some(minijinja::Value::from(blocks))
}
