//! `regression_to_mean`: how much of the change people would have shown
//! without any programme, because they were referred when their scores
//! were far from the population's. With `[norms.OUTCOME]` giving the
//! population mean, SD and test–retest correlation r, the expected change
//! is (1 − r)(μ − x̄₀) (Barnett, van der Pols & Dobson 2005), and the
//! change net of it follows; the baseline is placed in the population.

use super::Cell;
use crate::estimate::{Estimate, Stat};
use crate::stats::descriptive::mean;
use crate::stats::distributions::normal_cdf;
use crate::stats::ttest::one_sample;

/// Rows of one outcome (the `all` cell); none without norms.
pub(crate) fn regression_to_mean(cell: &Cell) -> Vec<Estimate> {
    let Some(norms) = cell.options.norms.get(&cell.outcome.outcome.id) else {
        return Vec::new();
    };
    let pairs = cell.pairs();
    let n = pairs.len();
    let Some(baseline) = mean(&pairs.baseline) else {
        return Vec::new();
    };
    let place = cell.place("regression_to_mean", cell.panel.waves.followup_name());
    let mut rows = vec![place.row(
        Stat::BaselinePercentile,
        Some(100.0 * normal_cdf((baseline - norms.mean) / norms.sd)),
        n,
        format!(
            "100 × Φ((mean baseline − μ) / σ), μ = {}, σ = {} ({}): the share of the population scoring below the average participant at baseline, if the population's scores are normal",
            norms.mean, norms.sd, norms.source
        ),
    )];
    let Some(retest) = norms.retest else {
        return rows;
    };
    let expected = (1.0 - retest) * (norms.mean - baseline);
    let method = format!(
        "Barnett, van der Pols & Dobson 2005: (1 − r)(μ − mean baseline), r = {retest} (test-retest), μ = {} ({})",
        norms.mean, norms.source
    );
    rows.push(place.row(Stat::ExpectedRtm, Some(expected), n, method.clone()));
    rows.push(match one_sample(&pairs.change) {
        Some(test) => place
            .row(
                Stat::ChangeNetOfRtm,
                Some(test.estimate - expected),
                n,
                format!("mean change − expected regression to the mean ({method}); the paired t interval shifted, the expected value taken as known"),
            )
            .with_ci(Some((test.ci_low - expected, test.ci_high - expected))),
        None => place.row(
            Stat::ChangeNetOfRtm,
            mean(&pairs.change).map(|m| m - expected),
            n,
            format!("mean change − expected regression to the mean ({method}); no interval: needs two pairs with spread"),
        ),
    });
    rows
}
