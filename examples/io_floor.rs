//! The I/O floor for docs/performance.md: polars alone reads the Parquet
//! columns belong reads and aggregates attendance per participant — the
//! least any tool must do — and prints the seconds it took.
//!
//!     cargo run --release --example io_floor -- DATA_FOLDER

use polars::prelude::*;
use std::time::Instant;

fn scan(folder: &std::path::Path, table: &str) -> PolarsResult<LazyFrame> {
    let path = folder.join(format!("{table}.parquet"));
    let text = path.to_string_lossy().into_owned();
    LazyFrame::scan_parquet(PlRefPath::new(&text), ScanArgsParquet::default())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let folder = std::path::PathBuf::from(
        std::env::args()
            .nth(1)
            .ok_or("give the folder holding participants/assessments/attendance.parquet")?,
    );
    let started = Instant::now();
    // Every column, as belong reads every column: groups and covariates
    // from participants, items from assessments, and the date, activity,
    // format and minutes of each session (participation by week and
    // activity), which a count per participant alone would not read.
    let participants = scan(&folder, "participants")?.collect()?;
    let assessments = scan(&folder, "assessments")?.collect()?;
    let attendance = scan(&folder, "attendance")?
        .filter(col("attended"))
        .group_by([col("participant_id")])
        .agg([
            len().alias("sessions"),
            col("session_date").max().alias("last_session"),
            col("activity").first().alias("first_activity"),
            (col("format").eq(lit("group")))
                .sum()
                .alias("group_sessions"),
            col("minutes").sum().alias("minutes"),
        ])
        .collect()?;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{seconds:.3} s: {} participants, {} assessment rows, {} attendees",
        participants.height(),
        assessments.height(),
        attendance.height()
    );
    Ok(())
}
