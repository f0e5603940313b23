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
}

/// Scores every instrument present in the assessments.
pub fn score(assessments: &Assessments, instruments: &[Instrument]) -> Scores {
    let mut outcomes = Vec::new();
    let mut values = Vec::new();
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
        }
    }
    Scores { outcomes, values }
}
