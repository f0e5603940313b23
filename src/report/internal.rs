//! `internal/`: participant-level files that must never be published —
//! the panel and every excluded row with its file, line and reason.

use super::format::csv_field;
use super::{write_file, ReportContent};
use crate::error::{Error, Result};
use crate::panel::Panel;
use polars::prelude::*;
use std::path::Path;

const README: &str = "NOT FOR PUBLICATION\n\n\
This folder holds participant-level data: the analysis panel (one row per\n\
participant, with pseudonymous ids and scores) and every excluded input row.\n\
Share it only with people allowed to see the raw records. Everything outside\n\
this folder is aggregate and meant for publication.\n";

pub fn write(dir: &Path, content: &ReportContent) -> Result<()> {
    write_file(&dir.join("README.txt"), README)?;
    write_file(&dir.join("excluded_rows.csv"), excluded_csv(content))?;
    write_file(&dir.join("excluded_cells.csv"), excluded_cells_csv(content))?;
    let path = dir.join("panel.parquet");
    let encoded;
    let bytes = match content.panel_parquet {
        Some(bytes) => bytes,
        None => {
            encoded = panel_parquet(content.panel).map_err(|source| Error::Polars {
                path: path.clone(),
                doing: "encoding the panel".into(),
                source,
            })?;
            &encoded
        }
    };
    write_file(&path, bytes)
}

/// The panel as a Parquet file's bytes. The largest output: a report
/// encodes it while the last analyses run.
pub(crate) fn panel_parquet(panel: &Panel) -> PolarsResult<Vec<u8>> {
    let mut frame = panel_frame(panel)?;
    let mut bytes = Vec::new();
    ParquetWriter::new(&mut bytes).finish(&mut frame)?;
    Ok(bytes)
}

/// The path of the file a row was read from (empty for a derived row).
fn source_path(content: &ReportContent, origin: crate::model::RowOrigin) -> String {
    content
        .sources
        .get(origin.file() as usize)
        .map(|s| s.path.display().to_string())
        .unwrap_or_default()
}

/// Cells read as missing: where each is, what it held and why.
fn excluded_cells_csv(content: &ReportContent) -> String {
    let mut out = String::from("table,file,line,column,found,reason\n");
    for cell in &content.account.bad_cells {
        let file = source_path(content, cell.origin);
        out.push_str(&format!(
            "assessments,{},{},{},{},{}\n",
            csv_field(&file),
            cell.origin.line(),
            csv_field(&cell.column),
            csv_field(&cell.found),
            csv_field(cell.reason)
        ));
    }
    out
}

fn excluded_csv(content: &ReportContent) -> String {
    let mut out = String::from("table,file,line,column,reason,detail\n");
    for row in &content.account.excluded {
        let file = source_path(content, row.origin);
        out.push_str(&format!(
            "{},{},{},{},{},{}\n",
            row.table,
            csv_field(&file),
            row.origin.line(),
            csv_field(row.column.as_deref().unwrap_or("")),
            csv_field(row.reason),
            csv_field(&row.detail)
        ));
    }
    out
}

fn panel_frame(panel: &Panel) -> PolarsResult<DataFrame> {
    let waves = &panel.waves;
    let mut columns = vec![StringChunked::from_iter_values(
        "participant_id".into(),
        panel.participant_id.iter().map(String::as_str),
    )
    .into_column()];
    for (name, values) in panel.groups.iter().chain(&panel.covariates) {
        columns.push(Column::new(name.as_str().into(), values.values()));
    }
    if let (Some(sessions), Some(group)) = (&panel.sessions, &panel.group_sessions) {
        columns.push(Column::new("sessions".into(), sessions.clone()));
        columns.push(Column::new("group_sessions".into(), group.clone()));
    }
    for outcome in &panel.outcomes {
        for (w, wave) in waves.waves.iter().enumerate() {
            columns.push(Column::new(
                format!("{}_{wave}", outcome.outcome.id).into(),
                outcome.scores[w].clone(),
            ));
        }
        columns.push(Column::new(
            format!("{}_change", outcome.outcome.id).into(),
            outcome.change(waves),
        ));
        columns.push(Column::new(
            format!("{}_completer", outcome.outcome.id).into(),
            outcome.completer(waves),
        ));
    }
    DataFrame::new_infer_height(columns)
}
