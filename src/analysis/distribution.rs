//! `distribution`: how many people fall in each score band at baseline and
//! follow-up, in each band of change, and in each (baseline, follow-up)
//! pair of bands. These counts are what the distribution, individual-change
//! and pre/post charts draw: charts show bands of people, never a single
//! person's scores, and small bands are suppressed like any other count.
//!
//! Bands are the same for every group of an outcome (chosen from the whole
//! dataset's range), so groups can be compared band by band.

use super::Cell;
use crate::estimate::{Contrast, Estimate, Place, Stat};
use crate::panel::PanelOutcome;

/// Band width and the labels it gives.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bands {
    pub width: f64,
    /// A lower edge of some band: bands are `origin + k × width`.
    pub origin: f64,
}

/// Aim for at most this many score bands.
const MAX_BANDS: f64 = 15.0;
/// Bands per axis of the (baseline, follow-up) grid: coarser, because the
/// grid splits the pairs into the square of this many cells.
const MAX_JOINT_BANDS: f64 = 6.0;

impl Bands {
    /// A "nice" width (1, 2, 5, 10, 20, …) giving at most 15 bands over the
    /// observed scores of the outcome at any wave; `None` without scores.
    pub(crate) fn for_outcome(outcome: &PanelOutcome) -> Option<Bands> {
        Bands::for_values(outcome.scores.iter().flatten().flatten().copied())
    }

    /// A nice width giving at most 15 bands over `values`.
    pub(crate) fn for_values(values: impl Iterator<Item = f64>) -> Option<Bands> {
        Bands::at_most(values, MAX_BANDS)
    }

    fn at_most(values: impl Iterator<Item = f64>, max_bands: f64) -> Option<Bands> {
        let (mut low, mut high) = (f64::INFINITY, f64::NEG_INFINITY);
        for value in values {
            low = low.min(value);
            high = high.max(value);
        }
        if !low.is_finite() {
            return None;
        }
        let span = high - low;
        let mut width = 1.0;
        for step in [1.0, 2.0, 5.0].iter().cycle().take(30).enumerate() {
            let (index, factor) = step;
            width = factor * 10f64.powi((index / 3) as i32);
            if span / width < max_bands {
                break;
            }
        }
        Some(Bands { width, origin: 0.0 })
    }

    /// These bands, moved so that one starts at `origin`.
    fn starting_at(self, origin: f64) -> Bands {
        Bands { origin, ..self }
    }

    /// The band holding `value`.
    pub fn band(&self, value: f64) -> Contrast {
        Contrast::Band {
            low: self.lower_edge(value),
            width: self.width,
        }
    }

    /// Lower edge of the band holding `value` (the sort key of bands).
    fn lower_edge(&self, value: f64) -> f64 {
        self.origin + ((value - self.origin) / self.width).floor() * self.width
    }
}

/// Counts per band, in band order, zero bands left out.
pub fn counts(bands: &Bands, values: impl Iterator<Item = f64>) -> Vec<(Contrast, usize)> {
    let mut tally: Vec<(f64, usize)> = Vec::new();
    for value in values {
        let edge = bands.lower_edge(value);
        match tally.iter_mut().find(|(e, _)| *e == edge) {
            Some((_, count)) => *count += 1,
            None => tally.push((edge, 1)),
        }
    }
    tally.sort_by(|a, b| a.0.total_cmp(&b.0));
    tally
        .into_iter()
        .map(|(edge, count)| (bands.band(edge), count))
        .collect()
}

fn band_row(
    place: &Place,
    estimate: Stat,
    band: Contrast,
    count: usize,
    n: usize,
    method: &str,
) -> Estimate {
    place
        .row(estimate, Some(count as f64), n, method)
        .with_contrast(band)
}

/// Rows for the whole dataset and for each arm: people per score band at
/// baseline and follow-up, and pairs per band of change; for the whole
/// dataset also pairs per (baseline band, follow-up band).
pub(crate) fn distribution(cell: &Cell) -> Vec<Estimate> {
    let Some(bands) = cell.bands else {
        return Vec::new();
    };
    if !(cell.group.is_all() || cell.group.group_by == "arm") {
        return Vec::new();
    }
    let waves = &cell.panel.waves;
    let mut rows = Vec::new();
    for wave in [waves.baseline, waves.followup] {
        let wave_name = waves.waves[wave].as_str();
        let scores: Vec<f64> = cell
            .group
            .members
            .iter()
            .filter_map(|&p| cell.outcome.scores[wave][p])
            .collect();
        let place = cell.place("distribution", wave_name);
        let method = format!("people per score band of width {}", bands.width);
        for (band, count) in counts(bands, scores.iter().copied()) {
            rows.push(band_row(
                &place,
                Stat::NAtScore,
                band,
                count,
                scores.len(),
                &method,
            ));
        }
    }
    let pairs = cell.pairs();
    let place = cell.place("distribution", waves.followup_name());
    let method = format!("pairs per band of change of width {}", bands.width);
    for (band, count) in counts(bands, pairs.change.iter().copied()) {
        rows.push(band_row(
            &place,
            Stat::NWithChange,
            band,
            count,
            pairs.len(),
            &method,
        ));
    }
    // The grid's bands start at the lowest whole score observed, so that
    // on a whole-number scale each cell holds whole scores (3–4, 5–6, …
    // rather than 2–3, 4–5, … on a 3–9 scale).
    let scores = || cell.outcome.scores.iter().flatten().flatten().copied();
    let lowest = scores().fold(f64::INFINITY, f64::min).floor();
    let joint_bands = Bands::at_most(scores(), MAX_JOINT_BANDS).map(|b| b.starting_at(lowest));
    if let (true, Some(bands)) = (cell.group.is_all(), joint_bands.as_ref()) {
        let mut joint: Vec<((f64, f64), usize)> = Vec::new();
        for (b, f) in pairs.baseline.iter().zip(&pairs.followup) {
            let key = (bands.lower_edge(*b), bands.lower_edge(*f));
            match joint.iter_mut().find(|(k, _)| *k == key) {
                Some((_, count)) => *count += 1,
                None => joint.push((key, 1)),
            }
        }
        joint.sort_by(|a, b| a.0 .0.total_cmp(&b.0 .0).then(a.0 .1.total_cmp(&b.0 .1)));
        let method = format!(
            "pairs per baseline band and follow-up band of width {}",
            bands.width
        );
        for ((b, f), count) in joint {
            let band = Contrast::Joint {
                baseline: b,
                followup: f,
                width: bands.width,
            };
            rows.push(band_row(
                &place,
                Stat::NAtBaselineAndFollowup,
                band,
                count,
                pairs.len(),
                &method,
            ));
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_are_nice_and_labels_round_trip() {
        let bands = Bands {
            width: 5.0,
            origin: 0.0,
        };
        assert_eq!(bands.band(23.4).to_string(), "20 to <25");
        assert_eq!(bands.band(-0.5).to_string(), "-5 to <0");
        let ones = Bands {
            width: 1.0,
            origin: 0.0,
        };
        let tallied = counts(&ones, [3.0, 4.0, 3.0, 9.0].into_iter());
        assert_eq!(
            tallied,
            vec![
                (
                    Contrast::Band {
                        low: 3.0,
                        width: 1.0
                    },
                    2
                ),
                (
                    Contrast::Band {
                        low: 4.0,
                        width: 1.0
                    },
                    1
                ),
                (
                    Contrast::Band {
                        low: 9.0,
                        width: 1.0
                    },
                    1
                )
            ]
        );
    }

    #[test]
    fn grid_bands_start_at_the_lowest_whole_score() {
        // A 3–9 scale in bands of 2: 3–4, 5–6, 7–8, 9, not 2–3, 4–5, ….
        let bands = Bands::at_most([3.0, 9.0].into_iter(), MAX_JOINT_BANDS)
            .unwrap()
            .starting_at(3.0);
        assert_eq!(bands.width, 2.0);
        let edges: Vec<f64> = [3.0, 4.0, 5.0, 6.5, 9.0]
            .iter()
            .map(|v| bands.lower_edge(*v))
            .collect();
        assert_eq!(edges, vec![3.0, 3.0, 5.0, 5.0, 9.0]);
        assert_eq!(bands.band(4.0).to_string(), "3 to <5");
    }
}
