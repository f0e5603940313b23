//! Score: totals and subscales per assessment row, from the registry rules.

use crate::instruments::scoring::{prorated_total, score_items_into};
use crate::instruments::{Direction, Instrument};
use crate::model::{Assessments, InstrumentColumns};
use rayon::prelude::*;

/// Something a report analyses: an instrument's total or one of its subscales.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Outcome {
    /// `ucla3`, `djg11_emotional`, …
    pub id: String,
    /// Position of the instrument in the registry.
    pub instrument: usize,
    /// Index of the subscale within the instrument, for subscale outcomes.
    pub subscale: Option<usize>,
    pub direction: Direction,
}

/// Scores of every outcome, aligned with the kept assessment rows.
#[derive(Debug, Clone)]
pub struct Scores {
    pub outcomes: Vec<Outcome>,
    /// `values[outcome][row]`.
    pub values: Vec<Vec<Option<f64>>>,
    /// Complete scored item sets at the baseline wave, for reliability,
    /// per outcome. Empty for outcomes collected as totals.
    pub baseline_items: Vec<ItemSetsByRow>,
}

/// Complete scored item sets of some assessment rows, one after another in
/// one buffer (a million sets are one allocation, not a million).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ItemSetsByRow {
    /// Items per set.
    pub items: usize,
    /// The assessment row of each set.
    pub rows: Vec<usize>,
    /// The sets' scored items: set `i` is `values[i * items..(i + 1) * items]`.
    pub values: Vec<f64>,
}

impl ItemSetsByRow {
    fn new(items: usize) -> ItemSetsByRow {
        ItemSetsByRow {
            items,
            ..ItemSetsByRow::default()
        }
    }

    /// Adds the scored items of `item_numbers` of `row` when none is
    /// missing.
    fn add_if_complete(&mut self, row: usize, scored: &[Option<f64>], item_numbers: &[usize]) {
        if item_numbers.iter().all(|&k| scored[k - 1].is_some()) {
            self.rows.push(row);
            self.values
                .extend(item_numbers.iter().filter_map(|&k| scored[k - 1]));
        }
    }

    fn append(&mut self, other: ItemSetsByRow) {
        self.rows.extend(other.rows);
        self.values.extend(other.values);
    }

    /// The items of the `index`-th set.
    pub fn set(&self, index: usize) -> &[f64] {
        &self.values[index * self.items..(index + 1) * self.items]
    }
}

/// Rows per block of parallel scoring.
const SCORE_BLOCK_ROWS: usize = 1 << 16;

/// Per item list (the total, then each subscale): scores of a block of
/// rows, and the complete baseline item sets among them.
type ScoredBlock = (Vec<Vec<Option<f64>>>, Vec<ItemSetsByRow>);

/// Scores `rows` into reused buffers: a Vec per row was millions of
/// allocations at national scale.
fn score_block(
    instrument: &Instrument,
    columns: &InstrumentColumns,
    item_lists: &[&[usize]],
    is_baseline: &[bool],
    rows: std::ops::Range<usize>,
) -> ScoredBlock {
    let mut totals: Vec<Vec<Option<f64>>> = item_lists
        .iter()
        .map(|_| Vec::with_capacity(rows.len()))
        .collect();
    let mut sets: Vec<ItemSetsByRow> = item_lists
        .iter()
        .map(|list| ItemSetsByRow::new(list.len()))
        .collect();
    let mut scored: Vec<Option<f64>> = vec![None; instrument.item_count()];
    let mut subset: Vec<Option<f64>> = Vec::with_capacity(instrument.item_count());
    for row in rows {
        score_items_into(
            instrument,
            columns.items.iter().map(|item| item[row].map(i64::from)),
            &mut scored,
        );
        for (list, (totals, sets)) in item_lists.iter().zip(totals.iter_mut().zip(&mut sets)) {
            subset.clear();
            subset.extend(list.iter().map(|&k| scored[k - 1]));
            totals.push(prorated_total(&subset, instrument.max_missing));
            if is_baseline[row] {
                sets.add_if_complete(row, &scored, list);
            }
        }
    }
    (totals, sets)
}

/// Scores every instrument present in the assessments.
pub fn score(assessments: &Assessments, instruments: &[Instrument], baseline_wave: &str) -> Scores {
    score_in_blocks(assessments, instruments, baseline_wave, SCORE_BLOCK_ROWS)
}

fn score_in_blocks(
    assessments: &Assessments,
    instruments: &[Instrument],
    baseline_wave: &str,
    block_rows: usize,
) -> Scores {
    let mut outcomes = Vec::new();
    let mut values = Vec::new();
    let mut baseline_items = Vec::new();
    let baseline = assessments.wave.texts.find(baseline_wave);
    let is_baseline: Vec<bool> = assessments
        .wave
        .rows
        .iter()
        .map(|&w| Some(w) == baseline)
        .collect();
    for columns in &assessments.instruments {
        let instrument = &instruments[columns.instrument];
        if columns.items.is_empty() {
            let totals = columns.total.clone().unwrap_or_default();
            outcomes.push(Outcome {
                id: instrument.id.clone(),
                instrument: columns.instrument,
                subscale: None,
                direction: instrument.direction,
            });
            values.push(totals);
            baseline_items.push(ItemSetsByRow::default());
            continue;
        }
        let all_items: Vec<usize> = (1..=instrument.item_count()).collect();
        let item_lists: Vec<&[usize]> = std::iter::once(all_items.as_slice())
            .chain(instrument.subscales.iter().map(|s| s.items.as_slice()))
            .collect();
        // Rows are scored in parallel blocks, joined in row order.
        let blocks: Vec<ScoredBlock> = (0..assessments.len().div_ceil(block_rows))
            .into_par_iter()
            .map(|block| {
                let rows = block * block_rows..((block + 1) * block_rows).min(assessments.len());
                score_block(instrument, columns, &item_lists, &is_baseline, rows)
            })
            .collect();
        let mut totals: Vec<Vec<Option<f64>>> = item_lists
            .iter()
            .map(|_| Vec::with_capacity(assessments.len()))
            .collect();
        let mut sets: Vec<ItemSetsByRow> = item_lists
            .iter()
            .map(|list| ItemSetsByRow::new(list.len()))
            .collect();
        for (block_totals, block_sets) in blocks {
            for (all, part) in totals.iter_mut().zip(block_totals) {
                all.extend(part);
            }
            for (all, part) in sets.iter_mut().zip(block_sets) {
                all.append(part);
            }
        }
        outcomes.push(Outcome {
            id: instrument.id.clone(),
            instrument: columns.instrument,
            subscale: None,
            direction: instrument.direction,
        });
        for (index, subscale) in instrument.subscales.iter().enumerate() {
            outcomes.push(Outcome {
                id: instrument.subscale_outcome(subscale),
                instrument: columns.instrument,
                subscale: Some(index),
                direction: instrument.direction,
            });
        }
        values.extend(totals);
        baseline_items.extend(sets);
    }
    Scores {
        outcomes,
        values,
        baseline_items,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::InstrumentColumns;

    #[test]
    fn blocks_give_the_same_scores_as_one_pass() {
        // djg6 (two subscales, dichotomised items), 50 rows with gaps.
        let instruments = crate::instruments::builtin();
        let djg6 = instruments.iter().position(|i| i.id == "djg6").unwrap();
        let rows = 50;
        let assessments = Assessments {
            participant_id: (0..rows).map(|i| format!("P{}", i / 2)).collect(),
            participant: Vec::new(),
            wave: (0..rows)
                .map(|i| ["baseline", "week12"][i % 2].to_string())
                .collect(),
            assessed_on: vec![None; rows],
            instruments: vec![InstrumentColumns {
                instrument: djg6,
                items: (0..6)
                    .map(|k| {
                        (0..rows)
                            .map(|i| ((i * 7 + k) % 23 != 0).then_some(1 + ((i + k) % 3) as i32))
                            .collect()
                    })
                    .collect(),
                total: None,
            }],
            origin: vec![crate::model::RowOrigin::new(0, 1); rows],
            bad_cells: Vec::new(),
        };
        let whole = score_in_blocks(&assessments, &instruments, "baseline", 1 << 16);
        let blocks = score_in_blocks(&assessments, &instruments, "baseline", 7);
        assert_eq!(whole.outcomes.len(), 3);
        assert_eq!(whole.values, blocks.values);
        assert_eq!(whole.baseline_items, blocks.baseline_items);
        assert!(whole.values[0].iter().any(Option::is_some));
        assert!(!whole.baseline_items[0].rows.is_empty());
    }
}
