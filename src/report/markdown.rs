//! `report.md`: the same story as index.html, in Markdown.

use super::format::markdown_text;
use super::story::story;
use super::tables::to_markdown;
use super::ReportContent;

pub fn render(
    content: &ReportContent,
    figures: &[super::charts::Figure],
    tables: &[super::tables::Table],
) -> String {
    let story = story(content);
    let mut out = String::from("# Evaluation report\n\n## Summary\n\n");
    for line in &story.summary {
        out.push_str(&format!("- {}\n", markdown_text(line)));
    }
    for (id, title, names) in super::SECTIONS {
        let section_figures: Vec<_> = figures.iter().filter(|f| f.section == id).collect();
        let section_tables: Vec<_> = tables
            .iter()
            .filter(|t| names.contains(&t.name) && !t.rows.is_empty())
            .collect();
        if section_figures.is_empty() && section_tables.is_empty() {
            continue;
        }
        out.push_str(&format!("\n## {title}\n"));
        for figure in section_figures {
            out.push_str(&format!(
                "\n![{}](charts/{}.png)\n",
                markdown_text(&figure.title),
                figure.name
            ));
        }
        for table in section_tables {
            out.push_str(&format!("\n### {}\n\n{}", table.title, to_markdown(table)));
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
    if let Some(quality) = tables.iter().find(|t| t.name == "data_quality") {
        out.push_str(&format!("\n## Data quality\n\n{}", to_markdown(quality)));
    }
    out.push_str(&format!(
        "\nProduced by belong {}. Every number here is a row of estimates.csv.\n",
        env!("CARGO_PKG_VERSION")
    ));
    out
}
