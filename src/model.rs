//! The native data model: typed tables that every input layout is read into.
//!
//! Columns are stored column-wise. Every row remembers where it came from
//! (file and line) so that exclusions and errors can point at it.

use polars::prelude::PlRandomState;
use std::hash::BuildHasher;

/// Days since 1970-01-01.
pub type Date = i32;

/// Where a row was read: index into the list of source files, and the line
/// (CSV) or 1-based row (Parquet) in that file.
///
/// Packed into one `u64` (file in the top 24 bits, line in the low 40):
/// every attendance row carries one, and at tens of millions of rows the
/// 16-byte pair was half a gigabyte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowOrigin(u64);

impl RowOrigin {
    const LINE_BITS: u32 = 40;
    /// The largest file index; also marks rows made up rather than read.
    pub(crate) const MAX_FILE: u32 = (1 << 24) - 1;
    /// The largest line: a trillion lines, far beyond any file.
    pub(crate) const MAX_LINE: u64 = (1 << Self::LINE_BITS) - 1;

    /// `file` and `line`, each kept within its bits (the limits are
    /// checked where files are listed).
    pub fn new(file: u32, line: u64) -> RowOrigin {
        let file = u64::from(file.min(Self::MAX_FILE));
        RowOrigin((file << Self::LINE_BITS) | line.min(Self::MAX_LINE))
    }

    /// A row that was not read from a file (participants implied by the
    /// assessments when there is no participants table).
    pub fn derived() -> RowOrigin {
        RowOrigin::new(Self::MAX_FILE, 0)
    }

    /// Index into the list of source files.
    pub fn file(self) -> u32 {
        (self.0 >> Self::LINE_BITS) as u32
    }

    /// The line (CSV) or 1-based row (Parquet, Excel) in the file.
    pub fn line(self) -> u64 {
        self.0 & Self::MAX_LINE
    }
}

/// One participant per row.
#[derive(Debug, Clone, Default)]
pub struct Participants {
    pub id: Vec<String>,
    /// Grouping columns present in the data (cohort, site, arm …), in the
    /// configured order; one value per row.
    pub groups: Vec<(String, CodedText)>,
    /// Every other column (age band, gender, …) as text, in file order.
    pub covariates: Vec<(String, CodedText)>,
    pub enrolled_on: Vec<Option<Date>>,
    /// Sessions attended, when the data hold a count instead of an
    /// attendance table (the wide sheet's "Sessions attended").
    pub sessions: Option<Vec<Option<u32>>>,
    pub origin: Vec<RowOrigin>,
}

/// A text column held as a code per row into its distinct values, in
/// order of first appearance: a million participants in three sites are
/// three strings, not a million (allocating and freeing millions of small
/// strings was a tenth of a national run).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CodedText {
    /// The distinct values, first seen first.
    pub values: TextSet,
    /// Per row: the number of its value in `values`, `None` when missing.
    pub codes: Vec<Option<u32>>,
    /// The values are in a meaningful order (bands, youngest first) that
    /// tables keep; otherwise they are shown in byte order.
    pub ordered: bool,
}

impl CodedText {
    /// Codes `values`.
    pub fn of<'a>(values: impl IntoIterator<Item = Option<&'a str>>) -> CodedText {
        let mut coded = CodedText::default();
        coded.codes = values
            .into_iter()
            .map(|value| value.map(|text| coded.values.insert(text).0))
            .collect();
        coded
    }

    /// The value of row `row`.
    pub fn get(&self, row: usize) -> Option<&str> {
        self.codes[row].map(|code| self.values.get(code as usize))
    }
}

/// One raw item response. Four bytes, not eight: at national scale the item
/// columns are tens of millions of cells. A whole number beyond ±2^31 is
/// no questionnaire response; ingest refuses it naming the cell.
pub(crate) type Response = i32;

/// The item (or total) columns of one instrument in the assessments table.
#[derive(Debug, Clone)]
pub struct InstrumentColumns {
    /// Position of the instrument in the registry.
    pub instrument: usize,
    /// Raw responses per item: `items[k - 1][row]`. Empty when only a total
    /// was collected.
    pub items: Vec<Vec<Option<Response>>>,
    /// Precomputed totals, used only when there are no item columns.
    pub total: Option<Vec<Option<f64>>>,
}

/// The rows of participant ids in a [`Participants`] table, built once and
/// shared by every step that matches another table's ids to participants:
/// at a million participants, each string-keyed map costs a tenth of a
/// second to build.
#[derive(Debug, Clone, Default)]
pub struct ParticipantIndex(TextSet);

impl ParticipantIndex {
    /// The index of `participants`, whose ids are unique (validated).
    pub fn of(participants: &Participants) -> ParticipantIndex {
        let mut ids = TextSet::default();
        ids.reserve(participants.len());
        for id in &participants.id {
            ids.insert(id);
        }
        ParticipantIndex(ids)
    }

    /// From the kept participants' ids, numbered by their rows.
    pub(crate) fn from_ids(ids: TextSet) -> ParticipantIndex {
        ParticipantIndex(ids)
    }

    /// The row of participant `id`.
    pub fn get(&self, id: &str) -> Option<u32> {
        self.0.find(id)
    }
}

/// Distinct texts stored end to end in one buffer and found by hash,
/// numbered in the order they were added: a million ids are a handful of
/// allocations instead of two million (allocating and freeing them one by
/// one was on the critical path of a national run).
#[derive(Clone, Default)]
pub struct TextSet {
    text: String,
    /// Where each text ends in `text`; each starts where the one before ends.
    ends: Vec<usize>,
    /// Numbers of the texts, found by the hash of their text.
    table: hashbrown::HashTable<u32>,
    hasher: PlRandomState,
}

fn text_at<'a>(text: &'a str, ends: &[usize], number: usize) -> &'a str {
    let start = if number == 0 { 0 } else { ends[number - 1] };
    &text[start..ends[number]]
}

impl TextSet {
    /// Room for `texts` more texts.
    pub(crate) fn reserve(&mut self, texts: usize) {
        self.ends.reserve(texts);
        let hasher = &self.hasher;
        let (text, ends) = (&self.text, &self.ends);
        self.table
            .reserve(texts, |&n| hasher.hash_one(text_at(text, ends, n as usize)));
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Text number `number`.
    pub fn get(&self, number: usize) -> &str {
        text_at(&self.text, &self.ends, number)
    }

    /// The number of `text`, if it is in the set.
    pub fn find(&self, text: &str) -> Option<u32> {
        let hash = self.hasher.hash_one(text);
        self.table
            .find(hash, |&n| self.get(n as usize) == text)
            .copied()
    }

    /// The number of `text`, added when new, and whether it was new.
    pub fn insert(&mut self, text: &str) -> (u32, bool) {
        let hash = self.hasher.hash_one(text);
        let hasher = &self.hasher;
        let (buffer, ends) = (&mut self.text, &mut self.ends);
        match self.table.entry(
            hash,
            |&n| text_at(buffer, ends, n as usize) == text,
            |&n| hasher.hash_one(text_at(buffer, ends, n as usize)),
        ) {
            hashbrown::hash_table::Entry::Occupied(found) => (*found.get(), false),
            hashbrown::hash_table::Entry::Vacant(slot) => {
                let number = ends.len() as u32;
                buffer.push_str(text);
                ends.push(buffer.len());
                slot.insert(number);
                (number, true)
            }
        }
    }

    /// The texts in the order they were added.
    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.len()).map(|n| self.get(n))
    }
}

impl<'a> FromIterator<&'a str> for TextSet {
    fn from_iter<I: IntoIterator<Item = &'a str>>(texts: I) -> Self {
        let mut set = TextSet::default();
        for text in texts {
            set.insert(text);
        }
        set
    }
}

impl PartialEq for TextSet {
    fn eq(&self, other: &Self) -> bool {
        self.ends == other.ends && self.text == other.text
    }
}

impl std::fmt::Debug for TextSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// A text per row, held as the number of its text among the column's
/// distinct texts: the assessments' ids and waves (a million ids over 2.5
/// million rows, a handful of waves) without a string per row, and looked
/// up or compared once per distinct text instead of once per row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TextColumn {
    /// The distinct texts, in order of first appearance (texts of rows
    /// since removed stay).
    pub texts: TextSet,
    /// Per row: the number of its text in `texts`.
    pub rows: Vec<u32>,
}

impl TextColumn {
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The text of row `row`.
    pub fn get(&self, row: usize) -> &str {
        self.texts.get(self.rows[row] as usize)
    }

    /// Every row's text, in row order.
    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        self.rows.iter().map(|&n| self.texts.get(n as usize))
    }

    /// Per distinct text: whether some row has it.
    pub(crate) fn texts_in_rows(&self) -> Vec<bool> {
        let mut used = vec![false; self.texts.len()];
        for &n in &self.rows {
            used[n as usize] = true;
        }
        used
    }
}

impl<T: AsRef<str>> FromIterator<T> for TextColumn {
    fn from_iter<I: IntoIterator<Item = T>>(texts: I) -> Self {
        let mut column = TextColumn::default();
        for text in texts {
            let (number, _) = column.texts.insert(text.as_ref());
            column.rows.push(number);
        }
        column
    }
}

/// A cell read as missing because its value could not be a response (out
/// of range, or unreadable): the row is kept, with its other answers.
#[derive(Debug, Clone, PartialEq)]
pub struct BadCell {
    pub origin: RowOrigin,
    /// Native column name (`ucla3_2`).
    pub column: String,
    /// The cell as written.
    pub found: String,
    pub reason: &'static str,
}

/// One row per participant per wave.
#[derive(Debug, Clone, Default)]
pub struct Assessments {
    /// Ids as written (`""` when missing).
    pub participant_id: TextColumn,
    /// Per row: the participant's row in the kept participants. Set by
    /// validation (empty before), so later stages need not look ids up.
    pub participant: Vec<u32>,
    /// Wave names as written (`""` when missing).
    pub wave: TextColumn,
    pub assessed_on: Vec<Option<Date>>,
    pub instruments: Vec<InstrumentColumns>,
    pub origin: Vec<RowOrigin>,
    /// Item and total cells read as missing, in file order.
    pub bad_cells: Vec<BadCell>,
}

/// One row per participant per offered session. Tens of millions of rows
/// at national scale, so ids and activities are stored once and rows hold
/// indices into them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Attendance {
    /// Per row: index into `ids`.
    pub participant: Vec<u32>,
    /// Distinct participant ids as written (`""` for a missing id).
    pub ids: TextSet,
    pub session_date: Vec<Option<Date>>,
    /// Per row: index into `activities`, `None` when not given.
    pub activity: Vec<Option<u16>>,
    /// Distinct activity names.
    pub activities: TextSet,
    /// `true` for group sessions (the default when format is missing).
    pub is_group: Vec<bool>,
    /// `true` unless the row records a missed session.
    pub attended: Vec<bool>,
    pub minutes: Vec<Option<f32>>,
    pub origin: Vec<RowOrigin>,
}

/// Keeps the entries of `values` whose `keep` flag is set.
pub(crate) fn retain<T>(values: &mut Vec<T>, keep: &[bool]) {
    let mut flags = keep.iter();
    values.retain(|_| *flags.next().unwrap_or(&false));
}

/// Nothing to remove: the usual case, and at tens of millions of rows
/// not worth rewriting every column for.
fn keeps_all(keep: &[bool]) -> bool {
    keep.iter().all(|k| *k)
}

impl Participants {
    pub fn len(&self) -> usize {
        self.id.len()
    }
    pub fn is_empty(&self) -> bool {
        self.id.is_empty()
    }
    pub(crate) fn retain(&mut self, keep: &[bool]) {
        if keeps_all(keep) {
            return;
        }
        retain(&mut self.id, keep);
        for (_, values) in self.groups.iter_mut().chain(self.covariates.iter_mut()) {
            retain(&mut values.codes, keep);
        }
        retain(&mut self.enrolled_on, keep);
        if let Some(sessions) = &mut self.sessions {
            retain(sessions, keep);
        }
        retain(&mut self.origin, keep);
    }
}

impl Assessments {
    pub fn len(&self) -> usize {
        self.participant_id.len()
    }
    pub fn is_empty(&self) -> bool {
        self.participant_id.is_empty()
    }
    pub(crate) fn retain(&mut self, keep: &[bool]) {
        if keeps_all(keep) {
            return;
        }
        retain(&mut self.participant_id.rows, keep);
        if !self.participant.is_empty() {
            retain(&mut self.participant, keep);
        }
        retain(&mut self.wave.rows, keep);
        retain(&mut self.assessed_on, keep);
        for columns in &mut self.instruments {
            for item in &mut columns.items {
                retain(item, keep);
            }
            if let Some(total) = &mut columns.total {
                retain(total, keep);
            }
        }
        retain(&mut self.origin, keep);
    }
}

impl Attendance {
    pub fn len(&self) -> usize {
        self.participant.len()
    }
    pub fn is_empty(&self) -> bool {
        self.participant.is_empty()
    }
    /// The participant id of row `row`.
    pub fn participant_id(&self, row: usize) -> &str {
        self.ids.get(self.participant[row] as usize)
    }
    /// Appends the rows of `part`, whose indices refer to the same id and
    /// activity lists.
    pub(crate) fn append_rows(&mut self, part: &Attendance) {
        self.participant.extend_from_slice(&part.participant);
        self.session_date.extend_from_slice(&part.session_date);
        self.activity.extend_from_slice(&part.activity);
        self.is_group.extend_from_slice(&part.is_group);
        self.attended.extend_from_slice(&part.attended);
        self.minutes.extend_from_slice(&part.minutes);
        self.origin.extend_from_slice(&part.origin);
    }
    /// Forgets the rows, keeping the id and activity lists.
    pub(crate) fn clear_rows(&mut self) {
        self.participant.clear();
        self.session_date.clear();
        self.activity.clear();
        self.is_group.clear();
        self.attended.clear();
        self.minutes.clear();
        self.origin.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::RowOrigin;

    #[test]
    fn row_origin_keeps_file_and_line() {
        for (file, line) in [
            (0, 1),
            (7, 31_857_229),
            (RowOrigin::MAX_FILE, RowOrigin::MAX_LINE),
        ] {
            let origin = RowOrigin::new(file, line);
            assert_eq!((origin.file(), origin.line()), (file, line));
        }
        assert_eq!(std::mem::size_of::<RowOrigin>(), 8);
    }

    proptest::proptest! {
        /// A text set numbers texts as a list of the distinct texts in
        /// first-seen order would, and finds each (through regrowth of
        /// its table, with empty, non-ASCII, short and long texts).
        #[test]
        fn text_set_numbers_texts_as_a_list_of_distinct_texts(
            texts in proptest::collection::vec("[a-cé]{0,3}|[ab]{10,14}|é{5,7}", 0..300),
            reserve in 0usize..50,
        ) {
            let mut set = super::TextSet::default();
            set.reserve(reserve);
            let mut distinct: Vec<&str> = Vec::new();
            for text in &texts {
                let expected = distinct.iter().position(|d| d == text);
                let (number, new) = set.insert(text);
                proptest::prop_assert_eq!(new, expected.is_none());
                match expected {
                    Some(position) => proptest::prop_assert_eq!(number as usize, position),
                    None => {
                        proptest::prop_assert_eq!(number as usize, distinct.len());
                        distinct.push(text);
                    }
                }
            }
            proptest::prop_assert_eq!(set.len(), distinct.len());
            for (number, text) in distinct.iter().enumerate() {
                proptest::prop_assert_eq!(set.get(number), *text);
                proptest::prop_assert_eq!(set.find(text), Some(number as u32));
            }
            proptest::prop_assert_eq!(set.find("not in the set"), None);
            proptest::prop_assert_eq!(set.iter().collect::<Vec<_>>(), distinct);
        }
    }
}
