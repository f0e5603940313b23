//! Reading one sheet of an .xlsx workbook (calamine) into a frame of text
//! columns, so conversion and its messages are the same as for CSV.
//! Dates stored as Excel dates become ISO text; numbers keep every digit.

use crate::cells::{days_from_civil, format_date};
use crate::error::{Error, Result};
use calamine::{open_workbook, Data, Reader, Xlsx};
use polars::prelude::*;
use std::path::Path;

/// Filled cells a sheet may hold: beyond this, the table belongs in a CSV.
const MAX_SHEET_CELLS: usize = 20_000_000;
/// Characters in one cell: Excel's own limit.
const MAX_CELL_CHARS: usize = 32_767;
/// Bytes of one decompressed part (a sheet's XML). calamine streams a
/// sheet, but one XML text node of any size is held whole.
const MAX_PART_BYTES: u64 = 1 << 30;
/// Bytes of the decompressed shared strings, which calamine holds whole
/// from the moment the workbook is opened.
const MAX_SHARED_STRINGS_BYTES: u64 = 128 << 20;
/// Bytes of every XML part together, decompressed.
const MAX_WORKBOOK_BYTES: u64 = 2 << 30;

/// Refuses a workbook whose parts would decompress to more than belong
/// reads, before calamine opens it: calamine loads the shared strings
/// whole, and a few kilobytes of deflate can stand for gigabytes. The
/// sizes a zip declares may lie, so each XML part is decompressed (and
/// discarded) up to its limit; pictures and other binary parts, which
/// calamine never reads, are skipped.
fn check_archive(path: &Path) -> Result<()> {
    use std::io::Read;
    let fail = |message: String| Error::Table {
        path: path.to_path_buf(),
        message,
    };
    let unreadable =
        |e: &dyn std::fmt::Display| fail(format!("not a readable .xlsx workbook ({e})"));
    let file = std::fs::File::open(path).map_err(|e| Error::io("opening the workbook", path, e))?;
    let mut archive =
        ::zip::ZipArchive::new(std::io::BufReader::new(file)).map_err(|e| unreadable(&e))?;
    let mut total = 0u64;
    for index in 0..archive.len() {
        let mut part = archive.by_index(index).map_err(|e| unreadable(&e))?;
        let name = part.name().to_string();
        if !(name.ends_with(".xml") || name.ends_with(".rels")) {
            continue;
        }
        let limit = if name.eq_ignore_ascii_case("xl/sharedStrings.xml") {
            MAX_SHARED_STRINGS_BYTES
        } else {
            MAX_PART_BYTES
        };
        let too_big = || {
            fail(format!(
                "part {} of the workbook holds more than {} MiB once decompressed, the most belong reads from a workbook part; export the table as CSV, which belong reads in batches",
                name.escape_debug(),
                limit >> 20
            ))
        };
        if part.size() > limit {
            return Err(too_big());
        }
        let read = std::io::copy(&mut (&mut part).take(limit + 1), &mut std::io::sink())
            .map_err(|e| unreadable(&e))?;
        if read > limit {
            return Err(too_big());
        }
        total += read;
        if total > MAX_WORKBOOK_BYTES {
            return Err(fail(format!(
                "the workbook's parts hold more than {} MiB once decompressed, the most belong reads from one workbook; export the tables as CSV, which belong reads in batches",
                MAX_WORKBOOK_BYTES >> 20
            )));
        }
    }
    Ok(())
}

/// The sheet as text columns, the 1-based row of its header, and its name
/// and column letters.
pub(crate) fn read_sheet(
    path: &Path,
    sheet: Option<&str>,
) -> Result<(DataFrame, u64, crate::ingest::read::SheetColumns)> {
    let fail = |message: String| Error::Table {
        path: path.to_path_buf(),
        message,
    };
    check_archive(path)?;
    let mut workbook: Xlsx<_> =
        open_workbook(path).map_err(|e| fail(format!("not a readable .xlsx workbook ({e})")))?;
    let names = workbook.sheet_names();
    let name = match sheet {
        Some(wanted) => names
            .iter()
            .find(|n| n.as_str() == wanted)
            .cloned()
            .ok_or_else(|| {
                fail(format!(
                    "no sheet named \"{wanted}\"; the sheets are {}",
                    names
                        .iter()
                        .map(|n| format!("\"{n}\""))
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })?,
        None => names
            .first()
            .cloned()
            .ok_or_else(|| fail("the workbook has no sheets".into()))?,
    };
    // Cells are read one by one, never as calamine's dense range: a sheet
    // declaring one cell at XFD1048576 would otherwise allocate every cell
    // before it and abort the process.
    let mut cells: Vec<(u32, u32, Data)> = Vec::new();
    let mut reader = workbook
        .worksheet_cells_reader(&name)
        .map_err(|e| fail(format!("sheet \"{name}\": {e}")))?;
    while let Some(cell) = reader
        .next_cell()
        .map_err(|e| fail(format!("sheet \"{name}\": {e}")))?
    {
        let (row, column) = cell.get_position();
        let value: Data = cell.get_value().clone().into();
        if text_of(&value).is_none_or(|t| t.trim().is_empty()) {
            continue;
        }
        if let Data::String(text) = &value {
            if text.chars().count() > MAX_CELL_CHARS {
                return Err(fail(format!(
                    "sheet \"{name}\", cell {}{}: the text is longer than {MAX_CELL_CHARS} characters (Excel's own limit); shorten it or drop the column",
                    column_letter(column as usize),
                    row + 1
                )));
            }
        }
        if cells.len() == MAX_SHEET_CELLS {
            return Err(fail(format!(
                "sheet \"{name}\" has more than {MAX_SHEET_CELLS} filled cells; export the table as CSV, which belong reads in batches"
            )));
        }
        cells.push((row, column, value));
    }
    drop(reader);
    cells.sort_by_key(|(row, column, _)| (*row, *column));
    let Some(&(start_row, _, _)) = cells.first() else {
        return Err(fail(format!("sheet \"{name}\" is empty")));
    };
    // The table is the header and the rows after it up to the first empty
    // row; anything below that (a note, a total) is not part of it.
    let mut end_row = start_row;
    let mut table_cells = 0;
    for (row, _, _) in &cells {
        if *row > end_row + 1 {
            break;
        }
        end_row = *row;
        table_cells += 1;
    }
    if let Some((row, column, value)) = cells.get(table_cells) {
        let shown: String = text_of(value)
            .unwrap_or_default()
            .chars()
            .take(40)
            .collect();
        return Err(fail(format!(
            "sheet \"{name}\", cell {}{}: \"{}\" is below the table, which ends at its first empty row ({}); delete the empty row if the table goes on, or move the note to another sheet",
            column_letter(*column as usize),
            row + 1,
            shown.escape_debug(),
            end_row + 2
        )));
    }
    cells.truncate(table_cells);
    let start_column = cells.iter().map(|(_, c, _)| *c).min().unwrap_or(0);
    let end_column = cells.iter().map(|(_, c, _)| *c).max().unwrap_or(0);
    let width = (end_column - start_column + 1) as usize;
    let height = (end_row - start_row) as usize;
    let mut header = vec![String::new(); width];
    let mut columns: Vec<Vec<Option<String>>> = vec![vec![None; height]; width];
    for (row, column, cell) in &cells {
        let k = (column - start_column) as usize;
        if *row == start_row {
            header[k] = text_of(cell).unwrap_or_default().trim().to_string();
            continue;
        }
        if let Data::Error(error) = cell {
            let letter = column_letter(*column as usize);
            return Err(Error::Value(Box::new(crate::error::CellError {
                path: path.to_path_buf(),
                line: u64::from(*row) + 1,
                column: if header[k].is_empty() {
                    letter.clone()
                } else {
                    header[k].clone()
                },
                found: format!("{error}"),
                expected: "a value".into(),
                fix: "fix the formula or clear the cell".into(),
                sheet: Some(crate::error::SheetCell {
                    sheet: name.clone(),
                    cell: format!("{letter}{}", row + 1),
                }),
            })));
        }
        columns[k][(row - start_row - 1) as usize] = text_of(cell);
    }
    let mut seen: Vec<String> = Vec::new();
    let mut letters = Vec::with_capacity(header.len());
    let mut frame_columns = Vec::with_capacity(header.len());
    for (k, (title, values)) in header.iter().zip(columns).enumerate() {
        // An unnamed column gets a placeholder; ingest drops it when empty.
        let column_name = if title.is_empty() {
            format!("column_{}", k + 1)
        } else {
            title.clone()
        };
        if seen.contains(&column_name) {
            return Err(fail(format!(
                "sheet \"{name}\": the header names column {column_name} twice; rename one"
            )));
        }
        seen.push(column_name.clone());
        letters.push((
            column_name.clone(),
            column_letter(start_column as usize + k),
        ));
        frame_columns.push(Column::new(column_name.into(), values));
    }
    let frame = DataFrame::new_infer_height(frame_columns)
        .map_err(|e| fail(format!("sheet \"{name}\": {e}")))?;
    let columns = crate::ingest::read::SheetColumns { name, letters };
    Ok((frame, u64::from(start_row) + 1, columns))
}

/// The bytes of a workbook's XML parts as its zip declares them: what
/// calamine will decompress. `None` when it is not a readable zip.
pub(crate) fn xml_bytes(path: &Path) -> Option<u64> {
    let file = std::fs::File::open(path).ok()?;
    let mut archive = ::zip::ZipArchive::new(std::io::BufReader::new(file)).ok()?;
    let mut total = 0u64;
    for index in 0..archive.len() {
        let part = archive.by_index_raw(index).ok()?;
        if part.name().ends_with(".xml") {
            total = total.saturating_add(part.size());
        }
    }
    Some(total)
}

/// The names of a workbook's sheets, in workbook order.
pub(crate) fn sheet_names(path: &Path) -> Result<Vec<String>> {
    check_archive(path)?;
    let workbook: Xlsx<_> = open_workbook(path).map_err(|e| Error::Table {
        path: path.to_path_buf(),
        message: format!("not a readable .xlsx workbook ({e})"),
    })?;
    Ok(workbook.sheet_names())
}

/// Text of a cell as a CSV export would write it; `None` when empty.
fn text_of(cell: &Data) -> Option<String> {
    match cell {
        Data::Empty => None,
        Data::String(text) => Some(text.clone()),
        Data::Int(value) => Some(value.to_string()),
        Data::Float(value) => Some(if value.fract() == 0.0 && value.abs() < 1e15 {
            format!("{}", *value as i64)
        } else {
            // Shortest text that reads back as the same double.
            format!("{value}")
        }),
        Data::Bool(value) => Some(value.to_string()),
        Data::DateTime(datetime) => {
            let (year, month, day, hour, minute, second, _) = datetime.to_ymd_hms_milli();
            let date = format_date(days_from_civil(
                i64::from(year),
                u32::from(month),
                u32::from(day),
            ));
            Some(if (hour, minute, second) == (0, 0, 0) {
                date
            } else {
                format!("{date}T{hour:02}:{minute:02}:{second:02}")
            })
        }
        Data::DateTimeIso(text) | Data::DurationIso(text) => Some(text.clone()),
        Data::Error(error) => Some(format!("{error}")),
    }
}

/// `A`, `B`, …, `Z`, `AA`, … for a 0-based column index.
fn column_letter(index: usize) -> String {
    let mut n = index + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
    }

    #[test]
    fn numbers_keep_their_digits() {
        assert_eq!(text_of(&Data::Float(3.0)).unwrap(), "3");
        assert_eq!(text_of(&Data::Float(80.7)).unwrap(), "80.7");
        assert_eq!(text_of(&Data::Empty), None);
    }
}
