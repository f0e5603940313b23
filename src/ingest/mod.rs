//! Ingest: from files to the typed tables of the native model.
//!
//! Each table is found in the data folder, read part by part with polars,
//! and converted column by column. A value that does not convert stops the
//! run with `file:line: column …: "value" is not …` and the fix; ingest
//! never guesses and never drops a row (that is validate's job, with a
//! reason for every row).

pub mod bands;
pub mod convert;
pub(crate) mod excel;
pub mod layout;
pub mod memory;
pub mod privacy;
pub mod read;
mod wide;

use crate::cells::DateFormat;
use crate::cells::DateFormats;
use crate::error::{Error, Result};
use crate::instruments::Instrument;
use crate::model::{
    Assessments, Attendance, BadCell, CodedText, Date, InstrumentColumns, Participants, Response,
    RowOrigin, TextSet,
};
use convert::{
    looks_like_local_date, parse_bool, parse_date, parse_integer, parse_number, MissingMarkers,
};
use layout::{TableConfig, Tables, WideConfig};
use rayon::prelude::*;
use read::{locate, SourceFile, TablePart};
use std::path::{Path, PathBuf};

/// What ingest needs to know from the settings.
#[derive(Debug, Clone, Default)]
pub struct IngestOptions {
    pub group_columns: Vec<String>,
    pub missing: MissingMarkers,
    /// Per date column; where none is set, local dates are an error.
    pub date_formats: DateFormats,
    pub on_bad_cell: OnBadCell,
    /// Derive the cohort from the enrolment date.
    pub cohort_from: Option<CohortPeriod>,
    /// Numeric participant columns read as bands (`bands` in belong.toml).
    pub bands: Vec<(String, Vec<bands::ValueBand>)>,
    pub tables: Tables,
    pub wide: Option<WideConfig>,
    /// Rows per slice when reading large Parquet files (0: the default,
    /// [`read::CHUNK_ROWS`]).
    pub chunk_rows: usize,
}

/// The typed tables of one data folder.
#[derive(Debug, Clone)]
pub struct Ingested {
    pub sources: Vec<SourceFile>,
    pub participants: Option<Participants>,
    pub assessments: Assessments,
    pub attendance: Option<Attendance>,
}

/// Reads the data: the native layout of a folder, or a wide sheet, with
/// the whole attendance table in memory. The report streams attendance
/// instead ([`ingest_people`], then [`visit_attendance`]).
pub fn ingest(
    data_path: &Path,
    instruments: &[Instrument],
    options: &IngestOptions,
) -> Result<Ingested> {
    let mut ingested = ingest_people(data_path, instruments, options)?;
    if options.wide.is_some() {
        return Ok(ingested);
    }
    let mut whole = Attendance::default();
    let expected_ids = ingested.participants.as_ref().map_or(0, Participants::len);
    let names = visit_attendance(
        data_path,
        options,
        &mut ingested.sources,
        expected_ids,
        |part| {
            whole.append_rows(part);
            Ok(())
        },
    )?;
    ingested.attendance = names.map(|(ids, activities)| Attendance {
        ids,
        activities,
        ..whole
    });
    Ok(ingested)
}

/// Reads participants and assessments (or the wide sheet): everything
/// but the attendance table.
pub(crate) fn ingest_people(
    data_path: &Path,
    instruments: &[Instrument],
    options: &IngestOptions,
) -> Result<Ingested> {
    if let Some(wide) = &options.wide {
        return wide::ingest_wide(data_path, wide, instruments, options);
    }
    let data_dir = data_path;
    if !data_dir.is_dir() {
        return Err(Error::Layout(format!(
            "{}: no such data folder; give the folder holding participants, assessments and attendance",
            data_dir.display()
        )));
    }
    // Each table is converted as soon as it is read, so its frame is freed
    // before the next is read.
    let mut sources = Vec::new();
    let participants = read_table(data_dir, "participants", options, &mut sources)?
        .map(|parts| build_participants(&parts, options))
        .transpose()?;
    let assessment_parts =
        read_table(data_dir, "assessments", options, &mut sources)?.ok_or_else(|| {
            Error::Layout(format!(
                "{}: no assessments table (assessments.csv, .parquet, .xlsx or assessments/); belong needs questionnaire scores to analyse. Run `belong init {}` to find the tables in the files (every sheet of a workbook) and write a belong.toml naming them",
                data_dir.display(),
                data_dir.display()
            ))
        })?;
    let assessments = build_assessments(&assessment_parts, instruments, options)?;
    Ok(Ingested {
        sources,
        participants,
        assessments,
        attendance: None,
    })
}

/// Reads the attendance table of a native data folder part by part (large
/// Parquet files in slices) and hands each part, converted, to `visit`, so
/// tens of millions of rows need never be held at once. Ids and activities
/// are interned across parts: every part carries the lists so far, and a
/// part's indices stay valid for the later ones. Returns the final lists
/// of ids and activities, or `None` when there is no attendance table.
/// `expected_ids` (the participants, when known) sizes the id list once
/// instead of growing it a million ids at a time.
pub(crate) fn visit_attendance(
    data_dir: &Path,
    options: &IngestOptions,
    sources: &mut Vec<SourceFile>,
    expected_ids: usize,
    mut visit: impl FnMut(&Attendance) -> Result<()>,
) -> Result<Option<(TextSet, TextSet)>> {
    let mut builder = AttendanceBuilder::default();
    builder.ids.reserve(expected_ids);
    let found = visit_table(data_dir, "attendance", options, sources, |part| {
        builder.append(&part, options)?;
        builder.hand_over(&mut visit)
    })?;
    Ok(found.then(|| builder.finish()))
}

/// Where a table's files are: the configured `file`, else the default
/// names.
fn table_paths(
    data_dir: &Path,
    table: &str,
    config: &TableConfig,
) -> Result<Option<Vec<std::path::PathBuf>>> {
    match &config.file {
        None => locate(data_dir, table),
        Some(file) => {
            let path = data_dir.join(file);
            if path.is_file() {
                Ok(Some(vec![path]))
            } else if path.is_dir() {
                let mut parts = Vec::new();
                read::collect_parts(&path, &mut parts)?;
                parts.sort();
                Ok(Some(parts))
            } else {
                Err(Error::Config(format!(
                    "[{table}] file = \"{}\" in belong.toml: {} does not exist",
                    file.display(),
                    path.display()
                )))
            }
        }
    }
}

fn read_table(
    data_dir: &Path,
    table: &str,
    options: &IngestOptions,
    sources: &mut Vec<SourceFile>,
) -> Result<Option<Vec<TablePart>>> {
    let mut parts = Vec::new();
    let found = visit_table(data_dir, table, options, sources, |part| {
        parts.push(part);
        Ok(())
    })?;
    Ok(found.then_some(parts))
}

/// Hands every part of a table, mapped and checked, to `visit` as it is
/// read (large Parquet files in slices); false when the table is absent.
fn visit_table(
    data_dir: &Path,
    table: &str,
    options: &IngestOptions,
    sources: &mut Vec<SourceFile>,
    mut visit: impl FnMut(TablePart) -> Result<()>,
) -> Result<bool> {
    let config = options.tables.get(table);
    let Some(paths) = table_paths(data_dir, table, config)? else {
        return Ok(false);
    };
    let native = matches!(table, "participants" | "assessments" | "attendance");
    for path in paths {
        if sources.len() >= crate::model::RowOrigin::MAX_FILE as usize {
            return Err(Error::Layout(format!(
                "{}: more than {} files; combine the parts into fewer, larger files",
                path.display(),
                crate::model::RowOrigin::MAX_FILE
            )));
        }
        let mut blank_lines = 0;
        let mut source = read::read_in_chunks(
            data_dir,
            table,
            &path,
            sources.len() as u32,
            config.sheet.as_deref(),
            if options.chunk_rows == 0 {
                read::CHUNK_ROWS
            } else {
                options.chunk_rows
            },
            |mut part| {
                apply_mapping(&mut part, table, config, &options.missing)?;
                if native {
                    blank_lines += read::drop_blank_rows(&mut part)?;
                }
                visit(part)
            },
        )?;
        source.rows -= blank_lines;
        source.blank_lines = blank_lines;
        sources.push(source);
    }
    Ok(true)
}

/// A column name from a file as a message shows it: quoted, escaped and
/// cut to 32 characters. A file that is not a table (a secrets file) has
/// its first line for a header, and a message must not repeat it.
pub(crate) fn shown_name(name: &str) -> String {
    const MOST: usize = 32;
    let mut shown: String = name.chars().take(MOST).collect();
    if name.chars().count() > MOST {
        shown.push('…');
    }
    format!("\"{}\"", shown.escape_debug())
}

/// The columns of a file for a message: at most 20, each [`shown_name`].
pub(crate) fn shown_columns(names: &[String]) -> String {
    const MOST: usize = 20;
    let mut text = names
        .iter()
        .take(MOST)
        .map(|n| shown_name(n))
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > MOST {
        text.push_str(&format!(" and {} more", names.len() - MOST));
    }
    text
}

/// Drops the configured columns, renames mapped ones to their native
/// names, and stops on columns that look identifying.
pub(crate) fn apply_mapping(
    part: &mut TablePart,
    section: &str,
    config: &TableConfig,
    missing: &MissingMarkers,
) -> Result<()> {
    let present = part.column_names();
    let place = part.place();
    let unknown = |column: &str, key: &str| {
        let hint = crate::suggest::closest(column, present.iter().map(String::as_str))
            .map(|c| format!(" (did you mean {}?)", shown_name(c)))
            .unwrap_or_default();
        Error::Layout(format!(
            "{}: no column \"{column}\"{hint}, named by {key} in [{section}] of belong.toml; the columns are {}",
            place,
            shown_columns(&present)
        ))
    };
    for column in &config.drop {
        if !present.contains(column) {
            return Err(unknown(column, "drop"));
        }
        part.frame = part.frame.drop(column).map_err(|source| Error::Polars {
            path: part.path.clone(),
            doing: format!("dropping column {} ([{section}] drop)", shown_name(column)),
            source,
        })?;
    }
    for (native, source) in &config.columns {
        if !present.contains(source) {
            return Err(unknown(source, &format!("columns.{native}")));
        }
        if native != source && present.contains(native) && !config.drop.contains(native) {
            return Err(Error::Layout(format!(
                "{}: [{section}] columns maps \"{source}\" to {native}, but the file already has a column {native}; drop one of them (drop = [\"{native}\"])",
                place
            )));
        }
        if let Some(sheet) = &mut part.sheet {
            sheet.rename(source, native);
        }
        part.frame
            .rename(source, native.as_str().into())
            .map_err(|error| Error::Polars {
                path: part.path.clone(),
                doing: format!(
                    "renaming column {} to {native} ([{section}] columns)",
                    shown_name(source)
                ),
                source: error,
            })?;
    }
    guard_privacy(part, section, config, missing)
}

/// How many cells of each column the privacy guard looks at.
const PRIVACY_SAMPLE_ROWS: usize = 2000;

/// Stops on the first column that looks identifying and is not allowed.
fn guard_privacy(
    part: &TablePart,
    section: &str,
    config: &TableConfig,
    missing: &MissingMarkers,
) -> Result<()> {
    const NATIVE_DATES: [&str; 3] = ["enrolled_on", "assessed_on", "session_date"];
    for name in part.column_names() {
        let source_name = config
            .columns
            .get(&name)
            .cloned()
            .unwrap_or_else(|| name.clone());
        if config.allow.contains(&source_name)
            || config.allow.contains(&name)
            || NATIVE_DATES.contains(&name.as_str())
        {
            continue;
        }
        // The first 2,000 cells are enough to judge a column; converting
        // every cell of a large table would cost a string per cell.
        let mut values: Vec<Option<String>> = Vec::with_capacity(PRIVACY_SAMPLE_ROWS);
        if let Some(cells) = part.head_cells(&name, PRIVACY_SAMPLE_ROWS)? {
            cells.try_for_each(|_, cell| {
                values.push(missing.value(cell).map(str::to_string));
                Ok::<(), Error>(())
            })?;
        }
        let flagged_name = if name == "participant_id" || name == "wave" {
            None
        } else {
            privacy::identifying(&source_name, &[])
        };
        if let Some(why) =
            flagged_name.or_else(|| privacy::identifying_values(&source_name, &values))
        {
            return Err(Error::Privacy(format!(
                "{}: column \"{source_name}\" looks identifying ({why}); belong does not read identifying data. Leave it out with drop = [\"{source_name}\"] under [{section}] in belong.toml, or, if it is safe to analyse, allow = [\"{source_name}\"]",
                part.place()
            )));
        }
    }
    Ok(())
}

fn require_column(parts: &[TablePart], column: &str, fix: &str) -> Result<()> {
    for part in parts {
        if !part.has_column(column) {
            return Err(Error::MissingColumn {
                path: part.path.clone(),
                sheet: part.sheet.as_ref().map(|sheet| sheet.name.clone()),
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
        sheet: part.sheet_cell(row, column),
    }))
}

/// Appends a part's converted column to the table's. The first part's
/// column becomes the table's, moved rather than copied: a table read in
/// one part (or attendance, handed on part by part) is never copied.
fn append_column<T>(column: &mut Vec<T>, mut part: Vec<T>) {
    if column.is_empty() {
        *column = part;
    } else {
        column.append(&mut part);
    }
}

/// Converts one column of one part with `parse`, reporting the first cell
/// that fails. A part without the column yields all-missing values.
fn convert_column<T: Clone>(
    part: &TablePart,
    column: &str,
    missing: &MissingMarkers,
    expected: &str,
    fix: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<Vec<Option<T>>> {
    let Some(cells) = part.cells(column)? else {
        return Ok((0..part.frame.height()).map(|_| None).collect());
    };
    cells.try_map(|row, cell| match missing.value(cell) {
        None => Ok(None),
        Some(text) => {
            Ok(Some(parse(text).ok_or_else(|| {
                value_error(part, row, column, text, expected, fix)
            })?))
        }
    })
}

/// A text column whose missing cells become empty strings, for validate to
/// exclude with a reason (ids, waves).
fn id_like_column(part: &TablePart, column: &str, missing: &MissingMarkers) -> Result<Vec<String>> {
    Ok(text_column(part, column, missing)?
        .into_iter()
        .map(Option::unwrap_or_default)
        .collect())
}

/// [`id_like_column`] as numbers of texts in `texts`, which it extends.
fn coded_id_like_column(
    part: &TablePart,
    column: &str,
    missing: &MissingMarkers,
    texts: &mut TextSet,
) -> Result<Vec<u32>> {
    let Some(cells) = part.cells(column)? else {
        return Ok(vec![texts.insert("").0; part.frame.height()]);
    };
    cells.try_map(|_, cell| Ok(texts.insert(missing.value(cell).unwrap_or_default()).0))
}

/// A text column as numbers of texts in `values`, which it extends.
fn coded_text_column(
    part: &TablePart,
    column: &str,
    missing: &MissingMarkers,
    values: &mut TextSet,
) -> Result<Vec<Option<u32>>> {
    let Some(cells) = part.cells(column)? else {
        return Ok(vec![None; part.frame.height()]);
    };
    cells.try_map(|_, cell| Ok(missing.value(cell).map(|text| values.insert(text).0)))
}

/// A numeric column read as the label of each value's band, the labels
/// kept in the order the bands are listed. A value that is not a number,
/// or is in no band, stops the run naming its cell: a band left out of
/// the config is not a reason to lose a person's answer silently.
fn banded_column(
    part: &TablePart,
    column: &str,
    bands: &[bands::ValueBand],
    missing: &MissingMarkers,
    coded: &mut CodedText,
) -> Result<Vec<Option<u32>>> {
    coded.ordered = true;
    if coded.values.is_empty() {
        for band in bands {
            coded.values.insert(&band.label);
        }
    }
    let Some(cells) = part.cells(column)? else {
        return Ok(vec![None; part.frame.height()]);
    };
    let labels = || {
        bands
            .iter()
            .map(|b| b.label.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    cells.try_map(|row, cell| {
        let Some(text) = missing.value(cell) else {
            return Ok(None);
        };
        let Some(number) = parse_number(text.trim()).filter(|v| v.is_finite()) else {
            return Err(value_error(
                part,
                row,
                column,
                text,
                &format!("a number (bands.{column} in belong.toml bands it)"),
                "fix the value or mark it missing (NA), or remove the column from bands",
            ));
        };
        match bands.iter().position(|b| b.contains(number)) {
            Some(band) => Ok(Some(band as u32)),
            None => Err(value_error(
                part,
                row,
                column,
                text,
                &format!("in one of the bands of bands.{column} ({})", labels()),
                "add a band that holds it under bands in belong.toml, or fix the value or mark it missing (NA)",
            )),
        }
    })
}

fn text_column(
    part: &TablePart,
    column: &str,
    missing: &MissingMarkers,
) -> Result<Vec<Option<String>>> {
    convert_column(part, column, missing, "text", "", |t| Some(t.to_string()))
}

fn origins(part: &TablePart) -> impl Iterator<Item = RowOrigin> + '_ {
    (0..part.frame.height()).map(|row| RowOrigin::new(part.file, part.line_of(row)))
}

/// A date column, read in the configured format. Without a configured
/// format, `03/04/2025` is an error naming `date_format`, never a guess.
fn date_column(
    part: &TablePart,
    table: &str,
    column: &str,
    options: &IngestOptions,
) -> Result<Vec<Option<Date>>> {
    let configured = options.date_formats.of(table, column);
    let format = configured.unwrap_or_default();
    // Dates stored as dates (Parquet) need no parsing.
    if let Some(days) = part.typed_dates(column) {
        return Ok(days);
    }
    let Some(cells) = part.cells(column)? else {
        return Ok((0..part.frame.height()).map(|_| None).collect());
    };
    cells.try_map(|row, cell| {
        Ok(match options.missing.value(cell) {
            None => None,
            Some(text) => Some(parse_date(text, format).ok_or_else(|| {
                let (expected, fix) = if configured.is_none() && looks_like_local_date(text) {
                    (
                        "a date in YYYY-MM-DD",
                        "this date could be day-first or month-first; say which with date_format = \"day-first\" or \"month-first\" in belong.toml",
                    )
                } else {
                    match format {
                        DateFormat::Iso => ("a date in YYYY-MM-DD", "fix the date or mark it missing (NA); other formats: date_format in belong.toml"),
                        DateFormat::DayFirst => ("a day-first date (25/11/2026)", "fix the date or mark it missing (NA), or change date_format in belong.toml"),
                        DateFormat::MonthFirst => ("a month-first date (11/25/2026)", "fix the date or mark it missing (NA), or change date_format in belong.toml"),
                    }
                };
                value_error(part, row, column, text, expected, fix)
            })?),
        })
    })
}

pub(crate) fn build_participants(
    parts: &[TablePart],
    options: &IngestOptions,
) -> Result<Participants> {
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
                || name == "sessions"
                || present_groups.contains(&&name);
            if !known && !covariate_names.contains(&name) {
                covariate_names.push(name);
            }
        }
    }
    let mut table = Participants {
        groups: present_groups
            .iter()
            .map(|g| (g.to_string(), CodedText::default()))
            .collect(),
        covariates: covariate_names
            .into_iter()
            .map(|c| (c, CodedText::default()))
            .collect(),
        ..Participants::default()
    };
    let has_sessions = parts.iter().any(|p| p.has_column("sessions"));
    for part in parts {
        // Columns convert in parallel; the first error in column order is
        // the one reported, whatever finishes first.
        let mut text_columns: Vec<&mut (String, CodedText)> = table
            .groups
            .iter_mut()
            .chain(table.covariates.iter_mut())
            .collect();
        let ((ids, codes), (dates, sessions)) = rayon::join(
            || {
                rayon::join(
                    || id_like_column(part, "participant_id", &options.missing),
                    || {
                        text_columns
                            .par_iter_mut()
                            .map(|column| {
                                let (name, values) = &mut **column;
                                match options.bands.iter().find(|(c, _)| c == name) {
                                    Some((_, bands)) => {
                                        banded_column(part, name, bands, &options.missing, values)
                                    }
                                    None => coded_text_column(
                                        part,
                                        name,
                                        &options.missing,
                                        &mut values.values,
                                    ),
                                }
                            })
                            .collect::<Vec<_>>()
                    },
                )
            },
            || {
                rayon::join(
                    || date_column(part, "participants", "enrolled_on", options),
                    || {
                        has_sessions
                            .then(|| {
                                convert_column(
                                    part,
                                    "sessions",
                                    &options.missing,
                                    "a count of sessions attended",
                                    "write a whole number of sessions or mark it missing (NA)",
                                    |t| parse_integer(t).and_then(|v| u32::try_from(v).ok()),
                                )
                            })
                            .transpose()
                    },
                )
            },
        );
        append_column(&mut table.id, ids?);
        for (column, codes) in text_columns.into_iter().zip(codes) {
            append_column(&mut column.1.codes, codes?);
        }
        append_column(&mut table.enrolled_on, dates?);
        if let Some(sessions) = sessions? {
            table.sessions.get_or_insert_with(Vec::new).extend(sessions);
        }
        table.origin.extend(origins(part));
    }
    for (column, _) in &options.bands {
        let present = |columns: &[(String, CodedText)]| columns.iter().any(|(c, _)| c == column);
        if !present(&table.groups) && !present(&table.covariates) {
            let mut names: Vec<String> = parts.iter().flat_map(|p| p.column_names()).collect();
            names.dedup();
            return Err(Error::Layout(format!(
                "{}: bands.{} in belong.toml names a column the participants table does not have; its columns are {}",
                parts[0].path.display(),
                column.escape_debug(),
                shown_columns(&names)
            )));
        }
    }
    if let Some(period) = options.cohort_from {
        if table.groups.iter().any(|(name, _)| name == "cohort") {
            return Err(Error::Layout(format!(
                "{}: the participants table has a cohort column and cohort_from in belong.toml derives one from enrolled_on; drop one of them",
                parts[0].path.display()
            )));
        }
        let labels: Vec<Option<String>> = table
            .enrolled_on
            .iter()
            .map(|date| date.map(|d| period.label(d)))
            .collect();
        let cohort = CodedText::of(labels.iter().map(Option::as_deref));
        // In group_by's order: after the groups listed before it.
        let before: Vec<&String> = options
            .group_columns
            .iter()
            .take_while(|g| *g != "cohort")
            .collect();
        let position = table
            .groups
            .iter()
            .filter(|(name, _)| before.contains(&name))
            .count();
        table
            .groups
            .insert(position, ("cohort".to_string(), cohort));
    }
    Ok(table)
}

/// How a cohort is derived from the enrolment date (`cohort_from`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CohortPeriod {
    Year,
    Quarter,
    Month,
}

impl CohortPeriod {
    /// `2024`, `2024-Q3`, `2024-09`: labels that sort in time order.
    pub fn label(self, date: Date) -> String {
        let (year, month, _) = crate::cells::civil_from_days(date);
        match self {
            CohortPeriod::Year => format!("{year}"),
            CohortPeriod::Quarter => format!("{year}-Q{}", (month - 1) / 3 + 1),
            CohortPeriod::Month => format!("{year}-{month:02}"),
        }
    }
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

pub(crate) fn build_assessments(
    parts: &[TablePart],
    instruments: &[Instrument],
    options: &IngestOptions,
) -> Result<Assessments> {
    let missing = &options.missing;
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
        // Columns convert independently: the id, wave and date columns on
        // one side, the item columns in parallel on the other. The first
        // error in column order is the one reported, whatever finishes first.
        let (ids, waves) = (&mut table.participant_id, &mut table.wave);
        let (people, responses) = rayon::join(
            || -> Result<_> {
                // Coding the ids (a hash lookup per row) is the longest.
                let (ids, waves_and_dates) = rayon::join(
                    || coded_id_like_column(part, "participant_id", missing, &mut ids.texts),
                    || -> Result<_> {
                        Ok((
                            coded_id_like_column(part, "wave", missing, &mut waves.texts)?,
                            date_column(part, "assessments", "assessed_on", options)?,
                        ))
                    },
                );
                let ids = ids?;
                let (waves, dates) = waves_and_dates?;
                Ok((ids, waves, dates))
            },
            || {
                table
                    .instruments
                    .par_iter()
                    .map(|columns| {
                        convert_responses(part, &instruments[columns.instrument], columns, options)
                    })
                    .collect::<Vec<_>>()
            },
        );
        let (ids, waves, dates) = people?;
        append_column(&mut table.participant_id.rows, ids);
        append_column(&mut table.wave.rows, waves);
        append_column(&mut table.assessed_on, dates);
        let mut bad_cells = Vec::new();
        for (columns, converted) in table.instruments.iter_mut().zip(responses) {
            let (items, total, bad) = converted?;
            bad_cells.extend(bad);
            for (values, item) in columns.items.iter_mut().zip(items) {
                append_column(values, item);
            }
            if let (Some(values), Some(total)) = (&mut columns.total, total) {
                append_column(values, total);
            }
        }
        bad_cells.sort_by_key(|cell| cell.origin.line());
        table.bad_cells.extend(bad_cells);
        table.origin.extend(origins(part));
    }
    Ok(table)
}

/// One part's item columns (each converted in parallel) and total column
/// of one instrument, and the cells read as missing.
type Responses = (
    Vec<Vec<Option<Response>>>,
    Option<Vec<Option<f64>>>,
    Vec<BadCell>,
);

/// One item column's responses and the cells read as missing.
type Item = (Vec<Option<Response>>, Vec<BadCell>);

/// What to do with an item or total cell that cannot be a response.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OnBadCell {
    /// Read it as missing, record it, and keep the row.
    #[default]
    Missing,
    /// Stop the run, naming the cell.
    Stop,
}

/// One converted cell of an item or total column.
#[derive(Clone, Copy)]
enum Converted<T> {
    Value(Option<T>),
    OutOfRange,
    Unreadable,
}

/// True for text that is an answer in words (a run of three letters):
/// an unknown wording is an error, not a missing cell, since it usually
/// means the instrument's answers are worded differently and every such
/// cell would be lost.
fn is_worded(text: &str) -> bool {
    let mut run = 0;
    for c in text.chars() {
        run = if c.is_alphabetic() { run + 1 } else { 0 };
        if run >= 3 {
            return true;
        }
    }
    false
}

/// Converts one item or total column: `parse` reads a cell, `in_range`
/// checks it. A cell that cannot be a response is an error under
/// [`OnBadCell::Stop`] (and always for an unknown wording, when the
/// instrument has wordings), otherwise missing and recorded.
#[allow(clippy::too_many_arguments)]
fn convert_scores<T: Clone + Copy + std::fmt::Display>(
    part: &TablePart,
    name: &str,
    options: &IngestOptions,
    words_known: bool,
    expected: &str,
    fix: &str,
    parse: impl Fn(&str) -> Option<T>,
    in_range: impl Fn(T) -> bool,
    typed: Option<std::result::Result<Vec<Option<T>>, read::TooLarge>>,
) -> Result<(Vec<Option<T>>, Vec<BadCell>)> {
    let stop = options.on_bad_cell == OnBadCell::Stop;
    let converted: Vec<Converted<T>> = match typed {
        Some(Ok(values)) => values
            .into_iter()
            .enumerate()
            .map(|(row, value)| match value {
                Some(v) if !in_range(v) => {
                    if stop {
                        Err(value_error(part, row, name, &v.to_string(), expected, fix))
                    } else {
                        Ok(Converted::OutOfRange)
                    }
                }
                other => Ok(Converted::Value(other)),
            })
            .collect::<Result<_>>()?,
        Some(Err((row, value))) => {
            return Err(value_error(
                part,
                row,
                name,
                &value.to_string(),
                expected,
                fix,
            ))
        }
        None => match part.cells(name)? {
            None => vec![Converted::Value(None); part.frame.height()],
            Some(cells) => cells.try_map(|row, cell| {
                let Some(text) = options.missing.value(cell) else {
                    return Ok(Converted::Value(None));
                };
                let fail = || value_error(part, row, name, text, expected, fix);
                match parse(text) {
                    Some(v) if in_range(v) => Ok(Converted::Value(Some(v))),
                    Some(_) if !stop => Ok(Converted::OutOfRange),
                    None if !(stop || words_known && is_worded(text)) => Ok(Converted::Unreadable),
                    _ => Err(fail()),
                }
            })?,
        },
    };
    let mut bad = Vec::new();
    if converted.iter().any(|c| !matches!(c, Converted::Value(_))) {
        // Rare: the cells' text is looked up again for the record.
        let texts = part.text(name)?.unwrap_or_default();
        for (row, cell) in converted.iter().enumerate() {
            let reason = match cell {
                Converted::Value(_) => continue,
                Converted::OutOfRange => "response out of range",
                Converted::Unreadable => "unreadable response",
            };
            bad.push(BadCell {
                origin: RowOrigin::new(part.file, part.line_of(row)),
                column: name.to_string(),
                found: texts.get(row).cloned().flatten().unwrap_or_default(),
                reason,
            });
        }
    }
    let values = converted
        .into_iter()
        .map(|c| match c {
            Converted::Value(v) => v,
            _ => None,
        })
        .collect();
    Ok((values, bad))
}

fn convert_responses(
    part: &TablePart,
    instrument: &Instrument,
    columns: &InstrumentColumns,
    options: &IngestOptions,
) -> Result<Responses> {
    let (expected, fix) = if instrument.labels.is_empty() {
        (
            format!("a response {}–{}", instrument.raw_min, instrument.raw_max),
            "fix the cell or mark it missing (NA)".to_string(),
        )
    } else {
        (
            format!(
                "a response {}–{} or an answer of {} ({})",
                instrument.raw_min,
                instrument.raw_max,
                instrument.id,
                instrument.answers()
            ),
            format!(
                "fix the cell or mark it missing (NA); if it is another wording of an answer, add it in belong.toml under [[instruments]] with id = \"{}\" and labels = {{ \"the words\" = N }}",
                instrument.id
            ),
        )
    };
    let (expected, fix) = (expected.as_str(), fix.as_str());
    let words_known = !instrument.labels.is_empty();
    let in_range = |r: Response| (instrument.raw_min..=instrument.raw_max).contains(&i64::from(r));
    let items: Vec<Result<Item>> = (0..columns.items.len())
        .into_par_iter()
        .map(|k| {
            let name = instrument.item_column(k + 1);
            convert_scores(
                part,
                &name,
                options,
                words_known,
                expected,
                fix,
                |text| {
                    parse_integer(text)
                        .or_else(|| instrument.response_of_label(text))
                        .and_then(|value| Response::try_from(value).ok())
                },
                in_range,
                part.typed_responses(&name),
            )
        })
        .collect();
    let mut bad = Vec::new();
    let mut values = Vec::with_capacity(items.len());
    for item in items {
        let (item, item_bad) = item?;
        values.push(item);
        bad.extend(item_bad);
    }
    let total = match columns.total {
        Some(_) => {
            let expected = if instrument.score_max.is_finite() {
                format!("a total {}–{}", instrument.score_min, instrument.score_max)
            } else {
                "a number".to_string()
            };
            let (total, total_bad) = convert_scores(
                part,
                &instrument.total_column(),
                options,
                false,
                &expected,
                "fix the cell or mark it missing (NA)",
                parse_number,
                |t: f64| t >= instrument.score_min && t <= instrument.score_max,
                None,
            )?;
            bad.extend(total_bad);
            Some(total)
        }
        None => None,
    };
    // In file order: by row, then column (a stable sort keeps the columns'
    // order within a row).
    bad.sort_by_key(|cell| cell.origin.line());
    Ok((values, total, bad))
}

fn parse_format(text: &str) -> Option<bool> {
    let is = |options: &[&str]| options.iter().any(|o| text.eq_ignore_ascii_case(o));
    if is(&["group"]) {
        Some(true)
    } else if is(&["individual", "one-to-one", "1:1"]) {
        Some(false)
    } else {
        None
    }
}

/// Distinct texts and their indices, looked up without allocating.
#[derive(Default)]
struct Interner {
    values: TextSet,
    /// The last text looked up: attendance rows usually come in runs of
    /// one participant or one activity, and comparing with the previous
    /// text is cheaper than hashing it.
    last: Option<u32>,
}

impl Interner {
    fn reserve(&mut self, additional: usize) {
        self.values.reserve(additional);
    }

    fn intern(&mut self, text: &str) -> u32 {
        if let Some(last) = self.last {
            if self.values.get(last as usize) == text {
                return last;
            }
        }
        let (i, _) = self.values.insert(text);
        self.last = Some(i);
        i
    }
}

/// The attendance table, built part by part.
#[derive(Default)]
struct AttendanceBuilder {
    table: Attendance,
    ids: Interner,
    activities: Interner,
}

/// One part's attendance columns other than the participant.
struct OtherAttendanceColumns {
    session_date: Vec<Option<Date>>,
    activity: Vec<Option<u16>>,
    is_group: Vec<bool>,
    attended: Vec<bool>,
    minutes: Vec<Option<f32>>,
}

impl AttendanceBuilder {
    fn append(&mut self, part: &TablePart, options: &IngestOptions) -> Result<()> {
        let missing = &options.missing;
        for (column, fix) in [
            (
                "participant_id",
                "every attendance table needs a participant_id column",
            ),
            (
                "session_date",
                "add the date of each session as session_date",
            ),
        ] {
            if !part.has_column(column) {
                return Err(Error::MissingColumn {
                    path: part.path.clone(),
                    sheet: part.sheet.as_ref().map(|sheet| sheet.name.clone()),
                    column: column.to_string(),
                    fix: fix.to_string(),
                });
            }
        }
        let (ids, activities) = (&mut self.ids, &mut self.activities);
        // Interning ids is the largest single cost at tens of millions of
        // rows: it runs beside the other columns' conversion.
        let (participant, others) = rayon::join(
            || intern_participants(part, missing, ids),
            || other_attendance_columns(part, options, activities),
        );
        let (participant, others) = (participant?, others?);
        let table = &mut self.table;
        append_column(&mut table.participant, participant);
        append_column(&mut table.session_date, others.session_date);
        append_column(&mut table.activity, others.activity);
        append_column(&mut table.is_group, others.is_group);
        append_column(&mut table.attended, others.attended);
        append_column(&mut table.minutes, others.minutes);
        table.origin.extend(origins(part));
        Ok(())
    }

    /// Lends the rows read so far, with the id and activity lists, to
    /// `visit`, then forgets the rows (keeping the lists).
    fn hand_over(&mut self, visit: &mut impl FnMut(&Attendance) -> Result<()>) -> Result<()> {
        let table = &mut self.table;
        table.ids = std::mem::take(&mut self.ids.values);
        table.activities = std::mem::take(&mut self.activities.values);
        let result = visit(table);
        self.ids.values = std::mem::take(&mut table.ids);
        self.activities.values = std::mem::take(&mut table.activities);
        table.clear_rows();
        result
    }

    /// The distinct ids and activities.
    fn finish(self) -> (TextSet, TextSet) {
        (self.ids.values, self.activities.values)
    }
}

fn intern_participants(
    part: &TablePart,
    missing: &MissingMarkers,
    ids: &mut Interner,
) -> Result<Vec<u32>> {
    match part.cells("participant_id")? {
        Some(cells) => {
            cells.try_map(|_, cell| Ok(ids.intern(missing.value(cell).unwrap_or_default())))
        }
        None => Ok(vec![ids.intern(""); part.frame.height()]),
    }
}

fn other_attendance_columns(
    part: &TablePart,
    options: &IngestOptions,
    activities: &mut Interner,
) -> Result<OtherAttendanceColumns> {
    let missing = &options.missing;
    let height = part.frame.height();
    let session_date = date_column(part, "attendance", "session_date", options)?;
    let activity = match part.cells("activity")? {
        Some(cells) => cells.try_map(|_, cell| {
            let index = missing.value(cell).map(|a| activities.intern(a));
            if activities.values.len() > usize::from(u16::MAX) {
                return Err(Error::Layout(format!(
                    "{}: column activity has more than {} different activities; it looks like free text, not an activity name",
                    part.path.display(),
                    u16::MAX
                )));
            }
            Ok(index.map(|i| i as u16))
        })?,
        None => vec![None; height],
    };
    let is_group = convert_column(
        part,
        "format",
        missing,
        "group or individual",
        "write group or individual, or leave it empty for group",
        parse_format,
    )?
    .into_iter()
    .map(|v| v.unwrap_or(true))
    .collect();
    // Typed columns (Parquet) need no parsing.
    let attended = match part.typed_booleans("attended") {
        Some(values) => values,
        None => convert_column(
            part,
            "attended",
            missing,
            "true or false",
            "write true or false, or leave it empty for attended",
            parse_bool,
        )?,
    };
    let minutes = match part.typed_numbers("minutes") {
        Some(values) => values,
        None => convert_column(
            part,
            "minutes",
            missing,
            "a number of minutes",
            "fix the cell or mark it missing (NA)",
            parse_number,
        )?,
    };
    Ok(OtherAttendanceColumns {
        session_date,
        activity,
        is_group,
        attended: attended.into_iter().map(|v| v.unwrap_or(true)).collect(),
        minutes: minutes.into_iter().map(|m| m.map(|v| v as f32)).collect(),
    })
}

/// The folder a data path lives in: itself, or a file's parent.
pub fn data_folder(data: &Path) -> PathBuf {
    if data.is_file() {
        data.parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."))
    } else {
        data.to_path_buf()
    }
}
