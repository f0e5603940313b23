//! Fuzzes the CSV ingest path end to end: arbitrary bytes as the
//! assessments table beside a valid participants table, through ingest,
//! validation and the analyses. Any outcome but a panic is fine: belong
//! must answer every input with a result or an error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

static PARTICIPANTS: &str = "participant_id,cohort,site,enrolled_on\nP1,a,x,2025-01-01\nP2,a,y,2025-01-02\nP3,b,x,2025-01-03\n";

fn folder() -> &'static tempfile::TempDir {
    static FOLDER: OnceLock<tempfile::TempDir> = OnceLock::new();
    FOLDER.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temporary folder");
        std::fs::write(dir.path().join("participants.csv"), PARTICIPANTS).expect("write");
        dir
    })
}

fuzz_target!(|data: &[u8]| {
    let dir = folder();
    if std::fs::write(dir.path().join("assessments.csv"), data).is_err() {
        return;
    }
    let flags = belong::config::Flags {
        data_dir: Some(dir.path().to_path_buf()),
        min_cell: Some(0),
        ..Default::default()
    };
    let Ok(mut settings) = belong::config::Settings::resolve(flags) else {
        return;
    };
    // Keep each run short: the bootstrap is not what is being fuzzed.
    settings.analysis.bootstrap_resamples = 20;
    if let Ok(checked) = belong::validate_data(&settings) {
        let _ = belong::analyse_checked(&settings, checked);
    }
});
