//! `descriptives`: n, mean, sd, median, quartiles, min and max per wave,
//! over everyone with a score at that wave.

use super::Cell;
use crate::estimate::{Estimate, Stat};
use crate::stats::descriptive::summarise;

const METHOD: &str = "sample statistics";

pub(crate) fn descriptives(cell: &Cell) -> Vec<Estimate> {
    let mut rows = Vec::new();
    for (wave_index, wave) in cell.panel.waves.waves.iter().enumerate() {
        let scores = &cell.outcome.scores[wave_index];
        let values: Vec<f64> = cell
            .group
            .members
            .iter()
            .filter_map(|&p| scores[p])
            .collect();
        let place = cell.place("descriptives", wave);
        let n = values.len();
        rows.push(place.row(Stat::N, Some(n as f64), n, METHOD));
        let Some(summary) = summarise(&values) else {
            continue;
        };
        rows.push(place.row(Stat::Mean, Some(summary.mean), n, METHOD));
        rows.push(match summary.sd {
            Some(sd) => place.row(Stat::Sd, Some(sd), n, METHOD),
            None => place.row(
                Stat::Sd,
                None,
                n,
                "sample statistics; sd undefined for one value",
            ),
        });
        rows.push(place.row(Stat::Median, Some(summary.median), n, METHOD));
        rows.push(place.row(Stat::Q1, Some(summary.q1), n, METHOD));
        rows.push(place.row(Stat::Q3, Some(summary.q3), n, METHOD));
        rows.push(place.row(Stat::Min, Some(summary.min), n, METHOD));
        rows.push(place.row(Stat::Max, Some(summary.max), n, METHOD));
    }
    rows
}
