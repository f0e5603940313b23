//! Every fixture's expected estimates (computed with R) must be reproduced
//! within the tolerances of STATISTICS.md.

mod common;

use common::{belong, fixture, read_csv};
use std::collections::HashMap;

const KEY: [&str; 7] = [
    "outcome", "analysis", "group_by", "group", "wave", "contrast", "estimate",
];

fn number(text: &str) -> Option<f64> {
    let t = text.trim();
    if t.is_empty() || t == "NA" {
        None
    } else {
        Some(t.parse().unwrap_or_else(|_| panic!("not a number: {t}")))
    }
}

fn close_estimate(expected: f64, actual: f64, relative: f64) -> bool {
    if expected.is_infinite() || actual.is_infinite() {
        return expected == actual;
    }
    (actual - expected).abs() <= (relative * expected.abs()).max(1e-12)
}

fn close_p(expected: f64, actual: f64, relative: f64) -> bool {
    (actual - expected).abs() <= relative * expected.abs()
        || (expected.abs() < 1e-6 && (actual - expected).abs() <= 1e-12)
}

/// Problems with one row, empty when it matches.
fn compare_row(
    expected: &HashMap<String, String>,
    actual: &HashMap<String, String>,
) -> Vec<String> {
    // STATISTICS.md: longitudinal (and other lmer) estimates and se to 1e-6, df and p to 1e-4
    // (REML optimisers differ in the last digits); everything else 1e-9 and
    // p to 1e-6.
    let longitudinal = expected["analysis"] == "longitudinal"
        || (expected["analysis"] == "clustering"
            && !matches!(
                expected["estimate"].as_str(),
                "n_clusters" | "mean_cluster_size"
            ));
    let mut problems = Vec::new();
    for column in [
        "value",
        "ci_low",
        "ci_high",
        "se",
        "df",
        "p_value",
        "p_adjusted",
        "n",
    ] {
        let Some(e) = number(&expected[column]) else {
            continue;
        };
        let Some(a) = actual.get(column).and_then(|v| number(v)) else {
            problems.push(format!("{column}: expected {e}, got empty"));
            continue;
        };
        let ok = match (column, longitudinal) {
            ("n", _) => e == a,
            ("p_value" | "p_adjusted", false) => close_p(e, a, 1e-6),
            ("p_value" | "p_adjusted" | "df", true) => close_p(e, a, 1e-4),
            (_, true) => close_estimate(e, a, 1e-6),
            (_, false) => close_estimate(e, a, 1e-9),
        };
        if !ok {
            problems.push(format!("{column}: expected {e}, got {a}"));
        }
    }
    if expected["suppressed"] == "false"
        && actual.get("suppressed").map(String::as_str) == Some("true")
    {
        problems.push("suppressed: expected false".into());
    }
    problems
}

fn key(row: &HashMap<String, String>) -> String {
    KEY.iter()
        .map(|k| row.get(*k).map(String::as_str).unwrap_or(""))
        .collect::<Vec<_>>()
        .join("|")
}

/// Runs `belong report --min-cell 0` on `data` and compares its estimates
/// with the fixture's; returns (matched, mismatched, missing, problems).
fn compare_with_r(name: &str, data: &std::path::Path) -> (usize, usize, usize, Vec<String>) {
    let (mut matched, mut mismatched, mut missing) = (0, 0, 0);
    let mut report = Vec::new();
    let out = tempfile::tempdir().unwrap();
    let report_dir = out.path().join("report");
    belong()
        .args(["report", "--quiet", "--min-cell", "0", "--out"])
        .arg(&report_dir)
        .arg(data)
        .assert()
        .success();
    let actual: HashMap<String, HashMap<String, String>> =
        read_csv(&report_dir.join("estimates.csv"))
            .into_iter()
            .map(|row| (key(&row), row))
            .collect();
    for expected in read_csv(&fixture(name).join("expected/estimates.csv")) {
        match actual.get(&key(&expected)) {
            None => {
                missing += 1;
                report.push(format!("{name}: MISSING {}", key(&expected)));
            }
            Some(row) => {
                let problems = compare_row(&expected, row);
                if problems.is_empty() {
                    matched += 1;
                } else {
                    mismatched += 1;
                    report.push(format!(
                        "{name}: MISMATCH {}: {}",
                        key(&expected),
                        problems.join("; ")
                    ));
                }
            }
        }
    }
    (matched, mismatched, missing, report)
}

#[test]
fn native_fixtures_match_r() {
    let fixtures = [
        "tiny-ucla3",
        "tiny-exact-ucla20",
        "small-ucla3",
        "ucla20-arms",
        "djg11-three-waves",
        "djg6-parquet",
        "cs-wellbeing",
        "cs-loneliness",
        "ps-arm",
        "ps-attendance",
        "ps-separation",
        "numeric-age",
        "numeric-bands",
        "cluster-arms",
        "cluster-waves",
        "cluster-ps",
    ];
    let (mut matched, mut mismatched, mut missing) = (0, 0, 0);
    let mut report = Vec::new();
    for name in fixtures {
        let (m, mm, miss, lines) = compare_with_r(name, &fixture(name));
        matched += m;
        mismatched += mm;
        missing += miss;
        report.extend(lines);
    }
    println!("{matched} matched, {mismatched} mismatched, {missing} missing");
    for line in report.iter().take(40) {
        println!("{line}");
    }
    assert!(matched > 0);
    assert_eq!(
        (mismatched, missing),
        (0, 0),
        "{matched} matched, {mismatched} mismatched, {missing} missing"
    );
}

/// Acceptance of #5: the real anorexia data, read from the single wide sheet
/// through belong.toml (custom `weight` instrument, higher = better),
/// reproduce R's change and comparison rows.
#[test]
fn wide_anorexia_sheet_matches_r() {
    let folder = tempfile::tempdir().unwrap();
    std::fs::copy(
        fixture("wide-anorexia").join("wide/anorexia.csv"),
        folder.path().join("anorexia.csv"),
    )
    .unwrap();
    std::fs::copy(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/wide-anorexia.toml"),
        folder.path().join("belong.toml"),
    )
    .unwrap();
    let (matched, mismatched, missing, report) = compare_with_r("wide-anorexia", folder.path());
    println!("{matched} matched, {mismatched} mismatched, {missing} missing");
    assert_eq!((mismatched, missing), (0, 0), "{report:#?}");
    assert_eq!(matched, 63);
}
