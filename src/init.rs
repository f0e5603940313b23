//! `belong init`: inspect a data folder (or one sheet) and write a
//! commented belong.toml — which file is which table, which column plays
//! which role, the instruments, waves and date format — so that
//! `belong report` works without hand-written config. What cannot be told
//! from the data is left as a commented question, never guessed.

use crate::cells::{looks_like_local_date, MissingMarkers};
use crate::config::DateFormat;
use crate::error::{Error, Result};
use crate::ingest::read::{read_part, TablePart};
use crate::instruments::Instrument;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Lower case, words separated by single spaces: `Client ID` → `client id`.
fn normalise(name: &str) -> String {
    crate::ingest::privacy::words(name)
}

fn has_word(name: &str, words: &[&str]) -> bool {
    let n = normalise(name);
    words.iter().any(|w| {
        n == *w
            || n.starts_with(&format!("{w} "))
            || n.ends_with(&format!(" {w}"))
            || n.contains(&format!(" {w} "))
    })
}

fn is_id(name: &str) -> bool {
    let n = normalise(name);
    n == "participant id"
        || [
            "id",
            "participant",
            "client",
            "person",
            "member",
            "pid",
            "ref",
            "reference",
            "respondent",
        ]
        .contains(&n.as_str())
        || (has_word(name, &["id", "ref", "reference", "number"])
            && has_word(
                name,
                &[
                    "participant",
                    "client",
                    "person",
                    "member",
                    "respondent",
                    "service user",
                    "user",
                ],
            ))
}

fn is_wave(name: &str) -> bool {
    let n = normalise(name);
    [
        "wave",
        "timepoint",
        "time point",
        "time",
        "visit",
        "occasion",
        "stage",
        "round",
        "period",
        "assessment point",
        "survey round",
    ]
    .contains(&n.as_str())
}

/// Item or total columns of an instrument, recognised from names such as
/// `UCLA 1`, `ucla_q2`, `UCLA item 3`, `DJG11 4`, `UCLA total`.
#[derive(Debug, Default)]
struct InstrumentColumnsFound {
    items: BTreeMap<usize, String>,
    total: Option<String>,
}

const ALIASES: [(&str, &[&str]); 5] = [
    ("ucla", &["ucla", "ucla3", "ucla20", "ucla loneliness"]),
    (
        "djg",
        &[
            "djg",
            "djg6",
            "djg11",
            "de jong",
            "de jong gierveld",
            "jong gierveld",
        ],
    ),
    (
        "ons_lonely",
        &["ons", "ons lonely", "ons loneliness", "how often lonely"],
    ),
    ("cel3", &["cel", "cel3", "campaign to end loneliness"]),
    (
        "swemwbs",
        &["swemwbs", "wemwbs", "swemwbs", "warwick edinburgh"],
    ),
];

/// (family, item number or None for a total) of a column name.
fn instrument_column(name: &str) -> Option<(&'static str, Option<usize>)> {
    let n = normalise(name);
    for (family, aliases) in ALIASES {
        for alias in aliases.iter() {
            let Some(rest) = n.strip_prefix(alias) else {
                continue;
            };
            let rest = rest.trim();
            let rest = rest
                .strip_prefix("item")
                .or_else(|| rest.strip_prefix("q"))
                .unwrap_or(rest)
                .trim();
            if let Ok(k) = rest.parse::<usize>() {
                return Some((family, Some(k)));
            }
            if rest.is_empty() || ["total", "score", "sum", "total score"].contains(&rest) {
                return Some((family, None));
            }
        }
    }
    None
}

/// The registry instrument a family with `items` items (or a total with
/// values up to `max_value`) is.
fn resolve_family(family: &str, items: usize, max_value: f64) -> Option<&'static str> {
    Some(match (family, items) {
        ("ucla", 3) => "ucla3",
        ("ucla", 20) => "ucla20",
        ("ucla", 0) if max_value <= 9.0 => "ucla3",
        ("ucla", 0) => "ucla20",
        ("djg", 6) => "djg6",
        ("djg", 11) => "djg11",
        ("djg", 0) if max_value <= 6.0 => "djg6",
        ("djg", 0) => "djg11",
        ("ons_lonely", _) => "ons_lonely",
        ("cel3", _) => "cel3",
        ("swemwbs", _) => "swemwbs",
        _ => return None,
    })
}

/// Words in a wide sheet's column names that name a wave, in wave order.
const WAVE_WORDS: [(&str, &str); 12] = [
    ("pre", "baseline"),
    ("baseline", "baseline"),
    ("before", "baseline"),
    ("intake", "baseline"),
    ("t0", "baseline"),
    ("start", "baseline"),
    ("post", "followup"),
    ("after", "followup"),
    ("follow up", "followup"),
    ("followup", "followup"),
    ("end", "followup"),
    ("t1", "followup"),
];

/// One inspected file, or one sheet of a workbook.
struct Inspected {
    path: PathBuf,
    /// The sheet, for a workbook.
    sheet: Option<String>,
    part: TablePart,
    columns: Vec<String>,
}

impl Inspected {
    fn values(&self, column: &str, missing: &MissingMarkers) -> Vec<String> {
        self.part
            .text(column)
            .ok()
            .flatten()
            .unwrap_or_default()
            .into_iter()
            .filter_map(|v| missing.value(v.as_deref()).map(str::to_string))
            .collect()
    }
}

/// What init found, and the config text it writes.
pub struct Proposal {
    pub config: String,
    /// One line per finding, for the terminal.
    pub summary: Vec<String>,
}

fn data_files(data: &Path) -> Result<Vec<PathBuf>> {
    if data.is_file() {
        return Ok(vec![data.to_path_buf()]);
    }
    let entries =
        std::fs::read_dir(data).map_err(|e| Error::io("listing the data folder", data, e))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file()
                && p.extension().is_some_and(|e| {
                    ["csv", "parquet", "xlsx"]
                        .contains(&e.to_string_lossy().to_ascii_lowercase().as_str())
                })
        })
        .collect();
    files.sort();
    Ok(files)
}

/// Reads the date format from date-like values: `None` when every value
/// is ISO or when local dates never show which part is the day.
fn date_format_of(values: &[String]) -> (Option<DateFormat>, bool) {
    let mut local = false;
    let (mut day_first, mut month_first) = (false, false);
    for value in values {
        if !looks_like_local_date(value) {
            continue;
        }
        local = true;
        let parts: Vec<u32> = value
            .split(['/', '.', '-', ' ', 'T'])
            .take(2)
            .filter_map(|p| p.parse().ok())
            .collect();
        if let [a, b] = parts.as_slice() {
            if *a > 12 {
                day_first = true;
            }
            if *b > 12 {
                month_first = true;
            }
        }
    }
    match (local, day_first, month_first) {
        (false, _, _) => (None, false),
        (true, true, false) => (Some(DateFormat::DayFirst), false),
        (true, false, true) => (Some(DateFormat::MonthFirst), false),
        _ => (None, true),
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn toml_string(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for c in text.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(quoted, "\\u{:04X}", u32::from(c));
            }
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

/// Text from the data as it may appear in a comment of the config (and
/// on the terminal): control characters, a line break above all, are
/// shown escaped, so that a name can neither end the comment and write
/// config of its own nor make the file unreadable.
fn plain(text: &str) -> String {
    let mut shown = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            let _ = write!(shown, "\\u{{{:x}}}", u32::from(c));
        } else {
            shown.push(c);
        }
    }
    shown
}

/// Inspects `data` and proposes a config.
pub fn inspect(data: &Path, instruments: &[Instrument]) -> Result<Proposal> {
    let folder = crate::ingest::data_folder(data);
    let missing = MissingMarkers::default();
    let mut inspected = Vec::new();
    let mut summary = Vec::new();
    for (index, path) in data_files(data)?.into_iter().enumerate() {
        let is_workbook = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
        if !is_workbook {
            let (part, _) = read_part(&folder, "init", &path, index as u32, None)?;
            let columns = part.column_names();
            inspected.push(Inspected {
                path,
                sheet: None,
                part,
                columns,
            });
            continue;
        }
        // Every sheet of a workbook is a candidate table.
        let sheets = crate::ingest::read::guarded(&path, "Excel (.xlsx)", || {
            crate::ingest::excel::sheet_names(&path)
        })?;
        for sheet in sheets {
            match read_part(&folder, "init", &path, index as u32, Some(&sheet)) {
                Ok((part, _)) => {
                    let columns = part.column_names();
                    inspected.push(Inspected {
                        path: path.clone(),
                        sheet: Some(sheet),
                        part,
                        columns,
                    });
                }
                Err(error) => summary.push(format!(
                    "{}, sheet \"{sheet}\": left out ({error})",
                    file_name(&path)
                )),
            }
        }
    }
    if inspected.is_empty() {
        return Err(Error::Layout(format!(
            "{}: no .csv, .parquet or .xlsx files to inspect",
            data.display()
        )));
    }
    let mut config = String::from(
        "# belong.toml written by `belong init`: check every line, then run `belong report`.\n# Every key is documented in docs/config.md.\n\n",
    );
    let mut sections = String::new();
    let mut date_values: Vec<String> = Vec::new();
    // Per native table: its dates' format, and whether no value decides it.
    let mut table_dates: Vec<(&str, Option<DateFormat>, bool)> = Vec::new();
    let mut groups: Vec<String> = Vec::new();
    let mut waves_line = String::new();
    let mut found_assessments = false;
    let mut taken: Vec<&str> = Vec::new();
    // Exact ages, which a report may show in bands instead.
    let mut band_hints: Vec<String> = Vec::new();

    for file in &inspected {
        let name = match &file.sheet {
            Some(sheet) => format!(
                "{}, sheet \"{}\"",
                plain(&file_name(&file.path)),
                plain(sheet)
            ),
            None => plain(&file_name(&file.path)),
        };
        // Where the table is, as config lines.
        let place = match &file.sheet {
            Some(sheet) => format!(
                "file = {}\nsheet = {}\n",
                toml_string(&file_name(&file.path)),
                toml_string(sheet)
            ),
            None => format!("file = {}\n", toml_string(&file_name(&file.path))),
        };
        let stem = file
            .path
            .file_stem()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        let id_column = file.columns.iter().find(|c| is_id(c)).cloned();
        let wave_column = file.columns.iter().find(|c| is_wave(c)).cloned();
        let mut families: BTreeMap<&'static str, InstrumentColumnsFound> = BTreeMap::new();
        for column in &file.columns {
            if let Some((family, item)) = instrument_column(&strip_wave_words(column)) {
                let entry = families.entry(family).or_default();
                match item {
                    Some(k) => {
                        entry.items.insert(k, column.clone());
                    }
                    None => entry.total = Some(column.clone()),
                }
            }
        }
        let native_items = file.columns.iter().any(|c| {
            instruments.iter().any(|i| {
                c.strip_prefix(&format!("{}_", i.id))
                    .is_some_and(|rest| rest == "total" || rest.parse::<usize>().is_ok())
            })
        });
        let ids = id_column
            .as_ref()
            .map(|c| file.values(c, &missing))
            .unwrap_or_default();
        let mut unique = ids.clone();
        unique.sort();
        unique.dedup();
        let one_row_per_id = !ids.is_empty() && unique.len() == ids.len();
        // Wide columns by wave: pre/post words, or a time (`UCLA 6 months`).
        let wave_columns: Vec<(&String, String)> = file
            .columns
            .iter()
            .filter_map(|c| {
                let n = normalise(c);
                WAVE_WORDS
                    .iter()
                    .find(|(word, _)| has_word(&n, &[word]))
                    .map(|(_, wave)| (c, wave.to_string()))
                    .or_else(|| timed_wave(c).map(|(label, _, _)| (c, label)))
            })
            .collect();
        // A survey tool's second header row holds the question texts.
        let wording: Vec<String> = file
            .columns
            .iter()
            .map(
                |column| match file.part.questions.iter().find(|(c, _)| c == column) {
                    Some((_, question)) => format!("{column} {question}"),
                    None => column.clone(),
                },
            )
            .collect();
        let phrased = instruments_by_wording(&file.columns, &wording, instruments);
        let has_scores = !families.is_empty() || native_items || !phrased.complete.is_empty();
        // Bare `Q1`, `Q2`, … in a long table: told apart only by their
        // answers, and never mapped without a CHECK.
        let questions = if has_scores {
            BTreeMap::new()
        } else {
            numbered_questions(&file.columns)
        };
        let answered_as = instruments_by_answers(file, &questions, instruments, &missing);
        let date_columns: Vec<&String> = file
            .columns
            .iter()
            .filter(|c| has_word(c, &["date", "on", "when", "completed", "day"]))
            .collect();

        // The wide sheet: one row per person, scores named by wave.
        if (one_row_per_id || id_column.is_none())
            && wave_column.is_none()
            && has_scores
            && !wave_columns.is_empty()
        {
            summary.push(format!(
                "{name}: a wide sheet (one row per participant, scores per wave)"
            ));
            let _ = write!(
                sections,
                "# {name}: one row per participant with scores per wave.\n[wide]\n{place}"
            );
            if let Some(id) = &id_column {
                let _ = writeln!(sections, "participant_id = {}", toml_string(id));
            } else {
                sections.push_str("# No id column found: participants are numbered by row.\n");
            }
            if let Some(sessions) = file
                .columns
                .iter()
                .find(|c| has_word(c, &["sessions", "attended", "attendance"]))
            {
                let _ = writeln!(sections, "sessions = {}", toml_string(sessions));
            }
            let mapped = map_groups(&file.columns, &mut groups);
            if !mapped.is_empty() {
                let _ = writeln!(sections, "columns = {{ {} }}", mapped.join(", "));
            }
            let drop = identifying_columns(file, &missing);
            if !drop.is_empty() {
                let _ = writeln!(sections, "# These columns look identifying and are not read. Remove one from drop only if it is safe, and list it in allow.\ndrop = [{}]", drop.iter().map(|c| toml_string(c)).collect::<Vec<_>>().join(", "));
            }
            // Baseline, the end of the programme, then later follow-ups
            // by time.
            let mut timed: Vec<(f64, String)> = wave_columns
                .iter()
                .filter_map(|(c, _)| timed_wave(c).map(|(label, days, _)| (days, label)))
                .collect();
            timed.sort_by(|a, b| a.0.total_cmp(&b.0));
            timed.dedup_by(|a, b| a.1 == b.1);
            let mut waves: Vec<String> = vec!["baseline".into()];
            if wave_columns.iter().any(|(_, w)| w == "followup") || timed.is_empty() {
                waves.push("followup".into());
            }
            waves.extend(timed.into_iter().map(|(_, label)| label));
            if waves.len() > 2 {
                let _ = writeln!(sections, "# The follow-up compared with the baseline is the last wave, {}; to compare the end of the programme instead, write followup = \"followup\" at the top of this file.", waves[waves.len() - 1]);
            }
            for wave in &waves {
                let wave = wave.as_str();
                let mut pairs: Vec<(String, String)> = Vec::new();
                for (column, column_wave) in &wave_columns {
                    if *column_wave != wave {
                        continue;
                    }
                    if let Some((family, item)) = instrument_column(&strip_wave_words(column)) {
                        let values: Vec<f64> = file
                            .values(column, &missing)
                            .iter()
                            .filter_map(|v| v.parse().ok())
                            .collect();
                        let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                        let count = families.get(family).map_or(0, |f| f.items.len());
                        if let Some(id) =
                            resolve_family(family, if item.is_some() { count } else { 0 }, max)
                        {
                            let native = match item {
                                Some(k) => format!("{id}_{k}"),
                                None => format!("{id}_total"),
                            };
                            match pairs.iter().find(|(n, _)| *n == native) {
                                // `UCLA pre` and `UCLA baseline`: the first is
                                // read, and a person chooses.
                                Some((_, first)) => {
                                    let _ = writeln!(sections, "\n# CHECK: {} and {} both look like {native} at {wave}; {} is read. Map the right one.", plain(first), plain(column), plain(first));
                                }
                                None => pairs.push((native, column.to_string())),
                            }
                        }
                    }
                }
                let pairs: Vec<String> = pairs
                    .iter()
                    .map(|(native, column)| format!("{native} = {}", toml_string(column)))
                    .collect();
                if pairs.is_empty() {
                    let _ = writeln!(sections, "\n# CHECK: no score columns recognised for {wave}; name this wave's score columns, e.g.\n# columns = {{ ucla3_total = \"the column of the {wave} score\" }}\n[[wide.waves]]\nname = \"{wave}\"");
                    continue;
                }
                let _ = writeln!(
                    sections,
                    "\n[[wide.waves]]\nname = \"{wave}\"\ncolumns = {{ {} }}",
                    pairs.join(", ")
                );
            }
            sections.push('\n');
            found_assessments = true;
            for column in &date_columns {
                date_values.extend(file.values(column, &missing).into_iter().take(2000));
            }
            continue;
        }

        // Native tables.
        let role = if ((has_scores || !answered_as.is_empty())
            && (wave_column.is_some() || stem.contains("assess")))
            || (wave_column.is_some() && !one_row_per_id)
        {
            "assessments"
        } else if !has_scores
            && !date_columns.is_empty()
            && (stem.contains("attend")
                || stem.contains("session")
                || stem.contains("register")
                || file
                    .columns
                    .iter()
                    .any(|c| has_word(c, &["activity", "attended"]))
                || !one_row_per_id)
        {
            "attendance"
        } else if !has_scores && one_row_per_id {
            "participants"
        } else {
            summary.push(format!("{name}: not recognised; left out"));
            let _ = writeln!(
                sections,
                "# {name}: not recognised as participants, assessments or attendance; left out.\n"
            );
            continue;
        };
        if taken.contains(&role) {
            summary.push(format!(
                "{name}: looks like a second {role} table; left out"
            ));
            let _ = writeln!(sections, "# {name}: looks like a second {role} table; left out (combine the files, or give the right one as file = ... under [{role}]).\n");
            continue;
        }
        taken.push(role);
        summary.push(format!("{name}: the {role} table"));
        let mut mapping: Vec<String> = Vec::new();
        let mut check_note: Option<&str> = None;
        let mut sections_note = String::new();
        // The table's date column, as named in the file.
        let mut table_date: Option<&String> = None;
        if let Some(id) = id_column
            .as_ref()
            .filter(|c| c.as_str() != "participant_id")
        {
            mapping.push(format!("participant_id = {}", toml_string(id)));
        }
        match role {
            "participants" => {
                mapping.extend(map_groups(&file.columns, &mut groups));
                band_hints.extend(age_columns(file, &missing));
                if let Some(date) = date_columns.iter().find(|c| {
                    c.as_str() != "enrolled_on"
                        && has_word(
                            c,
                            &[
                                "start",
                                "enrolled",
                                "enrolment",
                                "enrollment",
                                "joined",
                                "referral",
                                "referred",
                            ],
                        )
                }) {
                    mapping.push(format!("enrolled_on = {}", toml_string(date)));
                    table_date = Some(date);
                }
            }
            "assessments" => {
                found_assessments = true;
                if let Some(wave) = wave_column.as_ref().filter(|c| c.as_str() != "wave") {
                    mapping.push(format!("wave = {}", toml_string(wave)));
                }
                if let Some(date) = date_columns.iter().find(|c| c.as_str() != "assessed_on") {
                    mapping.push(format!("assessed_on = {}", toml_string(date)));
                    table_date = Some(date);
                }
                for (id, items) in &phrased.complete {
                    for (k, column) in items {
                        mapping.push(format!("{id}_{k} = {}", toml_string(column)));
                    }
                    summary.push(format!(
                        "{name}: instrument {id}, from the wording of its questions"
                    ));
                    let instrument = instruments.iter().find(|i| &i.id == id);
                    if let Some(note) =
                        instrument.and_then(|i| unknown_answers(file, i, items, &missing))
                    {
                        summary.push(format!("{name}: {note}"));
                        let _ = writeln!(sections_note, "# CHECK: {note}");
                    }
                }
                for (id, found, of) in &phrased.partial {
                    summary.push(format!("{name}: {found} of the {of} questions of {id} recognised by their wording; map the others by hand"));
                    let _ = writeln!(sections_note, "# CHECK: {found} of the {of} questions of {id} recognised by their wording; map all {of} as {id}_1 … {id}_{of} in columns");
                }
                let shown_questions = || {
                    let first = questions.values().next().map_or("", String::as_str);
                    match questions.values().last() {
                        Some(last) if questions.len() > 1 => {
                            format!("{} … {}", plain(first), plain(last))
                        }
                        _ => plain(first),
                    }
                };
                if let [instrument] = answered_as.as_slice() {
                    for (k, column) in &questions {
                        mapping.push(format!("{}_{k} = {}", instrument.id, toml_string(column)));
                    }
                    let note = format!(
                        "{} read as the {} items of {} ({}) because their answers fit it and no other instrument; check that this is the questionnaire asked",
                        shown_questions(),
                        questions.len(),
                        instrument.id,
                        instrument.name
                    );
                    summary.push(format!("{name}: CHECK: {note}"));
                    let _ = writeln!(sections_note, "# CHECK: {note}");
                } else if answered_as.len() > 1 {
                    let ids: Vec<&str> = answered_as.iter().map(|i| i.id.as_str()).collect();
                    let first = ids[0];
                    let note = format!(
                        "{} could be the items of {}: their answers fit each; map them by hand, e.g. {first}_1 = {}",
                        shown_questions(),
                        ids.join(" or "),
                        toml_string(questions.values().next().map_or("", String::as_str))
                    );
                    summary.push(format!("{name}: CHECK: {note}"));
                    let _ = writeln!(sections_note, "# CHECK: {note}");
                } else if families.is_empty() && !native_items && phrased.complete.is_empty() {
                    summary.push(format!("{name}: no questionnaire columns recognised; map them under [assessments] columns (e.g. ucla3_1 = \"Q1\")"));
                    check_note = Some("# CHECK: no questionnaire columns recognised; add them to columns, e.g. ucla3_1 = \"Q1\"\n");
                }
                for (family, found) in &families {
                    let max = found
                        .total
                        .as_ref()
                        .map(|t| {
                            file.values(t, &missing)
                                .iter()
                                .filter_map(|v| v.parse::<f64>().ok())
                                .fold(f64::NEG_INFINITY, f64::max)
                        })
                        .unwrap_or(f64::NEG_INFINITY);
                    let Some(id) = resolve_family(family, found.items.len(), max) else {
                        summary.push(format!("{name}: {} item columns of {family} match no registry instrument; map them by hand", found.items.len()));
                        continue;
                    };
                    if found.items.is_empty() {
                        if let Some(total) = &found.total {
                            mapping.push(format!("{id}_total = {}", toml_string(total)));
                        }
                    }
                    for (k, column) in &found.items {
                        mapping.push(format!("{id}_{k} = {}", toml_string(column)));
                    }
                    summary.push(format!("{name}: instrument {id}"));
                }
                if let Some(wave) = &wave_column {
                    let mut labels = file.values(wave, &missing);
                    labels.sort();
                    labels.dedup();
                    if labels.len() >= 2 {
                        let (mut first, rest): (Vec<String>, Vec<String>) =
                            labels.into_iter().partition(|l| {
                                ["baseline", "pre", "intake", "t0"]
                                    .contains(&l.to_ascii_lowercase().as_str())
                            });
                        first.extend(rest);
                        waves_line = format!(
                            "# Waves found: {}. belong orders them (baseline first, then by date or label); to fix the order write\n# waves = [{}]\n",
                            plain(&first.join(", ")),
                            first.iter().map(|w| toml_string(w)).collect::<Vec<_>>().join(", ")
                        );
                    }
                }
            }
            _ => {
                if let Some(date) = date_columns.iter().find(|c| c.as_str() != "session_date") {
                    mapping.push(format!("session_date = {}", toml_string(date)));
                    table_date = Some(date);
                }
                let optional: [(&str, &[&str]); 4] = [
                    (
                        "activity",
                        &[
                            "activity",
                            "session type",
                            "group type",
                            "class",
                            "programme",
                            "program",
                        ],
                    ),
                    ("format", &["format", "mode", "delivery"]),
                    (
                        "attended",
                        &["attended", "present", "attendance", "did attend"],
                    ),
                    ("minutes", &["minutes", "mins", "duration", "time attended"]),
                ];
                for (native, names) in optional {
                    if let Some(column) = file
                        .columns
                        .iter()
                        .find(|c| c.as_str() != native && names.contains(&normalise(c).as_str()))
                    {
                        if !file.columns.iter().any(|c| c == native) {
                            mapping.push(format!("{native} = {}", toml_string(column)));
                        }
                    }
                }
            }
        }
        let native_date = match role {
            "participants" => "enrolled_on",
            "assessments" => "assessed_on",
            _ => "session_date",
        };
        let table_date = table_date.or_else(|| file.columns.iter().find(|c| *c == native_date));
        if let Some(column) = table_date {
            let values: Vec<String> = file
                .values(column, &missing)
                .into_iter()
                .take(2000)
                .collect();
            let (format, ambiguous) = date_format_of(&values);
            table_dates.push((role, format, ambiguous));
        }
        let _ = writeln!(sections, "# {name}: the {role} table.\n[{role}]");
        if stem != role || file.sheet.is_some() {
            sections.push_str(&place);
        }
        // Filled in once every table's dates are known.
        let _ = write!(sections, "{DATE_MARK}{role}{DATE_MARK}");
        if let Some(note) = check_note {
            sections.push_str(note);
        }
        sections.push_str(&sections_note);
        // Two findings for one role (`UCLA 1` by name and a question by
        // its wording): the first is kept, and a person chooses.
        let mut keys: Vec<&str> = Vec::new();
        let mut kept: Vec<&str> = Vec::new();
        for pair in &mapping {
            let key = pair.split(" = ").next().unwrap_or(pair);
            if keys.contains(&key) {
                let _ = writeln!(
                    sections,
                    "# CHECK: more than one column looks like {key}; the first is read, not {}.",
                    plain(pair.split_once(" = ").map_or("", |(_, column)| column))
                );
            } else {
                keys.push(key);
                kept.push(pair);
            }
        }
        if !kept.is_empty() {
            let _ = writeln!(sections, "columns = {{ {} }}", kept.join(", "));
        }
        let drop = identifying_columns(file, &missing);
        if !drop.is_empty() {
            let _ = writeln!(sections, "# These columns look identifying and are not read. Remove one from drop only if it is safe, and list it in allow.\ndrop = [{}]", drop.iter().map(|c| toml_string(c)).collect::<Vec<_>>().join(", "));
        }
        sections.push('\n');
    }
    if !found_assessments {
        summary.push(
            "no questionnaire scores recognised: in belong.toml, name each item column under [assessments] columns, e.g. ucla3_1 = \"Q1\" (`belong instruments` lists the instruments and their column names)".into(),
        );
    }
    // One format for the whole data set when the tables agree; else each
    // table says its own, and asks where no value decides it.
    let formats: Vec<DateFormat> = table_dates.iter().filter_map(|(_, f, _)| *f).collect();
    let agreed = formats.windows(2).all(|w| w[0] == w[1]);
    let any_ambiguous = table_dates.iter().any(|(_, _, a)| *a);
    let (date_format, ambiguous) = if !date_values.is_empty() {
        date_format_of(&date_values)
    } else if agreed && (!any_ambiguous || formats.is_empty()) {
        (formats.first().copied(), any_ambiguous)
    } else {
        (None, false)
    };
    let per_table = date_values.is_empty() && !(agreed && (!any_ambiguous || formats.is_empty()));
    for (role, format, table_ambiguous) in &table_dates {
        let mark = format!("{DATE_MARK}{role}{DATE_MARK}");
        let line = match (per_table, format, table_ambiguous) {
            (false, _, _) => String::new(),
            (true, Some(DateFormat::DayFirst), _) => "# Dates are written day first (25/11/2026).\ndate_format = \"day-first\"\n".into(),
            (true, Some(DateFormat::MonthFirst), _) => "# Dates are written month first (11/25/2026).\ndate_format = \"month-first\"\n".into(),
            (true, _, true) => "# CHECK: dates like 03/04/2025 could be day or month first and no value settles it.\n# Uncomment the right one:\n# date_format = \"day-first\"\n# date_format = \"month-first\"\n".into(),
            _ => String::new(),
        };
        sections = sections.replacen(&mark, &line, 1);
        if per_table && format.is_some() {
            summary.push(format!(
                "dates of the {role} table: {}",
                if *format == Some(DateFormat::DayFirst) {
                    "day first"
                } else {
                    "month first"
                }
            ));
        } else if per_table && *table_ambiguous {
            summary.push(format!("dates of the {role} table: ambiguous (day or month first); set date_format under [{role}] in belong.toml"));
        }
    }
    // A table without a date column has no format to write.
    for role in ["participants", "assessments", "attendance"] {
        sections = sections.replace(&format!("{DATE_MARK}{role}{DATE_MARK}"), "");
    }
    match (date_format, ambiguous) {
        (Some(DateFormat::DayFirst), _) => {
            config.push_str(
                "# Dates are written day first (25/11/2026).\ndate_format = \"day-first\"\n",
            );
            summary.push("dates: day first".into());
        }
        (Some(DateFormat::MonthFirst), _) => {
            config.push_str(
                "# Dates are written month first (11/25/2026).\ndate_format = \"month-first\"\n",
            );
            summary.push("dates: month first".into());
        }
        (_, true) => {
            config.push_str("# CHECK: dates like 03/04/2025 could be day or month first and no value settles it.\n# Uncomment the right one:\n# date_format = \"day-first\"\n# date_format = \"month-first\"\n");
            summary.push(
                "dates: ambiguous (day or month first); set date_format in belong.toml".into(),
            );
        }
        _ => {}
    }
    if !groups.is_empty() {
        let _ = writeln!(
            config,
            "# Groups compared in every table.\ngroup_by = [{}]",
            groups
                .iter()
                .map(|g| toml_string(g))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    config.push_str(&waves_line);
    for column in &band_hints {
        let _ = writeln!(
            config,
            "# {} holds exact ages; Table 1 shows their mean and quartiles. To show bands instead:\n# bands = {{ {} = [\"<18\", \"18-49\", \"50-64\", \"65-74\", \"75+\"] }}",
            column.escape_debug(),
            toml_key(column)
        );
    }
    config.push('\n');
    config.push_str(&sections);
    // What init writes must parse; a failure here is a bug in init.
    crate::config::RawConfig::from_text(&config).map_err(|message| {
        Error::Config(format!(
            "belong init wrote an invalid config ({message}); please report this"
        ))
    })?;
    Ok(Proposal { config, summary })
}

/// Instruments recognised by the wording of their questions in column
/// headers: those with every item's column found, and those with some.
#[derive(Debug, Default, PartialEq)]
struct ByWording {
    /// (instrument, (item, column) for every item).
    complete: Vec<(String, Vec<(usize, String)>)>,
    /// (instrument, items found, items it has).
    partial: Vec<(String, usize, usize)>,
}

/// True when `phrase` occurs in `text` as whole words (both keys).
fn has_phrase(text: &str, phrase: &str) -> bool {
    format!(" {text} ").contains(&format!(" {phrase} "))
}

/// `wording` is each column's header with its question text, if any.
fn instruments_by_wording(
    columns: &[String],
    wording: &[String],
    instruments: &[Instrument],
) -> ByWording {
    let keys: Vec<String> = wording
        .iter()
        .map(|c| crate::instruments::label_key(c))
        .collect();
    // Per instrument: the column of each item, where exactly one column
    // has one of the item's phrases.
    let mut candidates: Vec<(&Instrument, Vec<Option<usize>>)> = Vec::new();
    for instrument in instruments {
        let phrases = crate::instruments::item_phrases(&instrument.id);
        if phrases.is_empty() {
            continue;
        }
        let items: Vec<Option<usize>> = phrases
            .iter()
            .map(|item| {
                let matching: Vec<usize> = (0..keys.len())
                    .filter(|&c| item.iter().any(|p| has_phrase(&keys[c], p)))
                    .collect();
                match matching.as_slice() {
                    [only] => Some(*only),
                    _ => None,
                }
            })
            .collect();
        if items.iter().any(Option::is_some) {
            candidates.push((instrument, items));
        }
    }
    // Complete instruments first, longest first, each claiming its
    // columns; a partial match is reported only if no complete one took
    // its columns (three UCLA-3 questions are also 3 of UCLA-20's 20).
    // Partial ones by the share of their items found.
    candidates.sort_by_key(|(instrument, items)| {
        let found = items.iter().flatten().count();
        let partial = found < items.len();
        let rank = if partial {
            found * 10_000 / items.len()
        } else {
            instrument.item_count()
        };
        (partial, std::cmp::Reverse(rank))
    });
    let mut claimed: Vec<usize> = Vec::new();
    let mut found = ByWording::default();
    for (instrument, items) in candidates {
        let columns_found: Vec<usize> = items.iter().flatten().copied().collect();
        if columns_found.iter().any(|c| claimed.contains(c)) {
            continue;
        }
        let mut distinct = columns_found.clone();
        distinct.sort_unstable();
        distinct.dedup();
        if distinct.len() != columns_found.len() {
            continue;
        }
        claimed.extend(&columns_found);
        if items.iter().all(Option::is_some) {
            found.complete.push((
                instrument.id.clone(),
                items
                    .iter()
                    .enumerate()
                    .filter_map(|(k, c)| c.map(|c| (k + 1, columns[c].clone())))
                    .collect(),
            ));
        } else {
            found
                .partial
                .push((instrument.id.clone(), columns_found.len(), items.len()));
        }
    }
    found
}

/// Answers in `items`' columns that are neither a response nor one of the
/// instrument's wordings, as a note; `None` when all are readable.
fn unknown_answers(
    file: &Inspected,
    instrument: &Instrument,
    items: &[(usize, String)],
    missing: &MissingMarkers,
) -> Option<String> {
    let mut unknown: Vec<String> = Vec::new();
    for (_, column) in items {
        for value in file.values(column, missing) {
            let readable = value
                .trim()
                .parse::<i64>()
                .ok()
                .or_else(|| instrument.response_of_label(&value))
                .is_some_and(|r| (instrument.raw_min..=instrument.raw_max).contains(&r));
            if !readable && !unknown.contains(&value) {
                unknown.push(value);
            }
        }
    }
    if unknown.is_empty() {
        return None;
    }
    unknown.truncate(5);
    Some(format!(
        "answers {} are not {}'s ({}); add them under [[instruments]] id = \"{}\" labels, or fix them",
        unknown
            .iter()
            .map(|u| format!("\"{}\"", u.escape_debug()))
            .collect::<Vec<_>>()
            .join(", "),
        instrument.id,
        instrument.answers(),
        instrument.id
    ))
}

/// Bare numbered question columns (`Q1`, `q_2`, `Item 3`, `Question 4`),
/// by number, when they are exactly 1…k with one column each; empty
/// otherwise.
fn numbered_questions(columns: &[String]) -> BTreeMap<usize, String> {
    let mut found: BTreeMap<usize, String> = BTreeMap::new();
    let mut repeated = false;
    for column in columns {
        let n = normalise(column);
        let Some(rest) = ["question", "item", "q"]
            .iter()
            .find_map(|prefix| n.strip_prefix(prefix))
        else {
            continue;
        };
        let Ok(k) = rest.trim().parse::<usize>() else {
            continue;
        };
        if k == 0 || k > 100 {
            continue;
        }
        repeated |= found.insert(k, column.clone()).is_some();
    }
    let contiguous = found.keys().copied().eq(1..=found.len());
    if repeated || !contiguous {
        return BTreeMap::new();
    }
    found
}

/// The instruments whose items numbered questions could be: as many
/// items, and every answer in them a response or a wording of that
/// instrument. Numbers alone often fit several (1–3 is UCLA-3 and CEL-3);
/// then the caller asks rather than guesses.
fn instruments_by_answers<'a>(
    file: &Inspected,
    questions: &BTreeMap<usize, String>,
    instruments: &'a [Instrument],
    missing: &MissingMarkers,
) -> Vec<&'a Instrument> {
    if questions.is_empty() {
        return Vec::new();
    }
    let answers: Vec<Vec<String>> = questions
        .values()
        .map(|column| file.values(column, missing))
        .collect();
    if answers.iter().all(Vec::is_empty) {
        return Vec::new();
    }
    instruments
        .iter()
        .filter(|instrument| instrument.item_count() == questions.len())
        .filter(|instrument| {
            answers.iter().flatten().all(|value| {
                value
                    .trim()
                    .parse::<i64>()
                    .ok()
                    .or_else(|| instrument.response_of_label(value))
                    .is_some_and(|r| (instrument.raw_min..=instrument.raw_max).contains(&r))
            })
        })
        .collect()
}

/// Marks where a table's date format goes, until every table's is known.
const DATE_MARK: char = '\u{1}';

/// A wide column name without its wave words: `UCLA pre` → `UCLA`.
fn strip_wave_words(name: &str) -> String {
    let name = timed_wave(name).map_or_else(|| name.to_string(), |(_, _, rest)| rest);
    let words: Vec<String> = normalise(&name)
        .split(' ')
        .filter(|w| !WAVE_WORDS.iter().any(|(word, _)| word == w) && *w != "follow" && *w != "up")
        .map(str::to_string)
        .collect();
    words.join(" ")
}

/// A wave named by its time in a wide column name: `UCLA 6 months`, `UCLA
/// month 6`, `UCLA 12wk` → (`6 months`, its days, the name without it).
fn timed_wave(name: &str) -> Option<(String, f64, String)> {
    let words: Vec<String> = normalise(name).split(' ').map(str::to_string).collect();
    let unit_of = |word: &str| -> Option<(&'static str, f64)> {
        Some(match word {
            "week" | "weeks" | "wk" | "wks" | "w" => ("weeks", 7.0),
            "month" | "months" | "mo" | "mth" | "mths" | "m" => ("months", 30.4375),
            "year" | "years" | "yr" | "yrs" | "y" => ("years", 365.25),
            _ => return None,
        })
    };
    // `6 months`, `month 6`, or one word `6m` / `month6`.
    let split = |word: &str| -> Option<(u32, (&'static str, f64))> {
        let digits: String = word.chars().filter(char::is_ascii_digit).collect();
        let letters: String = word.chars().filter(|c| !c.is_ascii_digit()).collect();
        let contiguous = word.starts_with(digits.as_str()) || word.ends_with(digits.as_str());
        if digits.is_empty() || letters.is_empty() || !contiguous {
            return None;
        }
        Some((digits.parse().ok()?, unit_of(&letters)?))
    };
    for i in 0..words.len() {
        let found = if let Some(found) = split(&words[i]) {
            Some((found, i..i + 1))
        } else if i + 1 < words.len() {
            match (words[i].parse::<u32>().ok(), unit_of(&words[i + 1])) {
                (Some(n), Some(unit)) => Some(((n, unit), i..i + 2)),
                _ => match (unit_of(&words[i]), words[i + 1].parse::<u32>().ok()) {
                    (Some(unit), Some(n)) if words[i].len() > 1 => Some(((n, unit), i..i + 2)),
                    _ => None,
                },
            }
        } else {
            None
        };
        let Some(((n, (unit, days)), range)) = found else {
            continue;
        };
        // A single letter unit after a number needs its number in the word
        // (`6m`), not an item number and a stray letter.
        if n == 0 {
            continue;
        }
        let unit_shown = if n == 1 {
            unit.trim_end_matches('s')
        } else {
            unit
        };
        let rest: Vec<&str> = words
            .iter()
            .enumerate()
            .filter(|(k, _)| !range.contains(k))
            .map(|(_, w)| w.as_str())
            .collect();
        return Some((
            format!("{n} {unit_shown}"),
            f64::from(n) * days,
            rest.join(" "),
        ));
    }
    None
}

/// Participant columns of exact ages: named for age, every value a
/// whole number from 0 to 120, and more of them than Table 1 lists as
/// categories.
fn age_columns(file: &Inspected, missing: &MissingMarkers) -> Vec<String> {
    file.columns
        .iter()
        .filter(|column| has_word(column, &["age"]))
        .filter(|column| {
            let values = file.values(column, missing);
            let mut ages: Vec<u8> = Vec::with_capacity(values.len());
            for value in &values {
                match value.trim().parse::<u8>() {
                    Ok(age) if age <= 120 => ages.push(age),
                    _ => return false,
                }
            }
            ages.sort_unstable();
            ages.dedup();
            ages.len() > crate::analysis::baseline_characteristics::MAX_CATEGORIES
        })
        .cloned()
        .collect()
}

/// A TOML key: bare when it can be, quoted otherwise.
fn toml_key(text: &str) -> String {
    if !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        text.to_string()
    } else {
        toml_string(text)
    }
}

/// Grouping columns under other names: `Intake` → cohort, `Location` →
/// site, `Treatment` → arm. Records the native names in `groups`.
fn map_groups(columns: &[String], groups: &mut Vec<String>) -> Vec<String> {
    let rules: [(&str, &[&str]); 3] = [
        (
            "cohort",
            &["cohort", "intake", "intake group", "term", "season"],
        ),
        (
            "site",
            &[
                "site", "location", "venue", "centre", "center", "hub", "area", "branch",
            ],
        ),
        (
            "arm",
            &[
                "arm",
                "treatment",
                "treat",
                "condition",
                "group",
                "allocation",
            ],
        ),
    ];
    let mut mapping = Vec::new();
    for (native, names) in rules {
        if let Some(column) = columns
            .iter()
            .find(|c| names.contains(&normalise(c).as_str()))
        {
            if !groups.iter().any(|g| g == native) {
                groups.push(native.to_string());
            }
            if column != native {
                mapping.push(format!("{native} = {}", toml_string(column)));
            }
        }
    }
    mapping
}

/// Columns the privacy guard would stop on (the id column aside).
fn identifying_columns(file: &Inspected, missing: &MissingMarkers) -> Vec<String> {
    file.columns
        .iter()
        .filter(|c| !is_id(c))
        .filter(|c| {
            let values: Vec<Option<String>> = file
                .values(c, missing)
                .into_iter()
                .take(500)
                .map(Some)
                .collect();
            crate::ingest::privacy::identifying(c, &values).is_some()
        })
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_roles_from_names() {
        assert!(is_id("Client ID"));
        assert!(is_id("participant_id"));
        assert!(!is_id("Site"));
        assert!(is_wave("Timepoint"));
        assert_eq!(instrument_column("UCLA 1"), Some(("ucla", Some(1))));
        assert_eq!(instrument_column("ucla_q2"), Some(("ucla", Some(2))));
        assert_eq!(instrument_column("UCLA total"), Some(("ucla", None)));
        assert_eq!(instrument_column("DJG11 item 4"), Some(("djg", Some(4))));
        assert_eq!(
            instrument_column(&strip_wave_words("UCLA pre")),
            Some(("ucla", None))
        );
        assert_eq!(strip_wave_words("UCLA pre"), "ucla");
        assert_eq!(
            date_format_of(&["25/11/2026".into()]).0,
            Some(DateFormat::DayFirst)
        );
        assert_eq!(date_format_of(&["03/04/2026".into()]), (None, true));
    }

    #[test]
    fn later_waves_are_named_by_their_time() {
        let timed = timed_wave;
        assert_eq!(
            timed("UCLA 6 months"),
            Some(("6 months".to_string(), 6.0 * 30.4375, "ucla".to_string()))
        );
        assert_eq!(timed("UCLA month 12").unwrap().0, "12 months");
        assert_eq!(timed("ucla_12wk").unwrap().0, "12 weeks");
        assert_eq!(timed("UCLA 1 year").unwrap().0, "1 year");
        assert_eq!(timed("UCLA pre"), None);
        assert_eq!(timed("UCLA 3"), None);
        assert_eq!(strip_wave_words("UCLA 2 6 months"), "ucla 2");
    }

    fn columns(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn bare_numbered_questions_must_run_from_one_without_gaps() {
        let found = numbered_questions(&columns(&["ID", "Q1", "q_2", "Item 3", "Wave"]));
        assert_eq!(found.len(), 3);
        assert_eq!(found[&2], "q_2");
        assert!(numbered_questions(&columns(&["Q1", "Q3"])).is_empty());
        assert!(numbered_questions(&columns(&["Q1", "Question 1"])).is_empty());
        assert!(numbered_questions(&columns(&["Q0", "Quality", "Q2b"])).is_empty());
    }

    #[test]
    fn text_in_comments_cannot_break_the_line() {
        assert_eq!(plain("Base\nline\r"), "Base\\u{a}line\\u{d}");
        assert_eq!(plain("Café – 6 months"), "Café – 6 months");
    }

    #[test]
    fn toml_strings_escape_what_toml_forbids() {
        let text = toml_string("a\"b\\c\nd\u{7f}");
        assert_eq!(text, "\"a\\\"b\\\\c\\u000Ad\\u007F\"");
        let parsed: toml::Value = toml::from_str(&format!("k = {text}")).unwrap();
        assert_eq!(parsed["k"].as_str(), Some("a\"b\\c\nd\u{7f}"));
    }

    #[test]
    fn questions_are_recognised_by_their_wording() {
        let instruments = crate::instruments::builtin();
        let headers = columns(&[
            "Client ID",
            "Q3 How often do you feel isolated from others?",
            "Q1 How often do you feel you lack companionship?",
            "Q2: How often do you feel LEFT OUT?",
        ]);
        let found = instruments_by_wording(&headers, &headers, &instruments);
        assert_eq!(
            found.complete,
            [(
                "ucla3".to_string(),
                vec![
                    (
                        1,
                        "Q1 How often do you feel you lack companionship?".to_string()
                    ),
                    (2, "Q2: How often do you feel LEFT OUT?".to_string()),
                    (
                        3,
                        "Q3 How often do you feel isolated from others?".to_string()
                    ),
                ]
            )]
        );
        // Three UCLA questions are UCLA-3, not 3 of UCLA-20's 20.
        assert!(found.partial.is_empty(), "{found:?}");
        // Six De Jong Gierveld questions are the 6-item scale; "left out"
        // alone is a partial UCLA-3, reported, not mapped.
        let headers = columns(&[
            "I experience a general sense of emptiness",
            "I miss having people around",
            "I often feel rejected",
            "There are plenty of people I can rely on when I have problems",
            "There are many people I can trust completely",
            "There are enough people I feel close to",
            "Do you feel left out?",
        ]);
        let djg6 = instruments_by_wording(&headers, &headers, &instruments);
        assert_eq!(djg6.complete.len(), 1);
        assert_eq!(djg6.complete[0].0, "djg6");
        assert_eq!(djg6.partial, [("ucla3".to_string(), 1, 3)]);
        // "leftover" is not "left out": phrases match whole words.
        let leftover = columns(&["leftover budget"]);
        assert!(instruments_by_wording(&leftover, &leftover, &instruments)
            .complete
            .is_empty());
    }
}
