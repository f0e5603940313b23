//! `dose_response`: does more participation go with more improvement?
//! The slope of change on sessions attended adjusting for baseline (with
//! classical and HC3 standard errors), Spearman's rho, and mean change
//! within dose bands; with delivery clusters, the slope with CR2
//! cluster-robust errors too.

use super::clustering::{cr2_method, cr2_on, pair_clusters};
use super::{Cell, Pairs};
use crate::estimate::{Estimate, Place, Stat};
use crate::stats::correlation::spearman;
use crate::stats::regression::ols;
use crate::stats::ttest::one_sample;

pub(crate) fn dose_response(cell: &Cell) -> Vec<Estimate> {
    let Some(sessions) = &cell.panel.sessions else {
        return Vec::new();
    };
    let pairs = cell.pairs();
    let n = pairs.len();
    if n == 0 {
        return Vec::new();
    }
    let attended: Vec<f64> = pairs.rows.iter().map(|&p| f64::from(sessions[p])).collect();
    let place = cell.place("dose_response", cell.panel.waves.followup_name());
    let mut rows = vec![place.row(
        Stat::MeanSessions,
        crate::stats::descriptive::mean(&attended),
        n,
        "mean sessions attended by the pairs (the fitted line passes through it and mean_change)",
    )];
    let fit = ols(
        &[vec![1.0; n], attended.clone(), pairs.baseline.clone()],
        &pairs.change,
    );
    for (name, hc3, method) in [
        (Stat::SlopePerSession, false, "lm(d ~ sessions + b)"),
        (
            Stat::SlopePerSessionHc3,
            true,
            "lm(d ~ sessions + b), HC3 se",
        ),
    ] {
        let test = fit.as_ref().ok().and_then(|fit| fit.test(1, hc3));
        rows.push(match test {
            Some(test) => place
                .row(name, Some(test.estimate), n, method)
                .with_test(&test),
            None => {
                let reason = match &fit {
                    Err(error) => error.to_string(),
                    Ok(fit) if hc3 && fit.hc3_standard_errors.is_none() => {
                        "an observation has leverage 1, where HC3 divides by zero".to_string()
                    }
                    Ok(_) => "a perfect fit leaves no residual variance".to_string(),
                };
                place.row(name, None, n, format!("{method}; undefined: {reason}"))
            }
        });
    }
    if let Some((column, codes)) = cell.clusters() {
        rows.push(clustered_slope(&place, column, codes, &pairs, &attended));
    }
    rows.push(match spearman(&attended, &pairs.change) {
        Some((rho, p)) => place
            .row(
                Stat::SpearmanRho,
                Some(rho),
                n,
                "Spearman rho (asymptotic t approximation)",
            )
            .with_p(p),
        None => place.row(
            Stat::SpearmanRho,
            None,
            n,
            "Spearman rho; undefined: needs three pairs and spread in sessions and change",
        ),
    });
    rows
}

/// The slope with CR2 standard errors clustered on the delivery clusters:
/// people of one circle share more than their sessions.
fn clustered_slope(
    place: &Place,
    column: &str,
    codes: &[Option<u32>],
    pairs: &Pairs,
    attended: &[f64],
) -> Estimate {
    let (kept, labels): (Vec<usize>, Vec<u32>) = pair_clusters(pairs, codes).into_iter().unzip();
    let n = kept.len();
    let method = cr2_method("lm(d ~ sessions + b)", column, pairs.len() - n);
    let design = [
        vec![1.0; pairs.len()],
        attended.to_vec(),
        pairs.baseline.clone(),
    ];
    let test = cr2_on(&design, &pairs.change, &kept, &labels)
        .ok()
        .and_then(|fit| fit.tests.get(1).cloned().flatten());
    match test {
        Some(test) => place
            .row(Stat::SlopePerSessionCr2, Some(test.estimate), n, method)
            .with_test(&test),
        None => place.row(
            Stat::SlopePerSessionCr2,
            None,
            n,
            format!("{method}; undefined: needs two clusters and spread within them"),
        ),
    }
}

/// Mean change within each dose band (whole dataset only), and the mean
/// sessions its pairs attended, which places the band on a chart's axis
/// (an open band such as `12+` has no midpoint).
pub(crate) fn dose_bands(cell: &Cell) -> Vec<Estimate> {
    let Some(sessions) = &cell.panel.sessions else {
        return Vec::new();
    };
    let pairs = cell.pairs();
    let mut rows = Vec::new();
    for band in &cell.options.dose_bands {
        let (attended, changes): (Vec<f64>, Vec<f64>) = pairs
            .rows
            .iter()
            .zip(&pairs.change)
            .filter(|(p, _)| band.contains(sessions[**p]))
            .map(|(p, d)| (f64::from(sessions[*p]), *d))
            .unzip();
        if changes.is_empty() {
            continue;
        }
        let place = Place {
            outcome: &cell.outcome.outcome.id,
            analysis: "dose_response",
            group_by: "dose_band",
            group: &band.label,
            wave: cell.panel.waves.followup_name(),
        };
        let n = changes.len();
        rows.push(match one_sample(&changes) {
            Some(test) => place
                .row(
                    Stat::MeanChange,
                    Some(test.estimate),
                    n,
                    "one-sample t-test on d",
                )
                .with_test(&test),
            None => place.row(
                Stat::MeanChange,
                crate::stats::descriptive::mean(&changes),
                n,
                "one-sample t-test on d; undefined: fewer than two pairs or no spread",
            ),
        });
        rows.push(place.row(
            Stat::MeanSessions,
            crate::stats::descriptive::mean(&attended),
            n,
            "mean sessions attended by the band's pairs",
        ));
    }
    rows
}
