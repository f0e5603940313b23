//! Fuzzes folder layouts: each line of the input names a file or a link
//! inside a fresh data folder (hive folders such as `site=North%20East/`,
//! parts, nested tables, odd names), which ingest, validation and the
//! analyses then read. Any outcome but a panic or a hang (libFuzzer's
//! -timeout) is fine: discovery must answer every layout with a result
//! or an error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::{Component, Path, PathBuf};

const PARTICIPANTS: &str = "participant_id,cohort,site,enrolled_on\nP1,a,x,2025-01-01\nP2,a,y,2025-01-02\nP3,b,x,2025-01-03\n";
const ASSESSMENTS: &str = "participant_id,wave,assessed_on,ucla3_1,ucla3_2,ucla3_3\nP1,baseline,2025-01-05,3,2,3\nP2,baseline,2025-01-06,2,2,2\nP3,baseline,2025-01-07,3,3,2\nP1,week12,2025-04-01,2,1,2\nP2,week12,2025-04-02,2,2,1\nP3,week12,2025-04-03,1,2,2\n";
const ATTENDANCE: &str = "participant_id,session_date,activity,format,attended\nP1,2025-01-10,walk,group,true\nP2,2025-01-11,walk,group,true\n";

/// A relative path that stays inside the folder, or `None`.
fn inside(text: &str) -> Option<PathBuf> {
    let path = Path::new(text.trim());
    if text.trim().is_empty() || path.is_absolute() {
        return None;
    }
    path.components()
        .all(|c| matches!(c, Component::Normal(_)))
        .then(|| path.to_path_buf())
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(dir) = tempfile::tempdir() else {
        return;
    };
    let root = dir.path();
    // Line forms: `path` (content by the table its name suggests),
    // `path=>target` (a symbolic link), `path:text` (that content).
    for line in text.lines().take(40) {
        if let Some((link, target)) = line.split_once("=>") {
            if let (Some(link), Some(target)) = (inside(link), inside(target)) {
                let link = root.join(link);
                if let Some(parent) = link.parent() {
                    let _ = std::fs::create_dir_all(parent);
                }
                #[cfg(unix)]
                let _ = std::os::unix::fs::symlink(root.join(target), &link);
            }
            continue;
        }
        let (name, content) = match line.split_once(':') {
            Some((name, content)) => (name, content.replace("\\n", "\n")),
            None => {
                let lower = line.to_lowercase();
                let content = if lower.contains("particip") {
                    PARTICIPANTS
                } else if lower.contains("assess") {
                    ASSESSMENTS
                } else {
                    ATTENDANCE
                };
                (line, content.to_string())
            }
        };
        let Some(path) = inside(name) else { continue };
        let path = root.join(path);
        if let Some(parent) = path.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        let _ = std::fs::write(&path, content);
    }
    let flags = belong::config::Flags {
        data_dir: Some(root.to_path_buf()),
        min_cell: Some(0),
        ..Default::default()
    };
    let Ok(mut settings) = belong::config::Settings::resolve(flags) else {
        return;
    };
    settings.analysis.bootstrap_resamples = 20;
    if let Ok(checked) = belong::validate_data(&settings) {
        let _ = belong::analyse_checked(&settings, checked);
    }
});
