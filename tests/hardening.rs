//! A careless or hostile user's inputs: messages that cannot drive the
//! terminal, errors said once, a closed stdout, damaged files and odd folder
//! layouts that end in a one-line error or a true account, never a crash
//! or a silently wrong number.

mod common;

use common::{belong, fixture};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A copy of a fixture's three CSV tables in a temporary folder.
fn data_copy(name: &str) -> (tempfile::TempDir, PathBuf) {
    let temp = tempfile::tempdir().unwrap();
    let data = temp.path().join("data");
    fs::create_dir_all(&data).unwrap();
    for entry in fs::read_dir(fixture(name)).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            fs::copy(&path, data.join(path.file_name().unwrap())).unwrap();
        }
    }
    (temp, data)
}

fn report(data: &Path, out: &Path) -> std::process::Output {
    report_with(data, out, &["--quiet", "--min-cell", "0"])
}

/// `belong report` with `flags`, as a user runs it.
fn report_with(data: &Path, out: &Path, flags: &[&str]) -> std::process::Output {
    belong()
        .arg("report")
        .args(flags)
        .arg("--out")
        .arg(out)
        .arg(data)
        .output()
        .unwrap()
}

#[test]
fn a_closed_stdout_is_not_an_error() {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("belong"))
        .arg("instruments")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Closed before the command writes, as `| head -0` would.
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(output.stderr.is_empty(), "{output:?}");
}

#[test]
fn terminal_escapes_in_a_column_name_are_shown_not_obeyed() {
    let (temp, data) = data_copy("tiny-ucla3");
    let path = data.join("participants.csv");
    let text = fs::read_to_string(&path).unwrap();
    let (header, rest) = text.split_once('\n').unwrap();
    fs::write(
        &path,
        format!("{header},email\u{1b}]0;pwned\u{7}\u{1b}[2J\u{202e}\n{rest}"),
    )
    .unwrap();
    let output = report(&data, &temp.path().join("out"));
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !stderr.contains('\u{1b}') && !stderr.contains('\u{7}') && !stderr.contains('\u{202e}'),
        "{stderr:?}"
    );
    assert!(stderr.contains("\\u{1b}"), "the escape is shown: {stderr}");
}

#[test]
fn an_os_error_is_said_once_with_what_belong_was_doing() {
    let (temp, data) = data_copy("tiny-ucla3");
    let file = temp.path().join("a_file");
    fs::write(&file, "not a folder").unwrap();
    let output = report(&data, &file.join("report"));
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.matches("(os error").count(), 1, "{stderr}");
    assert!(stderr.contains("a_file"), "{stderr}");
    assert!(
        stderr.contains("creating the folder for the report"),
        "{stderr}"
    );
}

/// Mutated Parquet files (bytes flipped across the file and its footer,
/// the file cut short) end in exit 0 with a true account or exit 1 with one
/// line naming the file: never a panic, a backtrace or polars' advice.
#[test]
fn damaged_parquet_files_are_one_line_errors() {
    let original = fs::read(fixture("djg6-parquet").join("assessments.parquet")).unwrap();
    let temp = tempfile::tempdir().unwrap();
    let data = temp.path().join("data");
    fs::create_dir_all(&data).unwrap();
    for table in ["participants", "attendance"] {
        let name = format!("{table}.parquet");
        fs::copy(fixture("djg6-parquet").join(&name), data.join(&name)).unwrap();
    }
    let len = original.len();
    let mut cases: Vec<(String, Vec<u8>)> = Vec::new();
    // Every part of the file, denser in the footer (metadata, lengths).
    let body = (0..16).map(|i| (4 + i * (len - 8) / 16, 0xFF_u8));
    let footer = (1..=32)
        .map(|i| len - 8 - i * 9)
        .filter(|o| *o > 4)
        .flat_map(|o| [(o, 0xFF_u8), (o, 0x01)]);
    for (offset, mask) in body.chain(footer) {
        {
            let mut bytes = original.clone();
            bytes[offset] ^= mask;
            cases.push((format!("byte {offset} ^ {mask:#x}"), bytes));
        }
    }
    for cut in [len / 2, len - 9, len - 4] {
        cases.push((format!("cut at {cut}"), original[..cut].to_vec()));
    }
    let mut problems = Vec::new();
    for (case, bytes) in &cases {
        fs::write(data.join("assessments.parquet"), bytes).unwrap();
        let out = temp.path().join("out");
        let output = belong()
            .env_remove("RUST_BACKTRACE")
            .args(["report", "--quiet", "--min-cell", "0", "--out"])
            .arg(&out)
            .arg(&data)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        let fine = match output.status.code() {
            Some(0) => fs::read_to_string(out.join("manifest.json"))
                .unwrap()
                .contains("\"kept_plus_excluded_equals_read\": true"),
            Some(1) => {
                stderr.lines().count() == 1
                    && stderr.starts_with("error: ")
                    && (stderr.contains("assessments.parquet")
                        || stderr.contains("nothing to analyse"))
            }
            _ => false,
        };
        if !fine || stderr.contains("panicked") || stderr.contains("pip") {
            problems.push(format!("{case}: {:?} {stderr}", output.status.code()));
        }
    }
    assert!(
        problems.is_empty(),
        "{} of {}:\n{}",
        problems.len(),
        cases.len(),
        problems.join("\n")
    );
}

#[cfg(unix)]
#[test]
fn links_that_hide_or_repeat_a_table_are_errors() {
    use std::os::unix::fs::symlink;
    let expect_error = |data: &Path, out: &Path, expected: &str| {
        let output = report(data, out);
        assert_eq!(output.status.code(), Some(1), "{output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    };
    // A dangling link and a link to a device in place of attendance.csv.
    for target in ["/nonexistent/attendance.csv", "/dev/zero"] {
        let (temp, data) = data_copy("tiny-ucla3");
        fs::remove_file(data.join("attendance.csv")).unwrap();
        symlink(target, data.join("attendance.csv")).unwrap();
        expect_error(
            &data,
            &temp.path().join("out"),
            "attendance.csv: the attendance table cannot be read",
        );
    }
    // A loop inside attendance/, and one part linked twice.
    let (temp, data) = data_copy("tiny-ucla3");
    fs::create_dir_all(data.join("attendance")).unwrap();
    fs::rename(
        data.join("attendance.csv"),
        data.join("attendance/part-0.csv"),
    )
    .unwrap();
    symlink("..", data.join("attendance/loop")).unwrap();
    expect_error(
        &data,
        &temp.path().join("out"),
        "a link to a folder inside a table's folder is not followed",
    );
    fs::remove_file(data.join("attendance/loop")).unwrap();
    symlink("part-0.csv", data.join("attendance/part-1.csv")).unwrap();
    expect_error(&data, &temp.path().join("out"), "are the same file");
    fs::remove_file(data.join("attendance/part-1.csv")).unwrap();
    assert!(report(&data, &temp.path().join("out")).status.success());
}

#[test]
fn hive_keys_come_only_from_inside_a_tables_folder() {
    // The data folder sits below folders that look like hive keys.
    let temp = tempfile::tempdir().unwrap();
    let data = temp.path().join("project=x/year=2025/data");
    fs::create_dir_all(&data).unwrap();
    for table in ["participants", "assessments", "attendance"] {
        let name = format!("{table}.parquet");
        fs::copy(fixture("djg6-parquet").join(&name), data.join(&name)).unwrap();
    }
    let out = temp.path().join("out");
    assert!(report(&data, &out).status.success());
    let estimates = fs::read_to_string(out.join("estimates.csv")).unwrap();
    assert!(
        !estimates
            .lines()
            .any(|l| l.starts_with("project,") || l.starts_with("year,")),
        "folders above the data became covariates"
    );
}

#[test]
fn hive_folders_are_percent_decoded_and_may_not_contradict_the_file() {
    let (temp, data) = data_copy("tiny-ucla3");
    let text = fs::read_to_string(data.join("attendance.csv")).unwrap();
    fs::remove_file(data.join("attendance.csv")).unwrap();
    let folder = data.join("attendance/term=spring%202025");
    fs::create_dir_all(&folder).unwrap();
    fs::write(folder.join("part.csv"), &text).unwrap();
    let out = temp.path().join("out");
    let output = report(&data, &out);
    assert!(output.status.success(), "{output:?}");

    // A column that says otherwise than its folder.
    let (temp, data) = data_copy("tiny-ucla3");
    let text = fs::read_to_string(data.join("assessments.csv")).unwrap();
    fs::remove_file(data.join("assessments.csv")).unwrap();
    let folder = data.join("assessments/wave=baseline");
    fs::create_dir_all(&folder).unwrap();
    fs::write(folder.join("part.csv"), &text).unwrap();
    let output = report(&data, &temp.path().join("out"));
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("disagrees with the folder wave=baseline"),
        "{stderr}"
    );
}

/// Labels from the data reach people's outputs as text: never a formula
/// in tables/*.csv, never HTML in report.md, never an invisible override.
#[test]
fn labels_cannot_become_formulas_html_or_hidden_text() {
    let payloads = [
        ("Riverside", "=HYPERLINK(\"http://evil\";\"x\")"),
        ("Northgate", "<script>alert(1)</script>\u{202e}gate"),
    ];
    let (temp, data) = data_copy("tiny-ucla3");
    let path = data.join("participants.csv");
    let mut text = fs::read_to_string(&path).unwrap();
    for (site, payload) in payloads {
        let quoted = format!("\"{}\"", payload.replace('"', "\"\""));
        text = text.replace(&format!(",{site},"), &format!(",{quoted},"));
    }
    fs::write(&path, text).unwrap();
    let out = temp.path().join("out");
    let output = report(&data, &out);
    assert!(output.status.success(), "{output:?}");
    for entry in fs::read_dir(out.join("tables")).unwrap() {
        let path = entry.unwrap().path();
        let csv = fs::read_to_string(&path).unwrap();
        for line in csv.lines() {
            for field in common::split_record(line) {
                assert!(
                    !field.starts_with(['=', '+', '@']) && !field.contains('\u{202e}'),
                    "{}: {field}",
                    path.display()
                );
                if field.starts_with('-') {
                    assert!(field.parse::<f64>().is_ok(), "{}: {field}", path.display());
                }
            }
        }
    }
    let change = fs::read_to_string(out.join("tables/change_by_group.csv")).unwrap();
    assert!(change.contains("'=HYPERLINK"), "{change}");
    let markdown = fs::read_to_string(out.join("report.md")).unwrap();
    let tags = markdown.matches("<script>").count();
    assert!(
        tags > 0 && tags == markdown.matches("\\<script>").count(),
        "a raw tag"
    );
    assert!(!markdown.contains('\u{202e}') && markdown.contains("\\u{202e}"));
    let html = fs::read_to_string(out.join("index.html")).unwrap();
    assert!(!html.contains("<script>alert"));
    assert!(!html.contains('\u{202e}') && html.contains("\\u{202e}"));
    for entry in fs::read_dir(out.join("charts")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "svg") {
            let svg = fs::read_to_string(&path).unwrap();
            assert!(!svg.contains('\u{202e}'), "{}", path.display());
        }
    }
}

/// `participants.csv` of a data folder as an .xlsx sheet of text cells,
/// with `extra` cells (row, column, text) added.
fn participants_as_workbook(data: &Path, extra: &[(u32, u16, &str)]) {
    let csv = fs::read_to_string(data.join("participants.csv")).unwrap();
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (r, line) in csv.lines().enumerate() {
        for (c, cell) in common::split_record(line).iter().enumerate() {
            sheet.write_string(r as u32, c as u16, cell).unwrap();
        }
    }
    for (r, c, text) in extra {
        sheet.write_string(*r, *c, *text).unwrap();
    }
    workbook.save(data.join("participants.xlsx")).unwrap();
    fs::remove_file(data.join("participants.csv")).unwrap();
}

#[test]
fn a_sheet_ends_at_its_first_empty_row_and_a_far_cell_cannot_exhaust_memory() {
    // A clean sheet reads as its CSV did.
    let (temp, data) = data_copy("tiny-ucla3");
    participants_as_workbook(&data, &[]);
    assert!(report(&data, &temp.path().join("out")).status.success());

    // A note below the table, and a single cell at the sheet's last cell
    // (a dense read of it would need half a terabyte).
    for (row, column, text, cell) in [
        (40, 0, "note: exported 2025", "cell A41"),
        (1_048_575, 16_383, "x", "cell XFD1048576"),
    ] {
        let (temp, data) = data_copy("tiny-ucla3");
        participants_as_workbook(&data, &[(row, column, text)]);
        let output = report(&data, &temp.path().join("out"));
        assert_eq!(output.status.code(), Some(1), "{output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(cell) && stderr.contains("below the table"),
            "{stderr}"
        );
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    }
}

/// A workbook whose shared strings decompress to more than belong reads is
/// refused before calamine loads them whole: a few hundred kilobytes on
/// disk stand for 129 MiB of text.
#[test]
fn a_workbook_that_decompresses_to_gigabytes_is_refused_before_it_is_read() {
    use std::io::{Read, Write};
    let (temp, data) = data_copy("tiny-ucla3");
    participants_as_workbook(&data, &[]);
    let path = data.join("participants.xlsx");
    let mut source = zip::ZipArchive::new(fs::File::open(&path).unwrap()).unwrap();
    let bomb = data.join("bomb.xlsx");
    let mut writer = zip::ZipWriter::new(fs::File::create(&bomb).unwrap());
    for index in 0..source.len() {
        let mut part = source.by_index(index).unwrap();
        if part.name() != "xl/sharedStrings.xml" {
            writer.raw_copy_file(part).unwrap();
            continue;
        }
        let mut xml = String::new();
        part.read_to_string(&mut xml).unwrap();
        let end = xml.rfind("</sst>").unwrap();
        writer
            .start_file(
                "xl/sharedStrings.xml",
                zip::write::SimpleFileOptions::default().large_file(true),
            )
            .unwrap();
        writer.write_all(&xml.as_bytes()[..end]).unwrap();
        let padding = vec![b' '; 1 << 20];
        for _ in 0..129 {
            writer.write_all(&padding).unwrap();
        }
        writer.write_all(&xml.as_bytes()[end..]).unwrap();
    }
    writer.finish().unwrap();
    drop(source);
    assert!(fs::metadata(&bomb).unwrap().len() < 2 << 20);
    fs::rename(&bomb, &path).unwrap();
    let output = report(&data, &temp.path().join("out"));
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("participants.xlsx")
            && stderr.contains("xl/sharedStrings.xml")
            && stderr.contains("128 MiB"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

/// A table too big for the memory available stops the run before anything
/// is read, naming the file and the ways out; nothing is left behind. The
/// file is sparse: a megabyte of real rows, then 200 GB of nothing.
#[test]
fn data_too_big_for_the_memory_available_is_refused_before_it_is_read() {
    let (temp, data) = data_copy("tiny-ucla3");
    let path = data.join("assessments.csv");
    let text = fs::read_to_string(&path).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let row = lines.next().unwrap();
    let mut big = format!("{header}\n");
    while big.len() < 1 << 20 {
        big.push_str(row);
        big.push('\n');
    }
    fs::write(&path, big).unwrap();
    fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(200 << 30)
        .unwrap();
    let out = temp.path().join("out");
    let started = std::time::Instant::now();
    let output = report(&data, &out);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("GiB of memory")
            && stderr.contains("assessments.csv")
            && stderr.contains("--skip-memory-check"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(!out.exists());
    let leftovers: Vec<_> = fs::read_dir(temp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|name| name.to_string_lossy().contains("partial"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// A line of megabytes (free text pasted into a cell, a damaged export)
/// once took a minute and gigabytes and a covariate vanished: it is refused
/// before it is read, naming the line.
#[test]
fn a_line_longer_than_a_mebibyte_is_refused_naming_it() {
    let (temp, data) = data_copy("tiny-ucla3");
    add_participant_column(&data, "notes", |i| {
        if i == 2 {
            "x".repeat(2 << 20)
        } else {
            "ok".into()
        }
    });
    let output = report(&data, &temp.path().join("out"));
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("participants.csv") && stderr.contains("line 4 is longer than 1 MiB"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

/// Blank and whitespace-only lines are not records: neither kept nor
/// excluded as "missing participant_id", but counted apart; the rows after
/// them keep their own line numbers.
#[test]
fn blank_lines_are_counted_apart_not_excluded() {
    let (temp, data) = data_copy("tiny-ucla3");
    let path = data.join("assessments.csv");
    let text = fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let rows = lines.len() - 1;
    lines.insert(3, "   ".into());
    lines.insert(4, String::new());
    lines.insert(5, " , , , , , ".into());
    // An unknown participant after the blank lines, on line 8.
    lines[7] = lines[7].replacen("P", "Q", 1);
    fs::write(&path, lines.join("\n") + "\n\n").unwrap();
    let out = temp.path().join("out");
    assert!(report(&data, &out).status.success());
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    let account = manifest["row_accounting"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["table"] == "assessments")
        .unwrap()
        .clone();
    assert_eq!(account["read"], rows, "{account}");
    assert_eq!(account["excluded"], 1, "{account}");
    assert_eq!(account["notes"]["blank lines skipped (not records)"], 4);
    let excluded = fs::read_to_string(out.join("internal/excluded_rows.csv")).unwrap();
    assert!(
        excluded.contains(",8,participant_id,unknown participant"),
        "{excluded}"
    );
}

/// The guard catches spellings of identifying names, NI numbers by value,
/// and an email or phone number inside free text.
#[test]
fn identifying_columns_are_caught_in_their_disguises() {
    type Values = fn(usize) -> String;
    let cases: [(&str, Values, &str); 4] = [
        (
            "D.O.B.",
            |i| format!("19{:02}-01-02", 40 + i % 50),
            "date of birth",
        ),
        (
            "d_o_b",
            |i| format!("19{:02}-01-02", 40 + i % 50),
            "date of birth",
        ),
        (
            "ref",
            |i| format!("QQ {:02} 34 56 C", i % 100),
            "National Insurance",
        ),
        (
            "notes",
            |i| {
                if i == 3 {
                    "call her daughter on 07700 900123".into()
                } else {
                    format!("came to session {i}")
                }
            },
            "phone numbers inside its text",
        ),
    ];
    for (column, value, expected) in cases {
        let (temp, data) = data_copy("tiny-ucla3");
        add_participant_column(&data, column, value);
        let output = report(&data, &temp.path().join("out"));
        assert_eq!(output.status.code(), Some(1), "{column}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(expected) && stderr.contains(column),
            "{column}: {stderr}"
        );
    }
}

/// A column with a value per person (a client reference) is neither a
/// group nor a characteristic, and a grouping of hundreds of levels is
/// refused before the analyses, with the fix.
#[test]
fn a_value_per_person_or_hundreds_of_levels_cannot_be_a_group() {
    let (temp, data) = synth_data(240);
    let path = data.join("participants.csv");
    let text = fs::read_to_string(&path).unwrap();
    let mut lines = text.lines();
    let mut out = format!("{},client_ref,key_worker\n", lines.next().unwrap());
    for (i, line) in lines.enumerate() {
        out.push_str(&format!("{line},CR-{i:04},worker {}\n", i % 120));
    }
    fs::write(&path, out).unwrap();
    let output = report(&data, &temp.path().join("out"));
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("client_ref") && stderr.contains("nearly one per person"),
        "{stderr}"
    );

    fs::write(
        data.join("belong.toml"),
        "group_by = [\"site\", \"key_worker\"]\n[participants]\ndrop = [\"client_ref\"]\n",
    )
    .unwrap();
    let output = report(&data, &temp.path().join("out"));
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("key_worker") && stderr.contains("120 levels"),
        "{stderr}"
    );
}

fn synth_data(participants: usize) -> (tempfile::TempDir, PathBuf) {
    let temp = tempfile::tempdir().unwrap();
    let data = temp.path().join("data");
    belong()
        .args([
            "synth",
            "--participants",
            &participants.to_string(),
            "--out",
        ])
        .arg(&data)
        .assert()
        .success();
    (temp, data)
}

#[test]
fn a_label_of_free_text_length_is_refused_at_ingest() {
    let (temp, data) = data_copy("tiny-ucla3");
    let path = data.join("participants.csv");
    let text = fs::read_to_string(&path).unwrap();
    let long = "x".repeat(30_000);
    fs::write(&path, text.replacen(",Riverside,", &format!(",{long},"), 1)).unwrap();
    let output = report(&data, &temp.path().join("out"));
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("column site: a value of 30000 characters"),
        "{stderr}"
    );
    assert!(
        stderr.len() < 600,
        "the message does not echo the text: {stderr}"
    );
}

/// An export with hundreds of category columns once took minutes and
/// gigabytes (every column a characteristic and a moderator, tabled and
/// tested): beyond the first 30 the columns are left out, with a note on
/// stderr and in the methods, and named columns are kept whatever their
/// place.
#[test]
fn columns_beyond_thirty_characteristics_are_left_out_with_a_note() {
    let (temp, data) = data_copy("tiny-ucla3");
    for k in 0..40 {
        add_participant_column(&data, &format!("extra_{k:02}"), |i| {
            ((i + k) % 3).to_string()
        });
    }
    fs::write(data.join("belong.toml"), "moderators = [\"extra_39\"]\n").unwrap();
    let out = temp.path().join("out");
    let output = report_with(&data, &out, &[]);
    assert!(output.status.success(), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("participant columns beyond the first 30 characteristics are left out")
            && stderr.contains("\"extra_38\"")
            && !stderr.contains("\"extra_39\""),
        "{stderr}"
    );
    let markdown = fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        markdown.contains("are left out of every table and test"),
        "{markdown}"
    );
    let table1 = fs::read_to_string(out.join("tables/table1.csv")).unwrap();
    assert!(table1.contains("extra_00") && table1.contains("extra_39"));
    assert!(!table1.contains("extra_38"), "{table1}");
}

#[test]
fn a_table_too_wide_to_be_a_table_is_refused_at_once() {
    for columns in [10_000, 1_000_000] {
        let (temp, data) = data_copy("tiny-ucla3");
        let path = data.join("attendance.csv");
        let header: Vec<String> = (0..columns).map(|i| format!("c{i}")).collect();
        fs::write(&path, header.join(",") + "\n").unwrap();
        let started = std::time::Instant::now();
        let output = report(&data, &temp.path().join("out"));
        assert_eq!(output.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("attendance.csv") && stderr.contains("line 1"),
            "{stderr}"
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(30));
    }
}

#[test]
fn a_config_cannot_read_outside_the_data_or_echo_a_file() {
    let (temp, data) = data_copy("tiny-ucla3");
    fs::write(
        data.join("belong.toml"),
        "[attendance]\nfile = \"../../../../etc/passwd\"\n",
    )
    .unwrap();
    let output = report(&data, &temp.path().join("out"));
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("outside the data folder"));

    // A file that is not a table: its first line is not repeated whole.
    let secret = "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY";
    fs::write(data.join("notes.csv"), format!("{secret}\nx\n")).unwrap();
    fs::write(
        data.join("belong.toml"),
        "[attendance]\nfile = \"notes.csv\"\ncolumns = { participant_id = \"client\" }\n",
    )
    .unwrap();
    let output = report(&data, &temp.path().join("out"));
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no column \"client\""), "{stderr}");
    assert!(!stderr.contains("EXAMPLEKEY"), "{stderr}");
}

/// A session recorded twice counts once: 100 exact copies of attendance
/// rows (some attended, some missed) leave every participation estimate
/// as it was, and are excluded as "duplicate session", so kept +
/// excluded = read.
#[test]
fn duplicate_attendance_rows_count_once() {
    let (_original_temp, original) = data_copy("small-ucla3");
    let (_copy_temp, copy) = data_copy("small-ucla3");
    let path = copy.join("attendance.csv");
    let text = fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let mut doubled = text.clone();
    for line in lines.iter().skip(1).step_by(17).take(100) {
        doubled.push_str(line);
        doubled.push('\n');
    }
    fs::write(&path, doubled).unwrap();
    let run = |data: &Path| {
        let out = data.parent().unwrap().join(format!(
            "report-{}",
            data.file_name().unwrap().to_string_lossy()
        ));
        let output = report(data, &out);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        out
    };
    let (before, after) = (run(&original), run(&copy));
    let participation = |out: &Path| -> Vec<String> {
        fs::read_to_string(out.join("estimates.csv"))
            .unwrap()
            .lines()
            .filter(|line| line.contains(",participation,") || line.contains(",dose_response,"))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(participation(&before), participation(&after));
    let quality = fs::read_to_string(after.join("data_quality.csv")).unwrap();
    assert!(quality.contains("attendance,read,1829"), "{quality}");
    assert!(quality.contains("attendance,kept,1729"), "{quality}");
    assert!(quality.contains("duplicate session,100"), "{quality}");
}

/// Adds a participants column `name` whose value for row `i` is `value(i)`.
fn add_participant_column(data: &Path, name: &str, value: impl Fn(usize) -> String) {
    let path = data.join("participants.csv");
    let text = fs::read_to_string(&path).unwrap();
    let mut lines = text.lines();
    let mut out = format!("{},{name}\n", lines.next().unwrap());
    for (i, line) in lines.enumerate() {
        out.push_str(&format!("{line},{}\n", value(i)));
    }
    fs::write(&path, out).unwrap();
}

/// Every text file of a report folder, by path.
fn report_texts(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut texts = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in fs::read_dir(folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else if let Ok(text) = fs::read_to_string(&path) {
                texts.push((path, text));
            }
        }
    }
    texts
}

/// The label of a level of fewer than min_cell people can name someone
/// (a key worker, a client reference): it is never published, not even
/// beside withheld numbers. Such levels are shown together, and the
/// report says so.
#[test]
fn small_levels_are_shown_together_and_their_labels_never_published() {
    let (temp, data) = synth_data(240);
    let small = ["KW-Zed", "KW-Yan", "KW-Xi"];
    add_participant_column(&data, "key_worker", |i| match i {
        0..=2 => small[0].into(),
        3..=6 => small[1].into(),
        7..=8 => small[2].into(),
        _ => format!("KW-{}", ["A", "B", "C", "D"][i % 4]),
    });
    fs::write(
        data.join("belong.toml"),
        "group_by = [\"site\", \"key_worker\"]\n",
    )
    .unwrap();
    let out = temp.path().join("out");
    let output = report_with(&data, &out, &["--quiet"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let texts = report_texts(&out);
    assert!(texts.len() > 10);
    for (path, text) in &texts {
        for label in small {
            assert!(!text.contains(label), "{label} in {}", path.display());
        }
    }
    let estimates = fs::read_to_string(out.join("estimates.csv")).unwrap();
    assert!(
        estimates.contains("key_worker,other (fewer than 10 each)"),
        "the pooled level is analysed like any other"
    );
    assert!(estimates.contains("key_worker,KW-A"));
    let markdown = fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        markdown.contains("In the column \"key_worker\", 3 values held fewer than 10 people each (9 people in all)"),
        "{markdown}"
    );
    // With --min-cell 0 (R's view) nothing is pooled.
    let output = report(&data, &temp.path().join("all"));
    assert!(output.status.success());
    let estimates = fs::read_to_string(temp.path().join("all/estimates.csv")).unwrap();
    assert!(estimates.contains("key_worker,KW-Zed"));
}

/// Key workers' names are people's names: a column of them is stopped by
/// the privacy guard like any other identifying column.
#[test]
fn names_of_key_workers_are_identifying() {
    for (column, value) in [
        ("key_worker", ["Dr Sarah O'Neill", "Amir Khan", "Jo Bloggs"]),
        ("Keyworker", ["Sarah O'Neill", "Amir Khan", "Jo Bloggs"]),
        ("referred_by", ["GP", "Self", "Mrs. Patel"]),
    ] {
        let (temp, data) = data_copy("tiny-ucla3");
        add_participant_column(&data, column, |i| value[i % 3].into());
        let output = report(&data, &temp.path().join("out"));
        assert_eq!(output.status.code(), Some(1), "{column}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(column) && stderr.contains("names"),
            "{column}: {stderr}"
        );
    }
}

/// A notes column is free text: it is left out of every output,
/// internal/ included, with a note on stderr and in the methods, and the
/// report still runs.
#[test]
fn free_text_is_left_out_of_every_output() {
    let (temp, data) = synth_data(240);
    add_participant_column(&data, "notes", |i| {
        format!("\"seemed brighter after week {i}, asked about the lunch club\"")
    });
    let out = temp.path().join("out");
    let output = report_with(&data, &out, &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("participants column \"notes\" is free text and is left out"),
        "{stderr}"
    );
    for (path, text) in report_texts(&out) {
        assert!(!text.contains("lunch club"), "{}", path.display());
    }
    let panel = fs::read(out.join("internal/panel.parquet")).unwrap();
    assert!(!panel.windows(10).any(|w| w == b"lunch club"));
    assert!(!panel.windows(5).any(|w| w == b"notes"));
    let markdown = fs::read_to_string(out.join("report.md")).unwrap();
    assert!(markdown
        .contains("Free text is left out of every output: the participant column \"notes\""));
}
