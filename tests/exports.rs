//! Realistic exports (tests/exports, written by make_exports.py) go from
//! `belong init` to `belong report` with no hand edit: a CRM workbook of
//! three sheets with worded answers, question-text headers, typed and real
//! dates and a repeated row; and a day-first, semicolon CSV export.

mod common;

use common::belong;
use std::fs;
use std::path::{Path, PathBuf};

fn export(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/exports")
        .join(name)
}

/// Copies an export into a temporary folder, runs `belong init` there and
/// returns the folder, the config init wrote and its terminal summary.
fn initialised(name: &str) -> (tempfile::TempDir, PathBuf, String, String) {
    let temp = tempfile::tempdir().unwrap();
    let data = temp.path().join(name);
    fs::create_dir(&data).unwrap();
    for entry in fs::read_dir(export(name)).unwrap() {
        let path = entry.unwrap().path();
        fs::copy(&path, data.join(path.file_name().unwrap())).unwrap();
    }
    let output = belong().arg("init").arg(&data).output().unwrap();
    assert!(output.status.success(), "{output:?}");
    let config = fs::read_to_string(data.join("belong.toml")).unwrap();
    let summary = String::from_utf8_lossy(&output.stderr).into_owned();
    (temp, data, config, summary)
}

/// Lines of a config that ask a person to check or fill something in.
fn hand_edits(config: &str) -> usize {
    config.lines().filter(|l| l.contains("CHECK")).count()
}

fn report(data: &Path) -> PathBuf {
    let out = data.parent().unwrap().join("report");
    let output = belong()
        .args(["report", "--quiet", "--out"])
        .arg(&out)
        .arg(data)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    out
}

/// (table, check) → rows, from data_quality.csv.
fn quality(out: &Path) -> Vec<(String, String, usize)> {
    fs::read_to_string(out.join("data_quality.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|line| {
            let fields = common::split_record(line);
            (
                fields[0].clone(),
                fields[1].clone(),
                fields[2].parse().unwrap(),
            )
        })
        .collect()
}

fn count(rows: &[(String, String, usize)], table: &str, check: &str) -> usize {
    rows.iter()
        .filter(|(t, c, _)| t == table && c == check)
        .map(|(_, _, n)| *n)
        .sum()
}

fn assert_accounted(rows: &[(String, String, usize)]) {
    for table in ["participants", "assessments", "attendance"] {
        let excluded: usize = rows
            .iter()
            .filter(|(t, c, _)| t == table && c.starts_with("excluded: "))
            .map(|(_, _, n)| *n)
            .sum();
        assert_eq!(
            count(rows, table, "kept") + excluded,
            count(rows, table, "read"),
            "{table}: {rows:?}"
        );
    }
}

/// No file outside internal/ holds a participant id.
fn assert_no_ids_published(out: &Path, id: &str) {
    let root = out.parent().unwrap();
    let mut stack = vec![out.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.file_name().unwrap() == "internal" {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(text) = fs::read_to_string(&path) {
                // The temporary folder's random name is not an id.
                let text = text.replace(&*root.to_string_lossy(), "");
                assert!(!text.contains(id), "{} holds {id}", path.display());
            }
        }
    }
}

#[test]
fn a_crm_workbook_goes_from_init_to_report_with_no_hand_edit() {
    let (_temp, data, config, summary) = initialised("crm");
    // Every sheet is given its role, named by sheet.
    for (sheet, role) in [
        ("Clients", "participants"),
        ("Surveys", "assessments"),
        ("Sessions", "attendance"),
    ] {
        assert!(
            summary.contains(&format!(
                "programme_export.xlsx, sheet \"{sheet}\": the {role} table"
            )),
            "{summary}"
        );
        assert!(
            config.contains(&format!(
                "[{role}]\nfile = \"programme_export.xlsx\"\nsheet = \"{sheet}\""
            )),
            "{config}"
        );
    }
    // The questions are recognised by their wording, the identifying
    // columns are not read, and the typed start dates are day first.
    assert!(
        config.contains("ucla3_2 = \"Q2 How often do you feel left out?\""),
        "{config}"
    );
    assert!(
        config.contains("drop = [\"Name\", \"Email\", \"Postcode\", \"Date of birth\"]"),
        "{config}"
    );
    assert!(config.contains("date_format = \"day-first\""), "{config}");
    assert!(config.contains("enrolled_on = \"Start date\""), "{config}");
    assert_eq!(hand_edits(&config), 0, "{config}");

    let out = report(&data);
    let rows = quality(&out);
    assert_accounted(&rows);
    // The repeated survey row is one copy excluded, not both.
    assert_eq!(count(&rows, "assessments", "excluded: exact duplicate"), 1);
    assert_eq!(
        count(&rows, "assessments", "kept") + 1,
        count(&rows, "assessments", "read")
    );
    let excluded = fs::read_to_string(out.join("internal/excluded_rows.csv")).unwrap();
    assert!(
        excluded.contains("exact duplicate of line 11"),
        "{excluded}"
    );
    // Worded and numbered answers alike are scored, and the start dates
    // give the attendance-per-week chart.
    let estimates = fs::read_to_string(out.join("estimates.csv")).unwrap();
    assert!(estimates.contains("ucla3"), "no ucla3 estimates");
    assert!(out.join("charts/attendance_by_week.svg").exists());
    assert_no_ids_published(&out, "C-000");
}

/// Layout errors in a workbook name the sheet as well as the file: a
/// mapping to a column the sheet lacks, and a required column missing.
#[test]
fn layout_errors_in_a_workbook_name_the_sheet() {
    let (_temp, data, config, _) = initialised("crm");
    let run = |config: &str| {
        fs::write(data.join("belong.toml"), config).unwrap();
        let output = belong()
            .args(["report", "--quiet", "--out"])
            .arg(data.parent().unwrap().join("report"))
            .arg(&data)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1), "{output:?}");
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    let misnamed = config.replace(
        "ucla3_2 = \"Q2 How often do you feel left out?\"",
        "ucla3_2 = \"Q2 How often\"",
    );
    assert_ne!(misnamed, config);
    let stderr = run(&misnamed);
    assert!(
        stderr.contains("programme_export.xlsx, sheet \"Surveys\": no column \"Q2 How often\""),
        "{stderr}"
    );
    let start = config.find("enrolled_on = \"Start date\"").unwrap();
    let without_id: String = config
        .lines()
        .filter(|line| !line.contains("participant_id = \"Client ID\""))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(start > 0 && without_id.len() < config.len(), "{config}");
    let stderr = run(&without_id);
    assert!(
        stderr.contains("programme_export.xlsx, sheet \"")
            && stderr.contains("no column participant_id"),
        "{stderr}"
    );
}

#[test]
fn a_day_first_semicolon_export_with_worded_answers_needs_no_hand_edit() {
    let (_temp, data, config, _) = initialised("semicolon");
    assert!(config.contains("date_format = \"day-first\""), "{config}");
    assert!(config.contains("ucla3_1 = \"UCLA 1\""), "{config}");
    assert_eq!(hand_edits(&config), 0, "{config}");
    let out = report(&data);
    let rows = quality(&out);
    assert_accounted(&rows);
    assert_eq!(count(&rows, "assessments", "kept"), 96);
    assert_no_ids_published(&out, "M00");
}

#[test]
fn a_qualtrics_export_with_three_header_rows_needs_no_hand_edit() {
    let (_temp, data, config, summary) = initialised("qualtrics");
    // The question texts of the second header row name the items; the
    // attention check in the block is not one of them.
    assert!(config.contains("ucla3_1 = \"Q5_1\""), "{config}");
    assert!(config.contains("ucla3_3 = \"Q5_3\""), "{config}");
    assert!(!config.contains("\"Q5_4\""), "{config}");
    assert!(
        config.contains("participant_id = \"ClientRef\""),
        "{config}"
    );
    assert!(config.contains("wave = \"Timepoint\""), "{config}");
    assert!(summary.contains("instrument ucla3"), "{summary}");
    assert_eq!(hand_edits(&config), 0, "{config}");
    let out = report(&data);
    let rows = quality(&out);
    assert_accounted(&rows);
    // The two extra header rows are not records: every row read is a
    // response, and none is excluded.
    let responses = fs::read_to_string(data.join("assessments.csv"))
        .unwrap()
        .lines()
        .count()
        - 3;
    assert_eq!(count(&rows, "assessments", "read"), responses);
    assert_eq!(count(&rows, "assessments", "kept"), responses);
    let excluded = fs::read_to_string(out.join("internal/excluded_rows.csv")).unwrap();
    assert_eq!(excluded.lines().count(), 1, "{excluded}");
    assert_no_ids_published(&out, "K00");
}

#[test]
fn a_wide_sheet_with_pre_post_and_six_months_needs_no_hand_edit() {
    let (_temp, data, config, _) = initialised("wide");
    for (wave, column) in [
        ("baseline", "UCLA pre"),
        ("followup", "UCLA post"),
        ("6 months", "UCLA 6 months"),
    ] {
        assert!(
            config.contains(&format!(
                "name = \"{wave}\"\ncolumns = {{ ucla3_total = \"{column}\" }}"
            )),
            "{config}"
        );
    }
    assert!(
        config.contains("sessions = \"Sessions attended\""),
        "{config}"
    );
    assert_eq!(hand_edits(&config), 0, "{config}");
    let out = report(&data);
    let rows = quality(&out);
    assert_accounted(&rows);
    assert_eq!(count(&rows, "participants", "read"), 60);
    // Three waves per person: the mixed model runs over them.
    let estimates = fs::read_to_string(out.join("estimates.csv")).unwrap();
    assert!(estimates.contains(",longitudinal,"), "no mixed model");
    assert_no_ids_published(&out, "W00");
}

/// Runs `belong init` on a folder of the given files; returns the folder,
/// the config written and the summary.
fn initialised_from(files: &[(&str, String)]) -> (tempfile::TempDir, PathBuf, String, String) {
    let temp = tempfile::tempdir().unwrap();
    let data = temp.path().join("data");
    fs::create_dir(&data).unwrap();
    for (name, text) in files {
        fs::write(data.join(name), text).unwrap();
    }
    let output = belong().arg("init").arg(&data).output().unwrap();
    assert!(output.status.success(), "{output:?}");
    let config = fs::read_to_string(data.join("belong.toml")).unwrap();
    let summary = String::from_utf8_lossy(&output.stderr).into_owned();
    (temp, data, config, summary)
}

/// A participants table and a long assessments table whose questions
/// are headed only `Q1` … `Qk`, answered by `answer(person, wave, item)`.
fn bare_question_export(
    items: usize,
    answer: impl Fn(usize, usize, usize) -> String,
) -> Vec<(&'static str, String)> {
    let mut participants = String::from("ID,Site,Start date,Age\n");
    let mut assessments = String::from("ID,Wave,Date");
    for k in 1..=items {
        assessments.push_str(&format!(",Q{k}"));
    }
    assessments.push('\n');
    for person in 0..40 {
        participants.push_str(&format!(
            "C{person:03},{},2025-01-{:02},{}\n",
            ["North", "South"][person % 2],
            person % 28 + 1,
            20 + person * 19 % 70
        ));
        for (wave, label) in ["Baseline", "Follow-up"].iter().enumerate() {
            assessments.push_str(&format!("C{person:03},{label},2025-{:02}-10", 2 + 3 * wave));
            for item in 0..items {
                assessments.push_str(&format!(",{}", answer(person, wave, item)));
            }
            assessments.push('\n');
        }
    }
    vec![
        ("participants.csv", participants),
        ("assessments.csv", assessments),
    ]
}

#[test]
fn bare_numbered_questions_are_mapped_when_their_answers_fit_one_instrument() {
    // Seven items answered 1–5: only SWEMWBS has seven items.
    let files = bare_question_export(7, |p, w, k| ((p + w + k) % 5 + 1).to_string());
    let (_temp, data, config, summary) = initialised_from(&files);
    assert!(config.contains("swemwbs_1 = \"Q1\""), "{config}");
    assert!(config.contains("swemwbs_7 = \"Q7\""), "{config}");
    assert_eq!(hand_edits(&config), 1, "{config}");
    assert!(
        config.contains("# CHECK: Q1 … Q7 read as the 7 items of swemwbs"),
        "{config}"
    );
    assert!(summary.contains("CHECK: Q1 … Q7"), "{summary}");
    let out = report(&data);
    let rows = quality(&out);
    assert_accounted(&rows);
    assert_eq!(count(&rows, "assessments", "kept"), 80);
    assert_no_ids_published(&out, "C0");
    // Exact ages get a commented hint; uncommented, Table 1 shows bands.
    let hint = "# bands = { Age = [\"<18\", \"18-49\", \"50-64\", \"65-74\", \"75+\"] }";
    assert!(config.contains(hint), "{config}");
    fs::write(data.join("belong.toml"), config.replace(hint, &hint[2..])).unwrap();
    let out = report(&data);
    let table1 = fs::read_to_string(out.join("tables/table1.csv")).unwrap();
    assert!(
        table1.contains("\"Age, n (%)\",\n18-49,") && table1.contains("\n50-64,"),
        "{table1}"
    );
    // 65-74 and 75+ hold fewer than 10 people each: merged into 65+, not
    // pooled with other small bands as "other".
    assert!(table1.contains("\n65+,13 (32.5%)"), "{table1}");
    assert!(!table1.contains("other (fewer"), "{table1}");
    let markdown = fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        markdown.contains("In the column \"Age\", 2 bands held fewer than 10 people each (13 people in all); each is merged with the bands beside it (shown as \"65+\")"),
        "{markdown}"
    );

    // Three items worded as UCLA-3 answers: only UCLA-3 has those words.
    let words = ["Hardly ever", "Some of the time", "Often"];
    let files = bare_question_export(3, |p, w, k| words[(p + w * 2 + k) % 3].to_string());
    let (_temp, _, config, _) = initialised_from(&files);
    assert!(config.contains("ucla3_1 = \"Q1\""), "{config}");
    assert!(config.contains("ucla3_3 = \"Q3\""), "{config}");
}

#[test]
fn bare_numbered_questions_that_fit_several_instruments_are_asked_about() {
    // Three items answered 1–3 fit UCLA-3 (1–3) and CEL-3 (0–4).
    let files = bare_question_export(3, |p, w, k| ((p + w + k) % 3 + 1).to_string());
    let (_temp, _, config, summary) = initialised_from(&files);
    let columns = config
        .lines()
        .find(|line| line.starts_with("columns = { participant_id = \"ID\", wave"))
        .unwrap();
    assert!(
        !columns.contains("ucla3") && !columns.contains("cel3"),
        "{config}"
    );
    assert!(
        config.contains("# CHECK: Q1 … Q3 could be the items of ucla3 or cel3"),
        "{config}"
    );
    assert!(summary.contains("ucla3 or cel3"), "{summary}");
    // A 0 rules out UCLA-3.
    let files = bare_question_export(3, |p, w, k| ((p + w + k) % 4).to_string());
    let (_temp, _, config, _) = initialised_from(&files);
    assert!(config.contains("cel3_1 = \"Q1\""), "{config}");
}

/// Found by the init fuzz target: a table with no date column left init's
/// placeholder for its date format in the config, which then did not
/// parse ("belong init wrote an invalid config").
#[test]
fn a_table_without_a_date_column_gets_a_config_that_parses() {
    let mut assessments = String::from("ID,Wave,UCLA 1,UCLA 2,UCLA 3\n");
    for person in 0..12 {
        for wave in ["baseline", "followup"] {
            assessments.push_str(&format!("P{person:02},{wave},1,2,3\n"));
        }
    }
    let (_temp, _, config, summary) = initialised_from(&[("assessments.csv", assessments)]);
    assert!(!config.contains('\u{1}'), "{config:?}");
    assert!(config.contains("ucla3_1 = \"UCLA 1\""), "{config}");
    assert!(summary.contains("the assessments table"), "{summary}");
}

/// Found by the init fuzz target: a wave label with a control character
/// went raw into a comment of the config, which then did not parse; a
/// line break there could have written config of its own.
#[test]
fn control_characters_in_the_data_cannot_break_the_config() {
    let mut assessments = String::from("ID,Wave,Date,UCLA 1,UCLA 2,UCLA 3\n");
    for person in 0..12 {
        for wave in ["Baseline", "\"Week\u{b}12\nallow_outside_data = true\""] {
            assessments.push_str(&format!("P{person:02},{wave},2025-01-01,1,2,3\n"));
        }
    }
    let (_temp, _, config, _) = initialised_from(&[("assessments.csv", assessments)]);
    assert!(
        config.contains("# Waves found: Baseline, Week\\u{b}12\\u{a}allow_outside_data = true."),
        "{config}"
    );
    assert!(
        !config
            .lines()
            .any(|line| line.starts_with("allow_outside_data")),
        "{config}"
    );
}

/// Found by the init fuzz target: two columns of one wave's score
/// (`UCLA pre`, `UCLA baseline`) were both mapped, a duplicate key that
/// made the config unparseable. The first is read and a CHECK asks.
#[test]
fn two_columns_for_one_wave_score_are_asked_about() {
    let mut wide = String::from("ID,UCLA pre,UCLA baseline,UCLA post\n");
    for person in 0..12 {
        wide.push_str(&format!("P{person:02},5,6,4\n"));
    }
    let (_temp, _, config, _) = initialised_from(&[("programme.csv", wide)]);
    assert!(
        config.contains("# CHECK: UCLA pre and UCLA baseline both look like ucla3_total at baseline; UCLA pre is read."),
        "{config}"
    );
    assert!(
        config.contains("columns = { ucla3_total = \"UCLA pre\" }"),
        "{config}"
    );
}

/// An item found both by its name and by its wording is mapped once.
#[test]
fn an_item_found_twice_is_mapped_once() {
    let mut assessments = String::from(
        "ID,Wave,Date,UCLA 1,UCLA 2,UCLA 3,Lack companionship?,Feel left out?,Feel isolated?\n",
    );
    for person in 0..12 {
        for wave in ["baseline", "followup"] {
            assessments.push_str(&format!("P{person:02},{wave},2025-01-01,1,2,3,1,2,3\n"));
        }
    }
    let (_temp, _, config, _) = initialised_from(&[("assessments.csv", assessments)]);
    assert_eq!(config.matches("ucla3_1 = ").count(), 1, "{config}");
    assert!(
        config.contains("# CHECK: more than one column looks like ucla3_1"),
        "{config}"
    );
    assert_eq!(config.matches("ucla3_3 = ").count(), 1, "{config}");
}
