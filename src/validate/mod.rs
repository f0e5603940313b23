//! Validate: decide which rows are kept, and give a reason for every row
//! that is not.
//!
//! Nothing is dropped silently: each excluded row is recorded with its file,
//! line, column and reason, and for every table kept + excluded = read.

use crate::ingest::convert::format_date;
use crate::instruments::Instrument;
use crate::model::{Assessments, Attendance, Date, Participants, RowOrigin};
use polars::prelude::{PlHashMap as HashMap, PlHashSet as HashSet};
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
}

/// The kept tables and the account of everything read.
#[derive(Debug, Clone)]
pub struct Validated {
    /// Given participants, or those implied by the assessments when no
    /// participants table exists.
    pub participants: Participants,
    pub participants_given: bool,
    pub assessments: Assessments,
    pub attendance: Option<Attendance>,
    pub excluded: Vec<ExcludedRow>,
    pub accounts: Vec<TableAccount>,
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
        }
    }
}

fn validate_participants(participants: &Participants) -> Exclusions {
    let mut exclusions = Exclusions::new("participants", participants.len());
    let mut first_line: HashMap<&str, u64> = HashMap::default();
    for (row, id) in participants.id.iter().enumerate() {
        let origin = participants.origin[row];
        if id.is_empty() {
            exclusions.exclude(
                row,
                origin,
                Some("participant_id"),
                "missing participant_id",
                String::new(),
            );
        } else if let Some(first) = first_line.get(id.as_str()) {
            exclusions.exclude(
                row,
                origin,
                Some("participant_id"),
                "duplicate participant_id",
                format!("also on line {first}"),
            );
        } else {
            first_line.insert(id, origin.line());
        }
    }
    exclusions
}

fn validate_assessments(
    assessments: &Assessments,
    instruments: &[Instrument],
    known_ids: Option<&HashSet<&str>>,
) -> Exclusions {
    let mut exclusions = Exclusions::new("assessments", assessments.len());
    // First row of each (participant, wave); rows of repeated keys aside.
    let mut first_of_key: HashMap<(&str, &str), usize> = HashMap::default();
    let mut repeats: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for row in 0..assessments.len() {
        let origin = assessments.origin[row];
        let id = assessments.participant_id[row].as_str();
        let wave = assessments.wave[row].as_str();
        if id.is_empty() {
            exclusions.exclude(
                row,
                origin,
                Some("participant_id"),
                "missing participant_id",
                String::new(),
            );
            continue;
        }
        if wave.is_empty() {
            exclusions.exclude(row, origin, Some("wave"), "missing wave", String::new());
            continue;
        }
        if known_ids.is_some_and(|known| !known.contains(id)) {
            exclusions.exclude(
                row,
                origin,
                Some("participant_id"),
                "unknown participant",
                format!("{id} is not in the participants table"),
            );
            continue;
        }
        match first_of_key.get(&(id, wave)) {
            Some(&first) => repeats
                .entry(first)
                .or_insert_with(|| vec![first])
                .push(row),
            None => {
                first_of_key.insert((id, wave), row);
            }
        }
        for columns in &assessments.instruments {
            let instrument = &instruments[columns.instrument];
            for (k, values) in columns.items.iter().enumerate() {
                if let Some(response) = values[row] {
                    if response < instrument.raw_min || response > instrument.raw_max {
                        exclusions.exclude(
                            row,
                            origin,
                            Some(&instrument.item_column(k + 1)),
                            "response out of range",
                            format!(
                                "{response} is outside {}–{}",
                                instrument.raw_min, instrument.raw_max
                            ),
                        );
                    }
                }
            }
            if let Some(total) = columns.total.as_ref().and_then(|t| t[row]) {
                if total < instrument.score_min || total > instrument.score_max {
                    exclusions.exclude(
                        row,
                        origin,
                        Some(&instrument.total_column()),
                        "total out of range",
                        format!(
                            "{total} is outside {}–{}",
                            instrument.score_min, instrument.score_max
                        ),
                    );
                }
            }
        }
    }
    // A participant answering the same wave twice cannot be resolved without
    // guessing which answer is right, so every copy is excluded.
    for rows in repeats.values() {
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
    exclusions
}

fn validate_attendance(attendance: &Attendance, participants: &Participants) -> Exclusions {
    let enrolled_on: HashMap<&str, Option<Date>> = participants
        .id
        .iter()
        .map(String::as_str)
        .zip(participants.enrolled_on.iter().copied())
        .collect();
    let mut exclusions = Exclusions::new("attendance", attendance.len());
    // Each distinct id is looked up once, not once per row.
    let known: Vec<Option<Option<Date>>> = attendance
        .ids
        .iter()
        .map(|id| enrolled_on.get(id.as_str()).copied())
        .collect();
    for row in 0..attendance.len() {
        let origin = attendance.origin[row];
        let id = attendance.participant_id(row);
        let enrolled = known[attendance.participant[row] as usize];
        if id.is_empty() {
            exclusions.exclude(
                row,
                origin,
                Some("participant_id"),
                "missing participant_id",
                String::new(),
            );
        } else if enrolled.is_none() {
            exclusions.exclude(
                row,
                origin,
                Some("participant_id"),
                "unknown participant",
                format!("{id} is not among the participants"),
            );
        } else if attendance.session_date[row].is_none() {
            exclusions.exclude(
                row,
                origin,
                Some("session_date"),
                "missing session_date",
                String::new(),
            );
        } else if let (Some(session), Some(Some(enrolled))) =
            (attendance.session_date[row], enrolled)
        {
            if session < enrolled {
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
            }
        }
    }
    exclusions
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
        let exclusions = validate_participants(&table);
        table.retain(&exclusions.keep);
        accounts.push(exclusions.account());
        excluded.extend(exclusions.rows);
        table
    });

    // With a participants table, assessments and attendance are checked
    // against it independently, side by side. Without one, the
    // participants are those of the kept assessments, so attendance waits.
    let (assessment_exclusions, attendance_exclusions) = match &participants {
        Some(given) => {
            let (assessment_exclusions, attendance_exclusions) = rayon::join(
                || {
                    let known: HashSet<&str> = given.id.iter().map(String::as_str).collect();
                    validate_assessments(&assessments, instruments, Some(&known))
                },
                || {
                    attendance
                        .as_ref()
                        .map(|table| validate_attendance(table, given))
                },
            );
            (assessment_exclusions, Some(attendance_exclusions))
        }
        None => (validate_assessments(&assessments, instruments, None), None),
    };
    assessments.retain(&assessment_exclusions.keep);
    accounts.push(assessment_exclusions.account());
    excluded.extend(assessment_exclusions.rows);

    let participants = participants.unwrap_or_else(|| {
        let mut ids: Vec<String> = assessments.participant_id.clone();
        ids.sort();
        ids.dedup();
        Participants {
            enrolled_on: vec![None; ids.len()],
            origin: vec![RowOrigin::derived(); ids.len()],
            id: ids,
            groups: Vec::new(),
            covariates: Vec::new(),
            sessions: None,
        }
    });

    let attendance = attendance.map(|mut table| {
        let exclusions = match attendance_exclusions {
            Some(Some(exclusions)) => exclusions,
            _ => validate_attendance(&table, &participants),
        };
        table.retain(&exclusions.keep);
        accounts.push(exclusions.account());
        excluded.extend(exclusions.rows);
        table
    });

    Validated {
        participants,
        participants_given,
        assessments,
        attendance,
        excluded,
        accounts,
    }
}

/// Notes how many kept participants have no kept assessment at all.
pub fn note_participants_without_assessment(validated: &mut Validated) {
    if !validated.participants_given {
        return;
    }
    let assessed: HashSet<&str> = validated
        .assessments
        .participant_id
        .iter()
        .map(String::as_str)
        .collect();
    let without = validated
        .participants
        .id
        .iter()
        .filter(|id| !assessed.contains(id.as_str()))
        .count();
    if let Some(account) = validated
        .accounts
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
pub fn exclude_followups_before_baseline(validated: &mut Validated, baseline_wave: &str) {
    let assessments = &validated.assessments;
    let baseline_dates: HashMap<&str, Date> = (0..assessments.len())
        .filter(|&row| assessments.wave[row] == baseline_wave)
        .filter_map(|row| {
            Some((
                assessments.participant_id[row].as_str(),
                assessments.assessed_on[row]?,
            ))
        })
        .collect();
    let mut exclusions = Exclusions::new("assessments", assessments.len());
    for row in 0..assessments.len() {
        if assessments.wave[row] == baseline_wave {
            continue;
        }
        let id = assessments.participant_id[row].as_str();
        if let (Some(date), Some(baseline)) = (assessments.assessed_on[row], baseline_dates.get(id))
        {
            if date < *baseline {
                exclusions.exclude(
                    row,
                    assessments.origin[row],
                    Some("assessed_on"),
                    "assessed before the baseline",
                    format!(
                        "{} wave on {} is before the {baseline_wave} on {}",
                        assessments.wave[row],
                        format_date(date),
                        format_date(*baseline)
                    ),
                );
            }
        }
    }
    drop(baseline_dates);
    if exclusions.rows.is_empty() {
        return;
    }
    validated.assessments.retain(&exclusions.keep);
    if let Some(account) = validated
        .accounts
        .iter_mut()
        .find(|a| a.table == "assessments")
    {
        account.kept -= exclusions.rows.len();
        account.excluded += exclusions.rows.len();
        for row in &exclusions.rows {
            *account.excluded_by_reason.entry(row.reason).or_insert(0) += 1;
        }
    }
    validated.excluded.extend(exclusions.rows);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::InstrumentColumns;
    use proptest::prelude::*;

    fn origin(line: u64) -> RowOrigin {
        RowOrigin::new(0, line)
    }

    proptest! {
        /// No row is ever lost: for every table, kept + excluded = read, and
        /// every excluded row is listed.
        #[test]
        fn kept_plus_excluded_equals_read(
            rows in proptest::collection::vec((0u8..6, 0u8..3, proptest::option::of(0i64..6)), 0..60),
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
            let assessments = Assessments {
                participant_id: rows.iter().map(|(p, _, _)| if *p == 5 { String::new() } else { format!("P{p}") }).collect(),
                wave: rows.iter().map(|(_, w, _)| ["baseline", "week12", ""][*w as usize].to_string()).collect(),
                assessed_on: vec![None; rows.len()],
                instruments: vec![InstrumentColumns {
                    instrument: 0,
                    items: vec![rows.iter().map(|(_, _, v)| *v).collect(); 3],
                    total: None,
                }],
                origin: (0..rows.len() as u64).map(|i| origin(i + 2)).collect(),
            };
            let validated = validate(Some(participants), assessments, None, &crate::instruments::builtin());
            for account in &validated.accounts {
                prop_assert_eq!(account.kept + account.excluded, account.read);
                prop_assert_eq!(account.excluded_by_reason.values().sum::<usize>(), account.excluded);
                let listed = validated.excluded.iter().filter(|r| r.table == account.table).count();
                prop_assert_eq!(listed, account.excluded);
            }
            prop_assert_eq!(validated.accounts[1].kept, validated.assessments.len());
        }
    }

    #[test]
    fn conflicting_duplicates_are_all_excluded() {
        let assessments = Assessments {
            participant_id: vec!["A".into(), "A".into(), "B".into()],
            wave: vec!["baseline".into(), "baseline".into(), "baseline".into()],
            assessed_on: vec![None; 3],
            instruments: vec![],
            origin: vec![origin(2), origin(3), origin(4)],
        };
        let validated = validate(None, assessments, None, &crate::instruments::builtin());
        assert_eq!(validated.assessments.participant_id, vec!["B".to_string()]);
        assert_eq!(validated.excluded.len(), 2);
        assert!(validated.excluded[0].detail.contains("lines 2, 3"));
    }
}
