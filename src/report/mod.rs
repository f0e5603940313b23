//! Render: the report folder.
//!
//! Everything is written into the staging folder of a [`folder::Claim`],
//! which is swapped in only when complete, so a failed or killed run never
//! leaves half a report. The tables, charts and story are built once into
//! a [`model::ReportModel`], which index.html, report.md, report.docx and
//! tables.xlsx serialise; none recomputes a statistic.

pub(crate) mod charts;
pub mod data_quality;
pub(crate) mod docx;
pub(crate) mod estimates;
pub(crate) mod flow;
pub mod folder;
pub mod format;
pub(crate) mod html;
pub(crate) mod internal;
pub(crate) mod labels;
pub(crate) mod manifest;
pub(crate) mod markdown;
pub(crate) mod model;
pub mod previous;
pub(crate) mod story;
pub(crate) mod tables;

use crate::error::{Error, Result};
use crate::estimate::Estimate;
use crate::ingest::read::SourceFile;
use crate::panel::Panel;
use std::path::{Path, PathBuf};

/// Report sections in the order of the analyses: (id, heading, tables).
/// Charts name their section; data quality comes after the methods.
pub(crate) const SECTIONS: [(&str, &str, &[&str]); 14] = [
    ("flow", "Participant flow", &["participant_flow"]),
    ("baseline", "Who took part", &["table1", "reliability"]),
    (
        "change",
        "Change from baseline to follow-up",
        &["change_by_group", "effect_sizes"],
    ),
    (
        "reliable_change",
        "Reliable and meaningful change",
        &["reliable_change", "meaningful_change"],
    ),
    ("caseness", "Caseness", &["caseness"]),
    ("participation", "Participation", &["participation"]),
    ("dose_response", "Dose and response", &["dose_response"]),
    (
        "comparison",
        "Comparisons between groups",
        &["adjusted_comparison", "balance", "comparisons"],
    ),
    (
        "clustering",
        "Clustered delivery",
        &["clustering", "clustered_estimates"],
    ),
    ("for_whom", "For whom", &["for_whom"]),
    ("costs", "What it cost", &["costs"]),
    (
        "previous",
        "This period against the previous",
        &["previous_period"],
    ),
    ("attrition", "Attrition", &["attrition"]),
    (
        "longitudinal",
        "Over all waves (mixed model)",
        &["longitudinal", "longitudinal_sensitivity"],
    ),
];

/// Everything the renderers may read.
pub(crate) struct ReportContent<'a> {
    pub settings: &'a crate::config::Settings,
    pub sources: &'a [SourceFile],
    /// What was read, kept and excluded, row by row and cell by cell
    /// (`internal/excluded_rows.csv`, `internal/excluded_cells.csv`).
    pub account: &'a crate::validate::Account,
    pub panel: &'a Panel,
    /// The instrument registry the outcomes index into.
    pub instruments: &'a [crate::instruments::Instrument],
    pub estimates: &'a [Estimate],
    /// (stage, milliseconds): the only clock readings in a report.
    pub timings: &'a [(&'static str, u128)],
    /// `internal/panel.parquet`, when already encoded
    /// ([`internal::panel_parquet`]).
    pub panel_parquet: Option<&'a [u8]>,
    /// The earlier report this period is compared with (`--previous`).
    pub previous: Option<&'a previous::Previous>,
}

pub(crate) fn write_file(path: &Path, contents: impl AsRef<[u8]>) -> Result<()> {
    std::fs::write(path, contents).map_err(|e| Error::io("writing the report", path, e))
}

/// Writes the report into `claim`'s staging folder and swaps it in.
pub(crate) fn write_report(claim: folder::Claim, content: &ReportContent) -> Result<PathBuf> {
    render_into(claim.staging(), content)?;
    claim.commit()
}

/// Everything outside `internal/` but the manifest: estimates, tables,
/// charts, index.html and report.md.
fn render_published(dir: &Path, content: &ReportContent) -> Result<()> {
    write_file(
        &dir.join("estimates.csv"),
        estimates::to_csv(content.estimates),
    )?;
    let mut frame = estimates::to_frame(content.estimates).map_err(|source| Error::Polars {
        path: dir.join("estimates.parquet"),
        doing: "building the estimates table".into(),
        source,
    })?;
    crate::parquet::write(&dir.join("estimates.parquet"), &mut frame)?;
    write_file(
        &dir.join("data_quality.csv"),
        data_quality::to_csv(&content.account.tables),
    )?;
    let wanted = |output: &str| content.settings.outputs.iter().any(|o| o == output);
    // The model is built once; every output below serialises it.
    let tables = tables::tables(content);
    let figures = if wanted("charts") {
        charts::write(dir, content)?
    } else {
        Vec::new()
    };
    let model = model::ReportModel::build(content, tables, figures);
    tables::write(dir, &model.tables, wanted("excel"))?;
    if wanted("html") {
        let path = dir.join("index.html");
        let page = html::render(&model, &content.settings.out_dir.join("index.html"))?;
        write_file(&path, page)?;
    }
    if wanted("markdown") {
        write_file(&dir.join("report.md"), markdown::render(&model))?;
    }
    if wanted("docx") {
        let path = dir.join("report.docx");
        write_file(&path, docx::render(&model, &path)?)?;
    }
    Ok(())
}

fn render_into(dir: &Path, content: &ReportContent) -> Result<()> {
    let started = std::time::Instant::now();
    let internal_dir = dir.join("internal");
    folder::private_dir(&internal_dir)
        .map_err(|e| Error::io("creating the report's internal folder", &internal_dir, e))?;
    // The internal panel (a row per participant) is the largest file and
    // depends on nothing else written: it is written beside the rest.
    let (internal, published) = rayon::join(
        || internal::write(&dir.join("internal"), content),
        || render_published(dir, content),
    );
    internal?;
    published?;
    crate::pause::point("render");
    // The manifest, written last, lists every file of the report: what a
    // later run may replace.
    let mut files = folder::files_below(dir)?;
    files.push(folder::MANIFEST.into());
    files.sort();
    write_file(
        &dir.join(folder::MANIFEST),
        manifest::render(content, &files, started.elapsed().as_millis())?,
    )?;
    Ok(())
}
