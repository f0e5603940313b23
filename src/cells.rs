//! What a cell of an export means wherever it is read: which cells are
//! missing, and calendar dates with the formats people type them in. A
//! leaf module: config, ingest, init, validate and synth all use it, and it
//! uses none of them.

use crate::model::Date;

/// The default missing-value markers of DATA.md.
pub(crate) const DEFAULT_MISSING_MARKERS: [&str; 8] =
    ["", "NA", "N/A", "n/a", "-", ".", "missing", "NULL"];

/// Decides which cells count as missing.
#[derive(Debug, Clone)]
pub struct MissingMarkers {
    markers: Vec<String>,
    /// The longest marker: a longer cell is not compared with any.
    longest: usize,
}

impl Default for MissingMarkers {
    fn default() -> Self {
        MissingMarkers::new(
            DEFAULT_MISSING_MARKERS
                .iter()
                .map(|s| s.to_string())
                .collect(),
        )
    }
}

impl MissingMarkers {
    pub fn new(markers: Vec<String>) -> Self {
        let longest = markers.iter().map(String::len).max().unwrap_or(0);
        MissingMarkers { markers, longest }
    }
    /// The trimmed cell, or `None` when it is a missing marker.
    pub fn value<'a>(&self, cell: Option<&'a str>) -> Option<&'a str> {
        let cell = cell?;
        // Called for every cell of tens of millions of rows: most cells
        // start and end with a visible ASCII character, which `trim` (a
        // Unicode whitespace scan) would leave as they are.
        let trimmed = match (cell.as_bytes().first(), cell.as_bytes().last()) {
            (Some(first), Some(last)) if first.is_ascii_graphic() && last.is_ascii_graphic() => {
                cell
            }
            _ => cell.trim(),
        };
        let is_marker = trimmed.len() <= self.longest && self.markers.iter().any(|m| m == trimmed);
        if is_marker || trimmed.is_empty() {
            None
        } else {
            Some(trimmed)
        }
    }
    pub fn markers(&self) -> &[String] {
        &self.markers
    }
}

/// How dates are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DateFormat {
    /// `2026-11-25` (and `2026/11/25`).
    #[default]
    Iso,
    /// `25/11/2026`, `25.11.2026`, `25-11-2026`.
    DayFirst,
    /// `11/25/2026`.
    MonthFirst,
}

impl DateFormat {
    pub fn parse(text: &str) -> Option<DateFormat> {
        match text.to_ascii_lowercase().replace('_', "-").as_str() {
            "iso" | "yyyy-mm-dd" => Some(DateFormat::Iso),
            "day-first" | "dd/mm/yyyy" | "dmy" => Some(DateFormat::DayFirst),
            "month-first" | "mm/dd/yyyy" | "mdy" => Some(DateFormat::MonthFirst),
            _ => None,
        }
    }
}

/// The date format of every date column: the column's own
/// (`date_formats = { enrolled_on = "day-first" }` under its table), else
/// its table's (`date_format` under the table), else the data set's.
/// `None` everywhere: ISO, and a local date like 03/04/2025 is an error.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DateFormats {
    pub all: Option<DateFormat>,
    /// Table name → its format.
    pub tables: std::collections::BTreeMap<String, DateFormat>,
    /// (table, native column) → its format.
    pub columns: std::collections::BTreeMap<(String, String), DateFormat>,
}

impl DateFormats {
    /// The format of `column` of `table`, if one was set at any level.
    pub fn of(&self, table: &str, column: &str) -> Option<DateFormat> {
        self.columns
            .get(&(table.to_string(), column.to_string()))
            .or_else(|| self.tables.get(table))
            .copied()
            .or(self.all)
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
pub(crate) fn days_from_civil(year: i64, month: u32, day: u32) -> Date {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let m = i64::from(month);
    let day_of_year = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    (era * 146_097 + day_of_era - 719_468) as Date
}

/// The (year, month, day) of days since 1970-01-01.
pub(crate) fn civil_from_days(days: Date) -> (i64, u32, u32) {
    let z = i64::from(days) + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Formats days since 1970-01-01 as ISO 8601.
pub(crate) fn format_date(days: Date) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

/// The date of year, month and day digits, if the calendar has it.
fn calendar_date(year: &str, month: &str, day: &str) -> Option<Date> {
    let year: i64 = year.parse().ok()?;
    let month: u32 = month.parse().ok()?;
    let day: u32 = day.parse().ok()?;
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    Some(days_from_civil(year, month, day))
}

/// An ISO 8601 date `YYYY-MM-DD`, optionally followed by a time, which is
/// ignored.
pub(crate) fn parse_iso_date(text: &str) -> Option<Date> {
    let date_part = text.split(['T', ' ']).next()?;
    let mut parts = date_part.split('-');
    let (year, month, day) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || year.len() != 4 || month.len() != 2 || day.len() != 2 {
        return None;
    }
    calendar_date(year, month, day)
}

/// A date in `format`: ISO (`2026-11-25`, `2026/11/25`), day-first
/// (`25/11/2026`, `25.11.2026`, `25-11-2026`) or month-first
/// (`11/25/2026`). A time after the date is ignored.
pub(crate) fn parse_date(text: &str, format: DateFormat) -> Option<Date> {
    let date_part = text.trim().split(['T', ' ']).next()?;
    // A date that starts with a four-digit year is ISO whatever the
    // format: it cannot be read any other way, and it is how a real date
    // cell of a workbook arrives beside dates typed as text.
    let year_first = date_part.len() > 4
        && date_part.as_bytes()[..4].iter().all(u8::is_ascii_digit)
        && matches!(date_part.as_bytes()[4], b'-' | b'/');
    if format == DateFormat::Iso || year_first {
        return parse_iso_date(&date_part.replace('/', "-"));
    }
    let parts: Vec<&str> = date_part.split(['/', '.', '-']).collect();
    let [first, second, year] = parts.as_slice() else {
        return None;
    };
    let (day, month) = match format {
        DateFormat::DayFirst => (first, second),
        _ => (second, first),
    };
    if year.len() != 4 || day.is_empty() || day.len() > 2 || month.is_empty() || month.len() > 2 {
        return None;
    }
    calendar_date(year, month, day)
}

/// True for `dd/mm/yyyy`-like text, which cannot be read without knowing
/// whether the day or the month comes first.
pub(crate) fn looks_like_local_date(text: &str) -> bool {
    let date_part = text.trim().split(['T', ' ']).next().unwrap_or_default();
    let parts: Vec<&str> = date_part.split(['/', '.', '-']).collect();
    matches!(parts.as_slice(), [a, b, y] if !a.is_empty() && a.len() <= 2 && !b.is_empty() && b.len() <= 2 && y.len() == 4
        && [a, b, y].iter().all(|p| p.chars().all(|c| c.is_ascii_digit())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn markers_are_missing() {
        let markers = MissingMarkers::default();
        for m in ["", " ", "NA", "N/A", "-", ".", "NULL", "missing"] {
            assert_eq!(markers.value(Some(m)), None, "{m}");
        }
        assert_eq!(markers.value(Some(" 3 ")), Some("3"));
    }

    #[test]
    fn iso_dates_are_checked() {
        assert_eq!(parse_iso_date("1970-01-01"), Some(0));
        assert_eq!(parse_iso_date("2024-02-29"), Some(19_782));
        assert_eq!(parse_iso_date("2023-02-29"), None);
        assert_eq!(parse_iso_date("25/11/2026"), None);
        assert_eq!(
            parse_iso_date("2026-11-25T10:00:00"),
            parse_iso_date("2026-11-25")
        );
    }

    #[test]
    fn year_first_dates_are_iso_in_every_format() {
        let expected = days_from_civil(2024, 1, 3);
        for format in [
            DateFormat::Iso,
            DateFormat::DayFirst,
            DateFormat::MonthFirst,
        ] {
            assert_eq!(parse_date("2024-01-03", format), Some(expected));
            assert_eq!(parse_date("2024/01/03", format), Some(expected));
        }
        assert_eq!(
            parse_date("03/01/2024", DateFormat::DayFirst),
            Some(expected)
        );
        assert_eq!(parse_date("2024-13-03", DateFormat::DayFirst), None);
    }

    #[test]
    fn a_column_format_beats_its_table_and_the_data_set() {
        let mut formats = DateFormats {
            all: Some(DateFormat::MonthFirst),
            ..DateFormats::default()
        };
        formats
            .tables
            .insert("participants".into(), DateFormat::Iso);
        formats.columns.insert(
            ("participants".into(), "enrolled_on".into()),
            DateFormat::DayFirst,
        );
        assert_eq!(
            formats.of("participants", "enrolled_on"),
            Some(DateFormat::DayFirst)
        );
        assert_eq!(formats.of("participants", "born_on"), Some(DateFormat::Iso));
        assert_eq!(
            formats.of("attendance", "session_date"),
            Some(DateFormat::MonthFirst)
        );
        assert_eq!(
            DateFormats::default().of("attendance", "session_date"),
            None
        );
    }

    #[test]
    fn local_dates_need_their_order() {
        let iso = parse_iso_date("2026-11-25");
        assert_eq!(parse_date("25/11/2026", DateFormat::DayFirst), iso);
        assert_eq!(parse_date("25.11.2026", DateFormat::DayFirst), iso);
        assert_eq!(parse_date("11/25/2026", DateFormat::MonthFirst), iso);
        assert_eq!(parse_date("11/25/2026", DateFormat::DayFirst), None);
        assert_eq!(parse_date("2026/11/25", DateFormat::Iso), iso);
        assert_eq!(parse_date("25/11/2026", DateFormat::Iso), None);
        assert!(looks_like_local_date("03/04/2025"));
        assert!(!looks_like_local_date("2025-04-03"));
    }

    proptest! {
        #[test]
        fn dates_round_trip(days in -100_000i32..200_000) {
            let text = format_date(days);
            prop_assert_eq!(parse_iso_date(&text), Some(days));
        }

        #[test]
        fn missing_markers_see_the_trimmed_cell(
            text in prop::sample::select(vec!["NA", " NA", "N/A\t", "\u{a0}-", "x", " ", "", "missing", "P0000001"])
                .prop_flat_map(|core| (Just(core), "[ \t\u{a0}\u{2003}a.]{0,2}", "[ \t\u{a0}a.]{0,2}"))
                .prop_map(|(core, before, after)| format!("{before}{core}{after}"))
        ) {
            // The quick path must agree with trimming every cell.
            let markers = MissingMarkers::default();
            let trimmed = text.trim();
            let expected = (!trimmed.is_empty() && !DEFAULT_MISSING_MARKERS.contains(&trimmed)).then_some(trimmed);
            prop_assert_eq!(markers.value(Some(&text)), expected);
        }


        #[test]
        fn date_parsers_never_panic(text in ".*") {
            let _ = parse_iso_date(&text);
            let _ = parse_date(&text, DateFormat::DayFirst);
            let _ = looks_like_local_date(&text);
        }
    }
}
