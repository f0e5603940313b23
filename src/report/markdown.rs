//! `report.md`: the same story as index.html, in Markdown.

use super::story::story;
use super::tables::{tables, to_markdown};
use super::ReportContent;

pub fn render(content: &ReportContent) -> String {
    let story = story(content);
    let mut out = String::from("# Evaluation report\n\n## Summary\n\n");
    for line in &story.summary {
        out.push_str(&format!("- {line}\n"));
    }
    for table in tables(content) {
        out.push_str(&format!("\n## {}\n\n{}", table.title, to_markdown(&table)));
    }
    out.push_str("\n## Methods\n\n");
    for line in &story.methods {
        out.push_str(&format!("- {line}\n"));
    }
    out.push_str("\n## Limitations\n\n");
    for line in &story.limitations {
        out.push_str(&format!("- {line}\n"));
    }
    out.push_str(&format!(
        "\nProduced by belong {}. Every number here is a row of estimates.csv.\n",
        env!("CARGO_PKG_VERSION")
    ));
    out
}
