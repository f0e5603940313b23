//! `comparison`: how the levels of each grouping column (cohort, site, arm)
//! compare on change, against a reference level — ANCOVA on the follow-up
//! adjusting for baseline, Welch's test on change, and Hedges' g of change.

use super::clustering::{count_clusters, cr2_method, cr2_on};
use super::design::TwoGroups;
use super::{Cell, Pairs};
use crate::estimate::{Contrast, Estimate, Place, Side, Stat};
use crate::stats::cluster_robust::ClusteredFit;
use crate::stats::effect_size::hedges_g_independent;
use crate::stats::regression::{nested_f_test, ols};
use crate::stats::ttest::welch;

/// Comparisons for every grouping column with two or more levels among the
/// pairs (whole dataset only).
pub(crate) fn comparisons(cell: &Cell) -> Vec<Estimate> {
    let pairs = cell.pairs();
    let mut rows = Vec::new();
    for (column, values) in &cell.panel.groups {
        let level_of = |i: usize| values.get(pairs.rows[i]);
        let mut levels: Vec<&str> = (0..pairs.len()).filter_map(level_of).collect();
        levels.sort();
        levels.dedup();
        rows.extend(compare(cell, &pairs, column, &level_of, &levels));
    }
    rows
}

/// The comparison of people who attended with referred people who never
/// did, for designs without an arm.
pub(crate) fn attendance_comparison(cell: &Cell, groups: &TwoGroups) -> Vec<Estimate> {
    let pairs = cell.pairs();
    let level_of = |i: usize| {
        groups.membership[pairs.rows[i]].map(|treated| {
            if treated {
                groups.treated.as_str()
            } else {
                groups.reference.as_str()
            }
        })
    };
    let levels = [groups.reference.as_str(), groups.treated.as_str()];
    compare(cell, &pairs, groups.column, &level_of, &levels)
}

/// Each level of `levels` after the first (the reference) against it;
/// `level_of` gives each pair's level.
fn compare<'a>(
    cell: &Cell,
    pairs: &Pairs,
    column: &str,
    level_of: &dyn Fn(usize) -> Option<&'a str>,
    levels: &[&'a str],
) -> Vec<Estimate> {
    let wave = cell.panel.waves.followup_name();
    let mut rows = Vec::new();
    {
        let in_model: Vec<usize> = (0..pairs.len())
            .filter(|&i| level_of(i).is_some())
            .collect();
        let level_of = |i: usize| level_of(i).unwrap_or_default();
        let present = |level: &&str| in_model.iter().any(|&i| level_of(i) == *level);
        let levels: Vec<&str> = levels.iter().copied().filter(|l| present(l)).collect();
        if levels.len() < 2 {
            return rows;
        }
        let reference = levels[0];
        let n_model = in_model.len();
        let followup: Vec<f64> = in_model.iter().map(|&i| pairs.followup[i]).collect();
        let baseline: Vec<f64> = in_model.iter().map(|&i| pairs.baseline[i]).collect();
        let mut design = vec![vec![1.0; n_model], baseline];
        for level in &levels[1..] {
            design.push(
                in_model
                    .iter()
                    .map(|&i| f64::from(u8::from(level_of(i) == *level)))
                    .collect(),
            );
        }
        let full = ols(&design, &followup);
        let clustered = cell.clusters().map(|(column, codes)| {
            let (kept, labels): (Vec<usize>, Vec<u32>) = (0..n_model)
                .filter_map(|k| codes[pairs.rows[in_model[k]]].map(|c| (k, c)))
                .unzip();
            let change: Vec<f64> = in_model.iter().map(|&i| pairs.change[i]).collect();
            let mut change_design = vec![design[0].clone()];
            change_design.extend(design[2..].iter().cloned());
            let level_clusters = |level: &str| {
                count_clusters(
                    kept.iter()
                        .zip(&labels)
                        .filter(|(&k, _)| level_of(in_model[k]) == level)
                        .map(|(_, &c)| c),
                )
            };
            let clusters_of: Vec<usize> = levels.iter().map(|l| level_clusters(l)).collect();
            ClusteredComparison {
                column,
                left_out: n_model - kept.len(),
                n: kept.len(),
                ancova: cr2_on(&design, &followup, &kept, &labels).ok(),
                change: cr2_on(&change_design, &change, &kept, &labels).ok(),
                clusters_of,
            }
        });
        let change_of = |level: &str| -> Vec<f64> {
            in_model
                .iter()
                .filter(|&&i| level_of(i) == level)
                .map(|&i| pairs.change[i])
                .collect()
        };
        let reference_change = change_of(reference);
        let level_sides: Vec<Side> = levels
            .iter()
            .map(|level| Side::level(*level, change_of(level).len()))
            .collect();
        for (position, level) in levels.iter().enumerate().skip(1) {
            let contrast = Contrast::Levels {
                level: level.to_string(),
                reference: reference.to_string(),
            };
            let sides = vec![level_sides[position].clone(), level_sides[0].clone()];
            let place = Place {
                outcome: &cell.outcome.outcome.id,
                analysis: "comparison",
                group_by: column,
                group: level,
                wave,
            };
            let with_contrast =
                |e: Estimate| e.with_contrast(contrast.clone()).with_sides(sides.clone());
            let method = "ANCOVA lm(f ~ b + group)";
            let test = full
                .as_ref()
                .ok()
                .and_then(|fit| fit.test(position + 1, false));
            rows.push(with_contrast(match test {
                Some(test) => place
                    .row(Stat::AncovaDifference, Some(test.estimate), n_model, method)
                    .with_test(&test),
                None => place.row(
                    Stat::AncovaDifference,
                    None,
                    n_model,
                    format!(
                        "{method}; undefined: {}",
                        full.as_ref()
                            .err()
                            .map_or("no residual variance".into(), |e| e.to_string())
                    ),
                ),
            }));
            if let Some(clustered) = &clustered {
                rows.extend(
                    clustered
                        .rows(&place, position, levels[0], level)
                        .into_iter()
                        .map(with_contrast),
                );
            }
            let level_change = change_of(level);
            let n_two = level_change.len() + reference_change.len();
            rows.push(with_contrast(
                match welch(&level_change, &reference_change) {
                    Some(test) => place
                        .row(
                            Stat::ChangeDifference,
                            Some(test.estimate),
                            n_two,
                            "Welch t-test on change",
                        )
                        .with_test(&test),
                    None => place.row(
                        Stat::ChangeDifference,
                        None,
                        n_two,
                        "Welch t-test on change; undefined: each level needs two pairs with spread",
                    ),
                },
            ));
            rows.push(with_contrast(
                match hedges_g_independent(&level_change, &reference_change) {
                    Some(g) => place
                        .row(
                            Stat::HedgesGChange,
                            Some(g.value),
                            n_two,
                            "Hedges' g on change (pooled sd), noncentral t CI",
                        )
                        .with_ci(g.ci),
                    None => place.row(
                        Stat::HedgesGChange,
                        None,
                        n_two,
                        "Hedges' g on change; undefined: needs spread in the changes",
                    ),
                },
            ));
        }
        if levels.len() > 2 {
            let small = ols(&design[..2], &followup);
            let place = Place {
                outcome: &cell.outcome.outcome.id,
                analysis: "comparison",
                group_by: column,
                group: "all",
                wave,
            };
            let test = match (&small, &full) {
                (Ok(small), Ok(full)) => nested_f_test(small, full),
                _ => None,
            };
            let method = "ANCOVA F for group after baseline (sequential)";
            rows.push(
                match test {
                    Some((f, df, p)) => place
                        .row(Stat::AncovaF, Some(f), n_model, method)
                        .with_df(df)
                        .with_p(p),
                    None => place.row(Stat::AncovaF, None, n_model, format!("{method}; undefined")),
                }
                .with_sides(level_sides.clone()),
            );
        }
    }
    rows
}

/// A comparison's CR2 fits, when people were served in clusters.
struct ClusteredComparison<'a> {
    column: &'a str,
    left_out: usize,
    n: usize,
    ancova: Option<ClusteredFit>,
    change: Option<ClusteredFit>,
    /// Clusters per level, in level order.
    clusters_of: Vec<usize>,
}

impl ClusteredComparison<'_> {
    /// The CR2 rows of the level at `position` against the reference.
    fn rows(&self, place: &Place, position: usize, reference: &str, level: &str) -> Vec<Estimate> {
        let mut warning = String::new();
        for (name, count) in [
            (level, self.clusters_of[position]),
            (reference, self.clusters_of[0]),
        ] {
            if count == 1 {
                warning.push_str(&format!(
                    "; {name} has one {}, so the difference cannot be told apart from that cluster's",
                    self.column
                ));
            }
        }
        let models = [
            (
                Stat::AncovaDifferenceCr2,
                "ANCOVA lm(f ~ b + group)",
                &self.ancova,
                position + 1,
            ),
            (
                Stat::ChangeDifferenceCr2,
                "lm(change ~ group)",
                &self.change,
                position,
            ),
        ];
        models
            .into_iter()
            .map(|(stat, model, fit, coefficient)| {
                let method = format!("{}{warning}", cr2_method(model, self.column, self.left_out));
                let test = fit
                    .as_ref()
                    .and_then(|fit| fit.tests.get(coefficient).cloned().flatten());
                match test {
                    Some(test) => place
                        .row(stat, Some(test.estimate), self.n, method)
                        .with_test(&test),
                    None => place.row(
                        stat,
                        None,
                        self.n,
                        format!("{method}; undefined: needs two clusters and spread within them"),
                    ),
                }
            })
            .collect()
    }
}
