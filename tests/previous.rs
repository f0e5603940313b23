//! `--previous`: this period against an earlier report, read back from what
//! that report published. The Welch test is checked against R
//! (tests/oracle/previous_period.R); what the earlier report withheld must
//! stay withheld; a folder that is not a report stops the run before any
//! work.

mod common;

use common::{belong, fixture, read_csv};
use std::path::Path;

fn report(data: &Path, out: &Path, extra: &[&str]) {
    belong()
        .args(["report", "--quiet", "--out"])
        .arg(out)
        .arg(data)
        .args(extra)
        .assert()
        .success();
}

#[test]
fn this_period_is_tested_against_the_previous_as_r_does() {
    let temp = tempfile::tempdir().unwrap();
    let (before, now) = (temp.path().join("before"), temp.path().join("now"));
    report(&fixture("tiny-ucla3"), &before, &["--min-cell", "5"]);
    let previous = before.to_str().unwrap();
    report(&fixture("small-ucla3"), &now, &["--previous", previous]);

    let expected = &read_csv(&fixture("previous-period/expected.csv"))[0];
    let estimates = read_csv(&now.join("estimates.csv"));
    let welch = estimates
        .iter()
        .find(|r| r["estimate"] == "welch_difference_change")
        .expect("a Welch row");
    assert_eq!(welch["contrast"], expected["contrast"]);
    assert_eq!(welch["n"], expected["n"]);
    for column in ["value", "ci_low", "ci_high", "se", "df", "p_value"] {
        let (got, want): (f64, f64) = (
            welch[column].parse().unwrap(),
            expected[column].parse().unwrap(),
        );
        assert!(
            (got - want).abs() <= 1e-9 * want.abs().max(1.0),
            "{column}: {got} against R's {want}"
        );
    }

    // What the earlier report withheld is withheld here too, and what it
    // published is carried as it was.
    let earlier = read_csv(&before.join("estimates.csv"));
    for row in estimates
        .iter()
        .filter(|r| r["analysis"] == "previous_period" && r["group_by"] == "period")
    {
        let analysis = match row["estimate"].as_str() {
            "mean_change" => "change",
            "pct_improved" | "pct_deteriorated" => "reliable_change",
            "ancova_difference" => "comparison",
            _ => "participation",
        };
        let source = earlier
            .iter()
            .find(|e| {
                e["analysis"] == analysis
                    && e["estimate"] == row["estimate"]
                    && e["outcome"] == row["outcome"]
                    && e["group"] == "all"
            })
            .unwrap_or_else(|| panic!("{row:?} has no source"));
        if source["suppressed"] == "true" {
            assert_eq!(row["suppressed"], "true", "{row:?}");
            assert!(row["value"].is_empty());
        } else if row["suppressed"] == "false" {
            assert_eq!(row["value"], source["value"], "{row:?}");
        }
    }
    assert!(estimates
        .iter()
        .any(|r| r["analysis"] == "previous_period" && r["suppressed"] == "true"));

    let summary = std::fs::read_to_string(now.join("report.md")).unwrap();
    assert!(
        summary.contains("this period's change was 0.23 points lower (better)"),
        "{summary}"
    );
    assert!(summary.contains("min_cell: 10 now, 5 before"), "{summary}");
    let table = std::fs::read_to_string(now.join("tables/previous_period.csv")).unwrap();
    assert!(table.starts_with("outcome,estimate,this period,previous period,difference"));
    assert!(table.contains("ucla3,mean change,-0.97,-0.74,-0.23,-1.17,0.70,0.613"));
}

#[test]
fn the_previous_report_may_be_the_one_replaced() {
    let temp = tempfile::tempdir().unwrap();
    let out = temp.path().join("report");
    report(&fixture("tiny-ucla3"), &out, &[]);
    let previous = out.to_str().unwrap().to_string();
    report(&fixture("small-ucla3"), &out, &["--previous", &previous]);
    let estimates = read_csv(&out.join("estimates.csv"));
    assert!(estimates
        .iter()
        .any(|r| r["estimate"] == "welch_difference_change" && !r["value"].is_empty()));
}

#[test]
fn a_folder_that_is_not_a_report_stops_the_run_before_any_work() {
    let temp = tempfile::tempdir().unwrap();
    let out = temp.path().join("report");
    let not_a_report = fixture("tiny-ucla3");
    let output = belong()
        .args(["report", "--quiet", "--out"])
        .arg(&out)
        .arg(fixture("small-ucla3"))
        .arg("--previous")
        .arg(&not_a_report)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--previous") && stderr.contains("no manifest.json"),
        "{stderr}"
    );
    assert!(!out.exists(), "nothing is written");

    // A manifest that is not belong's is refused too.
    let fake = temp.path().join("fake");
    std::fs::create_dir(&fake).unwrap();
    std::fs::write(fake.join("manifest.json"), r#"{"name": "web app"}"#).unwrap();
    let output = belong()
        .args(["report", "--quiet", "--out"])
        .arg(&out)
        .arg(fixture("small-ucla3"))
        .arg("--previous")
        .arg(&fake)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("not a belong report's"));
}
