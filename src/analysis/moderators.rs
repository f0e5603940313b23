//! `moderators`: for whom the change was larger. For each moderator (a
//! participant column with 2–6 categories, or those named in
//! `moderators`), the mean change per category with its t interval; a
//! heterogeneity test, the F test of the moderator in an ANCOVA of change
//! on the baseline score; and, where the design compares two groups, the
//! F test of the group × moderator interaction. p-values are Holm-adjusted
//! across the moderators (their rows share `group_by = moderator`, the
//! moderator named by `contrast`).

use super::design::TwoGroups;
use super::Cell;
use crate::estimate::{Contrast, Estimate, Place, Side, Stat};
use crate::panel::{CategoricalColumn, Panel};
use crate::stats::regression::added_terms_f_test;
use crate::stats::ttest::one_sample;
use rayon::prelude::*;

/// The `group_by` of the heterogeneity tests, so that Holm's adjustment
/// runs across moderators.
pub(crate) const MODERATOR: &str = "moderator";
/// Categories a default moderator may have.
const DEFAULT_CATEGORIES: std::ops::RangeInclusive<usize> = 2..=6;

/// The moderators of a panel: those named, else every participant column
/// with 2–6 categories except the arm and the clusters.
pub fn moderators<'a>(
    panel: &'a Panel,
    options: &'a super::AnalysisOptions,
) -> Vec<(&'a str, &'a CategoricalColumn)> {
    let named = &options.moderators;
    let columns = panel.groups.iter().chain(&panel.covariates);
    let cluster = super::design::clusters(panel, options).map(|(name, _)| name);
    if named.is_empty() {
        columns
            .filter(|(name, column)| {
                name != super::design::ARM_COLUMN
                    && Some(name.as_str()) != cluster
                    && DEFAULT_CATEGORIES.contains(&column.levels.len())
            })
            .map(|(name, column)| (name.as_str(), column))
            .collect()
    } else {
        named
            .iter()
            .filter_map(|name| {
                columns
                    .clone()
                    .find(|(n, _)| n == name)
                    .map(|(n, column)| (n.as_str(), column))
            })
            .collect()
    }
}

fn indicators(codes: &[u32], levels: &[u32]) -> Vec<Vec<f64>> {
    levels[1..]
        .iter()
        .map(|level| {
            codes
                .iter()
                .map(|c| f64::from(u8::from(c == level)))
                .collect()
        })
        .collect()
}

/// Rows of every moderator for one outcome (the `all` cell).
pub(crate) fn moderator_rows(cell: &Cell, groups: Option<&TwoGroups>) -> Vec<Estimate> {
    let pairs = cell.pairs();
    let wave = cell.panel.waves.followup_name();
    let outcome = &cell.outcome.outcome.id;
    // Moderators are independent: each runs on its own thread, and the
    // rows come back in moderator order.
    let per_moderator: Vec<Vec<Estimate>> = moderators(cell.panel, cell.options)
        .par_iter()
        .map(|&(name, column)| {
            let mut rows = Vec::new();
            let kept: Vec<usize> = (0..pairs.len())
                .filter(|&i| column.codes[pairs.rows[i]].is_some())
                .collect();
            let codes: Vec<u32> = kept
                .iter()
                .filter_map(|&i| column.codes[pairs.rows[i]])
                .collect();
            let mut present: Vec<u32> = codes.clone();
            present.sort_unstable();
            present.dedup();
            let mut sides = Vec::new();
            for &level in &present {
                let change: Vec<f64> = kept
                    .iter()
                    .zip(&codes)
                    .filter(|(_, c)| **c == level)
                    .map(|(&i, _)| pairs.change[i])
                    .collect();
                let label = &column.levels[level as usize];
                sides.push(Side::level(label.clone(), change.len()));
                let place = Place {
                    outcome,
                    analysis: "moderators",
                    group_by: name,
                    group: label,
                    wave,
                };
                rows.push(match one_sample(&change) {
                    Some(test) => place
                        .row(
                            Stat::MeanChange,
                            Some(test.estimate),
                            change.len(),
                            "mean change, one-sample t interval",
                        )
                        .with_test(&test),
                    None => place.row(
                        Stat::MeanChange,
                        crate::stats::descriptive::mean(&change),
                        change.len(),
                        "mean change; no interval: needs two people with spread",
                    ),
                });
            }
            if present.len() < 2 {
                return rows;
            }
            // Tests sit in the `all` group with the moderator as contrast: they
            // are not levels of a column, and do not add up to anything.
            let place = Place {
                outcome,
                analysis: "moderators",
                group_by: MODERATOR,
                group: "all",
                wave,
            };
            let n = kept.len();
            let ones = vec![1.0; n];
            let baseline: Vec<f64> = kept.iter().map(|&i| pairs.baseline[i]).collect();
            let change: Vec<f64> = kept.iter().map(|&i| pairs.change[i]).collect();
            let dummies = indicators(&codes, &present);
            let small = [ones.clone(), baseline.clone()];
            let mut large = small.to_vec();
            large.extend(dummies.iter().cloned());
            let method =
                format!("anova(lm(d ~ b), lm(d ~ b + {name})): F for {name} after the baseline score");
            let contrast = Contrast::Covariate(name.to_string());
            rows.push(
                f_row(
                    &place,
                    Stat::ModeratorF,
                    &small,
                    &large,
                    &change,
                    n,
                    method,
                    &sides,
                )
                .with_contrast(contrast.clone()),
            );
            let Some(groups) = groups else {
                return rows;
            };
            // People in neither group (no arm) are left out of the interaction.
            let in_groups: Vec<usize> = (0..n)
                .filter(|&j| groups.membership[pairs.rows[kept[j]]].is_some())
                .collect();
            let treat: Vec<f64> = in_groups
                .iter()
                .map(|&j| {
                    f64::from(u8::from(
                        groups.membership[pairs.rows[kept[j]]] == Some(true),
                    ))
                })
                .collect();
            let take = |values: &[f64]| -> Vec<f64> { in_groups.iter().map(|&j| values[j]).collect() };
            let followup: Vec<f64> = in_groups.iter().map(|&j| pairs.followup[kept[j]]).collect();
            let mut small = vec![vec![1.0; in_groups.len()], take(&baseline), treat.clone()];
            small.extend(dummies.iter().map(|d| take(d)));
            let mut large = small.clone();
            large.extend(
                dummies
                    .iter()
                    .map(|d| take(d).iter().zip(&treat).map(|(a, b)| a * b).collect()),
            );
            let method = format!(
                "anova(lm(f ~ b + {column} + {name}), lm(f ~ b + {column} * {name})): F for the {column} × {name} interaction",
                column = groups.column
            );
            rows.push(
                f_row(
                    &place,
                    Stat::GroupByModeratorF,
                    &small,
                    &large,
                    &followup,
                    in_groups.len(),
                    method,
                    &sides,
                )
                .with_contrast(contrast),
            );

            rows
        })
        .collect();
    per_moderator.into_iter().flatten().collect()
}

#[allow(clippy::too_many_arguments)]
fn f_row(
    place: &Place,
    stat: Stat,
    small: &[Vec<f64>],
    large: &[Vec<f64>],
    y: &[f64],
    n: usize,
    method: String,
    sides: &[Side],
) -> Estimate {
    match added_terms_f_test(small, large, y) {
        Some((f, df, p, residual_df)) => place
            .row(
                stat,
                Some(f),
                n,
                format!("{method}; denominator df {residual_df}"),
            )
            .with_df(df)
            .with_p(p),
        None => place.row(
            stat,
            None,
            n,
            format!("{method}; undefined: a category too small or collinear"),
        ),
    }
    .with_sides(sides.to_vec())
}
