//! The binary, run end to end in temporary folders: exit codes, error
//! messages, atomic report folders, determinism and the bundled sample.

mod common;

use common::{belong, fixture, read_csv, report_of};
use std::fs;
use std::path::{Path, PathBuf};

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.path().is_file() {
            fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample")
}

/// `[labels]` name columns and levels where people read them; the
/// machine files keep the data's names.
#[test]
fn labels_name_columns_and_levels_in_tables_but_not_in_estimates() {
    let temp = tempfile::tempdir().unwrap();
    let data = temp.path().join("data");
    copy_dir(&sample(), &data);
    let mut config = fs::read_to_string(data.join("belong.toml")).unwrap();
    config.push_str(
        "\n[labels]\nlives_alone = { label = \"Lives alone\", levels = { true = \"Yes\", false = \"No\" } }\narm = { levels = { intervention = \"Walk and Talk\" } }\n",
    );
    fs::write(data.join("belong.toml"), config).unwrap();
    let out = temp.path().join("report");
    belong()
        .args(["report", "--quiet", "--out"])
        .arg(&out)
        .arg(&data)
        .assert()
        .success();
    let table1 = fs::read_to_string(out.join("tables/table1.csv")).unwrap();
    assert!(table1.starts_with("characteristic,everyone,arm: comparison,arm: Walk and Talk"));
    assert!(table1.contains("\"Lives alone, n (%)\""), "{table1}");
    assert!(table1.contains("\nYes,113 (47.1%)"), "{table1}");
    let markdown = fs::read_to_string(out.join("report.md")).unwrap();
    assert!(markdown.contains("**by Lives alone**"));
    assert!(markdown.contains("| Lives alone = Yes |"));
    assert!(markdown.contains("did not differ clearly by cohort, site, age_band, Lives alone"));
    assert!(
        markdown
            .contains("to resemble the Walk and Talk arm on baseline score, age_band, Lives alone"),
        "{markdown}"
    );
    let chart = fs::read_to_string(out.join("charts/differences_ucla3.svg")).unwrap();
    assert!(chart.contains("arm: Walk and Talk − comparison"), "{chart}");
    let estimates = fs::read_to_string(out.join("estimates.csv")).unwrap();
    assert!(!estimates.contains("Lives alone") && !estimates.contains("Walk and Talk"));
    assert!(estimates.contains(",lives_alone,true,"));

    // A label on two lines is refused with its key, before any work.
    let mut config = fs::read_to_string(data.join("belong.toml")).unwrap();
    config.push_str("site = { levels = { Eastfield = \"East\\nfield\" } }\n");
    fs::write(data.join("belong.toml"), config).unwrap();
    let output = belong()
        .args(["report", "--quiet", "--out"])
        .arg(temp.path().join("other"))
        .arg(&data)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("labels.site.levels.Eastfield"));
}

/// #19: `disclosure = "round"` (or `--disclosure round`) shows the men of
/// each arm, which suppression withholds only to protect a handful of
/// non-binary people, as rounded counts with percentages of them; the
/// small cells stay withheld, totals stay exact, and the report says so.
#[test]
fn rounding_shows_counts_suppression_would_withhold() {
    let temp = tempfile::tempdir().unwrap();
    let data = temp.path().join("data");
    copy_dir(&sample(), &data);
    let run = |out: &Path, flags: &[&str]| {
        belong()
            .args(["report", "--quiet", "--out"])
            .arg(out)
            .args(flags)
            .arg(&data)
            .assert()
            .success();
        fs::read_to_string(out.join("tables/table1.csv")).unwrap()
    };
    let suppressed = run(&temp.path().join("suppressed"), &[]);
    assert!(
        suppressed.contains("\nmale,106 (44.2%),[c],[c]\n"),
        "{suppressed}"
    );
    let rounded_out = temp.path().join("rounded");
    let rounded = run(&rounded_out, &["--disclosure", "round"]);
    assert!(
        rounded.contains("\nmale,105 (43.8%),20 (29.0%),85 (49.7%)\n"),
        "{rounded}"
    );
    assert!(
        rounded.contains("\nnon-binary,10 (4.2%),[c],[c]\n"),
        "{rounded}"
    );
    assert!(rounded.contains("\npeople,240,69,171\n"), "{rounded}");
    // Every open count of people is a multiple of 5 (or none or all).
    for row in read_csv(&rounded_out.join("estimates.csv")) {
        if row["estimate"] == "n_in_category" && row["suppressed"] == "false" {
            let value: f64 = row["value"].parse().unwrap();
            assert!(value % 5.0 == 0.0 || row["value"] == row["n"], "{row:?}");
        }
    }
    let manifest = fs::read_to_string(rounded_out.join("manifest.json")).unwrap();
    assert!(manifest.contains("\"disclosure\": \"round\""), "{manifest}");
    let markdown = fs::read_to_string(rounded_out.join("report.md")).unwrap();
    assert!(markdown.contains("every other count of people is rounded to the nearest 5"));
    assert!(markdown.contains("Counts of people are rounded to the nearest 5"));

    // The same from belong.toml; an unknown method is refused naming it.
    let config = fs::read_to_string(data.join("belong.toml")).unwrap();
    fs::write(
        data.join("belong.toml"),
        format!("disclosure = \"round\"\n{config}"),
    )
    .unwrap();
    assert_eq!(run(&temp.path().join("from_config"), &[]), rounded);
    fs::write(
        data.join("belong.toml"),
        format!("disclosure = \"rnd\"\n{config}"),
    )
    .unwrap();
    let output = belong()
        .args(["report", "--quiet", "--out"])
        .arg(temp.path().join("refused"))
        .arg(&data)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("disclosure") && stderr.contains("`suppress` or `round`"),
        "{stderr}"
    );
}

/// With `on_bad_cell = "stop"`, an unreadable answer stops the run with
/// one line naming the cell (by default it is a missing answer instead;
/// tests/inputs.rs).
#[test]
fn letter_in_item_column_is_a_one_line_error_and_leaves_no_report() {
    let temp = tempfile::tempdir().unwrap();
    let data = temp.path().join("data");
    copy_dir(&fixture("tiny-ucla3"), &data);
    fs::write(data.join("belong.toml"), "on_bad_cell = \"stop\"\n").unwrap();
    let path = data.join("assessments.csv");
    let text = fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    // line 5 of the file, column ucla3_2
    let mut fields: Vec<String> = lines[4].split(',').map(str::to_string).collect();
    fields[4] = "x".into();
    lines[4] = fields.join(",");
    fs::write(&path, lines.join("\n") + "\n").unwrap();

    let out = temp.path().join("report");
    let assert = belong()
        .args(["report", "--quiet", "--out"])
        .arg(&out)
        .arg(&data)
        .assert()
        .code(1);
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("assessments.csv:5: column ucla3_2: \"x\""),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!out.exists());
    let leftovers: Vec<_> = fs::read_dir(temp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        leftovers.len(),
        1,
        "only the data folder remains: {leftovers:?}"
    );
}

#[test]
fn synth_is_deterministic_for_a_seed() {
    let temp = tempfile::tempdir().unwrap();
    for name in ["a", "b"] {
        belong()
            .args([
                "synth",
                "--participants",
                "150",
                "--seed",
                "7",
                "--comparison-arm",
                "--out",
            ])
            .arg(temp.path().join(name))
            .assert()
            .success();
    }
    for table in ["participants.csv", "assessments.csv", "attendance.csv"] {
        let a = fs::read(temp.path().join("a").join(table)).unwrap();
        let b = fs::read(temp.path().join("b").join(table)).unwrap();
        assert!(a == b, "{table} differs between runs");
    }
    belong()
        .args(["synth", "--participants", "150", "--seed", "8", "--out"])
        .arg(temp.path().join("c"))
        .assert()
        .success();
    let a = fs::read(temp.path().join("a/assessments.csv")).unwrap();
    let c = fs::read(temp.path().join("c/assessments.csv")).unwrap();
    assert!(a != c, "another seed gives other data");
}

#[test]
fn bundled_sample_is_realistic() {
    let rows = read_csv(&sample().join("assessments.csv"));
    let items: Vec<Vec<f64>> = rows
        .iter()
        .filter(|r| r["wave"] == "baseline")
        .filter_map(|r| {
            (1..=3)
                .map(|k| r[&format!("ucla3_{k}")].parse::<f64>().ok())
                .collect::<Option<Vec<f64>>>()
        })
        .collect();
    let (alpha, _) = belong::stats::reliability::cronbach_alpha(&items).unwrap();
    assert!((0.7..=0.9).contains(&alpha), "baseline alpha {alpha}");

    let (_temp, out) = report_of(sample());
    let estimates = read_csv(&out.join("estimates.csv"));
    let change = estimates
        .iter()
        .find(|r| {
            r["analysis"] == "change"
                && r["group"] == "intervention"
                && r["estimate"] == "mean_change"
        })
        .expect("intervention mean change");
    let value: f64 = change["value"].parse().unwrap();
    assert!(value < 0.0, "intervention mean change {value}");
    for file in [
        "estimates.csv",
        "estimates.parquet",
        "manifest.json",
        "index.html",
        "report.md",
        "data_quality.csv",
        "tables.xlsx",
        "report.docx",
        "charts/mean_change_ucla3.svg",
        "charts/mean_change_ucla3.png",
    ] {
        assert!(out.join(file).is_file(), "{file}");
    }
    let png = fs::read(out.join("charts/mean_change_ucla3.png")).unwrap();
    assert_eq!(&png[1..4], b"PNG");
    // Print resolution: 2.5 pixels per SVG unit, at least 1600 wide.
    let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
    assert!(width >= 1600, "PNG {width} px wide");
}

#[test]
fn output_does_not_depend_on_thread_count() {
    let temp = tempfile::tempdir().unwrap();
    for threads in ["1", "2"] {
        belong()
            .args(["report", "--quiet", "--threads", threads, "--out"])
            .arg(temp.path().join(threads))
            .arg(fixture("small-ucla3"))
            .assert()
            .success();
    }
    for file in ["estimates.csv", "data_quality.csv", "index.html"] {
        let one = fs::read(temp.path().join("1").join(file)).unwrap();
        let two = fs::read(temp.path().join("2").join(file)).unwrap();
        assert!(one == two, "{file} differs between 1 and 2 threads");
    }
}

#[test]
fn validate_prints_the_account_and_fails_when_nothing_can_be_analysed() {
    let assert = belong()
        .arg("validate")
        .arg(fixture("tiny-ucla3"))
        .assert()
        .success();
    let stdout = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    assert!(
        stdout.contains("assessments  read       43  kept       43"),
        "{stdout}"
    );

    let temp = tempfile::tempdir().unwrap();
    let data = temp.path().join("data");
    copy_dir(&fixture("tiny-ucla3"), &data);
    let path = data.join("assessments.csv");
    let baseline_only: String = fs::read_to_string(&path)
        .unwrap()
        .lines()
        .filter(|l| !l.contains("week12"))
        .map(|l| format!("{l}\n"))
        .collect();
    fs::write(&path, baseline_only).unwrap();
    belong().arg("validate").arg(&data).assert().code(1);
}

#[test]
fn excluded_rows_are_accounted_for() {
    let temp = tempfile::tempdir().unwrap();
    let data = temp.path().join("data");
    copy_dir(&fixture("tiny-ucla3"), &data);
    let path = data.join("assessments.csv");
    let mut text = fs::read_to_string(&path).unwrap();
    text.push_str("P0001,baseline,2025-03-29,1,1,1\n"); // exact duplicate of line 2
    text.push_str("P0003,baseline,2025-03-29,1,1,1\n"); // duplicate (participant, wave)
    text.push_str("X999,baseline,2025-03-29,1,1,1\n"); // unknown participant
    text.push_str("P0002,week99,2025-03-29,1,7,1\n"); // a cell out of range
    fs::write(&path, text).unwrap();
    let out = temp.path().join("report");
    belong()
        .args(["report", "--quiet", "--out"])
        .arg(&out)
        .arg(&data)
        .assert()
        .success();
    let quality = fs::read_to_string(out.join("data_quality.csv")).unwrap();
    assert!(quality.contains("assessments,read,47"), "{quality}");
    assert!(quality.contains("assessments,kept,43"), "{quality}");
    assert!(quality.contains("excluded: exact duplicate,1"), "{quality}");
    assert!(
        quality.contains("\"excluded: duplicate (participant, wave)\",2"),
        "{quality}"
    );
    assert!(
        quality.contains("excluded: unknown participant,1"),
        "{quality}"
    );
    // The out-of-range answer is a missing cell; its row stays.
    assert!(
        quality.contains("cells read as missing: response out of range,1"),
        "{quality}"
    );
    let excluded = read_csv(&out.join("internal/excluded_rows.csv"));
    assert_eq!(excluded.len(), 4);
    let cells = read_csv(&out.join("internal/excluded_cells.csv"));
    assert_eq!(cells.len(), 1);
    assert_eq!(
        (
            cells[0]["line"].as_str(),
            cells[0]["column"].as_str(),
            cells[0]["found"].as_str()
        ),
        ("48", "ucla3_2", "7")
    );
    // The copy is excluded and the first row is kept: the intake score of
    // P0001 is not lost.
    assert!(excluded
        .iter()
        .any(|r| r["line"] == "45" && r["detail"] == "exact duplicate of line 2"));
    assert!(!excluded.iter().any(|r| r["line"] == "2"));
}

#[test]
fn folder_of_parts_with_hive_partitions_keeps_leading_zeros() {
    let temp = tempfile::tempdir().unwrap();
    let data = temp.path().join("data");
    fs::create_dir_all(data.join("assessments/wave=baseline")).unwrap();
    fs::create_dir_all(data.join("assessments/wave=week12")).unwrap();
    let mut participants = String::from("participant_id,cohort\n");
    let mut baseline = String::from("participant_id,ucla3_1,ucla3_2,ucla3_3\n");
    let mut followup = baseline.clone();
    for i in 0..12 {
        participants.push_str(&format!("00{i},c{}\n", i % 2));
        baseline.push_str(&format!("00{i},3,{},2\n", 1 + i % 3));
        followup.push_str(&format!("00{i},2,{},1\n", 1 + (i + 1) % 3));
    }
    fs::write(data.join("participants.csv"), participants).unwrap();
    fs::write(data.join("assessments/wave=baseline/part-0.csv"), baseline).unwrap();
    fs::write(data.join("assessments/wave=week12/part-0.csv"), followup).unwrap();
    let out = temp.path().join("report");
    belong()
        .args(["report", "--quiet", "--out"])
        .arg(&out)
        .arg(&data)
        .assert()
        .success();
    let estimates = read_csv(&out.join("estimates.csv"));
    let pairs = estimates
        .iter()
        .find(|r| r["estimate"] == "n_pairs" && r["group"] == "all")
        .unwrap();
    assert_eq!(pairs["value"], "12", "ids 000..0011 stay distinct strings");
}

#[test]
fn instruments_lists_the_registry_with_sources() {
    let assert = belong().arg("instruments").assert().success();
    let stdout = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    for id in [
        "ucla3",
        "ucla20",
        "djg6",
        "djg11",
        "ons_lonely",
        "cel3",
        "swemwbs",
    ] {
        assert!(stdout.contains(id), "{id}");
    }
    assert!(stdout.contains("Russell (1996)"));
}

#[test]
fn usage_errors_exit_2() {
    belong()
        .arg("report")
        .arg("--no-such-flag")
        .assert()
        .code(2);
    let temp = tempfile::tempdir().unwrap();
    let assert = belong()
        .args(["synth", "--format", "xml", "--out"])
        .arg(temp.path())
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(
        stderr.contains("possible values: csv, parquet, both"),
        "{stderr}"
    );
}

#[test]
fn byte_order_mark_and_crlf_are_read() {
    let temp = tempfile::tempdir().unwrap();
    let data = temp.path().join("data");
    copy_dir(&fixture("tiny-ucla3"), &data);
    for table in ["participants.csv", "assessments.csv"] {
        let path = data.join(table);
        let text = fs::read_to_string(&path).unwrap().replace('\n', "\r\n");
        fs::write(&path, format!("\u{feff}{text}")).unwrap();
    }
    let plain = temp.path().join("plain");
    let marked = temp.path().join("marked");
    belong()
        .args(["report", "--quiet", "--out"])
        .arg(&plain)
        .arg(fixture("tiny-ucla3"))
        .assert()
        .success();
    belong()
        .args(["report", "--quiet", "--out"])
        .arg(&marked)
        .arg(&data)
        .assert()
        .success();
    assert_eq!(
        fs::read_to_string(plain.join("estimates.csv")).unwrap(),
        fs::read_to_string(marked.join("estimates.csv")).unwrap()
    );
}

#[test]
fn unknown_config_key_is_an_error_naming_the_file() {
    let temp = tempfile::tempdir().unwrap();
    let data = temp.path().join("data");
    copy_dir(&fixture("tiny-ucla3"), &data);
    fs::write(data.join("belong.toml"), "min_cel = 5\n").unwrap();
    let assert = belong().arg("validate").arg(&data).assert().code(1);
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(
        stderr.contains("belong.toml") && stderr.contains("min_cel"),
        "{stderr}"
    );
    assert!(
        stderr.contains("min_cell"),
        "the message lists the valid keys: {stderr}"
    );
}

#[test]
fn small_cells_are_suppressed_by_default() {
    let (_temp, out) = report_of(fixture("tiny-ucla3"));
    let rows = read_csv(&out.join("estimates.csv"));
    let suppressed: Vec<_> = rows.iter().filter(|r| r["suppressed"] == "true").collect();
    assert!(
        !suppressed.is_empty(),
        "tiny-ucla3 has groups below 10 people"
    );
    for row in &suppressed {
        for column in ["value", "ci_low", "ci_high", "se", "p_value", "p_adjusted"] {
            assert_eq!(row[column], "", "{row:?}");
        }
    }
    // Every estimate resting on fewer than 10 people is blank, and so is
    // its n.
    for row in &rows {
        match row["n"].parse::<usize>() {
            Ok(n) => assert!(n == 0 || n >= 10, "{row:?}"),
            Err(_) => assert_eq!(row["suppressed"], "true", "{row:?}"),
        }
    }
}

/// Runs `belong report` on a copy of tiny-ucla3 changed by `edit`; returns
/// the exit code, stderr, and whether a report folder was left behind.
fn report_on_edited_copy(edit: impl Fn(&Path)) -> (i32, String, bool) {
    let temp = tempfile::tempdir().unwrap();
    let data = temp.path().join("data");
    copy_dir(&fixture("tiny-ucla3"), &data);
    edit(&data);
    let out = temp.path().join("report");
    let output = belong()
        .args(["report", "--quiet", "--out"])
        .arg(&out)
        .arg(&data)
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr).into_owned(),
        out.exists(),
    )
}

#[test]
fn malformed_csv_gets_a_one_line_error_naming_the_line() {
    let append = |line: &'static str| {
        move |data: &Path| {
            let path = data.join("assessments.csv");
            let mut text = fs::read_to_string(&path).unwrap();
            text.push_str(line);
            fs::write(&path, text).unwrap();
        }
    };
    for (edit, expected) in [
        (
            append("P0001,baseline,2025-01-01,1,2,3,4,5\n"),
            "assessments.csv:45: column (whole row): \"8 fields\"",
        ),
        (
            append("P0001,\"baseline,2025-01-01,1,2,3\n"),
            "assessments.csv:45",
        ),
    ] {
        let (code, stderr, left_behind) = report_on_edited_copy(edit);
        assert_eq!(code, 1, "{stderr}");
        assert!(stderr.contains(expected), "{stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
        assert!(!left_behind);
    }
}

#[test]
fn non_utf8_file_is_named_with_its_line() {
    let (code, stderr, left_behind) = report_on_edited_copy(|data| {
        fs::write(
            data.join("participants.csv"),
            b"participant_id,cohort\nP0001,Caf\xe9\n",
        )
        .unwrap();
    });
    assert_eq!(code, 1);
    assert!(
        stderr.contains("participants.csv: cannot read this table: line 2 is not UTF-8"),
        "{stderr}"
    );
    assert!(!left_behind);
}

#[test]
fn semicolon_and_tab_delimited_files_give_the_same_estimates() {
    let temp = tempfile::tempdir().unwrap();
    let plain = temp.path().join("plain");
    belong()
        .args(["report", "--quiet", "--out"])
        .arg(&plain)
        .arg(fixture("tiny-ucla3"))
        .assert()
        .success();
    for (index, delimiter) in [";", "\t"].into_iter().enumerate() {
        let data = temp.path().join(format!("data{index}"));
        copy_dir(&fixture("tiny-ucla3"), &data);
        for table in ["participants.csv", "assessments.csv", "attendance.csv"] {
            let path = data.join(table);
            let text = fs::read_to_string(&path).unwrap().replace(',', delimiter);
            fs::write(&path, text).unwrap();
        }
        let out = temp.path().join(format!("out{index}"));
        belong()
            .args(["report", "--quiet", "--out"])
            .arg(&out)
            .arg(&data)
            .assert()
            .success();
        assert_eq!(
            fs::read_to_string(plain.join("estimates.csv")).unwrap(),
            fs::read_to_string(out.join("estimates.csv")).unwrap(),
            "delimiter {delimiter:?}"
        );
    }
}

fn files_below(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files_below(&path, found);
        } else {
            found.push(path);
        }
    }
}

#[test]
fn no_participant_id_leaves_internal() {
    let (_temp, out) = report_of(sample());
    let ids: Vec<String> = read_csv(&sample().join("participants.csv"))
        .into_iter()
        .map(|r| r["participant_id"].clone())
        .collect();
    let mut files = Vec::new();
    files_below(&out, &mut files);
    let published: Vec<&PathBuf> = files
        .iter()
        .filter(|p| !p.starts_with(out.join("internal")))
        .collect();
    assert!(published.len() >= 10, "{published:?}");
    for path in published {
        let bytes = fs::read(path).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        for id in &ids {
            assert!(
                !text.contains(id.as_str()),
                "{id} appears in {}",
                path.display()
            );
        }
    }
    let panel = fs::read(out.join("internal/panel.parquet")).unwrap();
    assert!(
        String::from_utf8_lossy(&panel).contains("P0001"),
        "the panel does hold ids"
    );
}

#[test]
fn tables_are_written_as_csv_and_xlsx() {
    let (_temp, out) = report_of(sample());
    for table in [
        "participant_flow",
        "baseline_characteristics",
        "change_by_group",
        "reliable_change",
        "caseness",
        "participation",
        "dose_response",
        "comparisons",
        "attrition",
        "distributions",
        "attendance_by_week",
        "data_quality",
    ] {
        assert!(out.join(format!("tables/{table}.csv")).is_file(), "{table}");
    }
    let xlsx = fs::read(out.join("tables.xlsx")).unwrap();
    assert_eq!(&xlsx[..2], b"PK", "xlsx is a zip container");
    let flow = read_csv(&out.join("tables/participant_flow.csv"));
    assert_eq!(flow[0]["people"], "240");
    // Regression (#20, "the markers tell"): a small count and the count
    // blanked so that it cannot be recovered read the same marker; "<10"
    // beside "withheld" told which of the two was the small one.
    let reliable = read_csv(&out.join("tables/reliable_change.csv"));
    // The intervention arm: 6 deteriorated (small), and no change withheld
    // so that 114 − 35 − no change cannot give the 6 back.
    let arm = reliable
        .iter()
        .find(|r| r["group"] == "intervention")
        .unwrap();
    let estimates = read_csv(&out.join("estimates.csv"));
    let find = |name: &str| {
        estimates
            .iter()
            .find(|r| {
                r["analysis"] == "reliable_change"
                    && r["group"] == "intervention"
                    && r["estimate"] == name
            })
            .unwrap()
    };
    assert_eq!(arm["improved"], find("n_improved")["value"]);
    assert_eq!(find("n_no_change")["suppressed"], "true");
    assert_eq!(find("n_deteriorated")["suppressed"], "true");
    assert_eq!(arm["no change"], "[c]");
    assert_eq!(arm["deteriorated"], "[c]");
    // A level whose n was withheld so that a small level could not be
    // worked out (some 80 women) reads as the small level does.
    let for_whom = read_csv(&out.join("tables/for_whom.csv"));
    let people = |group: &str| {
        for_whom
            .iter()
            .find(|r| r["moderator"] == "gender" && r["group"] == group)
            .unwrap()["people"]
            .clone()
    };
    assert_eq!(people("female"), "[c]");
    assert_eq!(people("non-binary"), "[c]");
    // Every table showing a marker explains it beneath.
    let markdown = fs::read_to_string(out.join("report.md")).unwrap();
    for section in markdown.split("\n### ").skip(1) {
        let table: String = section
            .lines()
            .filter(|l| l.starts_with('|'))
            .collect::<Vec<_>>()
            .join("\n");
        assert!(!table.contains("| <10 |"), "{section}");
        if table.contains("| [c] |") {
            assert!(
                section.contains(
                    "[c] withheld to protect participants: it rests on fewer than 10 people"
                ),
                "{section}"
            );
        }
    }
}

/// reports/example is committed; regenerating it must give the same bytes
/// (only the manifest's stage timings carry a clock). This guards
/// determinism and keeps the example current: after an intended change,
/// regenerate it with `cargo run -- report data/sample --out reports/example`.
#[test]
fn example_report_is_reproduced_byte_for_byte() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let temp = tempfile::tempdir().unwrap();
    let out = temp.path().join("example");
    belong()
        .current_dir(root)
        .args(["report", "data/sample", "--quiet", "--out"])
        .arg(&out)
        .assert()
        .success();
    let committed = root.join("reports/example");
    let (mut expected, mut actual) = (Vec::new(), Vec::new());
    files_below(&committed, &mut expected);
    files_below(&out, &mut actual);
    let relative = |files: &[PathBuf], base: &Path| -> Vec<PathBuf> {
        let mut names: Vec<PathBuf> = files
            .iter()
            .map(|p| p.strip_prefix(base).unwrap().to_path_buf())
            .collect();
        names.sort();
        names
    };
    assert_eq!(
        relative(&expected, &committed),
        relative(&actual, &out),
        "same files"
    );
    let without_timings = |path: &Path| -> String {
        fs::read_to_string(path)
            .unwrap()
            .lines()
            .filter(|l| !l.trim_start().starts_with('"') || !l.contains("_ms\":"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    for name in relative(&expected, &committed) {
        let (a, b) = (committed.join(&name), out.join(&name));
        if name == Path::new("manifest.json") {
            assert_eq!(
                without_timings(&a),
                without_timings(&b),
                "manifest.json differs beyond timings"
            );
        } else {
            assert!(
                fs::read(&a).unwrap() == fs::read(&b).unwrap(),
                "{} differs from the committed example",
                name.display()
            );
        }
    }
}

#[test]
fn impossible_dates_are_excluded_and_silent_participants_noted() {
    let temp = tempfile::tempdir().unwrap();
    let data = temp.path().join("data");
    copy_dir(&fixture("tiny-ucla3"), &data);
    // P0001 enrolled 2025-03-21, baseline 2025-03-29.
    let mut attendance = fs::read_to_string(data.join("attendance.csv")).unwrap();
    attendance.push_str("P0001,2025-03-01,walking group,group,true,60\n");
    fs::write(data.join("attendance.csv"), attendance).unwrap();
    let mut assessments = fs::read_to_string(data.join("assessments.csv")).unwrap();
    let lines: Vec<&str> = assessments.lines().collect();
    let followup = lines
        .iter()
        .position(|l| l.starts_with("P0001,week12"))
        .expect("P0001 has a follow-up");
    let moved = lines[followup].replacen(
        &lines[followup].split(',').nth(2).unwrap().to_string(),
        "2025-03-01",
        1,
    );
    assessments = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            if i == followup {
                moved.clone()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n";
    fs::write(data.join("assessments.csv"), assessments).unwrap();
    let mut participants = fs::read_to_string(data.join("participants.csv")).unwrap();
    participants.push_str("P9999,2025-spring,Riverside,2025-03-21,75+,female,true\n");
    fs::write(data.join("participants.csv"), participants).unwrap();

    let assert = belong().arg("validate").arg(&data).assert().success();
    let stdout = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    assert!(
        stdout.contains("excluded      1: session before enrolment"),
        "{stdout}"
    );
    assert!(
        stdout.contains("excluded      1: assessed before the baseline"),
        "{stdout}"
    );
    assert!(
        stdout.contains("note          1: no assessment"),
        "{stdout}"
    );
}

#[test]
fn reliable_change_chart_is_drawn_unless_shares_are_suppressed() {
    let (_temp, out) = report_of(fixture("ucla20-arms"));
    for ext in ["svg", "png"] {
        assert!(
            out.join(format!("charts/reliable_change_ucla20.{ext}"))
                .is_file(),
            "{ext}"
        );
    }
    let svg = fs::read_to_string(out.join("charts/reliable_change_ucla20.svg")).unwrap();
    assert!(
        svg.contains("everyone (n = 299)"),
        "the chart names its groups with n"
    );
}

#[test]
fn every_chart_of_the_set_is_drawn_as_svg_and_png_and_inlined() {
    let (_temp, out) = report_of(sample());
    let html = fs::read_to_string(out.join("index.html")).unwrap();
    for chart in [
        "participant_flow",
        "distribution_ucla3",
        "mean_change_ucla3",
        "individual_change_ucla3",
        "pre_post_ucla3",
        "reliable_change_ucla3",
        "caseness_ucla3",
        "sessions_attended",
        "attendance_by_week",
        "dose_response_ucla3",
        "differences_ucla3",
    ] {
        for ext in ["svg", "png"] {
            let path = out.join(format!("charts/{chart}.{ext}"));
            assert!(
                fs::metadata(&path).map(|m| m.len() > 1000).unwrap_or(false),
                "{}",
                path.display()
            );
        }
        assert!(html.contains(&format!("charts/{chart}.svg")), "{chart}");
    }
    // Self-contained: nothing is fetched from the network.
    let without_namespaces = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
    assert!(
        !without_namespaces.contains("http://") && !without_namespaces.contains("https://"),
        "index.html refers to the network"
    );
    assert!(html.contains("@media print"));
}

#[test]
fn every_chart_has_an_accessible_name_and_its_numbers_exist() {
    let (_temp, out) = report_of(sample());
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert_eq!(
        html.matches("<svg").count(),
        html.matches("role=\"img\"").count(),
        "every inline chart is an image with a name"
    );
    for entry in std::fs::read_dir(out.join("charts")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "svg") {
            continue;
        }
        let svg = std::fs::read_to_string(&path).unwrap();
        let title = svg
            .split("<title>")
            .nth(1)
            .and_then(|t| t.split("</title>").next())
            .unwrap_or_else(|| panic!("{}: no <title>", path.display()));
        let table = title
            .split("tables/")
            .nth(1)
            .and_then(|t| t.split(".csv").next())
            .unwrap_or_else(|| panic!("{}: no table named: {title}", path.display()));
        assert!(
            out.join("tables").join(format!("{table}.csv")).is_file(),
            "{}: tables/{table}.csv does not exist",
            path.display()
        );
        assert!(
            svg.contains("<desc>") && !svg.contains("<desc></desc>"),
            "{}: no <desc>",
            path.display()
        );
    }
    // Each figure on the page carries a table of the numbers it draws,
    // and only those: the score distribution lists everyone's bands.
    let figures: Vec<&str> = html
        .split("<figure>")
        .skip(1)
        .filter_map(|f| f.split("</figure>").next())
        .collect();
    assert!(!figures.is_empty());
    for figure in &figures {
        assert!(
            figure.contains("<details><summary>The numbers behind this chart")
                && figure.matches("<tr>").count() >= 2,
            "a figure without its numbers: {}",
            &figure[..figure.len().min(300)]
        );
    }
    let distribution = figures
        .iter()
        .find(|f| f.contains("charts/distribution_ucla3.svg"))
        .unwrap();
    assert!(distribution.contains("(outcome: ucla3; of: score; grouped by: all; group: all)"));
    assert!(!distribution.contains(">intervention<"));
    // Scrollable tables can be reached with the keyboard (WCAG 2.1.1).
    assert_eq!(
        html.matches("<div class=\"wide\"").count(),
        html.matches("<div class=\"wide\" tabindex=\"0\" role=\"region\" aria-label=")
            .count()
    );
}

#[test]
fn the_summary_answers_compared_with_what_and_reports_deterioration() {
    let (_temp, out) = report_of(sample());
    let markdown = std::fs::read_to_string(out.join("report.md")).unwrap();
    let summary = markdown
        .split("## Summary")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .unwrap();
    assert!(
        summary.contains("Adjusting for the baseline score, the intervention arm's ucla3 at week12 was 1.07 points lower (better) than the comparison arm's (95% CI 0.39 to 1.75 points lower; p = 0.002)"),
        "{summary}"
    );
    // The arm was not declared randomised: the design says what that
    // allows, and the weighted comparison follows.
    assert!(
        summary.contains("Design: non-randomised comparison group (Maryland Scientific Methods Scale level 3 of 5)"),
        "{summary}"
    );
    assert!(
        summary.contains("Weighting the comparison arm to resemble the intervention arm"),
        "{summary}"
    );
    // Fewer than 10 of the 159 deteriorated reliably: deterioration is
    // mentioned, not left out, but the summary must not say which of the
    // two withheld cells is the small one (#20).
    assert!(
        summary.contains("the share who deteriorated reliably is withheld to protect participants"),
        "{summary}"
    );
    assert!(!summary.contains("fewer than 10 people"), "{summary}");
    // One sign convention: a size and its interval, never a signed interval
    // beside an unsigned size.
    assert!(!summary.contains("CI -"), "{summary}");
}

#[test]
fn cronbach_alpha_is_shown_where_readers_look() {
    let (_temp, out) = report_of(sample());
    let table = read_csv(&out.join("tables/reliability.csv"));
    let all = table
        .iter()
        .find(|r| r["grouped by"] == "all")
        .expect("alpha for everyone");
    let estimates = read_csv(&out.join("estimates.csv"));
    let alpha = estimates
        .iter()
        .find(|r| r["estimate"] == "cronbach_alpha" && r["group"] == "all")
        .unwrap();
    let shown: f64 = all["alpha"].parse().unwrap();
    let exact: f64 = alpha["value"].parse().unwrap();
    assert!((shown - exact).abs() < 0.005, "{shown} vs {exact}");
    let markdown = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(markdown.contains("### Internal consistency at baseline"));
}

/// Without --quiet, a report ends with one line accounting for every row
/// read and saying where the rows left out are listed.
#[test]
fn a_report_ends_with_the_account_of_the_rows_read() {
    let temp = tempfile::tempdir().unwrap();
    let out = temp.path().join("report");
    let output = belong()
        .args(["report", "--out"])
        .arg(&out)
        .arg(fixture("tiny-ucla3"))
        .output()
        .unwrap();
    assert!(output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    let last = stderr.trim_end().lines().last().unwrap_or_default();
    assert!(
        last.starts_with("belong: read 24 participants (24 kept), 43 assessments (43 kept), 351 attendance rows (351 kept); the rows and cells left out"),
        "{stderr}"
    );
    assert!(last.contains("internal"), "{last}");
}

/// The dose-response chart places each band at its pairs' mean sessions:
/// each mean lies inside its band, and the open band's beyond its start.
#[test]
fn each_dose_band_has_its_mean_sessions_inside_the_band() {
    let estimates = read_csv(&sample().join("../../reports/example/estimates.csv"));
    let mean = |band: &str| -> f64 {
        estimates
            .iter()
            .find(|r| {
                r["analysis"] == "dose_response"
                    && r["group_by"] == "dose_band"
                    && r["group"] == band
                    && r["estimate"] == "mean_sessions"
            })
            .unwrap_or_else(|| panic!("no mean_sessions for dose band {band}"))["value"]
            .parse()
            .unwrap()
    };
    assert_eq!(mean("0"), 0.0);
    assert!((1.0..=5.0).contains(&mean("1-5")));
    assert!((6.0..=11.0).contains(&mean("6-11")));
    assert!(mean("12+") >= 12.0);
}

/// Regression: the page's change table showed a withheld mean as "–",
/// which reads as "not applicable". It shows the marker, explained
/// beneath the table (report.docx gives its change tables the same note).
#[test]
fn the_change_table_marks_withheld_cells_and_explains_them() {
    let (_temp, out) = report_of(fixture("tiny-ucla3"));
    let html = fs::read_to_string(out.join("index.html")).unwrap();
    let start = html.find("<h3>Change in ucla3</h3>").unwrap();
    let change = &html[start..start + html[start..].find("<figure>").unwrap()];
    let site = change
        .split("<tr>")
        .find(|row| row.contains("<td>Northgate</td>"))
        .unwrap();
    assert_eq!(site.matches("<td>[c]</td>").count(), 9, "{site}");
    assert!(change.contains("<p class=\"note\">[c] withheld to protect participants"));
}
