//! Panel: one row per participant, with grouping columns, a score per wave
//! for every outcome, change, completer flag and attendance counts.
//!
//! Participants are in byte order of their id, so every later stage sees
//! the same order whatever order the files came in.

use crate::model::{Attendance, CodedText, Date, Participants, TextColumn};
use crate::score::{ItemSetsByRow, Outcome, Scores};
use crate::waves::WaveOrder;
use std::collections::BTreeMap;

/// An outcome's scores across waves.
#[derive(Debug, Clone)]
pub struct PanelOutcome {
    pub outcome: Outcome,
    /// `scores[wave][participant]`, waves in `WaveOrder` order.
    pub scores: Vec<Vec<Option<f64>>>,
    /// Complete scored item sets at baseline per participant; `None` for
    /// everyone when the outcome was collected as a total.
    pub baseline_items: Option<ItemSets>,
}

/// Complete scored item sets at baseline, one after another in panel order
/// in one buffer: read in order, without a pointer per participant.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ItemSets {
    items: usize,
    values: Vec<f64>,
    /// Per participant: the number of their set, if they have one.
    set_of: Vec<Option<u32>>,
}

impl ItemSets {
    /// The sets of `by_row` placed by their rows' `place_of_row` (panel
    /// row, wave), for `participants` participants.
    fn in_panel_order(
        by_row: &ItemSetsByRow,
        place_of_row: &[Option<(usize, usize)>],
        participants: usize,
    ) -> ItemSets {
        let mut set_by_row: Vec<Option<usize>> = vec![None; participants];
        for (set, &row) in by_row.rows.iter().enumerate() {
            if let Some((p, _)) = place_of_row[row] {
                set_by_row[p] = Some(set);
            }
        }
        let mut sets = ItemSets {
            items: by_row.items,
            values: Vec::with_capacity(by_row.values.len()),
            set_of: vec![None; participants],
        };
        let mut next = 0u32;
        for (p, set) in set_by_row.into_iter().enumerate() {
            if let Some(set) = set {
                sets.values.extend_from_slice(by_row.set(set));
                sets.set_of[p] = Some(next);
                next += 1;
            }
        }
        sets
    }

    /// The set of participant `participant`, if complete.
    pub fn get(&self, participant: usize) -> Option<&[f64]> {
        let set = self.set_of[participant]? as usize;
        Some(&self.values[set * self.items..(set + 1) * self.items])
    }

    /// Every complete set, in panel order.
    pub fn iter(&self) -> impl Iterator<Item = &[f64]> + '_ {
        self.values.chunks_exact(self.items.max(1))
    }
}

/// One row per participant.
#[derive(Debug, Clone)]
pub struct Panel {
    pub participant_id: Vec<String>,
    /// Grouping columns present, in configured order.
    pub groups: Vec<(String, CategoricalColumn)>,
    /// Other participant columns (for researchers' own models).
    pub covariates: Vec<(String, CategoricalColumn)>,
    pub waves: WaveOrder,
    pub outcomes: Vec<PanelOutcome>,
    /// Sessions attended (None when there is no attendance table).
    pub sessions: Option<Vec<u32>>,
    pub group_sessions: Option<Vec<u32>>,
    /// Per activity (in byte order): sessions attended per participant.
    pub activity_sessions: Vec<(String, Vec<u32>)>,
    /// Per activity (in byte order): attendance per week since each
    /// participant's enrolment (week 1 = days 0–6), in week order.
    pub activity_weeks: Vec<(String, Vec<WeekAttendance>)>,
    /// Columns whose small levels are shown together
    /// ([`pool_small_levels`]).
    pub pooled: Vec<PooledLevels>,
    /// Free-text participant columns left out ([`leave_out_free_text`]).
    pub free_text: Vec<String>,
    /// Characteristics beyond the first [`MAX_CHARACTERISTICS`]
    /// ([`leave_out_surplus_characteristics`]).
    pub surplus: Vec<String>,
}

/// A text column stored once per distinct value: a code per participant
/// into `levels`. Groups are found by code, not by comparing text, and a
/// million participants in three sites hold three strings, not a million.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CategoricalColumn {
    /// The distinct values, in byte order.
    pub levels: Vec<String>,
    /// Per participant: index into `levels`, `None` when missing.
    pub codes: Vec<Option<u32>>,
    /// `levels` are in a meaningful order (bands), not byte order.
    pub ordered: bool,
}

impl CategoricalColumn {
    /// Codes the values; levels end up in byte order.
    pub(crate) fn from_values(
        values: impl IntoIterator<Item = Option<String>>,
    ) -> CategoricalColumn {
        let values: Vec<Option<String>> = values.into_iter().collect();
        let in_order: Vec<usize> = (0..values.len()).collect();
        CategoricalColumn::from_coded(
            CodedText::of(values.iter().map(Option::as_deref)),
            &in_order,
        )
    }

    /// The rows `order` of a coded column (row `i` of the result is row
    /// `order[i]` of `coded`), with its levels put in byte order, or for
    /// an ordered column (bands) in its order without the unused levels.
    pub(crate) fn from_coded(coded: CodedText, order: &[usize]) -> CategoricalColumn {
        let CodedText {
            values,
            codes,
            ordered,
        } = coded;
        let mut by_level: Vec<usize> = (0..values.len()).collect();
        if ordered {
            let mut used = vec![false; values.len()];
            for code in codes.iter().flatten() {
                used[*code as usize] = true;
            }
            by_level.retain(|&level| used[level]);
        } else {
            by_level.sort_by(|&a, &b| values.get(a).cmp(values.get(b)));
        }
        let mut recode = vec![0u32; values.len()];
        for (sorted, &seen) in by_level.iter().enumerate() {
            recode[seen] = sorted as u32;
        }
        let levels = by_level
            .iter()
            .map(|&i| values.get(i).to_string())
            .collect();
        CategoricalColumn {
            ordered,
            levels,
            codes: order
                .iter()
                .map(|&row| codes[row].map(|c| recode[c as usize]))
                .collect(),
        }
    }

    /// The value of participant `row`.
    pub fn get(&self, row: usize) -> Option<&str> {
        self.codes[row].map(|code| self.levels[code as usize].as_str())
    }

    /// Every participant's value, in panel order.
    pub fn values(&self) -> Vec<Option<&str>> {
        (0..self.codes.len()).map(|row| self.get(row)).collect()
    }
}

impl FromIterator<Option<String>> for CategoricalColumn {
    fn from_iter<I: IntoIterator<Item = Option<String>>>(values: I) -> Self {
        CategoricalColumn::from_values(values)
    }
}

/// Attended sessions of one activity in one week since enrolment.
#[derive(Debug, Clone, PartialEq)]
pub struct WeekAttendance {
    pub week: u32,
    pub sessions: u64,
    /// Distinct participants attending that week.
    pub participants: usize,
}

impl PanelOutcome {
    pub fn baseline(&self, waves: &WaveOrder) -> &[Option<f64>] {
        &self.scores[waves.baseline]
    }
    pub fn followup(&self, waves: &WaveOrder) -> &[Option<f64>] {
        &self.scores[waves.followup]
    }
    /// Follow-up minus baseline, for participants with both.
    pub fn change(&self, waves: &WaveOrder) -> Vec<Option<f64>> {
        self.baseline(waves)
            .iter()
            .zip(self.followup(waves))
            .map(|(b, f)| Some((*f)? - (*b)?))
            .collect()
    }
    /// Has a score at both baseline and follow-up.
    pub(crate) fn completer(&self, waves: &WaveOrder) -> Vec<bool> {
        self.change(waves).iter().map(Option::is_some).collect()
    }
}

/// The participants-table row of each panel row: the panel is in id order.
pub(crate) type PanelOrder = Vec<usize>;

/// Builds the panel from kept participants and scored assessments, before
/// attendance is counted, so the analyses that do not need attendance can
/// start while it is read; [`Panel::attach_attendance`] adds it. Sessions
/// come from the participants table's count when it has one (the wide
/// sheet). Also returns the panel's order, which attaching needs.
/// A grouping column with more levels than this is refused: every level
/// is compared, tabled and protected, and a column of hundreds of levels
/// (a postcode district, a key worker) is better coarsened first.
pub(crate) const MAX_GROUP_LEVELS: usize = 100;
/// A column whose values are this share or more distinct (among at least
/// [`MIN_PEOPLE_FOR_UNIQUENESS`] people with a value) holds a value per
/// person: an identifier, not a group or a characteristic.
const UNIQUE_SHARE: f64 = 0.9;
const MIN_PEOPLE_FOR_UNIQUENESS: usize = 20;
/// The longest label a group or characteristic may have: it is shown in
/// every table, chart and sheet (Excel holds at most 32,767 characters).
pub(crate) const MAX_LABEL_CHARS: usize = 100;

/// Checks the participants' grouping and characteristic columns before
/// any analysis: none may hold (nearly) one value per person, and a
/// grouping column has at most [`MAX_GROUP_LEVELS`] levels.
pub(crate) fn check_columns(participants: &Participants) -> crate::error::Result<()> {
    use crate::error::Error;
    let shown = |name: &str| name.escape_debug().to_string();
    let columns = participants
        .groups
        .iter()
        .map(|c| (c, true))
        .chain(participants.covariates.iter().map(|c| (c, false)));
    for ((name, coded), is_group) in columns {
        let mut used = vec![false; coded.values.len()];
        let mut with_value = 0usize;
        for code in coded.codes.iter().flatten() {
            with_value += 1;
            if let Some(seen) = used.get_mut(*code as usize) {
                *seen = true;
            }
        }
        let levels = used.iter().filter(|u| **u).count();
        if let Some(long) = (0..coded.values.len())
            .filter(|code| used[*code])
            .map(|code| coded.values.get(code))
            .find(|value| value.chars().count() > MAX_LABEL_CHARS)
        {
            let start: String = long.chars().take(30).collect();
            return Err(Error::Grouping(format!(
                "participants column {}: a value of {} characters (\"{}…\"); a group or characteristic is a short label (at most {MAX_LABEL_CHARS} characters), and longer text is free text: drop the column under [participants] drop = [\"{}\"] in belong.toml",
                shown(name),
                long.chars().count(),
                start.escape_debug(),
                shown(name)
            )));
        }
        // A characteristic of numbers (an age) is published only as a
        // mean, SD and quartiles, never value by value.
        let numeric = !is_group && is_numeric(coded);
        if with_value >= MIN_PEOPLE_FOR_UNIQUENESS
            && levels as f64 >= UNIQUE_SHARE * with_value as f64
            && !numeric
        {
            let role = if is_group { "group" } else { "characteristic" };
            return Err(Error::Privacy(format!(
                "participants column {}: {levels} different values among {with_value} people, nearly one per person, so it identifies people and cannot be a {role}; drop it under [participants] drop = [\"{}\"] in belong.toml{}",
                shown(name),
                shown(name),
                if is_group { ", or leave it out of group_by" } else { "" }
            )));
        }
        if is_group && levels > MAX_GROUP_LEVELS {
            return Err(Error::Grouping(format!(
                "group_by column {}: {levels} levels, more than the {MAX_GROUP_LEVELS} belong compares; group them into fewer (e.g. areas instead of districts), or leave the column out of group_by in belong.toml",
                shown(name)
            )));
        }
    }
    Ok(())
}

/// A value of this many words or more is a sentence, not a label.
const SENTENCE_WORDS: usize = 6;
/// A column needs this many distinct values before its sentences make
/// it free text: a handful of long category names is still categories.
const FREE_TEXT_MIN_VALUES: usize = 10;

/// Whether a characteristic is free text (notes, comments, a referral
/// reason in the worker's words): a value longer than any label, or
/// mostly sentences among many distinct values. Free text can hold
/// anything about anyone, and as categories it would be one per person.
fn is_free_text(coded: &CodedText) -> bool {
    let values: Vec<&str> = (0..coded.values.len())
        .map(|code| coded.values.get(code))
        .collect();
    let sentences = values
        .iter()
        .filter(|v| v.split_whitespace().count() >= SENTENCE_WORDS)
        .count();
    values.iter().any(|v| v.chars().count() > MAX_LABEL_CHARS)
        || (values.len() >= FREE_TEXT_MIN_VALUES && sentences * 2 >= values.len())
}

/// Removes the free-text characteristics ([`is_free_text`]) not in
/// `allowed`, before the panel is built, so that no output holds them,
/// `internal/` included. Returns their names, for the report to say.
pub(crate) fn leave_out_free_text(
    participants: &mut Participants,
    allowed: &[String],
) -> Vec<String> {
    let mut left_out = Vec::new();
    participants.covariates.retain(|(name, coded)| {
        let free = !allowed.contains(name) && is_free_text(coded);
        if free {
            left_out.push(name.clone());
        }
        !free
    });
    left_out
}

/// At most this many participant columns are characteristics (Table 1,
/// the baseline tables, the moderators): each adds rows to every table and
/// tests to every family, and an export of a whole CRM with hundreds of
/// columns would give a report no one can read, slowly.
pub(crate) const MAX_CHARACTERISTICS: usize = 30;

/// Keeps the characteristics the configuration names (`named`: adjust_for,
/// moderators, the cluster column), then the others in the file's order up
/// to [`MAX_CHARACTERISTICS`] in all; returns the names of those left out,
/// for the report to say.
pub(crate) fn leave_out_surplus_characteristics(
    participants: &mut Participants,
    named: &[String],
) -> Vec<String> {
    let named_count = participants
        .covariates
        .iter()
        .filter(|(name, _)| named.contains(name))
        .count();
    let mut room = MAX_CHARACTERISTICS.saturating_sub(named_count);
    let mut left_out = Vec::new();
    participants.covariates.retain(|(name, _)| {
        if named.contains(name) {
            return true;
        }
        if room > 0 {
            room -= 1;
            return true;
        }
        left_out.push(name.clone());
        false
    });
    left_out
}

/// Whether every value of a column is a finite number (an age, months
/// referred): such a characteristic is described, not tabled by value.
fn is_numeric(coded: &CodedText) -> bool {
    (0..coded.values.len()).all(|code| {
        crate::ingest::convert::parse_number(coded.values.get(code).trim())
            .is_some_and(f64::is_finite)
    })
}

/// The label under which the small levels of one column are shown
/// together.
pub(crate) fn pooled_label(min_cell: usize) -> String {
    format!("other (fewer than {min_cell} each)")
}

/// Levels of one column shown together because each had fewer than
/// `min_cell` people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PooledLevels {
    pub column: String,
    /// How many levels were pooled.
    pub levels: usize,
    /// The people in them.
    pub people: usize,
    /// For bands: the labels of the merged bands (`65+`), which replace
    /// the pooled label.
    pub merged_bands: Vec<String>,
}

/// Replaces, in every grouping and characteristic column but `whole`
/// (the arm and the cluster column, which the design needs as they are)
/// and numeric ones, each level held by fewer than `min_cell` people
/// with [`pooled_label`]. A label is published in every table even when
/// all its numbers are withheld, and the label of a small level (a key
/// worker's name, a postcode district, a client reference) can itself
/// identify people. Returns what was pooled, for the report to say.
pub(crate) fn pool_small_levels(
    participants: &mut Participants,
    min_cell: usize,
    whole: &[&str],
) -> Vec<PooledLevels> {
    if min_cell <= 1 {
        return Vec::new();
    }
    let label = pooled_label(min_cell);
    let mut pooled = Vec::new();
    for (name, coded) in participants
        .groups
        .iter_mut()
        .chain(participants.covariates.iter_mut())
    {
        if whole.contains(&name.as_str()) || is_numeric(coded) {
            continue;
        }
        let mut people = vec![0usize; coded.values.len()];
        for code in coded.codes.iter().flatten() {
            people[*code as usize] += 1;
        }
        let small: Vec<bool> = people.iter().map(|&n| n > 0 && n < min_cell).collect();
        let levels = small.iter().filter(|s| **s).count();
        // A lone level already called by the pooled label is not news.
        if levels == 0
            || (levels == 1
                && (0..coded.values.len()).any(|c| small[c] && coded.values.get(c) == label))
        {
            continue;
        }
        let mut pooled_levels = PooledLevels {
            column: name.clone(),
            levels,
            people: (0..people.len())
                .filter(|&c| small[c])
                .map(|c| people[c])
                .sum(),
            merged_bands: Vec::new(),
        };
        let shown = |c: u32| {
            if small[c as usize] {
                label.as_str()
            } else {
                coded.values.get(c as usize)
            }
        };
        let recoded = if coded.ordered {
            let merged = merge_small_bands(coded, &people, min_cell);
            pooled_levels.merged_bands = (0..merged.values.len())
                .map(|c| merged.values.get(c))
                .filter(|label| !(0..coded.values.len()).any(|c| coded.values.get(c) == *label))
                .map(str::to_string)
                .collect();
            merged
        } else {
            CodedText::of(coded.codes.iter().map(|code| code.map(shown)))
        };
        pooled.push(pooled_levels);
        *coded = recoded;
    }
    pooled
}

/// Bands (in order) merged with their neighbours until each holds at
/// least `min_cell` people: a small band joins the bands after it, and a
/// small run at the end joins the one before. `65-74` (6 people) and
/// `75+` (7) become `65+` (13), which a reader can use where "other"
/// pooling the youngest with the oldest could not be.
fn merge_small_bands(coded: &CodedText, people: &[usize], min_cell: usize) -> CodedText {
    let mut runs: Vec<Vec<usize>> = Vec::new();
    let mut current: Vec<usize> = Vec::new();
    let mut total = 0;
    for band in (0..coded.values.len()).filter(|&b| people[b] > 0) {
        current.push(band);
        total += people[band];
        if total >= min_cell {
            runs.push(std::mem::take(&mut current));
            total = 0;
        }
    }
    if !current.is_empty() {
        match runs.last_mut() {
            Some(last) => last.extend(current),
            None => runs.push(current),
        }
    }
    let mut merged = CodedText {
        ordered: true,
        ..CodedText::default()
    };
    let mut run_of = vec![0u32; coded.values.len()];
    for run in &runs {
        let label = match run.as_slice() {
            [only] => coded.values.get(*only).to_string(),
            [first, .., last] => crate::ingest::bands::merged_label(
                coded.values.get(*first),
                coded.values.get(*last),
            ),
            [] => continue,
        };
        let (code, _) = merged.values.insert(&label);
        for &band in run {
            run_of[band] = code;
        }
    }
    merged.codes = coded
        .codes
        .iter()
        .map(|code| code.map(|c| run_of[c as usize]))
        .collect();
    merged
}

pub(crate) fn build_panel_without_attendance(
    mut participants: Participants,
    assessment_participants: &[u32],
    assessment_waves: &TextColumn,
    scores: Scores,
    waves: WaveOrder,
) -> (Panel, PanelOrder) {
    let mut order: Vec<usize> = (0..participants.len()).collect();
    // Ids are unique once validated, so an unstable sort gives the one
    // order; exports are often sorted already, which one pass confirms.
    if !participants.id.is_sorted() {
        order.sort_unstable_by(|&a, &b| participants.id[a].cmp(&participants.id[b]));
    }
    // Columns are moved into panel order, not copied: a million ids and
    // their covariates would otherwise be held twice.
    let participant_id: Vec<String> = order
        .iter()
        .map(|&i| std::mem::take(&mut participants.id[i]))
        .collect();
    let mut panel_row = vec![0usize; order.len()];
    for (row, &participant) in order.iter().enumerate() {
        panel_row[participant] = row;
    }
    let reorder = |columns: &mut Vec<(String, CodedText)>| {
        std::mem::take(columns)
            .into_iter()
            .map(|(name, coded)| (name, CategoricalColumn::from_coded(coded, &order)))
            .collect::<Vec<_>>()
    };
    let groups = reorder(&mut participants.groups);
    let covariates = reorder(&mut participants.covariates);
    let n = participant_id.len();
    // Each assessment row's panel row and wave, looked up once for all
    // outcomes.
    let wave_of_text: Vec<Option<usize>> = assessment_waves
        .texts
        .iter()
        .map(|wave| waves.index_of(wave))
        .collect();
    let place_of_row: Vec<Option<(usize, usize)>> = assessment_participants
        .iter()
        .zip(&assessment_waves.rows)
        .map(|(&participant, &wave)| {
            Some((
                *panel_row.get(participant as usize)?,
                wave_of_text[wave as usize]?,
            ))
        })
        .collect();
    let outcomes = scores
        .outcomes
        .into_iter()
        .zip(scores.values)
        .zip(scores.baseline_items)
        .map(|((outcome, values), item_sets)| {
            let mut by_wave = vec![vec![None; n]; waves.waves.len()];
            for (place, value) in place_of_row.iter().zip(values) {
                if let Some((p, w)) = place {
                    by_wave[*w][*p] = value;
                }
            }
            let baseline_items = (!item_sets.rows.is_empty())
                .then(|| ItemSets::in_panel_order(&item_sets, &place_of_row, n));
            PanelOutcome {
                outcome,
                scores: by_wave,
                baseline_items,
            }
        })
        .collect();
    // A sessions count instead of an attendance table (the wide sheet): a
    // missing count is 0 sessions, as a participant without attendance
    // rows; the format is unknown, so all count as group.
    let sessions: Option<Vec<u32>> = participants
        .sessions
        .as_ref()
        .map(|counts| order.iter().map(|&i| counts[i].unwrap_or(0)).collect());
    let panel = Panel {
        participant_id,
        groups,
        covariates,
        waves,
        outcomes,
        group_sessions: sessions.clone(),
        sessions,
        activity_sessions: Vec::new(),
        activity_weeks: Vec::new(),
        pooled: Vec::new(),
        free_text: Vec::new(),
        surplus: Vec::new(),
    };
    (panel, order)
}

impl Panel {
    /// Adds counted attendance to a panel built in `order` by
    /// [`build_panel_without_attendance`].
    pub(crate) fn attach_attendance(&mut self, tally: AttendanceTally, order: &[usize]) {
        let counted = tally.into_panel_order(order);
        self.activity_sessions = counted.activity_sessions;
        self.activity_weeks = counted.activity_weeks;
        self.sessions = Some(counted.sessions);
        self.group_sessions = Some(counted.group_sessions);
    }
}

/// Sessions, attendees, and a bit per participant, of one activity in one
/// week.
type WeekTally = (u64, usize, Vec<u64>);

/// Weeks since enrolment held in a plain index (20 years).
const WEEKS_INDEXED: usize = 1045;

/// Attendance counted as its rows stream past, per participant (in the
/// participants table's order), per activity and per week since enrolment.
/// Rows hold indices, so nothing is looked up or allocated per row;
/// distinct attendees per (activity, week) are counted with one bit per
/// participant.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AttendanceTally {
    enrolled_on: Vec<Option<Date>>,
    sessions: Vec<u32>,
    group_sessions: Vec<u32>,
    /// Per activity (in order of first appearance), sessions per participant;
    /// empty until the activity is attended.
    per_activity: Vec<Vec<u32>>,
    /// Per activity, indexed by week since enrolment: weeks are small
    /// numbers, and a map looked up per row cost more than the rest of the
    /// row. Weeks from [`WEEKS_INDEXED`] on (dates decades after
    /// enrolment) go to `later_weeks`, so a stray date cannot make the
    /// index huge.
    weeks: Vec<Vec<Option<WeekTally>>>,
    later_weeks: Vec<BTreeMap<usize, WeekTally>>,
    activities: Vec<String>,
}

impl AttendanceTally {
    /// An empty tally for participants enrolled on `enrolled_on`.
    pub fn new(enrolled_on: Vec<Option<Date>>) -> AttendanceTally {
        let n = enrolled_on.len();
        AttendanceTally {
            enrolled_on,
            sessions: vec![0; n],
            group_sessions: vec![0; n],
            ..AttendanceTally::default()
        }
    }

    /// When the participant of participants-table row `row` enrolled.
    pub fn enrolled_on(&self, row: usize) -> Option<Date> {
        self.enrolled_on[row]
    }

    /// Counts the attended rows of `part` that are kept; `participant_row`
    /// gives the participants-table row of each of the part's ids.
    pub fn add(&mut self, part: &Attendance, participant_row: &[Option<u32>], keep: &[bool]) {
        let n = self.enrolled_on.len();
        if part.activities.len() > self.activities.len() {
            self.activities.extend(
                part.activities
                    .iter()
                    .skip(self.activities.len())
                    .map(str::to_string),
            );
            self.per_activity.resize(part.activities.len(), Vec::new());
            self.weeks.resize(part.activities.len(), Vec::new());
            self.later_weeks
                .resize(part.activities.len(), BTreeMap::new());
        }
        for row in 0..part.len() {
            if !keep[row] || !part.attended[row] {
                continue;
            }
            let Some(p) = participant_row[part.participant[row] as usize] else {
                continue;
            };
            let p = p as usize;
            self.sessions[p] += 1;
            if part.is_group[row] {
                self.group_sessions[p] += 1;
            }
            let Some(activity) = part.activity[row] else {
                continue;
            };
            let activity = usize::from(activity);
            let counts = &mut self.per_activity[activity];
            if counts.is_empty() {
                counts.resize(n, 0);
            }
            counts[p] += 1;
            if let (Some(date), Some(start)) = (part.session_date[row], self.enrolled_on[p]) {
                if date >= start {
                    let week = ((date - start) / 7 + 1) as usize;
                    let empty = || (0, 0, vec![0u64; n.div_ceil(64)]);
                    let entry = if week < WEEKS_INDEXED {
                        let weeks = &mut self.weeks[activity];
                        if weeks.len() <= week {
                            weeks.resize(week + 1, None);
                        }
                        weeks[week].get_or_insert_with(empty)
                    } else {
                        self.later_weeks[activity].entry(week).or_insert_with(empty)
                    };
                    entry.0 += 1;
                    let (word, bit) = (p / 64, 1u64 << (p % 64));
                    if entry.2[word] & bit == 0 {
                        entry.2[word] |= bit;
                        entry.1 += 1;
                    }
                }
            }
        }
    }

    /// The counts with participants in panel order (`order[p]` is the
    /// participants-table row of panel row `p`) and activities in byte
    /// order of their names.
    fn into_panel_order(mut self, order: &[usize]) -> PanelAttendance {
        let reorder = |counts: &[u32]| -> Vec<u32> { order.iter().map(|&i| counts[i]).collect() };
        let mut activity_order: Vec<usize> = (0..self.activities.len()).collect();
        activity_order.sort_by(|&a, &b| self.activities[a].cmp(&self.activities[b]));
        let mut activity_sessions = Vec::new();
        let mut activity_weeks = Vec::new();
        for a in activity_order {
            let name = self.activities[a].clone();
            if !self.per_activity[a].is_empty() {
                activity_sessions.push((name.clone(), reorder(&self.per_activity[a])));
            }
            let indexed = std::mem::take(&mut self.weeks[a])
                .into_iter()
                .enumerate()
                .filter_map(|(week, tally)| Some((week, tally?)));
            let records: Vec<WeekAttendance> = indexed
                .chain(std::mem::take(&mut self.later_weeks[a]))
                .map(|(week, (sessions, participants, _))| WeekAttendance {
                    week: week as u32,
                    sessions,
                    participants,
                })
                .collect();
            if !records.is_empty() {
                activity_weeks.push((name, records));
            }
        }
        PanelAttendance {
            sessions: reorder(&self.sessions),
            group_sessions: reorder(&self.group_sessions),
            activity_sessions,
            activity_weeks,
        }
    }
}

/// Attendance counted per panel row, per activity and per week.
struct PanelAttendance {
    sessions: Vec<u32>,
    group_sessions: Vec<u32>,
    activity_sessions: Vec<(String, Vec<u32>)>,
    activity_weeks: Vec<(String, Vec<WeekAttendance>)>,
}

#[cfg(test)]
mod tests {
    use super::CategoricalColumn;

    #[test]
    fn small_bands_merge_with_their_neighbours_in_order() {
        // Band order as listed; 18-24 (2) joins 25-49, 65-74 (3) and 75+
        // (4) end small and join each other and then 50-64.
        let mut coded = crate::model::CodedText {
            ordered: true,
            ..Default::default()
        };
        for label in ["<18", "18-24", "25-49", "50-64", "65-74", "75+"] {
            coded.values.insert(label);
        }
        let people = [0, 2, 9, 10, 3, 4];
        coded.codes = people
            .iter()
            .enumerate()
            .flat_map(|(band, &n)| std::iter::repeat_n(Some(band as u32), n))
            .chain([None])
            .collect();
        let merged = super::merge_small_bands(&coded, &people, 10);
        let labels: Vec<&str> = (0..merged.values.len())
            .map(|c| merged.values.get(c))
            .collect();
        assert_eq!(labels, ["18-49", "50+"]);
        let count = |code: u32| merged.codes.iter().filter(|c| **c == Some(code)).count();
        assert_eq!((count(0), count(1)), (11, 17));
        assert_eq!(merged.codes.last(), Some(&None), "missing stays missing");
    }

    #[test]
    fn categorical_levels_are_in_byte_order_and_codes_follow_them() {
        let values = ["site b", "Site a", "", "site b"]
            .iter()
            .map(|v| (!v.is_empty()).then(|| v.to_string()));
        let column = CategoricalColumn::from_values(values);
        assert_eq!(column.levels, ["Site a", "site b"]);
        assert_eq!(column.codes, [Some(1), Some(0), None, Some(1)]);
        assert_eq!(
            column.values(),
            [Some("site b"), Some("Site a"), None, Some("site b")]
        );
    }

    #[test]
    fn coded_columns_reordered_match_the_values_reordered() {
        let values = [
            Some("zeta"),
            None,
            Some("Alpha"),
            Some("zeta"),
            Some("beta"),
        ];
        let coded = crate::model::CodedText::of(values);
        assert_eq!(
            coded.values,
            ["zeta", "Alpha", "beta"].into_iter().collect()
        );
        let order = [4, 2, 0, 1, 3];
        let reordered = order.iter().map(|&i| values[i].map(str::to_string));
        assert_eq!(
            CategoricalColumn::from_coded(coded, &order),
            CategoricalColumn::from_values(reordered)
        );
    }

    #[test]
    fn weeks_far_from_enrolment_are_counted_in_week_order() {
        use super::{Attendance, AttendanceTally};
        use crate::model::RowOrigin;
        // Enrolled on day 0: sessions in week 1, week 2001 and week 2.
        let days = [0, 7 * 2000, 7];
        let part = Attendance {
            participant: vec![0; 3],
            ids: ["A"].into_iter().collect(),
            session_date: days.iter().map(|d| Some(*d)).collect(),
            activity: vec![Some(0); 3],
            activities: ["walk"].into_iter().collect(),
            is_group: vec![true; 3],
            attended: vec![true; 3],
            minutes: vec![None; 3],
            origin: vec![RowOrigin::new(0, 2); 3],
        };
        let mut tally = AttendanceTally::new(vec![Some(0)]);
        tally.add(&part, &[Some(0)], &[true; 3]);
        let counted = tally.into_panel_order(&[0]);
        assert_eq!(counted.sessions, [3]);
        let weeks: Vec<u32> = counted.activity_weeks[0].1.iter().map(|w| w.week).collect();
        assert_eq!(weeks, [1, 2, 2001]);
    }
}
