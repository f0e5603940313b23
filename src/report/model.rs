//! The report model: everything a reader sees, built once from the
//! estimates, the data-quality account and the panel's shape. index.html,
//! report.md and tables.xlsx serialise it; they choose what to show and
//! how to mark it up, and compute nothing.

use super::charts::Figure;
use super::format::{
    group_phrase, p_text, people_text, rounded, suppressed_text, withheld_note, WITHHELD,
};
use super::story::Story;
use super::tables::Table;
use super::ReportContent;
use crate::estimate::{Estimate, Stat};
use std::collections::BTreeMap;

/// One section of the report, in [`super::SECTIONS`] order.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Section {
    pub id: &'static str,
    pub title: &'static str,
    /// The names of the tables it shows.
    pub tables: &'static [&'static str],
}

/// One group's change from baseline to follow-up, as the page's change
/// table shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct ChangeRow {
    pub group_by: String,
    pub group: String,
    /// The group in one phrase (`format::group_phrase`).
    pub label: String,
    pub n: String,
    pub mean_baseline: String,
    pub mean_followup: String,
    pub mean_change: String,
    pub p: String,
    pub p_adjusted: String,
    pub dz: String,
    pub improved: String,
    pub worsened: String,
}

/// The change rows of one outcome.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct OutcomeChange {
    pub id: String,
    pub rows: Vec<ChangeRow>,
    /// The footnote of the markers of withheld cells the rows show.
    pub note: Option<String>,
}

/// One line of the data-quality account: table, what, rows.
pub(crate) type QualityLine = (String, String, usize);

/// The report as readers see it.
pub(crate) struct ReportModel {
    /// What the report is called and what it covers (`[report]`).
    pub heading: Heading,
    /// Participants read (kept), before any analysis.
    pub participants: usize,
    /// Every wave in order, and which are the baseline and the follow-up.
    pub waves: crate::waves::WaveOrder,
    pub story: Story,
    pub change: Vec<OutcomeChange>,
    pub sections: Vec<Section>,
    pub tables: Vec<Table>,
    pub figures: Vec<Figure>,
    pub quality: Vec<QualityLine>,
    /// The smallest count published, which the tables' footnotes name.
    pub min_cell: usize,
    /// How the open counts were protected, which the footnotes say too.
    pub disclosure: crate::disclosure::Method,
}

/// The report's title and its line of programme, organisation and period.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct Heading {
    pub title: String,
    pub subtitle: Option<String>,
    /// Programme, organisation and period, each on its own line of a
    /// title page.
    pub lines: Vec<String>,
    /// A PNG for the title page.
    pub logo: Option<std::path::PathBuf>,
}

impl ReportModel {
    /// Builds the model; `figures` are the charts already drawn.
    pub fn build(content: &ReportContent, tables: Vec<Table>, figures: Vec<Figure>) -> Self {
        ReportModel {
            heading: Heading {
                title: content.settings.report.title().to_string(),
                subtitle: content.settings.report.subtitle(),
                lines: content.settings.report.lines(),
                logo: content.settings.report_logo.clone(),
            },
            participants: content.panel.participant_id.len(),
            waves: content.panel.waves.clone(),
            story: super::story::story(content),
            change: change_rows(content),
            sections: super::SECTIONS
                .iter()
                .map(|(id, title, tables)| Section { id, title, tables })
                .collect(),
            tables,
            figures,
            quality: quality_lines(content),
            min_cell: content.settings.min_cell,
            disclosure: content.settings.disclosure,
        }
    }

    /// The charts of a section, in drawing order.
    pub(crate) fn figures_of<'a>(
        &'a self,
        section: &Section,
    ) -> impl Iterator<Item = &'a Figure> + 'a {
        let id = section.id;
        self.figures.iter().filter(move |f| f.section == id)
    }

    /// The tables of a section that have rows, in table order.
    pub(crate) fn tables_of<'a>(
        &'a self,
        section: &Section,
    ) -> impl Iterator<Item = &'a Table> + 'a {
        let names = section.tables;
        self.tables
            .iter()
            .filter(move |t| names.contains(&t.name) && !t.rows.is_empty())
    }

    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.name == name)
    }
}

/// `value (low to high)`, the value alone without an interval, or `–`.
fn interval(row: Option<&Estimate>, decimals: usize) -> String {
    match row {
        Some(e) if e.value.is_some() => match (e.ci_low, e.ci_high) {
            (Some(lo), Some(hi)) => format!(
                "{} ({} to {})",
                rounded(e.value, decimals),
                rounded(Some(lo), decimals),
                rounded(Some(hi), decimals)
            ),
            _ => rounded(e.value, decimals),
        },
        _ => "–".into(),
    }
}

/// Per outcome, the `change` rows of each group in first-seen order.
fn change_rows(content: &ReportContent) -> Vec<OutcomeChange> {
    let mut by_cell: BTreeMap<(&str, usize), BTreeMap<Stat, &Estimate>> = BTreeMap::new();
    let mut cell_order: Vec<(&str, &str, &str)> = Vec::new();
    for e in content.estimates.iter().filter(|e| e.analysis == "change") {
        let key = (e.outcome.as_str(), e.group_by.as_str(), e.group.as_str());
        let index = match cell_order.iter().position(|k| *k == key) {
            Some(i) => i,
            None => {
                cell_order.push(key);
                cell_order.len() - 1
            }
        };
        by_cell
            .entry((e.outcome.as_str(), index))
            .or_default()
            .insert(e.estimate, e);
    }
    let min_cell = content.settings.min_cell;
    content
        .panel
        .outcomes
        .iter()
        .map(|outcome| {
            let id = outcome.outcome.id.as_str();
            let rows = by_cell
                .iter()
                .filter(|((outcome, _), _)| *outcome == id)
                .map(|((_, index), cell)| {
                    let (_, group_by, group) = cell_order[*index];
                    let get = |name: Stat| cell.get(&name).copied();
                    // A withheld number reads as its marker, never as a
                    // "–" that would pass for "not applicable".
                    let shown = |name: Stat, show: &dyn Fn(&Estimate) -> String| match get(name) {
                        Some(e) if e.suppressed => suppressed_text(),
                        Some(e) => show(e),
                        None => "–".into(),
                    };
                    let percent = |e: &Estimate| {
                        e.value
                            .map(|v| format!("{v:.0}%"))
                            .unwrap_or_else(|| "–".into())
                    };
                    ChangeRow {
                        group_by: group_by.to_string(),
                        group: group.to_string(),
                        label: group_phrase(group_by, group),
                        n: get(Stat::NPairs).map(people_text).unwrap_or_default(),
                        mean_baseline: shown(Stat::MeanBaseline, &|e| rounded(e.value, 2)),
                        mean_followup: shown(Stat::MeanFollowup, &|e| rounded(e.value, 2)),
                        mean_change: shown(Stat::MeanChange, &|e| interval(Some(e), 2)),
                        p: shown(Stat::MeanChange, &|e| p_text(e.p_value)),
                        p_adjusted: shown(Stat::MeanChange, &|e| p_text(e.p_adjusted)),
                        dz: shown(Stat::CohensDz, &|e| interval(Some(e), 2)),
                        improved: shown(Stat::PctImproved, &percent),
                        worsened: shown(Stat::PctWorsened, &percent),
                    }
                })
                .collect::<Vec<ChangeRow>>();
            let cells = || {
                rows.iter().flat_map(|r| {
                    [
                        &r.n,
                        &r.mean_baseline,
                        &r.mean_followup,
                        &r.mean_change,
                        &r.p,
                        &r.p_adjusted,
                        &r.dz,
                        &r.improved,
                        &r.worsened,
                    ]
                })
            };
            let mut notes = Vec::new();
            if cells().any(|c| c == WITHHELD) {
                notes.push(withheld_note(min_cell));
            }
            OutcomeChange {
                id: id.to_string(),
                rows,
                note: (!notes.is_empty()).then(|| notes.join(" ")),
            }
        })
        .collect()
}

fn quality_lines(content: &ReportContent) -> Vec<QualityLine> {
    content
        .account
        .tables
        .iter()
        .flat_map(|a| {
            let mut lines = vec![
                (a.table.to_string(), "read".to_string(), a.read),
                (a.table.to_string(), "kept".to_string(), a.kept),
            ];
            lines.extend(a.excluded_by_reason.iter().map(|(reason, count)| {
                (a.table.to_string(), format!("excluded: {reason}"), *count)
            }));
            lines
        })
        .collect()
}
