//! Score: totals and subscales per assessment row, from the registry rules.

use crate::instruments::scoring::{prorated_total, score_items};
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

fn complete_sets(
    scored_rows: &[Vec<Option<f64>>],
    item_numbers: &[usize],
    is_baseline: &[bool],
) -> Vec<(usize, Vec<f64>)> {
    scored_rows
        .iter()
        .enumerate()
        .filter(|(row, _)| is_baseline[*row])
        .filter_map(|(row, items)| {
            let set: Option<Vec<f64>> = item_numbers.iter().map(|&k| items[k - 1]).collect();
            set.map(|set| (row, set))
        })
        .collect()
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
        let scored_rows: Vec<Vec<Option<f64>>> = (0..assessments.len())
            .map(|row| {
                let raw: Vec<Option<i64>> = columns.items.iter().map(|item| item[row]).collect();
                score_items(instrument, &raw)
            })
            .collect();
        outcomes.push(Outcome {
            id: instrument.id.clone(),
            instrument: columns.instrument,
            subscale: None,
            direction: instrument.direction,
        });
        values.push(
            scored_rows
                .iter()
                .map(|items| prorated_total(items, instrument.max_missing))
                .collect(),
        );
        let all_items: Vec<usize> = (1..=instrument.item_count()).collect();
        baseline_items.push(complete_sets(&scored_rows, &all_items, &is_baseline));
        for (index, subscale) in instrument.subscales.iter().enumerate() {
            outcomes.push(Outcome {
                id: instrument.subscale_outcome(subscale),
                instrument: columns.instrument,
                subscale: Some(index),
                direction: instrument.direction,
            });
            values.push(
                scored_rows
                    .iter()
                    .map(|items| {
                        let subset: Vec<Option<f64>> =
                            subscale.items.iter().map(|&k| items[k - 1]).collect();
                        prorated_total(&subset, instrument.max_missing)
                    })
                    .collect(),
            );
            baseline_items.push(complete_sets(&scored_rows, &subscale.items, &is_baseline));
        }
    }
    Scores {
        outcomes,
        values,
        baseline_items,
    }
}
