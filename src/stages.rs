//! The adaptor that runs the analysis stages with attendance streamed
//! beside them. Attendance is the largest table: it is read part by part
//! and counted while scoring, the panel and the analyses that do not need
//! it run on a second thread pool; the analyses of attendance follow. The
//! stages themselves (`ingest`, `validate`, `score`, `panel`, `analysis`)
//! know nothing of the overlap; `lib.rs` calls only this module's entry
//! points.

use crate::error::{Error, Result};
use crate::ingest::read::SourceFile;
use crate::panel::Panel;
use crate::validate::Validated;
use crate::{analysis, ingest, model, panel, pause, score, validate, waves};
use crate::{Analysed, Checked, Settings};
use std::time::Instant;

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

/// Ingest and validate: the data-quality account.
///
/// Attendance, the largest table, is streamed: each part is converted,
/// checked against the kept participants and counted, then dropped. Its
/// reading and converting count as ingest time, its checks as validate.
pub(crate) fn checked(settings: &Settings) -> Result<Checked> {
    let options = ingest_options(settings);
    let People {
        mut sources,
        mut validated,
        mut ingest_time,
        mut validate_time,
    } = read_people(settings, &options)?;
    if options.wide.is_none() {
        let (checked, reading, checking) = stream_attendance(
            settings,
            &options,
            &mut sources,
            validated.participants.enrolled_on.clone(),
            &validated.participant_index,
        )?;
        if let Some(checked) = checked {
            validated.add_attendance(checked);
        }
        ingest_time += reading;
        validate_time += checking;
    }
    let start = Instant::now();
    let later_excluded = check_against_baseline(settings, &mut validated);
    validated.account.excluded.extend(later_excluded);
    validate::note_blank_lines(&mut validated.account, &sources);
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

/// Refuses, before anything is read, data whose estimated memory need
/// exceeds the memory available (unless `--skip-memory-check`).
pub(crate) fn fits_in_memory(settings: &Settings) -> Result<()> {
    if settings.skip_memory_check {
        return Ok(());
    }
    let Some(available) = ingest::memory::available() else {
        return Ok(());
    };
    let need = ingest::memory::needed(&settings.data_dir, &ingest_options(settings))?;
    ingest::memory::check(&need, available)
}

fn ingest_options(settings: &Settings) -> ingest::IngestOptions {
    ingest::IngestOptions {
        group_columns: settings.group_columns.clone(),
        missing: settings.missing.clone(),
        date_formats: settings.date_formats.clone(),
        on_bad_cell: settings.on_bad_cell,
        cohort_from: settings.cohort_from,
        bands: settings.bands.clone(),
        tables: settings.tables.clone(),
        wide: settings.wide.clone(),
        chunk_rows: 0,
    }
}

/// Ingest → validate → score → panel → analyses, running `beside` on the
/// finished panel while the last analyses run.
///
/// Attendance is read while the rest is analysed: scoring, the panel and
/// every analysis that does not need attendance run beside its streaming,
/// and the analyses of attendance follow. The result is the one
/// [`checked`] then [`analysed_from_checked`] give; stage timings overlap.
pub(crate) fn analysed<T: Send>(
    settings: &Settings,
    beside: impl FnOnce(&Panel) -> T + Send,
) -> Result<(Analysed, T)> {
    let options = ingest_options(settings);
    // A wide sheet has no attendance table to stream; with one thread
    // there is nothing to run beside it.
    if options.wide.is_some() || rayon::current_num_threads() == 1 {
        return analysed_from_checked(settings, checked(settings)?, beside);
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
    let Validated {
        participants,
        participant_index,
        assessments,
        mut account,
        ..
    } = validated;
    let enrolled_on = participants.enrolled_on.clone();
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
        || {
            stream_attendance(
                settings,
                &options,
                &mut sources,
                enrolled_on,
                &participant_index,
            )
        },
        || {
            analyses_pool
                .install(|| analyse_without_attendance(settings, participants, assessments))
        },
    );
    drop(participant_index);
    // Errors in the order the stages would meet them one after another.
    let (checked, reading, checking) = attendance?;
    let analysed = analysed.map_err(|error| name_assessment_files(error, &sources))?;
    let tally = checked.map(|(table, excluded, tally)| {
        account.add(table, excluded);
        tally
    });
    account.excluded.extend(later_excluded);
    validate::note_blank_lines(&mut account, &sources);
    let timings = vec![
        ("ingest", (ingest_time + reading).as_millis()),
        ("validate", (validate_time + checking).as_millis()),
    ];
    Ok(analyse_attendance(
        settings, sources, account, tally, analysed, timings, beside,
    ))
}

/// Score → panel → analyses on validated data, running `beside` on the
/// finished panel while the last analyses run.
pub(crate) fn analysed_from_checked<T: Send>(
    settings: &Settings,
    checked: Checked,
    beside: impl FnOnce(&Panel) -> T + Send,
) -> Result<(Analysed, T)> {
    let Checked {
        sources,
        validated,
        timings,
    } = checked;
    let Validated {
        participants,
        assessments,
        attendance,
        account,
        ..
    } = validated;
    let analysed = analyse_without_attendance(settings, participants, assessments)
        .map_err(|error| name_assessment_files(error, &sources))?;
    Ok(analyse_attendance(
        settings, sources, account, attendance, analysed, timings, beside,
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
    assessments: model::Assessments,
) -> Result<WithoutAttendance> {
    let mut timings = Vec::new();
    let scored = scored(settings, participants, assessments, &mut timings)?;
    let (panel, order) = panel_of(settings, scored, &mut timings)?;
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

/// The kept people with every assessment's totals: what the panel is
/// built from.
struct Scored {
    participants: model::Participants,
    /// The assessment rows' participants and waves; their responses are
    /// released once scored.
    assessments: model::Assessments,
    scores: score::Scores,
    waves: waves::WaveOrder,
}

/// The score stage: the waves put in order, and each assessment row's
/// totals and subscales.
fn scored(
    settings: &Settings,
    participants: model::Participants,
    mut assessments: model::Assessments,
    timings: &mut Vec<(&'static str, u128)>,
) -> Result<Scored> {
    let waves = waves::order_waves(&assessments, &settings.waves)?;
    let scores = timed(timings, "score", || {
        score::score(&assessments, &settings.instruments, waves.baseline_name())
    });
    // The panel needs only the ids and waves of the assessment rows: the
    // responses (a gigabyte at national scale) go before it is built.
    assessments.instruments = Vec::new();
    assessments.assessed_on = Vec::new();
    assessments.origin = Vec::new();
    Ok(Scored {
        participants,
        assessments,
        scores,
        waves,
    })
}

/// The panel stage: one row per participant, before attendance. The
/// characteristics no table may show are left out first (free text, those
/// beyond the first 30, levels of fewer than `min_cell` people pooled);
/// data with no one scored at both waves, or whose design cannot be
/// analysed, stop here.
fn panel_of(
    settings: &Settings,
    scored: Scored,
    timings: &mut Vec<(&'static str, u128)>,
) -> Result<(Panel, panel::PanelOrder)> {
    let Scored {
        mut participants,
        assessments,
        scores,
        waves,
    } = scored;
    let allowed: Vec<String> = settings
        .tables
        .participants
        .allow
        .iter()
        .chain(settings.wide.iter().flat_map(|wide| &wide.allow))
        .cloned()
        .collect();
    let free_text = panel::leave_out_free_text(&mut participants, &allowed);
    let named: Vec<String> = settings
        .analysis
        .adjust_for
        .iter()
        .chain(&settings.analysis.moderators)
        .chain(&settings.analysis.cluster)
        .cloned()
        .collect();
    let surplus = panel::leave_out_surplus_characteristics(&mut participants, &named);
    panel::check_columns(&participants)?;
    let cluster = settings
        .analysis
        .cluster
        .as_deref()
        .unwrap_or(analysis::design::CLUSTER_COLUMN);
    let pooled = panel::pool_small_levels(
        &mut participants,
        settings.min_cell,
        &[analysis::design::ARM_COLUMN, cluster],
    );
    let (mut panel, order) = timed(timings, "panel", || {
        panel::build_panel_without_attendance(
            participants,
            &assessments.participant,
            &assessments.wave,
            scores,
            waves,
        )
    });
    panel.pooled = pooled;
    panel.free_text = free_text;
    panel.surplus = surplus;
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
    analysis::design::check(&panel, &settings.analysis)?;
    Ok((panel, order))
}

/// Adds counted attendance to the panel and runs the analyses that need
/// it, and `beside` on the finished panel meanwhile; `timings` holds
/// ingest and validate.
fn analyse_attendance<T: Send>(
    settings: &Settings,
    sources: Vec<SourceFile>,
    account: validate::Account,
    attendance: Option<panel::AttendanceTally>,
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
    if let Some(tally) = attendance {
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
        account,
        instruments: settings.instruments.clone(),
        panel,
        estimates,
        timings,
    };
    (analysed, beside)
}
