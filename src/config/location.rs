//! Where a report may go: `--out` made absolute and checked against the
//! data folder in the resolve step, before any long work. The report
//! folder's life cycle (report/folder.rs) builds on these rules.

use crate::error::{Error, Result};
use std::ffi::OsString;
use std::fs;
use std::path::{Component, Path, PathBuf};

/// `path` made absolute without following its last missing components:
/// the longest existing prefix is resolved (symlinks included), the rest
/// is appended with `.` and `..` applied.
pub(crate) fn absolute(path: &Path) -> Result<PathBuf> {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map_err(|e| Error::io("finding the current folder", path, e))?
            .join(path)
    };
    let mut existing = joined.clone();
    let mut rest: Vec<OsString> = Vec::new();
    let resolved = loop {
        match fs::canonicalize(&existing) {
            Ok(resolved) => break resolved,
            Err(_) => match (existing.file_name(), existing.parent()) {
                (Some(name), Some(parent)) => {
                    rest.push(name.to_os_string());
                    existing = parent.to_path_buf();
                }
                // `..` or `.` at the end, or the root: lexical from here.
                _ => break lexical(&existing),
            },
        }
    };
    let mut result = resolved;
    for name in rest.iter().rev() {
        result.push(name);
    }
    Ok(lexical(&result))
}

/// Applies `.` and `..` without touching the file system.
fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// The resolve step's check of `--out` against the data folder: never the
/// data folder, an ancestor of it, or inside a place a table is read from
/// (`inputs`: paths relative to the data folder).
pub(crate) fn check_location(out_dir: &Path, data_folder: &Path, inputs: &[PathBuf]) -> Result<()> {
    let refuse = |why: String| {
        Err(Error::Config(format!(
            "--out {} {why}; choose another --out, e.g. reports/{}",
            out_dir.display(),
            absolute(data_folder)
                .ok()
                .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
                .unwrap_or_else(|| "report".into())
        )))
    };
    let replaces = "a report replaces its whole folder";
    let target = absolute(out_dir)?;
    if target.parent().is_none() || target.file_name().is_none() {
        return refuse("is the file system's root".into());
    }
    let data = absolute(data_folder)?;
    if target == data {
        return refuse(format!("is the data folder: {replaces}"));
    }
    if let Ok(cwd) = std::env::current_dir().and_then(fs::canonicalize) {
        if cwd.starts_with(&target) {
            return refuse(format!("holds the current folder: {replaces}"));
        }
    }
    if data.starts_with(&target) {
        return refuse(format!(
            "holds the data folder {}: {replaces}",
            data_folder.display()
        ));
    }
    for input in inputs {
        let input_path = absolute(&data.join(input))?;
        if target.starts_with(&input_path) {
            return refuse(format!(
                "is inside {}, which a table is read from: the next run would read the report as data",
                data_folder.join(input).display()
            ));
        }
    }
    if fs::metadata(&target).is_ok_and(|m| !m.is_dir()) {
        return refuse("is a file, not a folder".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absolute_applies_dots_to_missing_components() {
        let temp = tempfile::tempdir().unwrap();
        let base = fs::canonicalize(temp.path()).unwrap();
        assert_eq!(
            absolute(&base.join("a/./b/../c")).unwrap(),
            base.join("a/c")
        );
        assert_eq!(absolute(&base.join("out/.")).unwrap(), base.join("out"));
    }

    #[test]
    fn out_may_not_be_or_hold_the_data_or_sit_in_a_table() {
        let temp = tempfile::tempdir().unwrap();
        let data = temp.path().join("project/data");
        fs::create_dir_all(data.join("attendance")).unwrap();
        let inputs = [PathBuf::from("attendance")];
        for bad in [
            data.clone(),
            data.join("."),
            temp.path().join("project"),
            data.join("attendance"),
            data.join("attendance/report"),
        ] {
            assert!(
                check_location(&bad, &data, &inputs).is_err(),
                "{} accepted",
                bad.display()
            );
        }
        for good in [temp.path().join("reports/x"), data.join("report")] {
            check_location(&good, &data, &inputs).unwrap();
        }
    }
}
