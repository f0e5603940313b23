//! `caseness`: cases (a score at or past the cut-off, on the side the
//! instrument's `case_when` says) before and after, and
//! the exact McNemar test of the discordant pairs. Totals only; subscales
//! have no cut-off.

use super::Cell;
use crate::estimate::{Estimate, Stat};
use crate::stats::binomial::binomial_test_half;

pub(crate) fn caseness(cell: &Cell) -> Vec<Estimate> {
    let Some(cutoff) = cell.instrument.caseness.as_ref() else {
        return Vec::new();
    };
    if cell.outcome.outcome.subscale.is_some() {
        return Vec::new();
    }
    let pairs = cell.pairs();
    let n = pairs.len();
    if n == 0 {
        return Vec::new();
    }
    let place = cell.place("caseness", cell.panel.waves.followup_name());
    let is_case = |score: f64| cutoff.is_case(score);
    let cases_before = pairs.baseline.iter().filter(|b| is_case(**b)).count();
    let cases_after = pairs.followup.iter().filter(|f| is_case(**f)).count();
    let recovered = pairs
        .baseline
        .iter()
        .zip(&pairs.followup)
        .filter(|(b, f)| is_case(**b) && !is_case(**f))
        .count();
    let new_cases = pairs
        .baseline
        .iter()
        .zip(&pairs.followup)
        .filter(|(b, f)| !is_case(**b) && is_case(**f))
        .count();
    let percent = |count: usize| Some(100.0 * count as f64 / n as f64);
    vec![
        place.row(Stat::NCasesBaseline, Some(cases_before as f64), n, "count"),
        place.row(Stat::NCasesFollowup, Some(cases_after as f64), n, "count"),
        place.row(Stat::PctCasesBaseline, percent(cases_before), n, "percent"),
        place.row(Stat::PctCasesFollowup, percent(cases_after), n, "percent"),
        place.row(Stat::NRecovered, Some(recovered as f64), n, "count"),
        place.row(Stat::NNewCases, Some(new_cases as f64), n, "count"),
        place
            .row(
                Stat::McnemarExact,
                None,
                n,
                "exact McNemar (binomial test on discordant pairs)",
            )
            .with_p(binomial_test_half(
                recovered as u64,
                (recovered + new_cases) as u64,
            )),
    ]
}
