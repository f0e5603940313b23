//! The malformed-input corpus (tests/corpus, written by make_corpus.py):
//! every case gives either a clean error — exit 1, one message naming the
//! file and the place, no report folder or half-written sibling — or a
//! correct result with kept + excluded = read. Never a panic.

mod common;

use common::{belong, fixture};
use std::fs;
use std::path::{Path, PathBuf};

fn corpus() -> Vec<PathBuf> {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut cases: Vec<PathBuf> = fs::read_dir(folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            name.matches('.').count() >= 2 && !name.ends_with(".py") && !name.ends_with(".md")
        })
        .collect();
    cases.sort();
    cases
}

/// What happened to one case, for the summary.
struct Outcome {
    case: String,
    code: Option<i32>,
    message: String,
    problems: Vec<String>,
}

fn run_case(case: &Path) -> Outcome {
    let name = case.file_name().unwrap().to_string_lossy().into_owned();
    let mut pieces = name.splitn(3, '.');
    let table = pieces.next().unwrap().to_string();
    let _label = pieces.next().unwrap();
    let extension = pieces.next().unwrap().to_string();
    let temp = tempfile::tempdir().unwrap();
    let data = temp.path().join("data");
    fs::create_dir_all(&data).unwrap();
    for entry in fs::read_dir(fixture("tiny-ucla3")).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            fs::copy(&path, data.join(path.file_name().unwrap())).unwrap();
        }
    }
    fs::remove_file(data.join(format!("{table}.csv"))).unwrap();
    let file_name = format!("{table}.{extension}");
    fs::copy(case, data.join(&file_name)).unwrap();
    let out = temp.path().join("report");
    let output = belong()
        .args(["report", "--quiet", "--out"])
        .arg(&out)
        .arg(&data)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let leftovers: Vec<String> = fs::read_dir(temp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("partial"))
        .collect();
    let mut problems = Vec::new();
    if !leftovers.is_empty() {
        problems.push(format!("half-written report left: {leftovers:?}"));
    }
    match output.status.code() {
        Some(0) => {
            let manifest = fs::read_to_string(out.join("manifest.json")).unwrap_or_default();
            if manifest.contains("\"kept_plus_excluded_equals_read\": false") {
                problems.push("a row was lost".into());
            }
            if !out.join("estimates.csv").is_file() {
                problems.push("no estimates.csv".into());
            }
        }
        Some(1) => {
            if out.exists() {
                problems.push("a failed run left a report folder".into());
            }
            let line = stderr.trim();
            if line.lines().count() != 1 {
                problems.push("more than one line".into());
            }
            if !(line.contains(&file_name) || line.contains("belong.toml")) {
                problems.push("the message does not name the file".into());
            }
            let rest = line.replacen(&file_name, "", 1);
            let names_place = [
                ":", "line", "column", "row", "header", "sheet", "field", "table", "wave",
            ]
            .iter()
            .any(|p| rest.contains(p));
            if !names_place {
                problems.push("the message does not name the place".into());
            }
        }
        other => problems.push(format!("exit {other:?}: a panic or a signal")),
    }
    Outcome {
        case: name,
        code: output.status.code(),
        message: stderr.trim().to_string(),
        problems,
    }
}

#[test]
fn every_malformed_input_gives_a_clean_error_or_a_correct_result() {
    let cases = corpus();
    assert!(cases.len() >= 30, "the corpus has {} cases", cases.len());
    let outcomes: Vec<Outcome> = cases.iter().map(|c| run_case(c)).collect();
    for outcome in &outcomes {
        println!(
            "{:45} exit {:?}  {}",
            outcome.case,
            outcome.code,
            outcome.message.chars().take(300).collect::<String>()
        );
        for problem in &outcome.problems {
            println!("    PROBLEM: {problem}");
        }
    }
    let failed: Vec<&str> = outcomes
        .iter()
        .filter(|o| !o.problems.is_empty())
        .map(|o| o.case.as_str())
        .collect();
    assert!(failed.is_empty(), "cases with problems: {failed:?}");
}
