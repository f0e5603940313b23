//! The report reads attendance while it scores and analyses the rest; that
//! must give exactly what running the stages one after another gives:
//! the same estimates, the same account, and excluded rows in the same
//! order.

mod common;

use belong::config::{Flags, Settings};
use common::fixture;
use std::fs;
use std::path::Path;

/// small-ucla3 with rows every stage excludes: a follow-up dated before
/// its baseline (found after attendance is read), and attendance of an
/// unknown participant and before enrolment.
fn data_with_exclusions(folder: &Path) {
    let source = fixture("small-ucla3");
    for table in ["participants", "assessments", "attendance"] {
        let name = format!("{table}.csv");
        let mut text = fs::read_to_string(source.join(&name)).unwrap();
        match table {
            "assessments" => {
                text = text.replace("P0001,week12,2024-12-14,", "P0001,week12,2024-09-01,");
            }
            "attendance" => {
                text.push_str("P9999,2024-10-01,shared meal,group,true,60\n");
                text.push_str("P0001,2024-09-01,shared meal,group,true,60\n");
            }
            _ => {}
        }
        fs::write(folder.join(&name), text).unwrap();
    }
}

#[test]
fn attendance_read_beside_the_analyses_gives_what_the_stages_in_turn_give() {
    let folder = tempfile::tempdir().unwrap();
    data_with_exclusions(folder.path());
    let settings = Settings::resolve(Flags {
        data_dir: Some(folder.path().to_path_buf()),
        ..Flags::default()
    })
    .unwrap();
    let beside = belong::analyse(&settings).unwrap();
    let in_turn =
        belong::analyse_checked(&settings, belong::validate_data(&settings).unwrap()).unwrap();

    let reasons: Vec<&str> = beside.account.excluded.iter().map(|r| r.reason).collect();
    assert!(
        reasons.contains(&"assessed before the baseline"),
        "{reasons:?}"
    );
    assert!(reasons.contains(&"unknown participant"), "{reasons:?}");
    assert!(reasons.contains(&"session before enrolment"), "{reasons:?}");
    assert_eq!(beside.account.excluded, in_turn.account.excluded);
    assert_eq!(beside.account.tables, in_turn.account.tables);
    assert_eq!(beside.estimates, in_turn.estimates);
    assert_eq!(beside.panel.sessions, in_turn.panel.sessions);
    assert_eq!(
        beside.panel.activity_sessions,
        in_turn.panel.activity_sessions
    );
    assert!(beside
        .estimates
        .iter()
        .any(|e| e.analysis == "dose_response"));
}
