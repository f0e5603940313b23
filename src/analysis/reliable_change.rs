//! `reliable_change`: Jacobson & Truax (1991) categories of individual
//! change, with one threshold per outcome for the whole dataset (a person's
//! category must not depend on the table it is counted in).

use super::Cell;
use crate::estimate::{Estimate, Stat};
use crate::instruments::Instrument;
use crate::panel::{Panel, PanelOutcome};
use crate::stats::descriptive::standard_deviation;
use crate::stats::reliability::cronbach_alpha;

/// The reliable-change threshold of one outcome.
#[derive(Debug, Clone)]
pub struct Threshold {
    /// rc = 1.96 · SD₀ · √(2(1 − r)).
    pub value: f64,
    /// Number of baseline scores behind SD₀.
    pub n_baseline: usize,
    /// How r was chosen, for `method`.
    pub method: String,
    /// The reliability r itself, and where it comes from (`registry`,
    /// `sample alpha`), for the other reliable change indices.
    pub reliability: f64,
    pub reliability_source: &'static str,
}

impl Threshold {
    /// Whether a change is a reliable improvement.
    pub fn improved(&self, change: f64, direction: crate::instruments::Direction) -> bool {
        direction.improved(change) && change.abs() > self.value
    }
}

/// The threshold from the registry reliability (totals only), else the
/// sample alpha of complete baseline item sets; `None` when neither exists.
pub fn threshold(
    panel: &Panel,
    outcome: &PanelOutcome,
    instrument: &Instrument,
) -> Option<Threshold> {
    let baseline: Vec<f64> = outcome
        .baseline(&panel.waves)
        .iter()
        .flatten()
        .copied()
        .collect();
    let sd0 = standard_deviation(&baseline)?;
    let registry = instrument
        .reliability
        .as_ref()
        .filter(|_| outcome.outcome.subscale.is_none());
    let (r, method, reliability_source) = match registry {
        Some(reliability) => (
            reliability.value,
            format!("Jacobson-Truax, r = {} (registry)", reliability.value),
            "registry",
        ),
        None => {
            let sets: Vec<&[f64]> = outcome.baseline_items.as_ref()?.iter().collect();
            let (alpha, _) = cronbach_alpha(&sets)?;
            (
                alpha,
                format!("Jacobson-Truax, r = {alpha:.6} (sample alpha)"),
                "sample alpha",
            )
        }
    };
    if r.is_nan() || r >= 1.0 {
        return None;
    }
    Some(Threshold {
        value: 1.96 * sd0 * (2.0 * (1.0 - r)).sqrt(),
        n_baseline: baseline.len(),
        method,
        reliability: r,
        reliability_source,
    })
}

pub(crate) fn reliable_change(cell: &Cell) -> Vec<Estimate> {
    let Some(threshold) = cell.reliable_change else {
        return Vec::new();
    };
    let pairs = cell.pairs();
    let place = cell.place("reliable_change", cell.panel.waves.followup_name());
    let method = threshold.method.as_str();
    let mut rows = vec![place.row(
        Stat::RcThreshold,
        Some(threshold.value),
        threshold.n_baseline,
        method,
    )];
    let n = pairs.len();
    if n == 0 {
        return rows;
    }
    let direction = cell.outcome.outcome.direction;
    let improved = pairs
        .change
        .iter()
        .filter(|d| threshold.improved(**d, direction))
        .count();
    let deteriorated = pairs
        .change
        .iter()
        .filter(|d| !direction.improved(**d) && **d != 0.0 && d.abs() > threshold.value)
        .count();
    let no_change = n - improved - deteriorated;
    rows.extend(super::clinical_significance::partition(
        &place,
        &[
            (Stat::NImproved, Stat::PctImproved, improved),
            (Stat::NNoChange, Stat::PctNoChange, no_change),
            (Stat::NDeteriorated, Stat::PctDeteriorated, deteriorated),
        ],
        n,
        method,
    ));
    rows
}
