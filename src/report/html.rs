//! `index.html`: a self-contained page (inline CSS, no network), a
//! serialiser of the report model.

use super::charts::Figure;
use super::format;
use super::model::ReportModel;
use super::tables::{cell_text, Cell, Table};
use crate::error::{Error, Result};
use minijinja::{context, Environment};
use std::path::Path;

const TEMPLATE: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{ title }}</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 64rem; color: #1b1b1b; line-height: 1.45; padding: 0 1rem; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.25rem; margin-top: 2rem; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; margin: 0.5rem 0 1.5rem; }
th, td { border-bottom: 1px solid #ddd; padding: 0.3rem 0.5rem; text-align: right; }
th:first-child, td:first-child, th:nth-child(2), td:nth-child(2), td.text, th.text { text-align: left; }
thead th { border-bottom: 2px solid #333; }
table.typed th, table.typed td { text-align: right; }
table.typed th.text, table.typed td.text { text-align: left; }
.note { color: #555; font-size: 0.9rem; }
.subtitle { font-size: 1.15rem; margin-top: -0.5rem; }
figure { margin: 1rem 0; break-inside: avoid; page-break-inside: avoid; }
figure svg { max-width: 100%; height: auto; }
figcaption { color: #555; font-size: 0.9rem; }
h3 { font-size: 1.05rem; margin-top: 1.5rem; }
h4 { font-size: 0.95rem; margin: 1rem 0 0.25rem; }
.wide { overflow-x: auto; }
details { margin: 0.25rem 0 1rem; font-size: 0.9rem; }
summary { cursor: pointer; color: #0b5394; }
@media print {
  body { margin: 0; max-width: none; font-size: 10pt; }
  table { margin: 0.25rem 0 0.75rem; }
  h3 { margin-top: 1rem; }
  details > summary { display: none; }
  details:not([open]) { display: none; }
  h2, h3, h4 { break-after: avoid; page-break-after: avoid; }
  tr, figure { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  .wide { overflow: visible; }
}
</style>
</head>
<body>
<h1>{{ title }}</h1>
{% if subtitle %}<p class="subtitle">{{ subtitle }}</p>{% endif %}
<p class="note">{{ participants }} participants; waves {{ waves }}. Change is {{ followup }} minus {{ baseline }} among people who answered both; for loneliness scales a negative change is an improvement.</p>
<h2 class="first">Summary</h2>
<ul>{% for line in story.summary %}<li>{{ line }}</li>{% endfor %}</ul>
{% for section in sections %}
<section id="{{ section.id }}">
<h2>{{ section.title }}</h2>
{% if section.id == "change" %}{% for outcome in outcomes %}
<h3>Change in {{ outcome.id }}</h3>
<div class="wide" tabindex="0" role="region" aria-label="Change in {{ outcome.id }}"><table>
<thead><tr><th>Grouped by</th><th>Group</th><th>Pairs</th><th>Mean {{ baseline }}</th><th>Mean {{ followup }}</th><th>Mean change (95% CI)</th><th>p (paired t)</th><th>p (Holm)</th><th>Cohen's d<sub>z</sub> (95% CI)</th><th>Improved</th><th>Worse</th></tr></thead>
<tbody>
{% for row in outcome.rows %}<tr><td>{{ row.group_by }}</td><td>{{ row.group }}</td><td>{{ row.n }}</td><td>{{ row.mean_baseline }}</td><td>{{ row.mean_followup }}</td><td>{{ row.mean_change }}</td><td>{{ row.p }}</td><td>{{ row.p_adjusted }}</td><td>{{ row.dz }}</td><td>{{ row.improved }}</td><td>{{ row.worsened }}</td></tr>
{% endfor %}</tbody>
</table></div>
{% if outcome.note %}<p class="note">{{ outcome.note }}</p>{% endif %}
{% endfor %}{% endif %}
{% for figure in section.figures %}<figure>{{ figure.svg|safe }}<figcaption>{{ figure.title }} (charts/{{ figure.name }}.svg, .png; the numbers: tables/{{ figure.numbers }}.csv)</figcaption>
{% if figure.rows %}<details><summary>The numbers behind this chart{% if figure.same %} ({{ figure.same }}){% endif %}</summary>
<div class="wide" tabindex="0" role="region" aria-label="The numbers behind: {{ figure.title }}"><table class="typed">
<thead><tr>{% for name in figure.header %}<th{% if name.1 %} class="text"{% endif %}>{{ name.0 }}</th>{% endfor %}</tr></thead>
<tbody>
{% for row in figure.rows %}<tr>{% for cell in row %}<td{% if cell.1 %} class="text"{% endif %}>{{ cell.0 }}</td>{% endfor %}</tr>
{% endfor %}</tbody>
</table></div></details>{% endif %}</figure>
{% endfor %}
{% for table in section.tables %}{% if table.first %}<h3>{{ table.title }}</h3>{% if table.note %}<p class="note">{{ table.note }}</p>{% endif %}{% endif %}{% if table.part %}<h4>{{ table.part }}</h4>{% endif %}
<div class="wide" tabindex="0" role="region" aria-label="{{ table.title }}{% if table.part %}: {{ table.part }}{% endif %}"><table class="typed">
<thead><tr>{% for name in table.header %}<th{% if name.1 %} class="text"{% endif %}>{{ name.0 }}</th>{% endfor %}</tr></thead>
<tbody>
{% for row in table.rows %}<tr>{% for cell in row %}<td{% if cell.1 %} class="text"{% endif %}>{{ cell.0 }}</td>{% endfor %}</tr>
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

/// The page of `model`; `path` names index.html in errors.
pub fn render(model: &ReportModel, path: &Path) -> Result<String> {
    let sections: Vec<minijinja::Value> = model
        .sections
        .iter()
        .filter_map(|section| {
            let figures: Vec<minijinja::Value> = model
                .figures_of(section)
                .map(|f| {
                    // The rows the chart draws, less the columns that say
                    // the same in each, which go in the summary line.
                    let (header, rows, same) = match model.table(f.numbers) {
                        Some(t) => {
                            let drawn = Table {
                                rows: t.rows.iter().filter(|row| drawn_by(t, f, row)).cloned().collect(),
                                ..t.clone()
                            };
                            let (drawn, same) = drawn.without_constant_columns();
                            let (header, rows) = shown(&drawn, |_| true);
                            (header, rows, same.join("; "))
                        }
                        None => Default::default(),
                    };
                    context! { title => f.title, name => f.name, numbers => f.numbers, svg => f.svg, header => header, rows => rows, same => same }
                })
                .collect();
            let tables: Vec<minijinja::Value> = model
                .tables_of(section)
                // The change section has its own, more readable table.
                .filter(|t| t.name != "change_by_group")
                .flat_map(|t| {
                    // On the page, who took part is shown for everyone and
                    // by arm; every grouping is in tables/.
                    let by_arm = |row: &&Vec<Cell>| {
                        t.name != "baseline_characteristics"
                            || matches!(row.get(1), Some(Cell::Text(g)) if g == "all" || g == "arm")
                    };
                    let kept = Table {
                        rows: t.rows.iter().filter(by_arm).cloned().collect(),
                        ..t.clone()
                    };
                    let note = t.note(model.min_cell, model.disclosure);
                    kept.by_grouping().into_iter().enumerate().map(move |(index, (part, table))| {
                        let (header, rows) = shown(&table, |_| true);
                        let first = index == 0;
                        context! {
                            title => t.title, part => part,
                            first => first, header => header, rows => rows,
                            note => if first { note.clone() } else { None },
                        }
                    }).collect::<Vec<_>>()
                })
                .collect();
            let shown = section.id == "change" || !figures.is_empty() || !tables.is_empty();
            shown.then(|| context! { id => section.id, title => section.title, figures => figures, tables => tables })
        })
        .collect();
    let mut environment = Environment::new();
    // Text from the data is escaped as HTML and its invisible characters
    // (bidi overrides, zero-width spaces) shown as codes, as in every other
    // output; the charts' SVG, marked safe, is passed through.
    environment.set_formatter(|out, state, value| match value.as_str() {
        Some(text) if !value.is_safe() => {
            minijinja::escape_formatter(out, state, &minijinja::Value::from(format::visible(text)))
        }
        _ => minijinja::escape_formatter(out, state, value),
    });
    environment
        .add_template("index.html", TEMPLATE)
        .map_err(template_error(path))?;
    let template = environment
        .get_template("index.html")
        .map_err(template_error(path))?;
    template
        .render(context! {
            title => model.heading.title,
            subtitle => model.heading.subtitle,
            participants => model.participants,
            waves => model.waves.waves.join(", "),
            baseline => model.waves.baseline_name(),
            followup => model.waves.followup_name(),
            outcomes => model.change,
            sections => sections,
            quality => model.quality,
            story => model.story,
            version => env!("CARGO_PKG_VERSION"),
        })
        .map_err(template_error(path))
}

/// A table's header and the text of the rows `keep` keeps, each cell
/// marked when its column holds words: columns of words read from the
/// left, columns of numbers line up on the right.
type Shown = (Vec<(String, bool)>, Vec<Vec<(String, bool)>>);
fn shown(table: &Table, keep: impl Fn(&&Vec<Cell>) -> bool) -> Shown {
    let words = table.text_columns();
    let rows = table
        .rows
        .iter()
        .filter(keep)
        .map(|row| {
            row.iter()
                .zip(&words)
                .map(|(cell, words)| (cell_text(cell), *words))
                .collect()
        })
        .collect();
    let header = table.header.iter().cloned().zip(words).collect();
    (header, rows)
}

/// Whether `row` of `table` is one `figure` draws: its outcome and, in
/// `distributions`, its kind.
fn drawn_by(table: &Table, figure: &Figure, row: &&Vec<Cell>) -> bool {
    let column = |name: &str| {
        let index = table.header.iter().position(|h| h == name)?;
        match row.get(index) {
            Some(Cell::Text(text)) => Some(text.as_str()),
            _ => None,
        }
    };
    let outcome = match (&figure.outcome, column("outcome")) {
        (Some(wanted), Some(outcome)) => outcome == wanted || outcome == "-",
        _ => true,
    };
    // Distribution charts draw everyone; their table also has each group.
    let kind = match figure.distribution {
        Some(wanted) => column("of") == Some(wanted) && column("grouped by") == Some("all"),
        None => true,
    };
    outcome && kind
}

fn template_error(path: &Path) -> impl Fn(minijinja::Error) -> Error + '_ {
    move |source| Error::Template {
        path: path.to_path_buf(),
        source,
    }
}
