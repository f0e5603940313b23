//! `manifest.json`: what produced this report — tool version, resolved
//! settings, inputs with row counts and sha256, seed, row accounting and
//! stage timings (the only clock readings in a report).

use super::ReportContent;
use crate::error::{Error, Result};
use serde_json::json;

/// `files`: every file of the report, the manifest included; `render_ms`:
/// how long writing the other report files took.
pub fn render(content: &ReportContent, files: &[String], render_ms: u128) -> Result<String> {
    let inputs: Vec<serde_json::Value> = content
        .sources
        .iter()
        .map(|s| {
            json!({
                "table": s.table,
                "path": s.path.display().to_string(),
                "rows": s.rows,
                "blank_lines": s.blank_lines,
                "sha256": s.sha256,
            })
        })
        .collect();
    let accounting: Vec<serde_json::Value> = content
        .account
        .tables
        .iter()
        .map(|a| {
            json!({
                "table": a.table,
                "read": a.read,
                "kept": a.kept,
                "excluded": a.excluded,
                "excluded_by_reason": a.excluded_by_reason,
                "notes": a.notes,
                "kept_plus_excluded_equals_read": a.kept + a.excluded == a.read,
            })
        })
        .collect();
    let timings: serde_json::Map<String, serde_json::Value> = content
        .timings
        .iter()
        .map(|(stage, ms)| (format!("{stage}_ms"), json!(ms)))
        .chain(std::iter::once(("render_ms".to_string(), json!(render_ms))))
        .collect();
    let manifest = json!({
        "tool": "belong",
        "schema": super::folder::SCHEMA,
        "version": env!("CARGO_PKG_VERSION"),
        "settings": content.settings,
        "seed": content.settings.seed,
        "inputs": inputs,
        "waves": content.panel.waves,
        "outcomes": content.panel.outcomes.iter().map(|o| o.outcome.id.clone()).collect::<Vec<_>>(),
        "participants": content.panel.participant_id.len(),
        "row_accounting": accounting,
        "estimates": content.estimates.len(),
        "estimates_are_exact": "estimates.csv and estimates.parquet hold labels exactly as in the data, for machines: a label may start with = or + and is not neutralised for spreadsheets; open them with a CSV reader (tables/ holds the versions for people)",
        "timings": timings,
        "files": files,
    });
    serde_json::to_string_pretty(&manifest)
        .map(|mut text| {
            text.push('\n');
            text
        })
        .map_err(|e| Error::Write {
            path: content.settings.out_dir.join("manifest.json"),
            message: e.to_string(),
        })
}
