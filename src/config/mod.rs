//! Settings in two levels: the raw TOML file and command-line flags, each
//! checked where parsed, then one `resolve` step that applies defaults and
//! cross-field rules before any long work starts.

mod instruments;
mod labels;
pub(crate) mod location;

use crate::ingest::data_folder;
pub use crate::ingest::layout::{DateFormat, TableConfig, Tables, WideConfig, WideWave};
pub(crate) use crate::suggest::closest;
pub use instruments::InstrumentConfig;
pub use labels::{LabelConfig, Labels};

use crate::analysis::clinical_significance::FunctionalNorms;
use crate::analysis::costs::Costs;
use crate::analysis::design::DeclaredDesign;
use crate::analysis::{AnalysisOptions, DoseBand};
use crate::cells::{DateFormats, MissingMarkers};
use crate::error::{Error, Result};
use crate::instruments::Instrument;
use crate::stats::clinical_significance::RciMethod;
use crate::waves::WaveSettings;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub(crate) use crate::analysis::DEFAULT_BOOTSTRAP_B;
pub use crate::analysis::DEFAULT_SEED;
/// Default small-cell threshold for publication.
pub(crate) const DEFAULT_MIN_CELL: usize = 10;
/// Upper bounds on settings that size the work: beyond them a run would
/// exhaust the machine long before it gives a better answer.
pub(crate) const MAX_BOOTSTRAP_B: usize = 100_000;
/// At most this many `missing_values`, each at most [`MAX_MISSING_MARKER_LEN`]
/// characters.
pub(crate) const MAX_MISSING_MARKERS: usize = 1_000;
pub(crate) const MAX_MISSING_MARKER_LEN: usize = 100;
/// At most this many `dose_bands`.
pub(crate) const MAX_DOSE_BANDS: usize = 50;
/// At most this many `adjust_for` columns.
pub(crate) const MAX_ADJUST_FOR: usize = 30;

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
    /// `suppress` (default) or `round`: how the counts left open are
    /// protected.
    pub disclosure: Option<crate::disclosure::Method>,
    pub seed: Option<u64>,
    pub bootstrap_b: Option<usize>,
    /// Sessions that make a participant "engaged" (default 6).
    pub engaged_sessions: Option<u32>,
    /// Dose bands of sessions attended (default ["0", "1-5", "6-11", "12+"]).
    pub dose_bands: Option<Vec<String>>,
    /// `iso` (default), `day-first` or `month-first`.
    pub date_format: Option<String>,
    /// An item or total that cannot be a response: `missing` (default:
    /// read as missing and recorded) or `stop`.
    pub on_bad_cell: Option<String>,
    /// `enrolled_on:year`, `enrolled_on:quarter` or `enrolled_on:month`:
    /// the cohort as the period each participant enrolled in.
    pub cohort_from: Option<String>,
    /// Numeric participant columns shown as bands:
    /// `bands = { age = ["18-49", "50-64", "65+"] }`.
    pub bands: Option<BTreeMap<String, Vec<String>>>,
    /// Which human outputs to write: any of `html`, `markdown`, `excel`,
    /// `charts` (default all). estimates, tables/ and the manifest are
    /// always written.
    pub outputs: Option<Vec<String>>,
    pub participants: Option<TableConfig>,
    pub assessments: Option<TableConfig>,
    pub attendance: Option<TableConfig>,
    pub wide: Option<WideConfig>,
    pub instruments: Option<Vec<InstrumentConfig>>,
    /// Let `file = ...` name a file outside the data folder.
    pub allow_outside_data: Option<bool>,
    /// Reliable change indices beside JT: any of `JT`, `GLN`, `HLL`, `EN`,
    /// `NK`, `HA` (default `["JT"]`).
    pub rci_methods: Option<Vec<String>>,
    /// A change of at least this fraction of the baseline score, in the
    /// better direction, is an improvement (percentage-change approach).
    pub pct_improvement: Option<f64>,
    /// … and in the worse direction a deterioration (default `pct_improvement`).
    pub pct_deterioration: Option<f64>,
    /// A functional population's mean and SD per outcome, for cut-offs b and c.
    pub norms: Option<BTreeMap<String, NormsConfig>>,
    /// `[report]`: what the report is called and what it covers.
    pub report: Option<ReportHeading>,
    /// `[labels]`: the names readers see for columns and their levels.
    pub labels: Option<BTreeMap<String, LabelConfig>>,
    /// How people came to be in the programme or the comparison group:
    /// `randomised`, `comparison` or `pre-post` (default: from the data).
    pub design: Option<String>,
    /// Participant columns the propensity score adjusts for, beside the
    /// baseline score.
    pub adjust_for: Option<Vec<String>>,
    /// Matching caliper in standard deviations of the propensity score.
    pub caliper: Option<f64>,
    /// `[costs]`: what the programme cost, for cost per outcome.
    pub costs: Option<CostsConfig>,
    /// Participant columns to test as moderators (default: every column
    /// with 2–6 categories).
    pub moderators: Option<Vec<String>>,
    /// The participant column naming the group each person was served in
    /// together (peer circle, class, `site`), for cluster-robust errors
    /// (default: a participant column called `cluster`, if any).
    pub cluster: Option<String>,
}

/// `[costs]` in belong.toml.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct CostsConfig {
    /// What the programme cost over the period the data cover.
    pub total: f64,
    /// A currency code or symbol, e.g. `GBP`.
    pub currency: Option<String>,
    /// A monetary value of one reliable improvement, with its source.
    pub value_per_improvement: Option<f64>,
    pub value_source: Option<String>,
}

/// `[report]`: the report's title and what it covers, printed at its top.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct ReportHeading {
    /// Default "Evaluation report".
    pub title: Option<String>,
    /// The programme evaluated, e.g. "Walk and Talk".
    pub programme: Option<String>,
    /// Who runs it.
    pub organisation: Option<String>,
    /// The reporting period, e.g. "April 2025 to March 2026".
    pub period: Option<String>,
    /// A PNG for report.docx's title page, in the data folder.
    pub logo: Option<PathBuf>,
}

/// The longest `[report]` text: a title, not a paragraph.
const MAX_HEADING_LEN: usize = 200;

impl ReportHeading {
    pub fn title(&self) -> &str {
        self.title.as_deref().unwrap_or("Evaluation report")
    }

    /// Programme, organisation and period, as one line; `None` when none
    /// is given.
    pub(crate) fn subtitle(&self) -> Option<String> {
        let parts: Vec<&str> = [&self.programme, &self.organisation, &self.period]
            .into_iter()
            .flatten()
            .map(|text| text.as_str())
            .collect();
        (!parts.is_empty()).then(|| parts.join(" · "))
    }

    /// Programme, organisation and period, those given, one per line.
    pub fn lines(&self) -> Vec<String> {
        [&self.programme, &self.organisation, &self.period]
            .into_iter()
            .flatten()
            .cloned()
            .collect()
    }

    /// The logo's path, checked: inside the data folder (unless the
    /// config allows leaving it), readable, and a PNG.
    fn logo_path(&self, folder: &Path, confined: bool) -> Result<Option<PathBuf>> {
        let Some(logo) = &self.logo else {
            return Ok(None);
        };
        let shown = logo.display().to_string().escape_debug().to_string();
        let path = folder.join(logo);
        if confined {
            let inside = location::absolute(&path)?.starts_with(location::absolute(folder)?);
            if !inside {
                return Err(Error::Config(format!(
                    "[report] logo = \"{shown}\" in belong.toml is outside the data folder {}; copy the logo into it, or add allow_outside_data = true to belong.toml if you trust this config",
                    folder.display()
                )));
            }
        }
        let mut start = [0u8; 8];
        let read = std::fs::File::open(&path)
            .and_then(|mut file| std::io::Read::read_exact(&mut file, &mut start));
        match read {
            Err(e) => Err(Error::Config(format!(
                "[report] logo = \"{shown}\" in belong.toml: cannot read {} ({e}); give a PNG file in the data folder",
                path.display()
            ))),
            Ok(()) if &start != b"\x89PNG\r\n\x1a\n" => Err(Error::Config(format!(
                "[report] logo = \"{shown}\" in belong.toml is not a PNG image; save the logo as PNG"
            ))),
            Ok(()) => Ok(Some(path)),
        }
    }

    fn check(&self) -> Result<()> {
        for (key, value) in [
            ("title", &self.title),
            ("programme", &self.programme),
            ("organisation", &self.organisation),
            ("period", &self.period),
        ] {
            let Some(text) = value else { continue };
            if text.trim().is_empty() || text.chars().count() > MAX_HEADING_LEN {
                return Err(Error::Config(format!(
                    "[report] {key} in belong.toml: give a text of 1 to {MAX_HEADING_LEN} characters"
                )));
            }
            if text.chars().any(char::is_control) {
                return Err(Error::Config(format!(
                    "[report] {key} in belong.toml: a line break or control character cannot be part of a heading"
                )));
            }
        }
        Ok(())
    }
}

/// `[norms.OUTCOME]`: a functional (general) population's scores.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct NormsConfig {
    pub mean: f64,
    pub sd: f64,
    /// Where they are published (survey, year, population).
    pub source: String,
    /// Test–retest correlation of the scale in that population, for the
    /// expected regression to the mean.
    pub retest: Option<f64>,
}

/// The human outputs `outputs` may name.
pub(crate) const OUTPUTS: [&str; 5] = ["html", "markdown", "excel", "charts", "docx"];

impl RawConfig {
    /// Parses a TOML file, naming the file and the key on error.
    pub(crate) fn from_file(path: &Path) -> Result<Self> {
        let text =
            std::fs::read_to_string(path).map_err(|e| Error::io("reading the config", path, e))?;
        RawConfig::from_text(&text)
            .map_err(|message| Error::Config(format!("{}: {message}", path.display())))
    }

    /// Parses TOML text; unknown keys get a "did you mean".
    pub fn from_text(text: &str) -> std::result::Result<Self, String> {
        toml::from_str(text).map_err(|e| {
            crate::suggest::explain_unknown_field(e.to_string().trim())
                .lines()
                .map(str::trim_end)
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                // The caret under the fault only points at it on its own line.
                .join("\n")
        })
    }
}

/// Command-line flags that override the file.
#[derive(Debug, Clone, Default)]
pub struct Flags {
    pub data_dir: Option<PathBuf>,
    pub config: Option<PathBuf>,
    pub out: Option<PathBuf>,
    pub min_cell: Option<usize>,
    /// `--disclosure`: overrides `disclosure` in the file.
    pub disclosure: Option<crate::disclosure::Method>,
    pub seed: Option<u64>,
    pub threads: Option<usize>,
    /// `--force`: replace a report folder even when it holds files belong
    /// did not write.
    pub force: bool,
    /// `--skip-memory-check`: run even when the data look too big for the
    /// memory available.
    pub skip_memory_check: bool,
    /// `--previous`: an earlier report to compare this period with.
    pub previous: Option<PathBuf>,
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
    /// How the counts left open are protected.
    pub disclosure: crate::disclosure::Method,
    pub seed: u64,
    pub bootstrap_b: usize,
    pub analysis: AnalysisOptions,
    /// `None`: ISO, and local dates like 03/04/2025 are an error.
    pub date_format: Option<DateFormat>,
    /// The data set's format with the tables' and columns' own.
    #[serde(skip)]
    pub date_formats: DateFormats,
    pub on_bad_cell: crate::ingest::OnBadCell,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cohort_from: Option<crate::ingest::CohortPeriod>,
    /// `bands`, parsed and checked.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        serialize_with = "serialize_bands"
    )]
    pub bands: Vec<(String, Vec<crate::ingest::bands::ValueBand>)>,
    pub outputs: Vec<String>,
    /// `[report]`: title, programme, organisation, period.
    #[serde(skip_serializing_if = "is_default")]
    pub report: ReportHeading,
    /// `[labels]`, checked.
    #[serde(skip_serializing_if = "Labels::is_empty")]
    pub labels: Labels,
    /// `[report] logo`, checked and joined to the data folder.
    #[serde(skip)]
    pub report_logo: Option<PathBuf>,
    #[serde(skip_serializing_if = "is_default")]
    pub tables: Tables,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wide: Option<WideConfig>,
    /// The instrument registry: built in, changed and added by config.
    #[serde(skip)]
    pub instruments: Vec<Instrument>,
    /// The `[[instruments]]` entries that changed it, as written.
    #[serde(rename = "instruments", skip_serializing_if = "Vec::is_empty")]
    pub instrument_changes: Vec<InstrumentConfig>,
    /// Worker threads; `None` uses every core. Not part of the results.
    #[serde(skip)]
    pub threads: Option<usize>,
    /// Replace a report folder holding files belong did not write.
    #[serde(skip)]
    pub force: bool,
    /// Run even when the memory estimate exceeds what is available.
    #[serde(skip)]
    pub skip_memory_check: bool,
    /// An earlier report to compare this period with (`--previous`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous: Option<PathBuf>,
}

/// `rci_methods`, `pct_improvement` / `pct_deterioration` and `[norms]`.
fn resolve_meaningful_change(
    raw: &RawConfig,
    instruments: &[Instrument],
    analysis: &mut AnalysisOptions,
) -> Result<()> {
    if let Some(codes) = &raw.rci_methods {
        let mut methods = vec![RciMethod::Jt];
        for code in codes {
            let method = RciMethod::from_code(code).ok_or_else(|| {
                Error::Config(format!(
                    "rci_methods in belong.toml: \"{code}\" is not a reliable change index; write any of {}",
                    RciMethod::ALL.map(|m| format!("\"{}\"", m.code())).join(", ")
                ))
            })?;
            if !methods.contains(&method) {
                methods.push(method);
            }
        }
        analysis.rci_methods = methods;
    }
    let fraction = |key: &str, value: f64| -> Result<f64> {
        if value > 0.0 && value <= 1.0 {
            Ok(value)
        } else if value > 1.0 && value <= 100.0 {
            Err(Error::Config(format!(
                "{key} = {value} in belong.toml: give a fraction of the baseline score, {} for {value}%",
                value / 100.0
            )))
        } else {
            Err(Error::Config(format!(
                "{key} = {value} in belong.toml: give a fraction of the baseline score between 0 and 1, e.g. 0.5 for 50%"
            )))
        }
    };
    analysis.percentage_change = match (raw.pct_improvement, raw.pct_deterioration) {
        (None, None) => None,
        (None, Some(_)) => {
            return Err(Error::Config(
                "pct_deterioration in belong.toml needs pct_improvement as well".into(),
            ))
        }
        (Some(improvement), deterioration) => {
            let improvement = fraction("pct_improvement", improvement)?;
            let deterioration = match deterioration {
                Some(value) => fraction("pct_deterioration", value)?,
                None => improvement,
            };
            Some((improvement, deterioration))
        }
    };
    if let Some(norms) = &raw.norms {
        let outcomes: Vec<String> = instruments
            .iter()
            .flat_map(|i| {
                std::iter::once(i.id.clone())
                    .chain(i.subscales.iter().map(|s| i.subscale_outcome(s)))
            })
            .collect();
        for (outcome, norm) in norms {
            if !outcomes.contains(outcome) {
                let hint = closest(outcome, outcomes.iter().map(String::as_str))
                    .map(|s| format!("; did you mean [norms.{s}]?"))
                    .unwrap_or_default();
                return Err(Error::Config(format!(
                    "[norms.{outcome}] in belong.toml: no instrument or subscale has that id{hint}"
                )));
            }
            if !(norm.sd > 0.0 && norm.sd.is_finite() && norm.mean.is_finite()) {
                return Err(Error::Config(format!(
                    "[norms.{outcome}] in belong.toml: mean must be a number and sd a positive number"
                )));
            }
            if norm.source.trim().is_empty() {
                return Err(Error::Config(format!(
                    "[norms.{outcome}] in belong.toml: source must say where the norms are published"
                )));
            }
            analysis.norms.insert(
                outcome.clone(),
                FunctionalNorms {
                    mean: norm.mean,
                    sd: norm.sd,
                    source: norm.source.clone(),
                    retest: match norm.retest {
                        Some(r) if !(r > 0.0 && r < 1.0) => {
                            return Err(Error::Config(format!(
                                "[norms.{outcome}] retest = {r} in belong.toml: a test-retest correlation between 0 and 1, e.g. 0.7"
                            )))
                        }
                        other => other,
                    },
                },
            );
        }
    }
    Ok(())
}

/// `[costs]`: a positive total, a short currency, a value only with its
/// source.
fn resolve_costs(raw: &CostsConfig) -> Result<Costs> {
    if !(raw.total > 0.0 && raw.total.is_finite()) {
        return Err(Error::Config(format!(
            "[costs] total = {} in belong.toml: give what the programme cost, a positive amount such as 84000",
            raw.total
        )));
    }
    let currency = raw.currency.clone().unwrap_or_default();
    if currency.chars().count() > 10 || currency.contains(['\n', '\r']) {
        return Err(Error::Config(
            "[costs] currency in belong.toml: a code or symbol of at most 10 characters, e.g. \"GBP\"".into(),
        ));
    }
    let value = match (raw.value_per_improvement, &raw.value_source) {
        (None, None) => None,
        (Some(value), Some(source)) if value > 0.0 && value.is_finite() && !source.trim().is_empty() => {
            Some((value, source.trim().to_string()))
        }
        (Some(value), Some(_)) if !(value > 0.0 && value.is_finite()) => {
            return Err(Error::Config(format!(
                "[costs] value_per_improvement = {value} in belong.toml: give a positive amount"
            )))
        }
        (Some(_), _) => {
            return Err(Error::Config(
                "[costs] value_per_improvement in belong.toml needs value_source = \"...\" saying where the value is published".into(),
            ))
        }
        (None, Some(_)) => {
            return Err(Error::Config(
                "[costs] value_source in belong.toml without value_per_improvement".into(),
            ))
        }
    };
    Ok(Costs {
        total: raw.total,
        currency,
        value,
    })
}

/// `design`, `adjust_for`, `moderators`, `cluster` and `caliper`.
fn resolve_design(raw: &RawConfig, analysis: &mut AnalysisOptions) -> Result<()> {
    if let Some(text) = &raw.design {
        analysis.design = Some(DeclaredDesign::parse(text).ok_or_else(|| {
            Error::Config(format!(
                "design = \"{text}\" in belong.toml: write \"randomised\" (people were assigned to the arms at random), \"comparison\" (a comparison group that was not randomised) or \"pre-post\" (no comparison group)"
            ))
        })?);
    }
    if let Some(columns) = &raw.adjust_for {
        let mut seen: Vec<&str> = Vec::new();
        for column in columns {
            if column.trim().is_empty() {
                return Err(Error::Config(
                    "adjust_for in belong.toml lists an empty column name".into(),
                ));
            }
            if seen.contains(&column.as_str()) {
                return Err(Error::Config(format!(
                    "adjust_for in belong.toml lists \"{column}\" twice"
                )));
            }
            seen.push(column);
        }
        if columns.len() > MAX_ADJUST_FOR {
            return Err(Error::Config(format!(
                "adjust_for in belong.toml lists {} columns: at most {MAX_ADJUST_FOR}",
                columns.len()
            )));
        }
        analysis.adjust_for = columns.clone();
    }
    if let Some(columns) = &raw.moderators {
        if columns.len() > MAX_ADJUST_FOR {
            return Err(Error::Config(format!(
                "moderators in belong.toml lists {} columns: at most {MAX_ADJUST_FOR}",
                columns.len()
            )));
        }
        analysis.moderators = columns.clone();
    }
    if let Some(column) = &raw.cluster {
        if column.trim().is_empty() {
            return Err(Error::Config(
                "cluster = \"\" in belong.toml: name the participant column that says which peer circle, class or site each person was served in, e.g. cluster = \"circle\"".into(),
            ));
        }
        analysis.cluster = Some(column.clone());
    }
    if let Some(caliper) = raw.caliper {
        if !(caliper > 0.0 && caliper.is_finite()) {
            return Err(Error::Config(format!(
                "caliper = {caliper} in belong.toml: give a positive number of standard deviations of the propensity score, e.g. 0.2"
            )));
        }
        analysis.caliper = Some(caliper);
    }
    Ok(())
}

fn is_default<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
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
            None => Some(data_folder(&data_dir).join("belong.toml")).filter(|p| p.is_file()),
        };
        let raw = match &config_file {
            Some(path) => RawConfig::from_file(path)?,
            None => RawConfig::default(),
        };
        Settings::resolve_raw(flags, raw, config_file, data_dir)
    }

    /// Checks a parsed config against the rules no single key can check.
    pub fn resolve_raw(
        flags: Flags,
        raw: RawConfig,
        config_file: Option<PathBuf>,
        data_dir: PathBuf,
    ) -> Result<Settings> {
        if let Some(0) = raw.bootstrap_b {
            return Err(Error::Config(
                "bootstrap_b = 0 in belong.toml: use at least 200 resamples (default 2000)".into(),
            ));
        }
        if let Some(b) = raw.bootstrap_b.filter(|b| *b > MAX_BOOTSTRAP_B) {
            return Err(Error::Config(format!(
                "bootstrap_b = {b} in belong.toml: at most {MAX_BOOTSTRAP_B} resamples (default {DEFAULT_BOOTSTRAP_B}); more only costs time and memory"
            )));
        }
        if let Some(markers) = &raw.missing_values {
            if markers.len() > MAX_MISSING_MARKERS {
                return Err(Error::Config(format!(
                    "missing_values in belong.toml lists {} texts: at most {MAX_MISSING_MARKERS}",
                    markers.len()
                )));
            }
            if let Some(long) = markers
                .iter()
                .find(|m| m.chars().count() > MAX_MISSING_MARKER_LEN)
            {
                return Err(Error::Config(format!(
                    "missing_values in belong.toml: \"{}…\" is longer than {MAX_MISSING_MARKER_LEN} characters; a missing-value marker is a short text such as \"NA\"",
                    long.chars().take(20).collect::<String>().escape_debug()
                )));
            }
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
            check_dose_bands(&analysis.dose_bands)?;
        }
        let date_format = raw
            .date_format
            .as_deref()
            .map(|text| date_format_named("date_format", text))
            .transpose()?;
        let outputs = match &raw.outputs {
            None => OUTPUTS.iter().map(|o| o.to_string()).collect(),
            Some(list) => {
                for output in list {
                    if !OUTPUTS.contains(&output.as_str()) {
                        let hint = closest(output, OUTPUTS)
                            .map(|s| format!("; did you mean \"{s}\"?"))
                            .unwrap_or_default();
                        return Err(Error::Config(format!(
                            "outputs in belong.toml: \"{output}\" is not one of {}{hint}",
                            OUTPUTS.join(", ")
                        )));
                    }
                }
                list.clone()
            }
        };
        let instruments = instruments::registry(raw.instruments.as_deref().unwrap_or_default())?;
        resolve_meaningful_change(&raw, &instruments, &mut analysis)?;
        resolve_design(&raw, &mut analysis)?;
        analysis.costs = raw.costs.as_ref().map(resolve_costs).transpose()?;
        let report = raw.report.clone().unwrap_or_default();
        report.check()?;
        let wide = resolve_wide(raw.wide.clone(), &data_dir)?;
        if wide.is_some()
            && (raw.participants.is_some() || raw.assessments.is_some() || raw.attendance.is_some())
        {
            return Err(Error::Config(
                "belong.toml has both [wide] and native tables ([participants], [assessments], [attendance]); a data set is one or the other".into(),
            ));
        }
        if wide.is_none() && data_dir.is_file() {
            return Err(Error::Config(format!(
                "{}: a single sheet needs a [wide] section in belong.toml saying which columns hold each wave; run `belong init {}` to write one",
                data_dir.display(),
                data_dir.display()
            )));
        }
        let tables = Tables {
            participants: raw.participants.clone().unwrap_or_default(),
            assessments: raw.assessments.clone().unwrap_or_default(),
            attendance: raw.attendance.clone().unwrap_or_default(),
        };
        if raw.allow_outside_data != Some(true) {
            confine_to_data(&tables, wide.as_ref(), &data_folder(&data_dir))?;
        }
        let report_logo = report.logo_path(
            &data_folder(&data_dir),
            raw.allow_outside_data != Some(true),
        )?;
        let date_formats = resolve_date_formats(date_format, &tables)?;
        let cohort_from = match raw.cohort_from.as_deref() {
            None => None,
            Some(text) => Some(match text.trim() {
                "enrolled_on:year" => crate::ingest::CohortPeriod::Year,
                "enrolled_on:quarter" => crate::ingest::CohortPeriod::Quarter,
                "enrolled_on:month" => crate::ingest::CohortPeriod::Month,
                other => {
                    return Err(Error::Config(format!(
                        "cohort_from = \"{}\" in belong.toml: write \"enrolled_on:year\", \"enrolled_on:quarter\" or \"enrolled_on:month\" (the cohort is the period each participant enrolled in)",
                        other.escape_debug()
                    )))
                }
            }),
        };
        if cohort_from.is_some()
            && raw
                .group_by
                .as_ref()
                .is_some_and(|groups| !groups.iter().any(|g| g == "cohort"))
        {
            return Err(Error::Config(
                "cohort_from in belong.toml derives a cohort, but group_by does not list \"cohort\"; add it to group_by or remove cohort_from".into(),
            ));
        }
        let bands = resolve_bands(raw.bands.as_ref(), cohort_from.is_some())?;
        let on_bad_cell = match raw.on_bad_cell.as_deref() {
            None | Some("missing") => crate::ingest::OnBadCell::Missing,
            Some("stop") => crate::ingest::OnBadCell::Stop,
            Some(other) => {
                return Err(Error::Config(format!(
                    "on_bad_cell = \"{}\" in belong.toml: write \"missing\" (read the cell as missing, record it and keep the row) or \"stop\" (stop the run at the cell)",
                    other.escape_debug()
                )))
            }
        };
        let out_dir = flags
            .out
            .clone()
            .unwrap_or_else(|| default_out_dir(&data_dir));
        location::check_location(
            &out_dir,
            &data_folder(&data_dir),
            &input_paths(&tables, wide.as_ref()),
        )?;
        let labels = Labels::resolve(raw.labels.as_ref().unwrap_or(&BTreeMap::new()))
            .map_err(Error::Config)?;
        let previous = flags.previous.clone();
        Ok(Settings {
            waves: WaveSettings {
                order: raw.waves.or_else(|| {
                    wide.as_ref()
                        .map(|w| w.waves.iter().map(|w| w.name.clone()).collect())
                }),
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
            disclosure: flags.disclosure.or(raw.disclosure).unwrap_or_default(),
            seed: flags.seed.or(raw.seed).unwrap_or(DEFAULT_SEED),
            bootstrap_b: raw.bootstrap_b.unwrap_or(DEFAULT_BOOTSTRAP_B),
            analysis,
            date_format,
            date_formats,
            on_bad_cell,
            cohort_from,
            bands,
            outputs,
            report,
            labels,
            report_logo,
            tables,
            wide,
            instruments,
            instrument_changes: raw.instruments.clone().unwrap_or_default(),
            threads: flags.threads,
            force: flags.force,
            skip_memory_check: flags.skip_memory_check,
            previous,
            data_dir,
            config_file,
            out_dir,
        })
    }
}

/// A date format named in belong.toml at `key`.
fn date_format_named(key: &str, text: &str) -> Result<DateFormat> {
    DateFormat::parse(text).ok_or_else(|| {
        Error::Config(format!(
            "{key} = \"{}\" in belong.toml: write \"iso\" (2026-11-25), \"day-first\" (25/11/2026) or \"month-first\" (11/25/2026)",
            text.escape_debug()
        ))
    })
}

/// The date columns of each native table.
const DATE_COLUMNS: [(&str, &str); 3] = [
    ("participants", "enrolled_on"),
    ("assessments", "assessed_on"),
    ("attendance", "session_date"),
];

/// The data set's date format with each table's `date_format` and
/// `date_formats`; a column is named by its native name or its name in
/// the file.
fn resolve_date_formats(all: Option<DateFormat>, tables: &Tables) -> Result<DateFormats> {
    let mut formats = DateFormats {
        all,
        ..DateFormats::default()
    };
    for (table, native) in DATE_COLUMNS {
        let config = tables.get(table);
        if let Some(text) = &config.date_format {
            let format = date_format_named(&format!("[{table}] date_format"), text)?;
            formats.tables.insert(table.to_string(), format);
        }
        for (column, text) in &config.date_formats {
            let key = format!("[{table}] date_formats.{}", column.escape_debug());
            let format = date_format_named(&key, text)?;
            let is_the_date = column == native
                || config
                    .columns
                    .get(native)
                    .is_some_and(|source| source == column);
            if !is_the_date {
                let source = config
                    .columns
                    .get(native)
                    .map(|s| format!(" (\"{}\" in the file)", s.escape_debug()))
                    .unwrap_or_default();
                return Err(Error::Config(format!(
                    "{key} in belong.toml: the {table} table's date column is {native}{source}; name that column, or set date_format for the whole table"
                )));
            }
            formats
                .columns
                .insert((table.to_string(), native.to_string()), format);
        }
    }
    Ok(formats)
}

/// `bands`: each column's bands parsed and disjoint, and no column that
/// belong reads as something else.
fn resolve_bands(
    bands: Option<&BTreeMap<String, Vec<String>>>,
    derives_cohort: bool,
) -> Result<Vec<(String, Vec<crate::ingest::bands::ValueBand>)>> {
    let Some(bands) = bands else {
        return Ok(Vec::new());
    };
    bands
        .iter()
        .map(|(column, labels)| {
            let key = format!("bands.{}", column.escape_debug());
            if ["participant_id", "enrolled_on", "sessions"].contains(&column.as_str())
                || (derives_cohort && column == "cohort")
            {
                return Err(Error::Config(format!(
                    "{key} in belong.toml: {} is not a characteristic of numbers; band a column such as age",
                    column.escape_debug()
                )));
            }
            Ok((
                column.clone(),
                crate::ingest::bands::parse_bands(&key, labels)?,
            ))
        })
        .collect()
}

fn serialize_bands<S: serde::Serializer>(
    bands: &[(String, Vec<crate::ingest::bands::ValueBand>)],
    serializer: S,
) -> std::result::Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut map = serializer.serialize_map(Some(bands.len()))?;
    for (column, column_bands) in bands {
        let labels: Vec<&str> = column_bands.iter().map(|b| b.label.as_str()).collect();
        map.serialize_entry(column, &labels)?;
    }
    map.end()
}

/// Dose bands count each participant once: they may not overlap, and
/// there are at most [`MAX_DOSE_BANDS`].
fn check_dose_bands(bands: &[DoseBand]) -> Result<()> {
    if bands.len() > MAX_DOSE_BANDS {
        return Err(Error::Config(format!(
            "dose_bands in belong.toml lists {} bands: at most {MAX_DOSE_BANDS}",
            bands.len()
        )));
    }
    for (i, a) in bands.iter().enumerate() {
        for b in &bands[i + 1..] {
            let a_reaches = a.max.is_none_or(|max| max >= b.min);
            let b_reaches = b.max.is_none_or(|max| max >= a.min);
            if a_reaches && b_reaches {
                return Err(Error::Config(format!(
                    "dose_bands in belong.toml: \"{}\" and \"{}\" overlap, so a participant would count in both; make the bands disjoint, e.g. [\"0\", \"1-5\", \"6-11\", \"12+\"]",
                    a.label.escape_debug(),
                    b.label.escape_debug()
                )));
            }
        }
    }
    Ok(())
}

/// Checks the wide layout; the sheet defaults to DATA when DATA is a file.
fn resolve_wide(wide: Option<WideConfig>, data_dir: &Path) -> Result<Option<WideConfig>> {
    let Some(mut wide) = wide else {
        return Ok(None);
    };
    if wide.file.is_none() {
        if data_dir.is_file() {
            wide.file = data_dir.file_name().map(PathBuf::from);
        } else {
            return Err(Error::Config(
                "[wide] in belong.toml: add file = \"NAME.csv\" (the sheet, relative to the data folder), or give the sheet itself as DATA".into(),
            ));
        }
    }
    if wide.waves.len() < 2 {
        return Err(Error::Config(
            "[wide] in belong.toml needs at least two [[wide.waves]] entries, baseline first, each with columns = { ... }".into(),
        ));
    }
    for wave in &wide.waves {
        if wave.columns.is_empty() {
            // Suggest the scores another wave maps, to this wave's column.
            let example = wide
                .waves
                .iter()
                .find_map(|other| other.columns.keys().next())
                .map_or("ucla3_total", String::as_str);
            return Err(Error::Config(format!(
                "[[wide.waves]] name = \"{}\" in belong.toml has no columns: add columns = {{ {example} = \"...\" }}, naming the sheet's column that holds this wave's {example}",
                wave.name.escape_debug()
            )));
        }
    }
    let mut names: Vec<&str> = wide.waves.iter().map(|w| w.name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    if names.len() != wide.waves.len() {
        return Err(Error::Config(
            "[wide] in belong.toml names a wave twice".into(),
        ));
    }
    Ok(Some(wide))
}

/// A belong.toml travels with its data, and may come from someone else:
/// its `file = ...` paths stay inside the data folder (after following
/// `..` and links) unless it says `allow_outside_data = true`.
fn confine_to_data(tables: &Tables, wide: Option<&WideConfig>, folder: &Path) -> Result<()> {
    let folder_path = location::absolute(folder)?;
    let configured = ["participants", "assessments", "attendance"]
        .into_iter()
        .filter_map(|name| tables.get(name).file.as_ref().map(|f| (name, f)))
        .chain(wide.and_then(|w| w.file.as_ref()).map(|f| ("wide", f)));
    for (section, file) in configured {
        let path = location::absolute(&folder.join(file))?;
        if !path.starts_with(&folder_path) {
            return Err(Error::Config(format!(
                "[{section}] file = \"{}\" in belong.toml is outside the data folder {}; move the file into it, give the data folder on the command line, or add allow_outside_data = true to belong.toml if you trust this config",
                file.display().to_string().escape_debug(),
                folder.display()
            )));
        }
    }
    Ok(())
}

/// Where in the data folder the tables are read from: configured files,
/// or each table's default names.
fn input_paths(tables: &Tables, wide: Option<&WideConfig>) -> Vec<PathBuf> {
    let mut paths = Vec::new();
    for name in ["participants", "assessments", "attendance"] {
        match &tables.get(name).file {
            Some(file) => paths.push(file.clone()),
            None => {
                paths.push(PathBuf::from(name));
                for extension in ["csv", "parquet", "xlsx"] {
                    paths.push(PathBuf::from(format!("{name}.{extension}")));
                }
            }
        }
    }
    paths.extend(wide.and_then(|w| w.file.clone()));
    paths
}

/// `reports/<name of the data folder>`.
fn default_out_dir(data_dir: &Path) -> PathBuf {
    let name = std::fs::canonicalize(data_dir)
        .ok()
        .and_then(|p| p.file_stem().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "report".into());
    PathBuf::from("reports").join(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(toml_text: &str) -> Result<Settings> {
        let raw: RawConfig = toml::from_str(toml_text).expect("valid TOML");
        let data = tempfile::tempdir().unwrap();
        Settings::resolve_raw(
            Flags {
                out: Some(PathBuf::from("reports/limits")),
                ..Flags::default()
            },
            raw,
            None,
            data.path().to_path_buf(),
        )
    }

    fn refused(toml_text: &str, key: &str) {
        match resolve(toml_text) {
            Ok(_) => panic!("{toml_text} accepted"),
            Err(e) => assert!(e.to_string().contains(key), "{toml_text}: {e}"),
        }
    }

    #[test]
    fn the_report_heading_is_one_line_of_text() {
        let settings = resolve(
            "[report]\ntitle = \"Walk and Talk: impact\"\nprogramme = \"Walk and Talk\"\nperiod = \"2025-26\"",
        )
        .unwrap();
        assert_eq!(settings.report.title(), "Walk and Talk: impact");
        assert_eq!(
            settings.report.subtitle().as_deref(),
            Some("Walk and Talk · 2025-26")
        );
        assert_eq!(resolve("").unwrap().report.title(), "Evaluation report");
        refused("[report]\ntitle = \"\"", "[report] title");
        refused("[report]\nperiod = \"a\\nb\"", "line break");
        let unknown = RawConfig::from_text("[report]\nmotto = \"x\"").unwrap_err();
        assert!(unknown.contains("motto"), "{unknown}");
    }

    #[test]
    fn meaningful_change_settings_are_checked_where_parsed() {
        let settings = resolve("rci_methods = [\"ha\", \"GLN\", \"HA\"]").unwrap();
        assert_eq!(
            settings.analysis.rci_methods,
            [RciMethod::Jt, RciMethod::Ha, RciMethod::Gln]
        );
        refused(
            "rci_methods = [\"RCI\"]",
            "\"RCI\" is not a reliable change index",
        );
        refused("pct_improvement = 50", "0.5 for 50%");
        refused("pct_improvement = 0", "between 0 and 1");
        refused("pct_deterioration = 0.5", "needs pct_improvement");
        let settings = resolve("pct_improvement = 0.5").unwrap();
        assert_eq!(settings.analysis.percentage_change, Some((0.5, 0.5)));
        refused(
            "[norms.ucla]\nmean = 4\nsd = 1\nsource = \"x\"",
            "did you mean [norms.ucla3]",
        );
        refused(
            "[norms.ucla3]\nmean = 4\nsd = 0\nsource = \"x\"",
            "sd a positive number",
        );
        refused(
            "[[instruments]]\nid = \"ucla3\"\nmic = 1",
            "mic needs source",
        );
        refused(
            "[[instruments]]\nid = \"ucla3\"\nmic = -1\nsource = \"x\"",
            "positive number of points",
        );
        let settings = resolve("[[instruments]]\nid = \"ucla3\"\nmic = 1\nsource = \"x\"").unwrap();
        let ucla3 = settings
            .instruments
            .iter()
            .find(|i| i.id == "ucla3")
            .unwrap();
        assert_eq!(ucla3.mic.as_ref().map(|m| m.deterioration), Some(1.0));
    }

    #[test]
    fn settings_that_size_the_work_have_upper_bounds() {
        resolve("bootstrap_b = 100000").unwrap();
        refused("bootstrap_b = 100001", "bootstrap_b = 100001");
        refused("bootstrap_b = 1000000000000", "at most 100000");
        let many: Vec<String> = (0..1001).map(|i| format!("\"m{i}\"")).collect();
        refused(
            &format!("missing_values = [{}]", many.join(", ")),
            "missing_values",
        );
        refused(
            &format!("missing_values = [\"{}\"]", "x".repeat(101)),
            "missing_values",
        );
        refused(
            "[[instruments]]\nid = \"big\"\nitems = 1000000000\nraw_min = 0\nraw_max = 3\ndirection = \"higher_is_worse\"",
            "at most 200 items",
        );
        refused(
            "[[instruments]]\nid = \"wide\"\nitems = 3\nraw_min = 0\nraw_max = 9223372036854775807\ndirection = \"higher_is_worse\"",
            "raw_min/raw_max",
        );
    }

    #[test]
    fn config_paths_stay_inside_the_data_folder() {
        for file in ["../../etc/passwd", "/etc/passwd"] {
            refused(
                &format!("[attendance]\nfile = \"{file}\""),
                "outside the data folder",
            );
            resolve(&format!(
                "allow_outside_data = true\n[attendance]\nfile = \"{file}\""
            ))
            .unwrap();
        }
        resolve("[attendance]\nfile = \"exports/../sessions.csv\"").unwrap();
    }

    #[test]
    fn overlapping_or_repeated_dose_bands_are_refused() {
        resolve(r#"dose_bands = ["0", "1-5", "6-11", "12+"]"#).unwrap();
        resolve(r#"dose_bands = ["12+", "0", "1-11"]"#).unwrap();
        refused(
            r#"dose_bands = ["0-5", "5-10"]"#,
            "\"0-5\" and \"5-10\" overlap",
        );
        refused(r#"dose_bands = ["1-5", "1-5"]"#, "overlap");
        refused(r#"dose_bands = ["6+", "10-12"]"#, "overlap");
        refused(r#"dose_bands = ["3", "0-4"]"#, "overlap");
    }
}
