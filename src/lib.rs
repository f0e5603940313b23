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
pub mod cells;
pub mod config;
pub mod disclosure;
pub mod error;
pub mod estimate;
pub mod ingest;
pub mod init;
pub mod instruments;
pub mod model;
pub mod panel;
mod parquet;
mod pause;
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
    let options = ingest_options(settings);
    let People {
        mut sources,
        mut validated,
        mut ingest_time,
        mut validate_time,
    } = read_people(settings, &options)?;
    if options.wide.is_none() {
        let index = std::mem::take(&mut validated.participant_index);
        let streamed = stream_attendance(
            settings,
            &options,
            &mut sources,
            validated.participants.enrolled_on.clone(),
            &index,
        );
        validated.participant_index = index;
        let (checked, reading, checking) = streamed?;
        if let Some(checked) = checked {
            validated.add_attendance(checked);
        }
        ingest_time += reading;
        validate_time += checking;
    }
    let start = Instant::now();
    let later_excluded = check_against_baseline(settings, &mut validated);
    validated.excluded.extend(later_excluded);
    validate::note_blank_lines(&mut validated, &sources);
    validate_time += start.elapsed();
    Ok(Checked {
        sources,
        validated,
        timings: vec![
            ("ingest", ingest_time.as_millis()),
            ("validate", validate_time.as_millis()),
        ],
    })
}

/// Participants and assessments, read and validated.
struct People {
    sources: Vec<SourceFile>,
    validated: Validated,
    ingest_time: std::time::Duration,
    validate_time: std::time::Duration,
}

fn read_people(settings: &Settings, options: &ingest::IngestOptions) -> Result<People> {
    let start = Instant::now();
    let ingested = ingest::ingest_people(&settings.data_dir, &settings.instruments, options)?;
    pause::point("ingested");
    let ingest_time = start.elapsed();
    let start = Instant::now();
    let validated = validate::validate(
        ingested.participants,
        ingested.assessments,
        None,
        &settings.instruments,
    );
    Ok(People {
        sources: ingested.sources,
        validated,
        ingest_time,
        validate_time: start.elapsed(),
    })
}

/// The checks of assessments that need the wave order, and the note of
/// participants without assessment. Returns the excluded rows, which are
/// listed after attendance's.
fn check_against_baseline(
    settings: &Settings,
    validated: &mut Validated,
) -> Vec<validate::ExcludedRow> {
    // Date order needs the wave order; when the waves cannot be ordered
    // the analysis stops later with that error.
    let excluded = match waves::order_waves(&validated.assessments, &settings.waves) {
        Ok(order) => validate::exclude_followups_before_baseline(validated, order.baseline_name()),
        Err(_) => Vec::new(),
    };
    validate::note_participants_without_assessment(validated);
    excluded
}

/// The attendance table's account, excluded rows and counts, when there is
/// one.
type CheckedAttendance = (
    validate::TableAccount,
    Vec<validate::ExcludedRow>,
    panel::AttendanceTally,
);

/// Reads the attendance table part by part, checking each part against the
/// kept participants (their ids in `index`, by participants-table row when
/// each enrolled) and counting it. Returns what was found, the time spent
/// reading and converting, and the time spent checking and counting.
fn stream_attendance(
    settings: &Settings,
    options: &ingest::IngestOptions,
    sources: &mut Vec<SourceFile>,
    enrolled_on: Vec<Option<model::Date>>,
    index: &model::ParticipantIndex,
) -> Result<(
    Option<CheckedAttendance>,
    std::time::Duration,
    std::time::Duration,
)> {
    let start = Instant::now();
    let mut checking = std::time::Duration::ZERO;
    let expected_ids = enrolled_on.len();
    let mut check = validate::AttendanceCheck::new(enrolled_on, index);
    let found =
        ingest::visit_attendance(&settings.data_dir, options, sources, expected_ids, |part| {
            let started = Instant::now();
            check.add(part);
            checking += started.elapsed();
            Ok(())
        })?;
    let checked = found.map(|_| check.into_parts());
    Ok((checked, start.elapsed().saturating_sub(checking), checking))
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
///
/// Attendance is read while the rest is analysed: scoring, the panel and
/// every analysis that does not need attendance run beside its streaming,
/// and the analyses of attendance follow. The result is the one
/// [`validate_data`] then [`analyse_checked`] give; stage timings overlap.
pub fn analyse(settings: &Settings) -> Result<Analysed> {
    Ok(analyse_with(settings, |_| ())?.0)
}

/// [`analyse`], running `beside` on the finished panel while the last
/// analyses run.
fn analyse_with<T: Send>(
    settings: &Settings,
    beside: impl FnOnce(&Panel) -> T + Send,
) -> Result<(Analysed, T)> {
    let options = ingest_options(settings);
    // A wide sheet has no attendance table to stream; with one thread
    // there is nothing to run beside it.
    if options.wide.is_some() || rayon::current_num_threads() == 1 {
        return analyse_checked_with(settings, validate_data(settings)?, beside);
    }
    let People {
        mut sources,
        mut validated,
        ingest_time,
        mut validate_time,
    } = read_people(settings, &options)?;
    let start = Instant::now();
    let later_excluded = check_against_baseline(settings, &mut validated);
    validate_time += start.elapsed();
    let index = std::mem::take(&mut validated.participant_index);
    let enrolled_on = validated.participants.enrolled_on.clone();
    let participants = std::mem::take(&mut validated.participants);
    let assessments = std::mem::take(&mut validated.assessments);
    // The analyses get a pool of their own: in the shared pool, a thread
    // waiting inside attendance's parallel work would take a whole
    // analysis cell and hold attendance back until it finished. While
    // attendance streams, both pools' threads may be busy.
    let analyses_pool = rayon::ThreadPoolBuilder::new()
        .num_threads(rayon::current_num_threads())
        .build()
        .map_err(|source| Error::Threads {
            threads: rayon::current_num_threads(),
            source,
        })?;
    let (attendance, analysed) = rayon::join(
        || stream_attendance(settings, &options, &mut sources, enrolled_on, &index),
        || {
            analyses_pool
                .install(|| analyse_without_attendance(settings, participants, assessments))
        },
    );
    drop(index);
    // Errors in the order the stages would meet them one after another.
    let (checked, reading, checking) = attendance?;
    let analysed = analysed.map_err(|error| name_assessment_files(error, &sources))?;
    if let Some(checked) = checked {
        validated.add_attendance(checked);
    }
    validated.excluded.extend(later_excluded);
    validate::note_blank_lines(&mut validated, &sources);
    let timings = vec![
        ("ingest", (ingest_time + reading).as_millis()),
        ("validate", (validate_time + checking).as_millis()),
    ];
    Ok(analyse_attendance(
        settings, sources, validated, analysed, timings, beside,
    ))
}

/// Told when each long stage starts, so a front end can show progress,
/// and of what the user should know that is not an error.
pub trait Progress {
    fn stage(&mut self, name: &'static str);
    /// A note for the user, e.g. that files a dead run left were removed.
    fn note(&mut self, message: &str);
}

/// No progress display, no notes.
pub struct Silent;

impl Progress for Silent {
    fn stage(&mut self, _name: &'static str) {}
    fn note(&mut self, _message: &str) {}
}

/// Runs score → panel → analyses on validated data.
pub fn analyse_checked(settings: &Settings, checked: Checked) -> Result<Analysed> {
    Ok(analyse_checked_with(settings, checked, |_| ())?.0)
}

/// [`analyse_checked`], running `beside` on the finished panel while the
/// last analyses run.
fn analyse_checked_with<T: Send>(
    settings: &Settings,
    checked: Checked,
    beside: impl FnOnce(&Panel) -> T + Send,
) -> Result<(Analysed, T)> {
    let Checked {
        sources,
        mut validated,
        timings,
    } = checked;
    let participants = std::mem::take(&mut validated.participants);
    validated.participant_index = model::ParticipantIndex::default();
    let assessments = std::mem::take(&mut validated.assessments);
    let analysed = analyse_without_attendance(settings, participants, assessments)
        .map_err(|error| name_assessment_files(error, &sources))?;
    Ok(analyse_attendance(
        settings, sources, validated, analysed, timings, beside,
    ))
}

/// "Nothing to analyse" is about the assessments: name their files.
fn name_assessment_files(error: Error, sources: &[SourceFile]) -> Error {
    let assessment_files: Vec<String> = sources
        .iter()
        .filter(|s| s.table == "assessments" || s.table == "wide")
        .map(|s| s.path.display().to_string())
        .collect();
    match error {
        Error::NothingToAnalyse(message) if !assessment_files.is_empty() => {
            Error::NothingToAnalyse(format!("{}: {message}", assessment_files.join(", ")))
        }
        other => other,
    }
}

/// The panel before attendance, and the analyses that do not need it.
struct WithoutAttendance {
    panel: Panel,
    order: panel::PanelOrder,
    estimates: analysis::WithoutAttendance,
    timings: Vec<(&'static str, u128)>,
}

/// Score → panel → the analyses that do not read attendance.
fn analyse_without_attendance(
    settings: &Settings,
    participants: model::Participants,
    mut assessments: model::Assessments,
) -> Result<WithoutAttendance> {
    let mut timings = Vec::new();
    panel::check_columns(&participants)?;
    let wave_order = waves::order_waves(&assessments, &settings.waves)?;
    let scores = timed(&mut timings, "score", || {
        score::score(
            &assessments,
            &settings.instruments,
            wave_order.baseline_name(),
        )
    });
    // The panel needs only the ids and waves of the assessment rows: the
    // responses (a gigabyte at national scale) go before it is built.
    assessments.instruments = Vec::new();
    assessments.assessed_on = Vec::new();
    assessments.origin = Vec::new();
    let (panel, order) = timed(&mut timings, "panel", || {
        panel::build_panel_without_attendance(
            participants,
            &assessments.participant,
            &assessments.wave,
            scores,
            wave_order,
        )
    });
    // The panel holds everything the analyses and the report need; the
    // row-level assessments are released before the analyses run. Their
    // account stays.
    drop(assessments);
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
        analysis::run_without_attendance(&panel, &settings.instruments, &settings.analysis)
    });
    Ok(WithoutAttendance {
        panel,
        order,
        estimates,
        timings,
    })
}

/// Adds counted attendance to the panel and runs the analyses that need
/// it, and `beside` on the finished panel meanwhile; `timings` holds
/// ingest and validate.
fn analyse_attendance<T: Send>(
    settings: &Settings,
    sources: Vec<SourceFile>,
    mut validated: Validated,
    without_attendance: WithoutAttendance,
    mut timings: Vec<(&'static str, u128)>,
    beside: impl FnOnce(&Panel) -> T + Send,
) -> (Analysed, T) {
    let WithoutAttendance {
        mut panel,
        order,
        estimates,
        timings: earlier,
    } = without_attendance;
    let start = Instant::now();
    if let Some(tally) = validated.attendance.take() {
        panel.attach_attendance(tally, &order);
    }
    let (estimates, beside) = rayon::join(
        || {
            analysis::run_with_attendance(
                estimates,
                &panel,
                &settings.instruments,
                &settings.analysis,
            )
        },
        || beside(&panel),
    );
    let elapsed = start.elapsed().as_millis();
    for (stage, time) in earlier {
        let time = if stage == "analyses" {
            time + elapsed
        } else {
            time
        };
        timings.push((stage, time));
    }
    let analysed = Analysed {
        sources,
        validated,
        instruments: settings.instruments.clone(),
        panel,
        estimates,
        timings,
    };
    (analysed, beside)
}

/// The main job: analyse the data, suppress small cells, and write the
/// report folder.
pub fn report(settings: &Settings) -> Result<PathBuf> {
    report_with_progress(settings, &mut Silent)
}

/// [`report`], telling `progress` as each stage starts.
pub fn report_with_progress(settings: &Settings, progress: &mut dyn Progress) -> Result<PathBuf> {
    // The report folder is claimed before the long work: a folder that
    // may not be replaced, or another run writing it, stops the run now.
    let claim = report::folder::Claim::take(&settings.out_dir, settings.force)?;
    for note in claim.notes() {
        progress.note(note);
    }
    progress.stage("reading, checking and analysing the data");
    // The internal panel, the largest output, is encoded while the last
    // analyses run.
    let (mut analysed, panel_parquet) = analyse_with(settings, report::internal::panel_parquet)?;
    let panel_parquet = panel_parquet.map_err(|source| Error::Polars {
        path: settings.out_dir.join("internal").join("panel.parquet"),
        doing: "encoding the panel".into(),
        source,
    })?;
    pause::point("analysed");
    progress.stage("writing the report");
    disclosure::suppress(&mut analysed.estimates, settings.min_cell);
    report::write_report(
        claim,
        &report::ReportContent {
            settings,
            sources: &analysed.sources,
            accounts: &analysed.validated.accounts,
            excluded: &analysed.validated.excluded,
            panel: &analysed.panel,
            instruments: &analysed.instruments,
            estimates: &analysed.estimates,
            timings: &analysed.timings,
            panel_parquet: Some(&panel_parquet),
        },
    )
}
