//! The design and its comparison as users meet them: the design read from
//! the data or declared, the comparison adjusted for who joined each
//! group, a propensity model that separates refused with the category
//! named, and bad `adjust_for` columns refused before the analyses. (The
//! numbers themselves are checked against R in fixtures_vs_r.rs.)

mod common;

use common::{belong, fixture, read_csv};
use std::path::{Path, PathBuf};

/// A copy of a fixture's data with `config` as its belong.toml.
fn with_config(name: &str, config: &str) -> tempfile::TempDir {
    let temp = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(fixture(name)).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "csv") {
            std::fs::copy(&path, temp.path().join(path.file_name().unwrap())).unwrap();
        }
    }
    let original = std::fs::read_to_string(fixture(name).join("belong.toml")).unwrap();
    let kept: Vec<&str> = original
        .lines()
        .filter(|line| {
            !line.starts_with("adjust_for")
                && !line.starts_with("design")
                && !line.starts_with("moderators")
        })
        .collect();
    std::fs::write(
        temp.path().join("belong.toml"),
        format!("{config}\n{}\n", kept.join("\n")),
    )
    .unwrap();
    temp
}

fn report(data: &Path, min_cell: &str) -> (tempfile::TempDir, PathBuf) {
    let temp = tempfile::tempdir().unwrap();
    let out = temp.path().join("report");
    belong()
        .args(["report", "--quiet", "--min-cell", min_cell, "--out"])
        .arg(&out)
        .arg(data)
        .assert()
        .success();
    (temp, out)
}

fn summary(out: &Path) -> String {
    let markdown = std::fs::read_to_string(out.join("report.md")).unwrap();
    markdown
        .split("## Summary")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .unwrap()
        .to_string()
}

#[test]
fn a_non_randomised_arm_is_stated_and_weighted() {
    let (_temp, out) = report(&fixture("ps-arm"), "10");
    let summary = summary(&out);
    assert!(
        summary.contains("Design: non-randomised comparison group (Maryland Scientific Methods Scale level 3 of 5)"),
        "{summary}"
    );
    assert!(
        summary.contains("ATT weights from a propensity score"),
        "{summary}"
    );
    assert!(summary.contains("E-value"), "{summary}");
    let markdown = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(markdown.contains("### Balance at baseline before and after adjustment"));
    let rows = read_csv(&out.join("tables/adjusted_comparison.csv"));
    assert_eq!(rows.len(), 5, "{rows:?}");
    // For whom, and at what cost.
    assert!(
        summary.contains("For whom: after the baseline score, the change in lon"),
        "{summary}"
    );
    assert!(out.join("charts/for_whom_lon.svg").is_file());
    assert!(
        summary.contains("The programme cost GBP 84,000, GBP 233 per person enrolled."),
        "{summary}"
    );
    assert!(
        summary.contains(
            "Each person in the intervention arm whose lon improved reliably cost GBP 1,091 (95% CI GBP 910 to GBP 1,326)"
        ),
        "{summary}"
    );
    assert!(
        summary.contains("At GBP 1,200 per reliable improvement (fixture value (invented))"),
        "{summary}"
    );
    // Regression to the mean, sized from the fixture's norms.
    assert!(
        summary.contains("lon would be expected to change by -1.48 points on its own, so the change net of it is -0.91 (95% CI -1.34 to -0.48)"),
        "{summary}"
    );
}

#[test]
fn without_an_arm_non_attenders_are_the_comparison() {
    let (_temp, out) = report(&fixture("ps-attendance"), "10");
    assert!(summary(&out)
        .contains("Design: attenders compared with referred people who never attended"));
    let estimates = read_csv(&out.join("estimates.csv"));
    assert!(estimates.iter().any(|e| e["analysis"] == "comparison"
        && e["group_by"] == "attendance"
        && e["contrast"] == "attended - not attended"
        && e["estimate"] == "ancova_difference"
        && !e["value"].is_empty()));
}

#[test]
fn a_declared_design_is_the_design() {
    let data = with_config("ps-arm", "design = \"randomised\"");
    let (_temp, out) = report(data.path(), "10");
    assert!(summary(&out).contains(
        "Design: randomised comparison (Maryland Scientific Methods Scale level 5 of 5)"
    ));
    let estimates = read_csv(&out.join("estimates.csv"));
    assert!(!estimates
        .iter()
        .any(|e| e["analysis"].starts_with("propensity_")));

    let data = with_config("ps-arm", "design = \"pre-post\"");
    let (_temp, out) = report(data.path(), "10");
    let summary = summary(&out);
    assert!(summary.contains("level 2 of 5"), "{summary}");
    assert!(
        !summary.contains("Adjusting for the baseline score"),
        "{summary}"
    );
}

#[test]
fn separation_is_refused_with_the_category_named() {
    let (_temp, out) = report(&fixture("ps-separation"), "0");
    let estimates = read_csv(&out.join("estimates.csv"));
    let adjusted: Vec<_> = estimates
        .iter()
        .filter(|e| e["estimate"] == "adjusted_difference")
        .collect();
    assert_eq!(adjusted.len(), 4);
    for e in adjusted {
        assert!(e["value"].is_empty(), "{e:?}");
        assert!(
            e["method"].contains("everyone with gender = non-binary is in intervention"),
            "{e:?}"
        );
    }
    assert!(summary(&out).contains("could not be made: the propensity model separates the groups"));
}

#[test]
fn five_people_in_a_category_are_not_published() {
    // Five non-binary participants: their category is shown only as the
    // pooled small levels, and its difference in proportions rests on
    // five people, so it is suppressed at min_cell 10.
    let (_temp, out) = report(&fixture("ps-separation"), "10");
    let estimates = read_csv(&out.join("estimates.csv"));
    assert!(!estimates
        .iter()
        .any(|e| e.values().any(|v| v.contains("non-binary"))));
    let row = estimates
        .iter()
        .find(|e| {
            e["analysis"] == "propensity_unadjusted"
                && e["contrast"] == "gender = other (fewer than 10 each)"
        })
        .unwrap();
    assert_eq!(row["suppressed"], "true");
    assert!(row["value"].is_empty());
}

/// Runs a report on `data` that must be refused; returns the message.
fn refused_on(data: &Path) -> String {
    let temp = tempfile::tempdir().unwrap();
    let output = belong()
        .args(["report", "--quiet", "--out"])
        .arg(temp.path().join("report"))
        .arg(data)
        .output()
        .unwrap();
    let message = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(1), "{message}");
    assert!(!temp.path().join("report").exists());
    message
}

fn refused(config: &str) -> String {
    refused_on(with_config("ps-arm", config).path())
}

#[test]
fn bad_adjust_for_columns_are_refused_before_the_analyses() {
    let message = refused("adjust_for = [\"age\"]");
    assert!(
        message.contains("adjust_for in belong.toml: the participants table has no column \"age\""),
        "{message}"
    );
    assert!(message.contains("age_band"), "{message}");

    let message = refused("design = \"randomized-ish\"");
    assert!(message.contains("design = \"randomized-ish\""), "{message}");
    assert!(message.contains("\"pre-post\""), "{message}");

    let message = refused("moderators = [\"postcode\"]");
    assert!(
        message.contains(
            "moderators in belong.toml: the participants table has no column \"postcode\""
        ),
        "{message}"
    );

    let data = with_config("ps-attendance", "");
    let config = data.path().join("belong.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        format!("{text}\n[norms.lon]\nmean = 17\nsd = 5\nretest = 1.5\nsource = \"x\"\n"),
    )
    .unwrap();
    let message = refused_on(data.path());
    assert!(message.contains("[norms.lon] retest = 1.5"), "{message}");

    let message = refused("caliper = -1");
    assert!(message.contains("caliper = -1"), "{message}");
}

#[test]
fn a_constant_covariate_and_a_randomised_design_without_arms_are_refused() {
    let message = refused_on(with_config("ps-attendance", "design = \"randomised\"").path());
    assert!(message.contains("design = \"randomised\""), "{message}");
    assert!(message.contains("no `arm` column"), "{message}");

    // A region column where everyone is in the north.
    let data = with_config("ps-arm", "adjust_for = [\"region\"]");
    let participants = data.path().join("participants.csv");
    let text = std::fs::read_to_string(&participants).unwrap();
    let with_region: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(i, line)| format!("{line},{}", if i == 0 { "region" } else { "North" }))
        .collect();
    std::fs::write(&participants, with_region.join("\n") + "\n").unwrap();
    let message = refused_on(data.path());
    assert!(
        message.contains("column \"region\" has one value (\"North\")"),
        "{message}"
    );
}

#[test]
fn synth_selection_confounds_the_arm_and_weighting_balances_it() {
    let temp = tempfile::tempdir().unwrap();
    let data = temp.path().join("data");
    belong()
        .args(["synth", "--participants", "1500", "--comparison-arm"])
        .args(["--selection", "1.5", "--seed", "5", "--out"])
        .arg(&data)
        .assert()
        .success();
    std::fs::write(data.join("belong.toml"), "adjust_for = [\"lives_alone\"]\n").unwrap();
    let (_out_temp, out) = report(&data, "10");
    let estimates = read_csv(&out.join("estimates.csv"));
    let smd = |analysis: &str| -> f64 {
        estimates
            .iter()
            .find(|e| {
                e["analysis"] == analysis
                    && e["contrast"] == "baseline score"
                    && e["estimate"] == "smd"
            })
            .unwrap()["value"]
            .parse()
            .unwrap()
    };
    assert!(
        smd("propensity_unadjusted") > 0.4,
        "{}",
        smd("propensity_unadjusted")
    );
    assert!(
        smd("propensity_att").abs() < 0.15,
        "{}",
        smd("propensity_att")
    );
    // Overlap weights from a logistic model balance its covariates exactly
    // at the maximum (Li, Morgan & Zaslavsky 2018); glm's stopping rule
    // leaves a trace.
    assert!(
        smd("propensity_overlap").abs() < 1e-6,
        "{}",
        smd("propensity_overlap")
    );

    let output = belong()
        .args(["synth", "--participants", "10", "--selection", "9", "--out"])
        .arg(temp.path().join("other"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--selection 9"));
}
