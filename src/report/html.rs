//! `index.html`: a self-contained page (inline CSS, no network) with the
//! change table, built from `Estimate` rows only.

use super::format::{p_text, rounded};
use super::ReportContent;
use crate::error::{Error, Result};
use crate::estimate::{Estimate, Stat};
use minijinja::{context, Environment};
use std::collections::BTreeMap;

const TEMPLATE: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>belong report</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 64rem; color: #1b1b1b; line-height: 1.45; padding: 0 1rem; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.25rem; margin-top: 2rem; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; margin: 0.5rem 0 1.5rem; }
th, td { border-bottom: 1px solid #ddd; padding: 0.3rem 0.5rem; text-align: right; }
th:first-child, td:first-child, th:nth-child(2), td:nth-child(2) { text-align: left; }
thead th { border-bottom: 2px solid #333; }
.note { color: #555; font-size: 0.9rem; }
figure { margin: 1rem 0; break-inside: avoid; page-break-inside: avoid; }
figure svg { max-width: 100%; height: auto; }
figcaption { color: #555; font-size: 0.9rem; }
h3 { font-size: 1.05rem; margin-top: 1.5rem; }
.wide { overflow-x: auto; }
@media print {
  body { margin: 0; max-width: none; font-size: 10pt; }
  h2 { break-before: page; page-break-before: always; }
  h2.first, h2.keep { break-before: auto; page-break-before: auto; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  tr, figure { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  .wide { overflow: visible; }
}
</style>
</head>
<body>
<h1>Evaluation report</h1>
<p class="note">{{ participants }} participants; waves {{ waves }}. Change is {{ followup }} minus {{ baseline }} among people who answered both; for loneliness scales a negative change is an improvement.</p>
<h2 class="first">Summary</h2>
<ul>{% for line in story.summary %}<li>{{ line }}</li>{% endfor %}</ul>
{% for section in sections %}
<section id="{{ section.id }}">
<h2>{{ section.title }}</h2>
{% if section.id == "change" %}{% for outcome in outcomes %}
<h3>Change in {{ outcome.id }}</h3>
<div class="wide"><table>
<thead><tr><th>Grouped by</th><th>Group</th><th>Pairs</th><th>Mean {{ baseline }}</th><th>Mean {{ followup }}</th><th>Mean change (95% CI)</th><th>p (paired t)</th><th>p (Holm)</th><th>Cohen's d<sub>z</sub> (95% CI)</th><th>Improved</th></tr></thead>
<tbody>
{% for row in outcome.rows %}<tr><td>{{ row.group_by }}</td><td>{{ row.group }}</td><td>{{ row.n }}</td><td>{{ row.mean_baseline }}</td><td>{{ row.mean_followup }}</td><td>{{ row.mean_change }}</td><td>{{ row.p }}</td><td>{{ row.p_adjusted }}</td><td>{{ row.dz }}</td><td>{{ row.improved }}</td></tr>
{% endfor %}</tbody>
</table></div>
{% endfor %}{% endif %}
{% for figure in section.figures %}<figure>{{ figure.svg|safe }}<figcaption>{{ figure.title }} (charts/{{ figure.name }}.svg, .png)</figcaption></figure>
{% endfor %}
{% for table in section.tables %}<h3>{{ table.title }}</h3>{% if table.note %}<p class="note">{{ table.note }}</p>{% endif %}
<div class="wide"><table>
<thead><tr>{% for name in table.header %}<th>{{ name }}</th>{% endfor %}</tr></thead>
<tbody>
{% for row in table.rows %}<tr>{% for cell in row %}<td>{{ cell }}</td>{% endfor %}</tr>
{% endfor %}</tbody>
</table></div>
{% endfor %}
</section>
{% endfor %}
<h2>Methods</h2>
<ul>{% for line in story.methods %}<li>{{ line }}</li>{% endfor %}</ul>
<h2>Limitations</h2>
<ul>{% for line in story.limitations %}<li>{{ line }}</li>{% endfor %}</ul>
<h2>Data quality</h2>
<table>
<thead><tr><th>Table</th><th>Check</th><th>Rows</th></tr></thead>
<tbody>
{% for row in quality %}<tr><td>{{ row.0 }}</td><td>{{ row.1 }}</td><td>{{ row.2 }}</td></tr>
{% endfor %}</tbody>
</table>
<p class="note">Produced by belong {{ version }}. Every number here is a row of estimates.csv.</p>
</body>
</html>
"#;

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

/// `figures` are the charts, inlined as SVG in their sections.
pub fn render(
    content: &ReportContent,
    figures: &[super::charts::Figure],
    tables: &[super::tables::Table],
) -> Result<String> {
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
    let outcome_ids: Vec<&str> = content
        .panel
        .outcomes
        .iter()
        .map(|o| o.outcome.id.as_str())
        .collect();
    let outcomes: Vec<minijinja::Value> = outcome_ids
        .iter()
        .map(|id| {
            let rows: Vec<minijinja::Value> = by_cell
                .iter()
                .filter(|((outcome, _), _)| outcome == id)
                .map(|((_, index), cell)| {
                    let (_, group_by, group) = cell_order[*index];
                    let get = |name: Stat| cell.get(&name).copied();
                    context! {
                        group_by => group_by,
                        group => group,
                        n => get(Stat::NPairs).map(|e| super::format::people_text(e, content.settings.min_cell)).unwrap_or_default(),
                        mean_baseline => rounded(get(Stat::MeanBaseline).and_then(|e| e.value), 2),
                        mean_followup => rounded(get(Stat::MeanFollowup).and_then(|e| e.value), 2),
                        mean_change => interval(get(Stat::MeanChange), 2),
                        p => p_text(get(Stat::MeanChange).and_then(|e| e.p_value)),
                        p_adjusted => p_text(get(Stat::MeanChange).and_then(|e| e.p_adjusted)),
                        dz => interval(get(Stat::CohensDz), 2),
                        improved => get(Stat::PctImproved).and_then(|e| e.value).map(|v| format!("{v:.0}%")).unwrap_or_else(|| "–".into()),
                    }
                })
                .collect();
            context! { id => id, rows => rows }
        })
        .collect();
    let quality: Vec<(String, String, usize)> = content
        .accounts
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
        .collect();
    let sections: Vec<minijinja::Value> = super::SECTIONS
        .iter()
        .filter_map(|(id, title, names)| {
            let figures: Vec<minijinja::Value> = figures
                .iter()
                .filter(|f| f.section == *id)
                .map(|f| context! { title => f.title, name => f.name, svg => f.svg })
                .collect();
            let tables: Vec<minijinja::Value> = tables
                .iter()
                .filter(|t| names.contains(&t.name) && !t.rows.is_empty())
                // The change section has its own, more readable table.
                .filter(|t| t.name != "change_by_group")
                .map(|t| {
                    // On the page, who took part is shown for everyone and
                    // by arm; every grouping is in tables/.
                    let by_arm = |row: &&Vec<super::tables::Cell>| {
                        t.name != "baseline_characteristics"
                            || matches!(row.get(1), Some(super::tables::Cell::Text(g)) if g == "all" || g == "arm")
                    };
                    let rows: Vec<Vec<String>> = t
                        .rows
                        .iter()
                        .filter(by_arm)
                        .map(|row| row.iter().map(super::tables::cell_text).collect())
                        .collect();
                    let note = (t.name == "baseline_characteristics")
                        .then_some("Everyone and by arm; by every grouping column in tables/baseline_characteristics.csv.");
                    context! { title => t.title, header => t.header, rows => rows, note => note }
                })
                .collect();
            let shown = *id == "change" || !figures.is_empty() || !tables.is_empty();
            shown.then(|| context! { id => id, title => title, figures => figures, tables => tables })
        })
        .collect();
    let waves = &content.panel.waves;
    let mut environment = Environment::new();
    environment
        .add_template("index.html", TEMPLATE)
        .map_err(template_error(content))?;
    let template = environment
        .get_template("index.html")
        .map_err(template_error(content))?;
    template
        .render(context! {
            participants => content.panel.participant_id.len(),
            waves => waves.waves.join(", "),
            baseline => waves.baseline_name(),
            followup => waves.followup_name(),
            outcomes => outcomes,
            sections => sections,
            quality => quality,
            story => super::story::story(content),
            version => env!("CARGO_PKG_VERSION"),
        })
        .map_err(template_error(content))
}

fn template_error(content: &ReportContent) -> impl Fn(minijinja::Error) -> Error {
    let path = content.settings.out_dir.join("index.html");
    move |source| Error::Template {
        path: path.clone(),
        source,
    }
}
