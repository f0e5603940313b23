//! Clustered delivery as users meet it: a cluster column named in
//! belong.toml or called `cluster`, the report's section and sentences,
//! the warnings for few clusters and for a group delivered in one
//! cluster, and bad `cluster` settings refused before the analyses. (The
//! numbers are checked against clubSandwich and lme4 in fixtures_vs_r.rs.)

mod common;

use common::{belong, fixture, read_csv};
use std::path::{Path, PathBuf};

/// A copy of cluster-arms with its participants rewritten by `edit`
/// (given and returning each line) and `config` as its belong.toml.
fn variant(edit: impl Fn(&str) -> String, config: &str) -> tempfile::TempDir {
    let temp = tempfile::tempdir().unwrap();
    let source = fixture("cluster-arms");
    std::fs::copy(
        source.join("assessments.csv"),
        temp.path().join("assessments.csv"),
    )
    .unwrap();
    let participants = std::fs::read_to_string(source.join("participants.csv")).unwrap();
    let edited: Vec<String> = participants.lines().map(&edit).collect();
    std::fs::write(
        temp.path().join("participants.csv"),
        edited.join("\n") + "\n",
    )
    .unwrap();
    let original = std::fs::read_to_string(source.join("belong.toml")).unwrap();
    let kept: Vec<&str> = original
        .lines()
        .filter(|line| !line.starts_with("cluster"))
        .collect();
    std::fs::write(
        temp.path().join("belong.toml"),
        format!("{config}\n{}\n", kept.join("\n")),
    )
    .unwrap();
    temp
}

fn report(data: &Path) -> (tempfile::TempDir, PathBuf) {
    let temp = tempfile::tempdir().unwrap();
    let out = temp.path().join("report");
    belong()
        .args(["report", "--quiet", "--min-cell", "0", "--out"])
        .arg(&out)
        .arg(data)
        .assert()
        .success();
    (temp, out)
}

fn markdown(out: &Path) -> String {
    std::fs::read_to_string(out.join("report.md")).unwrap()
}

#[test]
fn a_named_cluster_column_gives_the_section_the_summary_and_the_methods() {
    let (_temp, out) = report(&fixture("cluster-arms"));
    let text = markdown(&out);
    assert!(
        text.contains("People were served in 22 groups (column \"circle\")"),
        "{text}"
    );
    assert!(
        text.contains(
            "Allowing for this (cluster-robust CR2 errors), the mean fell by 1.63 points"
        ),
        "{text}"
    );
    assert!(text.contains("## Clustered delivery"));
    assert!(
        text.contains("| everyone | 22 | 13.7 | 0.124 | 2.57 |"),
        "{text}"
    );
    assert!(text.contains("Clustering: people served together (the participant column \"circle\")"));
    // 22 clusters are enough: no warning.
    assert!(!text.contains("There are only"));
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(html.contains("Clustered delivery"));
    assert!(out.join("tables/clustering.csv").is_file());
    assert!(out.join("tables/clustered_estimates.csv").is_file());
    // The circle is not a moderator.
    let estimates = read_csv(&out.join("estimates.csv"));
    assert!(!estimates
        .iter()
        .any(|row| row["analysis"] == "moderators" && row["group_by"] == "circle"));
}

#[test]
fn a_column_called_cluster_is_used_without_config_and_none_says_so() {
    let temp = variant(
        |line| {
            line.replace(
                "participant_id,enrolled_on,arm,circle",
                "participant_id,enrolled_on,arm,cluster",
            )
        },
        "",
    );
    let (_out_temp, out) = report(temp.path());
    let estimates = read_csv(&out.join("estimates.csv"));
    assert!(estimates
        .iter()
        .any(|row| row["estimate"] == "mean_change_cr2" && row["group_by"] == "all"));

    let temp = variant(|line| line.to_string(), "");
    let (_out_temp, out) = report(temp.path());
    let estimates = read_csv(&out.join("estimates.csv"));
    assert!(!estimates.iter().any(|row| row["analysis"] == "clustering"));
    assert!(markdown(&out).contains("Clustering: not allowed for."));
}

#[test]
fn few_clusters_and_one_cluster_per_arm_are_warned_about() {
    // Each arm in one circle: two clusters in all.
    let temp = variant(
        |line| match line.split(',').collect::<Vec<_>>()[..] {
            [id, date, arm, _] if id != "participant_id" => {
                format!("{id},{date},{arm},{arm}-circle")
            }
            _ => line.to_string(),
        },
        "cluster = \"circle\"",
    );
    let (_out_temp, out) = report(temp.path());
    let text = markdown(&out);
    assert!(
        text.contains("There are only 2 clusters: with fewer than 10"),
        "{text}"
    );
    assert!(
        text.contains(
            "arm = comparison and arm = intervention were each delivered in a single cluster"
        ),
        "{text}"
    );
    let estimates = read_csv(&out.join("estimates.csv"));
    let difference = estimates
        .iter()
        .find(|row| row["estimate"] == "ancova_difference_cr2")
        .expect("the CR2 arm difference");
    assert!(
        difference["method"].contains("comparison has one circle"),
        "{difference:?}"
    );
}

#[test]
fn bad_cluster_settings_are_refused_with_the_fix() {
    let temp = variant(|line| line.to_string(), "cluster = \"table\"");
    let output = belong()
        .args(["report", "--quiet", "--out"])
        .arg(temp.path().join("r"))
        .arg(temp.path())
        .assert()
        .failure()
        .code(1);
    let stderr = String::from_utf8_lossy(&output.get_output().stderr).to_string();
    assert!(
        stderr.contains(
            "cluster = \"table\" in belong.toml: the participants table has no column \"table\""
        ),
        "{stderr}"
    );
    assert!(stderr.contains("arm, circle"), "{stderr}");

    let temp = variant(
        |line| match line.split(',').collect::<Vec<_>>()[..] {
            [id, date, arm, _] if id != "participant_id" => format!("{id},{date},{arm},everyone"),
            _ => line.to_string(),
        },
        "cluster = \"circle\"",
    );
    let output = belong()
        .args(["report", "--quiet", "--out"])
        .arg(temp.path().join("r"))
        .arg(temp.path())
        .assert()
        .failure()
        .code(1);
    let stderr = String::from_utf8_lossy(&output.get_output().stderr).to_string();
    assert!(
        stderr.contains("column \"circle\" has one value (\"everyone\")"),
        "{stderr}"
    );
    assert!(!temp.path().join("r").exists());
}

#[test]
fn synth_clusters_writes_circles_that_the_report_allows_for() {
    let temp = tempfile::tempdir().unwrap();
    let data = temp.path().join("data");
    belong()
        .args([
            "synth",
            "--participants",
            "300",
            "--clusters",
            "12",
            "--out",
        ])
        .arg(&data)
        .assert()
        .success();
    let participants = read_csv(&data.join("participants.csv"));
    let mut circles: Vec<&str> = participants
        .iter()
        .map(|row| row["cluster"].as_str())
        .collect();
    circles.sort_unstable();
    circles.dedup();
    assert_eq!(circles.len(), 12, "{circles:?}");
    assert!(circles.iter().all(|c| c.starts_with("circle-")));
    let (_out_temp, out) = report(&data);
    let estimates = read_csv(&out.join("estimates.csv"));
    let icc = estimates
        .iter()
        .find(|row| row["estimate"] == "icc_change" && row["group_by"] == "all")
        .expect("an ICC");
    assert!(icc["value"].parse::<f64>().unwrap() >= 0.0);

    // Without --clusters the files are as before: no cluster column.
    let plain = temp.path().join("plain");
    belong()
        .args(["synth", "--participants", "300", "--out"])
        .arg(&plain)
        .assert()
        .success();
    let header = std::fs::read_to_string(plain.join("participants.csv")).unwrap();
    assert!(!header.lines().next().unwrap().contains("cluster"));
    belong()
        .args(["synth", "--clusters", "1", "--out"])
        .arg(temp.path().join("one"))
        .assert()
        .failure()
        .code(1);
}

#[test]
fn clustered_output_does_not_depend_on_thread_count() {
    let temp = tempfile::tempdir().unwrap();
    for threads in ["1", "2", "3"] {
        belong()
            .args(["report", "--quiet", "--threads", threads, "--out"])
            .arg(temp.path().join(threads))
            .arg(fixture("cluster-waves"))
            .assert()
            .success();
    }
    for file in [
        "estimates.csv",
        "index.html",
        "tables/clustered_estimates.csv",
    ] {
        let one = std::fs::read(temp.path().join("1").join(file)).unwrap();
        for threads in ["2", "3"] {
            let other = std::fs::read(temp.path().join(threads).join(file)).unwrap();
            assert!(
                one == other,
                "{file} differs between 1 and {threads} threads"
            );
        }
    }
}

/// A non-randomised arm served in circles: the weighted and matched
/// comparisons and the dose-response slope are shown allowing for the
/// circles beside the figures that ignore them, and the methods say so.
#[test]
fn weighted_matched_and_dose_response_estimates_allow_for_clusters() {
    let (_temp, out) = report(&fixture("cluster-ps"));
    let table = std::fs::read_to_string(out.join("tables/clustered_estimates.csv")).unwrap();
    for row in [
        "intervention - comparison, ATT weights",
        "intervention - comparison, ATE weights",
        "intervention - comparison, overlap weights",
        "intervention - comparison, 1:1 matching",
        "change per extra session, everyone",
        "change per extra session, arm = intervention",
    ] {
        assert!(table.contains(row), "{row}: {table}");
    }
    // The comparison arm attended no sessions: its slope is undefined both
    // ways and is not shown as a row of dashes.
    assert!(!table.contains("arm = comparison\",–"), "{table}");
    assert!(
        !table.contains("change per extra session, arm = comparison"),
        "{table}"
    );
    let text = markdown(&out);
    assert!(
        text.contains("the dose-response slope are also given with CR2 errors"),
        "the methods"
    );
}
