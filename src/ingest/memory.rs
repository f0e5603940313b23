//! How much memory a run will need, estimated from the sizes of its input
//! files before any is read. A data folder too big for the machine then
//! fails in a second with the reason and the way out, instead of after
//! minutes of swapping or at the hands of the out-of-memory killer, with
//! no message at all.
//!
//! The estimate is deliberately simple: the participants and assessments
//! tables are held whole while they are converted, so their share grows
//! with their cells (rows × columns); attendance is streamed, so only its
//! largest slice is held at once. The factors were measured on the
//! national benchmark, as CSV and as Parquet, with and without attendance
//! (docs/performance.md), and rounded up; the check refuses only a run
//! that the estimate puts beyond the memory available.

use super::read::CHUNK_ROWS;
use super::{table_paths, IngestOptions};
use crate::error::{Error, Result};
use polars::prelude::{ParquetReader, SerReader};
use std::path::{Path, PathBuf};

/// Memory per cell of a table held whole (a text view or a number, the
/// converted column, the panel built from it).
const BYTES_PER_HELD_CELL: u64 = 24;
/// Memory per cell of a CSV attendance slice: polars' streaming reader
/// keeps several batches of text in flight.
const BYTES_PER_STREAMED_CSV_CELL: u64 = 130;
/// Memory per XML byte of a workbook: calamine's cells and the text
/// columns made from them.
const BYTES_PER_XLSX_XML_BYTE: u64 = 3;
/// The engine, the analyses and the report beside the tables.
const BASE_BYTES: u64 = 300 << 20;
/// How much of a CSV file is read to measure its lines.
const SAMPLE_BYTES: u64 = 1 << 20;

/// The estimate and the file that weighs most in it.
#[derive(Debug, Clone, PartialEq)]
pub struct MemoryNeed {
    pub bytes: u64,
    /// The file whose share of the estimate is largest, and that share.
    pub largest: Option<(PathBuf, u64)>,
}

/// The memory a report on this data folder (or wide sheet) will need.
pub(crate) fn needed(data_path: &Path, options: &IngestOptions) -> Result<MemoryNeed> {
    let mut held: Vec<(PathBuf, u64)> = Vec::new();
    let mut streamed: Vec<(PathBuf, u64)> = Vec::new();
    if let Some(wide) = &options.wide {
        let path = match &wide.file {
            Some(file) => data_path.join(file),
            None => data_path.to_path_buf(),
        };
        if path.is_file() {
            let size = shape(&path)?;
            held.push((path, size.held()));
        }
    } else if data_path.is_dir() {
        for table in ["participants", "assessments", "attendance"] {
            let Some(paths) = table_paths(data_path, table, options.tables.get(table))? else {
                continue;
            };
            for path in paths {
                let size = shape(&path)?;
                if table == "attendance" {
                    streamed.push((path, size.streamed()));
                } else {
                    held.push((path, size.held()));
                }
            }
        }
    }
    // Attendance parts are read one after another: only the largest counts.
    let slice = streamed.iter().map(|(_, bytes)| *bytes).max().unwrap_or(0);
    let total = BASE_BYTES + held.iter().map(|(_, bytes)| *bytes).sum::<u64>() + slice;
    let largest = held
        .into_iter()
        .chain(streamed)
        .max_by_key(|(_, bytes)| *bytes);
    Ok(MemoryNeed {
        bytes: total,
        largest,
    })
}

/// A file's size in the terms memory grows with.
enum Shape {
    /// Rows and columns of a CSV or Parquet file.
    Cells { rows: u64, columns: u64, csv: bool },
    /// The XML of a workbook.
    Xml(u64),
}

impl Shape {
    /// Held whole while converted.
    fn held(&self) -> u64 {
        match self {
            Shape::Cells { rows, columns, .. } => rows * columns * BYTES_PER_HELD_CELL,
            Shape::Xml(bytes) => bytes * BYTES_PER_XLSX_XML_BYTE,
        }
    }

    /// Streamed in slices of [`CHUNK_ROWS`] rows.
    fn streamed(&self) -> u64 {
        match self {
            Shape::Cells { rows, columns, csv } => {
                let cells = (*rows).min(CHUNK_ROWS as u64) * columns;
                cells
                    * if *csv {
                        BYTES_PER_STREAMED_CSV_CELL
                    } else {
                        BYTES_PER_HELD_CELL
                    }
            }
            Shape::Xml(_) => self.held(),
        }
    }
}

/// Rows and columns from a Parquet footer or a CSV's first megabyte; a
/// workbook's XML bytes. A file whose shape cannot be read counts by its
/// size, and its reading later says what is wrong with it.
fn shape(path: &Path) -> Result<Shape> {
    let on_disk = std::fs::metadata(path)
        .map_err(|e| Error::io("sizing the table", path, e))?
        .len();
    let extension = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    Ok(match extension.as_deref() {
        Some("xlsx") => Shape::Xml(super::excel::xml_bytes(path).unwrap_or(on_disk)),
        Some("parquet") => parquet_shape(path).unwrap_or(Shape::Cells {
            rows: on_disk,
            columns: 1,
            csv: false,
        }),
        _ => csv_shape(path, on_disk).unwrap_or(Shape::Cells {
            rows: on_disk,
            columns: 1,
            csv: true,
        }),
    })
}

fn parquet_shape(path: &Path) -> Option<Shape> {
    let read = || {
        let file = std::fs::File::open(path).map_err(|e| Error::io("sizing the table", path, e))?;
        let mut reader = ParquetReader::new(file);
        let failed = |_| Error::Layout(String::new());
        let rows = reader.num_rows().map_err(failed)?;
        let columns = reader.schema().map_err(failed)?.len();
        Ok((rows as u64, columns as u64))
    };
    let (rows, columns) = super::read::guarded(path, "Parquet", read).ok()?;
    Some(Shape::Cells {
        rows,
        columns,
        csv: false,
    })
}

fn csv_shape(path: &Path, on_disk: u64) -> Option<Shape> {
    use std::io::Read;
    let mut sample = Vec::new();
    std::fs::File::open(path)
        .ok()?
        .take(SAMPLE_BYTES)
        .read_to_end(&mut sample)
        .ok()?;
    let header_end = sample.iter().position(|b| *b == b'\n')?;
    let header = &sample[..header_end];
    let delimiter = super::read::sniff_delimiter(path);
    let columns = header.iter().filter(|b| **b == delimiter).count() as u64 + 1;
    let body = &sample[header_end + 1..];
    let lines = body.iter().filter(|b| **b == b'\n').count() as u64;
    let rows = if lines == 0 {
        1
    } else {
        (on_disk - header_end as u64) * lines / body.len() as u64
    };
    Some(Shape::Cells {
        rows,
        columns,
        csv: true,
    })
}

/// The memory this process may still use: the system's available memory,
/// or the container's limit when that is lower. `None` where neither can
/// be read (not Linux), and the check is skipped.
pub fn available() -> Option<u64> {
    let system = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| meminfo_available(&text));
    let container = cgroup_headroom();
    match (system, container) {
        (Some(s), Some(c)) => Some(s.min(c)),
        (s, c) => s.or(c),
    }
}

/// `MemAvailable` of /proc/meminfo, in bytes.
fn meminfo_available(text: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// The cgroup v2 limit less what the group already uses.
fn cgroup_headroom() -> Option<u64> {
    let read = |name: &str| std::fs::read_to_string(Path::new("/sys/fs/cgroup").join(name)).ok();
    let limit: u64 = read("memory.max")?.trim().parse().ok()?;
    let current: u64 = read("memory.current")
        .and_then(|t| t.trim().parse().ok())
        .unwrap_or(0);
    Some(limit.saturating_sub(current))
}

/// Refuses a run whose estimate exceeds `available`, naming the file that
/// weighs most and the ways out.
pub fn check(need: &MemoryNeed, available: u64) -> Result<()> {
    if need.bytes <= available {
        return Ok(());
    }
    let gib = |bytes: u64| bytes as f64 / f64::from(1u32 << 30);
    let largest = need
        .largest
        .as_ref()
        .map(|(path, share)| {
            format!(
                "; the largest part is {} (about {:.1} GiB of it)",
                path.display(),
                gib(*share)
            )
        })
        .unwrap_or_default();
    Err(Error::Memory(format!(
        "this data would need about {:.1} GiB of memory and {:.1} GiB is available{largest}. Free memory, run on a larger machine, convert the tables to Parquet (read in slices), or report on part of the data at a time (one site or cohort per folder); --skip-memory-check runs anyway",
        gib(need.bytes),
        gib(available)
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn available_memory_is_read_from_meminfo() {
        let text = "MemTotal:       24000000 kB\nMemFree:  1000 kB\nMemAvailable:   2048 kB\n";
        assert_eq!(meminfo_available(text), Some(2048 * 1024));
        assert_eq!(meminfo_available("MemTotal: 1 kB\n"), None);
    }

    #[test]
    fn the_shape_of_a_csv_is_measured_from_its_first_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("assessments.csv");
        let mut text = String::from("participant_id,wave,score\n");
        for k in 0..1000 {
            text.push_str(&format!("P{k:04},baseline,5\n"));
        }
        std::fs::write(&path, text).unwrap();
        match shape(&path).unwrap() {
            Shape::Cells { rows, columns, csv } => {
                assert_eq!((rows, columns, csv), (1000, 3, true));
            }
            Shape::Xml(_) => panic!("not a workbook"),
        }
    }

    #[test]
    fn a_need_beyond_what_is_available_is_refused_naming_the_largest_file() {
        let need = MemoryNeed {
            bytes: 40 << 30,
            largest: Some((PathBuf::from("data/assessments.csv"), 36 << 30)),
        };
        assert!(check(&need, 41 << 30).is_ok());
        let message = check(&need, 20 << 30).unwrap_err().to_string();
        assert!(
            message.contains("about 40.0 GiB")
                && message.contains("20.0 GiB is available")
                && message.contains("data/assessments.csv")
                && message.contains("--skip-memory-check"),
            "{message}"
        );
    }
}
