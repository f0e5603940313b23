//! The wide single sheet: one row per participant with a few grouping
//! columns, score columns per wave and a sessions count. `[wide]` in
//! belong.toml says which column is which; the sheet is then split into
//! the native participants and assessments tables (each assessment row
//! keeps the sheet line it came from) and analysed like any other data.

use super::layout::{TableConfig, WideConfig};
use super::read::{read_part, TablePart};
use super::{apply_mapping, build_assessments, build_participants, IngestOptions, Ingested};
use crate::error::{Error, Result};
use crate::instruments::Instrument;
use polars::prelude::*;
use std::path::Path;

pub(crate) fn ingest_wide(
    data_path: &Path,
    wide: &WideConfig,
    instruments: &[Instrument],
    options: &IngestOptions,
) -> Result<Ingested> {
    let folder = super::data_folder(data_path);
    let file = wide.file.as_deref().unwrap_or(data_path);
    let path = folder.join(file);
    if !path.is_file() {
        return Err(Error::Config(format!(
            "[wide] file = \"{}\" in belong.toml: {} does not exist",
            file.display(),
            path.display()
        )));
    }
    let (mut sheet, source) = read_part(&folder, "wide", &path, 0, wide.sheet.as_deref())?;
    // Drop and the privacy guard apply to the sheet as a whole; mapping
    // happens below, per derived table.
    apply_mapping(
        &mut sheet,
        "wide",
        &TableConfig {
            drop: wide.drop.clone(),
            allow: wide.allow.clone(),
            ..TableConfig::default()
        },
        &options.missing,
    )?;
    let present = sheet.column_names();
    let require = |column: &str, key: &str| -> Result<()> {
        if present.iter().any(|c| c == column) {
            return Ok(());
        }
        let hint = crate::suggest::closest(column, present.iter().map(String::as_str))
            .map(|c| format!(" (did you mean {}?)", super::shown_name(c)))
            .unwrap_or_default();
        Err(Error::Layout(format!(
            "{}: no column \"{column}\"{hint}, named by {key} in [wide] of belong.toml; the columns are {}",
            path.display(),
            super::shown_columns(&present)
        )))
    };
    let mut used: Vec<&str> = Vec::new();
    if let Some(id) = &wide.participant_id {
        require(id, "participant_id")?;
        used.push(id);
    }
    if let Some(sessions) = &wide.sessions {
        require(sessions, "sessions")?;
        used.push(sessions);
    }
    for wave in &wide.waves {
        for (native, column) in &wave.columns {
            require(column, &format!("waves \"{}\" columns.{native}", wave.name))?;
            used.push(column);
        }
        if let Some(column) = &wave.assessed_on {
            require(column, &format!("waves \"{}\" assessed_on", wave.name))?;
            used.push(column);
        }
    }
    for (native, column) in &wide.columns {
        require(column, &format!("columns.{native}"))?;
    }
    let table_error = |source: PolarsError| Error::Polars {
        path: path.clone(),
        doing: "reading the wide sheet".into(),
        source,
    };
    let text = |column: &str| -> Result<Vec<Option<String>>> {
        Ok(sheet
            .text(column)?
            .unwrap_or_else(|| vec![None; sheet.frame.height()]))
    };
    let rows = sheet.frame.height();
    let ids: Vec<Option<String>> = match &wide.participant_id {
        Some(column) => text(column)?,
        None => (1..=rows).map(|r| Some(r.to_string())).collect(),
    };

    // Participants: the id, mapped and unmapped participant columns, and
    // the sessions count.
    let mut participant_columns = vec![Column::new("participant_id".into(), ids.clone())];
    for name in &present {
        if used.contains(&name.as_str()) {
            continue;
        }
        let native = wide
            .columns
            .iter()
            .find(|(_, column)| *column == name)
            .map(|(native, _)| native.clone())
            .unwrap_or_else(|| name.clone());
        if native == "participant_id" || native == "sessions" {
            return Err(Error::Layout(format!(
                "{}: column \"{name}\" would become {native}; set it with {native} = \"{name}\" under [wide] instead",
                path.display()
            )));
        }
        participant_columns.push(Column::new(native.into(), text(name)?));
    }
    if let Some(column) = &wide.sessions {
        participant_columns.push(Column::new("sessions".into(), text(column)?));
    }
    let participants = TablePart {
        file: sheet.file,
        path: path.clone(),
        kind: sheet.kind,
        frame: DataFrame::new_infer_height(participant_columns).map_err(table_error)?,
        partition_values: Vec::new(),
        first_line: sheet.first_line,
        lines: None,
        sheet: None,
        questions: Vec::new(),
    };

    // Assessments: one row per participant and wave, wave by wave.
    let mut native_columns: Vec<&String> =
        wide.waves.iter().flat_map(|w| w.columns.keys()).collect();
    native_columns.sort();
    native_columns.dedup();
    let mut participant_id = Vec::with_capacity(rows * wide.waves.len());
    let mut wave_names = Vec::with_capacity(rows * wide.waves.len());
    let mut assessed_on: Vec<Option<String>> = Vec::with_capacity(rows * wide.waves.len());
    let mut scores: Vec<Vec<Option<String>>> = vec![Vec::new(); native_columns.len()];
    let mut lines = Vec::with_capacity(rows * wide.waves.len());
    for wave in &wide.waves {
        participant_id.extend(ids.iter().cloned());
        wave_names.extend(std::iter::repeat_n(Some(wave.name.clone()), rows));
        match &wave.assessed_on {
            Some(column) => assessed_on.extend(text(column)?),
            None => assessed_on.extend(std::iter::repeat_n(None, rows)),
        }
        for (k, native) in native_columns.iter().enumerate() {
            match wave.columns.get(*native) {
                Some(column) => scores[k].extend(text(column)?),
                None => scores[k].extend(std::iter::repeat_n(None, rows)),
            }
        }
        lines.extend((0..rows).map(|r| sheet.line_of(r)));
    }
    let mut assessment_columns = vec![
        Column::new("participant_id".into(), participant_id),
        Column::new("wave".into(), wave_names),
        Column::new("assessed_on".into(), assessed_on),
    ];
    for (native, values) in native_columns.iter().zip(scores) {
        assessment_columns.push(Column::new(native.as_str().into(), values));
    }
    let assessments = TablePart {
        file: sheet.file,
        path: path.clone(),
        kind: sheet.kind,
        frame: DataFrame::new_infer_height(assessment_columns).map_err(table_error)?,
        partition_values: Vec::new(),
        first_line: sheet.first_line,
        lines: Some(lines),
        sheet: None,
        questions: Vec::new(),
    };
    Ok(Ingested {
        sources: vec![source],
        participants: Some(build_participants(&[participants], options)?),
        assessments: build_assessments(&[assessments], instruments, options)?,
        attendance: None,
    })
}
