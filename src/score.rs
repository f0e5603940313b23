//! Score: totals and subscales per assessment row, from the registry rules.

use crate::instruments::scoring::prorated_total;
use crate::instruments::{Direction, Instrument};
use crate::model::Assessments;

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
    /// Complete scored item sets at the baseline wave, for reliability:
    /// `baseline_items[outcome]` lists (row, items). Empty for outcomes
    /// collected as totals.
    pub baseline_items: Vec<Vec<(usize, Vec<f64>)>>,
}

/// The scored items of `item_numbers` when none is missing.
fn complete_set(scored: &[Option<f64>], item_numbers: &[usize]) -> Option<Vec<f64>> {
    item_numbers.iter().map(|&k| scored[k - 1]).collect()
}

/// Scores every instrument present in the assessments.
pub fn score(assessments: &Assessments, instruments: &[Instrument], baseline_wave: &str) -> Scores {
    let mut outcomes = Vec::new();
    let mut values = Vec::new();
    let mut baseline_items = Vec::new();
    let is_baseline: Vec<bool> = assessments
        .wave
        .iter()
        .map(|w| w == baseline_wave)
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
            baseline_items.push(Vec::new());
            continue;
        }
        // Row by row into reused buffers: at national scale a Vec per row
        // was millions of allocations and a gigabyte held at once.
        let all_items: Vec<usize> = (1..=instrument.item_count()).collect();
        let item_lists: Vec<&[usize]> = std::iter::once(all_items.as_slice())
            .chain(instrument.subscales.iter().map(|s| s.items.as_slice()))
            .collect();
        let mut totals: Vec<Vec<Option<f64>>> = item_lists
            .iter()
            .map(|_| Vec::with_capacity(assessments.len()))
            .collect();
        let mut sets: Vec<Vec<(usize, Vec<f64>)>> = item_lists.iter().map(|_| Vec::new()).collect();
        let mut scored: Vec<Option<f64>> = vec![None; instrument.item_count()];
        let mut subset: Vec<Option<f64>> = Vec::with_capacity(instrument.item_count());
        for row in 0..assessments.len() {
            for ((out, item), rule) in scored
                .iter_mut()
                .zip(&columns.items)
                .zip(&instrument.item_rules)
            {
                *out = item[row].map(|response| rule.apply(response));
            }
            for (list, (totals, sets)) in item_lists.iter().zip(totals.iter_mut().zip(&mut sets)) {
                subset.clear();
                subset.extend(list.iter().map(|&k| scored[k - 1]));
                totals.push(prorated_total(&subset, instrument.max_missing));
                if is_baseline[row] {
                    if let Some(set) = complete_set(&scored, list) {
                        sets.push((row, set));
                    }
                }
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
