//! belong: evaluate social-connection and wellness programs.
//!
//! The library is the pipeline, one module per stage:
//!
//! ```text
//! ingest -> validate -> score -> panel -> analyses -> disclosure -> report
//! ```
//!
//! It knows nothing about command lines or terminals: `main.rs` parses
//! flags, calls [`report`], [`validate_data`] or [`synth::generate_to`], and
//! maps errors to exit codes.
//!
//! The public API is small: these entry points, [`config::Settings`] (built
//! from [`config::Flags`] and belong.toml), [`error::Error`], and the stage
//! values a researcher extending belong builds or reads ([`panel::Panel`],
//! [`analysis::run`], [`estimate::Estimate`], [`disclosure::publish`], the
//! [`stats`] kernels). Everything else is `pub(crate)`; docs/ARCHITECTURE.md
//! says where each stage lives.

pub mod analysis;
pub(crate) mod cells;
pub mod config;
pub mod disclosure;
pub mod error;
pub mod estimate;
pub mod ingest;
pub mod init;
pub mod instruments;
pub(crate) mod model;
pub mod panel;
mod parquet;
mod pause;
pub mod report;
pub mod score;
mod stages;
pub mod stats;
mod suggest;
pub mod synth;
pub mod validate;
pub mod waves;

use config::Settings;
use error::{Error, Result};
use estimate::Estimate;
use ingest::read::SourceFile;
use panel::Panel;
use std::path::PathBuf;
use validate::Validated;

/// The result of the analysis stages, before rendering.
pub struct Analysed {
    pub sources: Vec<SourceFile>,
    /// The data-quality account: every row read, kept or excluded.
    pub account: validate::Account,
    /// The registry the panel's outcomes index into.
    pub instruments: Vec<instruments::Instrument>,
    pub panel: Panel,
    pub estimates: Vec<Estimate>,
    /// (stage, milliseconds).
    pub timings: Vec<(&'static str, u128)>,
}

/// The first two stages: what was read, and what was kept and why not.
pub struct Checked {
    pub sources: Vec<SourceFile>,
    pub validated: Validated,
    pub timings: Vec<(&'static str, u128)>,
}

/// Told when each long stage starts, so a front end can show progress,
/// and of what the user should know that is not an error.
pub trait Progress {
    fn stage(&mut self, name: &'static str);
    /// A note for the user, e.g. that files a dead run left were removed.
    fn note(&mut self, message: &str);
    /// The account of every row read, once the data are checked.
    fn accounted(&mut self, _accounts: &[validate::TableAccount]) {}
}

/// No progress display, no notes.
pub(crate) struct Silent;

impl Progress for Silent {
    fn stage(&mut self, _name: &'static str) {}
    fn note(&mut self, _message: &str) {}
}

/// Ingest → validate: the data-quality account (`belong validate`).
///
/// Attendance, the largest table, is streamed: each part is converted,
/// checked against the kept participants and counted, then dropped.
pub fn validate_data(settings: &Settings) -> Result<Checked> {
    stages::fits_in_memory(settings)?;
    stages::checked(settings)
}

/// Ingest → validate → score → panel → analyses, with attendance streamed
/// beside the analyses that do not need it (see `stages`).
pub fn analyse(settings: &Settings) -> Result<Analysed> {
    Ok(stages::analysed(settings, |_| ())?.0)
}

/// Score → panel → analyses on data [`validate_data`] checked.
pub fn analyse_checked(settings: &Settings, checked: Checked) -> Result<Analysed> {
    Ok(stages::analysed_from_checked(settings, checked, |_| ())?.0)
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
    // Data too big for the memory available stop the run now, not after
    // minutes of swapping.
    stages::fits_in_memory(settings)?;
    for note in claim.notes() {
        progress.note(note);
    }
    // An earlier report to compare with is read now: a damaged one stops
    // the run before the long work.
    let previous = match &settings.previous {
        Some(dir) => Some(report::previous::read(dir)?),
        None => None,
    };
    progress.stage("reading, checking and analysing the data");
    // The internal panel, the largest output, is encoded while the last
    // analyses run.
    let (analysed, panel_parquet) = stages::analysed(settings, report::internal::panel_parquet)?;
    let panel_parquet = panel_parquet.map_err(|source| Error::Polars {
        path: settings.out_dir.join("internal").join("panel.parquet"),
        doing: "encoding the panel".into(),
        source,
    })?;
    pause::point("analysed");
    progress.accounted(&analysed.account.tables);
    note_left_out(progress, &analysed.panel);
    progress.stage("writing the report");
    let mut estimates = analysed.estimates;
    if let Some(previous) = &previous {
        let against = report::previous::compare(&estimates, previous);
        estimates.extend(against);
    }
    // Small cells are withheld, and counts rounded if asked, before any
    // output is made: renderers see only what may be published.
    let published = disclosure::publish(estimates, settings.min_cell, settings.disclosure);
    report::write_report(
        claim,
        &report::ReportContent {
            settings,
            sources: &analysed.sources,
            account: &analysed.account,
            panel: &analysed.panel,
            instruments: &analysed.instruments,
            estimates: &published,
            timings: &analysed.timings,
            panel_parquet: Some(&panel_parquet),
            previous: previous.as_ref(),
        },
    )
}

/// Tells the user which participant columns the report leaves out, and how
/// to bring them in.
fn note_left_out(progress: &mut dyn Progress, panel: &Panel) {
    for column in &panel.free_text {
        progress.note(&format!(
            "participants column \"{}\" is free text and is left out of the report; code it into categories to analyse it",
            column.escape_debug()
        ));
    }
    if !panel.surplus.is_empty() {
        progress.note(&format!(
            "{} participant columns beyond the first {} characteristics are left out of the tables ({}); drop the columns the evaluation does not need under [participants] drop in belong.toml, or name the ones it does in adjust_for or moderators",
            panel.surplus.len(),
            panel::MAX_CHARACTERISTICS,
            ingest::shown_columns(&panel.surplus)
        ));
    }
}
