//! `clustering`: people served together (one peer circle, class, lunch
//! table or site) are not independent, and treating them as if they were
//! makes p-values too small. For each group's pairs this gives the number
//! of clusters, the ICC of change from a REML random-intercept model and
//! the design effect, and the mean change with CR2 cluster-robust
//! standard errors and Satterthwaite df; `comparison` adds the same to
//! each difference between groups.

use super::{Cell, Pairs};
use crate::estimate::{Estimate, Stat};
use crate::stats::cluster_robust::{cr2_fit, ClusteredFit};
use crate::stats::mixed::random_intercept;
use crate::stats::regression::RegressionError;

/// Below this many clusters, cluster-robust errors are themselves
/// uncertain (Pustejovsky & Tipton 2018 show CR2 holds up from about
/// here; the usual CR1 needs far more).
pub(crate) const FEW_CLUSTERS: usize = 10;

/// The pairs' cluster codes: for each pair (by index into `pairs`) that
/// has a cluster, its index and its cluster.
pub(crate) fn pair_clusters(pairs: &Pairs, codes: &[Option<u32>]) -> Vec<(usize, u32)> {
    (0..pairs.len())
        .filter_map(|i| codes[pairs.rows[i]].map(|c| (i, c)))
        .collect()
}

/// Distinct clusters among `clusters`.
pub(crate) fn count_clusters(clusters: impl IntoIterator<Item = u32>) -> usize {
    let mut seen: Vec<u32> = clusters.into_iter().collect();
    seen.sort_unstable();
    seen.dedup();
    seen.len()
}

/// `lm(y ~ columns - 1)` with CR2 errors, on the observations `kept`
/// (indices into the columns) with their `clusters`.
pub(crate) fn cr2_on(
    columns: &[Vec<f64>],
    y: &[f64],
    kept: &[usize],
    clusters: &[u32],
) -> Result<ClusteredFit, RegressionError> {
    let pick = |values: &[f64]| kept.iter().map(|&i| values[i]).collect::<Vec<f64>>();
    let columns: Vec<Vec<f64>> = columns.iter().map(|c| pick(c)).collect();
    cr2_fit(&columns, &pick(y), clusters)
}

/// How the CR2 rows say what they are.
pub(crate) fn cr2_method(model: &str, column: &str, left_out: usize) -> String {
    let mut method = format!(
        "{model} with CR2 standard errors clustered on {column}, Satterthwaite df (clubSandwich::coef_test)"
    );
    if left_out > 0 {
        method.push_str(&format!("; {left_out} pairs without a {column} left out"));
    }
    method
}

pub(crate) fn clustering(cell: &Cell) -> Vec<Estimate> {
    let Some((column, codes)) = cell.clusters() else {
        return Vec::new();
    };
    let pairs = cell.pairs();
    let wave = cell.panel.waves.followup_name();
    let clustered = pair_clusters(&pairs, codes);
    let n = clustered.len();
    if n == 0 {
        return Vec::new();
    }
    let left_out = pairs.len() - n;
    let kept: Vec<usize> = clustered.iter().map(|&(i, _)| i).collect();
    let labels: Vec<u32> = clustered.iter().map(|&(_, c)| c).collect();
    let clusters = count_clusters(labels.iter().copied());
    let place = cell.place("clustering", wave);
    let mut about = format!("{column} among the pairs");
    if left_out > 0 {
        about.push_str(&format!("; {left_out} pairs without a {column} left out"));
    }
    if clusters < FEW_CLUSTERS {
        about.push_str(&format!(
            "; fewer than {FEW_CLUSTERS} clusters: cluster-robust errors are approximate"
        ));
    }
    let mut rows = vec![
        place.row(Stat::NClusters, Some(clusters as f64), n, about.clone()),
        place.row(
            Stat::MeanClusterSize,
            Some(n as f64 / clusters as f64),
            n,
            about,
        ),
    ];

    // ICC of change: lmer(change ~ 1 + (1 | cluster)), REML.
    let change: Vec<f64> = kept.iter().map(|&i| pairs.change[i]).collect();
    let dense = dense_codes(&labels);
    let model = format!("lmer(change ~ 1 + (1 | {column})), REML");
    let fit = (clusters >= 2)
        .then(|| random_intercept(&change, &[vec![1.0; n]], &dense).ok())
        .flatten()
        .filter(|fit| fit.residual_variance + fit.intercept_variance > 0.0);
    match fit {
        Some(fit) => {
            let total = fit.residual_variance + fit.intercept_variance;
            let icc = fit.intercept_variance / total;
            let mean_size = n as f64 / clusters as f64;
            rows.push(place.row(
                Stat::VarianceBetweenClusters,
                Some(fit.intercept_variance),
                n,
                model.clone(),
            ));
            rows.push(place.row(
                Stat::VarianceWithinClusters,
                Some(fit.residual_variance),
                n,
                model.clone(),
            ));
            rows.push(place.row(Stat::IccChange, Some(icc), n, model));
            rows.push(place.row(
                Stat::DesignEffect,
                Some(1.0 + (mean_size - 1.0) * icc),
                n,
                "1 + (mean cluster size − 1) × icc_change",
            ));
        }
        None => {
            let why = format!("{model}; undefined: needs two clusters and spread in the changes");
            for stat in [
                Stat::VarianceBetweenClusters,
                Stat::VarianceWithinClusters,
                Stat::IccChange,
                Stat::DesignEffect,
            ] {
                rows.push(place.row(stat, None, n, why.clone()));
            }
        }
    }

    let method = cr2_method("lm(change ~ 1)", column, left_out);
    let test = cr2_fit(&[vec![1.0; n]], &change, &labels)
        .ok()
        .and_then(|fit| fit.tests.into_iter().next().flatten());
    let change_place = cell.place("change", wave);
    rows.push(match test {
        Some(test) => change_place
            .row(Stat::MeanChangeCr2, Some(test.estimate), n, method)
            .with_test(&test),
        None => change_place.row(
            Stat::MeanChangeCr2,
            crate::stats::descriptive::mean(&change),
            n,
            format!("{method}; undefined: needs two clusters and spread in the changes"),
        ),
    });
    rows
}

/// Cluster labels renumbered 0, 1, … in order of first appearance.
fn dense_codes(labels: &[u32]) -> Vec<usize> {
    let mut number: std::collections::HashMap<u32, usize> = std::collections::HashMap::new();
    labels
        .iter()
        .map(|label| {
            let next = number.len();
            *number.entry(*label).or_insert(next)
        })
        .collect()
}
