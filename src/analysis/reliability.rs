//! `reliability`: Cronbach's alpha with the Feldt CI on the complete scored
//! item sets at baseline, per group.

use super::Cell;
use crate::estimate::{Estimate, Stat};
use crate::stats::reliability::cronbach_alpha;

pub(crate) fn reliability(cell: &Cell) -> Vec<Estimate> {
    let Some(item_sets) = &cell.outcome.baseline_items else {
        return Vec::new();
    };
    let sets: Vec<&[f64]> = cell
        .group
        .members
        .iter()
        .filter_map(|&p| item_sets.get(p))
        .collect();
    let place = cell.place("reliability", cell.panel.waves.baseline_name());
    match cronbach_alpha(&sets) {
        Some((alpha, ci)) => vec![place
            .row(Stat::CronbachAlpha, Some(alpha), sets.len(), "Cronbach alpha, Feldt CI")
            .with_ci(ci)],
        None if sets.is_empty() => Vec::new(),
        None if sets.iter().all(|items| items.len() < 2) => vec![place.row(
            Stat::CronbachAlpha,
            None,
            sets.len(),
            "Cronbach alpha; undefined: alpha needs two or more items",
        )],
        None => vec![place.row(
            Stat::CronbachAlpha,
            None,
            sets.len(),
            "Cronbach alpha; undefined: fewer than two complete item sets or no variance in the total",
        )],
    }
}
