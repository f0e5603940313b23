//! Command-line definitions and the glue from flags to library calls.

use belong::config::{Flags, Settings};
use belong::report::data_quality;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "belong",
    version,
    about = "Evaluate social-connection and wellness programs: loneliness change, participation and R-checked statistics"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Show what a file reader said about a damaged file.
    #[arg(long, global = true)]
    verbose: bool,
}

#[derive(Args, Clone)]
struct Common {
    /// Data folder in the native layout (participants, assessments, attendance).
    #[arg(value_name = "DATA")]
    data: Option<PathBuf>,
    /// Config file (default: DATA/belong.toml when present).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Small-cell threshold for publication (0 = off).
    #[arg(long, value_name = "N")]
    min_cell: Option<usize>,
    /// How counts left open are protected: suppress (withhold more cells
    /// until no small one can be worked out) or round (round counts to the
    /// nearest 5).
    #[arg(long, value_name = "METHOD")]
    disclosure: Option<Disclosure>,
    /// Seed for anything random (bootstrap resamples).
    #[arg(long, value_name = "S")]
    seed: Option<u64>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// No progress output on stderr.
    #[arg(long)]
    quiet: bool,
    /// Run even when the data look too big for the memory available.
    #[arg(long)]
    skip_memory_check: bool,
}

/// `--disclosure`: the library's [`belong::disclosure::Method`] as a flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Disclosure {
    Suppress,
    Round,
}

impl From<Disclosure> for belong::disclosure::Method {
    fn from(flag: Disclosure) -> Self {
        match flag {
            Disclosure::Suppress => belong::disclosure::Method::Suppress,
            Disclosure::Round => belong::disclosure::Method::Round,
        }
    }
}

/// The file format `belong synth` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TableFormat {
    Csv,
    Parquet,
    Both,
}

#[derive(Subcommand)]
enum Command {
    /// Analyse DATA and write the report folder (the main job).
    Report {
        #[command(flatten)]
        common: Common,
        /// Report folder (default: reports/<name of DATA>).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Replace the report folder even when it holds files belong did
        /// not write (they are deleted, and named on stderr).
        #[arg(long)]
        force: bool,
        /// An earlier belong report (e.g. last year's) to compare this
        /// period's headline results with.
        #[arg(long, value_name = "REPORT_DIR")]
        previous: Option<PathBuf>,
    },
    /// Print the data-quality account; exit 1 when nothing can be analysed.
    Validate {
        #[command(flatten)]
        common: Common,
    },
    /// Write realistic synthetic program data in the native layout.
    Synth {
        /// Output folder.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Number of participants.
        #[arg(long, default_value_t = 240)]
        participants: usize,
        /// Seed: the same seed gives byte-identical files.
        #[arg(long, default_value_t = belong::config::DEFAULT_SEED)]
        seed: u64,
        /// Questionnaire: any instrument of `belong instruments`.
        #[arg(long, default_value = "ucla3")]
        instrument: String,
        /// Add a comparison arm (about a third of participants).
        #[arg(long)]
        comparison_arm: bool,
        /// With --comparison-arm, how strongly lonelier people and people
        /// living alone choose the intervention arm (0 = at random; 1 is
        /// marked confounding that propensity weighting should remove).
        #[arg(long, default_value_t = 0.0)]
        selection: f64,
        /// Number of assessment waves (2 = baseline/week12, 3 adds month6).
        #[arg(long, default_value_t = 2)]
        waves: usize,
        /// Program length in weeks (sessions are offered until then).
        #[arg(long, default_value_t = 12)]
        weeks: u32,
        /// Peer circles people meet in (0 = none): adds a `cluster` column,
        /// circles of unequal size whose members' later scores move together.
        #[arg(long, default_value_t = 0)]
        clusters: usize,
        /// File format: csv, parquet, or both (into OUT/csv and OUT/parquet).
        #[arg(long, value_enum, default_value_t = TableFormat::Csv)]
        format: TableFormat,
        /// Overwrite participants, assessments and attendance files already
        /// in the output folder.
        #[arg(long)]
        force: bool,
    },
    /// Inspect DATA and write a commented belong.toml beside it.
    Init {
        /// Data folder, or a single wide sheet.
        #[arg(value_name = "DATA", default_value = ".")]
        data: PathBuf,
        /// Replace an existing belong.toml.
        #[arg(long)]
        force: bool,
    },
    /// Print the instrument registry with its sources.
    Instruments,
}

fn settings(
    common: &Common,
    out: Option<PathBuf>,
    force: bool,
    previous: Option<PathBuf>,
) -> Result<Settings, belong::error::Error> {
    Settings::resolve(Flags {
        previous,
        data_dir: common.data.clone(),
        config: common.config.clone(),
        out,
        min_cell: common.min_cell,
        disclosure: common.disclosure.map(Into::into),
        seed: common.seed,
        threads: common.threads,
        force,
        skip_memory_check: common.skip_memory_check,
    })
}

fn configure_threads(threads: Option<usize>) {
    if let Some(n) = threads {
        // Both engines read their pool size once, before first use.
        std::env::set_var("POLARS_MAX_THREADS", n.to_string());
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global();
    }
}

/// A spinner on stderr naming the current stage; hidden with `--quiet` or
/// when stderr is not a terminal (indicatif's draw target checks that).
/// Unless `--quiet`, the run ends with the account of the rows read.
struct Spinner {
    bar: indicatif::ProgressBar,
    quiet: bool,
    account: Option<String>,
}

impl Spinner {
    fn new(quiet: bool) -> Self {
        let bar = if quiet {
            indicatif::ProgressBar::hidden()
        } else {
            let bar = indicatif::ProgressBar::new_spinner();
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            bar
        };
        Spinner {
            bar,
            quiet,
            account: None,
        }
    }

    fn finish(&self, out: &std::path::Path) {
        self.bar.finish_and_clear();
        if self.quiet {
            return;
        }
        match &self.account {
            Some(account) => eprintln!(
                "belong: {account}; the rows and cells left out, and why, are listed in {}",
                out.join("internal").display()
            ),
            None => eprintln!("belong: report written to {}", out.display()),
        }
    }
}

impl belong::Progress for Spinner {
    fn stage(&mut self, name: &'static str) {
        self.bar.set_message(name);
    }

    fn accounted(&mut self, accounts: &[belong::validate::TableAccount]) {
        self.account = Some(data_quality::one_line(accounts));
    }

    /// Shown even with `--quiet`: notes say what happened to files.
    fn note(&mut self, message: &str) {
        self.bar
            .suspend(|| eprintln!("belong: note: {}", terminal_safe(message)));
    }
}

/// Runs the command line and returns the exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return if error.use_stderr() { 2 } else { 0 };
        }
    };
    let verbose = cli.verbose;
    match run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {}", terminal_safe(&error_text(&error)));
            let detail = error
                .downcast_ref::<belong::error::Error>()
                .and_then(belong::error::Error::detail);
            if let (true, Some(detail)) = (verbose, detail) {
                eprintln!("detail: {}", terminal_safe(detail));
            }
            1
        }
    }
}

/// Writes to stdout. A reader that closed it (`belong instruments | head
/// -1`) wanted no more: that is not an error, as in ripgrep.
fn emit(text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        other => other,
    }
}

/// The error and its causes, each said once: an I/O error's message
/// already holds its source's text, which the chain would repeat.
fn error_text(error: &anyhow::Error) -> String {
    let mut text = error.to_string();
    for cause in error.chain().skip(1) {
        let cause = cause.to_string();
        if !text.contains(&cause) {
            text.push_str(": ");
            text.push_str(&cause);
        }
    }
    text
}

/// Text from the data (column names, labels, paths) as the terminal may
/// show it: control and invisible characters as codes.
fn terminal_safe(text: &str) -> String {
    belong::report::format::terminal_text(text)
}

fn run(cli: Cli) -> anyhow::Result<i32> {
    match cli.command {
        Command::Report {
            common,
            out,
            force,
            previous,
        } => {
            let settings = settings(&common, out, force, previous)?;
            configure_threads(settings.threads);
            let mut progress = Spinner::new(common.quiet);
            let out = belong::report_with_progress(&settings, &mut progress)?;
            progress.finish(&out);
            emit(&format!("{}\n", out.display()))?;
            Ok(0)
        }
        Command::Validate { common } => {
            let settings = settings(&common, None, false, None)?;
            configure_threads(settings.threads);
            let checked = belong::validate_data(&settings)?;
            emit(&data_quality::to_text(&checked.validated.account.tables))?;
            match belong::analyse_checked(&settings, checked) {
                Ok(_) => {
                    emit("ok: the data can be analysed\n")?;
                    Ok(0)
                }
                Err(error) => {
                    emit(&format!(
                        "cannot be analysed: {}\n",
                        terminal_safe(&error.to_string())
                    ))?;
                    Ok(1)
                }
            }
        }
        Command::Synth {
            out,
            participants,
            seed,
            instrument,
            comparison_arm,
            selection,
            waves,
            weeks,
            clusters,
            format,
            force,
        } => {
            let data = belong::synth::generate_to(
                &out,
                &belong::synth::SynthOptions {
                    participants,
                    seed,
                    instrument,
                    comparison_arm,
                    selection,
                    waves,
                    weeks,
                    clusters,
                    format: match format {
                        TableFormat::Csv => belong::synth::SynthFormat::Csv,
                        TableFormat::Parquet => belong::synth::SynthFormat::Parquet,
                        TableFormat::Both => belong::synth::SynthFormat::Both,
                    },
                    replace: force,
                },
            )?;
            eprintln!(
                "belong: wrote {} participants, {} assessments and {} attendance rows to {}",
                data.participants.len(),
                data.assessments.len(),
                data.attendance.len(),
                out.display()
            );
            Ok(0)
        }
        Command::Init { data, force } => {
            let folder = belong::ingest::data_folder(&data);
            let path = folder.join("belong.toml");
            if path.exists() && !force {
                anyhow::bail!(
                    "{} exists; keep it, or run `belong init --force` to replace it",
                    path.display()
                );
            }
            let proposal = belong::init::inspect(&data, &belong::instruments::builtin())?;
            std::fs::write(&path, &proposal.config)
                .map_err(|e| belong::error::Error::io("writing the config", &path, e))?;
            for line in &proposal.summary {
                eprintln!("belong: {}", terminal_safe(line));
            }
            emit(&format!("{}\n", path.display()))?;
            Ok(0)
        }
        Command::Instruments => {
            emit(&belong::instruments::describe(
                &belong::instruments::builtin(),
            ))?;
            Ok(0)
        }
    }
}
