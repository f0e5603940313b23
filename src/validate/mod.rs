//! Validate: decide which rows are kept, and give a reason for every row
//! that is not.
//!
//! Nothing is dropped silently: each excluded row is recorded with its file,
//! line, column and reason, and for every table kept + excluded = read.

use crate::cells::format_date;
use crate::instruments::Instrument;
use crate::model::{
    Assessments, Attendance, Date, ParticipantIndex, Participants, RowOrigin, TextSet,
};
use crate::panel::AttendanceTally;
use polars::prelude::{PlHashMap as HashMap, PlHashSet as HashSet};
use rayon::prelude::*;
use std::collections::BTreeMap;

/// One row left out of the analysis, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct ExcludedRow {
    pub table: &'static str,
    pub origin: RowOrigin,
    pub column: Option<String>,
    pub reason: &'static str,
    pub detail: String,
}

/// Read, kept and excluded counts of one table.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TableAccount {
    pub table: &'static str,
    pub read: usize,
    pub kept: usize,
    pub excluded: usize,
    pub excluded_by_reason: BTreeMap<&'static str, usize>,
    /// Kept rows worth knowing about that are not excluded, e.g.
    /// participants with no assessment (they still count in participation).
    pub notes: BTreeMap<&'static str, usize>,
    /// Cells read as missing, by reason: their rows are kept.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub cells_missing_by_reason: BTreeMap<&'static str, usize>,
}

/// The kept tables and the account of everything read.
#[derive(Debug, Clone)]
pub struct Validated {
    /// Given participants, or those implied by the assessments when no
    /// participants table exists.
    pub participants: Participants,
    pub participants_given: bool,
    /// The rows of `participants` by id.
    pub participant_index: ParticipantIndex,
    pub assessments: Assessments,
    /// Kept attendance, counted (the rows are not kept).
    pub attendance: Option<AttendanceTally>,
    pub account: Account,
}

/// The data-quality account: per table, the rows read, kept and excluded;
/// every excluded row with its reason; every cell read as missing. It is
/// what validate hands on besides the kept rows, and all the report says
/// about data quality comes from it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Account {
    /// One per table read, in reading order.
    pub tables: Vec<TableAccount>,
    pub excluded: Vec<ExcludedRow>,
    /// Item and total cells read as missing, their rows kept.
    pub bad_cells: Vec<crate::model::BadCell>,
}

impl Account {
    /// Adds a table's account and its excluded rows.
    pub fn add(&mut self, table: TableAccount, excluded: Vec<ExcludedRow>) {
        self.tables.push(table);
        self.excluded.extend(excluded);
    }
}

struct Exclusions {
    table: &'static str,
    keep: Vec<bool>,
    rows: Vec<ExcludedRow>,
}

impl Exclusions {
    fn new(table: &'static str, len: usize) -> Self {
        Exclusions {
            table,
            keep: vec![true; len],
            rows: Vec::new(),
        }
    }
    /// Excludes a row once; the first reason found is the one recorded.
    fn exclude(
        &mut self,
        row: usize,
        origin: RowOrigin,
        column: Option<&str>,
        reason: &'static str,
        detail: String,
    ) {
        if self.keep[row] {
            self.keep[row] = false;
            self.rows.push(ExcludedRow {
                table: self.table,
                origin,
                column: column.map(str::to_string),
                reason,
                detail,
            });
        }
    }
    fn exclude_missing_id(&mut self, row: usize, origin: RowOrigin) {
        self.exclude(
            row,
            origin,
            Some("participant_id"),
            "missing participant_id",
            String::new(),
        );
    }
    fn account(&self) -> TableAccount {
        let mut by_reason = BTreeMap::new();
        for row in &self.rows {
            *by_reason.entry(row.reason).or_insert(0) += 1;
        }
        let excluded = self.rows.len();
        TableAccount {
            table: self.table,
            read: self.keep.len(),
            kept: self.keep.len() - excluded,
            excluded,
            excluded_by_reason: by_reason,
            notes: BTreeMap::new(),
            cells_missing_by_reason: BTreeMap::new(),
        }
    }
}

/// Exclusions of the participants table, and the kept rows' index.
fn validate_participants(participants: &Participants) -> (Exclusions, ParticipantIndex) {
    let mut exclusions = Exclusions::new("participants", participants.len());
    // The first row of every id is kept and the others are excluded, so
    // the kept ids, numbered as first seen, are numbered by kept row.
    let mut kept_ids = TextSet::default();
    kept_ids.reserve(participants.len());
    // Per kept id: its row in the table, for naming it in a duplicate.
    let mut first_row: Vec<u32> = Vec::with_capacity(participants.len());
    for (row, id) in participants.id.iter().enumerate() {
        let origin = participants.origin[row];
        if id.is_empty() {
            exclusions.exclude_missing_id(row, origin);
            continue;
        }
        let (number, new) = kept_ids.insert(id);
        if new {
            first_row.push(row as u32);
        } else {
            let first = first_row[number as usize];
            exclusions.exclude(
                row,
                origin,
                Some("participant_id"),
                "duplicate participant_id",
                format!(
                    "also on line {}",
                    participants.origin[first as usize].line()
                ),
            );
        }
    }
    (exclusions, ParticipantIndex::from_ids(kept_ids))
}

/// Exclusions of the assessment rows, and each row's participant: its row
/// in the participants table when one is given (`index`), otherwise a
/// number per distinct id. Rows excluded before their participant is
/// known (missing id or wave, unknown id) get `u32::MAX`.
fn validate_assessments(
    assessments: &Assessments,
    instruments: &[Instrument],
    index: Option<&ParticipantIndex>,
) -> (Exclusions, Vec<u32>) {
    let mut exclusions = Exclusions::new("assessments", assessments.len());
    let mut participant_of_row = vec![u32::MAX; assessments.len()];
    // The two costly parts, looking ids up (a cache miss or two each) and
    // reading every response, are read-only: they run in parallel first,
    // and the rules are then applied row by row in the usual order.
    // Ids are looked up once per distinct id, by their number.
    let ids = &assessments.participant_id;
    let looked_up: Option<Vec<Option<u32>>> = index.map(|index| {
        (0..ids.texts.len())
            .into_par_iter()
            .with_min_len(4096)
            .map(|number| index.get(ids.texts.get(number)))
            .collect()
    });
    let mut out_of_range = (0..assessments.len())
        .into_par_iter()
        .with_min_len(4096)
        .filter_map(|row| {
            first_value_out_of_range(assessments, instruments, row).map(|found| (row, found))
        })
        .collect::<Vec<(usize, OutOfRange)>>()
        .into_iter()
        .peekable();
    // Without a participants table, ids are numbered as they appear.
    let mut numbered = FirstSeen::new(ids.texts.len());
    // Waves are coded as they appear among the rows that get this far.
    let mut wave_codes = FirstSeen::new(assessments.wave.texts.len());
    // The waves seen per participant, one bit per wave code: a bit seen
    // twice marks a repeated (participant, wave), whose rows are gathered
    // afterwards. Wave codes beyond the bits use a map.
    let mut waves_seen: Vec<u64> = Vec::new();
    let mut repeated_keys: HashSet<u64> = HashSet::default();
    let mut first_of_key: HashMap<u64, usize> = HashMap::default();
    let mut repeats: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (row, participant_slot) in participant_of_row.iter_mut().enumerate() {
        let origin = assessments.origin[row];
        let id = ids.get(row);
        let wave = assessments.wave.get(row);
        if id.is_empty() {
            exclusions.exclude_missing_id(row, origin);
            continue;
        }
        if wave.is_empty() {
            exclusions.exclude(row, origin, Some("wave"), "missing wave", String::new());
            continue;
        }
        let id_number = ids.rows[row] as usize;
        let participant = match &looked_up {
            Some(looked_up) => looked_up[id_number],
            None => Some(numbered.number(id_number)),
        };
        let Some(participant) = participant else {
            exclusions.exclude(
                row,
                origin,
                Some("participant_id"),
                "unknown participant",
                format!("{id} is not in the participants table"),
            );
            continue;
        };
        *participant_slot = participant;
        let wave_code = wave_codes.number(assessments.wave.rows[row] as usize);
        let key = (u64::from(participant) << 32) | u64::from(wave_code);
        if wave_code < u64::BITS {
            if waves_seen.len() <= participant as usize {
                waves_seen.resize(participant as usize + 1, 0);
            }
            let bit = 1u64 << wave_code;
            if waves_seen[participant as usize] & bit != 0 {
                repeated_keys.insert(key);
            }
            waves_seen[participant as usize] |= bit;
        } else {
            let first = *first_of_key.entry(key).or_insert(row);
            if first != row {
                repeats
                    .entry(first)
                    .or_insert_with(|| vec![first])
                    .push(row);
            }
        }
        // Rows excluded above never reach this check: pass over them.
        while out_of_range
            .next_if(|(flagged, _)| *flagged < row)
            .is_some()
        {}
        if let Some((_, found)) = out_of_range.next_if(|(flagged, _)| *flagged == row) {
            exclusions.exclude(row, origin, Some(&found.column), found.reason, found.detail);
        }
    }
    if !repeated_keys.is_empty() {
        let mut rows_of_key: HashMap<u64, Vec<usize>> = HashMap::default();
        for (row, &participant) in participant_of_row.iter().enumerate() {
            if participant == u32::MAX {
                continue;
            }
            let wave_code = wave_codes.numbers[assessments.wave.rows[row] as usize];
            let key = (u64::from(participant) << 32) | u64::from(wave_code);
            if repeated_keys.contains(&key) {
                rows_of_key.entry(key).or_default().push(row);
            }
        }
        repeats.extend(rows_of_key.into_values().map(|rows| (rows[0], rows)));
    }
    // A participant answering the same wave twice cannot be resolved without
    // guessing which answer is right, so every copy is excluded; unless
    // the copies are the same answers (an export that repeated a row),
    // when the first is kept and the others are excluded as copies of it.
    for rows in repeats.values() {
        if rows[1..]
            .iter()
            .all(|&other| same_answers(assessments, rows[0], other))
        {
            let first = assessments.origin[rows[0]].line();
            for &row in &rows[1..] {
                exclusions.exclude(
                    row,
                    assessments.origin[row],
                    None,
                    "exact duplicate",
                    format!("exact duplicate of line {first}"),
                );
            }
            continue;
        }
        let lines: Vec<String> = rows
            .iter()
            .map(|&r| assessments.origin[r].line().to_string())
            .collect();
        for &row in rows {
            exclusions.exclude(
                row,
                assessments.origin[row],
                Some("wave"),
                "duplicate (participant, wave)",
                format!("same participant and wave on lines {}", lines.join(", ")),
            );
        }
    }
    (exclusions, participant_of_row)
}

/// True when assessment rows `a` and `b` (of one participant and wave)
/// hold the same date and the same value in every item and total column.
fn same_answers(assessments: &Assessments, a: usize, b: usize) -> bool {
    assessments.assessed_on[a] == assessments.assessed_on[b]
        && assessments.instruments.iter().all(|columns| {
            columns.items.iter().all(|values| values[a] == values[b])
                && columns
                    .total
                    .as_ref()
                    .is_none_or(|total| total[a].map(f64::to_bits) == total[b].map(f64::to_bits))
        })
}

/// Numbers for texts (by their number in a column's text set) in the order
/// they are first met.
struct FirstSeen {
    /// Per text: its number, `u32::MAX` until met.
    numbers: Vec<u32>,
    next: u32,
}

impl FirstSeen {
    fn new(texts: usize) -> FirstSeen {
        FirstSeen {
            numbers: vec![u32::MAX; texts],
            next: 0,
        }
    }

    /// The number of text `text`, given it now if it is met for the first
    /// time.
    fn number(&mut self, text: usize) -> u32 {
        if self.numbers[text] == u32::MAX {
            self.numbers[text] = self.next;
            self.next += 1;
        }
        self.numbers[text]
    }
}

/// A response or total outside its instrument's range: the column, the
/// reason and the detail an excluded row records.
struct OutOfRange {
    column: String,
    reason: &'static str,
    detail: String,
}

/// The first response or total of assessment `row` that is out of range.
fn first_value_out_of_range(
    assessments: &Assessments,
    instruments: &[Instrument],
    row: usize,
) -> Option<OutOfRange> {
    for columns in &assessments.instruments {
        let instrument = &instruments[columns.instrument];
        for (k, values) in columns.items.iter().enumerate() {
            if let Some(response) = values[row].map(i64::from) {
                if response < instrument.raw_min || response > instrument.raw_max {
                    return Some(OutOfRange {
                        column: instrument.item_column(k + 1),
                        reason: "response out of range",
                        detail: format!(
                            "{response} is outside {}–{}",
                            instrument.raw_min, instrument.raw_max
                        ),
                    });
                }
            }
        }
        if let Some(total) = columns.total.as_ref().and_then(|t| t[row]) {
            if total < instrument.score_min || total > instrument.score_max {
                return Some(OutOfRange {
                    column: instrument.total_column(),
                    reason: "total out of range",
                    detail: format!(
                        "{total} is outside {}–{}",
                        instrument.score_min, instrument.score_max
                    ),
                });
            }
        }
    }
    None
}

impl Validated {
    /// Adds the attendance account, its excluded rows and its counts, as
    /// [`AttendanceCheck::into_parts`] gives them.
    pub(crate) fn add_attendance(
        &mut self,
        (account, rows, tally): (TableAccount, Vec<ExcludedRow>, AttendanceTally),
    ) {
        self.account.add(account, rows);
        self.attendance = Some(tally);
    }
}

/// Checks attendance part by part as it is read, and counts the kept rows
/// into an [`AttendanceTally`]: the rows themselves are never all held.
pub(crate) struct AttendanceCheck<'a> {
    index: &'a ParticipantIndex,
    /// Per interned attendance id: its participants-table row, if any.
    participant_row: Vec<Option<u32>>,
    read: usize,
    excluded: Vec<ExcludedRow>,
    tally: AttendanceTally,
    sessions: SessionsSeen,
}

/// The sessions kept so far, one per participant, date and activity, so
/// that a session recorded twice counts once.
///
/// Exports usually list a person's sessions together. While they come so,
/// a person's sessions are one sorted run at the end of one shared log
/// (`log`), and the usual check is one comparison with the run's last
/// entry and a push: no allocation per person. A person whose sessions come
/// apart (a date-ordered export) gets a sorted list of their own.
struct SessionsSeen {
    /// Packed keys, (activity + 1) << 20 | days since 1900-01-01, in runs:
    /// one sorted run per participant whose sessions have come together.
    log: Vec<u32>,
    /// Per participants-table row: where its sessions are.
    place: Vec<SessionsPlace>,
    /// The participant whose run ends the log, the one that may grow.
    current: Option<u32>,
    /// Dates or activities that do not fit the packing.
    other: HashSet<(u32, Option<u16>, Date)>,
}

#[derive(Clone)]
enum SessionsPlace {
    None,
    /// `log[start..start + len]`.
    Run {
        start: usize,
        len: u32,
    },
    /// Sessions that came apart, sorted.
    Scattered(Vec<u32>),
}

/// Days from 1900-01-01 that fit the packing (until the 48th century).
const PACKED_DAYS: i64 = 1 << 20;
/// Activity codes (+ 1) that fit the packing.
const PACKED_ACTIVITIES: u32 = (1 << 12) - 1;

/// Whether `key` is new to the sorted `seen` (and keep it there, sorted).
fn first_in_sorted(seen: &mut Vec<u32>, key: u32) -> bool {
    match seen.last() {
        Some(&last) if key <= last => match seen.binary_search(&key) {
            Ok(_) => return false,
            Err(at) => seen.insert(at, key),
        },
        _ => seen.push(key),
    }
    true
}

impl SessionsSeen {
    fn new(participants: usize) -> SessionsSeen {
        SessionsSeen {
            log: Vec::new(),
            place: vec![SessionsPlace::None; participants],
            current: None,
            other: HashSet::default(),
        }
    }

    /// Whether this session is new (and remember it).
    fn first(&mut self, participant: u32, activity: Option<u16>, date: Date) -> bool {
        let day = i64::from(date) - i64::from(crate::cells::days_from_civil(1900, 1, 1));
        let code = activity.map_or(0, |a| u32::from(a) + 1);
        if !(0..PACKED_DAYS).contains(&day) || code > PACKED_ACTIVITIES {
            return self.other.insert((participant, activity, date));
        }
        let key = (code << 20) | day as u32;
        let place = &mut self.place[participant as usize];
        match place {
            &mut SessionsPlace::Run { start, len } if self.current == Some(participant) => {
                let run = &self.log[start..];
                match run.last() {
                    Some(&last) if key <= last => match run.binary_search(&key) {
                        Ok(_) => return false,
                        Err(at) => self.log.insert(start + at, key),
                    },
                    _ => self.log.push(key),
                }
                *place = SessionsPlace::Run {
                    start,
                    len: len + 1,
                };
                true
            }
            SessionsPlace::None => {
                *place = SessionsPlace::Run {
                    start: self.log.len(),
                    len: 1,
                };
                self.log.push(key);
                self.current = Some(participant);
                true
            }
            &mut SessionsPlace::Run { start, len } => {
                // Back after others' sessions: the run moves to a list of
                // its own, since it can no longer grow at the log's end.
                let mut seen = self.log[start..start + len as usize].to_vec();
                let first = first_in_sorted(&mut seen, key);
                *place = SessionsPlace::Scattered(seen);
                first
            }
            SessionsPlace::Scattered(seen) => first_in_sorted(seen, key),
        }
    }
}

impl<'a> AttendanceCheck<'a> {
    /// Attendance is checked against the kept participants: their ids in
    /// `index`, and when each enrolled (by participants-table row).
    pub fn new(enrolled_on: Vec<Option<Date>>, index: &'a ParticipantIndex) -> AttendanceCheck<'a> {
        AttendanceCheck {
            index,
            participant_row: Vec::new(),
            read: 0,
            excluded: Vec::new(),
            sessions: SessionsSeen::new(enrolled_on.len()),
            tally: AttendanceTally::new(enrolled_on),
        }
    }

    /// Checks and counts one part of the attendance table.
    pub fn add(&mut self, part: &Attendance) {
        // Each distinct id is looked up once, not once per row.
        for id in part.ids.iter().skip(self.participant_row.len()) {
            self.participant_row.push(self.index.get(id));
        }
        let mut exclusions = Exclusions::new("attendance", part.len());
        for row in 0..part.len() {
            let origin = part.origin[row];
            let id = part.participant_id(row);
            let participant = self.participant_row[part.participant[row] as usize];
            let enrolled = participant.map(|p| self.tally.enrolled_on(p as usize));
            let before_enrolment = match (part.session_date[row], enrolled) {
                (Some(session), Some(Some(enrolled))) if session < enrolled => {
                    Some((session, enrolled))
                }
                _ => None,
            };
            if id.is_empty() {
                exclusions.exclude_missing_id(row, origin);
            } else if enrolled.is_none() {
                exclusions.exclude(
                    row,
                    origin,
                    Some("participant_id"),
                    "unknown participant",
                    format!("{id} is not among the participants"),
                );
            } else if part.session_date[row].is_none() {
                exclusions.exclude(
                    row,
                    origin,
                    Some("session_date"),
                    "missing session_date",
                    String::new(),
                );
            } else if let Some((session, enrolled)) = before_enrolment {
                exclusions.exclude(
                    row,
                    origin,
                    Some("session_date"),
                    "session before enrolment",
                    format!(
                        "{} is before enrolled_on {}",
                        format_date(session),
                        format_date(enrolled)
                    ),
                );
            } else if let (Some(p), Some(session)) = (participant, part.session_date[row]) {
                if !self.sessions.first(p, part.activity[row], session) {
                    exclusions.exclude(
                        row,
                        origin,
                        Some("session_date"),
                        "duplicate session",
                        format!(
                            "the same participant, session_date ({}) and activity as an earlier row: a session counts once",
                            format_date(session)
                        ),
                    );
                }
            }
        }
        self.tally
            .add(part, &self.participant_row, &exclusions.keep);
        self.read += part.len();
        self.excluded.extend(exclusions.rows);
    }

    /// The attendance account, its excluded rows and the counts.
    pub(crate) fn into_parts(self) -> (TableAccount, Vec<ExcludedRow>, AttendanceTally) {
        let mut by_reason = BTreeMap::new();
        for row in &self.excluded {
            *by_reason.entry(row.reason).or_insert(0) += 1;
        }
        let account = TableAccount {
            table: "attendance",
            read: self.read,
            kept: self.read - self.excluded.len(),
            excluded: self.excluded.len(),
            excluded_by_reason: by_reason,
            notes: BTreeMap::new(),
            cells_missing_by_reason: BTreeMap::new(),
        };
        (account, self.excluded, self.tally)
    }
}

/// Applies every rule and returns the kept tables with the full account.
pub fn validate(
    participants: Option<Participants>,
    mut assessments: Assessments,
    attendance: Option<Attendance>,
    instruments: &[Instrument],
) -> Validated {
    let mut excluded = Vec::new();
    let mut accounts = Vec::new();
    let participants_given = participants.is_some();

    let participants = participants.map(|mut table| {
        let (exclusions, index) = validate_participants(&table);
        table.retain(&exclusions.keep);
        accounts.push(exclusions.account());
        excluded.extend(exclusions.rows);
        (table, index)
    });

    let (exclusions, participant_of_row) = validate_assessments(
        &assessments,
        instruments,
        participants.as_ref().map(|(_, index)| index),
    );
    assessments.participant = participant_of_row;
    assessments.retain(&exclusions.keep);
    let mut account = exclusions.account();
    let bad_cells = std::mem::take(&mut assessments.bad_cells);
    for cell in &bad_cells {
        *account
            .cells_missing_by_reason
            .entry(cell.reason)
            .or_insert(0) += 1;
    }
    accounts.push(account);
    excluded.extend(exclusions.rows);

    let (participants, participant_index) = participants.unwrap_or_else(|| {
        // Participants implied by the kept assessments, in id order; the
        // rows' numbers become rows of this table.
        let texts = &assessments.participant_id.texts;
        let in_rows = assessments.participant_id.texts_in_rows();
        let mut ids: Vec<String> = (0..texts.len())
            .filter(|&n| in_rows[n])
            .map(|n| texts.get(n).to_string())
            .collect();
        ids.sort_unstable();
        let implied = Participants {
            enrolled_on: vec![None; ids.len()],
            origin: vec![RowOrigin::derived(); ids.len()],
            id: ids,
            groups: Vec::new(),
            covariates: Vec::new(),
            sessions: None,
        };
        let index = ParticipantIndex::of(&implied);
        let row_of_text: Vec<u32> = (0..texts.len())
            .map(|n| index.get(texts.get(n)).unwrap_or(u32::MAX))
            .collect();
        for (participant, &n) in assessments
            .participant
            .iter_mut()
            .zip(&assessments.participant_id.rows)
        {
            *participant = row_of_text[n as usize];
        }
        (implied, index)
    });

    let mut validated = Validated {
        participants,
        participant_index,
        participants_given,
        assessments,
        attendance: None,
        account: Account {
            tables: accounts,
            excluded,
            bad_cells,
        },
    };
    if let Some(table) = attendance {
        let mut check = AttendanceCheck::new(
            validated.participants.enrolled_on.clone(),
            &validated.participant_index,
        );
        check.add(&table);
        let checked = check.into_parts();
        validated.add_attendance(checked);
    }
    validated
}

/// Notes, per table, the blank lines its files held: they were skipped as
/// no records, so they are neither kept nor excluded, but the account says
/// they were there.
pub(crate) fn note_blank_lines(account: &mut Account, sources: &[crate::ingest::read::SourceFile]) {
    for account in &mut account.tables {
        let blank: usize = sources
            .iter()
            .filter(|s| s.table == account.table)
            .map(|s| s.blank_lines)
            .sum();
        if blank > 0 {
            account
                .notes
                .insert("blank lines skipped (not records)", blank);
        }
    }
}

/// Notes how many kept participants have no kept assessment at all.
pub(crate) fn note_participants_without_assessment(validated: &mut Validated) {
    if !validated.participants_given {
        return;
    }
    let mut assessed = vec![false; validated.participants.len()];
    for &participant in &validated.assessments.participant {
        assessed[participant as usize] = true;
    }
    let without = assessed.iter().filter(|a| !**a).count();
    if let Some(account) = validated
        .account
        .tables
        .iter_mut()
        .find(|a| a.table == "participants")
    {
        if without > 0 {
            account.notes.insert("no assessment", without);
        }
    }
}

/// Excludes assessments dated before the same participant's baseline
/// assessment: a follow-up cannot precede the baseline, so one of the two
/// dates (or wave labels) is wrong; the later wave's row is the one left out.
/// The rows are counted in the account and returned for the caller to add
/// to `validated.account.excluded`: they are listed after attendance's, which may
/// still be being read.
#[must_use]
pub(crate) fn exclude_followups_before_baseline(
    validated: &mut Validated,
    baseline_wave: &str,
) -> Vec<ExcludedRow> {
    let assessments = &validated.assessments;
    let baseline_number = assessments.wave.texts.find(baseline_wave);
    let is_baseline = |row: usize| Some(assessments.wave.rows[row]) == baseline_number;
    let mut baseline_dates: Vec<Option<Date>> = vec![None; validated.participants.len()];
    for row in 0..assessments.len() {
        if is_baseline(row) {
            baseline_dates[assessments.participant[row] as usize] = assessments.assessed_on[row];
        }
    }
    let mut exclusions = Exclusions::new("assessments", assessments.len());
    for row in 0..assessments.len() {
        if is_baseline(row) {
            continue;
        }
        let baseline = &baseline_dates[assessments.participant[row] as usize];
        if let (Some(date), Some(baseline)) = (assessments.assessed_on[row], baseline) {
            if date < *baseline {
                exclusions.exclude(
                    row,
                    assessments.origin[row],
                    Some("assessed_on"),
                    "assessed before the baseline",
                    format!(
                        "{} wave on {} is before the {baseline_wave} on {}",
                        assessments.wave.get(row),
                        format_date(date),
                        format_date(*baseline)
                    ),
                );
            }
        }
    }
    drop(baseline_dates);
    if exclusions.rows.is_empty() {
        return Vec::new();
    }
    validated.assessments.retain(&exclusions.keep);
    if let Some(account) = validated
        .account
        .tables
        .iter_mut()
        .find(|a| a.table == "assessments")
    {
        account.kept -= exclusions.rows.len();
        account.excluded += exclusions.rows.len();
        for row in &exclusions.rows {
            *account.excluded_by_reason.entry(row.reason).or_insert(0) += 1;
        }
    }
    exclusions.rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::InstrumentColumns;
    use proptest::prelude::*;

    fn origin(line: u64) -> RowOrigin {
        RowOrigin::new(0, line)
    }

    /// A session is new exactly when a plain set of (participant,
    /// activity, date) has not held it, whatever order the rows come in:
    /// together per person, date-ordered, a person back after others, or a
    /// date the packing cannot hold.
    fn sessions_agree_with_a_set(rows: &[(u32, Option<u16>, Date)]) {
        let participants = rows.iter().map(|r| r.0 as usize + 1).max().unwrap_or(0);
        let mut seen = SessionsSeen::new(participants);
        let mut set = std::collections::HashSet::new();
        for (row, &(p, activity, date)) in rows.iter().enumerate() {
            assert_eq!(
                seen.first(p, activity, date),
                set.insert((p, activity, date)),
                "row {row}: {:?}",
                rows[row]
            );
        }
    }

    #[test]
    fn a_session_counts_once_in_any_order() {
        let day = crate::cells::days_from_civil(2025, 3, 1);
        let late = crate::cells::days_from_civil(4900, 1, 1);
        sessions_agree_with_a_set(&[
            // Together, in order, then a copy and an earlier date.
            (0, Some(0), day),
            (0, Some(0), day + 7),
            (0, Some(1), day),
            (0, Some(0), day + 7),
            (0, Some(0), day - 7),
            (0, Some(0), day - 7),
            // Others, then the first person back with a copy and a new one.
            (1, None, day),
            (1, None, day),
            (2, Some(3), day),
            (0, Some(1), day),
            (0, Some(2), day),
            (1, None, day + 1),
            (1, None, day),
            // A date beyond the packing.
            (2, Some(3), late),
            (2, Some(3), late),
            (2, Some(4095), day),
            (2, Some(4095), day),
        ]);
    }

    proptest! {
        #[test]
        fn sessions_seen_is_a_set(rows in prop::collection::vec(
            (0u32..6, prop::option::of(0u16..3), 0i32..12), 0..120)
        ) {
            let day = crate::cells::days_from_civil(2025, 3, 1);
            let rows: Vec<_> = rows.into_iter().map(|(p, a, d)| (p, a, day + d)).collect();
            sessions_agree_with_a_set(&rows);
        }
    }

    proptest! {
        /// No row is ever lost: for every table, kept + excluded = read, and
        /// every excluded row is listed.
        #[test]
        fn kept_plus_excluded_equals_read(
            rows in proptest::collection::vec((0u8..6, 0u8..3, proptest::option::of(0i32..6)), 0..60),
            known in 0u8..6,
        ) {
            let participants = Participants {
                id: (0..known).map(|i| format!("P{i}")).collect(),
                groups: vec![],
                covariates: vec![],
                enrolled_on: vec![None; known as usize],
                sessions: None,
                origin: (0..known as u64).map(origin).collect(),
            };
            let assessments = assessments_of(&rows, |w| ["baseline", "week12", ""][w as usize].to_string());
            let validated = validate(Some(participants), assessments, None, &crate::instruments::builtin());
            for account in &validated.account.tables {
                prop_assert_eq!(account.kept + account.excluded, account.read);
                prop_assert_eq!(account.excluded_by_reason.values().sum::<usize>(), account.excluded);
                let listed = validated.account.excluded.iter().filter(|r| r.table == account.table).count();
                prop_assert_eq!(listed, account.excluded);
            }
            prop_assert_eq!(validated.account.tables[1].kept, validated.assessments.len());
        }

        /// The assessment rules, however they are computed, exclude the
        /// rows (in the order, with the reasons) that applying them plainly
        /// row by row does; with more than 64 waves too.
        #[test]
        fn assessment_rules_match_their_plain_statement(
            rows in proptest::collection::vec((0u8..6, 0u8..70, proptest::option::of(0i32..6)), 0..80),
            wave_names in 2u8..70,
            known in proptest::option::of(0u8..6),
        ) {
            let instruments = crate::instruments::builtin();
            let participants = known.map(|known| Participants {
                id: (0..known).map(|i| format!("P{i}")).collect(),
                enrolled_on: vec![None; known as usize],
                origin: (0..known as u64).map(origin).collect(),
                ..Participants::default()
            });
            let wave_of = |w: u8| if w.is_multiple_of(wave_names) { String::new() } else { format!("w{}", w % wave_names) };
            let assessments = assessments_of(&rows, wave_of);
            let plain = plain_assessment_exclusions(&assessments, &instruments[0], participants.as_ref());
            let validated = validate(participants, assessments, None, &instruments);
            let found: Vec<(u64, &str)> = validated
                .account
                .excluded
                .iter()
                .filter(|r| r.table == "assessments")
                .map(|r| (r.origin.line(), r.reason))
                .collect();
            prop_assert_eq!(found, plain);
        }
    }

    /// Assessments from (participant, wave, response) triples: participant 5
    /// has no id, and the response fills three items of instrument 0.
    fn assessments_of(
        rows: &[(u8, u8, Option<i32>)],
        wave_of: impl Fn(u8) -> String,
    ) -> Assessments {
        Assessments {
            participant_id: rows
                .iter()
                .map(|(p, _, _)| {
                    if *p == 5 {
                        String::new()
                    } else {
                        format!("P{p}")
                    }
                })
                .collect(),
            wave: rows.iter().map(|(_, w, _)| wave_of(*w)).collect(),
            assessed_on: vec![None; rows.len()],
            instruments: vec![InstrumentColumns {
                instrument: 0,
                items: vec![rows.iter().map(|(_, _, v)| *v).collect(); 3],
                total: None,
            }],
            origin: (0..rows.len() as u64).map(|i| origin(i + 2)).collect(),
            ..Assessments::default()
        }
    }

    /// The assessment rules as DATA.md states them, row by row.
    fn plain_assessment_exclusions(
        assessments: &Assessments,
        instrument: &Instrument,
        participants: Option<&Participants>,
    ) -> Vec<(u64, &'static str)> {
        let mut excluded: Vec<(u64, &'static str)> = Vec::new();
        let mut excluded_rows = std::collections::HashSet::new();
        let mut first_of_key: std::collections::HashMap<(&str, &str), usize> = Default::default();
        let mut repeats: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        let mut exclude = |row: usize, reason, excluded: &mut Vec<(u64, &'static str)>| {
            if excluded_rows.insert(row) {
                excluded.push((row as u64 + 2, reason));
            }
        };
        for row in 0..assessments.len() {
            let (id, wave) = (
                assessments.participant_id.get(row),
                assessments.wave.get(row),
            );
            if id.is_empty() {
                exclude(row, "missing participant_id", &mut excluded);
                continue;
            }
            if wave.is_empty() {
                exclude(row, "missing wave", &mut excluded);
                continue;
            }
            if participants.is_some_and(|p| !p.id.iter().any(|known| known == id)) {
                exclude(row, "unknown participant", &mut excluded);
                continue;
            }
            let first = *first_of_key.entry((id, wave)).or_insert(row);
            if first != row {
                repeats
                    .entry(first)
                    .or_insert_with(|| vec![first])
                    .push(row);
            }
            let items = &assessments.instruments[0].items;
            if items.iter().any(|values| {
                values[row].is_some_and(|r| {
                    let r = i64::from(r);
                    r < instrument.raw_min || r > instrument.raw_max
                })
            }) {
                exclude(row, "response out of range", &mut excluded);
            }
        }
        let items = &assessments.instruments[0].items;
        for rows in repeats.values() {
            let first = rows[0];
            let copies = rows[1..].iter().all(|&row| {
                assessments.assessed_on[row] == assessments.assessed_on[first]
                    && items.iter().all(|values| values[row] == values[first])
            });
            if copies {
                for &row in &rows[1..] {
                    exclude(row, "exact duplicate", &mut excluded);
                }
            } else {
                for &row in rows {
                    exclude(row, "duplicate (participant, wave)", &mut excluded);
                }
            }
        }
        excluded
    }

    #[test]
    fn conflicting_duplicates_are_all_excluded() {
        let assessments = Assessments {
            participant_id: ["A", "A", "B"].into_iter().collect(),
            participant: Vec::new(),
            wave: ["baseline", "baseline", "baseline"].into_iter().collect(),
            assessed_on: vec![Some(10), Some(11), None],
            instruments: vec![],
            origin: vec![origin(2), origin(3), origin(4)],
            bad_cells: Vec::new(),
        };
        let validated = validate(None, assessments, None, &crate::instruments::builtin());
        assert_eq!(
            validated
                .assessments
                .participant_id
                .iter()
                .collect::<Vec<_>>(),
            ["B"]
        );
        assert_eq!(validated.account.excluded.len(), 2);
        assert!(validated.account.excluded[0].detail.contains("lines 2, 3"));
    }

    #[test]
    fn an_exact_duplicate_keeps_its_first_copy() {
        let assessments = Assessments {
            participant_id: ["A", "A", "B", "A"].into_iter().collect(),
            participant: Vec::new(),
            wave: ["baseline", "baseline", "baseline", "baseline"]
                .into_iter()
                .collect(),
            assessed_on: vec![Some(10), Some(10), None, Some(10)],
            instruments: vec![],
            origin: vec![origin(2), origin(3), origin(4), origin(5)],
            bad_cells: Vec::new(),
        };
        let validated = validate(None, assessments, None, &crate::instruments::builtin());
        assert_eq!(
            validated
                .assessments
                .participant_id
                .iter()
                .collect::<Vec<_>>(),
            ["A", "B"]
        );
        let details: Vec<(u64, &str)> = validated
            .account
            .excluded
            .iter()
            .map(|r| (r.origin.line(), r.detail.as_str()))
            .collect();
        assert_eq!(
            details,
            [
                (3, "exact duplicate of line 2"),
                (5, "exact duplicate of line 2")
            ]
        );
    }

    #[test]
    fn attendance_checked_in_parts_matches_the_whole_table() {
        // Two participants enrolled on day 100; rows with an unknown id, a
        // missing id, a missing date, a session before enrolment, a missed
        // session and good rows, checked whole and in two parts.
        let participants = Participants {
            id: vec!["A".into(), "B".into()],
            groups: vec![],
            covariates: vec![],
            enrolled_on: vec![Some(100), Some(100)],
            sessions: None,
            origin: vec![origin(2), origin(3)],
        };
        let rows: [(u32, Option<Date>, bool); 7] = [
            (0, Some(101), true),
            (2, Some(101), true),
            (3, Some(101), true),
            (1, None, true),
            (1, Some(99), true),
            (1, Some(108), false),
            (1, Some(115), true),
        ];
        let whole = Attendance {
            participant: rows.iter().map(|r| r.0).collect(),
            ids: ["A", "B", "Z", ""].into_iter().collect(),
            session_date: rows.iter().map(|r| r.1).collect(),
            activity: vec![Some(0); rows.len()],
            activities: ["walk"].into_iter().collect(),
            is_group: vec![true; rows.len()],
            attended: rows.iter().map(|r| r.2).collect(),
            minutes: vec![None; rows.len()],
            origin: (0..rows.len() as u64).map(|i| origin(i + 2)).collect(),
        };
        let index = ParticipantIndex::of(&participants);
        let mut one = AttendanceCheck::new(participants.enrolled_on.clone(), &index);
        one.add(&whole);
        let mut two = AttendanceCheck::new(participants.enrolled_on.clone(), &index);
        for (start, end) in [(0, 3), (3, rows.len())] {
            let mut part = Attendance {
                ids: whole.ids.clone(),
                activities: whole.activities.clone(),
                ..Attendance::default()
            };
            for row in start..end {
                part.participant.push(whole.participant[row]);
                part.session_date.push(whole.session_date[row]);
                part.activity.push(whole.activity[row]);
                part.is_group.push(whole.is_group[row]);
                part.attended.push(whole.attended[row]);
                part.minutes.push(whole.minutes[row]);
                part.origin.push(whole.origin[row]);
            }
            two.add(&part);
        }
        let (account, excluded, tally) = one.into_parts();
        assert_eq!((account.read, account.kept, account.excluded), (7, 3, 4));
        let reasons: Vec<&str> = excluded.iter().map(|r| r.reason).collect();
        assert_eq!(
            reasons,
            [
                "unknown participant",
                "missing participant_id",
                "missing session_date",
                "session before enrolment"
            ]
        );
        assert_eq!((account, excluded, tally), two.into_parts());
    }
}
