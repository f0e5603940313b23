//! `--previous`: this period against an earlier one.
//!
//! Funders ask whether this year went better than last. An earlier belong
//! report is read back from what it published (estimates.parquet and
//! manifest.json, never `internal/`), its headline estimates are set
//! beside this period's as rows of `previous_period`, and the mean change
//! of each outcome both periods have is compared by Welch's t-test, which
//! the published mean, standard error and n determine exactly. What the
//! earlier report withheld stays withheld. Settings that change what the
//! numbers mean (outcomes, waves, min_cell, design) are listed where they
//! differ, so that a difference is not read as the programme's doing.

use crate::error::{Error, Result};
use crate::estimate::{Contrast, Estimate, Side, Stat};
use crate::stats::ttest;
use polars::prelude::*;
use std::path::{Path, PathBuf};

/// The `group_by` of the earlier period's rows, and their `group`.
pub(crate) const PERIOD: &str = "period";
pub(crate) const PREVIOUS: &str = "previous";
/// The two sides of a difference between periods.
pub(crate) const THIS_PERIOD: &str = "this period";
pub(crate) const PREVIOUS_PERIOD: &str = "previous period";

/// The headline estimates compared between periods: analysis, statistic,
/// grouping. Rows of `all` unless the grouping is the arm.
const HEADLINE: [(&str, Stat, &str); 8] = [
    ("participation", Stat::NParticipants, "all"),
    ("participation", Stat::NAttendedAny, "all"),
    ("participation", Stat::SessionsTotal, "all"),
    ("participation", Stat::PctEngaged, "all"),
    ("change", Stat::MeanChange, "all"),
    ("reliable_change", Stat::PctImproved, "all"),
    ("reliable_change", Stat::PctDeteriorated, "all"),
    (
        "comparison",
        Stat::AncovaDifference,
        crate::analysis::design::ARM_COLUMN,
    ),
];

/// An earlier report, as published.
#[derive(Debug, Clone)]
pub struct Previous {
    pub dir: PathBuf,
    /// `[report] period` of the earlier report, if it had one.
    pub period: Option<String>,
    pub version: String,
    pub min_cell: Option<u64>,
    /// `disclosure`; reports from before it was a setting suppressed.
    pub disclosure: String,
    pub outcomes: Vec<String>,
    /// Baseline and follow-up wave names.
    pub baseline: String,
    pub followup: String,
    pub design: Option<String>,
    /// Its headline rows, as it published them.
    pub rows: Vec<Estimate>,
}

impl Previous {
    /// How the earlier report is named in sentences: its period, else its
    /// folder.
    pub fn name(&self) -> String {
        match &self.period {
            Some(period) => format!("the previous period ({period})"),
            None => format!(
                "the previous report ({})",
                super::format::terminal_text(&self.dir.display().to_string())
            ),
        }
    }
}

fn invalid(dir: &Path, what: &str) -> Error {
    Error::Config(format!(
        "--previous {}: {what}; give the folder of a report belong wrote (it holds manifest.json and estimates.parquet)",
        super::format::terminal_text(&dir.display().to_string())
    ))
}

/// The manifest of an earlier report, checked to be one belong wrote.
fn manifest(dir: &Path) -> Result<serde_json::Value> {
    let path = dir.join("manifest.json");
    let text = std::fs::read_to_string(&path).map_err(|_| invalid(dir, "no manifest.json"))?;
    let manifest: serde_json::Value =
        serde_json::from_str(&text).map_err(|_| invalid(dir, "manifest.json is not JSON"))?;
    if manifest["tool"] != "belong" || manifest["schema"] != super::folder::SCHEMA {
        return Err(invalid(dir, "manifest.json is not a belong report's"));
    }
    Ok(manifest)
}

/// Reads an earlier report's settings and headline rows.
pub fn read(dir: &Path) -> Result<Previous> {
    let manifest = manifest(dir)?;
    let text = |value: &serde_json::Value| value.as_str().map(str::to_string);
    let waves = &manifest["waves"];
    let wave = |key: &str| {
        waves[key]
            .as_u64()
            .and_then(|i| waves["waves"][i as usize].as_str())
            .unwrap_or_default()
            .to_string()
    };
    let path = dir.join("estimates.parquet");
    let frame = crate::ingest::read::guarded(&path, "Parquet", || {
        let file = std::fs::File::open(&path)
            .map_err(|e| Error::io("reading the previous report", &path, e))?;
        ParquetReader::new(file)
            .finish()
            .map_err(|source| Error::Polars {
                path: path.clone(),
                doing: "reading the earlier report's estimates".into(),
                source,
            })
    })?;
    let followup = wave("followup");
    let rows = headline_rows(&frame, &followup).map_err(|source| Error::Polars {
        path: path.clone(),
        doing: "reading the earlier report's estimates".into(),
        source,
    })?;
    Ok(Previous {
        dir: dir.to_path_buf(),
        period: text(&manifest["settings"]["report"]["period"]),
        version: text(&manifest["version"]).unwrap_or_default(),
        min_cell: manifest["settings"]["min_cell"].as_u64(),
        disclosure: text(&manifest["settings"]["disclosure"])
            .unwrap_or_else(|| crate::disclosure::Method::Suppress.name().into()),
        outcomes: manifest["outcomes"]
            .as_array()
            .map(|list| list.iter().filter_map(text).collect())
            .unwrap_or_default(),
        baseline: wave("baseline"),
        followup,
        design: text(&manifest["settings"]["analysis"]["design"]),
        rows,
    })
}

/// The earlier report's headline rows, as rows of `previous_period`.
fn headline_rows(frame: &DataFrame, followup: &str) -> PolarsResult<Vec<Estimate>> {
    let texts = |name: &str| -> PolarsResult<Vec<String>> {
        Ok(frame
            .column(name)?
            .str()?
            .iter()
            .map(|v| v.unwrap_or_default().to_string())
            .collect())
    };
    let numbers = |name: &str| -> PolarsResult<Vec<Option<f64>>> {
        Ok(frame.column(name)?.f64()?.iter().collect())
    };
    let (outcome, analysis, group_by, group, wave, contrast, estimate, method) = (
        texts("outcome")?,
        texts("analysis")?,
        texts("group_by")?,
        texts("group")?,
        texts("wave")?,
        texts("contrast")?,
        texts("estimate")?,
        texts("method")?,
    );
    let (value, ci_low, ci_high, se, df, p_value) = (
        numbers("value")?,
        numbers("ci_low")?,
        numbers("ci_high")?,
        numbers("se")?,
        numbers("df")?,
        numbers("p_value")?,
    );
    let n: Vec<Option<u64>> = frame
        .column("n")?
        .cast(&DataType::UInt64)?
        .u64()?
        .iter()
        .collect();
    let suppressed: Vec<bool> = frame
        .column("suppressed")?
        .bool()?
        .iter()
        .map(|v| v.unwrap_or(true))
        .collect();
    let mut rows = Vec::new();
    for i in 0..frame.height() {
        let Some(stat) = Stat::from_name(&estimate[i]) else {
            continue;
        };
        let headline = HEADLINE.iter().any(|(a, s, by)| {
            *a == analysis[i]
                && *s == stat
                && *by == group_by[i]
                && (group_by[i] != "all" || group[i] == "all")
        });
        if !headline || !(wave[i].is_empty() || wave[i] == followup) {
            continue;
        }
        let Some(n) = n[i] else { continue };
        let mut row = Estimate {
            outcome: outcome[i].clone(),
            analysis: "previous_period",
            group_by: PERIOD.into(),
            group: PREVIOUS.into(),
            wave: wave[i].clone(),
            contrast: match contrast[i].split_once(" - ") {
                Some((level, reference)) => Contrast::Levels {
                    level: level.into(),
                    reference: reference.into(),
                },
                None => Contrast::None,
            },
            estimate: stat,
            value: value[i],
            ci_low: ci_low[i],
            ci_high: ci_high[i],
            se: se[i],
            df: df[i],
            p_value: p_value[i],
            p_adjusted: None,
            n: n as usize,
            method: format!("as the previous report published it: {}", method[i]),
            suppressed: false,
            suppression: None,
            sides: Vec::new(),
        };
        if suppressed[i] {
            row.value = None;
            row.suppressed = true;
            row.suppression = Some(crate::estimate::Suppression::Secondary);
        }
        rows.push(row);
    }
    Ok(rows)
}

/// The earlier period's headline rows and, for each outcome both periods
/// have a mean change of, the Welch test of this period's against it.
pub fn compare(estimates: &[Estimate], previous: &Previous) -> Vec<Estimate> {
    let mut rows = previous.rows.clone();
    for now in estimates.iter().filter(|e| {
        e.analysis == "change"
            && e.group_by == "all"
            && e.estimate == Stat::MeanChange
            && !e.suppressed
    }) {
        let Some(before) = previous
            .rows
            .iter()
            .find(|p| p.outcome == now.outcome && p.estimate == Stat::MeanChange && !p.suppressed)
        else {
            continue;
        };
        let test = match (now.value, now.se, before.value, before.se) {
            (Some(m1), Some(se1), Some(m2), Some(se2)) => {
                ttest::welch_from_summaries((m1, se1, now.n), (m2, se2, before.n))
            }
            _ => None,
        };
        let mut row = crate::estimate::Place {
            outcome: &now.outcome,
            analysis: "previous_period",
            group_by: "all",
            group: "all",
            wave: &now.wave,
        }
        .row(
            Stat::WelchDifferenceChange,
            test.as_ref().map(|t| t.estimate),
            now.n + before.n,
            "Welch two-sample t-test of this period's change against the previous period's, from each period's mean change, standard error and n (t.test(change_now, change_previous))",
        )
        .with_contrast(Contrast::Levels {
            level: THIS_PERIOD.into(),
            reference: PREVIOUS_PERIOD.into(),
        })
        .with_sides(vec![
            Side::subset(THIS_PERIOD, now.n),
            Side::subset(PREVIOUS_PERIOD, before.n),
        ]);
        if let Some(t) = test {
            row.ci_low = Some(t.ci_low);
            row.ci_high = Some(t.ci_high);
            row.se = Some(t.standard_error);
            row.df = Some(t.df);
            row.p_value = Some(t.p_value);
        }
        rows.push(row);
    }
    rows
}

/// The settings of this run that differ from the earlier report's, in
/// words ("min_cell: 10 now, 5 before").
pub fn differences(
    settings: &crate::config::Settings,
    panel: &crate::panel::Panel,
    previous: &Previous,
) -> Vec<String> {
    let mut lines = Vec::new();
    let mut differ = |what: &str, now: String, before: String| {
        if now != before {
            lines.push(format!("{what}: {now} now, {before} before"));
        }
    };
    let outcomes: Vec<String> = panel
        .outcomes
        .iter()
        .map(|o| o.outcome.id.clone())
        .collect();
    differ(
        "outcomes",
        outcomes.join(", "),
        previous.outcomes.join(", "),
    );
    differ(
        "waves",
        format!(
            "{} to {}",
            panel.waves.baseline_name(),
            panel.waves.followup_name()
        ),
        format!("{} to {}", previous.baseline, previous.followup),
    );
    differ(
        "min_cell",
        settings.min_cell.to_string(),
        previous
            .min_cell
            .map_or_else(|| "unknown".into(), |m| m.to_string()),
    );
    differ(
        "disclosure",
        settings.disclosure.name().into(),
        previous.disclosure.clone(),
    );
    let design = |d: Option<String>| d.unwrap_or_else(|| "detected from the data".into());
    differ(
        "design",
        design(
            settings
                .analysis
                .design
                .and_then(|d| serde_json::to_value(d).ok())
                .and_then(|v| v.as_str().map(str::to_string)),
        ),
        design(previous.design.clone()),
    );
    differ(
        "belong version",
        env!("CARGO_PKG_VERSION").to_string(),
        previous.version.clone(),
    );
    lines
}
