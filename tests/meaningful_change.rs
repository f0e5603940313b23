//! Meaningful change as its readers meet it: the table, the chart and the
//! summary of a programme whose scores worsened say so, in both directions.
//! (The numbers themselves are checked against clinicalsignificance in
//! fixtures_vs_r.rs.)

mod common;

use common::{belong, fixture, read_csv};

fn report(min_cell: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let temp = tempfile::tempdir().unwrap();
    let out = temp.path().join("report");
    belong()
        .args(["report", "--quiet", "--min-cell", min_cell, "--out"])
        .arg(&out)
        .arg(fixture("cs-wellbeing"))
        .assert()
        .success();
    (temp, out)
}

#[test]
fn a_worsening_programme_says_so_first() {
    let (_temp, out) = report("0");
    let markdown = std::fs::read_to_string(out.join("report.md")).unwrap();
    let summary = markdown
        .split("## Summary")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .unwrap();
    assert!(summary.contains("a change for the worse"), "{summary}");
    assert!(
        summary.contains("more people deteriorated reliably than improved"),
        "{summary}"
    );
    let deteriorated = summary.find("deteriorated reliably and").unwrap();
    let improved = summary.find("% improved reliably").unwrap();
    assert!(deteriorated < improved, "{summary}");
}

#[test]
fn every_approach_is_in_the_table_and_the_chart() {
    let (_temp, out) = report("10");
    let rows = read_csv(&out.join("tables/meaningful_change.csv"));
    let approaches: Vec<&str> = rows
        .iter()
        .filter(|r| r["group"] == "all")
        .map(|r| r["approach"].as_str())
        .collect();
    for expected in [
        "reliable change (Hageman-Arrindell)",
        "reliable change (Nunnally-Kotsch)",
        "crossed cut-off c (Jacobson–Truax)",
        "Jacobson-Truax and cut-off b combined",
        "minimal important change",
        "percentage change",
    ] {
        assert!(approaches.contains(&expected), "{expected}: {approaches:?}");
    }
    // Deterioration has its share and interval beside improvement.
    let ha = rows
        .iter()
        .find(|r| r["group"] == "all" && r["approach"] == "reliable change (Hageman-Arrindell)")
        .unwrap();
    assert_eq!(ha["% deteriorated"], "14.4");
    assert_eq!(ha["% deteriorated 95% CI low"], "9.5");
    let svg = std::fs::read_to_string(out.join("charts/meaningful_change_wb.svg")).unwrap();
    assert!(svg.contains("RCI HA") && svg.contains("percentage change"));
    let effects = read_csv(&out.join("tables/effect_sizes.csv"));
    assert!(effects
        .iter()
        .any(|r| r["effect"].starts_with("d_rm") && r["size (Cohen 1988)"] == "very small"));
}
