//! Settings in two levels: the raw TOML file and command-line flags, each
//! checked where parsed, then one `resolve` step that applies defaults and
//! cross-field rules before any long work starts.

use crate::analysis::{AnalysisOptions, DoseBand};
use crate::error::{Error, Result};
use crate::ingest::convert::MissingMarkers;
use crate::waves::WaveSettings;
use std::path::{Path, PathBuf};

/// Default seed for anything random (the bootstrap, synthetic data).
pub const DEFAULT_SEED: u64 = 20_251_125;
/// Default small-cell threshold for publication.
pub const DEFAULT_MIN_CELL: usize = 10;
/// Default number of bootstrap resamples.
pub const DEFAULT_BOOTSTRAP_B: usize = 2000;

/// `belong.toml` as written by the user. Unknown keys are errors.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    /// Wave order, baseline first.
    pub waves: Option<Vec<String>>,
    pub baseline: Option<String>,
    pub followup: Option<String>,
    /// Grouping columns of the participants table.
    pub group_by: Option<Vec<String>>,
    /// Cell texts that mean "missing".
    pub missing_values: Option<Vec<String>>,
    pub min_cell: Option<usize>,
    pub seed: Option<u64>,
    pub bootstrap_b: Option<usize>,
    /// Sessions that make a participant "engaged" (default 6).
    pub engaged_sessions: Option<u32>,
    /// Dose bands of sessions attended (default ["0", "1-5", "6-11", "12+"]).
    pub dose_bands: Option<Vec<String>>,
}

impl RawConfig {
    /// Parses a TOML file, naming the file and the key on error.
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        toml::from_str(&text)
            .map_err(|e| Error::Config(format!("{}: {}", path.display(), e.to_string().trim())))
    }
}

/// Command-line flags that override the file.
#[derive(Debug, Clone, Default)]
pub struct Flags {
    pub data_dir: Option<PathBuf>,
    pub config: Option<PathBuf>,
    pub out: Option<PathBuf>,
    pub min_cell: Option<usize>,
    pub seed: Option<u64>,
    pub threads: Option<usize>,
}

/// Everything a run needs, resolved and checked.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Settings {
    pub data_dir: PathBuf,
    pub config_file: Option<PathBuf>,
    /// Where the report goes; not recorded in the manifest, which lives
    /// there.
    #[serde(skip)]
    pub out_dir: PathBuf,
    pub waves: WaveSettings,
    pub group_columns: Vec<String>,
    #[serde(serialize_with = "serialize_markers")]
    pub missing: MissingMarkers,
    pub min_cell: usize,
    pub seed: u64,
    pub bootstrap_b: usize,
    pub analysis: AnalysisOptions,
    /// Worker threads; `None` uses every core. Not part of the results.
    #[serde(skip)]
    pub threads: Option<usize>,
}

fn serialize_markers<S: serde::Serializer>(
    markers: &MissingMarkers,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(markers.markers())
}

impl Settings {
    /// Finds and reads the config, applies flags and defaults, and checks
    /// the combination.
    pub fn resolve(flags: Flags) -> Result<Settings> {
        let data_dir = flags.data_dir.clone().unwrap_or_else(|| PathBuf::from("."));
        let config_file = match &flags.config {
            Some(path) if !path.is_file() => {
                return Err(Error::Config(format!(
                    "--config {}: no such file",
                    path.display()
                )))
            }
            Some(path) => Some(path.clone()),
            None => Some(data_dir.join("belong.toml")).filter(|p| p.is_file()),
        };
        let raw = match &config_file {
            Some(path) => RawConfig::from_file(path)?,
            None => RawConfig::default(),
        };
        if let Some(0) = raw.bootstrap_b {
            return Err(Error::Config(
                "bootstrap_b = 0 in belong.toml: use at least 200 resamples (default 2000)".into(),
            ));
        }
        if let Some(order) = &raw.waves {
            if order.len() < 2 {
                return Err(Error::Config(
                    "waves in belong.toml needs at least two waves, baseline first".into(),
                ));
            }
            let mut unique = order.clone();
            unique.sort();
            unique.dedup();
            if unique.len() != order.len() {
                return Err(Error::Config(
                    "waves in belong.toml lists a wave twice".into(),
                ));
            }
        }
        if flags.threads == Some(0) {
            return Err(Error::Config("--threads 0: give at least 1".into()));
        }
        let mut analysis = AnalysisOptions {
            bootstrap_resamples: raw.bootstrap_b.unwrap_or(DEFAULT_BOOTSTRAP_B),
            seed: flags.seed.or(raw.seed).unwrap_or(DEFAULT_SEED),
            ..AnalysisOptions::default()
        };
        if let Some(threshold) = raw.engaged_sessions {
            analysis.engaged_sessions = threshold;
        }
        if let Some(labels) = &raw.dose_bands {
            analysis.dose_bands = labels
                .iter()
                .map(|label| {
                    DoseBand::parse(label).ok_or_else(|| {
                        Error::Config(format!(
                            "dose_bands in belong.toml: \"{label}\" is not a band; write \"0\", \"1-5\" or \"12+\""
                        ))
                    })
                })
                .collect::<Result<_>>()?;
        }
        let out_dir = flags
            .out
            .clone()
            .unwrap_or_else(|| default_out_dir(&data_dir));
        Ok(Settings {
            waves: WaveSettings {
                order: raw.waves,
                baseline: raw.baseline,
                followup: raw.followup,
            },
            group_columns: raw
                .group_by
                .unwrap_or_else(|| vec!["cohort".into(), "site".into(), "arm".into()]),
            missing: raw
                .missing_values
                .map(MissingMarkers::new)
                .unwrap_or_default(),
            min_cell: flags.min_cell.or(raw.min_cell).unwrap_or(DEFAULT_MIN_CELL),
            seed: flags.seed.or(raw.seed).unwrap_or(DEFAULT_SEED),
            bootstrap_b: raw.bootstrap_b.unwrap_or(DEFAULT_BOOTSTRAP_B),
            analysis,
            threads: flags.threads,
            data_dir,
            config_file,
            out_dir,
        })
    }
}

/// `reports/<name of the data folder>`.
fn default_out_dir(data_dir: &Path) -> PathBuf {
    let name = std::fs::canonicalize(data_dir)
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "report".into());
    PathBuf::from("reports").join(name)
}
