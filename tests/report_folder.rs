//! The report folder never costs the user a file: belong replaces only a
//! report it wrote, refuses folders holding anything else, never writes
//! into or over the data, and a run killed at any moment leaves the old
//! report or the new one whole, with the next run cleaning up.

mod common;

use common::belong;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample")
}

/// A temporary project: `data/` (a copy of the sample) and nothing else.
fn project() -> (tempfile::TempDir, PathBuf) {
    let temp = tempfile::tempdir().unwrap();
    let data = temp.path().join("data");
    fs::create_dir_all(&data).unwrap();
    for entry in fs::read_dir(sample()).unwrap() {
        let entry = entry.unwrap();
        fs::copy(entry.path(), data.join(entry.file_name())).unwrap();
    }
    (temp, data)
}

/// Every file below `dir` with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let bytes = fs::read(&path).unwrap();
                files.insert(path.strip_prefix(dir).unwrap().to_path_buf(), bytes);
            }
        }
    }
    files
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A project whose report (`report/` beside `data/`) was written once:
/// the guard, the data, the report folder and what it holds.
type Reported = (
    tempfile::TempDir,
    PathBuf,
    PathBuf,
    BTreeMap<PathBuf, Vec<u8>>,
);

fn reported_project() -> Reported {
    let (temp, data) = project();
    let out = temp.path().join("report");
    assert!(report(&data, &out, &[]).status.success());
    let old = snapshot(&out);
    (temp, data, out, old)
}

fn report(data: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    belong()
        .args(["report", "--quiet"])
        .args(extra)
        .arg("--out")
        .arg(out)
        .arg(data)
        .output()
        .unwrap()
}

/// A report is whole when its manifest lists exactly the files present.
fn is_whole_report(dir: &Path) -> bool {
    let Ok(text) = fs::read_to_string(dir.join("manifest.json")) else {
        return false;
    };
    let manifest: serde_json::Value = serde_json::from_str(&text).unwrap();
    let listed: std::collections::BTreeSet<PathBuf> = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| PathBuf::from(f.as_str().unwrap()))
        .collect();
    let present: std::collections::BTreeSet<PathBuf> = snapshot(dir).into_keys().collect();
    listed == present && listed.iter().any(|f| f.ends_with("panel.parquet"))
}

#[test]
fn files_the_user_added_to_a_report_are_never_deleted_without_force() {
    let (temp, data) = project();
    let out = temp.path().join("report");
    assert!(report(&data, &out, &[]).status.success());
    fs::write(out.join("my_notes.txt"), "mine").unwrap();
    fs::create_dir_all(out.join("drafts")).unwrap();
    fs::write(out.join("drafts/letter.docx"), "mine").unwrap();
    let before = snapshot(&out);

    let refused = report(&data, &out, &[]);
    assert_eq!(refused.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("drafts/, my_notes.txt"), "{stderr}");
    assert!(stderr.contains("--force"), "{stderr}");
    assert_eq!(snapshot(&out), before, "nothing touched");
    assert_eq!(names_in(temp.path()), ["data", "report"]);

    let forced = report(&data, &out, &["--force"]);
    assert!(forced.status.success());
    let stderr = String::from_utf8_lossy(&forced.stderr);
    assert!(
        stderr.contains("--force: deleting") && stderr.contains("drafts/, my_notes.txt"),
        "--force names what it deletes: {stderr}"
    );
    assert!(!out.join("my_notes.txt").exists());
    assert!(is_whole_report(&out));
    assert_eq!(names_in(temp.path()), ["data", "report"]);
}

#[test]
fn a_folder_with_someone_elses_manifest_is_not_a_report() {
    let (temp, data) = project();
    let web = temp.path().join("web");
    fs::create_dir_all(&web).unwrap();
    fs::write(web.join("manifest.json"), r#"{"name": "my-app"}"#).unwrap();
    fs::write(web.join("index.html"), "<p>mine</p>").unwrap();
    let before = snapshot(&web);
    for extra in [&[][..], &["--force"][..]] {
        let output = report(&data, &web, extra);
        assert_eq!(output.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("not a belong report"), "{stderr}");
        assert!(stderr.contains("index.html, manifest.json"), "{stderr}");
        assert_eq!(snapshot(&web), before);
    }
}

#[test]
fn the_data_folder_its_ancestors_and_its_tables_are_refused_as_out() {
    let (temp, data) = project();
    // Even holding a manifest that says belong.
    fs::write(
        data.join("manifest.json"),
        r#"{"tool": "belong", "schema": "belong-report/1", "files": ["manifest.json"]}"#,
    )
    .unwrap();
    fs::create_dir_all(data.join("attendance_parts")).unwrap();
    let before = snapshot(temp.path());
    let cases: Vec<(PathBuf, &str)> = vec![
        (data.clone(), "is the data folder"),
        (data.join("."), "is the data folder"),
        (temp.path().to_path_buf(), "holds the data folder"),
        (data.join("attendance.csv"), "which a table is read from"),
        (
            data.join("assessments/report"),
            "which a table is read from",
        ),
    ];
    for (out, expected) in cases {
        for extra in [&[][..], &["--force"][..]] {
            let output = report(&data, &out, extra);
            assert_eq!(output.status.code(), Some(1), "{}", out.display());
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(stderr.contains(expected), "{}: {stderr}", out.display());
            assert_eq!(stderr.lines().count(), 1, "{stderr}");
        }
    }
    assert_eq!(snapshot(temp.path()), before, "nothing touched");
}

#[test]
fn out_dot_is_refused_and_out_slash_dot_leaves_nothing_hidden() {
    let (temp, data) = project();
    let project_dir = temp.path();
    fs::write(project_dir.join("README.md"), "mine").unwrap();
    let output = belong()
        .current_dir(project_dir)
        .args(["report", "--quiet", "--out", ".", "data"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("holds the current folder"));
    assert_eq!(names_in(project_dir), ["README.md", "data"]);

    for _ in 0..2 {
        let output = belong()
            .current_dir(project_dir)
            .args(["report", "--quiet", "--out", "out/.", "data"])
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
    }
    assert_eq!(names_in(project_dir), ["README.md", "data", "out"]);
    assert!(is_whole_report(&project_dir.join("out")));
    let _ = data;
}

/// Starts a report that stops at `point` and waits to be killed; returns
/// once it is there.
fn run_until(data: &Path, out: &Path, point: &str, marker: &Path) -> Child {
    let _ = fs::remove_file(marker);
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("belong"))
        .args(["report", "--quiet", "--out"])
        .arg(out)
        .arg(data)
        .env("BELONG_TEST_PAUSE_AT", point)
        .env("BELONG_TEST_PAUSE_FILE", marker)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while !marker.exists() {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the run ended at {status} before reaching {point}");
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "never reached {point}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child
}

fn send(child: &Child, signal: &str) {
    let status = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// After a kill: the old report is whole where it was (or moved aside
/// whole), or the new one is whole in its place.
fn old_or_new_is_whole(parent: &Path, out: &Path, old: &BTreeMap<PathBuf, Vec<u8>>) {
    if out.exists() {
        assert!(is_whole_report(out), "the report folder is half there");
        return;
    }
    let aside: Vec<PathBuf> = fs::read_dir(parent)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains(".report.old-"))
        .collect();
    assert_eq!(aside.len(), 1, "no report anywhere: {:?}", names_in(parent));
    assert_eq!(
        &snapshot(&aside[0]),
        old,
        "the old report, moved aside, is whole"
    );
}

/// The next run cleans up: it succeeds, and the parent holds the data and
/// one whole report, with no unfinished folder or lock left.
fn next_run_cleans_up(parent: &Path, data: &Path, out: &Path) -> String {
    let output = report(data, out, &[]);
    assert!(output.status.success(), "{output:?}");
    assert_eq!(names_in(parent), ["data", "report"]);
    assert!(is_whole_report(out));
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[cfg(unix)]
#[test]
fn sigkill_at_every_moment_leaves_the_old_report_or_the_new_one_whole() {
    let (temp, data) = project();
    let parent = temp.path();
    let out = parent.join("report");
    assert!(report(&data, &out, &[]).status.success());
    let markers = tempfile::tempdir().unwrap();
    let marker = markers.path().join("reached");
    for point in ["ingested", "analysed", "render", "swap", "retire"] {
        let old = snapshot(&out);
        let mut child = run_until(&data, &out, point, &marker);
        child.kill().unwrap();
        child.wait().unwrap();
        old_or_new_is_whole(parent, &out, &old);
        let stderr = next_run_cleans_up(parent, &data, &out);
        // Every moment leaves an unfinished folder or the old one aside.
        assert!(
            stderr.contains("belong: note:"),
            "{point}: the clean-up is told: {stderr}"
        );
        if point == "swap" {
            assert!(stderr.contains("restored the previous report"), "{stderr}");
        }
    }
}

#[cfg(unix)]
#[test]
fn sigkill_at_random_moments_never_loses_the_report() {
    let (temp, data) = project();
    let parent = temp.path();
    let out = parent.join("report");
    assert!(report(&data, &out, &[]).status.success());
    // A run takes about two seconds in a debug build, longer when the
    // machine is busy: the delays cover start-up to the end.
    for delay_ms in [0, 50, 200, 500, 900, 1400, 2000, 3000] {
        let old = snapshot(&out);
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("belong"))
            .args(["report", "--quiet", "--out"])
            .arg(&out)
            .arg(&data)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill();
        child.wait().unwrap();
        old_or_new_is_whole(parent, &out, &old);
        next_run_cleans_up(parent, &data, &out);
    }
}

#[cfg(unix)]
#[test]
fn sigint_and_sigterm_remove_the_unfinished_report_and_keep_the_old() {
    let (temp, data, out, old) = reported_project();
    let parent = temp.path();
    let markers = tempfile::tempdir().unwrap();
    let marker = markers.path().join("signal");
    for signal in ["-INT", "-TERM"] {
        for point in ["analysed", "render"] {
            let child = run_until(&data, &out, point, &marker);
            send(&child, signal);
            let output = child.wait_with_output().unwrap();
            assert!(!output.status.success());
            assert!(
                String::from_utf8_lossy(&output.stderr).contains("interrupted"),
                "{output:?}"
            );
            assert_eq!(
                names_in(parent),
                ["data", "report"],
                "{signal} at {point}: nothing left beside the report"
            );
            assert_eq!(snapshot(&out), old, "the old report is untouched");
        }
    }
}

#[cfg(unix)]
#[test]
fn a_second_run_on_the_same_folder_fails_clearly_and_leaves_nothing() {
    let (temp, data, out, old) = reported_project();
    let parent = temp.path();
    let markers = tempfile::tempdir().unwrap();
    let marker = markers.path().join("second");
    let mut first = run_until(&data, &out, "analysed", &marker);
    let second = report(&data, &out, &[]);
    assert_eq!(second.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(stderr.contains("another belong run"), "{stderr}");
    assert_eq!(snapshot(&out), old);
    first.kill().unwrap();
    first.wait().unwrap();
    next_run_cleans_up(parent, &data, &out);
}

#[test]
fn synth_never_overwrites_tables_without_force() {
    let (_temp, data) = project();
    let before = snapshot(&data);
    let output = belong()
        .args(["synth", "--participants", "20", "--out"])
        .arg(&data)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("participants.csv") && stderr.contains("--force"),
        "{stderr}"
    );
    assert_eq!(snapshot(&data), before, "the data are untouched");
    belong()
        .args(["synth", "--participants", "20", "--force", "--out"])
        .arg(&data)
        .assert()
        .success();
    assert_ne!(snapshot(&data), before);
}
