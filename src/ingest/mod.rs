//! Ingest: from files to the typed tables of the native model.
//!
//! Each table is found in the data folder, read part by part with polars,
//! and converted column by column. A value that does not convert stops the
//! run with `file:line: column …: "value" is not …` and the fix; ingest
//! never guesses and never drops a row (that is validate's job, with a
//! reason for every row).

pub mod convert;
pub mod read;

use crate::error::{Error, Result};
use crate::instruments::Instrument;
use crate::model::{Assessments, Attendance, InstrumentColumns, Participants, RowOrigin};
use convert::{parse_bool, parse_integer, parse_iso_date, parse_number, MissingMarkers};
use read::{locate, read_part, SourceFile, TablePart};
use std::path::Path;

/// What ingest needs to know from the settings.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    pub group_columns: Vec<String>,
    pub missing: MissingMarkers,
}

/// The typed tables of one data folder.
#[derive(Debug, Clone)]
pub struct Ingested {
    pub sources: Vec<SourceFile>,
    pub participants: Option<Participants>,
    pub assessments: Assessments,
    pub attendance: Option<Attendance>,
}

/// Reads the native layout of `data_dir`.
pub fn ingest(
    data_dir: &Path,
    instruments: &[Instrument],
    options: &IngestOptions,
) -> Result<Ingested> {
    if !data_dir.is_dir() {
        return Err(Error::Layout(format!(
            "{}: no such data folder; give the folder holding participants, assessments and attendance",
            data_dir.display()
        )));
    }
    let mut sources = Vec::new();
    let participant_parts = read_table(data_dir, "participants", &mut sources)?;
    let assessment_parts = read_table(data_dir, "assessments", &mut sources)?.ok_or_else(|| {
        Error::Layout(format!(
            "{}: no assessments table (assessments.csv, assessments.parquet or assessments/); belong needs questionnaire scores to analyse",
            data_dir.display()
        ))
    })?;
    let attendance_parts = read_table(data_dir, "attendance", &mut sources)?;
    let participants = participant_parts
        .map(|parts| build_participants(&parts, options))
        .transpose()?;
    let assessments = build_assessments(&assessment_parts, instruments, &options.missing)?;
    let attendance = attendance_parts
        .map(|parts| build_attendance(&parts, &options.missing))
        .transpose()?;
    Ok(Ingested {
        sources,
        participants,
        assessments,
        attendance,
    })
}

fn read_table(
    data_dir: &Path,
    table: &str,
    sources: &mut Vec<SourceFile>,
) -> Result<Option<Vec<TablePart>>> {
    let Some(paths) = locate(data_dir, table)? else {
        return Ok(None);
    };
    let mut parts = Vec::with_capacity(paths.len());
    for path in paths {
        let (part, source) = read_part(data_dir, table, &path, sources.len() as u32)?;
        sources.push(source);
        parts.push(part);
    }
    Ok(Some(parts))
}

fn require_column(parts: &[TablePart], column: &str, fix: &str) -> Result<()> {
    for part in parts {
        if !part.has_column(column) {
            return Err(Error::MissingColumn {
                path: part.path.clone(),
                column: column.to_string(),
                fix: fix.to_string(),
            });
        }
    }
    Ok(())
}

fn value_error(
    part: &TablePart,
    row: usize,
    column: &str,
    found: &str,
    expected: &str,
    fix: &str,
) -> Error {
    Error::Value(Box::new(crate::error::CellError {
        path: part.path.clone(),
        line: part.line_of(row),
        column: column.to_string(),
        found: found.to_string(),
        expected: expected.to_string(),
        fix: fix.to_string(),
    }))
}

/// Converts one column of one part with `parse`, reporting the first cell
/// that fails. A part without the column yields all-missing values.
fn convert_column<T>(
    part: &TablePart,
    column: &str,
    missing: &MissingMarkers,
    expected: &str,
    fix: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<Vec<Option<T>>> {
    let Some(cells) = part.text(column)? else {
        return Ok((0..part.frame.height()).map(|_| None).collect());
    };
    cells
        .iter()
        .enumerate()
        .map(|(row, cell)| match missing.value(cell.as_deref()) {
            None => Ok(None),
            Some(text) => parse(text)
                .map(Some)
                .ok_or_else(|| value_error(part, row, column, text, expected, fix)),
        })
        .collect()
}

/// A text column whose missing cells become empty strings, for validate to
/// exclude with a reason (ids, waves).
fn id_like_column(part: &TablePart, column: &str, missing: &MissingMarkers) -> Result<Vec<String>> {
    Ok(text_column(part, column, missing)?
        .into_iter()
        .map(Option::unwrap_or_default)
        .collect())
}

fn text_column(
    part: &TablePart,
    column: &str,
    missing: &MissingMarkers,
) -> Result<Vec<Option<String>>> {
    convert_column(part, column, missing, "text", "", |t| Some(t.to_string()))
}

fn origins(part: &TablePart) -> impl Iterator<Item = RowOrigin> + '_ {
    (0..part.frame.height()).map(|row| RowOrigin {
        file: part.file,
        line: part.line_of(row),
    })
}

const DATE_FIX: &str = "write dates as YYYY-MM-DD or mark the cell missing (NA)";

fn build_participants(parts: &[TablePart], options: &IngestOptions) -> Result<Participants> {
    require_column(
        parts,
        "participant_id",
        "every participants table needs a participant_id column",
    )?;
    let present_groups: Vec<&String> = options
        .group_columns
        .iter()
        .filter(|g| parts.iter().any(|p| p.has_column(g)))
        .collect();
    // Every other column is a covariate (age band, gender, …), kept as text.
    let mut covariate_names: Vec<String> = Vec::new();
    for part in parts {
        for name in part.column_names() {
            let known = name == "participant_id"
                || name == "enrolled_on"
                || present_groups.contains(&&name);
            if !known && !covariate_names.contains(&name) {
                covariate_names.push(name);
            }
        }
    }
    let mut table = Participants {
        groups: present_groups
            .iter()
            .map(|g| (g.to_string(), Vec::new()))
            .collect(),
        covariates: covariate_names
            .into_iter()
            .map(|c| (c, Vec::new()))
            .collect(),
        ..Participants::default()
    };
    for part in parts {
        table
            .id
            .extend(id_like_column(part, "participant_id", &options.missing)?);
        for (name, values) in table.groups.iter_mut().chain(table.covariates.iter_mut()) {
            values.extend(text_column(part, name, &options.missing)?);
        }
        table.enrolled_on.extend(convert_column(
            part,
            "enrolled_on",
            &options.missing,
            "a date",
            DATE_FIX,
            parse_iso_date,
        )?);
        table.origin.extend(origins(part));
    }
    Ok(table)
}

/// Instrument columns found in the assessments table: (registry index, item
/// numbers present, total column present).
fn detect_instruments(
    parts: &[TablePart],
    instruments: &[Instrument],
) -> Result<Vec<(usize, bool, bool)>> {
    let mut names: Vec<String> = parts.iter().flat_map(|p| p.column_names()).collect();
    names.sort();
    names.dedup();
    let mut found = Vec::new();
    for (index, instrument) in instruments.iter().enumerate() {
        let prefix = format!("{}_", instrument.id);
        let mut items = Vec::new();
        let mut has_total = false;
        for name in &names {
            let Some(rest) = name.strip_prefix(&prefix) else {
                continue;
            };
            if rest == "total" {
                has_total = true;
            } else if let Ok(k) = rest.parse::<usize>() {
                if k == 0 || k > instrument.item_count() {
                    return Err(Error::Layout(format!(
                        "{}: column {name}: {} has items 1 to {}; rename or drop the column",
                        parts[0].path.display(),
                        instrument.id,
                        instrument.item_count()
                    )));
                }
                items.push(k);
            }
        }
        if !items.is_empty() && items.len() != instrument.item_count() {
            let absent: Vec<String> = (1..=instrument.item_count())
                .filter(|k| !items.contains(k))
                .map(|k| instrument.item_column(k))
                .collect();
            return Err(Error::Layout(format!(
                "{}: {} needs all {} item columns; missing {}. Add them (empty cells are fine) or supply {} instead",
                parts[0].path.display(),
                instrument.id,
                instrument.item_count(),
                absent.join(", "),
                instrument.total_column()
            )));
        }
        if !items.is_empty() || has_total {
            found.push((index, !items.is_empty(), has_total));
        }
    }
    if found.is_empty() {
        return Err(Error::Layout(format!(
            "{}: no instrument columns found; name item columns like ucla3_1, ucla3_2, ucla3_3 or totals like ucla3_total (see `belong instruments`)",
            parts[0].path.display()
        )));
    }
    Ok(found)
}

fn build_assessments(
    parts: &[TablePart],
    instruments: &[Instrument],
    missing: &MissingMarkers,
) -> Result<Assessments> {
    require_column(
        parts,
        "participant_id",
        "every assessments table needs a participant_id column",
    )?;
    require_column(parts, "wave", "add a wave column (e.g. baseline, week12)")?;
    let detected = detect_instruments(parts, instruments)?;
    let mut table = Assessments {
        instruments: detected
            .iter()
            .map(|&(index, has_items, has_total)| InstrumentColumns {
                instrument: index,
                items: if has_items {
                    vec![Vec::new(); instruments[index].item_count()]
                } else {
                    Vec::new()
                },
                // Totals are ignored when items exist (STATISTICS.md).
                total: (!has_items && has_total).then(Vec::new),
            })
            .collect(),
        ..Assessments::default()
    };
    for part in parts {
        table
            .participant_id
            .extend(id_like_column(part, "participant_id", missing)?);
        table.wave.extend(id_like_column(part, "wave", missing)?);
        table.assessed_on.extend(convert_column(
            part,
            "assessed_on",
            missing,
            "a date",
            DATE_FIX,
            parse_iso_date,
        )?);
        for columns in &mut table.instruments {
            let instrument = &instruments[columns.instrument];
            let expected = format!("a response {}–{}", instrument.raw_min, instrument.raw_max);
            for (k, values) in columns.items.iter_mut().enumerate() {
                values.extend(convert_column(
                    part,
                    &instrument.item_column(k + 1),
                    missing,
                    &expected,
                    "fix the cell or mark it missing (NA)",
                    parse_integer,
                )?);
            }
            if let Some(total) = &mut columns.total {
                total.extend(convert_column(
                    part,
                    &instrument.total_column(),
                    missing,
                    "a number",
                    "fix the cell or mark it missing (NA)",
                    parse_number,
                )?);
            }
        }
        table.origin.extend(origins(part));
    }
    Ok(table)
}

fn parse_format(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "group" => Some(true),
        "individual" | "one-to-one" | "1:1" => Some(false),
        _ => None,
    }
}

fn build_attendance(parts: &[TablePart], missing: &MissingMarkers) -> Result<Attendance> {
    require_column(
        parts,
        "participant_id",
        "every attendance table needs a participant_id column",
    )?;
    require_column(
        parts,
        "session_date",
        "add the date of each session as session_date",
    )?;
    let mut table = Attendance::default();
    for part in parts {
        table
            .participant_id
            .extend(id_like_column(part, "participant_id", missing)?);
        table.session_date.extend(convert_column(
            part,
            "session_date",
            missing,
            "a date",
            DATE_FIX,
            parse_iso_date,
        )?);
        table
            .activity
            .extend(text_column(part, "activity", missing)?);
        table.is_group.extend(
            convert_column(
                part,
                "format",
                missing,
                "group or individual",
                "write group or individual, or leave it empty for group",
                parse_format,
            )?
            .into_iter()
            .map(|v| v.unwrap_or(true)),
        );
        table.attended.extend(
            convert_column(
                part,
                "attended",
                missing,
                "true or false",
                "write true or false, or leave it empty for attended",
                parse_bool,
            )?
            .into_iter()
            .map(|v| v.unwrap_or(true)),
        );
        table.minutes.extend(convert_column(
            part,
            "minutes",
            missing,
            "a number of minutes",
            "fix the cell or mark it missing (NA)",
            parse_number,
        )?);
        table.origin.extend(origins(part));
    }
    Ok(table)
}
