//! `propensity_*`: the comparison of a non-randomised design adjusted for
//! who joined each group. A propensity score on the baseline score and the
//! `adjust_for` columns; the follow-up compared by weighted ANCOVA under
//! ATT, ATE and overlap weights (HC0 standard errors) and after 1:1
//! nearest-neighbour matching (standard errors clustered on the pairs);
//! the balance of every covariate before and after; and the E-value of the
//! main (ATT) estimate. docs/estimates.md gives each row's R call.

use super::clustering::cr2_method;
use super::design::TwoGroups;
use super::Cell;
use crate::estimate::{Contrast, Estimate, Place, Side, Stat};
use crate::stats::cluster_robust::cr2_weighted_fit;
use crate::stats::descriptive::variance;
use crate::stats::propensity::{
    e_value, e_value_of_interval, effective_sample_size, logistic, nearest_neighbour,
    weighted_mean, weighted_regression, weighted_variance, Estimand, Vcov,
};

/// The label of the baseline score among the covariates.
pub(crate) const BASELINE_COVARIATE: &str = "baseline score";

/// How the groups are made comparable, one analysis each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Adjustment {
    Unadjusted,
    Weighted(Estimand),
    Matched,
}

impl Adjustment {
    pub(crate) const ALL: [Adjustment; 5] = [
        Adjustment::Unadjusted,
        Adjustment::Weighted(Estimand::Att),
        Adjustment::Weighted(Estimand::Ate),
        Adjustment::Weighted(Estimand::Overlap),
        Adjustment::Matched,
    ];

    /// Its `analysis` in estimates.csv.
    pub fn analysis(self) -> &'static str {
        match self {
            Adjustment::Unadjusted => "propensity_unadjusted",
            Adjustment::Weighted(Estimand::Att) => "propensity_att",
            Adjustment::Weighted(Estimand::Ate) => "propensity_ate",
            Adjustment::Weighted(Estimand::Overlap) => "propensity_overlap",
            Adjustment::Matched => "propensity_matched",
        }
    }

    /// What it is, for the report.
    pub fn label(self) -> &'static str {
        match self {
            Adjustment::Unadjusted => "before adjustment",
            Adjustment::Weighted(Estimand::Att) => "ATT weights",
            Adjustment::Weighted(Estimand::Ate) => "ATE weights",
            Adjustment::Weighted(Estimand::Overlap) => "overlap weights",
            Adjustment::Matched => "1:1 matching",
        }
    }

    pub(crate) fn from_analysis(analysis: &str) -> Option<Adjustment> {
        Adjustment::ALL
            .into_iter()
            .find(|a| a.analysis() == analysis)
    }

    /// Whether standardised differences divide by the treated group's SD
    /// (estimands about the treated) or the pooled SD.
    fn treated_sd(self) -> bool {
        !matches!(
            self,
            Adjustment::Weighted(Estimand::Ate) | Adjustment::Weighted(Estimand::Overlap)
        )
    }
}

/// One column of the propensity model and the balance table.
struct Covariate {
    label: String,
    values: Vec<f64>,
    binary: bool,
}

/// The people of the comparison with everything the model needs.
struct Sample {
    followup: Vec<f64>,
    treated: Vec<bool>,
    covariates: Vec<Covariate>,
    /// Columns of `adjust_for` left out because one value remained.
    dropped: Vec<String>,
    /// People with both scores and a group, left out for a missing
    /// covariate.
    missing_covariate: usize,
    /// With delivery clusters: the column and each person's cluster.
    clusters: Option<(String, Vec<Option<u32>>)>,
}

fn sample(cell: &Cell, groups: &TwoGroups) -> Sample {
    let pairs = cell.pairs();
    let columns: Vec<(&str, &crate::panel::CategoricalColumn)> = cell
        .options
        .adjust_for
        .iter()
        .filter_map(|name| {
            super::design::covariate(cell.panel, name).map(|column| (name.as_str(), column))
        })
        .collect();
    let mut kept: Vec<usize> = Vec::new();
    let mut missing_covariate = 0;
    for i in 0..pairs.len() {
        let row = pairs.rows[i];
        if groups.membership[row].is_none() {
            continue;
        }
        if columns
            .iter()
            .any(|(_, column)| column.codes[row].is_none())
        {
            missing_covariate += 1;
            continue;
        }
        kept.push(i);
    }
    let mut covariates = vec![Covariate {
        label: BASELINE_COVARIATE.into(),
        values: kept.iter().map(|&i| pairs.baseline[i]).collect(),
        binary: false,
    }];
    let mut dropped = Vec::new();
    for (name, column) in columns {
        let mut present = vec![false; column.levels.len()];
        for &i in &kept {
            if let Some(code) = column.codes[pairs.rows[i]] {
                present[code as usize] = true;
            }
        }
        let levels: Vec<usize> = (0..present.len()).filter(|&l| present[l]).collect();
        if levels.len() < 2 {
            dropped.push(name.to_string());
            continue;
        }
        // The first level is the reference; a two-level column is one
        // indicator, a longer one an indicator per further level.
        for &level in &levels[1..] {
            covariates.push(Covariate {
                label: format!("{name} = {}", column.levels[level]),
                values: kept
                    .iter()
                    .map(|&i| {
                        f64::from(u8::from(column.codes[pairs.rows[i]] == Some(level as u32)))
                    })
                    .collect(),
                binary: true,
            });
        }
    }
    Sample {
        followup: kept.iter().map(|&i| pairs.followup[i]).collect(),
        treated: kept
            .iter()
            .map(|&i| groups.membership[pairs.rows[i]] == Some(true))
            .collect(),
        covariates,
        dropped,
        missing_covariate,
        clusters: cell.clusters().map(|(column, codes)| {
            let of = kept.iter().map(|&i| codes[pairs.rows[i]]).collect();
            (column.to_string(), of)
        }),
    }
}

/// Covariate categories that hold only one of the groups: the model then
/// separates (quasi-completely), whether or not the fit reaches a fitted
/// probability of exactly 0 or 1.
fn pure_categories(sample: &Sample, groups: &TwoGroups) -> Vec<String> {
    let mut levels = Vec::new();
    for covariate in sample.covariates.iter().filter(|c| c.binary) {
        let mut in_level = sample
            .values_with(covariate)
            .filter(|(value, _)| *value == 1.0)
            .map(|(_, treated)| treated);
        if let Some(first) = in_level.next() {
            if in_level.all(|t| t == first) {
                levels.push(format!(
                    "everyone with {} is in {}",
                    covariate.label,
                    if first {
                        &groups.treated
                    } else {
                        &groups.reference
                    }
                ));
            }
        }
    }
    levels
}

/// Why the propensity model cannot be used.
fn separation_reason(pure: &[String]) -> String {
    if pure.is_empty() {
        "the propensity model separates the groups (fitted probabilities of 0 or 1): some combination of covariates predicts the group exactly; remove a column from adjust_for".into()
    } else {
        format!(
            "the propensity model separates the groups: {}; merge that category with another or remove the column from adjust_for",
            pure.join("; ")
        )
    }
}

impl Sample {
    fn values_with<'a>(
        &'a self,
        covariate: &'a Covariate,
    ) -> impl Iterator<Item = (f64, bool)> + 'a {
        covariate
            .values
            .iter()
            .copied()
            .zip(self.treated.iter().copied())
    }

    fn counts(&self) -> (usize, usize) {
        let treated = self.treated.iter().filter(|t| **t).count();
        (treated, self.treated.len() - treated)
    }
}

/// Rows of every `propensity_*` analysis for one outcome (the `all` cell).
pub(crate) fn propensity(cell: &Cell, groups: &TwoGroups) -> Vec<Estimate> {
    let sample = sample(cell, groups);
    let (n_treated, n_control) = sample.counts();
    let n = sample.treated.len();
    let outcome = &cell.outcome.outcome.id;
    let baseline_wave = cell.panel.waves.baseline_name();
    let followup_wave = cell.panel.waves.followup_name();
    let contrast = Contrast::Levels {
        level: groups.treated.clone(),
        reference: groups.reference.clone(),
    };
    let sides = vec![
        Side::level(groups.treated.clone(), n_treated),
        Side::level(groups.reference.clone(), n_control),
    ];
    let mut about = format!(
        "{} vs {}; propensity score by logistic regression on {}",
        groups.treated,
        groups.reference,
        sample
            .covariates
            .iter()
            .map(|c| c.label.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    if sample.missing_covariate > 0 {
        about.push_str(&format!(
            "; {} with a missing covariate left out",
            sample.missing_covariate
        ));
    }
    if !sample.dropped.is_empty() {
        about.push_str(&format!(
            "; {} left out (one value)",
            sample.dropped.join(", ")
        ));
    }
    let mut rows = Vec::new();
    let place = |adjustment: Adjustment, wave| Place {
        outcome,
        analysis: adjustment.analysis(),
        group_by: groups.column,
        group: &groups.treated,
        wave,
    };
    let ones = vec![1.0; n];
    let sd_treated: Vec<Option<f64>> = sample
        .covariates
        .iter()
        .map(|c| {
            let treated: Vec<f64> = sample.values_with(c).filter(|v| v.1).map(|v| v.0).collect();
            variance(&treated).map(f64::sqrt)
        })
        .collect();
    let sd_pooled: Vec<Option<f64>> = sample
        .covariates
        .iter()
        .map(|c| {
            let (t, u) = by_group(&c.values, &sample.treated);
            Some(((variance(&t)? + variance(&u)?) / 2.0).sqrt())
        })
        .collect();
    // Balance of every covariate under the weights (all 1 before).
    let balance = |adjustment: Adjustment, weights: &[f64], members: Option<&[usize]>| {
        let mut rows = Vec::new();
        let in_set: Vec<usize> = match members {
            Some(m) => m.to_vec(),
            None => (0..n).collect(),
        };
        for (k, covariate) in sample.covariates.iter().enumerate() {
            let split = |want: bool| -> (Vec<f64>, Vec<f64>) {
                in_set
                    .iter()
                    .filter(|&&i| sample.treated[i] == want)
                    .map(|&i| (covariate.values[i], weights[i]))
                    .unzip()
            };
            let (xt, wt) = split(true);
            let (xc, wc) = split(false);
            let difference = weighted_mean(&xt, &wt)
                .zip(weighted_mean(&xc, &wc))
                .map(|(a, b)| a - b);
            let place = place(adjustment, baseline_wave);
            let mut covariate_sides = sides.clone();
            if covariate.binary {
                // A difference in proportions rests on the people in the
                // category in each group, and on those not in it.
                let count = |values: &[f64]| values.iter().filter(|v| **v == 1.0).count();
                let (t, c) = by_group(&covariate.values, &sample.treated);
                let (kt, kc) = (count(&t), count(&c));
                covariate_sides.extend([
                    Side::subset("treated in category", kt),
                    Side::subset("treated not in category", n_treated - kt),
                    Side::subset("comparison in category", kc),
                    Side::subset("comparison not in category", n_control - kc),
                ]);
            }
            let (smd, method) = if covariate.binary {
                (
                    difference,
                    "difference in proportions (weighted)".to_string(),
                )
            } else {
                let (sd, which) = if adjustment.treated_sd() {
                    (sd_treated[k], "SD of the treated group")
                } else {
                    (sd_pooled[k], "pooled SD, sqrt((var_t + var_c) / 2)")
                };
                (
                    difference
                        .zip(sd)
                        .filter(|(_, s)| *s > 0.0)
                        .map(|(d, s)| d / s),
                    format!(
                        "standardised mean difference (weighted means, {which} before adjustment)"
                    ),
                )
            };
            let with = |e: Estimate| {
                e.with_contrast(Contrast::Covariate(covariate.label.clone()))
                    .with_sides(covariate_sides.clone())
            };
            rows.push(with(place.row(Stat::Smd, smd, in_set.len(), method)));
            if !covariate.binary {
                let ratio = weighted_variance(&xt, &wt)
                    .zip(weighted_variance(&xc, &wc))
                    .filter(|(_, c)| *c > 0.0)
                    .map(|(t, c)| t / c);
                rows.push(with(place.row(
                    Stat::VarianceRatio,
                    ratio,
                    in_set.len(),
                    "weighted variance of the treated / of the comparison group",
                )));
            }
        }
        let split_weights = |want: bool| -> Vec<f64> {
            in_set
                .iter()
                .filter(|&&i| sample.treated[i] == want)
                .map(|&i| weights[i])
                .collect()
        };
        let place = place(adjustment, baseline_wave);
        for (stat, want) in [(Stat::EssTreated, true), (Stat::EssControl, false)] {
            rows.push(
                place
                    .row(
                        stat,
                        effective_sample_size(&split_weights(want)),
                        in_set.len(),
                        "effective sample size (sum w)^2 / sum w^2",
                    )
                    .with_contrast(contrast.clone())
                    .with_sides(sides.clone()),
            );
        }
        rows
    };
    rows.extend(balance(Adjustment::Unadjusted, &ones, None));
    if n_treated < 2 || n_control < 2 {
        return rows;
    }
    let baseline = &sample.covariates[0].values;
    let mut design = vec![ones.clone()];
    design.extend(sample.covariates.iter().map(|c| c.values.clone()));
    let fit = logistic(&design, &sample.treated);
    let pure = pure_categories(&sample, groups);
    let problem = match &fit {
        Err(error) => Some(format!("the propensity model cannot be fitted: {error}")),
        Ok(fit) if fit.separated || !pure.is_empty() => Some(separation_reason(&pure)),
        Ok(fit) if !fit.converged => Some(format!(
            "the propensity model did not converge in {} iterations",
            fit.iterations
        )),
        Ok(_) => None,
    };
    let treat: Vec<f64> = sample
        .treated
        .iter()
        .map(|&t| f64::from(u8::from(t)))
        .collect();
    let outcome_design = [ones.clone(), treat, baseline.clone()];
    let undefined = |adjustment: Adjustment, reason: &str| {
        place(adjustment, followup_wave)
            .row(
                Stat::AdjustedDifference,
                None,
                n,
                format!("{about}; undefined: {reason}"),
            )
            .with_contrast(contrast.clone())
            .with_sides(sides.clone())
    };
    let Ok(fit) = fit.as_ref().map_err(|_| ()).and_then(|f| match &problem {
        None => Ok(f),
        Some(_) => Err(()),
    }) else {
        let reason = problem.unwrap_or_default();
        for adjustment in &Adjustment::ALL[1..] {
            rows.push(undefined(*adjustment, &reason));
        }
        return rows;
    };
    let pooled_followup_sd = {
        let (t, c) = by_group(&sample.followup, &sample.treated);
        variance(&t).zip(variance(&c)).map(|(vt, vc)| {
            let (nt, nc) = (t.len() as f64, c.len() as f64);
            (((nt - 1.0) * vt + (nc - 1.0) * vc) / (nt + nc - 2.0)).sqrt()
        })
    };
    let everyone: Vec<usize> = (0..n).collect();
    for estimand in Estimand::ALL {
        let adjustment = Adjustment::Weighted(estimand);
        let weights: Vec<f64> = fit
            .fitted
            .iter()
            .zip(&sample.treated)
            .map(|(&e, &t)| estimand.weight(e, t))
            .collect();
        let method = format!(
            "{about}; {} (treated {}, comparison {}); lm(f ~ group + b, weights) with HC0 standard errors",
            adjustment.label(),
            match estimand {
                Estimand::Att => "1",
                Estimand::Ate => "1/e",
                Estimand::Overlap => "1-e",
            },
            match estimand {
                Estimand::Att => "e/(1-e)",
                Estimand::Ate => "1/(1-e)",
                Estimand::Overlap => "e",
            }
        );
        let test = weighted_regression(&outcome_design, &sample.followup, &weights, Vcov::Hc0)
            .ok()
            .and_then(|fit| fit.test(1));
        let place = place(adjustment, followup_wave);
        let row = match &test {
            Some(test) => place
                .row(Stat::AdjustedDifference, Some(test.estimate), n, method)
                .with_test(test),
            None => place.row(
                Stat::AdjustedDifference,
                None,
                n,
                format!("{method}; undefined: no residual variance"),
            ),
        };
        rows.push(
            row.with_contrast(contrast.clone())
                .with_sides(sides.clone()),
        );
        if estimand == Estimand::Att {
            if let (Some(test), Some(sd)) = (&test, pooled_followup_sd.filter(|s| *s > 0.0)) {
                let method = "VanderWeele & Ding 2017: RR = exp(0.91 |d|), d = ATT difference / pooled SD of the follow-up; E = RR + sqrt(RR (RR - 1))";
                for (stat, value) in [
                    (Stat::EValue, e_value(test.estimate / sd)),
                    (
                        Stat::EValueCi,
                        e_value_of_interval(test.ci_low / sd, test.ci_high / sd),
                    ),
                ] {
                    rows.push(
                        place
                            .row(stat, Some(value), n, method)
                            .with_contrast(contrast.clone())
                            .with_sides(sides.clone()),
                    );
                }
            }
        }
        if let Some(clustered) = clustered(&sample, &everyone, &outcome_design, &weights) {
            let method = cr2_method(
                &format!("{}; lm(f ~ group + b, weights)", adjustment.label()),
                &clustered.column,
                clustered.left_out,
            );
            rows.push(clustered.row(&place, method, &contrast, &sides, true));
        }
        rows.extend(balance(adjustment, &weights, None));
    }
    // Matching.
    let caliper = cell.options.caliper.and_then(|c| {
        let sd = variance(&fit.fitted)?.sqrt();
        Some(c * sd)
    });
    let pairs = nearest_neighbour(&fit.fitted, &sample.treated, caliper);
    let mut members: Vec<usize> = pairs.iter().flat_map(|&(t, c)| [t, c]).collect();
    members.sort_unstable();
    let mut subclass = vec![0u32; n];
    for (k, &(t, c)) in pairs.iter().enumerate() {
        subclass[t] = k as u32;
        subclass[c] = k as u32;
    }
    let matched_sides = vec![
        Side::level(groups.treated.clone(), pairs.len()),
        Side::level(groups.reference.clone(), pairs.len()),
    ];
    let place_matched = place(Adjustment::Matched, followup_wave);
    let method = format!(
        "{about}; 1:1 nearest-neighbour matching on the propensity score without replacement, largest score first{}; lm(f ~ group + b) on the matched pairs with standard errors clustered on the pairs (sandwich::vcovCL)",
        match cell.options.caliper {
            Some(c) => format!(", caliper {c} SD of the score"),
            None => String::new(),
        }
    );
    rows.push(
        place_matched
            .row(
                Stat::NMatchedPairs,
                Some(pairs.len() as f64),
                members.len(),
                method.clone(),
            )
            .with_contrast(contrast.clone())
            .with_sides(matched_sides.clone()),
    );
    let take = |values: &[f64]| -> Vec<f64> { members.iter().map(|&i| values[i]).collect() };
    let matched_design: Vec<Vec<f64>> = outcome_design.iter().map(|c| take(c)).collect();
    let matched_clusters: Vec<u32> = members.iter().map(|&i| subclass[i]).collect();
    let test = (pairs.len() >= 2)
        .then(|| {
            weighted_regression(
                &matched_design,
                &take(&sample.followup),
                &vec![1.0; members.len()],
                Vcov::Clustered(&matched_clusters),
            )
            .ok()
            .and_then(|fit| fit.test(1))
        })
        .flatten();
    rows.push(
        match &test {
            Some(test) => place_matched
                .row(
                    Stat::AdjustedDifference,
                    Some(test.estimate),
                    members.len(),
                    method,
                )
                .with_test(test),
            None => place_matched.row(
                Stat::AdjustedDifference,
                None,
                members.len(),
                format!("{method}; undefined: needs two matched pairs with spread"),
            ),
        }
        .with_contrast(contrast.clone())
        .with_sides(matched_sides.clone()),
    );
    if let Some(clustered) = clustered(&sample, &members, &outcome_design, &ones) {
        let method = cr2_method(
            "lm(f ~ group + b) on the matched pairs",
            &clustered.column,
            clustered.left_out,
        );
        rows.push(clustered.row(&place_matched, method, &contrast, &matched_sides, false));
    }
    rows.extend(balance(Adjustment::Matched, &ones, Some(&members)));
    rows
}

/// A comparison's difference with CR2 errors on the delivery clusters:
/// the fit on the people of `members` who have a cluster.
struct Clustered {
    column: String,
    left_out: usize,
    n: usize,
    test: Option<crate::stats::regression::CoefficientTest>,
}

impl Clustered {
    fn row(
        &self,
        place: &Place,
        method: String,
        contrast: &Contrast,
        sides: &[Side],
        weighted: bool,
    ) -> Estimate {
        let row = match &self.test {
            Some(test) => place
                .row(
                    Stat::AdjustedDifferenceCr2,
                    Some(test.estimate),
                    self.n,
                    method,
                )
                .with_test(test),
            None => place.row(
                Stat::AdjustedDifferenceCr2,
                None,
                self.n,
                format!(
                    "{method}; undefined: needs two clusters and spread within them{}",
                    if weighted { "" } else { " among the matched" }
                ),
            ),
        };
        row.with_contrast(contrast.clone())
            .with_sides(sides.to_vec())
    }
}

/// The CR2 fit of the group coefficient of `lm(f ~ design, weights)` on
/// the people of `members` with a cluster.
fn clustered(
    sample: &Sample,
    members: &[usize],
    design: &[Vec<f64>],
    weights: &[f64],
) -> Option<Clustered> {
    let (column, codes) = sample.clusters.as_ref()?;
    let (with, labels): (Vec<usize>, Vec<u32>) = members
        .iter()
        .filter_map(|&i| codes[i].map(|c| (i, c)))
        .unzip();
    let pick = |values: &[f64]| with.iter().map(|&i| values[i]).collect::<Vec<f64>>();
    let design: Vec<Vec<f64>> = design.iter().map(|c| pick(c)).collect();
    let test = cr2_weighted_fit(&design, &pick(&sample.followup), &pick(weights), &labels)
        .ok()
        .and_then(|fit| fit.tests.get(1).cloned().flatten());
    Some(Clustered {
        column: column.clone(),
        left_out: members.len() - with.len(),
        n: with.len(),
        test,
    })
}

/// The values of the treated and of the comparison group.
fn by_group(values: &[f64], treated: &[bool]) -> (Vec<f64>, Vec<f64>) {
    let (mut t, mut c) = (Vec::new(), Vec::new());
    for (&v, &is_treated) in values.iter().zip(treated) {
        if is_treated {
            t.push(v);
        } else {
            c.push(v);
        }
    }
    (t, c)
}
