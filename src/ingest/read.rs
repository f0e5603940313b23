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
    pub rows: usize,
    pub sha256: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Csv,
    Parquet,
}

/// One file of a table, read.
pub struct TablePart {
    /// Index into the run's list of source files.
    pub file: u32,
    pub path: PathBuf,
    pub kind: FileKind,
    pub frame: DataFrame,
    /// Columns from hive-style partition folders: (name, value).
    pub partition_values: Vec<(String, String)>,
}

impl TablePart {
    /// The line (CSV, after the header) or 1-based row (Parquet) of row `i`.
    pub fn line_of(&self, row: usize) -> u64 {
        match self.kind {
            FileKind::Csv => row as u64 + 2,
            FileKind::Parquet => row as u64 + 1,
        }
    }

    pub fn has_column(&self, name: &str) -> bool {
        self.frame.schema().contains(name) || self.partition_values.iter().any(|(k, _)| k == name)
    }

    pub fn column_names(&self) -> Vec<String> {
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

    /// The column as text, one entry per row (`None` for nulls); `None` when
    /// the part lacks the column.
    pub fn text(&self, name: &str) -> Result<Option<Vec<Option<String>>>> {
        if let Ok(column) = self.frame.column(name) {
            let as_text = column.cast(&DataType::String).map_err(|e| Error::Table {
                path: self.path.clone(),
                message: format!("column {name}: {e}"),
            })?;
            let strings = as_text.str().map_err(|e| Error::Table {
                path: self.path.clone(),
                message: format!("column {name}: {e}"),
            })?;
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

/// Where a table lives in a data folder, if anywhere.
pub fn locate(data_dir: &Path, table: &str) -> Result<Option<Vec<PathBuf>>> {
    let candidates: Vec<PathBuf> = ["csv", "parquet", "xlsx"]
        .iter()
        .map(|ext| data_dir.join(format!("{table}.{ext}")))
        .filter(|p| p.is_file())
        .collect();
    let folder = data_dir.join(table);
    let folder_exists = folder.is_dir();
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
        if file.extension().is_some_and(|e| e == "xlsx") {
            return Err(Error::Layout(format!(
                "{}: Excel input is not supported yet; export the sheet as CSV ({table}.csv)",
                file.display()
            )));
        }
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

fn collect_parts(folder: &Path, parts: &mut Vec<PathBuf>) -> Result<()> {
    let entries = std::fs::read_dir(folder).map_err(|e| Error::io(folder, e))?;
    for entry in entries {
        let path = entry.map_err(|e| Error::io(folder, e))?.path();
        if path.is_dir() {
            collect_parts(&path, parts)?;
        } else if path
            .extension()
            .is_some_and(|e| e == "csv" || e == "parquet")
        {
            parts.push(path);
        }
    }
    Ok(())
}

fn partition_values(table_root: &Path, path: &Path) -> Vec<(String, String)> {
    let relative = path.strip_prefix(table_root).unwrap_or(path);
    relative
        .parent()
        .into_iter()
        .flat_map(|p| p.components())
        .filter_map(|c| {
            let text = c.as_os_str().to_str()?;
            let (key, value) = text.split_once('=')?;
            Some((key.to_string(), value.to_string()))
        })
        .collect()
}

fn sha256_of(path: &Path) -> Result<String> {
    let mut file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher).map_err(|e| Error::io(path, e))?;
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// Reads one file with a polars lazy scan.
pub fn read_part(
    data_dir: &Path,
    table: &str,
    path: &Path,
    file_index: u32,
) -> Result<(TablePart, SourceFile)> {
    let table_error = |e: PolarsError| Error::Table {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let path_text = path.to_str().ok_or_else(|| Error::Table {
        path: path.to_path_buf(),
        message: "the path is not valid UTF-8; rename the file".into(),
    })?;
    let kind = if path.extension().is_some_and(|e| e == "parquet") {
        FileKind::Parquet
    } else {
        FileKind::Csv
    };
    let mut frame = match kind {
        FileKind::Parquet => {
            LazyFrame::scan_parquet(PlRefPath::new(path_text), ScanArgsParquet::default())
                .and_then(|lazy| lazy.collect())
                .map_err(table_error)?
        }
        FileKind::Csv => LazyCsvReader::new(PlRefPath::new(path_text))
            .with_has_header(true)
            .with_infer_schema_length(Some(0))
            .finish()
            .and_then(|lazy| lazy.collect())
            .map_err(table_error)?,
    };
    // A UTF-8 byte-order mark sticks to the first header name.
    let renames: Vec<(String, String)> = frame
        .get_column_names()
        .iter()
        .filter_map(|n| {
            let stripped = n.trim_start_matches('\u{feff}').trim();
            (stripped != n.as_str()).then(|| (n.to_string(), stripped.to_string()))
        })
        .collect();
    for (old, new) in renames {
        frame.rename(&old, new.into()).map_err(table_error)?;
    }
    let table_root = data_dir.join(table);
    let part = TablePart {
        file: file_index,
        path: path.to_path_buf(),
        kind,
        partition_values: partition_values(&table_root, path),
        frame,
    };
    let source = SourceFile {
        table: table.to_string(),
        path: path.to_path_buf(),
        rows: part.frame.height(),
        sha256: sha256_of(path)?,
    };
    Ok((part, source))
}
