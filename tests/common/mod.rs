//! Helpers shared by the integration tests: paths, running the binary, and
//! reading CSV output.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The datasets with R's answers, copied into the repository from the
/// project's shared fixtures so that a clone tests on its own.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Reference data (NIST StRD), copied into the repository likewise.
pub fn reference(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/reference")
        .join(name)
}

pub fn belong() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("belong").expect("binary builds")
}

/// Runs `belong report --quiet` on `data` into a fresh temporary folder;
/// the folder lives as long as the returned guard.
pub fn report_of(data: impl AsRef<std::ffi::OsStr>) -> (tempfile::TempDir, PathBuf) {
    let temp = tempfile::tempdir().unwrap();
    let out = temp.path().join("report");
    belong()
        .args(["report", "--quiet", "--out"])
        .arg(&out)
        .arg(data)
        .assert()
        .success();
    (temp, out)
}

/// Splits one CSV record, honouring quotes.
pub fn split_record(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut field)),
            _ => field.push(c),
        }
    }
    fields.push(field);
    fields
}

/// A CSV file as a list of column-name → value maps.
pub fn read_csv(path: &Path) -> Vec<HashMap<String, String>> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let text = text.trim_start_matches('\u{feff}');
    let mut lines = text.lines();
    let header = split_record(lines.next().unwrap_or_default());
    lines
        .filter(|l| !l.is_empty())
        .map(|line| header.iter().cloned().zip(split_record(line)).collect())
        .collect()
}
