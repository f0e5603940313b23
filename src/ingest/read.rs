//! Finding a table's files and reading each into a polars frame.
//!
//! A table is `NAME.csv`, `NAME.parquet` or a folder `NAME/` of CSV or
//! Parquet parts (hive-style `key=value/` folders become columns). CSV is
//! read with every column as text so that type conversion, and its error
//! messages, stay in our hands.

use crate::error::{Error, Result};
use polars::prelude::*;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// A file that was read, for the manifest.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SourceFile {
    pub table: String,
    pub path: PathBuf,
    /// Records read (blank lines are not records).
    pub rows: usize,
    pub sha256: String,
    /// Lines with no value in any column, skipped: not records.
    pub blank_lines: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FileKind {
    Csv,
    Parquet,
    Xlsx,
}

/// One file of a table, read.
pub(crate) struct TablePart {
    /// Index into the run's list of source files.
    pub file: u32,
    pub path: PathBuf,
    pub kind: FileKind,
    pub frame: DataFrame,
    /// Columns from hive-style partition folders: (name, value).
    pub partition_values: Vec<(String, String)>,
    /// Line (or row) of the first data row: 2 in a CSV file with a header,
    /// 1 in Parquet, the header row + 1 in a sheet.
    pub first_line: u64,
    /// Explicit line per row, for tables derived from another (the wide
    /// sheet's assessments: one row per participant and wave).
    pub lines: Option<Vec<u64>>,
    /// The sheet and its column letters, when the part is a workbook sheet.
    pub sheet: Option<SheetColumns>,
    /// (column, question text), when a survey tool (Qualtrics) wrote the
    /// questions in a second header row.
    pub questions: Vec<(String, String)>,
}

/// Qualtrics exports three header rows: the column names, the question
/// texts, and a row of `{"ImportId":…}`. The two extra rows are headers,
/// not records: they are removed, and the question texts returned.
fn survey_tool_header(frame: &mut DataFrame) -> Vec<(String, String)> {
    if frame.height() < 2 {
        return Vec::new();
    }
    let cell = |column: &Column, row: usize| -> Option<String> {
        column
            .str()
            .ok()
            .and_then(|s| s.get(row))
            .map(|t| t.trim().to_string())
    };
    let import_ids = frame
        .columns()
        .iter()
        .filter_map(|c| cell(c, 1))
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>();
    if import_ids.is_empty() || !import_ids.iter().all(|t| t.starts_with("{\"ImportId\"")) {
        return Vec::new();
    }
    let questions = frame
        .columns()
        .iter()
        .map(|c| (c.name().to_string(), cell(c, 0).unwrap_or_default()))
        .collect();
    *frame = frame.slice(2, frame.height() - 2);
    questions
}

/// A workbook sheet's name and where each of its columns is, so that a
/// message can name the cell (`sheet "Surveys", cell D5`).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct SheetColumns {
    pub name: String,
    /// Column name as now called (renamed columns follow) → its letters.
    pub letters: Vec<(String, String)>,
}

impl SheetColumns {
    /// Follows a column renamed by the mapping.
    pub fn rename(&mut self, from: &str, to: &str) {
        for (name, _) in &mut self.letters {
            if name == from {
                *name = to.to_string();
            }
        }
    }
}

/// What every part of one file shares: its index, path, kind and hive
/// partition values (found once per file, not once per slice).
struct FileParts {
    file: u32,
    path: PathBuf,
    kind: FileKind,
    partition_values: Vec<(String, String)>,
}

impl FileParts {
    fn new(data_dir: &Path, table: &str, path: &Path, file: u32, kind: FileKind) -> FileParts {
        FileParts {
            file,
            path: path.to_path_buf(),
            kind,
            partition_values: partition_values(data_dir, table, path),
        }
    }

    /// The part holding `frame`, whose first row is at `first_line`. A
    /// column of the file that disagrees with its hive folder
    /// (`wave=baseline/` holding rows of another wave) is an error: which
    /// is right cannot be known.
    fn part(&self, frame: DataFrame, first_line: u64) -> Result<TablePart> {
        for (key, value) in &self.partition_values {
            let Ok(column) = frame.column(key) else {
                continue;
            };
            let as_text = column.cast(&DataType::String).ok();
            let strings = as_text.as_ref().and_then(|c| c.str().ok());
            let disagreeing = strings.and_then(|s| {
                s.iter()
                    .position(|cell| cell.is_some_and(|c| c.trim() != value))
            });
            if let Some(row) = disagreeing {
                return Err(Error::Table {
                    path: self.path.clone(),
                    message: format!(
                        "row {}: column {} disagrees with the folder {}={} the file is in; keep the column or the folder, not both",
                        row as u64 + first_line,
                        key.escape_debug(),
                        key.escape_debug(),
                        value.escape_debug()
                    ),
                });
            }
        }
        Ok(TablePart {
            file: self.file,
            path: self.path.clone(),
            kind: self.kind,
            partition_values: self.partition_values.clone(),
            frame,
            first_line,
            lines: None,
            sheet: None,
            questions: Vec::new(),
        })
    }
}

impl TablePart {
    /// The file for a message, with its sheet when it is a workbook's:
    /// `export.xlsx, sheet "Surveys"`.
    pub fn place(&self) -> String {
        match &self.sheet {
            Some(sheet) => format!(
                "{}, sheet \"{}\"",
                self.path.display(),
                sheet.name.escape_debug()
            ),
            None => self.path.display().to_string(),
        }
    }

    /// The sheet and cell of `column` in row `row`, in a workbook.
    pub(crate) fn sheet_cell(&self, row: usize, column: &str) -> Option<crate::error::SheetCell> {
        let sheet = self.sheet.as_ref()?;
        let (_, letters) = sheet.letters.iter().find(|(name, _)| name == column)?;
        Some(crate::error::SheetCell {
            sheet: sheet.name.clone(),
            cell: format!("{letters}{}", self.line_of(row)),
        })
    }

    /// The line (CSV, after the header) or 1-based row (Parquet) of row `i`.
    pub(crate) fn line_of(&self, row: usize) -> u64 {
        match &self.lines {
            Some(lines) => lines.get(row).copied().unwrap_or_default(),
            None => row as u64 + self.first_line,
        }
    }

    pub(crate) fn has_column(&self, name: &str) -> bool {
        self.frame.schema().contains(name) || self.partition_values.iter().any(|(k, _)| k == name)
    }

    pub(crate) fn column_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .frame
            .get_column_names()
            .iter()
            .map(|n| n.to_string())
            .collect();
        for (key, _) in &self.partition_values {
            if !names.contains(key) {
                names.push(key.clone());
            }
        }
        names
    }

    /// The column's cells as text without copying each into its own
    /// allocation; `None` when the part lacks the column.
    pub fn cells(&self, name: &str) -> Result<Option<Cells>> {
        self.head_cells(name, self.frame.height())
    }

    /// The first `rows` cells of the column as text; only those are
    /// converted.
    pub(crate) fn head_cells(&self, name: &str, rows: usize) -> Result<Option<Cells>> {
        if let Ok(column) = self.frame.column(name) {
            let head = column.slice(0, rows);
            let error = |source: PolarsError| Error::Polars {
                path: self.path.clone(),
                doing: format!("reading column {} as text", super::shown_name(name)),
                source,
            };
            let as_text = head.cast(&DataType::String).map_err(error)?;
            let strings = as_text.str().map_err(error)?.clone();
            return Ok(Some(Cells::Strings(strings)));
        }
        if let Some((_, value)) = self.partition_values.iter().find(|(k, _)| k == name) {
            let height = self.frame.height().min(rows);
            return Ok(Some(Cells::Constant(value.clone(), height)));
        }
        Ok(None)
    }

    /// A column stored as a Parquet/Arrow date, as days since 1970-01-01.
    pub(crate) fn typed_dates(&self, name: &str) -> Option<Vec<Option<i32>>> {
        let column = self.frame.column(name).ok()?;
        let dates = column.date().ok()?;
        Some(primitive_options(dates.physical()))
    }

    /// A column stored as booleans.
    pub(crate) fn typed_booleans(&self, name: &str) -> Option<Vec<Option<bool>>> {
        let column = self.frame.column(name).ok()?;
        let booleans = column.bool().ok()?;
        let mut values = Vec::with_capacity(booleans.len());
        for array in booleans.downcast_iter() {
            match array.validity() {
                None => values.extend(array.values().iter().map(Some)),
                Some(valid) => values.extend(
                    array
                        .values()
                        .iter()
                        .zip(valid.iter())
                        .map(|(value, present)| present.then_some(value)),
                ),
            }
        }
        Some(values)
    }

    /// A column stored as numbers (integers or floats).
    pub(crate) fn typed_numbers(&self, name: &str) -> Option<Vec<Option<f64>>> {
        let cast = self.typed_cast(name, DataType::is_primitive_numeric, DataType::Float64)?;
        Some(primitive_options(cast.f64().ok()?))
    }

    /// A column of item responses stored as integers, or the first row
    /// and value that is too large to be a response.
    pub(crate) fn typed_responses(
        &self,
        name: &str,
    ) -> Option<std::result::Result<Vec<Option<crate::model::Response>>, TooLarge>> {
        let cast = self.typed_cast(name, DataType::is_integer, DataType::Int64)?;
        let integers = cast.i64().ok()?;
        let mut responses = Vec::with_capacity(integers.len());
        let mut narrow = |row: usize, value: i64, present: bool| {
            if !present {
                responses.push(None);
                return Ok(());
            }
            crate::model::Response::try_from(value)
                .map(|response| responses.push(Some(response)))
                .map_err(|_| (row, value))
        };
        let mut row = 0;
        for array in integers.downcast_iter() {
            let result = match array.validity() {
                None => array
                    .values()
                    .iter()
                    .enumerate()
                    .try_for_each(|(index, value)| narrow(row + index, *value, true)),
                Some(valid) => array
                    .values()
                    .iter()
                    .zip(valid.iter())
                    .enumerate()
                    .try_for_each(|(index, (value, present))| narrow(row + index, *value, present)),
            };
            if let Err(too_large) = result {
                return Some(Err(too_large));
            }
            row += array.len();
        }
        Some(Ok(responses))
    }

    /// The column cast to `to`, when it is stored as a type `stored_as`
    /// accepts (text columns are parsed by the caller instead).
    fn typed_cast(
        &self,
        name: &str,
        stored_as: fn(&DataType) -> bool,
        to: DataType,
    ) -> Option<Column> {
        let column = self.frame.column(name).ok()?;
        if !stored_as(column.dtype()) {
            return None;
        }
        column.cast(&to).ok()
    }

    /// The column as text, one entry per row (`None` for nulls); `None` when
    /// the part lacks the column.
    pub fn text(&self, name: &str) -> Result<Option<Vec<Option<String>>>> {
        if let Ok(column) = self.frame.column(name) {
            let error = |source: PolarsError| Error::Polars {
                path: self.path.clone(),
                doing: format!("reading column {} as text", super::shown_name(name)),
                source,
            };
            let as_text = column.cast(&DataType::String).map_err(error)?;
            let strings = as_text.str().map_err(error)?;
            return Ok(Some(
                strings.iter().map(|v| v.map(str::to_string)).collect(),
            ));
        }
        if let Some((_, value)) = self.partition_values.iter().find(|(k, _)| k == name) {
            return Ok(Some(vec![Some(value.clone()); self.frame.height()]));
        }
        Ok(None)
    }
}

/// A numeric column's values, `None` where missing, chunk by chunk: a
/// chunk is copied in one pass over its values and validity, not element
/// by element through the generic iterator (a third of a second on the
/// national attendance minutes).
fn primitive_options<T: PolarsNumericType>(values: &ChunkedArray<T>) -> Vec<Option<T::Native>> {
    let mut options = Vec::with_capacity(values.len());
    for array in values.downcast_iter() {
        match array.validity() {
            None => options.extend(array.values().iter().map(|value| Some(*value))),
            Some(valid) => options.extend(
                array
                    .values()
                    .iter()
                    .zip(valid.iter())
                    .map(|(value, present)| present.then_some(*value)),
            ),
        }
    }
    options
}

/// The row and value of an integer too large to be a response.
pub(crate) type TooLarge = (usize, i64);

/// The cells of one column as text.
pub(crate) enum Cells {
    Strings(StringChunked),
    /// A hive partition value, the same in every row.
    Constant(String, usize),
}

impl Cells {
    /// `convert` of every cell, in row order. Cells that Arrow stores
    /// alike are converted once: within one chunk, equal string views hold
    /// equal text (short text inside the view, longer text at the same
    /// place of the same buffer), so a column of a few distinct values
    /// (activity, format, responses) costs a table lookup per row, not a
    /// parse or a hash of the text. `convert` sees the first cell of each
    /// distinct value first, so the first failing cell is the one whose
    /// error is returned.
    pub(crate) fn try_map<T: Clone, E>(
        &self,
        mut convert: impl FnMut(usize, Option<&str>) -> std::result::Result<T, E>,
    ) -> std::result::Result<Vec<T>, E> {
        const SLOTS: usize = 1024;
        match self {
            Cells::Strings(strings) => {
                let mut converted = Vec::with_capacity(strings.len());
                let mut row = 0;
                for array in strings.downcast_iter() {
                    // Views refer to this chunk's buffers: the remembered
                    // values start afresh with each chunk.
                    let mut remembered: Vec<Option<(u128, T)>> = vec![None; SLOTS];
                    let mut missing: Option<T> = None;
                    for (view, cell) in array.views().iter().zip(array.iter()) {
                        let value = if let Some(text) = cell {
                            let key = view.as_u128();
                            let mixed = (key as u64 ^ (key >> 64) as u64)
                                .wrapping_mul(0x9E37_79B9_7F4A_7C15);
                            let slot = (mixed >> 54) as usize % SLOTS;
                            match &remembered[slot] {
                                Some((seen, value)) if *seen == key => value.clone(),
                                _ => {
                                    let value = convert(row, Some(text))?;
                                    remembered[slot] = Some((key, value.clone()));
                                    value
                                }
                            }
                        } else {
                            match &missing {
                                Some(value) => value.clone(),
                                None => {
                                    let value = convert(row, None)?;
                                    missing = Some(value.clone());
                                    value
                                }
                            }
                        };
                        converted.push(value);
                        row += 1;
                    }
                }
                Ok(converted)
            }
            Cells::Constant(value, rows) => {
                if *rows == 0 {
                    return Ok(Vec::new());
                }
                Ok(vec![convert(0, Some(value))?; *rows])
            }
        }
    }

    /// Visits every cell in row order.
    pub(crate) fn try_for_each<E>(
        &self,
        mut visit: impl FnMut(usize, Option<&str>) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        match self {
            Cells::Strings(strings) => {
                for (row, cell) in strings.iter().enumerate() {
                    visit(row, cell)?;
                }
            }
            Cells::Constant(value, rows) => {
                for row in 0..*rows {
                    visit(row, Some(value))?;
                }
            }
        }
        Ok(())
    }
}

/// Whether `path` (a default table name such as `attendance.csv`) holds a
/// table file. Something there that cannot be read as one (a dangling
/// link, a device, a folder) is an error: ignoring it would publish a
/// report without that table.
fn is_table_file(path: &Path, table: &str) -> Result<bool> {
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(Error::io("checking the table", path, e)),
        Ok(_) => {}
    }
    let why = match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() => return Ok(true),
        Ok(meta) if meta.is_dir() => "it is a folder named like a file",
        Ok(_) => "it is not a regular file (a device, pipe or socket)",
        Err(_) => "it is a link to nothing",
    };
    Err(Error::Layout(format!(
        "{}: the {table} table cannot be read: {why}; put the table's file there, or remove it",
        path.display()
    )))
}

/// Where a table lives in a data folder, if anywhere.
pub(crate) fn locate(data_dir: &Path, table: &str) -> Result<Option<Vec<PathBuf>>> {
    let mut candidates = Vec::new();
    for ext in ["csv", "parquet", "xlsx"] {
        let path = data_dir.join(format!("{table}.{ext}"));
        if is_table_file(&path, table)? {
            candidates.push(path);
        }
    }
    let folder = data_dir.join(table);
    let folder_exists = folder.is_dir();
    if !folder_exists && std::fs::symlink_metadata(&folder).is_ok() {
        return Err(Error::Layout(format!(
            "{}: the {table} table cannot be read: it is neither a folder of parts nor a file with an extension (.csv, .parquet, .xlsx); rename it or remove it",
            folder.display()
        )));
    }
    if candidates.len() + usize::from(folder_exists) > 1 {
        return Err(Error::Layout(format!(
            "{}: the {table} table is given more than once ({}); keep one of them",
            data_dir.display(),
            candidates
                .iter()
                .map(|p| p.display().to_string())
                .chain(folder_exists.then(|| format!("{}/", folder.display())))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    if let Some(file) = candidates.into_iter().next() {
        return Ok(Some(vec![file]));
    }
    if folder_exists {
        let mut parts = Vec::new();
        collect_parts(&folder, &mut parts)?;
        parts.sort();
        if parts.is_empty() {
            return Err(Error::Layout(format!(
                "{}/: the folder holds no .csv or .parquet parts",
                folder.display()
            )));
        }
        return Ok(Some(parts));
    }
    Ok(None)
}

/// The .csv and .parquet parts below a table's folder. Links to folders
/// are not followed (they can lead round in a loop, or to the same parts
/// twice), and a file reached twice is an error: each part counts once.
pub(crate) fn collect_parts(folder: &Path, parts: &mut Vec<PathBuf>) -> Result<()> {
    let mut seen = std::collections::HashMap::new();
    collect_parts_below(folder, parts, &mut seen)
}

fn collect_parts_below(
    folder: &Path,
    parts: &mut Vec<PathBuf>,
    seen: &mut std::collections::HashMap<(u64, u64), PathBuf>,
) -> Result<()> {
    let entries = std::fs::read_dir(folder)
        .map_err(|e| Error::io("listing the table's folder", folder, e))?;
    let mut entries: Vec<std::fs::DirEntry> = entries
        .collect::<std::io::Result<_>>()
        .map_err(|e| Error::io("listing the table's folder", folder, e))?;
    // Errors name the same entry whatever order the file system lists.
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let kind = entry
            .file_type()
            .map_err(|e| Error::io("checking a part of the table", &path, e))?;
        let is_part = path
            .extension()
            .is_some_and(|e| e == "csv" || e == "parquet");
        if kind.is_dir() {
            collect_parts_below(&path, parts, seen)?;
            continue;
        }
        if kind.is_symlink() {
            match std::fs::metadata(&path) {
                Ok(meta) if meta.is_dir() => {
                    return Err(Error::Layout(format!(
                        "{}: a link to a folder inside a table's folder is not followed (it can lead round in a loop or to the same parts twice); put the folder itself there",
                        path.display()
                    )))
                }
                Err(_) if is_part => {
                    return Err(Error::Layout(format!(
                        "{}: the part is a link to nothing; remove it or restore its file",
                        path.display()
                    )))
                }
                _ => {}
            }
        }
        if !is_part {
            continue;
        }
        let meta = std::fs::metadata(&path)
            .map_err(|e| Error::io("checking a part of the table", &path, e))?;
        if !meta.is_file() {
            return Err(Error::Layout(format!(
                "{}: the part is not a regular file (a device, pipe or socket); remove it",
                path.display()
            )));
        }
        if let Some(first) = seen.insert(file_identity(&meta), path.clone()) {
            return Err(Error::Layout(format!(
                "{} and {} are the same file (a link): each part must be read once; remove one of them",
                first.display(),
                path.display()
            )));
        }
        parts.push(path);
    }
    Ok(())
}

#[cfg(unix)]
fn file_identity(meta: &std::fs::Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    (meta.dev(), meta.ino())
}

/// Without inodes, no two parts are known to be one file.
#[cfg(not(unix))]
fn file_identity(_meta: &std::fs::Metadata) -> (u64, u64) {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    (0, NEXT.fetch_add(1, Ordering::Relaxed))
}

/// belong finds hive values itself ([`partition_values`]); polars would
/// parse every folder of the path, the data folder's ancestors included.
fn parquet_args() -> ScanArgsParquet {
    ScanArgsParquet {
        hive_options: HiveOptions::new_disabled(),
        ..ScanArgsParquet::default()
    }
}

/// Hive values (`wave=baseline/`) from the folders between the table's
/// folder and the file, percent-decoded as Arrow and Spark write them.
/// Folders above the data folder never count: a report must not depend
/// on where the data folder sits.
fn partition_values(data_dir: &Path, table: &str, path: &Path) -> Vec<(String, String)> {
    let Ok(relative) = path
        .strip_prefix(data_dir.join(table))
        .or_else(|_| path.strip_prefix(data_dir))
    else {
        return Vec::new();
    };
    relative
        .parent()
        .into_iter()
        .flat_map(|p| p.components())
        .filter_map(|c| {
            let text = c.as_os_str().to_str()?;
            let (key, value) = text.split_once('=')?;
            Some((percent_decoded(key), percent_decoded(value)))
        })
        .collect()
}

/// `week%2012` → `week 12`; a `%` not followed by two hex digits stays.
fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(high), Some(low)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((high * 16 + low) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_string())
}

fn sha256_of(path: &Path) -> Result<String> {
    let mut file = std::fs::File::open(path)
        .map_err(|e| Error::io("reading the file to fingerprint it", path, e))?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher)
        .map_err(|e| Error::io("reading the file to fingerprint it", path, e))?;
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// The delimiter of a CSV file, from its header line: `,` unless the header
/// holds semicolons or tabs and no commas (European Excel exports).
pub(crate) fn sniff_delimiter(path: &Path) -> u8 {
    use std::io::Read;
    // The header is in the first bytes; never read a large file for it.
    let mut bytes = Vec::with_capacity(65_536);
    let Ok(file) = std::fs::File::open(path) else {
        return b',';
    };
    if file.take(65_536).read_to_end(&mut bytes).is_err() {
        return b',';
    }
    let header = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    let count = |c: u8| header.iter().filter(|b| **b == c).count();
    match (count(b','), count(b';'), count(b'\t')) {
        (0, s, t) if s > 0 && s >= t => b';',
        (0, _, t) if t > 0 => b'\t',
        _ => b',',
    }
}

/// At most this many columns in a table: wider files are exports of a
/// whole database, and reading them costs more than they could give.
pub(crate) const MAX_COLUMNS: usize = 2_000;
/// The longest header line read.
const MAX_HEADER_BYTES: u64 = 1 << 20;

/// Refuses a CSV whose header is too long or too wide before polars reads
/// it: a million columns would exhaust memory with no message.
fn check_header(path: &Path, delimiter: u8) -> Result<()> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| Error::io("reading the header", path, e))?;
    let mut bytes = Vec::new();
    file.take(MAX_HEADER_BYTES)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io("reading the header", path, e))?;
    let header = match bytes.iter().position(|b| *b == b'\n') {
        Some(end) => &bytes[..end],
        None if bytes.len() as u64 == MAX_HEADER_BYTES => {
            return Err(Error::Table {
                path: path.to_path_buf(),
                message: format!(
                    "line 1 (the header) is longer than {} MiB; is this a CSV table? Export the table with one header line",
                    MAX_HEADER_BYTES >> 20
                ),
            })
        }
        None => &bytes[..],
    };
    let columns = field_count(&String::from_utf8_lossy(header), delimiter as char);
    if columns > MAX_COLUMNS {
        return Err(Error::Table {
            path: path.to_path_buf(),
            message: format!(
                "line 1: {columns} columns, more than the {MAX_COLUMNS} belong reads; export only the columns the evaluation needs"
            ),
        });
    }
    check_line_lengths(path)
}

/// The longest line of a CSV file belong reads. A record is a participant,
/// an answer sheet or a session: a line of megabytes is free text or a
/// damaged export, and reading it would cost gigabytes before any check.
pub(crate) const MAX_LINE_BYTES: usize = 1 << 20;

/// Refuses a CSV with a line longer than [`MAX_LINE_BYTES`], naming the
/// line, before polars reads it: one pass of `memchr` over the file.
fn check_line_lengths(path: &Path) -> Result<()> {
    use std::io::Read;
    let mut file =
        std::fs::File::open(path).map_err(|e| Error::io("reading the table", path, e))?;
    let mut buffer = vec![0u8; 8 << 20];
    // Bytes of the current line so far, and lines ended before it.
    let (mut current, mut lines) = (0usize, 0u64);
    loop {
        let read = match file.read(&mut buffer) {
            Ok(0) => return Ok(()),
            Ok(read) => read,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Error::io("reading the table", path, e)),
        };
        let mut start = 0;
        for end in memchr::memchr_iter(b'\n', &buffer[..read]) {
            current += end - start;
            if current > MAX_LINE_BYTES {
                break;
            }
            lines += 1;
            current = 0;
            start = end + 1;
        }
        if current <= MAX_LINE_BYTES {
            current += read - start;
        }
        if current > MAX_LINE_BYTES {
            return Err(Error::Table {
                path: path.to_path_buf(),
                message: format!(
                    "line {} is longer than {} MiB, the most belong reads in one line; a record that long holds free text or a damaged export: leave the long column out of the export, or export the table again",
                    lines + 1,
                    MAX_LINE_BYTES >> 20
                ),
            });
        }
    }
}

/// Splits one CSV line into fields, honouring double quotes.
fn field_count(line: &str, delimiter: char) -> usize {
    let mut fields = 1;
    let mut quoted = false;
    for c in line.chars() {
        if c == '"' {
            quoted = !quoted;
        } else if c == delimiter && !quoted {
            fields += 1;
        }
    }
    fields
}

/// polars takes a CSV whose first four bytes are a gzip, zlib or zstd
/// signature for a compressed file and, built without decompression,
/// panics. Such a file is refused here with the fix, including the text
/// file that only looks compressed because it starts with "x^".
fn refuse_compressed(path: &Path) -> Result<()> {
    use std::io::Read;
    let mut start = [0u8; 4];
    let mut file =
        std::fs::File::open(path).map_err(|e| Error::io("reading the table", path, e))?;
    let mut filled = 0;
    while filled < start.len() {
        match file.read(&mut start[filled..]) {
            Ok(0) => return Ok(()),
            Ok(read) => filled += read,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
            Err(error) => return Err(Error::io("reading the table", path, error)),
        }
    }
    let message = match start {
        [0x1f, 0x8b, _, _] => "line 1: the file is gzip-compressed, not CSV text; decompress it (gunzip) and give the .csv",
        [0x28, 0xb5, 0x2f, 0xfd] => "line 1: the file is zstd-compressed, not CSV text; decompress it (unzstd) and give the .csv",
        [0x78, 0x5e, _, _] => "line 1: the file starts with \"x^\", which CSV readers take for a zlib-compressed file; rename the first column (or add a column before it)",
        [0x78, 0x01 | 0x9c | 0xda, _, _] => "line 1: the file is zlib-compressed, not CSV text; decompress it and give the .csv",
        _ => return Ok(()),
    };
    Err(Error::Table {
        path: path.to_path_buf(),
        message: message.to_string(),
    })
}

/// Explains why polars could not read a CSV file, naming the line: text
/// that is not UTF-8, or a row whose field count differs from the header.
/// Falls back to the first line of polars' own message.
fn diagnose_csv(path: &Path, delimiter: u8, polars_message: &str) -> Error {
    let table = |message: String| Error::Table {
        path: path.to_path_buf(),
        message,
    };
    let Ok(bytes) = std::fs::read(path) else {
        return table(
            polars_message
                .lines()
                .next()
                .unwrap_or_default()
                .to_string(),
        );
    };
    if let Err(error) = std::str::from_utf8(&bytes) {
        let line = bytes[..error.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1;
        return table(format!(
            "line {line} is not UTF-8 text; save the file as UTF-8 (in Excel: Save As, CSV UTF-8)"
        ));
    }
    let text = String::from_utf8_lossy(&bytes);
    let mut lines = text.lines();
    let header = lines.next().unwrap_or_default();
    let delimiter = delimiter as char;
    let expected = field_count(header, delimiter);
    for (index, line) in lines.enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let found = field_count(line, delimiter);
        if found > expected || line.matches('"').count() % 2 == 1 {
            return Error::Value(Box::new(crate::error::CellError {
                path: path.to_path_buf(),
                line: index as u64 + 2,
                column: "(whole row)".into(),
                found: format!("{found} fields"),
                expected: format!("{expected} fields as in the header"),
                fix: "quote fields that contain the delimiter, close every quote, or add the missing header column".into(),
                sheet: None,
            }));
        }
    }
    table(
        polars_message
            .lines()
            .next()
            .unwrap_or_default()
            .to_string(),
    )
}

/// Removes the rows with no value in any column (blank or whitespace-only
/// lines of a CSV export): they are not records, so they are neither kept
/// nor excluded. The rows left keep their own line numbers. Returns how
/// many were removed.
///
/// Only rows without a `participant_id` can be blank, so the other
/// columns are looked at for those rows alone.
pub(crate) fn drop_blank_rows(part: &mut TablePart) -> Result<usize> {
    let is_blank_text = |text: &str| text.bytes().all(|b| b.is_ascii_whitespace());
    let Ok(ids) = part.frame.column("participant_id") else {
        return Ok(0);
    };
    let candidates: Vec<usize> = match ids.str() {
        Ok(ids) => ids
            .iter()
            .enumerate()
            .filter(|(_, id)| id.is_none_or(is_blank_text))
            .map(|(row, _)| row)
            .collect(),
        // Typed ids (Parquet numbers): only a null can be blank.
        Err(_) if ids.null_count() == 0 => return Ok(0),
        Err(_) => ids
            .is_null()
            .iter()
            .enumerate()
            .filter(|(_, null)| *null == Some(true))
            .map(|(row, _)| row)
            .collect(),
    };
    if candidates.is_empty() {
        return Ok(0);
    }
    let mut blank = vec![false; part.frame.height()];
    for &row in &candidates {
        blank[row] = part
            .frame
            .columns()
            .iter()
            .all(|column| match column.get(row) {
                Ok(AnyValue::Null) => true,
                Ok(AnyValue::String(text)) => is_blank_text(text),
                Ok(AnyValue::StringOwned(text)) => is_blank_text(text.as_str()),
                _ => false,
            });
    }
    let removed = blank.iter().filter(|b| **b).count();
    if removed == 0 {
        return Ok(0);
    }
    let lines: Vec<u64> = (0..blank.len())
        .filter(|row| !blank[*row])
        .map(|row| part.line_of(row))
        .collect();
    let keep: BooleanChunked = blank.iter().map(|b| !*b).collect();
    part.frame = part.frame.filter(&keep).map_err(|source| Error::Polars {
        path: part.path.clone(),
        doing: "dropping blank lines".into(),
        source,
    })?;
    part.lines = Some(lines);
    Ok(removed)
}

/// Runs a reader on a user's file. Readers of damaged files panic at times
/// (out-of-range slices, bad thrift, bitmaps): the panic becomes the usual
/// error naming the file, and the panic message is kept for `--verbose`.
pub(crate) fn guarded<T>(
    path: &Path,
    format: &'static str,
    read: impl FnOnce() -> Result<T>,
) -> Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(read)).unwrap_or_else(|payload| {
        let detail = payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "the reader stopped".into());
        Err(Error::Damaged {
            path: path.to_path_buf(),
            format,
            detail,
        })
    })
}

/// A polars error on a user's file, said in belong's words: its first line,
/// without advice meant for polars' own users (Python installs).
fn polars_table_error(path: &Path, error: &PolarsError) -> Error {
    let text = error.to_string();
    let first = text.lines().next().unwrap_or_default();
    if text.contains("pip install") || text.contains("polars[") {
        return Error::Damaged {
            path: path.to_path_buf(),
            format: "Parquet",
            detail: text,
        };
    }
    Error::Table {
        path: path.to_path_buf(),
        message: first.to_string(),
    }
}

/// Reads one file with a polars lazy scan (CSV, Parquet) or calamine
/// (.xlsx: `sheet`, or the first).
pub(crate) fn read_part(
    data_dir: &Path,
    table: &str,
    path: &Path,
    file_index: u32,
    sheet: Option<&str>,
) -> Result<(TablePart, SourceFile)> {
    // The manifest's hash needs the whole file; compute it while polars
    // reads, so large files are not read twice in sequence.
    let (part, sha256) = std::thread::scope(|scope| {
        let hashing = scope.spawn(|| sha256_of(path));
        let part = read_frame(data_dir, table, path, file_index, sheet);
        let sha256 = hashing.join().unwrap_or_else(|_| {
            Err(Error::Table {
                path: path.to_path_buf(),
                message: "hashing the file failed".into(),
            })
        });
        (part, sha256)
    });
    let part = part?;
    let source = SourceFile {
        table: table.to_string(),
        path: path.to_path_buf(),
        rows: part.frame.height(),
        sha256: sha256?,
        blank_lines: 0,
    };
    Ok((part, source))
}

/// Parquet files larger than this are read and handed on in slices of this
/// many rows, so a table of tens of millions of rows never sits in memory
/// as a frame and as converted columns at once.
pub(crate) const CHUNK_ROWS: usize = 2_000_000;

/// CSV files larger than this are read in batches of rows by polars'
/// streaming engine; smaller ones whole.
pub(crate) const CSV_BATCH_BYTES: u64 = 256 << 20;

/// The account of a file read, once its hash (computed beside the
/// reading) is in.
fn source_file(
    table: &str,
    path: &Path,
    rows: usize,
    hashed: std::thread::Result<Result<String>>,
) -> Result<SourceFile> {
    let sha256 = hashed.unwrap_or_else(|_| {
        Err(Error::Table {
            path: path.to_path_buf(),
            message: "hashing the file failed".into(),
        })
    })?;
    Ok(SourceFile {
        table: table.to_string(),
        path: path.to_path_buf(),
        rows,
        sha256,
        blank_lines: 0,
    })
}

/// Reads a CSV file in batches of about `chunk_rows` rows, in file order,
/// handing each to `visit` while polars reads the next: a file of tens of
/// millions of rows is never held whole.
fn read_csv_in_batches(
    data_dir: &Path,
    table: &str,
    path: &Path,
    file_index: u32,
    chunk_rows: usize,
    mut visit: impl FnMut(TablePart) -> Result<()>,
) -> Result<SourceFile> {
    let path_text = path.to_str().ok_or_else(|| Error::Table {
        path: path.to_path_buf(),
        message: "the path is not valid UTF-8; rename the file".into(),
    })?;
    refuse_compressed(path)?;
    let delimiter = sniff_delimiter(path);
    check_header(path, delimiter)?;
    let polars_error = |e: PolarsError| diagnose_csv(path, delimiter, &e.to_string());
    let (send, receive) = std::sync::mpsc::sync_channel::<DataFrame>(1);
    let batches = LazyCsvReader::new(PlRefPath::new(path_text))
        .with_has_header(true)
        .with_infer_schema_length(Some(0))
        .with_separator(delimiter)
        .finish()
        .and_then(|lazy| {
            lazy.sink_batches(
                // A closed channel (the reader stopped on an error) stops
                // the query.
                PlanCallback::new(move |frame| Ok(send.send(frame).is_err())),
                true,
                std::num::NonZeroUsize::new(chunk_rows),
            )
        })
        .map_err(polars_error)?;
    let parts = FileParts::new(data_dir, table, path, file_index, FileKind::Csv);
    std::thread::scope(|scope| {
        let hashing = scope.spawn(|| sha256_of(path));
        let reading = scope.spawn(move || batches.collect_with_engine(Engine::Streaming));
        let mut rows = 0usize;
        // Lines before the first record: the header, and a survey tool's
        // two extra header rows.
        let mut first_line = 2;
        let mut outcome = Ok(());
        for mut frame in receive.iter() {
            outcome = tidy_columns(&mut frame, path).and_then(|()| {
                let questions = if rows == 0 && first_line == 2 {
                    survey_tool_header(&mut frame)
                } else {
                    Vec::new()
                };
                if !questions.is_empty() {
                    first_line += 2;
                }
                let height = frame.height();
                let mut part = parts.part(frame, first_line + rows as u64)?;
                part.questions = questions;
                rows += height;
                visit(part)
            });
            if outcome.is_err() {
                break;
            }
        }
        drop(receive);
        let read = reading
            .join()
            .unwrap_or_else(|_| Err(PolarsError::ComputeError("the CSV reader stopped".into())));
        outcome?;
        read.map_err(polars_error)?;
        source_file(table, path, rows, hashing.join())
    })
}

/// Reads one file and hands it to `visit` whole, or for large Parquet
/// files slice by slice (each slice numbered by its rows in the file).
pub(crate) fn read_in_chunks(
    data_dir: &Path,
    table: &str,
    path: &Path,
    file_index: u32,
    sheet: Option<&str>,
    chunk_rows: usize,
    mut visit: impl FnMut(TablePart) -> Result<()>,
) -> Result<SourceFile> {
    let chunk_rows = chunk_rows.max(1);
    let kind = file_kind(path)?;
    let large = std::fs::metadata(path).is_ok_and(|m| m.len() > CSV_BATCH_BYTES);
    if kind == FileKind::Csv && sheet.is_none() && (large || chunk_rows < CHUNK_ROWS) {
        return read_csv_in_batches(data_dir, table, path, file_index, chunk_rows, visit);
    }
    if kind != FileKind::Parquet {
        let (part, source) = read_part(data_dir, table, path, file_index, sheet)?;
        visit(part)?;
        return Ok(source);
    }
    let table_error = |e: PolarsError| polars_table_error(path, &e);
    let path_text = path.to_string_lossy().into_owned();
    std::thread::scope(|scope| {
        let hashing = scope.spawn(|| sha256_of(path));
        let (scan, rows) = guarded(path, "Parquet", || {
            let scan = LazyFrame::scan_parquet(PlRefPath::new(&path_text), parquet_args())
                .map_err(table_error)?;
            let rows = scan
                .clone()
                .select([len()])
                .collect()
                .map_err(table_error)?
                .column("len")
                .ok()
                .and_then(|c| c.get(0).ok())
                .and_then(|v| v.extract::<usize>())
                .unwrap_or(0);
            Ok((scan, rows))
        })?;
        let parts = FileParts::new(data_dir, table, path, file_index, FileKind::Parquet);
        let mut offset = 0;
        loop {
            let frame = guarded(path, "Parquet", || {
                scan.clone()
                    .slice(offset as i64, chunk_rows as IdxSize)
                    .collect()
                    .map_err(table_error)
            })?;
            visit(parts.part(frame, 1 + offset as u64)?)?;
            offset += chunk_rows;
            if offset >= rows {
                break;
            }
        }
        source_file(table, path, rows, hashing.join())
    })
}

/// What a file is, by its extension; spreadsheet formats other than .xlsx
/// are refused with the fix.
fn file_kind(path: &Path) -> Result<FileKind> {
    let extension = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match extension.as_str() {
        "parquet" => Ok(FileKind::Parquet),
        "xlsx" | "xlsm" => Ok(FileKind::Xlsx),
        "xls" | "ods" | "numbers" => Err(Error::Table {
            path: path.to_path_buf(),
            message: format!(
                "{extension} files are not read; save the sheet as .xlsx or CSV UTF-8"
            ),
        }),
        _ => Ok(FileKind::Csv),
    }
}

fn read_frame(
    data_dir: &Path,
    table: &str,
    path: &Path,
    file_index: u32,
    sheet: Option<&str>,
) -> Result<TablePart> {
    let table_error = |e: PolarsError| polars_table_error(path, &e);
    let path_text = path.to_str().ok_or_else(|| Error::Table {
        path: path.to_path_buf(),
        message: "the path is not valid UTF-8; rename the file".into(),
    })?;
    let kind = file_kind(path)?;
    let mut first_line = match kind {
        FileKind::Parquet => 1,
        _ => 2,
    };
    if sheet.is_some() && kind != FileKind::Xlsx {
        return Err(Error::Table {
            path: path.to_path_buf(),
            message:
                "sheet = ... is set in belong.toml but the file is not an .xlsx workbook; remove it"
                    .into(),
        });
    }
    let mut sheet_columns = None;
    let mut frame = match kind {
        FileKind::Xlsx => {
            let (frame, header_row, columns) = guarded(path, "Excel (.xlsx)", || {
                super::excel::read_sheet(path, sheet)
            })?;
            first_line = header_row + 1;
            sheet_columns = Some(columns);
            frame
        }
        FileKind::Parquet => guarded(path, "Parquet", || {
            LazyFrame::scan_parquet(PlRefPath::new(path_text), parquet_args())
                .and_then(|lazy| lazy.collect())
                .map_err(table_error)
        })?,
        FileKind::Csv => {
            refuse_compressed(path)?;
            let delimiter = sniff_delimiter(path);
            check_header(path, delimiter)?;
            guarded(path, "CSV", || {
                LazyCsvReader::new(PlRefPath::new(path_text))
                    .with_has_header(true)
                    .with_infer_schema_length(Some(0))
                    .with_separator(delimiter)
                    .finish()
                    .and_then(|lazy| lazy.collect())
                    .map_err(|e| diagnose_csv(path, delimiter, &e.to_string()))
            })?
        }
    };
    tidy_columns(&mut frame, path)?;
    let questions = if kind == FileKind::Csv {
        survey_tool_header(&mut frame)
    } else {
        Vec::new()
    };
    if !questions.is_empty() {
        first_line += 2;
    }
    let mut part =
        FileParts::new(data_dir, table, path, file_index, kind).part(frame, first_line)?;
    part.sheet = sheet_columns;
    part.questions = questions;
    Ok(part)
}

/// Spreadsheet exports often end rows with empty columns (`a,b,,`): columns
/// without a header name are dropped when empty, and an error when they
/// hold values (the header is missing a name).
/// Header names without a UTF-8 byte-order mark or surrounding spaces,
/// and without the empty, unnamed columns that trailing delimiters make.
fn tidy_columns(frame: &mut DataFrame, path: &Path) -> Result<()> {
    let renames: Vec<(String, String)> = frame
        .get_column_names()
        .iter()
        .filter_map(|n| {
            let stripped = n.trim_start_matches('\u{feff}').trim();
            (stripped != n.as_str()).then(|| (n.to_string(), stripped.to_string()))
        })
        .collect();
    for (old, new) in renames {
        frame
            .rename(&old, new.into())
            .map_err(|source| Error::Polars {
                path: path.to_path_buf(),
                doing: format!("renaming column {old}"),
                source,
            })?;
    }
    drop_empty_unnamed_columns(frame, path)
}

fn drop_empty_unnamed_columns(frame: &mut DataFrame, path: &Path) -> Result<()> {
    let unnamed: Vec<String> = frame
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .filter(|n| n.trim().is_empty() || n.starts_with("_duplicated_") || is_placeholder(n))
        .collect();
    for name in unnamed {
        let column = frame.column(&name).map_err(|source| Error::Polars {
            path: path.to_path_buf(),
            doing: format!("reading the unnamed column {}", super::shown_name(&name)),
            source,
        })?;
        let as_text = column.cast(&DataType::String).ok();
        let empty = as_text
            .as_ref()
            .and_then(|c| {
                c.str()
                    .ok()
                    .map(|s| s.iter().all(|v| v.is_none_or(|t| t.trim().is_empty())))
            })
            .unwrap_or(false);
        if empty {
            *frame = frame.drop(&name).map_err(|source| Error::Polars {
                path: path.to_path_buf(),
                doing: format!(
                    "dropping the empty unnamed column {}",
                    super::shown_name(&name)
                ),
                source,
            })?;
        } else if name.trim().is_empty() || name.starts_with("_duplicated_") {
            let position = frame.get_column_index(&name).map_or(0, |i| i + 1);
            return Err(Error::Table {
                path: path.to_path_buf(),
                message: format!(
                    "column {position} holds values but has no name in the header; name it or delete it"
                ),
            });
        }
    }
    Ok(())
}

/// polars names header-less CSV columns `column_N`.
fn is_placeholder(name: &str) -> bool {
    name.strip_prefix("column_")
        .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A part of a Parquet file holding `frame`.
    fn parquet_part(frame: DataFrame) -> TablePart {
        TablePart {
            file: 0,
            path: PathBuf::from("t.parquet"),
            kind: FileKind::Parquet,
            partition_values: Vec::new(),
            frame,
            first_line: 1,
            lines: None,
            sheet: None,
            questions: Vec::new(),
        }
    }

    proptest! {
        /// Converting each distinct view once gives what converting every
        /// cell gives, across chunks (whose buffers differ), with missing
        /// cells and text longer than a view holds; and the first failing
        /// cell is the one reported.
        #[test]
        fn converting_alike_cells_once_changes_nothing(
            chunks in proptest::collection::vec(
                proptest::collection::vec(proptest::option::of(0usize..6), 0..40),
                1..4,
            ),
            failing in 0usize..7,
        ) {
            let texts = ["a", "group", "individual", "one-to-one check-in", "walking group (long name)", "x"];
            let mut strings: Option<StringChunked> = None;
            for chunk in &chunks {
                let part: StringChunked = chunk.iter().map(|cell| cell.map(|i| texts[i])).collect();
                match &mut strings {
                    Some(strings) => { strings.append(&part).unwrap(); }
                    None => strings = Some(part),
                }
            }
            let cells = Cells::Strings(strings.unwrap());
            let plain: Vec<Option<String>> = chunks.iter().flatten().map(|cell| cell.map(|i| texts[i].to_string())).collect();
            let mapped = cells.try_map(|_, cell| Ok::<_, ()>(cell.map(str::to_string))).unwrap();
            prop_assert_eq!(&mapped, &plain);
            let first_failure = plain.iter().position(|cell| cell.as_deref() == texts.get(failing).copied());
            let result = cells.try_map(|row, cell| if cell == texts.get(failing).copied() { Err(row) } else { Ok(()) });
            prop_assert_eq!(result.err(), first_failure);
        }

        /// Numbers, responses and booleans read chunk by chunk are the
        /// column's values.
        #[test]
        fn typed_columns_keep_every_value_and_gap(
            chunks in proptest::collection::vec(
                proptest::collection::vec(proptest::option::of(-5i64..5), 0..30),
                1..4,
            ),
        ) {
            let mut numbers: Option<Int64Chunked> = None;
            for chunk in &chunks {
                let part: Int64Chunked = chunk.iter().copied().collect();
                match &mut numbers {
                    Some(numbers) => { numbers.append(&part).unwrap(); }
                    None => numbers = Some(part),
                }
            }
            let numbers = numbers.unwrap();
            let flags: BooleanChunked = numbers.iter().map(|v| v.map(|v| v > 0)).collect();
            let expected: Vec<Option<i64>> = chunks.iter().flatten().copied().collect();
            let frame = DataFrame::new(
                expected.len(),
                vec![numbers.into_series().into(), flags.with_name("flag".into()).into_series().into()],
            )
            .unwrap();
            let part = parquet_part(frame);
            let name = part.frame.get_column_names()[0].to_string();
            let as_responses: Vec<Option<i32>> = expected.iter().map(|v| v.map(|v| v as i32)).collect();
            prop_assert_eq!(part.typed_responses(&name), Some(Ok(as_responses)));
            let as_numbers: Vec<Option<f64>> = expected.iter().map(|v| v.map(|v| v as f64)).collect();
            prop_assert_eq!(part.typed_numbers(&name), Some(as_numbers));
            let as_flags: Vec<Option<bool>> = expected.iter().map(|v| v.map(|v| v > 0)).collect();
            prop_assert_eq!(part.typed_booleans("flag"), Some(as_flags));
        }
    }

    #[test]
    fn a_response_beyond_32_bits_is_named_not_wrapped() {
        let values: Int64Chunked = [Some(2), None, Some(3_000_000_000), Some(-4_000_000_000)]
            .into_iter()
            .collect();
        let frame = DataFrame::new(
            4,
            vec![values.with_name("item".into()).into_series().into()],
        )
        .unwrap();
        let part = parquet_part(frame);
        assert_eq!(part.typed_responses("item"), Some(Err((2, 3_000_000_000))));
    }
}

#[cfg(test)]
mod partition_tests {
    use super::*;

    #[test]
    fn hive_values_are_percent_decoded_and_start_at_the_table() {
        let data = Path::new("/a/k=v/data");
        assert_eq!(
            partition_values(
                data,
                "attendance",
                &data.join("attendance/week=week%2012/p.csv")
            ),
            vec![("week".to_string(), "week 12".to_string())]
        );
        assert!(partition_values(data, "attendance", &data.join("attendance.csv")).is_empty());
        assert_eq!(percent_decoded("100%"), "100%");
        assert_eq!(percent_decoded("a%2Fb%zz"), "a/b%zz");
    }
}
