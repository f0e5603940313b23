//! Fuzzes `belong init` on arbitrary exports: the input becomes a CSV, a
//! workbook built from it (sheets of cells, so init's sheet and column
//! guessing is reached), or raw bytes named `.xlsx` (the archive checks).
//! Whatever init proposes must parse, and is then read as a report would
//! read it. Any outcome but a panic or a hang is fine.
#![no_main]

use libfuzzer_sys::fuzz_target;

/// Cells of a sheet from text: lines are rows, `,` separates cells, and
/// a line `#sheet NAME` starts a new sheet.
fn sheets(text: &str) -> Vec<(String, Vec<Vec<String>>)> {
    let mut sheets: Vec<(String, Vec<Vec<String>>)> = Vec::new();
    for line in text.lines().take(200) {
        if let Some(name) = line.strip_prefix("#sheet ") {
            sheets.push((name.chars().take(31).collect(), Vec::new()));
            continue;
        }
        if sheets.is_empty() {
            sheets.push(("Sheet1".into(), Vec::new()));
        }
        let row = line.split(',').take(40).map(str::to_string).collect();
        if let Some((_, rows)) = sheets.last_mut() {
            rows.push(row);
        }
    }
    sheets
}

fn workbook(text: &str, path: &std::path::Path) -> bool {
    let mut book = rust_xlsxwriter::Workbook::new();
    for (name, rows) in sheets(text).into_iter().take(6) {
        let sheet = book.add_worksheet();
        if sheet.set_name(&name).is_err() {
            continue;
        }
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                // Numbers as numbers, `d:N` as an Excel date serial.
                let (r, c) = (r as u32, c as u16);
                let written = if let Some(serial) = cell.strip_prefix("d:") {
                    let format = rust_xlsxwriter::Format::new().set_num_format("dd/mm/yyyy");
                    serial
                        .parse::<f64>()
                        .map(|s| sheet.write_number_with_format(r, c, s, &format).is_ok())
                        .unwrap_or(false)
                } else if let Ok(number) = cell.parse::<f64>() {
                    sheet.write_number(r, c, number).is_ok()
                } else {
                    sheet.write_string(r, c, cell).is_ok()
                };
                let _ = written;
            }
        }
    }
    book.save(path).is_ok()
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let Ok(dir) = tempfile::tempdir() else {
        return;
    };
    let data_dir = dir.path().join("data");
    if std::fs::create_dir(&data_dir).is_err() {
        return;
    }
    let written = match mode % 4 {
        // Raw bytes as a workbook: archive and sheet checks.
        0 => std::fs::write(data_dir.join("export.xlsx"), rest).is_ok(),
        // A CSV export under a name init must place by content.
        1 => std::fs::write(data_dir.join("export.csv"), rest).is_ok(),
        // Several CSVs: `#file NAME` lines start each.
        2 => {
            let Ok(text) = std::str::from_utf8(rest) else {
                return;
            };
            let mut ok = true;
            for (index, chunk) in text.split("#file ").enumerate().take(4) {
                let (name, body) = chunk.split_once('\n').unwrap_or(("", chunk));
                let name: String = name
                    .chars()
                    .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .take(20)
                    .collect();
                let name = if name.is_empty() {
                    format!("table{index}")
                } else {
                    name
                };
                ok &= std::fs::write(data_dir.join(format!("{name}.csv")), body).is_ok();
            }
            ok
        }
        // A workbook of sheets built from the text.
        _ => {
            let Ok(text) = std::str::from_utf8(rest) else {
                return;
            };
            workbook(text, &data_dir.join("export.xlsx"))
        }
    };
    if !written {
        return;
    }
    let proposal = match belong::init::inspect(&data_dir, &belong::instruments::builtin()) {
        Ok(proposal) => proposal,
        // init refusing its own config is a bug, not a refused input.
        Err(error) => {
            let message = error.to_string();
            assert!(
                !message.contains("belong init wrote an invalid config"),
                "{message}"
            );
            return;
        }
    };
    // init checks that what it writes parses; read it as a report would.
    if std::fs::write(data_dir.join("belong.toml"), &proposal.config).is_err() {
        return;
    }
    let flags = belong::config::Flags {
        data_dir: Some(data_dir.clone()),
        min_cell: Some(0),
        ..Default::default()
    };
    let Ok(mut settings) = belong::config::Settings::resolve(flags) else {
        return;
    };
    settings.analysis.bootstrap_resamples = 20;
    let _ = belong::validate_data(&settings);
});
