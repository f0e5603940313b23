//! Disclosure control, end to end: on published reports, no estimate rests
//! on fewer people than the minimum cell, no small count is shown, and no
//! suppressed count can be recovered by subtracting published ones from a
//! published total.

mod common;

use common::{belong, fixture, read_csv};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

type Row = HashMap<String, String>;

const MIN_CELL: f64 = 10.0;

fn published_estimates(data: &Path) -> (tempfile::TempDir, Vec<Row>) {
    let temp = tempfile::tempdir().unwrap();
    let out = temp.path().join("report");
    belong()
        .args(["report", "--quiet", "--out"])
        .arg(&out)
        .arg(data)
        .assert()
        .success();
    let rows = read_csv(&out.join("estimates.csv"));
    (temp, rows)
}

fn datasets() -> Vec<PathBuf> {
    vec![
        Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample"),
        fixture("tiny-ucla3"),
        fixture("small-ucla3"),
        fixture("ucla20-arms"),
        fixture("djg11-three-waves"),
    ]
}

/// Counts of people whose siblings add up to a published total.
const COMPLEMENT_SETS: [&[&str]; 2] = [
    &["n_improved", "n_no_change", "n_deteriorated"],
    &["n_completers", "n_non_completers"],
];
const BANDED: [&str; 5] = [
    "n_at_score",
    "n_with_change",
    "n_at_baseline_and_followup",
    "n_with_sessions",
    "n_in_category",
];
const PEOPLE_COUNTS: [&str; 17] = [
    "n_improved",
    "n_no_change",
    "n_deteriorated",
    "n_cases_baseline",
    "n_cases_followup",
    "n_recovered",
    "n_new_cases",
    "n_completers",
    "n_non_completers",
    "n_pairs",
    "n_participants",
    "activity_participants",
    "n_at_score",
    "n_with_change",
    "n_at_baseline_and_followup",
    "n_with_sessions",
    "n_in_category",
];

fn is_blank(row: &Row) -> bool {
    row["suppressed"] == "true"
}

/// In a set of cells adding up to a published total, a single blank cell is
/// the total minus the others.
fn assert_not_recoverable<'a>(sets: impl IntoIterator<Item = (String, Vec<&'a Row>)>, data: &Path) {
    for (key, members) in sets {
        if members.len() < 2 {
            continue;
        }
        let blanks = members.iter().filter(|r| is_blank(r)).count();
        assert_ne!(
            blanks,
            1,
            "{}: {key}: one suppressed cell is the total minus the others",
            data.display()
        );
    }
}

fn key(row: &Row, columns: &[&str]) -> String {
    columns
        .iter()
        .map(|c| row[*c].as_str())
        .collect::<Vec<_>>()
        .join(" | ")
}

#[test]
fn published_reports_pass_disclosure_checks() {
    for data in datasets() {
        let (_temp, rows) = published_estimates(&data);
        for row in &rows {
            // Nothing rests on fewer than the minimum cell.
            match row["n"].parse::<f64>() {
                Ok(n) if n > 0.0 && n < MIN_CELL => {
                    panic!("{}: n = {n} published: {row:?}", data.display())
                }
                Ok(_) => {}
                Err(_) => assert!(is_blank(row), "blank n on a published row: {row:?}"),
            }
            // No small count of people is shown.
            if PEOPLE_COUNTS.contains(&row["estimate"].as_str()) {
                if let Ok(count) = row["value"].parse::<f64>() {
                    assert!(
                        count == 0.0 || count >= MIN_CELL,
                        "{}: small count shown: {row:?}",
                        data.display()
                    );
                }
            }
        }
        // Within a place: categories adding to the place's n.
        let place = [
            "outcome", "analysis", "group_by", "group", "wave", "contrast",
        ];
        for set in COMPLEMENT_SETS {
            let mut by_place: BTreeMap<String, Vec<&Row>> = BTreeMap::new();
            for row in rows
                .iter()
                .filter(|r| set.contains(&r["estimate"].as_str()))
            {
                by_place.entry(key(row, &place)).or_default().push(row);
            }
            assert_not_recoverable(by_place, &data);
        }
        // Bands and categories adding to the group's n.
        let mut banded: BTreeMap<String, Vec<&Row>> = BTreeMap::new();
        for row in rows
            .iter()
            .filter(|r| BANDED.contains(&r["estimate"].as_str()))
        {
            let family = [
                "outcome", "analysis", "group_by", "group", "wave", "estimate",
            ];
            banded.entry(key(row, &family)).or_default().push(row);
        }
        assert_not_recoverable(banded, &data);
        // Levels of a grouping column adding to a published `all` count.
        let mut across: BTreeMap<String, Vec<&Row>> = BTreeMap::new();
        for row in rows
            .iter()
            .filter(|r| PEOPLE_COUNTS.contains(&r["estimate"].as_str()) && r["group_by"] != "all")
        {
            let family = [
                "outcome", "analysis", "group_by", "wave", "contrast", "estimate",
            ];
            across.entry(key(row, &family)).or_default().push(row);
        }
        assert_not_recoverable(across, &data);
        // A blanked count's percentage is blank too.
        for row in rows.iter().filter(|r| is_blank(r)) {
            let percent = match row["estimate"].as_str() {
                "n_improved" => "pct_improved",
                "n_no_change" => "pct_no_change",
                "n_deteriorated" => "pct_deteriorated",
                "n_in_category" => "pct_in_category",
                "n_cases_baseline" => "pct_cases_baseline",
                "n_cases_followup" => "pct_cases_followup",
                _ => continue,
            };
            let place_key = key(row, &place);
            for other in rows
                .iter()
                .filter(|r| r["estimate"] == percent && key(r, &place) == place_key)
            {
                assert!(is_blank(other), "{}: {other:?}", data.display());
            }
        }
    }
}
