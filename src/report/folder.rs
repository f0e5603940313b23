//! The report folder's life cycle: where a report may go, what counts as
//! belong's own, and how the old one is replaced.
//!
//! A report folder holds participant-level files (`internal/`) and sits
//! among the user's own files, so the rules are strict:
//! - `--out` is never the data folder, an ancestor of it, or a place the
//!   tables are read from (checked in the resolve step);
//! - an existing folder is replaced only when it is a belong report
//!   (manifest.json with belong's schema) and holds nothing but the files
//!   its manifest lists; anything else is refused, or deleted with
//!   `--force` after saying so;
//! - one run at a time per folder: a lock file beside it;
//! - the new report is written into a hidden sibling (its `internal/`
//!   readable by its owner only), and swapped in with two renames: old aside, new in, then the
//!   old removed. A crash at any moment leaves the old report or the new
//!   one whole; the next run restores or removes what a dead run left.

use crate::config::location::absolute;
use crate::error::{Error, Result};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

pub(crate) const MANIFEST: &str = "manifest.json";
/// Names belong's manifest format. A folder is a belong report only when
/// its manifest says `"tool": "belong"` and this schema.
pub(crate) const SCHEMA: &str = "belong-report/1";
/// At most this many names in a message listing files.
const NAMES_SHOWN: usize = 10;

/// Folders and lock files this process is writing, removed by
/// [`remove_unfinished`] when the process is interrupted. The swap holds
/// the lock, so an interruption never lands between its two renames.
static UNFINISHED: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn unfinished() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    UNFINISHED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn remove_path(path: &Path) -> std::io::Result<()> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => fs::remove_dir_all(path),
        Ok(_) => fs::remove_file(path),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

/// Removes the unfinished report folders and lock files of this process.
/// For a front end's interrupt handler, which should exit right after: the
/// registry stays locked, so no later swap can start.
pub fn remove_unfinished() {
    let guard = unfinished();
    for path in guard.iter() {
        let _ = remove_path(path);
    }
    // Held until the process exits.
    std::mem::forget(guard);
}

fn register(path: &Path) {
    unfinished().push(path.to_path_buf());
}

fn unregister(path: &Path) {
    unfinished().retain(|p| p != path);
}

/// What an existing `--out` folder is.
enum Existing {
    Absent,
    /// A belong report; `foreign`: entries its manifest does not list.
    Report {
        foreign: Vec<String>,
    },
}

/// The files a belong manifest lists, or why the folder is not a report.
fn listed_files(folder: &Path) -> std::result::Result<Vec<String>, String> {
    let text = fs::read_to_string(folder.join(MANIFEST))
        .map_err(|_| format!("it has no readable {MANIFEST}"))?;
    let manifest: serde_json::Value = serde_json::from_str(&text)
        .map_err(|_| format!("its {MANIFEST} is not belong's (not JSON)"))?;
    if manifest.get("tool").and_then(|t| t.as_str()) != Some("belong") {
        return Err(format!("its {MANIFEST} was not written by belong"));
    }
    match manifest.get("schema").and_then(|t| t.as_str()) {
        Some(SCHEMA) => {}
        // Reports of belong 0.1 before the schema: their files are the
        // names that belong wrote then.
        None => return Ok(legacy_files(folder)),
        Some(other) => {
            return Err(format!(
                "its {MANIFEST} has schema \"{}\", which this belong does not know; use the belong that wrote it, or choose another --out",
                other.escape_debug()
            ))
        }
    }
    let files = manifest
        .get("files")
        .and_then(|f| f.as_array())
        .ok_or_else(|| format!("its {MANIFEST} lists no files"))?;
    Ok(files
        .iter()
        .filter_map(|f| f.as_str().map(str::to_string))
        .collect())
}

/// The files below `folder` named as a report of belong 0.1 before the
/// schema named them: the top-level outputs, tables/*.csv, charts/*.svg
/// and *.png, and internal/'s three files.
fn legacy_files(folder: &Path) -> Vec<String> {
    const TOP: [&str; 7] = [
        MANIFEST,
        "estimates.csv",
        "estimates.parquet",
        "data_quality.csv",
        "index.html",
        "report.md",
        "tables.xlsx",
    ];
    const INTERNAL: [&str; 3] = ["panel.parquet", "excluded_rows.csv", "README.txt"];
    files_below(folder)
        .unwrap_or_default()
        .into_iter()
        .filter(|file| match file.split_once('/') {
            None => TOP.contains(&file.as_str()),
            Some(("tables", name)) => !name.contains('/') && name.ends_with(".csv"),
            Some(("charts", name)) => {
                !name.contains('/') && (name.ends_with(".svg") || name.ends_with(".png"))
            }
            Some(("internal", name)) => INTERNAL.contains(&name),
            Some(_) => false,
        })
        .collect()
}

/// Every entry below `folder` that is not one of `listed` (relative paths
/// with `/`) or a folder holding one; symlinks are never belong's.
fn foreign_entries(folder: &Path, listed: &[String]) -> Result<Vec<String>> {
    let listed: std::collections::BTreeSet<&str> = listed.iter().map(String::as_str).collect();
    let holds_listed = |dir: &str| {
        let prefix = format!("{dir}/");
        listed
            .range(prefix.as_str()..)
            .next()
            .is_some_and(|f| f.starts_with(&prefix))
    };
    let mut foreign = Vec::new();
    walk(folder, |path, kind| {
        if kind.is_dir() && holds_listed(path) {
            return true;
        }
        if !(kind.is_file() && listed.contains(path)) {
            foreign.push(if kind.is_dir() {
                format!("{path}/")
            } else {
                path.to_string()
            });
        }
        false
    })?;
    foreign.sort();
    Ok(foreign)
}

fn inspect(target: &Path, shown: &Path) -> Result<Existing> {
    let meta = match fs::symlink_metadata(target) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Existing::Absent),
        Err(e) => return Err(Error::io("checking the report folder", shown, e)),
    };
    if !meta.is_dir() {
        return Err(Error::Write {
            path: shown.to_path_buf(),
            message: "it is a file, not a report folder; choose another --out".into(),
        });
    }
    match listed_files(target) {
        Ok(listed) => Ok(Existing::Report {
            foreign: foreign_entries(target, &listed)?,
        }),
        Err(why) => {
            let mut entries: Vec<String> = fs::read_dir(target)
                .map_err(|e| Error::io("listing the report folder", shown, e))?
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            entries.sort();
            let holding = if entries.is_empty() {
                "it is empty, but ".to_string()
            } else {
                format!("it holds {}, and ", list_names(&entries))
            };
            Err(Error::Write {
                path: shown.to_path_buf(),
                message: format!(
                    "the folder exists and is not a belong report: {holding}{why}; belong replaces only its own reports, so choose another --out"
                ),
            })
        }
    }
}

/// "a, b and 3 more".
fn list_names(names: &[String]) -> String {
    let shown: Vec<String> = names
        .iter()
        .take(NAMES_SHOWN)
        .map(|n| format!("{}", n.escape_debug()))
        .collect();
    let mut text = shown.join(", ");
    if names.len() > NAMES_SHOWN {
        text.push_str(&format!(" and {} more", names.len() - NAMES_SHOWN));
    }
    text
}

/// An exclusive claim on a report folder for one run: the lock, the
/// staging folder the new report is written into, and the notes to show
/// the user. Dropped without [`Claim::commit`], it removes the staging
/// folder and leaves the old report as it was.
pub(crate) struct Claim {
    /// The report folder as the user named it, for messages.
    shown: PathBuf,
    /// The same, absolute.
    target: PathBuf,
    staging: PathBuf,
    lock: Option<Lock>,
    notes: Vec<String>,
}

/// A lock file beside the report folder, held for the whole run.
struct Lock {
    path: PathBuf,
    file: fs::File,
}

impl Lock {
    fn acquire(path: &Path, shown: &Path) -> Result<Lock> {
        // A run that finishes removes the lock file; one that opened it
        // just before may then lock a removed file, so the lock counts
        // only when the path still names the locked file.
        for _ in 0..100 {
            let file = fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(path)
                .map_err(|e| Error::io("opening the lock file", path, e))?;
            match file.try_lock() {
                Ok(()) => {}
                Err(fs::TryLockError::WouldBlock) => {
                    return Err(Error::Write {
                        path: shown.to_path_buf(),
                        message: format!(
                            "another belong run is writing this report (it holds {}); wait for it to finish, or choose another --out",
                            path.display()
                        ),
                    })
                }
                Err(fs::TryLockError::Error(e)) => return Err(Error::io("locking the report folder", path, e)),
            }
            if same_file(&file, path) {
                register(path);
                return Ok(Lock {
                    path: path.to_path_buf(),
                    file,
                });
            }
        }
        Err(Error::Write {
            path: shown.to_path_buf(),
            message: format!(
                "cannot take the lock {}: other runs keep replacing it; run one at a time",
                path.display()
            ),
        })
    }
}

#[cfg(unix)]
fn same_file(file: &fs::File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_file: &fs::File, path: &Path) -> bool {
    path.exists()
}

impl Drop for Lock {
    fn drop(&mut self) {
        // Removed while still locked, so no other run locks this file.
        let _ = fs::remove_file(&self.path);
        unregister(&self.path);
        let _ = self.file.unlock();
    }
}

/// `.NAME.KIND-PID` beside the report folder.
fn sibling(target: &Path, kind: &str) -> PathBuf {
    target.with_file_name(format!(
        ".{}.{kind}-{}",
        file_name(target),
        std::process::id()
    ))
}

fn file_name(target: &Path) -> String {
    target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "report".into())
}

/// Siblings `.NAME.KIND-PID` of any process: (kind, path).
fn leftovers(target: &Path) -> Result<Vec<(&'static str, PathBuf)>> {
    let Some(parent) = target.parent() else {
        return Ok(Vec::new());
    };
    let name = file_name(target);
    let mut found = Vec::new();
    let entries = fs::read_dir(parent)
        .map_err(|e| Error::io("listing the folder above the report", parent, e))?;
    for entry in entries.filter_map(|e| e.ok()) {
        let entry_name = entry.file_name().to_string_lossy().into_owned();
        for kind in ["partial", "old"] {
            let prefix = format!(".{name}.{kind}-");
            if entry_name
                .strip_prefix(&prefix)
                .is_some_and(|pid| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
            {
                found.push((kind, entry.path()));
            }
        }
    }
    found.sort();
    Ok(found)
}

impl Claim {
    /// Takes the report folder `out_dir` for this run, before any long
    /// work: the lock, what dead runs left, and whether an existing folder
    /// may be replaced (`force`: even with files belong did not write).
    pub fn take(out_dir: &Path, force: bool) -> Result<Claim> {
        let shown = out_dir.to_path_buf();
        let target = absolute(out_dir)?;
        let parent = target.parent().ok_or_else(|| Error::Write {
            path: shown.clone(),
            message: "the root cannot be a report folder; choose another --out".into(),
        })?;
        fs::create_dir_all(parent)
            .map_err(|e| Error::io("creating the folder for the report", parent, e))?;
        let lock = Lock::acquire(&sibling_lock(&target), &shown)?;
        let mut notes = recover(&target)?;
        match inspect(&target, &shown)? {
            Existing::Absent => {}
            Existing::Report { foreign } if foreign.is_empty() => {}
            Existing::Report { foreign } if force => notes.push(format!(
                "--force: deleting with the old report {} what belong did not write there: {}",
                shown.display(),
                list_names(&foreign)
            )),
            Existing::Report { foreign } => {
                return Err(Error::Write {
                    path: shown,
                    message: format!(
                        "this report folder holds files belong did not write: {}; move them out, choose another --out, or run again with --force to delete them with the old report",
                        list_names(&foreign)
                    ),
                })
            }
        }
        let staging = sibling(&target, "partial");
        remove_path(&staging)
            .map_err(|e| Error::io("removing an unfinished report", &staging, e))?;
        register(&staging);
        fs::create_dir(&staging)
            .map_err(|e| Error::io("creating the new report beside the old", &staging, e))?;
        Ok(Claim {
            shown,
            target,
            staging,
            lock: Some(lock),
            notes,
        })
    }

    /// The folder the new report is written into.
    pub(crate) fn staging(&self) -> &Path {
        &self.staging
    }

    /// What the user should know: what earlier runs left and what was
    /// removed or restored.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// Swaps the finished staging folder in for the old report.
    pub(crate) fn commit(mut self) -> Result<PathBuf> {
        let aside = sibling(&self.target, "old");
        {
            // Held across both renames: an interrupt waits for them.
            let mut registry = unfinished();
            let had_old = self.target.exists();
            if had_old {
                fs::rename(&self.target, &aside)
                    .map_err(|e| Error::io("moving the old report aside", &self.shown, e))?;
            }
            crate::pause::point("swap");
            if let Err(e) = fs::rename(&self.staging, &self.target) {
                if had_old {
                    let _ = fs::rename(&aside, &self.target);
                }
                return Err(Error::io(
                    "moving the new report into place",
                    &self.shown,
                    e,
                ));
            }
            registry.retain(|p| p != &self.staging);
            if had_old {
                registry.push(aside.clone());
            }
        }
        crate::pause::point("retire");
        let removed = remove_path(&aside);
        unregister(&aside);
        removed.map_err(|e| Error::io("removing the old report", &aside, e))?;
        self.lock.take();
        Ok(self.shown.clone())
    }
}

fn sibling_lock(target: &Path) -> PathBuf {
    target.with_file_name(format!(".{}.lock", file_name(target)))
}

impl Drop for Claim {
    fn drop(&mut self) {
        if self.staging.exists() {
            let _ = remove_path(&self.staging);
        }
        unregister(&self.staging);
    }
}

/// Under the lock, every sibling a run leaves is a dead run's: an old
/// report moved aside comes back when no report took its place, and the
/// rest (unfinished reports, with participant-level files) is removed.
fn recover(target: &Path) -> Result<Vec<String>> {
    let mut notes = Vec::new();
    for (kind, path) in leftovers(target)? {
        if kind == "old" && !target.exists() && listed_files(&path).is_ok() {
            fs::rename(&path, target).map_err(|e| {
                Error::io(
                    "restoring a report an interrupted run moved aside",
                    &path,
                    e,
                )
            })?;
            notes.push(format!(
                "restored the previous report to {}: a run that stopped while replacing it had moved it aside",
                target.display()
            ));
            continue;
        }
        remove_path(&path)
            .map_err(|e| Error::io("removing what an interrupted run left", &path, e))?;
        notes.push(format!(
            "removed {}, left by a belong run that stopped before finishing (it may have held participant-level files)",
            path.display()
        ));
    }
    Ok(notes)
}

/// A folder only its owner can read, for participant-level files.
pub(crate) fn private_dir(path: &Path) -> std::io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(path)
}

/// Every file below `folder`, relative with `/`, sorted: what a manifest
/// lists.
pub(crate) fn files_below(folder: &Path) -> Result<Vec<String>> {
    let mut files = Vec::new();
    walk(folder, |path, kind| {
        if !kind.is_dir() {
            files.push(path.to_string());
        }
        kind.is_dir()
    })?;
    files.sort();
    Ok(files)
}

/// Calls `each` with every entry below `folder` (its path relative to
/// `folder` with `/`, and its type, links not followed); descends into a
/// folder when `each` returns true for it.
fn walk(folder: &Path, mut each: impl FnMut(&str, &fs::FileType) -> bool) -> Result<()> {
    let mut pending = vec![(folder.to_path_buf(), String::new())];
    while let Some((dir, relative)) = pending.pop() {
        for entry in
            fs::read_dir(&dir).map_err(|e| Error::io("listing the report folder", &dir, e))?
        {
            let entry = entry.map_err(|e| Error::io("listing the report folder", &dir, e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = if relative.is_empty() {
                name
            } else {
                format!("{relative}/{name}")
            };
            let kind = entry
                .file_type()
                .map_err(|e| Error::io("listing the report folder", entry.path(), e))?;
            if each(&path, &kind) {
                pending.push((entry.path(), path));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report_with(dir: &Path, files: &[&str]) {
        fs::create_dir_all(dir).unwrap();
        for file in files {
            let path = dir.join(file);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(&path, "x").unwrap();
        }
        let mut listed: Vec<String> = files.iter().map(|f| f.to_string()).collect();
        listed.push(MANIFEST.into());
        let manifest = serde_json::json!({"tool": "belong", "schema": SCHEMA, "files": listed});
        fs::write(dir.join(MANIFEST), manifest.to_string()).unwrap();
    }

    #[test]
    fn only_unlisted_entries_are_foreign() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path().join("r");
        report_with(&dir, &["estimates.csv", "internal/panel.parquet"]);
        assert!(foreign_entries(&dir, &listed_files(&dir).unwrap())
            .unwrap()
            .is_empty());
        fs::write(dir.join("my_notes.txt"), "mine").unwrap();
        fs::create_dir_all(dir.join("drafts/a")).unwrap();
        fs::write(dir.join("internal/extra.csv"), "mine").unwrap();
        assert_eq!(
            foreign_entries(&dir, &listed_files(&dir).unwrap()).unwrap(),
            vec!["drafts/", "internal/extra.csv", "my_notes.txt"]
        );
    }

    #[test]
    fn a_manifest_of_another_tool_or_schema_is_not_a_report() {
        let temp = tempfile::tempdir().unwrap();
        fs::write(temp.path().join(MANIFEST), r#"{"name": "web-app"}"#).unwrap();
        assert!(listed_files(temp.path()).is_err());
        fs::write(
            temp.path().join(MANIFEST),
            r#"{"tool": "belong", "schema": "belong-report/9"}"#,
        )
        .unwrap();
        assert!(listed_files(temp.path())
            .unwrap_err()
            .contains("does not know"));
    }

    #[test]
    fn a_report_from_before_the_schema_is_known_by_its_names() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path();
        for file in [
            "estimates.csv",
            "tables/change.csv",
            "charts/flow.svg",
            "internal/panel.parquet",
            "notes.txt",
            "charts/mine.pdf",
        ] {
            fs::create_dir_all(dir.join(file).parent().unwrap()).unwrap();
            fs::write(dir.join(file), "x").unwrap();
        }
        fs::write(dir.join(MANIFEST), r#"{"tool": "belong"}"#).unwrap();
        let listed = listed_files(dir).unwrap();
        assert_eq!(
            foreign_entries(dir, &listed).unwrap(),
            vec!["charts/mine.pdf", "notes.txt"]
        );
    }
}
