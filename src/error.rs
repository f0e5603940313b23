//! The library's error type. Every message names the file, line, column or
//! setting at fault and says how to fix it.

use std::path::PathBuf;

/// Everything that can stop a run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or folder could not be read or written; `doing` says what
    /// belong was doing with it.
    #[error("{path}: {doing}: {source}")]
    Io {
        path: PathBuf,
        doing: &'static str,
        #[source]
        source: std::io::Error,
    },
    /// A file could not be parsed as a table at all.
    #[error("{path}: cannot read this table: {message}")]
    Table { path: PathBuf, message: String },
    /// One cell failed type conversion.
    #[error("{0}")]
    Value(Box<CellError>),
    /// A library belong reads with failed inside on this file (a damaged
    /// or hostile file). `detail` is the library's own message, shown only
    /// with `--verbose`: its advice is for the library's users, not ours.
    #[error("{path}: cannot read this file: it is damaged or not a valid {format} file; export it again")]
    Damaged {
        path: PathBuf,
        format: &'static str,
        detail: String,
    },
    /// A required column is absent.
    #[error("{}{}: no column {column}: {fix}", path.display(), sheet.as_ref().map(|s| format!(", sheet \"{}\"", s.escape_debug())).unwrap_or_default())]
    MissingColumn {
        path: PathBuf,
        /// The workbook sheet, when the table is one.
        sheet: Option<String>,
        column: String,
        fix: String,
    },
    /// The data folder does not hold the tables belong needs.
    #[error("{0}")]
    Layout(String),
    /// A column looks identifying and config neither drops nor allows it.
    #[error("{0}")]
    Privacy(String),
    /// The configuration file or a flag is invalid.
    #[error("{0}")]
    Config(String),
    /// The waves cannot be put in order (baseline first).
    #[error("{0}")]
    Waves(String),
    /// A participants column cannot be a group or a characteristic.
    #[error("{0}")]
    Grouping(String),
    /// An option of `belong synth` is out of range.
    #[error("{0}")]
    Synth(String),
    /// The worker threads could not be started.
    #[error("cannot start {threads} threads ({source}); run with fewer, e.g. --threads 1")]
    Threads {
        threads: usize,
        #[source]
        source: rayon::ThreadPoolBuildError,
    },
    /// The data engine failed on a file: `doing` says what belong was
    /// doing with it.
    #[error("{path}: {doing}: {source}")]
    Polars {
        path: PathBuf,
        doing: String,
        #[source]
        source: polars::error::PolarsError,
    },
    /// The page template failed (a bug in belong's template).
    #[error("writing {path}: {source}")]
    Template {
        path: PathBuf,
        #[source]
        source: minijinja::Error,
    },
    /// The data would need more memory than the machine has.
    #[error("{0}")]
    Memory(String),
    /// The data were read but nothing can be analysed.
    #[error("nothing to analyse: {0}")]
    NothingToAnalyse(String),
    /// Writing the report failed.
    #[error("writing {path}: {message}")]
    Write { path: PathBuf, message: String },
}

/// A cell whose value does not convert to the column's type.
#[derive(Debug, thiserror::Error)]
#[error("{}: column {column}: \"{}\" is not {expected}; {fix}", self.place(), found.escape_debug())]
pub struct CellError {
    pub path: PathBuf,
    /// CSV line (header = 1) or 1-based Parquet row.
    pub line: u64,
    pub column: String,
    pub found: String,
    pub expected: String,
    pub fix: String,
    /// The sheet and cell, when the table is a sheet of a workbook.
    pub sheet: Option<SheetCell>,
}

/// A cell of a workbook: its sheet's name and its reference (`D5`).
#[derive(Debug, Clone, PartialEq)]
pub struct SheetCell {
    pub sheet: String,
    pub cell: String,
}

impl CellError {
    /// `file:line`, or `file, sheet "S", cell D5` in a workbook.
    fn place(&self) -> String {
        match &self.sheet {
            Some(at) => format!(
                "{}, sheet \"{}\", cell {}",
                self.path.display(),
                at.sheet.escape_debug(),
                at.cell
            ),
            None => format!("{}:{}", self.path.display(), self.line),
        }
    }
}

impl Error {
    /// The library's own account of a [`Error::Damaged`] file, for
    /// `--verbose`.
    pub fn detail(&self) -> Option<&str> {
        match self {
            Error::Damaged { detail, .. } => Some(detail),
            _ => None,
        }
    }

    pub fn io(doing: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            doing,
            source,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn engine_errors_keep_their_source() {
        let error = Error::Polars {
            path: "data/attendance.parquet".into(),
            doing: "reading column activity as text".into(),
            source: polars::error::PolarsError::ComputeError("bad".into()),
        };
        assert!(error.source().is_some());
        let text = error.to_string();
        assert!(
            text.starts_with("data/attendance.parquet: reading column activity as text: "),
            "{text}"
        );
    }
}
