//! `report.md`: the same story as index.html, in Markdown, a serialiser of
//! the report model.

use super::format::markdown_text;
use super::model::ReportModel;
use super::tables::to_markdown;

/// The most columns a table shows at once.
const PAGE_COLUMNS: usize = 7;

pub fn render(model: &ReportModel) -> String {
    let story = &model.story;
    let mut out = format!("# {}\n\n", markdown_text(&model.heading.title));
    if let Some(subtitle) = &model.heading.subtitle {
        out.push_str(&format!("{}\n\n", markdown_text(subtitle)));
    }
    out.push_str("## Summary\n\n");
    for line in &story.summary {
        out.push_str(&format!("- {}\n", markdown_text(line)));
    }
    for section in &model.sections {
        let section_figures: Vec<_> = model.figures_of(section).collect();
        let section_tables: Vec<_> = model.tables_of(section).collect();
        if section_figures.is_empty() && section_tables.is_empty() {
            continue;
        }
        out.push_str(&format!("\n## {}\n", section.title));
        for figure in section_figures {
            out.push_str(&format!(
                "\n![{}](charts/{}.png)\n",
                markdown_text(&figure.alt),
                figure.name
            ));
        }
        for table in section_tables {
            out.push_str(&format!("\n### {}\n", table.title));
            // A page holds about seven columns: wider tables come in
            // pieces, by grouping; tables.xlsx has them whole.
            for (part, grouped) in table.by_grouping() {
                let (shown, same) = grouped.without_constant_columns();
                if let Some(part) = part {
                    out.push_str(&format!("\n**{}**\n", markdown_text(&part)));
                }
                if !same.is_empty() {
                    out.push_str(&format!("\n{}\n", markdown_text(&same.join("; "))));
                }
                for piece in shown.split_columns(PAGE_COLUMNS) {
                    out.push_str(&format!("\n{}", to_markdown(&piece)));
                }
            }
            if let Some(note) = table.note(model.min_cell, model.disclosure) {
                out.push_str(&format!("\n{}\n", markdown_text(&note)));
            }
        }
    }
    out.push_str("\n## Methods\n\n");
    for line in &story.methods {
        out.push_str(&format!("- {}\n", markdown_text(line)));
    }
    out.push_str("\n## Limitations\n\n");
    for line in &story.limitations {
        out.push_str(&format!("- {}\n", markdown_text(line)));
    }
    if let Some(quality) = model.table("data_quality") {
        out.push_str(&format!("\n## Data quality\n\n{}", to_markdown(quality)));
    }
    out.push_str(&format!(
        "\nProduced by belong {}. Every number here is a row of estimates.csv.\n",
        env!("CARGO_PKG_VERSION")
    ));
    out
}
