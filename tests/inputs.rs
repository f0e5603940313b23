//! Real-world inputs end to end: the same data as Excel workbooks, as a
//! day-first semicolon export with a byte-order mark and `N/A` markers, and
//! with renamed columns mapped in belong.toml, all give the same estimates;
//! identifying columns stop the run unless dropped or allowed; config
//! mistakes are explained.

mod common;

use common::{belong, fixture, split_record};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
use std::fs;
use std::path::{Path, PathBuf};

const TABLES: [&str; 3] = ["participants", "assessments", "attendance"];

/// (header, rows) of a CSV file, in order.
fn read_table(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = fs::read_to_string(path).unwrap();
    let mut lines = text.lines().filter(|l| !l.is_empty());
    let header = split_record(lines.next().unwrap());
    (header, lines.map(split_record).collect())
}

fn is_date(text: &str) -> bool {
    text.len() == 10 && text.as_bytes()[4] == b'-' && text.as_bytes()[7] == b'-'
}

/// Runs a report with --min-cell 0 and returns estimates.csv.
fn estimates_of(data: &Path) -> String {
    let out = tempfile::tempdir().unwrap();
    let report = out.path().join("report");
    let assert = belong()
        .args(["report", "--quiet", "--min-cell", "0", "--out"])
        .arg(&report)
        .arg(data)
        .assert();
    let output = assert.get_output().clone();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    fs::read_to_string(report.join("estimates.csv")).unwrap()
}

/// Runs a report expecting failure; returns stderr and whether a report
/// folder was left.
fn failure_of(data: &Path) -> (String, bool) {
    let out = tempfile::tempdir().unwrap();
    let report = out.path().join("report");
    let output = belong()
        .args(["report", "--quiet", "--out"])
        .arg(&report)
        .arg(data)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "expected exit 1");
    (
        String::from_utf8_lossy(&output.stderr).into_owned(),
        report.exists(),
    )
}

fn small() -> PathBuf {
    fixture("small-ucla3")
}

/// small-ucla3's three tables, copied into `folder`.
fn copy_small(folder: &Path) {
    for table in TABLES {
        fs::copy(
            small().join(format!("{table}.csv")),
            folder.join(format!("{table}.csv")),
        )
        .unwrap();
    }
}

#[test]
fn excel_workbooks_give_the_same_estimates() {
    let expected = estimates_of(&small());
    let folder = tempfile::tempdir().unwrap();
    let date_format = Format::new().set_num_format("dd/mm/yyyy");
    for table in TABLES {
        let (header, rows) = read_table(&small().join(format!("{table}.csv")));
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        for (c, name) in header.iter().enumerate() {
            sheet.write_string(0, c as u16, name).unwrap();
        }
        for (r, row) in rows.iter().enumerate() {
            let r = r as u32 + 1;
            for (c, cell) in row.iter().enumerate() {
                let c = c as u16;
                if cell.is_empty() {
                    continue;
                }
                if is_date(cell) {
                    // Real Excel dates, as people's workbooks hold them.
                    let date = ExcelDateTime::parse_from_str(cell).unwrap();
                    sheet
                        .write_datetime_with_format(r, c, &date, &date_format)
                        .unwrap();
                } else if header[c as usize].starts_with("ucla3_") {
                    sheet
                        .write_number(r, c, cell.parse::<f64>().unwrap())
                        .unwrap();
                } else {
                    sheet.write_string(r, c, cell).unwrap();
                }
            }
        }
        workbook
            .save(folder.path().join(format!("{table}.xlsx")))
            .unwrap();
    }
    assert_eq!(estimates_of(folder.path()), expected);
}

/// A workbook as a CRM exports it: answers in words (numbers on some
/// rows), and dates that are real Excel dates on some rows and typed
/// day-first text on others.
#[test]
fn worded_answers_and_mixed_dates_in_a_workbook_give_the_same_estimates() {
    let expected = estimates_of(&small());
    let folder = tempfile::tempdir().unwrap();
    let date_format = Format::new().set_num_format("dd/mm/yyyy");
    let words = ["", "Hardly ever", "Some of the time", "OFTEN"];
    for table in TABLES {
        let (header, rows) = read_table(&small().join(format!("{table}.csv")));
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet().set_name(table).unwrap();
        for (c, name) in header.iter().enumerate() {
            sheet.write_string(0, c as u16, name).unwrap();
        }
        for (r, row) in rows.iter().enumerate() {
            let typed = r.is_multiple_of(3);
            let r = r as u32 + 1;
            for (c, cell) in row.iter().enumerate() {
                let c = c as u16;
                if cell.is_empty() {
                    continue;
                }
                if is_date(cell) && typed {
                    let day_first = format!("{}/{}/{}", &cell[8..10], &cell[5..7], &cell[0..4]);
                    sheet.write_string(r, c, day_first).unwrap();
                } else if is_date(cell) {
                    let date = ExcelDateTime::parse_from_str(cell).unwrap();
                    sheet
                        .write_datetime_with_format(r, c, &date, &date_format)
                        .unwrap();
                } else if header[c as usize].starts_with("ucla3_") && !r.is_multiple_of(4) {
                    let code: usize = cell.parse().unwrap();
                    sheet.write_string(r, c, words[code]).unwrap();
                } else {
                    sheet.write_string(r, c, cell).unwrap();
                }
            }
        }
        workbook
            .save(folder.path().join(format!("{table}.xlsx")))
            .unwrap();
    }
    fs::write(
        folder.path().join("belong.toml"),
        "date_format = \"day-first\"\n",
    )
    .unwrap();
    assert_eq!(estimates_of(folder.path()), expected);

    // Formats per table and per column read the same dates.
    fs::write(
        folder.path().join("belong.toml"),
        "[participants]\ndate_format = \"day-first\"\n[assessments]\ndate_formats = { assessed_on = \"day-first\" }\n[attendance]\ndate_format = \"dmy\"\n",
    )
    .unwrap();
    assert_eq!(estimates_of(folder.path()), expected);

    // A wording belong does not know names the sheet and the cell, and
    // lists the answers it accepts.
    let path = folder.path().join("assessments.xlsx");
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet().set_name("Surveys").unwrap();
    for (c, name) in ["participant_id", "wave", "ucla3_1", "ucla3_2", "ucla3_3"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, c as u16, *name).unwrap();
    }
    for (c, cell) in ["P0001", "baseline", "Often", "Quite often", "Often"]
        .iter()
        .enumerate()
    {
        sheet.write_string(1, c as u16, *cell).unwrap();
    }
    workbook.save(&path).unwrap();
    let (stderr, _) = failure_of(folder.path());
    assert!(
        stderr.contains(
            "assessments.xlsx, sheet \"Surveys\", cell D2: column ucla3_2: \"Quite often\""
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("1 hardly ever, 2 some of the time, 3 often"),
        "{stderr}"
    );
}

#[test]
fn day_first_semicolon_export_with_bom_and_na_gives_the_same_estimates() {
    let expected = estimates_of(&small());
    let folder = tempfile::tempdir().unwrap();
    for table in TABLES {
        let (header, rows) = read_table(&small().join(format!("{table}.csv")));
        let mut text = String::from("\u{feff}");
        text.push_str(&header.join(";"));
        text.push_str(";;\r\n");
        for row in rows {
            let cells: Vec<String> = row
                .iter()
                .map(|cell| {
                    if cell.is_empty() {
                        "N/A".to_string()
                    } else if is_date(cell) {
                        format!("{}/{}/{}", &cell[8..10], &cell[5..7], &cell[0..4])
                    } else {
                        cell.clone()
                    }
                })
                .collect();
            text.push_str(&cells.join(";"));
            text.push_str(";;\r\n");
        }
        fs::write(folder.path().join(format!("{table}.csv")), text).unwrap();
    }
    // Without saying how dates are written, the run stops and says which
    // key settles it.
    let (stderr, left) = failure_of(folder.path());
    assert!(stderr.contains("date_format"), "{stderr}");
    assert!(stderr.contains("column enrolled_on"), "{stderr}");
    assert!(!left);
    fs::write(
        folder.path().join("belong.toml"),
        "date_format = \"day-first\"\n",
    )
    .unwrap();
    assert_eq!(estimates_of(folder.path()), expected);
}

/// small-ucla3 with its columns renamed as an export would have them.
fn renamed_copy(folder: &Path) {
    let renames = [
        ("participant_id", "Client ID"),
        ("enrolled_on", "Start date"),
        ("cohort", "Intake"),
        ("wave", "Timepoint"),
        ("ucla3_1", "Q1 companionship"),
        ("ucla3_2", "Q2 left out"),
        ("ucla3_3", "Q3 isolated"),
        ("assessed_on", "Completed"),
        ("session_date", "Date"),
    ];
    for table in TABLES {
        let text = fs::read_to_string(small().join(format!("{table}.csv"))).unwrap();
        let (header, rest) = text.split_once('\n').unwrap();
        let header: Vec<String> = header
            .split(',')
            .map(|name| {
                renames
                    .iter()
                    .find(|(from, _)| *from == name)
                    .map_or(name.to_string(), |(_, to)| to.to_string())
            })
            .collect();
        fs::write(
            folder.join(format!("{table}.csv")),
            format!("{}\n{rest}", header.join(",")),
        )
        .unwrap();
    }
}

#[test]
fn renamed_columns_mapped_in_config_give_the_same_estimates() {
    let expected = estimates_of(&small());
    let folder = tempfile::tempdir().unwrap();
    renamed_copy(folder.path());
    fs::write(
        folder.path().join("belong.toml"),
        r#"
[participants]
columns = { participant_id = "Client ID", enrolled_on = "Start date", cohort = "Intake" }

[assessments]
columns = { participant_id = "Client ID", wave = "Timepoint", assessed_on = "Completed", ucla3_1 = "Q1 companionship", ucla3_2 = "Q2 left out", ucla3_3 = "Q3 isolated" }

[attendance]
columns = { participant_id = "Client ID", session_date = "Date" }
"#,
    )
    .unwrap();
    assert_eq!(estimates_of(folder.path()), expected);
    // A mapped column that is not there is named, with the closest one.
    let config = fs::read_to_string(folder.path().join("belong.toml")).unwrap();
    fs::write(
        folder.path().join("belong.toml"),
        config.replace("\"Q2 left out\"", "\"Q2 leftout\""),
    )
    .unwrap();
    let (stderr, _) = failure_of(folder.path());
    assert!(
        stderr.contains("no column \"Q2 leftout\" (did you mean \"Q2 left out\"?)"),
        "{stderr}"
    );
}

#[test]
fn identifying_columns_stop_the_run_unless_dropped_or_allowed() {
    let folder = tempfile::tempdir().unwrap();
    copy_small(folder.path());
    let path = folder.path().join("participants.csv");
    let text = fs::read_to_string(&path).unwrap();
    let mut lines = text.lines();
    let mut out = format!("{},contact\n", lines.next().unwrap());
    for (i, line) in lines.enumerate() {
        out.push_str(&format!("{line},person{i}@example.org\n"));
    }
    fs::write(&path, out).unwrap();
    let (stderr, left) = failure_of(folder.path());
    assert!(
        stderr.contains("column \"contact\" looks identifying (email addresses"),
        "{stderr}"
    );
    assert!(stderr.contains("drop = [\"contact\"]"), "{stderr}");
    assert!(!left);

    fs::write(
        folder.path().join("belong.toml"),
        "[participants]\ndrop = [\"contact\"]\n",
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let report = out.path().join("report");
    belong()
        .args(["report", "--quiet", "--out"])
        .arg(&report)
        .arg(folder.path())
        .assert()
        .success();
    // A dropped column's values reach no output at all, internal/ included.
    let mut stack = vec![report.clone()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let bytes = fs::read(&path).unwrap();
                let text = String::from_utf8_lossy(&bytes);
                assert!(!text.contains("@example.org"), "{}", path.display());
                // Only the manifest names it, recording the config.
                if !path.ends_with("manifest.json") {
                    assert!(!text.contains("contact"), "{}", path.display());
                }
            }
        }
    }
}

#[test]
fn misspelt_config_keys_get_a_suggestion() {
    let folder = tempfile::tempdir().unwrap();
    copy_small(folder.path());
    for (config, suggestion) in [
        ("min_cel = 5\n", "did you mean `min_cell`?"),
        ("[participants]\ncolumn = {}\n", "did you mean `columns`?"),
        ("date_format = \"dd-mm\"\n", "day-first"),
        ("outputs = [\"htm\"]\n", "did you mean \"html\"?"),
    ] {
        fs::write(folder.path().join("belong.toml"), config).unwrap();
        let output = belong()
            .args(["report", "--quiet"])
            .arg(folder.path())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{config}: {stderr}");
        assert!(stderr.contains(suggestion), "{config}: {stderr}");
        assert!(stderr.contains("belong.toml"), "{config}: {stderr}");
    }
    // A syntax error keeps its lines, so the caret points at the fault.
    fs::write(folder.path().join("belong.toml"), "min_cell = \n").unwrap();
    let output = belong()
        .args(["report", "--quiet"])
        .arg(folder.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert!(lines.len() >= 3, "{stderr}");
    assert!(
        lines.iter().any(|l| l.trim() == "|            ^"
            || l.trim_start().starts_with('|') && l.trim_end().ends_with('^')),
        "{stderr}"
    );
}

#[test]
fn outputs_choose_the_human_formats() {
    let folder = tempfile::tempdir().unwrap();
    copy_small(folder.path());
    fs::write(folder.path().join("belong.toml"), "outputs = [\"html\"]\n").unwrap();
    let out = tempfile::tempdir().unwrap();
    let report = out.path().join("report");
    belong()
        .args(["report", "--quiet", "--out"])
        .arg(&report)
        .arg(folder.path())
        .assert()
        .success();
    assert!(report.join("index.html").is_file());
    assert!(report.join("estimates.csv").is_file());
    assert!(report.join("tables/change_by_group.csv").is_file());
    assert!(!report.join("report.md").exists());
    assert!(!report.join("tables.xlsx").exists());
    assert!(!report.join("charts").exists());
}

#[test]
fn init_then_report_works_on_renamed_files_and_columns() {
    let expected = estimates_of(&small());
    let folder = tempfile::tempdir().unwrap();
    renamed_copy(folder.path());
    // Other file names and day-first dates, as an export might have.
    for (from, to) in [
        ("participants", "clients"),
        ("assessments", "surveys"),
        ("attendance", "register"),
    ] {
        let text = fs::read_to_string(folder.path().join(format!("{from}.csv"))).unwrap();
        let day_first: Vec<String> = text
            .lines()
            .map(|line| {
                split_record(line)
                    .into_iter()
                    .map(|cell| {
                        if is_date(&cell) {
                            format!("{}/{}/{}", &cell[8..10], &cell[5..7], &cell[0..4])
                        } else {
                            cell
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .collect();
        fs::write(
            folder.path().join(format!("{to}.csv")),
            day_first.join("\n") + "\n",
        )
        .unwrap();
        fs::remove_file(folder.path().join(format!("{from}.csv"))).unwrap();
    }
    belong().arg("init").arg(folder.path()).assert().success();
    let config = fs::read_to_string(folder.path().join("belong.toml")).unwrap();
    assert!(config.contains("date_format = \"day-first\""), "{config}");
    assert!(config.contains("file = \"surveys.csv\""), "{config}");
    // A second init does not overwrite the user's file.
    belong().arg("init").arg(folder.path()).assert().code(1);
    // The item columns were named by an export, not by instrument, so
    // init cannot know them: it names the tables and roles it found, and
    // the questionnaire items are mapped by hand here, as a user would.
    assert!(
        config.contains("# CHECK: no questionnaire columns recognised"),
        "{config}"
    );
    let estimates = if config.contains("\"Q1 companionship\"") {
        estimates_of(folder.path())
    } else {
        let mapped = config.replace(
            "wave = \"Timepoint\"",
            "wave = \"Timepoint\", ucla3_1 = \"Q1 companionship\", ucla3_2 = \"Q2 left out\", ucla3_3 = \"Q3 isolated\"",
        );
        fs::write(folder.path().join("belong.toml"), mapped).unwrap();
        estimates_of(folder.path())
    };
    assert_eq!(estimates, expected);
}

#[test]
fn init_recognises_instrument_columns_and_a_wide_sheet() {
    // Long tables with instrument-named item columns: no hand edits.
    let expected = estimates_of(&small());
    let folder = tempfile::tempdir().unwrap();
    renamed_copy(folder.path());
    let path = folder.path().join("assessments.csv");
    let text = fs::read_to_string(&path)
        .unwrap()
        .replacen("Q1 companionship", "UCLA 1", 1)
        .replacen("Q2 left out", "UCLA 2", 1)
        .replacen("Q3 isolated", "UCLA 3", 1);
    fs::write(&path, text).unwrap();
    belong().arg("init").arg(folder.path()).assert().success();
    assert_eq!(estimates_of(folder.path()), expected);

    // The most common nonprofit file: one row per person.
    let sheet = tempfile::tempdir().unwrap();
    let mut text = String::from("ID,Site,UCLA pre,UCLA post,Sessions attended\n");
    for i in 0..60 {
        let pre = 5 + i % 5;
        let post = pre - (i % 3) + i32::from(i % 7 == 0);
        let site = ["North", "South"][(i % 2) as usize];
        text.push_str(&format!("C{i:03},{site},{pre},{post},{}\n", i % 13));
    }
    fs::write(sheet.path().join("programme.csv"), text).unwrap();
    belong().arg("init").arg(sheet.path()).assert().success();
    let config = fs::read_to_string(sheet.path().join("belong.toml")).unwrap();
    assert!(config.contains("[wide]"), "{config}");
    assert!(config.contains("ucla3_total = \"UCLA pre\""), "{config}");
    assert!(
        config.contains("sessions = \"Sessions attended\""),
        "{config}"
    );
    let estimates = estimates_of(sheet.path());
    assert!(
        estimates.contains("ucla3,change,all,all,followup,,n_pairs,60"),
        "{estimates}"
    );
    assert!(
        estimates.contains("dose_response"),
        "sessions reach the dose-response analysis"
    );
}

#[test]
fn large_tables_read_in_slices_give_the_same_rows() {
    // Parquet is read in row slices, CSV in batches from polars' streaming
    // engine; both must keep every row, value and line of a whole read.
    for format in ["parquet", "csv"] {
        let folder = tempfile::tempdir().unwrap();
        belong()
            .args(["synth", "--participants", "60", "--format", format, "--out"])
            .arg(folder.path())
            .assert()
            .success();
        let instruments = belong::instruments::builtin();
        let whole =
            belong::ingest::ingest(folder.path(), &instruments, &Default::default()).unwrap();
        let sliced = belong::ingest::ingest(
            folder.path(),
            &instruments,
            &belong::ingest::IngestOptions {
                chunk_rows: 7,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(whole.sources.len(), sliced.sources.len());
        for (a, b) in whole.sources.iter().zip(&sliced.sources) {
            assert_eq!((&a.path, a.rows, &a.sha256), (&b.path, b.rows, &b.sha256));
        }
        assert_eq!(
            whole.assessments.participant_id, sliced.assessments.participant_id,
            "{format}"
        );
        assert_eq!(
            whole.assessments.origin, sliced.assessments.origin,
            "{format}"
        );
        let (whole, sliced) = (whole.attendance.unwrap(), sliced.attendance.unwrap());
        assert!(whole.len() > 100);
        assert_eq!(
            whole, sliced,
            "{format}: slices keep every row, value and line"
        );
    }
}

#[test]
fn a_broken_row_in_a_csv_read_in_batches_is_an_error_naming_the_file() {
    let folder = tempfile::tempdir().unwrap();
    belong()
        .args(["synth", "--participants", "30", "--format", "csv", "--out"])
        .arg(folder.path())
        .assert()
        .success();
    let attendance = folder.path().join("attendance.csv");
    let mut text = std::fs::read_to_string(&attendance).unwrap();
    text.push_str("P0001,2025-03-01,walking group,group,true,60,1,2,3\n");
    std::fs::write(&attendance, text).unwrap();
    let options = belong::ingest::IngestOptions {
        chunk_rows: 7,
        ..Default::default()
    };
    let error = belong::ingest::ingest(folder.path(), &belong::instruments::builtin(), &options)
        .expect_err("a ragged row is an error")
        .to_string();
    assert!(error.contains("attendance.csv"), "{error}");
}

#[test]
fn columns_converted_side_by_side_report_the_first_bad_column() {
    // Line 2 has a bad sessions count, line 3 a bad date: the date column
    // comes first in the order columns are checked, so it is the one named,
    // whichever conversion finishes first.
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(
        folder.path().join("participants.csv"),
        "participant_id,enrolled_on,sessions\nP1,2025-01-01,many\nP2,someday,3\n",
    )
    .unwrap();
    std::fs::write(
        folder.path().join("assessments.csv"),
        "participant_id,wave,ucla3_1,ucla3_2,ucla3_3\nP1,baseline,1,2,3\n",
    )
    .unwrap();
    for _ in 0..5 {
        let error = belong::ingest::ingest(
            folder.path(),
            &belong::instruments::builtin(),
            &Default::default(),
        )
        .expect_err("bad cells are an error")
        .to_string();
        assert!(error.contains("enrolled_on"), "{error}");
        assert!(error.contains("someday"), "{error}");
    }
}

/// A mistyped item (22 on a 1–4 item) or an unreadable one ("x") is one
/// missing answer, not a lost questionnaire: the total is prorated by the
/// instrument's rule (UCLA-20: up to 2 missing), the cells are listed in
/// internal/excluded_cells.csv and counted in data_quality.csv, and
/// `on_bad_cell = "stop"` stops at the cell instead.
#[test]
fn a_bad_item_cell_is_a_missing_answer_and_the_row_stays() {
    let folder = tempfile::tempdir().unwrap();
    let data = folder.path().join("data");
    belong()
        .args([
            "synth",
            "--participants",
            "60",
            "--instrument",
            "ucla20",
            "--out",
        ])
        .arg(&data)
        .assert()
        .success();
    let path = data.join("assessments.csv");
    let text = fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let header = split_record(&lines[0]);
    let item = |k: usize| {
        header
            .iter()
            .position(|h| *h == format!("ucla20_{k}"))
            .unwrap()
    };
    let mut row = split_record(&lines[3]);
    row[item(2)] = "22".into();
    row[item(7)] = "x".into();
    lines[3] = row.join(",");
    fs::write(&path, lines.join("\n") + "\n").unwrap();
    let out = folder.path().join("report");
    belong()
        .args(["report", "--quiet", "--out"])
        .arg(&out)
        .arg(&data)
        .assert()
        .success();
    let quality = fs::read_to_string(out.join("data_quality.csv")).unwrap();
    let rows = lines.len() - 1;
    assert!(
        quality.contains(&format!("assessments,read,{rows}")),
        "{quality}"
    );
    assert!(
        quality.contains(&format!("assessments,kept,{rows}")),
        "{quality}"
    );
    assert!(
        quality.contains("cells read as missing: response out of range,1"),
        "{quality}"
    );
    assert!(
        quality.contains("cells read as missing: unreadable response,1"),
        "{quality}"
    );
    let cells = fs::read_to_string(out.join("internal/excluded_cells.csv")).unwrap();
    assert_eq!(
        cells
            .lines()
            .skip(1)
            .map(|l| l.split(',').skip(2).collect::<Vec<_>>().join(","))
            .collect::<Vec<_>>(),
        [
            "4,ucla20_2,22,response out of range",
            "4,ucla20_7,x,unreadable response"
        ],
        "{cells}"
    );
    // Everyone is still analysed: the same people rest under every
    // estimate as in the data before the slip.
    let clean = tempfile::tempdir().unwrap();
    let clean_data = clean.path().join("data");
    belong()
        .args([
            "synth",
            "--participants",
            "60",
            "--instrument",
            "ucla20",
            "--out",
        ])
        .arg(&clean_data)
        .assert()
        .success();
    let estimates = |dir: &Path| fs::read_to_string(dir.join("estimates.csv")).unwrap();
    let (_guard, clean_out) = common::report_of(&clean_data);
    let rows_with_n = |text: &str| -> Vec<(String, String)> {
        let header = split_record(text.lines().next().unwrap());
        let n = header.iter().position(|h| h == "n").unwrap();
        text.lines()
            .skip(1)
            .map(|l| {
                let f = split_record(l);
                (f[..n].join("|"), f[n].clone())
            })
            .collect()
    };
    let (slipped, clean_rows) = (
        rows_with_n(&estimates(&out)),
        rows_with_n(&estimates(&clean_out)),
    );
    let n_of = |rows: &[(String, String)], key: &str| {
        rows.iter()
            .find(|(k, _)| k.starts_with(key))
            .map(|(_, n)| n.clone())
    };
    assert_eq!(
        n_of(&slipped, "mean_change,ucla20"),
        n_of(&clean_rows, "mean_change,ucla20")
    );

    fs::write(data.join("belong.toml"), "on_bad_cell = \"stop\"\n").unwrap();
    let (stderr, _) = failure_of(&data);
    assert!(
        stderr.contains("assessments.csv:4: column ucla20_2: \"22\" is not a response 1–4"),
        "{stderr}"
    );
}

/// `case_when = "at_or_below"` makes a low score the case (as for WHO-5
/// ≤ 12): the counts follow it, worked out here from the data.
#[test]
fn a_cut_off_can_make_a_low_score_the_case() {
    let folder = tempfile::tempdir().unwrap();
    let data = folder.path().join("data");
    fs::create_dir(&data).unwrap();
    for table in TABLES {
        let name = format!("{table}.csv");
        fs::copy(fixture("tiny-ucla3").join(&name), data.join(&name)).unwrap();
    }
    fs::write(
        data.join("belong.toml"),
        "[[instruments]]\nid = \"ucla3\"\ncutoff = 4\ncase_when = \"at_or_below\"\nsource = \"a test\"\n",
    )
    .unwrap();
    let (_, rows) = read_table(&data.join("assessments.csv"));
    let total =
        |row: &Vec<String>| -> u32 { row[3..6].iter().map(|c| c.parse::<u32>().unwrap()).sum() };
    let mut baseline = std::collections::BTreeMap::new();
    let mut followup = std::collections::BTreeMap::new();
    for row in &rows {
        let side = if row[1] == "baseline" {
            &mut baseline
        } else {
            &mut followup
        };
        side.insert(row[0].clone(), total(row));
    }
    let pairs: Vec<(u32, u32)> = baseline
        .iter()
        .filter_map(|(id, b)| followup.get(id).map(|f| (*b, *f)))
        .collect();
    let cases_before = pairs.iter().filter(|(b, _)| *b <= 4).count();
    let cases_after = pairs.iter().filter(|(_, f)| *f <= 4).count();
    assert!(cases_before != cases_after || cases_before > 0);

    let estimates = estimates_of(&data);
    let value = |stat: &str| -> String {
        let header = split_record(estimates.lines().next().unwrap());
        let column = |name: &str| header.iter().position(|h| h == name).unwrap();
        estimates
            .lines()
            .map(split_record)
            .find(|f| f[column("estimate")] == stat && f[column("group_by")] == "all")
            .map(|f| f[column("value")].clone())
            .unwrap()
    };
    assert_eq!(value("n_cases_baseline"), cases_before.to_string());
    assert_eq!(value("n_cases_followup"), cases_after.to_string());
    let (_temp, out) = common::report_of(&data);
    let methods = fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        methods.contains("total ≤ 4, a test"),
        "the methods say the rule"
    );
}

/// A survey tool's two extra header rows (question texts, ImportIds) are
/// headers, not records, whether the file is read whole or in batches:
/// the first record is line 4.
#[test]
fn survey_tool_header_rows_are_not_records() {
    let folder = tempfile::tempdir().unwrap();
    let mut text = String::from("participant_id,wave,ucla3_1,ucla3_2,ucla3_3\n");
    text.push_str("Client,Timepoint,Lack companionship?,Left out?,Isolated?\n");
    text.push_str("\"{\"\"ImportId\"\":\"\"a\"\"}\",\"{\"\"ImportId\"\":\"\"b\"\"}\",\"{\"\"ImportId\"\":\"\"QID1\"\"}\",\"{\"\"ImportId\"\":\"\"QID2\"\"}\",\"{\"\"ImportId\"\":\"\"QID3\"\"}\"\n");
    for i in 0..20 {
        for wave in ["baseline", "week12"] {
            text.push_str(&format!(
                "P{i:02},{wave},Often,Some of the time,{}\n",
                1 + i % 3
            ));
        }
    }
    fs::write(folder.path().join("assessments.csv"), text).unwrap();
    let instruments = belong::instruments::builtin();
    let whole = belong::ingest::ingest(folder.path(), &instruments, &Default::default()).unwrap();
    let sliced = belong::ingest::ingest(
        folder.path(),
        &instruments,
        &belong::ingest::IngestOptions {
            chunk_rows: 7,
            ..Default::default()
        },
    )
    .unwrap();
    for ingested in [&whole, &sliced] {
        assert_eq!(ingested.assessments.len(), 40);
        assert_eq!(ingested.assessments.origin[0].line(), 4);
        assert_eq!(ingested.sources[0].rows, 40);
        assert_eq!(ingested.assessments.instruments[0].items[0][0], Some(3));
    }
    assert_eq!(whole.assessments.origin, sliced.assessments.origin);
}

/// `cohort_from = "enrolled_on:quarter"` derives the cohort from the
/// enrolment date: small-ucla3's cohorts (2024-autumn, 2025-spring) are
/// its enrolment quarters, so the derived cohorts give the same estimates.
#[test]
fn a_cohort_can_be_derived_from_the_enrolment_date() {
    let folder = tempfile::tempdir().unwrap();
    copy_small(folder.path());
    let path = folder.path().join("participants.csv");
    let (header, rows) = read_table(&path);
    let cohort = header.iter().position(|h| h == "cohort").unwrap();
    let without = |row: &Vec<String>| {
        let mut row = row.clone();
        row.remove(cohort);
        row.join(",")
    };
    let mut text = without(&header) + "\n";
    for row in &rows {
        text.push_str(&(without(row) + "\n"));
    }
    fs::write(&path, text).unwrap();
    fs::write(
        folder.path().join("belong.toml"),
        "cohort_from = \"enrolled_on:quarter\"\n",
    )
    .unwrap();
    let derived = estimates_of(folder.path());
    let original = estimates_of(&small());
    let renamed = original
        .replace("2024-autumn", "2024-Q3")
        .replace("2025-spring", "2025-Q1");
    let cohort_rows = |text: &str| -> Vec<String> {
        text.lines()
            // Bootstrap streams are seeded by the group's label, so their
            // intervals differ with the name.
            .filter(|l| l.contains(",cohort,") && !l.contains("moderator"))
            .filter(|l| !l.contains("bootstrap") && !l.contains("d_av's interval"))
            .map(str::to_string)
            .collect()
    };
    let (derived_rows, renamed_rows) = (cohort_rows(&derived), cohort_rows(&renamed));
    assert!(!derived_rows.is_empty());
    let differing: Vec<&String> = derived_rows
        .iter()
        .filter(|row| !renamed_rows.contains(row))
        .take(3)
        .collect();
    assert!(differing.is_empty(), "{differing:?}");
    assert_eq!(derived_rows.len(), renamed_rows.len());
    fs::write(
        folder.path().join("belong.toml"),
        "cohort_from = \"enrolled_on:week\"\n",
    )
    .unwrap();
    let (stderr, _) = failure_of(folder.path());
    assert!(stderr.contains("enrolled_on:quarter"), "{stderr}");
}

/// numeric-bands copied into a temporary folder, with `config` as its
/// belong.toml.
fn bands_copy(config: &str) -> (tempfile::TempDir, PathBuf) {
    let temp = tempfile::tempdir().unwrap();
    let data = temp.path().join("data");
    fs::create_dir(&data).unwrap();
    for table in TABLES {
        fs::copy(
            fixture("numeric-bands").join(format!("{table}.csv")),
            data.join(format!("{table}.csv")),
        )
        .unwrap();
    }
    fs::write(data.join("belong.toml"), config).unwrap();
    (temp, data)
}

#[test]
fn banded_columns_are_shown_in_the_order_of_their_bands() {
    let (temp, data) =
        bands_copy("[bands]\nage = [\"<18\", \"18-49\", \"50-64\", \"65-74\", \"75+\"]\n");
    let out = temp.path().join("report");
    let output = belong()
        .args(["report", "--quiet", "--out"])
        .arg(&out)
        .arg(&data)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let table1 = fs::read_to_string(out.join("tables/table1.csv")).unwrap();
    // The rows of the age section (age_band has labels of its own).
    let rows: Vec<&str> = table1
        .lines()
        .skip_while(|line| !line.starts_with("\"age, n (%)\""))
        .take_while(|line| !line.starts_with("months_referred"))
        .map(|line| line.split(',').next().unwrap())
        .collect();
    let at = |label: &str| {
        rows.iter()
            .position(|r| *r == label)
            .unwrap_or_else(|| panic!("{label}: {table1}"))
    };
    // The order listed, "<18" left out as no one is in it, missing last.
    assert!(at("18-49") < at("50-64") && at("50-64") < at("65-74") && at("65-74") < at("75+"));
    assert!(at("75+") < at("missing"), "{table1}");
    assert!(!rows.contains(&"<18"), "{table1}");
    // The exact ages are no longer summarised as numbers.
    let estimates = fs::read_to_string(out.join("estimates.csv")).unwrap();
    assert!(!estimates.contains("\nage,baseline_characteristics,all,all,,,mean,"));
    assert!(
        estimates.contains("\nage,baseline_characteristics,all,all,,18-49,n_in_category,47,"),
        "{estimates}"
    );
}

#[test]
fn band_mistakes_are_refused_naming_the_setting_or_the_cell() {
    // A value in no band names its file, line and column.
    let (_temp, data) = bands_copy("[bands]\nage = [\"18-49\", \"50-64\"]\n");
    let (stderr, left) = failure_of(&data);
    assert!(
        stderr.contains("participants.csv")
            && stderr.contains("column age")
            && stderr.contains("bands.age (18-49, 50-64)")
            && stderr.contains("participants.csv:3:"),
        "{stderr}"
    );
    assert!(!left, "no report is written");
    // Overlapping bands, a label that is not a band, and a column the
    // table lacks.
    for (config, expected) in [
        (
            "[bands]\nage = [\"18-50\", \"50-64\"]\n",
            "\"18-50\" and \"50-64\" overlap",
        ),
        (
            "[bands]\nage = [\"young\", \"old\"]\n",
            "\"young\" is not a band",
        ),
        (
            "[bands]\nweight = [\"<60\", \"60+\"]\n",
            "bands.weight in belong.toml names a column the participants table does not have",
        ),
        (
            "[bands]\nparticipant_id = [\"<60\", \"60+\"]\n",
            "bands.participant_id",
        ),
    ] {
        let (_temp, data) = bands_copy(config);
        let (stderr, _) = failure_of(&data);
        assert!(stderr.contains(expected), "{config}: {stderr}");
    }
}
