//! belong: evaluate social-connection and wellness programs.
//!
//! The library is the pipeline, one module per stage:
//!
//! ```text
//! ingest -> validate -> score -> panel -> analyses -> render
//! ```
//!
//! It knows nothing about command lines or terminals: `main.rs` parses
//! flags, calls [`report`], [`validate_data`] or [`synth::generate`], and maps
//! errors to exit codes.

pub mod analysis;
pub mod config;
pub mod disclosure;
pub mod error;
pub mod estimate;
pub mod ingest;
pub mod init;
pub mod instruments;
pub mod model;
pub mod panel;
pub mod report;
pub mod score;
pub mod stats;
pub mod synth;
pub mod validate;
pub mod waves;

use config::Settings;
use error::{Error, Result};
use estimate::Estimate;
use ingest::read::SourceFile;
use panel::Panel;
use std::path::PathBuf;
use std::time::Instant;
use validate::Validated;

/// The result of the analysis stages, before rendering.
pub struct Analysed {
    pub sources: Vec<SourceFile>,
    /// The data-quality account and excluded rows. Its assessment rows and
    /// attendance counts are released once the panel is built.
    pub validated: Validated,
    /// The registry the panel's outcomes index into.
    pub instruments: Vec<instruments::Instrument>,
    pub panel: Panel,
    pub estimates: Vec<Estimate>,
    /// (stage, milliseconds).
    pub timings: Vec<(&'static str, u128)>,
}

fn timed<T>(
    timings: &mut Vec<(&'static str, u128)>,
    stage: &'static str,
    work: impl FnOnce() -> T,
) -> T {
    let start = Instant::now();
    let result = work();
    timings.push((stage, start.elapsed().as_millis()));
    result
}

/// The first two stages: what was read, and what was kept and why not.
pub struct Checked {
    pub sources: Vec<SourceFile>,
    pub validated: Validated,
    pub timings: Vec<(&'static str, u128)>,
}

/// Ingest and validate: the data-quality account.
///
/// Attendance, the largest table, is streamed: each part is converted,
/// checked against the kept participants and counted, then dropped. Its
/// reading and converting count as ingest time, its checks as validate.
pub fn validate_data(settings: &Settings) -> Result<Checked> {
    let mut timings = Vec::new();
    let instruments = settings.instruments.clone();
    let options = ingest_options(settings);
    let start = Instant::now();
    let mut ingested = ingest::ingest_people(&settings.data_dir, &instruments, &options)?;
    let mut ingest_time = start.elapsed();
    let start = Instant::now();
    let mut validated = validate::validate(
        ingested.participants,
        ingested.assessments,
        None,
        &instruments,
    );
    let mut validate_time = start.elapsed();
    if options.wide.is_none() {
        let (reading, checking) =
            stream_attendance(settings, &options, &mut ingested.sources, &mut validated)?;
        ingest_time += reading;
        validate_time += checking;
    }
    let start = Instant::now();
    // Date order needs the wave order; when the waves cannot be ordered
    // the analysis stops later with that error.
    if let Ok(order) = waves::order_waves(&validated.assessments, &settings.waves) {
        validate::exclude_followups_before_baseline(&mut validated, order.baseline_name());
    }
    validate::note_participants_without_assessment(&mut validated);
    validate_time += start.elapsed();
    timings.push(("ingest", ingest_time.as_millis()));
    timings.push(("validate", validate_time.as_millis()));
    Ok(Checked {
        sources: ingested.sources,
        validated,
        timings,
    })
}

/// Reads the attendance table part by part, checking each part against the
/// kept participants and counting it into `validated`. Returns the time
/// spent reading and converting, and the time spent checking and counting.
fn stream_attendance(
    settings: &Settings,
    options: &ingest::IngestOptions,
    sources: &mut Vec<SourceFile>,
    validated: &mut Validated,
) -> Result<(std::time::Duration, std::time::Duration)> {
    let start = Instant::now();
    let mut checking = std::time::Duration::ZERO;
    let mut check =
        validate::AttendanceCheck::new(&validated.participants, &validated.participant_index);
    let expected_ids = validated.participants.len();
    let found =
        ingest::visit_attendance(&settings.data_dir, options, sources, expected_ids, |part| {
            let started = Instant::now();
            check.add(part);
            checking += started.elapsed();
            Ok(())
        })?;
    let checked = check.into_parts();
    if found.is_some() {
        validated.add_attendance(checked);
    }
    Ok((start.elapsed().saturating_sub(checking), checking))
}

fn ingest_options(settings: &Settings) -> ingest::IngestOptions {
    ingest::IngestOptions {
        group_columns: settings.group_columns.clone(),
        missing: settings.missing.clone(),
        date_format: settings.date_format.unwrap_or_default(),
        date_format_configured: settings.date_format.is_some(),
        tables: settings.tables.clone(),
        wide: settings.wide.clone(),
        chunk_rows: 0,
    }
}

/// Runs ingest → validate → score → panel → analyses.
pub fn analyse(settings: &Settings) -> Result<Analysed> {
    analyse_checked(settings, validate_data(settings)?)
}

/// Told when each long stage starts, so a front end can show progress.
pub trait Progress {
    fn stage(&mut self, name: &'static str);
}

/// No progress display.
pub struct Silent;

impl Progress for Silent {
    fn stage(&mut self, _name: &'static str) {}
}

/// Runs score → panel → analyses on validated data.
pub fn analyse_checked(settings: &Settings, checked: Checked) -> Result<Analysed> {
    // "Nothing to analyse" is about the assessments: name their files.
    let assessment_files: Vec<String> = checked
        .sources
        .iter()
        .filter(|s| s.table == "assessments" || s.table == "wide")
        .map(|s| s.path.display().to_string())
        .collect();
    analyse_inner(settings, checked).map_err(|error| match error {
        Error::NothingToAnalyse(message) if !assessment_files.is_empty() => {
            Error::NothingToAnalyse(format!("{}: {message}", assessment_files.join(", ")))
        }
        other => other,
    })
}

fn analyse_inner(settings: &Settings, checked: Checked) -> Result<Analysed> {
    let Checked {
        sources,
        mut validated,
        mut timings,
    } = checked;
    let instruments = settings.instruments.clone();
    let wave_order = waves::order_waves(&validated.assessments, &settings.waves)?;
    let scores = timed(&mut timings, "score", || {
        score::score(
            &validated.assessments,
            &instruments,
            wave_order.baseline_name(),
        )
    });
    // The panel needs only the ids and waves of the assessment rows: the
    // responses (a gigabyte at national scale) go before it is built.
    validated.assessments.instruments = Vec::new();
    validated.assessments.assessed_on = Vec::new();
    validated.assessments.origin = Vec::new();
    let participants = std::mem::take(&mut validated.participants);
    validated.participant_index = model::ParticipantIndex::default();
    let panel = timed(&mut timings, "panel", || {
        panel::build_panel(
            participants,
            &validated.assessments.participant,
            &validated.assessments.wave,
            scores,
            wave_order,
            validated.attendance.take(),
        )
    });
    // The panel holds everything the analyses and the report need; the
    // row-level assessments are released before the analyses run. Their
    // account stays.
    validated.assessments = model::Assessments::default();
    let has_pairs = panel
        .outcomes
        .iter()
        .any(|o| o.completer(&panel.waves).iter().any(|c| *c));
    if !has_pairs {
        return Err(Error::NothingToAnalyse(format!(
            "no participant has a score at both {} and {}",
            panel.waves.baseline_name(),
            panel.waves.followup_name()
        )));
    }
    let estimates = timed(&mut timings, "analyses", || {
        analysis::run(&panel, &instruments, &settings.analysis)
    });
    Ok(Analysed {
        sources,
        validated,
        instruments,
        panel,
        estimates,
        timings,
    })
}

/// The main job: analyse the data, suppress small cells, and write the
/// report folder.
pub fn report(settings: &Settings) -> Result<PathBuf> {
    report_with_progress(settings, &mut Silent)
}

/// [`report`], telling `progress` as each stage starts.
pub fn report_with_progress(settings: &Settings, progress: &mut dyn Progress) -> Result<PathBuf> {
    progress.stage("reading and validating the data");
    let checked = validate_data(settings)?;
    progress.stage("scoring and analysing");
    let mut analysed = analyse_checked(settings, checked)?;
    progress.stage("writing the report");
    disclosure::suppress(&mut analysed.estimates, settings.min_cell);
    report::write_report(&report::ReportContent {
        settings,
        sources: &analysed.sources,
        accounts: &analysed.validated.accounts,
        excluded: &analysed.validated.excluded,
        panel: &analysed.panel,
        instruments: &analysed.instruments,
        estimates: &analysed.estimates,
        timings: &analysed.timings,
    })
}
