//! Disclosure control, end to end: on published reports, no estimate rests
//! on fewer people than the minimum cell, no small count is shown, and no
//! suppressed count can be recovered by subtracting published ones from a
//! published total.

mod common;

use belong::estimate::{Kind, Stat};
use common::{fixture, read_csv, report_of};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

type Row = HashMap<String, String>;

const MIN_CELL: f64 = 10.0;

fn published_estimates(data: &Path) -> (tempfile::TempDir, Vec<Row>) {
    let (temp, out) = report_of(data);
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
        fixture("cs-wellbeing"),
        fixture("cs-loneliness"),
        fixture("ps-arm"),
        fixture("ps-attendance"),
        fixture("ps-separation"),
        fixture("numeric-age"),
        fixture("cluster-arms"),
        fixture("cluster-waves"),
    ]
}

/// The kind of a row's statistic, from belong's own vocabulary (the
/// rules below follow the kinds, not a list of names).
fn kind(row: &Row) -> Kind {
    Stat::from_name(&row["estimate"])
        .unwrap_or_else(|| panic!("estimate outside the vocabulary: {row:?}"))
        .kind()
}

fn is_people_count(row: &Row) -> bool {
    matches!(kind(row), Kind::People { .. })
}

fn small(count: f64) -> bool {
    count > 0.0 && count < MIN_CELL
}

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
            // No small count of people is shown, nor one whose complement
            // (n − count) is small, nor a percentage implying either.
            if let (Ok(value), Ok(n)) = (row["value"].parse::<f64>(), row["n"].parse::<f64>()) {
                let count = match kind(row) {
                    Kind::People { .. } => Some(value),
                    Kind::Percentage { .. } => Some((value * n / 100.0).round()),
                    _ => None,
                };
                if let Some(count) = count {
                    assert!(
                        !small(count) && !small(n - count),
                        "{}: a small count or complement is shown: {row:?}",
                        data.display()
                    );
                }
            }
        }
        // Within a place: the counts of one partition add to the place's n.
        let place = [
            "outcome", "analysis", "group_by", "group", "wave", "contrast",
        ];
        let mut partitions: BTreeMap<String, Vec<&Row>> = BTreeMap::new();
        for row in &rows {
            if let Kind::People {
                part_of: Some(partition),
                ..
            } = kind(row)
            {
                let family = format!("{} | {partition:?}", key(row, &place));
                partitions.entry(family).or_default().push(row);
            }
        }
        assert_not_recoverable(partitions, &data);
        // Bands and categories adding to the group's n: counts outside a
        // partition whose contrast names the part (a partition's contrast
        // names the method that classified the same people).
        let mut banded: BTreeMap<String, Vec<&Row>> = BTreeMap::new();
        for row in rows.iter().filter(|r| {
            matches!(kind(r), Kind::People { part_of: None, .. }) && !r["contrast"].is_empty()
        }) {
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
            .filter(|r| is_people_count(r) && r["group_by"] != "all")
        {
            let family = [
                "outcome", "analysis", "group_by", "wave", "contrast", "estimate",
            ];
            across.entry(key(row, &family)).or_default().push(row);
        }
        assert_not_recoverable(across, &data);
        // A blanked count's percentage is blank too.
        for row in rows.iter().filter(|r| is_blank(r)) {
            let Kind::People {
                percent: Some(percent),
                ..
            } = kind(row)
            else {
                continue;
            };
            let place_key = key(row, &place);
            for other in rows
                .iter()
                .filter(|r| r["estimate"] == percent.name() && key(r, &place) == place_key)
            {
                assert!(is_blank(other), "{}: {other:?}", data.display());
            }
        }
    }
}

/// A site of 40 women and one non-binary participant, all with both scores.
fn one_person_level(dir: &Path) {
    let mut participants = String::from("participant_id,site,gender\n");
    let mut assessments = String::from("participant_id,wave,ucla3_1,ucla3_2,ucla3_3\n");
    for i in 0..41 {
        let gender = if i == 40 { "non-binary" } else { "female" };
        participants.push_str(&format!("P{i:03},Eastfield,{gender}\n"));
        let before = [1 + i % 3, 1 + (i / 3) % 3, 1 + (i / 9) % 3];
        let after = [1 + (i + 1) % 3, 1 + (i / 2) % 3, 1 + (i / 5) % 3];
        for (wave, items) in [("baseline", before), ("week12", after)] {
            assessments.push_str(&format!(
                "P{i:03},{wave},{},{},{}\n",
                items[0], items[1], items[2]
            ));
        }
    }
    std::fs::write(dir.join("participants.csv"), participants).unwrap();
    std::fs::write(dir.join("assessments.csv"), assessments).unwrap();
    std::fs::write(dir.join("belong.toml"), "group_by = [\"gender\"]\n").unwrap();
}

#[test]
fn a_comparison_resting_on_one_person_is_not_published() {
    let temp = tempfile::tempdir().unwrap();
    let data = temp.path().join("data");
    std::fs::create_dir(&data).unwrap();
    one_person_level(&data);
    let (_out, rows) = published_estimates(&data);
    let comparisons: Vec<&Row> = rows
        .iter()
        .filter(|r| r["analysis"] == "comparison")
        .collect();
    assert!(!comparisons.is_empty(), "the comparison is computed");
    for row in comparisons {
        assert!(is_blank(row), "published: {row:?}");
        assert_eq!(row["n"], "", "its n gives the level's size: {row:?}");
    }
    // (The reliable-change threshold is the whole sample's, repeated.)
    for row in rows
        .iter()
        .filter(|r| r["group"] == "non-binary" && r["estimate"] != "rc_threshold")
    {
        assert!(is_blank(row) && row["n"].is_empty(), "{row:?}");
    }
    // female's n would give the other level as all − female.
    let all_n: Vec<&str> = rows
        .iter()
        .filter(|r| r["group"] == "female" && !r["n"].is_empty() && r["estimate"] != "rc_threshold")
        .map(|r| r["n"].as_str())
        .collect();
    assert!(all_n.is_empty(), "female n published: {all_n:?}");
}
