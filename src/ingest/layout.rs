//! Where the tables are and what their columns are called: per-table
//! mappings onto the native model, and the wide single-sheet layout. The
//! `[participants]`, `[assessments]`, `[attendance]` and `[wide]` tables of
//! belong.toml deserialise into these; ingest reads by them.

use std::collections::BTreeMap;
use std::path::PathBuf;

/// One native table (`[participants]`, `[assessments]`, `[attendance]`).
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct TableConfig {
    /// File or folder of the table, relative to the data folder. Default:
    /// `NAME.csv`, `NAME.parquet`, `NAME.xlsx` or the folder `NAME/`.
    pub file: Option<PathBuf>,
    /// Sheet of an .xlsx file; default the first.
    pub sheet: Option<String>,
    /// Native column name → the column's name in the file.
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
    /// How this table's dates are written, when not as the data set's
    /// `date_format` says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_format: Option<String>,
    /// Per date column (its native name or its name in the file): how its
    /// dates are written.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub date_formats: BTreeMap<String, String>,
    /// Columns never read (names, contact details, free text).
    #[serde(default)]
    pub drop: Vec<String>,
    /// Columns that look identifying but are needed and safe (e.g. a
    /// postcode district used as a site).
    #[serde(default)]
    pub allow: Vec<String>,
}

/// The three native tables.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Tables {
    pub participants: TableConfig,
    pub assessments: TableConfig,
    pub attendance: TableConfig,
}

impl Tables {
    pub fn get(&self, table: &str) -> &TableConfig {
        match table {
            "participants" => &self.participants,
            "assessments" => &self.assessments,
            _ => &self.attendance,
        }
    }
}

/// A single sheet with one row per participant (`[wide]`).
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct WideConfig {
    /// The sheet, relative to the data folder; default: DATA itself when it
    /// is a file.
    pub file: Option<PathBuf>,
    /// Sheet of an .xlsx file; default the first.
    pub sheet: Option<String>,
    /// Column holding the participant id; default the row number.
    pub participant_id: Option<String>,
    /// Column holding the number of sessions attended.
    pub sessions: Option<String>,
    /// Participant columns: native name → the sheet's column
    /// (e.g. `arm = "Treat"`). Unmapped columns keep their names.
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
    /// One entry per wave, in order.
    #[serde(default)]
    pub waves: Vec<WideWave>,
    #[serde(default)]
    pub drop: Vec<String>,
    #[serde(default)]
    pub allow: Vec<String>,
}

/// The columns of one wave in a wide sheet.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct WideWave {
    /// The wave's name, e.g. `baseline`.
    pub name: String,
    /// Column with the date the questionnaire was completed.
    pub assessed_on: Option<String>,
    /// Native assessment column (`ucla3_1`, `weight_total`) → the sheet's
    /// column.
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
}

pub use crate::cells::DateFormat;
