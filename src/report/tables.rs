//! The human tables: one CSV per table in `tables/`, and all of them as
//! sheets of `tables.xlsx` (bold frozen header, number formats). Built from
//! `Estimate` rows only; every withheld number reads `[c]`.

use super::format::{
    classification_label, cohen_size, csv_field, group_phrase, markdown_text, money, p_text,
    rounded, rounding_note, spreadsheet_text, stat_label, suppressed_text, visible, withheld_note,
    P_DIGITS, P_FLOOR, WITHHELD,
};
use super::ReportContent;
use crate::analysis::moderators::MODERATOR;
use crate::analysis::propensity::Adjustment;
use crate::error::{Error, Result};
use crate::estimate::{Contrast, Estimate, Kind, Stat};
use rust_xlsxwriter::{Format, Workbook};
use std::path::Path;

/// One cell of a human table.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell {
    Text(String),
    /// A number and how many decimals people should see.
    Number(f64, usize),
    /// An interval's limits and their decimals: "low to high" on a page,
    /// two numeric columns in a spreadsheet.
    Interval(f64, f64, usize),
    /// Blank: not applicable, undefined, or suppressed.
    Missing(String),
}

/// A titled table with a header row.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// File and sheet name.
    pub name: &'static str,
    pub title: &'static str,
    pub header: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    /// `table` without the columns that hold one value in every row, and those
    /// columns as `header: value`, to say once in the caption.
    pub(crate) fn without_constant_columns(&self) -> (Table, Vec<String>) {
        let table = self;
        let constant: Vec<bool> = (0..table.header.len())
            .map(|c| {
                let mut values = table.rows.iter().map(|row| row.get(c));
                let first = values.next().flatten();
                table.rows.len() > 1 && first.is_some() && values.all(|v| v == first)
            })
            .collect();
        let same = table
            .header
            .iter()
            .enumerate()
            .filter(|(c, _)| constant[*c])
            .filter_map(|(c, name)| {
                let value = table.rows.first()?.get(c)?;
                Some(format!("{name}: {}", cell_text(value)))
            })
            .collect();
        let header = table
            .header
            .iter()
            .zip(&constant)
            .filter(|(_, constant)| !**constant)
            .map(|(name, _)| name.clone())
            .collect();
        let rows = table
            .rows
            .iter()
            .map(|row| {
                row.iter()
                    .zip(&constant)
                    .filter(|(_, constant)| !**constant)
                    .map(|(cell, _)| cell.clone())
                    .collect()
            })
            .collect();
        (
            Table {
                header,
                rows,
                ..table.clone()
            },
            same,
        )
    }

    /// Per column, whether it holds words (read from the left) rather
    /// than numbers (lined up on the right): some text and nothing but
    /// text or blanks.
    pub(crate) fn text_columns(&self) -> Vec<bool> {
        (0..self.header.len())
            .map(|c| {
                let cells = || self.rows.iter().filter_map(|row| row.get(c));
                // A count written as text is still a number.
                cells().any(|cell| matches!(cell, Cell::Text(t) if t.parse::<f64>().is_err()))
                    && cells().all(|cell| matches!(cell, Cell::Text(_) | Cell::Missing(_)))
            })
            .collect()
    }

    /// The table cut into pieces of at most `most` columns for a page,
    /// each repeating the leading columns that say what a row is (up to
    /// three columns of words); the whole table when it fits. The full
    /// width stays in tables.xlsx and tables/*.csv.
    pub(crate) fn split_columns(&self, most: usize) -> Vec<Table> {
        let width = self.header.len();
        if width <= most {
            return vec![self.clone()];
        }
        let words = self.text_columns();
        let keys = words
            .iter()
            .take_while(|w| **w)
            .count()
            .clamp(1, 3)
            .min(most.saturating_sub(2).max(1));
        let room = most.saturating_sub(keys).max(1);
        let rest: Vec<usize> = (keys..width).collect();
        // Pieces of even width: no last piece holding a single column.
        let pieces = rest.len().div_ceil(room);
        let per = rest.len().div_ceil(pieces);
        rest.chunks(per)
            .map(|chunk| {
                let columns: Vec<usize> = (0..keys).chain(chunk.iter().copied()).collect();
                Table {
                    header: columns.iter().map(|&c| self.header[c].clone()).collect(),
                    rows: self
                        .rows
                        .iter()
                        .map(|row| {
                            columns
                                .iter()
                                .map(|&c| {
                                    row.get(c).cloned().unwrap_or(Cell::Missing(String::new()))
                                })
                                .collect()
                        })
                        .collect(),
                    ..self.clone()
                }
            })
            .collect()
    }

    /// The table split by its grouping column (`grouped by` or
    /// `moderator`), one part per grouping in first-seen order, each named
    /// (`everyone`, `by site`); the whole table, unnamed, when it has no
    /// such column or only one grouping. Pages show parts, so that groups
    /// of one column are read together rather than stacked.
    pub(crate) fn by_grouping(&self) -> Vec<(Option<String>, Table)> {
        // Columns naming where a row belongs, which a part says once.
        const IDENTITY: [&str; 4] = ["outcome", "grouped by", "moderator", "group"];
        let Some(column) = self
            .header
            .iter()
            .position(|h| h == "grouped by" || h == "moderator")
        else {
            return vec![(None, self.clone())];
        };
        let mut parts: Vec<(String, Vec<Vec<Cell>>)> = Vec::new();
        for row in &self.rows {
            let key = row.get(column).map(cell_text).unwrap_or_default();
            match parts.iter_mut().find(|(k, _)| *k == key) {
                Some((_, rows)) => rows.push(row.clone()),
                None => parts.push((key, vec![row.clone()])),
            }
        }
        if parts.len() < 2 {
            return vec![(None, self.clone())];
        }
        parts
            .into_iter()
            .map(|(key, rows)| {
                let name = if key == "all" {
                    "everyone".to_string()
                } else {
                    format!("by {key}")
                };
                let part = Table {
                    rows,
                    ..self.clone()
                };
                // Identity columns holding one value in the part (all of
                // them, for `everyone`) go; data columns always stay.
                let drop: Vec<bool> = part
                    .header
                    .iter()
                    .enumerate()
                    .map(|(c, name)| {
                        let mut values = part.rows.iter().map(|row| row.get(c));
                        let first = values.next().flatten();
                        IDENTITY.contains(&name.as_str()) && values.all(|v| v == first)
                    })
                    .collect();
                let keep = |cells: &[String]| -> Vec<String> {
                    cells
                        .iter()
                        .zip(&drop)
                        .filter(|(_, d)| !**d)
                        .map(|(c, _)| c.clone())
                        .collect()
                };
                let header = keep(&part.header);
                let rows = part
                    .rows
                    .iter()
                    .map(|row| {
                        row.iter()
                            .zip(&drop)
                            .filter(|(_, d)| !**d)
                            .map(|(c, _)| c.clone())
                            .collect()
                    })
                    .collect();
                (
                    Some(name),
                    Table {
                        header,
                        rows,
                        ..part
                    },
                )
            })
            .collect()
    }

    /// A sentence printed with the table on the page, where its cells
    /// need one: what its marker of withheld cells means, and under
    /// rounding that its counts are rounded.
    pub fn note(&self, min_cell: usize, disclosure: crate::disclosure::Method) -> Option<String> {
        let withheld = self
            .rows
            .iter()
            .flatten()
            .any(|cell| matches!(cell, Cell::Missing(text) if text == WITHHELD));
        let mut notes = Vec::new();
        if withheld {
            notes.push(withheld_note(min_cell));
        }
        if min_cell > 0
            && disclosure == crate::disclosure::Method::Round
            && (withheld || self.name == "table1")
        {
            notes.push(rounding_note());
        }
        if self.name == "table1" {
            notes.push(
                "Every grouping column, by category, is in tables/baseline_characteristics.csv."
                    .into(),
            );
        }
        (!notes.is_empty()).then(|| notes.join(" "))
    }
}

fn header(names: &[&str]) -> Vec<String> {
    names.iter().map(|name| name.to_string()).collect()
}

fn text(value: &str) -> Cell {
    Cell::Text(value.to_string())
}

/// The value of an estimate, or a marker saying why there is none.
fn value(row: Option<&Estimate>, decimals: usize) -> Cell {
    match row {
        Some(e) if e.suppressed => Cell::Missing(suppressed_text()),
        Some(e) => match e.value {
            Some(v) => Cell::Number(v, decimals),
            None => Cell::Missing("–".into()),
        },
        None => Cell::Missing("–".into()),
    }
}

/// The people behind an estimate, or the withheld marker.
fn people(e: &Estimate) -> Cell {
    match e.published_n() {
        Some(n) => Cell::Number(n as f64, 0),
        None => Cell::Missing(suppressed_text()),
    }
}

fn interval(row: Option<&Estimate>, decimals: usize) -> Cell {
    match row {
        Some(e) if e.suppressed => Cell::Missing(WITHHELD.into()),
        Some(e) => match (e.ci_low, e.ci_high) {
            (Some(lo), Some(hi)) => Cell::Interval(lo, hi, decimals),
            _ => Cell::Missing("–".into()),
        },
        None => Cell::Missing("–".into()),
    }
}

/// The plain-language size of a standardised effect, blank where the
/// effect is.
fn size_label(row: Option<&Estimate>) -> Cell {
    match row.filter(|e| !e.suppressed).and_then(|e| e.value) {
        Some(d) => text(cohen_size(d)),
        None => Cell::Missing("–".into()),
    }
}

fn p_value(row: Option<&Estimate>, adjusted: bool) -> Cell {
    let p = row.and_then(|e| if adjusted { e.p_adjusted } else { e.p_value });
    match p {
        Some(p) if p < P_FLOOR => Cell::Text(p_text(Some(p))),
        Some(p) => Cell::Number(p, P_DIGITS),
        None => Cell::Missing("–".into()),
    }
}

/// Rows of one analysis, grouped by place (outcome, group_by, group, wave,
/// contrast) in first-seen order.
fn places<'a>(estimates: &'a [Estimate], analysis: &str) -> Vec<Vec<&'a Estimate>> {
    let mut order: Vec<(&str, &str, &str, &str, &Contrast)> = Vec::new();
    let mut groups: Vec<Vec<&Estimate>> = Vec::new();
    for e in estimates.iter().filter(|e| e.analysis == analysis) {
        let key = (
            e.outcome.as_str(),
            e.group_by.as_str(),
            e.group.as_str(),
            e.wave.as_str(),
            &e.contrast,
        );
        match order.iter().position(|k| *k == key) {
            Some(i) => groups[i].push(e),
            None => {
                order.push(key);
                groups.push(vec![e]);
            }
        }
    }
    groups
}

fn get<'a>(place: &[&'a Estimate], name: Stat) -> Option<&'a Estimate> {
    place.iter().copied().find(|e| e.estimate == name)
}

/// Table 1 the way readers expect it: one column for everyone and one
/// per arm, n (%) for each category and mean (SD), median (IQR) for the
/// baseline scores. The long tables keep every grouping.
fn table1(content: &ReportContent) -> Table {
    let estimates = content.estimates;
    let columns: Vec<(&str, &str)> = std::iter::once(("all", "all"))
        .chain(
            content
                .panel
                .groups
                .iter()
                .filter(|(column, _)| column == "arm")
                .flat_map(|(column, values)| {
                    values
                        .levels
                        .iter()
                        .map(move |l| (column.as_str(), l.as_str()))
                }),
        )
        .collect();
    let find = |analysis: &str, outcome: &str, column: (&str, &str), contrast: &str, stat: Stat| {
        estimates.iter().find(|e| {
            e.analysis == analysis
                && e.outcome == outcome
                && (e.group_by.as_str(), e.group.as_str()) == column
                && e.contrast.to_string() == contrast
                && e.estimate == stat
        })
    };
    let blank = || Cell::Missing(String::new());
    fn shown(e: Option<&Estimate>) -> Option<&Estimate> {
        e.filter(|e| !e.suppressed && e.value.is_some())
    }
    let mut rows = Vec::new();
    // The people in each column.
    let mut people_row = vec![text("people")];
    for column in &columns {
        let any = estimates.iter().find(|e| {
            (e.group_by.as_str(), e.group.as_str()) == *column
                && e.analysis == "baseline_characteristics"
        });
        people_row.push(any.map_or_else(blank, |e| match people(e) {
            Cell::Number(n, _) => Cell::Text(rounded(Some(n), 0)),
            other => other,
        }));
    }
    rows.push(people_row);
    // Categories: one heading per characteristic, a row per category.
    let mut characteristics: Vec<(&str, Vec<String>)> = Vec::new();
    for e in estimates.iter().filter(|e| {
        e.analysis == "baseline_characteristics"
            && e.group_by == "all"
            && e.estimate == Stat::NInCategory
    }) {
        let category = e.contrast.to_string();
        match characteristics
            .iter_mut()
            .find(|(name, _)| *name == e.outcome)
        {
            Some((_, categories)) => categories.push(category),
            None => characteristics.push((&e.outcome, vec![category])),
        }
    }
    for (name, categories) in &characteristics {
        let mut heading = vec![text(&format!("{name}, n (%)"))];
        heading.extend(columns.iter().map(|_| blank()));
        rows.push(heading);
        for category in categories {
            let mut row = vec![text(category)];
            for column in &columns {
                let count = find(
                    "baseline_characteristics",
                    name,
                    *column,
                    category,
                    Stat::NInCategory,
                );
                let percent = find(
                    "baseline_characteristics",
                    name,
                    *column,
                    category,
                    Stat::PctInCategory,
                );
                row.push(match (shown(count), shown(percent), count) {
                    (Some(c), Some(p), _) => Cell::Text(format!(
                        "{} ({}%)",
                        rounded(c.value, 0),
                        rounded(p.value, 1)
                    )),
                    (Some(c), None, _) => Cell::Text(rounded(c.value, 0)),
                    (None, _, Some(_)) => Cell::Missing(suppressed_text()),
                    (None, _, None) => Cell::Missing("0".into()),
                });
            }
            rows.push(row);
        }
    }
    // Numbers, then baseline scores: answered, mean (SD), median (IQR).
    let summary_rows = |heading: String, analysis: &str, outcome: &str, wave: &str| {
        let find_at = |column: (&str, &str), stat: Stat| {
            estimates.iter().find(|e| {
                e.analysis == analysis
                    && e.outcome == outcome
                    && e.wave == wave
                    && (e.group_by.as_str(), e.group.as_str()) == column
                    && e.contrast.to_string().is_empty()
                    && e.estimate == stat
            })
        };
        let stat = |column: (&str, &str), stat: Stat| shown(find_at(column, stat));
        let mut heading = vec![text(&heading)];
        heading.extend(columns.iter().map(|_| blank()));
        let mut answered = vec![text("answered, n")];
        let mut mean_sd = vec![text("mean (SD)")];
        let mut median_iqr = vec![text("median (IQR)")];
        for column in &columns {
            answered.push(match value(find_at(*column, Stat::N), 0) {
                Cell::Number(n, _) => Cell::Text(rounded(Some(n), 0)),
                other => other,
            });
            mean_sd.push(match (stat(*column, Stat::Mean), stat(*column, Stat::Sd)) {
                (Some(mean), Some(sd)) => Cell::Text(format!(
                    "{} ({})",
                    rounded(mean.value, 2),
                    rounded(sd.value, 2)
                )),
                _ => Cell::Missing(WITHHELD.into()),
            });
            median_iqr.push(
                match (
                    stat(*column, Stat::Median),
                    stat(*column, Stat::Q1),
                    stat(*column, Stat::Q3),
                ) {
                    (Some(median), Some(q1), Some(q3)) => Cell::Text(format!(
                        "{} ({} to {})",
                        rounded(median.value, 1),
                        rounded(q1.value, 1),
                        rounded(q3.value, 1)
                    )),
                    _ => Cell::Missing(WITHHELD.into()),
                },
            );
        }
        [heading, answered, mean_sd, median_iqr]
    };
    let mut numeric: Vec<&str> = Vec::new();
    for e in estimates.iter().filter(|e| {
        e.analysis == "baseline_characteristics" && e.group_by == "all" && e.estimate == Stat::Mean
    }) {
        if !numeric.contains(&e.outcome.as_str()) {
            numeric.push(&e.outcome);
        }
    }
    for name in numeric {
        rows.extend(summary_rows(
            name.to_string(),
            "baseline_characteristics",
            name,
            "",
        ));
    }
    let baseline = content.panel.waves.baseline_name();
    for outcome in &content.panel.outcomes {
        let id = outcome.outcome.id.as_str();
        rows.extend(summary_rows(
            format!("{id} at {baseline}"),
            "descriptives",
            id,
            baseline,
        ));
    }
    let title = match columns.iter().find(|(by, _)| *by != "all") {
        None => "Table 1. Who took part, at baseline",
        Some(("arm", _)) => "Table 1. Who took part, at baseline: everyone and by arm",
        Some(_) => "Table 1. Who took part, at baseline: everyone and by group",
    };
    let mut names = vec!["characteristic".to_string()];
    names.extend(columns.iter().map(|(by, level)| group_phrase(by, level)));
    Table {
        name: "table1",
        title,
        header: names,
        rows,
    }
}

/// The columns of [`inference`].
const INFERENCE_HEADER: [&str; 6] = ["value", "95% CI", "df", "p", "p (Holm)", "n"];

/// Value, 95% CI, df, p, Holm p and n of one test row.
fn inference(e: &Estimate, decimals: usize) -> [Cell; 6] {
    [
        value(Some(e), decimals),
        interval(Some(e), decimals),
        e.df.map_or(Cell::Missing("–".into()), |df| Cell::Number(df, 1)),
        p_value(Some(e), false),
        p_value(Some(e), true),
        people(e),
    ]
}

fn group_cells(first: &Estimate) -> Vec<Cell> {
    vec![
        text(&first.outcome),
        text(&first.group_by),
        text(&first.group),
    ]
}

/// The design's comparison with each adjustment for who joined each
/// group: the ANCOVA on the baseline score alone, then the propensity
/// weights and matching.
fn adjusted_comparison(content: &ReportContent) -> Table {
    let estimates = content.estimates;
    let mut rows = Vec::new();
    for outcome in &content.panel.outcomes {
        let id = outcome.outcome.id.as_str();
        let adjusted: Vec<&Estimate> = estimates
            .iter()
            .filter(|e| {
                e.outcome == id
                    && Adjustment::from_analysis(e.analysis).is_some()
                    && e.estimate == Stat::AdjustedDifference
            })
            .collect();
        let Some(first) = adjusted.first() else {
            continue;
        };
        let ancova = estimates.iter().find(|e| {
            e.outcome == id
                && e.analysis == "comparison"
                && e.group_by == first.group_by
                && e.contrast == first.contrast
                && e.estimate == Stat::AncovaDifference
        });
        let ess = |analysis: &str, stat: Stat| {
            estimates
                .iter()
                .find(|e| e.outcome == id && e.analysis == analysis && e.estimate == stat)
        };
        let mut line = |label: &str, e: &Estimate, analysis: Option<&str>| {
            rows.push(vec![
                text(id),
                text(&e.contrast.to_string()),
                text(label),
                value(Some(e), 2),
                interval(Some(e), 2),
                p_value(Some(e), false),
                people(e),
                analysis.map_or(Cell::Missing("–".into()), |a| {
                    value(ess(a, Stat::EssTreated), 1)
                }),
                analysis.map_or(Cell::Missing("–".into()), |a| {
                    value(ess(a, Stat::EssControl), 1)
                }),
            ]);
        };
        if let Some(ancova) = ancova {
            line("baseline score only (ANCOVA)", ancova, None);
        }
        for e in adjusted {
            if let Some(adjustment) = Adjustment::from_analysis(e.analysis) {
                line(adjustment.label(), e, Some(e.analysis));
            }
        }
    }
    Table {
        name: "adjusted_comparison",
        title: "Did the programme make the difference? The follow-up compared, adjusted for who joined each group",
        header: header(&[
            "outcome",
            "compared",
            "adjustment",
            "difference",
            "95% CI",
            "p",
            "people",
            "effective n, programme",
            "effective n, comparison",
        ]),
        rows,
    }
}

/// How alike the groups were at baseline, before and after each
/// adjustment: standardised differences (differences in proportions for
/// categories), the variance ratio of the baseline score and the
/// effective sample sizes.
fn balance(content: &ReportContent) -> Table {
    let estimates = content.estimates;
    let mut rows = Vec::new();
    for outcome in &content.panel.outcomes {
        let id = outcome.outcome.id.as_str();
        let of = |stat: Stat, contrast: Option<&Contrast>, adjustment: Adjustment| {
            estimates.iter().find(|e| {
                e.outcome == id
                    && e.analysis == adjustment.analysis()
                    && e.estimate == stat
                    && contrast.is_none_or(|c| &e.contrast == c)
            })
        };
        let mut covariates: Vec<&Contrast> = Vec::new();
        for e in estimates.iter().filter(|e| {
            e.outcome == id
                && e.analysis == Adjustment::Unadjusted.analysis()
                && e.estimate == Stat::Smd
        }) {
            if !covariates.contains(&&e.contrast) {
                covariates.push(&e.contrast);
            }
        }
        let mut line = |covariate: String,
                        measure: &str,
                        stat: Stat,
                        contrast: Option<&Contrast>,
                        decimals: usize| {
            let mut row = vec![text(id), text(&covariate), text(measure)];
            row.extend(
                Adjustment::ALL
                    .iter()
                    .map(|adjustment| value(of(stat, contrast, *adjustment), decimals)),
            );
            rows.push(row);
        };
        for contrast in covariates {
            let continuous =
                of(Stat::VarianceRatio, Some(contrast), Adjustment::Unadjusted).is_some();
            line(
                contrast.to_string(),
                if continuous {
                    "standardised difference"
                } else {
                    "difference in proportions"
                },
                Stat::Smd,
                Some(contrast),
                3,
            );
            if continuous {
                line(
                    contrast.to_string(),
                    "variance ratio",
                    Stat::VarianceRatio,
                    Some(contrast),
                    2,
                );
            }
        }
        if of(Stat::EssTreated, None, Adjustment::Unadjusted).is_some() {
            line(
                "programme group".into(),
                "effective n",
                Stat::EssTreated,
                None,
                1,
            );
            line(
                "comparison group".into(),
                "effective n",
                Stat::EssControl,
                None,
                1,
            );
        }
    }
    let mut header = header(&["outcome", "covariate", "measure"]);
    header.extend(Adjustment::ALL.iter().map(|a| a.label().to_string()));
    Table {
        name: "balance",
        title: "Balance at baseline before and after adjustment (|standardised difference| < 0.1 is adequate)",
        header,
        rows,
    }
}

/// What the programme cost per participant, session, completer and
/// outcome, in the currency of `[costs]`.
fn costs(content: &ReportContent) -> Table {
    let currency = content
        .settings
        .analysis
        .costs
        .as_ref()
        .map_or("", |c| c.currency.as_str());
    let rows = content
        .estimates
        .iter()
        .filter(|e| e.analysis == "costs")
        .map(|e| {
            let what = match e.estimate {
                Stat::CostTotal => "total cost",
                Stat::CostPerParticipant => "per person enrolled",
                Stat::CostPerAttendedSession => "per session attended (one person, one session)",
                Stat::CostPerCompleter => "per person with both scores",
                Stat::CostPerReliableImprovement => "per person reliably improved",
                Stat::ValueOfReliableImprovements => "value of the reliable improvements",
                Stat::CostPerAdditionalImprovement => {
                    "per reliable improvement more than the comparison group"
                }
                _ => e.estimate.name(),
            };
            let amount = |v: Option<f64>| match (e.suppressed, v) {
                (true, _) => Cell::Missing(suppressed_text()),
                (false, Some(v)) => Cell::Text(money(currency, v)),
                (false, None) => Cell::Missing("–".into()),
            };
            let interval = match (e.suppressed, e.ci_low, e.ci_high) {
                (false, Some(low), Some(high)) => Cell::Text(format!(
                    "{} to {}",
                    money(currency, low),
                    money(currency, high)
                )),
                _ => Cell::Missing("–".into()),
            };
            vec![
                text(if e.outcome.is_empty() {
                    "all"
                } else {
                    &e.outcome
                }),
                text(&if e.contrast == Contrast::None {
                    String::new()
                } else {
                    e.contrast.to_string()
                }),
                text(what),
                amount(e.value),
                interval,
                people(e),
            ]
        })
        .collect();
    Table {
        name: "costs",
        title: "What it cost",
        header: header(&["outcome", "compared", "cost", "amount", "95% CI", "people"]),
        rows,
    }
}

/// This period's headline estimates beside the earlier report's, with the
/// Welch test of the difference in mean change.
fn previous_period(content: &ReportContent) -> Table {
    let followup = content.panel.waves.followup_name();
    let mut rows = Vec::new();
    let earlier: Vec<&Estimate> = content
        .estimates
        .iter()
        .filter(|e| e.analysis == "previous_period" && e.group_by == super::previous::PERIOD)
        .collect();
    for before in &earlier {
        let now = content.estimates.iter().find(|e| {
            e.analysis != "previous_period"
                && e.outcome == before.outcome
                && e.estimate == before.estimate
                && e.contrast == before.contrast
                && (e.wave.is_empty() || e.wave == followup)
                && (e.group_by == "all" || e.contrast != Contrast::None)
                && match e.estimate {
                    Stat::PctImproved | Stat::PctDeteriorated => e.analysis == "reliable_change",
                    _ => true,
                }
        });
        let (what, decimals) = match before.estimate {
            Stat::NParticipants => ("people enrolled".to_string(), 0),
            Stat::NAttendedAny => ("people who attended at least once".to_string(), 0),
            Stat::SessionsTotal => ("sessions attended".to_string(), 0),
            Stat::PctEngaged => ("% who attended enough sessions to engage".to_string(), 1),
            Stat::PctImproved => ("% improved reliably".to_string(), 1),
            Stat::PctDeteriorated => ("% deteriorated reliably".to_string(), 1),
            Stat::AncovaDifference => (
                format!("{} ({})", stat_label(before.estimate), before.contrast),
                2,
            ),
            other => (stat_label(other), 2),
        };
        let test = (before.estimate == Stat::MeanChange)
            .then(|| {
                content.estimates.iter().find(|e| {
                    e.analysis == "previous_period"
                        && e.outcome == before.outcome
                        && e.estimate == Stat::WelchDifferenceChange
                })
            })
            .flatten();
        rows.push(vec![
            text(if before.outcome.is_empty() {
                "all"
            } else {
                &before.outcome
            }),
            text(&what),
            value(now, decimals),
            value(Some(before), decimals),
            test.map_or_else(|| Cell::Missing("–".into()), |t| value(Some(t), 2)),
            test.map_or_else(|| Cell::Missing("–".into()), |t| interval(Some(t), 2)),
            p_value(test.filter(|t| !t.suppressed), false),
        ]);
    }
    Table {
        name: "previous_period",
        title: "This period against the previous",
        header: header(&[
            "outcome",
            "estimate",
            "this period",
            "previous period",
            "difference",
            "95% CI",
            "p (Welch)",
        ]),
        rows,
    }
}

/// For whom: mean change per category of each moderator, with the
/// heterogeneity test and, with two groups, the interaction test on the
/// moderator's first line.
fn for_whom(content: &ReportContent) -> Table {
    let estimates = content.estimates;
    let mut rows = Vec::new();
    for outcome in &content.panel.outcomes {
        let id = outcome.outcome.id.as_str();
        let tests: Vec<&Estimate> = estimates
            .iter()
            .filter(|e| e.outcome == id && e.analysis == "moderators" && e.group_by == MODERATOR)
            .collect();
        let mut names: Vec<&str> = Vec::new();
        for e in estimates
            .iter()
            .filter(|e| e.outcome == id && e.analysis == "moderators" && e.group_by != MODERATOR)
        {
            if !names.contains(&e.group_by.as_str()) {
                names.push(&e.group_by);
            }
        }
        for name in names {
            let test = |stat: Stat| {
                tests
                    .iter()
                    .copied()
                    .find(|e| e.contrast.to_string() == name && e.estimate == stat)
            };
            for (k, e) in estimates
                .iter()
                .filter(|e| e.outcome == id && e.analysis == "moderators" && e.group_by == name)
                .enumerate()
            {
                let mut row = vec![
                    text(id),
                    text(name),
                    text(&e.group),
                    people(e),
                    value(Some(e), 2),
                    interval(Some(e), 2),
                ];
                for stat in [Stat::ModeratorF, Stat::GroupByModeratorF] {
                    let t = test(stat).filter(|_| k == 0);
                    row.push(match t {
                        Some(t) => value(Some(t), 2),
                        None => Cell::Missing("–".into()),
                    });
                    row.push(match t {
                        Some(t) => p_value(Some(t), true),
                        None => Cell::Missing("–".into()),
                    });
                }
                rows.push(row);
            }
        }
    }
    Table {
        name: "for_whom",
        title: "For whom: mean change by participant group, and whether it differs",
        header: header(&[
            "outcome",
            "moderator",
            "group",
            "people",
            "mean change",
            "95% CI",
            "F (differs after baseline)",
            "p (Holm)",
            "F (comparison differs)",
            "p (Holm)",
        ]),
        rows,
    }
}

/// Clustered delivery, per group: the clusters, their mean size, the ICC
/// of change and the design effect.
fn clustering(content: &ReportContent) -> Table {
    let rows = places(content.estimates, "clustering")
        .into_iter()
        .map(|place| {
            let first = place[0];
            vec![
                text(&first.outcome),
                text(&group_label(first)),
                value(get(&place, Stat::NClusters), 0),
                value(get(&place, Stat::MeanClusterSize), 1),
                value(get(&place, Stat::IccChange), 3),
                value(get(&place, Stat::DesignEffect), 2),
            ]
        })
        .collect();
    Table {
        name: "clustering",
        title: "Clustered delivery: how alike people served together were",
        header: header(&[
            "outcome",
            "group",
            "clusters",
            "mean people per cluster",
            "ICC of change",
            "design effect",
        ]),
        rows,
    }
}

/// `all`, or `column = level`.
fn group_label(e: &Estimate) -> String {
    if e.group_by == "all" {
        "everyone".into()
    } else {
        format!("{} = {}", e.group_by, e.group)
    }
}

/// The mean change and each comparison with cluster-robust (CR2)
/// intervals beside the ones that ignore the clusters.
fn clustered_estimates(content: &ReportContent) -> Table {
    let estimates = content.estimates;
    let mut rows = Vec::new();
    // The mean changes first, then the comparisons.
    let robust = |stats: &'static [Stat]| {
        estimates
            .iter()
            .filter(move |e| stats.contains(&e.estimate))
    };
    for e in robust(&[Stat::MeanChangeCr2])
        .chain(robust(&[
            Stat::AncovaDifferenceCr2,
            Stat::ChangeDifferenceCr2,
        ]))
        .chain(robust(&[Stat::AdjustedDifferenceCr2]))
        .chain(robust(&[Stat::SlopePerSessionCr2]))
    {
        let (ordinary, what) = match e.estimate {
            Stat::MeanChangeCr2 => (Stat::MeanChange, format!("mean change, {}", group_label(e))),
            Stat::AncovaDifferenceCr2 => (
                Stat::AncovaDifference,
                format!("{}, after baseline", e.contrast),
            ),
            Stat::AdjustedDifferenceCr2 => (
                Stat::AdjustedDifference,
                format!(
                    "{}, {}",
                    e.contrast,
                    Adjustment::from_analysis(e.analysis).map_or("adjusted", |a| a.label())
                ),
            ),
            Stat::SlopePerSessionCr2 => (
                Stat::SlopePerSessionHc3,
                format!("change per extra session, {}", group_label(e)),
            ),
            _ => (Stat::ChangeDifference, format!("{}, change", e.contrast)),
        };
        let plain = estimates.iter().find(|o| {
            o.outcome == e.outcome
                && o.analysis == e.analysis
                && o.group_by == e.group_by
                && o.group == e.group
                && o.wave == e.wave
                && o.contrast == e.contrast
                && o.estimate == ordinary
        });
        // A slope within a group that attended no sessions is undefined
        // both ways: a row of dashes says nothing.
        let undefined = |o: &Estimate| o.value.is_none() && !o.suppressed;
        if undefined(e) && plain.is_none_or(undefined) {
            continue;
        }
        rows.push(vec![
            text(&e.outcome),
            text(&what),
            value(Some(e), 2),
            interval(plain, 2),
            p_value(plain, false),
            interval(Some(e), 2),
            p_value(Some(e), false),
        ]);
    }
    Table {
        name: "clustered_estimates",
        title: "Change and comparisons allowing for clustered delivery (CR2 cluster-robust errors, Satterthwaite df)",
        header: header(&[
            "outcome",
            "estimate",
            "value",
            "95% CI ignoring clusters",
            "p ignoring clusters",
            "95% CI allowing for clusters",
            "p allowing for clusters",
        ]),
        rows,
    }
}

/// Every table, in the order of the analyses.
pub fn tables(content: &ReportContent) -> Vec<Table> {
    let estimates = content.estimates;
    let mut result = Vec::new();

    let mut flow = Vec::new();
    for outcome in &content.panel.outcomes {
        let id = outcome.outcome.id.as_str();
        for stage in super::flow::stages(content, id) {
            let people = match (stage.people, stage.row) {
                (Some(n), _) => Cell::Number(n as f64, 0),
                (None, Some(_)) => Cell::Missing(suppressed_text()),
                (None, None) => Cell::Missing("–".into()),
            };
            flow.push(vec![text(id), text(stage.name), people]);
        }
    }
    result.push(Table {
        name: "participant_flow",
        title: "Participant flow",
        header: header(&["outcome", "stage", "people"]),
        rows: flow,
    });

    let mut characteristics = Vec::new();
    for place in places(estimates, "baseline_characteristics") {
        let first = place[0];
        // A numeric column: its people answered, mean and SD.
        if first.contrast.to_string().is_empty() {
            characteristics.push(vec![
                text(&first.outcome),
                text(&first.group_by),
                text(&first.group),
                text("number"),
                value(get(&place, Stat::N), 0),
                Cell::Missing("–".into()),
                value(get(&place, Stat::Mean), 2),
                value(get(&place, Stat::Sd), 2),
            ]);
            continue;
        }
        characteristics.push(vec![
            text(&first.outcome),
            text(&first.group_by),
            text(&first.group),
            text(&first.contrast.to_string()),
            value(get(&place, Stat::NInCategory), 0),
            value(get(&place, Stat::PctInCategory), 1),
            Cell::Missing("–".into()),
            Cell::Missing("–".into()),
        ]);
    }
    let baseline_wave = content.panel.waves.baseline_name();
    for place in places(estimates, "descriptives") {
        let first = place[0];
        if first.wave != baseline_wave {
            continue;
        }
        characteristics.push(vec![
            text(&format!("{} at {baseline_wave}", first.outcome)),
            text(&first.group_by),
            text(&first.group),
            text("score"),
            value(get(&place, Stat::N), 0),
            Cell::Missing("–".into()),
            value(get(&place, Stat::Mean), 2),
            value(get(&place, Stat::Sd), 2),
        ]);
    }
    result.push(table1(content));

    result.push(Table {
        name: "baseline_characteristics",
        title: "Baseline characteristics, by group",
        header: header(&[
            "characteristic",
            "grouped by",
            "group",
            "category",
            "people",
            "%",
            "mean",
            "sd",
        ]),
        rows: characteristics,
    });

    result.push(Table {
        name: "change_by_group",
        title: "Change from baseline to follow-up (pairs), by group",
        header: header(&[
            "outcome",
            "grouped by",
            "group",
            "pairs",
            "mean baseline",
            "mean follow-up",
            "mean change",
            "95% CI",
            "p (paired t)",
            "p (Holm)",
            "Cohen's d_z",
            "d_z 95% CI",
            "size (Cohen 1988)",
            "Wilcoxon p",
            "% improved",
            "% worse",
        ]),
        rows: places(estimates, "change")
            .iter()
            .map(|place| {
                let mut row = group_cells(place[0]);
                row.extend([
                    value(get(place, Stat::NPairs), 0),
                    value(get(place, Stat::MeanBaseline), 2),
                    value(get(place, Stat::MeanFollowup), 2),
                    value(get(place, Stat::MeanChange), 2),
                    interval(get(place, Stat::MeanChange), 2),
                    p_value(get(place, Stat::MeanChange), false),
                    p_value(get(place, Stat::MeanChange), true),
                    value(get(place, Stat::CohensDz), 2),
                    interval(get(place, Stat::CohensDz), 2),
                    size_label(get(place, Stat::CohensDz)),
                    p_value(get(place, Stat::WilcoxonV), false),
                    value(get(place, Stat::PctImproved), 1),
                    value(get(place, Stat::PctWorsened), 1),
                ]);
                row
            })
            .collect(),
    });

    result.push(Table {
        name: "effect_sizes",
        title: "Standardised effects of change (pairs), by group",
        header: header(&[
            "outcome",
            "grouped by",
            "group",
            "pairs",
            "effect",
            "value",
            "95% CI",
            "size (Cohen 1988)",
        ]),
        rows: places(estimates, "change")
            .iter()
            .flat_map(|place| {
                let pairs = get(place, Stat::NPairs);
                [
                    (Stat::CohensDz, "Cohen's d_z (change / SD of change)"),
                    (Stat::HedgesGz, "Hedges' g_z"),
                    (Stat::DAv, "d_av (change / average SD)"),
                    (Stat::GAv, "Hedges' g_av"),
                    (Stat::DRm, "d_rm (repeated measures, Lakens 2013)"),
                    (Stat::RankBiserial, "rank-biserial r"),
                ]
                .into_iter()
                .filter_map(move |(stat, label)| {
                    let e = get(place, stat)?;
                    let mut row = group_cells(place[0]);
                    row.push(value(pairs, 0));
                    row.push(text(label));
                    row.push(value(Some(e), 2));
                    row.push(interval(Some(e), 2));
                    // Cohen's conventions are for standardised mean
                    // differences, not for a correlation.
                    row.push(if stat == Stat::RankBiserial {
                        Cell::Missing("–".into())
                    } else {
                        size_label(Some(e))
                    });
                    Some(row)
                })
            })
            .collect(),
    });

    result.push(Table {
        name: "reliable_change",
        title: "Reliable change (Jacobson–Truax)",
        header: header(&[
            "outcome",
            "grouped by",
            "group",
            "threshold",
            "improved",
            "no change",
            "deteriorated",
            "% improved",
            "% no change",
            "% deteriorated",
        ]),
        rows: places(estimates, "reliable_change")
            .iter()
            .map(|place| {
                let mut row = group_cells(place[0]);
                row.push(value(get(place, Stat::RcThreshold), 2));
                for name in [
                    Stat::NImproved,
                    Stat::NNoChange,
                    Stat::NDeteriorated,
                    Stat::PctImproved,
                    Stat::PctNoChange,
                    Stat::PctDeteriorated,
                ] {
                    let digits = match name.kind() {
                        Kind::Percentage { .. } => 1,
                        _ => 0,
                    };
                    row.push(value(get(place, name), digits));
                }
                row
            })
            .collect(),
    });

    result.push(Table {
        name: "meaningful_change",
        title: "Meaningful change by every approach (counts of people; percentages with Wilson 95% CI)",
        header: header(&[
            "outcome",
            "grouped by",
            "group",
            "approach",
            "pairs",
            "recovered",
            "improved",
            "no change",
            "deteriorated",
            "harmed",
            "% improved",
            "% improved 95% CI",
            "% deteriorated",
            "% deteriorated 95% CI",
        ]),
        rows: places(estimates, "clinical_significance")
            .iter()
            .filter_map(|place| {
                let Contrast::Method(classification) = &place[0].contrast else {
                    return None;
                };
                let improved = get(place, Stat::NImproved)?;
                let mut row = group_cells(place[0]);
                row.push(text(&classification_label(classification)));
                row.push(people(improved));
                for name in [
                    Stat::NReliablyRecovered,
                    Stat::NImproved,
                    Stat::NNoChange,
                    Stat::NDeteriorated,
                    Stat::NHarmed,
                ] {
                    row.push(value(get(place, name), 0));
                }
                for name in [Stat::PctImproved, Stat::PctDeteriorated] {
                    row.push(value(get(place, name), 1));
                    row.push(interval(get(place, name), 1));
                }
                Some(row)
            })
            .collect(),
    });

    result.push(Table {
        name: "caseness",
        title: "Cases before and after (a score at or past the instrument's cut-off, given in the methods)",
        header: header(&[
            "outcome",
            "grouped by",
            "group",
            "cases at baseline",
            "% at baseline",
            "cases at follow-up",
            "% at follow-up",
            "recovered",
            "new cases",
            "McNemar exact p",
        ]),
        rows: places(estimates, "caseness")
            .iter()
            .map(|place| {
                let mut row = group_cells(place[0]);
                row.extend([
                    value(get(place, Stat::NCasesBaseline), 0),
                    value(get(place, Stat::PctCasesBaseline), 1),
                    value(get(place, Stat::NCasesFollowup), 0),
                    value(get(place, Stat::PctCasesFollowup), 1),
                    value(get(place, Stat::NRecovered), 0),
                    value(get(place, Stat::NNewCases), 0),
                    p_value(get(place, Stat::McnemarExact), false),
                ]);
                row
            })
            .collect(),
    });

    result.push(Table {
        name: "participation",
        title: "Participation: sessions attended",
        header: header(&[
            "grouped by",
            "group",
            "participants",
            "mean sessions",
            "median",
            "q1",
            "q3",
            "mean group sessions",
            "% engaged",
            "activity participants",
            "activity sessions",
        ]),
        rows: places(estimates, "participation")
            .iter()
            .filter(|place| place[0].contrast == Contrast::None)
            .map(|place| {
                vec![
                    text(&place[0].group_by),
                    text(&place[0].group),
                    value(get(place, Stat::NParticipants), 0),
                    value(get(place, Stat::SessionsMean), 1),
                    value(get(place, Stat::SessionsMedian), 1),
                    value(get(place, Stat::SessionsQ1), 1),
                    value(get(place, Stat::SessionsQ3), 1),
                    value(get(place, Stat::GroupSessionsMean), 1),
                    value(get(place, Stat::PctEngaged), 1),
                    value(get(place, Stat::ActivityParticipants), 0),
                    value(get(place, Stat::ActivitySessions), 0),
                ]
            })
            .collect(),
    });

    result.push(Table {
        name: "dose_response",
        title: "Dose-response: change by sessions attended",
        header: header(&[
            "outcome",
            "grouped by",
            "group",
            "estimate",
            "value",
            "95% CI",
            "se",
            "p",
            "p (Holm)",
            "n",
        ]),
        rows: estimates
            .iter()
            .filter(|e| e.analysis == "dose_response")
            .map(|e| {
                vec![
                    text(&e.outcome),
                    text(&e.group_by),
                    text(&e.group),
                    text(&stat_label(e.estimate)),
                    value(Some(e), 3),
                    interval(Some(e), 3),
                    e.se.map_or(Cell::Missing("–".into()), |se| Cell::Number(se, 3)),
                    p_value(Some(e), false),
                    p_value(Some(e), true),
                    people(e),
                ]
            })
            .collect(),
    });

    result.push(for_whom(content));
    result.push(costs(content));
    if content.previous.is_some() {
        result.push(previous_period(content));
    }
    result.push(adjusted_comparison(content));
    result.push(clustering(content));
    result.push(clustered_estimates(content));
    result.push(balance(content));
    result.push(Table {
        name: "comparisons",
        title: "Comparisons between cohorts, sites and arms",
        header: ["outcome", "grouped by", "contrast", "estimate"]
            .into_iter()
            .chain(INFERENCE_HEADER)
            .map(String::from)
            .collect(),
        rows: estimates
            .iter()
            .filter(|e| e.analysis == "comparison")
            .map(|e| {
                vec![
                    text(&e.outcome),
                    text(&e.group_by),
                    text(&if e.contrast == Contrast::None {
                        "all levels".to_string()
                    } else {
                        e.contrast.to_string()
                    }),
                    text(&stat_label(e.estimate)),
                ]
                .into_iter()
                .chain(inference(e, 3))
                .collect()
            })
            .collect(),
    });

    result.push(Table {
        name: "reliability",
        title: "Internal consistency at baseline (Cronbach's alpha, Feldt 95% CI)",
        header: header(&[
            "outcome",
            "grouped by",
            "group",
            "alpha",
            "95% CI",
            "people with every item",
            "how",
        ]),
        rows: estimates
            .iter()
            .filter(|e| e.estimate == Stat::CronbachAlpha)
            .map(|e| {
                let mut row = group_cells(e);
                row.extend([
                    value(Some(e), 2),
                    interval(Some(e), 2),
                    people(e),
                    text(&e.method),
                ]);
                row
            })
            .collect(),
    });

    result.push(Table {
        name: "attrition",
        title: "Attrition: who answered the follow-up",
        header: header(&[
            "outcome",
            "grouped by",
            "group",
            "completers",
            "non-completers",
            "% completed",
            "baseline difference (non-completers − completers)",
            "95% CI",
            "p",
        ]),
        rows: places(estimates, "attrition")
            .iter()
            .map(|place| {
                let mut row = group_cells(place[0]);
                row.extend([
                    value(get(place, Stat::NCompleters), 0),
                    value(get(place, Stat::NNonCompleters), 0),
                    value(get(place, Stat::PctCompleted), 1),
                    value(get(place, Stat::BaselineDifference), 2),
                    interval(get(place, Stat::BaselineDifference), 2),
                    p_value(get(place, Stat::BaselineDifference), false),
                ]);
                row
            })
            .collect(),
    });

    // The mixed model runs only with three or more waves; without it the
    // two tables are left out rather than written empty.
    let mut longitudinal = Vec::new();
    longitudinal.push(Table {
        name: "longitudinal",
        title: "Over all waves: mixed model (estimated means, change from baseline, arm by wave)",
        header: [
            "outcome",
            "grouped by",
            "group",
            "wave",
            "contrast",
            "estimate",
        ]
        .into_iter()
        .chain(INFERENCE_HEADER)
        .map(String::from)
        .collect(),
        rows: estimates
            .iter()
            .filter(|e| e.analysis == "longitudinal")
            .map(|e| {
                vec![
                    text(&e.outcome),
                    text(&e.group_by),
                    text(&e.group),
                    text(&e.wave),
                    text(&e.contrast.to_string()),
                    text(&stat_label(e.estimate)),
                ]
                .into_iter()
                .chain(inference(e, 2))
                .collect()
            })
            .collect(),
    });

    // Completers only against everyone available, per group with a mixed
    // model at the follow-up.
    let followup = content.panel.waves.followup_name();
    let sensitivity_rows: Vec<Vec<Cell>> = estimates
        .iter()
        .filter(|e| e.estimate == Stat::WaveEffect && e.wave == followup)
        .map(|mixed| {
            let find = |analysis: &str, estimate: Stat| {
                estimates.iter().find(|e| {
                    e.outcome == mixed.outcome
                        && e.analysis == analysis
                        && e.group_by == mixed.group_by
                        && e.group == mixed.group
                        && e.wave == followup
                        && e.estimate == estimate
                })
            };
            let completers = find("change", Stat::MeanChange);
            let mut row = group_cells(mixed);
            row.extend([
                value(completers, 2),
                interval(completers, 2),
                find("change", Stat::NPairs).map_or(Cell::Missing("–".into()), people),
                value(Some(mixed), 2),
                interval(Some(mixed), 2),
                people(mixed),
                value(find("attrition", Stat::PctCompleted), 1),
                value(find("attrition", Stat::BaselineDifference), 2),
            ]);
            row
        })
        .collect();
    longitudinal.push(Table {
        name: "longitudinal_sensitivity",
        title: "Sensitivity: completers only against everyone available (mixed model)",
        header: header(&[
            "outcome",
            "grouped by",
            "group",
            "completers: mean change",
            "95% CI",
            "completers",
            "everyone: mixed-model change",
            "95% CI",
            "people",
            "% completed",
            "baseline difference (non-completers − completers)",
        ]),
        rows: sensitivity_rows,
    });
    result.extend(
        longitudinal
            .into_iter()
            .filter(|table| !table.rows.is_empty()),
    );

    let banded = |analysis: &str, estimate: Stat| -> Vec<&Estimate> {
        estimates
            .iter()
            .filter(|e| e.analysis == analysis && e.estimate == estimate)
            .collect()
    };
    let mut bands = Vec::new();
    for (analysis, estimate, what) in [
        ("distribution", Stat::NAtScore, "score"),
        ("distribution", Stat::NWithChange, "change"),
        (
            "distribution",
            Stat::NAtBaselineAndFollowup,
            "baseline -> follow-up",
        ),
        ("participation", Stat::NWithSessions, "sessions attended"),
    ] {
        for e in banded(analysis, estimate) {
            bands.push(vec![
                text(if e.outcome.is_empty() {
                    "-"
                } else {
                    &e.outcome
                }),
                text(what),
                text(&e.group_by),
                text(&e.group),
                text(&e.wave),
                text(&e.contrast.to_string()),
                value(Some(e), 0),
                people(e),
            ]);
        }
    }
    result.push(Table {
        name: "distributions",
        title: "People per band (the data of the distribution charts)",
        header: header(&[
            "outcome",
            "of",
            "grouped by",
            "group",
            "wave",
            "band",
            "people",
            "of n",
        ]),
        rows: bands,
    });
    result.push(Table {
        name: "attendance_by_week",
        title: "Attended sessions per week since enrolment, by activity",
        header: header(&["activity", "week", "attended sessions", "attendees"]),
        rows: banded("participation", Stat::SessionsInWeek)
            .into_iter()
            .map(|e| {
                vec![
                    text(&e.group),
                    text(&e.contrast.to_string()),
                    value(Some(e), 0),
                    people(e),
                ]
            })
            .collect(),
    });

    result.push(Table {
        name: "data_quality",
        title: "Data quality: rows read, kept and excluded",
        header: header(&["table", "check", "rows"]),
        rows: content
            .account
            .tables
            .iter()
            .flat_map(|a| {
                let mut rows = vec![
                    vec![text(a.table), text("read"), Cell::Number(a.read as f64, 0)],
                    vec![text(a.table), text("kept"), Cell::Number(a.kept as f64, 0)],
                ];
                rows.extend(a.excluded_by_reason.iter().map(|(reason, count)| {
                    vec![
                        text(a.table),
                        Cell::Text(format!("excluded: {reason}")),
                        Cell::Number(*count as f64, 0),
                    ]
                }));
                rows
            })
            .collect(),
    });
    // The names readers see, where the user gave them.
    for table in &mut result {
        content.settings.labels.relabel(table);
    }
    result
}

pub(crate) fn cell_text(cell: &Cell) -> String {
    match cell {
        Cell::Text(t) | Cell::Missing(t) => t.clone(),
        Cell::Number(v, decimals) => rounded(Some(*v), *decimals),
        Cell::Interval(low, high, decimals) => format!(
            "{} to {}",
            rounded(Some(*low), *decimals),
            rounded(Some(*high), *decimals)
        ),
    }
}

/// The table as a spreadsheet holds it: each interval column as two
/// columns of numbers ("95% CI low", "95% CI high"), so that numbers stay
/// numbers and no cell starts a formula.
fn spread(table: &Table) -> (Vec<String>, Vec<Vec<Cell>>) {
    let is_interval: Vec<bool> = (0..table.header.len())
        .map(|c| {
            table
                .rows
                .iter()
                .any(|row| matches!(row.get(c), Some(Cell::Interval(..))))
        })
        .collect();
    let mut header = Vec::new();
    for (name, interval) in table.header.iter().zip(&is_interval) {
        if *interval {
            header.push(format!("{name} low"));
            header.push(format!("{name} high"));
        } else {
            header.push(name.to_string());
        }
    }
    let rows = table
        .rows
        .iter()
        .map(|row| {
            let mut cells = Vec::with_capacity(header.len());
            for (c, cell) in row.iter().enumerate() {
                match cell {
                    Cell::Interval(low, high, d) => {
                        cells.push(Cell::Number(*low, *d));
                        cells.push(Cell::Number(*high, *d));
                    }
                    other if is_interval.get(c) == Some(&true) => {
                        cells.push(other.clone());
                        cells.push(other.clone());
                    }
                    other => cells.push(other.clone()),
                }
            }
            cells
        })
        .collect();
    (header, rows)
}

/// The table as CSV for people: numbers rounded as people read them,
/// intervals as two columns, and text cells that a spreadsheet would run
/// as formulas neutralised.
pub(crate) fn to_csv(table: &Table) -> String {
    let (header, rows) = spread(table);
    let mut out = header
        .iter()
        .map(|h| csv_field(h))
        .collect::<Vec<_>>()
        .join(",");
    out.push('\n');
    for row in &rows {
        out.push_str(
            &row.iter()
                .map(|c| match c {
                    Cell::Text(t) => csv_field(&spreadsheet_text(t)),
                    other => csv_field(&cell_text(other)),
                })
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push('\n');
    }
    out
}

/// Writes `tables/NAME.csv` for every table and, with `excel`,
/// `tables.xlsx` with one sheet each.
pub fn write(dir: &Path, tables: &[Table], excel: bool) -> Result<()> {
    let folder = dir.join("tables");
    // Not create_dir_all: an interrupted run's removed staging folder must
    // not come back.
    std::fs::create_dir(&folder)
        .map_err(|e| Error::io("creating the tables folder", &folder, e))?;
    for table in tables {
        super::write_file(&folder.join(format!("{}.csv", table.name)), to_csv(table))?;
    }
    if !excel {
        return Ok(());
    }
    let path = dir.join("tables.xlsx");
    let xlsx_error = |e: rust_xlsxwriter::XlsxError| Error::Write {
        path: path.clone(),
        message: e.to_string(),
    };
    let mut workbook = Workbook::new();
    // A fixed creation date: reports carry no clock outside the manifest's
    // timings, so the same data give a byte-identical workbook.
    let fixed = rust_xlsxwriter::ExcelDateTime::from_ymd(2000, 1, 1).map_err(xlsx_error)?;
    workbook.set_properties(&rust_xlsxwriter::DocProperties::new().set_creation_datetime(&fixed));
    let header = Format::new()
        .set_bold()
        .set_background_color("#DDE6F0")
        .set_border_bottom(rust_xlsxwriter::FormatBorder::Thin);
    let formats: Vec<Format> = (0..5)
        .map(|d| {
            let pattern = if d == 0 {
                "0".to_string()
            } else {
                format!("0.{}", "0".repeat(d))
            };
            Format::new().set_num_format(pattern)
        })
        .collect();
    for table in tables {
        let sheet = workbook.add_worksheet();
        sheet.set_name(table.name).map_err(xlsx_error)?;
        let (names, rows) = spread(table);
        for (column, name) in names.iter().enumerate() {
            sheet
                .write_string_with_format(0, column as u16, name, &header)
                .map_err(xlsx_error)?;
            sheet
                .set_column_width(column as u16, (name.len().max(10) + 2) as f64)
                .map_err(xlsx_error)?;
        }
        sheet.set_freeze_panes(1, 0).map_err(xlsx_error)?;
        for (r, row) in rows.iter().enumerate() {
            let r = (r + 1) as u32;
            for (c, cell) in row.iter().enumerate() {
                let c = c as u16;
                match cell {
                    // Strings are never run as formulas in a workbook.
                    Cell::Text(t) => sheet.write_string(r, c, visible(t)).map(|_| ()),
                    Cell::Missing(t) => sheet.write_string(r, c, t).map(|_| ()),
                    Cell::Number(v, d) => sheet
                        .write_number_with_format(r, c, *v, &formats[(*d).min(4)])
                        .map(|_| ()),
                    // `spread` made every interval two numbers.
                    Cell::Interval(..) => sheet.write_string(r, c, cell_text(cell)).map(|_| ()),
                }
                .map_err(xlsx_error)?;
            }
        }
    }
    workbook.save(&path).map_err(xlsx_error)
}

/// The table as a Markdown pipe table.
pub(crate) fn to_markdown(table: &Table) -> String {
    let mut out = format!("| {} |\n", table.header.join(" | "));
    out.push_str(&format!("|{}\n", "---|".repeat(table.header.len())));
    for row in &table.rows {
        let cells: Vec<String> = row.iter().map(|c| markdown_text(&cell_text(c))).collect();
        out.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_tables_are_cut_into_pieces_that_repeat_what_a_row_is() {
        let table = Table {
            name: "wide",
            title: "Wide",
            header: (0..12).map(|c| format!("c{c}")).collect(),
            rows: vec![[text("ucla3"), text("site")]
                .into_iter()
                .chain((2..12).map(|c| Cell::Number(c as f64, 0)))
                .collect()],
        };
        let pieces = table.split_columns(7);
        assert_eq!(pieces.len(), 2);
        assert_eq!(pieces[0].header, ["c0", "c1", "c2", "c3", "c4", "c5", "c6"]);
        assert_eq!(
            pieces[1].header,
            ["c0", "c1", "c7", "c8", "c9", "c10", "c11"]
        );
        assert_eq!(pieces[1].rows[0][2], Cell::Number(7.0, 0));
        assert!(pieces.iter().all(|p| p.header.len() <= 7));
        assert_eq!(pieces[0].split_columns(7), vec![pieces[0].clone()]);
        // Two keys and six values make two pieces of three, not five and one.
        let narrower = Table {
            header: table.header[..8].to_vec(),
            rows: vec![table.rows[0][..8].to_vec()],
            ..table.clone()
        };
        let widths: Vec<usize> = narrower
            .split_columns(7)
            .iter()
            .map(|p| p.header.len())
            .collect();
        assert_eq!(widths, [5, 5]);
    }

    #[test]
    fn tables_split_by_grouping_and_say_where_once() {
        let row = |by: &str, group: &str, n: f64| {
            vec![text("ucla3"), text(by), text(group), Cell::Number(n, 0)]
        };
        let table = Table {
            name: "reliable_change",
            title: "Reliable change",
            header: header(&["outcome", "grouped by", "group", "improved"]),
            rows: vec![
                row("all", "all", 42.0),
                row("site", "Eastfield", 12.0),
                row("site", "Northgate", 15.0),
            ],
        };
        let parts = table.by_grouping();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].0.as_deref(), Some("everyone"));
        assert_eq!(parts[0].1.header, header(&["improved"]));
        assert_eq!(parts[1].0.as_deref(), Some("by site"));
        assert_eq!(parts[1].1.header, header(&["group", "improved"]));
        assert_eq!(parts[1].1.rows.len(), 2);
        // The counts stay a column of numbers.
        assert_eq!(parts[1].1.text_columns(), vec![true, false]);
        // One grouping: the table whole.
        let whole = Table {
            rows: table.rows[1..].to_vec(),
            ..table.clone()
        };
        assert_eq!(whole.by_grouping(), vec![(None, whole.clone())]);
    }
}
