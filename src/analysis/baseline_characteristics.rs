//! `baseline_characteristics`: who took part, per group: the people in each
//! category of every descriptive participant column (age band, gender, …),
//! as a count and a percentage of the group. The outcome column holds the
//! participant column's name and the contrast column the category.
//! A column of more than `MAX_CATEGORIES` values that are all numbers (an
//! age, months since referral) is summarised instead: n answered, mean,
//! SD, median and quartiles. Other columns with more than
//! `MAX_CATEGORIES` categories, or a category longer than
//! `MAX_CATEGORY_LENGTH` characters (free text), are left out: a table of
//! them would be unreadable and closer to identifying people.

use super::Group;
use crate::estimate::{Contrast, Estimate, Place, Stat};
use crate::panel::Panel;

pub(crate) const MAX_CATEGORIES: usize = 12;
/// Longer "categories" are free text.
pub(crate) const MAX_CATEGORY_LENGTH: usize = 60;

/// The category of a missing value.
pub const MISSING: &str = "missing";

pub(crate) fn baseline_characteristics(panel: &Panel, groups: &[Group]) -> Vec<Estimate> {
    let mut rows = Vec::new();
    for (column, values) in &panel.covariates {
        // A missing value is the category "missing" (merging with a level
        // of that name).
        let category_of_code: Vec<&str> = values
            .levels
            .iter()
            .map(String::as_str)
            .chain(std::iter::once(MISSING))
            .collect();
        let missing_code = values.levels.len();
        let mut categories = category_of_code.clone();
        if !values.codes.iter().any(Option::is_none) {
            categories.pop();
        }
        // Bands keep their order (youngest first); other columns are
        // shown in byte order.
        if values.ordered {
            let mut seen = Vec::with_capacity(categories.len());
            categories.retain(|c| {
                let first = !seen.contains(c);
                seen.push(*c);
                first
            });
        } else {
            categories.sort_unstable();
            categories.dedup();
        }
        // Many numbers (an age, months since referral) are summarised as
        // numbers. Bands are few by construction and always tabulated.
        if !values.ordered && categories.len() > MAX_CATEGORIES {
            if let Some(numbers) = numbers_of_levels(&values.levels) {
                rows.extend(numeric_summaries(column, &values.codes, &numbers, groups));
                continue;
            }
        }
        // Many categories, or long ones, are free text rather than
        // categories: not tabulated.
        if (!values.ordered && categories.len() > MAX_CATEGORIES)
            || categories
                .iter()
                .any(|c| c.chars().count() > MAX_CATEGORY_LENGTH)
        {
            continue;
        }
        for group in groups {
            let n = group.members.len();
            if n == 0 {
                continue;
            }
            let place = Place {
                outcome: column,
                analysis: "baseline_characteristics",
                group_by: &group.group_by,
                group: &group.group,
                wave: "",
            };
            let mut per_code = vec![0usize; category_of_code.len()];
            for &p in &group.members {
                per_code[values.codes[p].map_or(missing_code, |c| c as usize)] += 1;
            }
            for category in &categories {
                let count: usize = per_code
                    .iter()
                    .zip(&category_of_code)
                    .filter(|(_, name)| *name == category)
                    .map(|(count, _)| count)
                    .sum();
                let mut with_category = |estimate: Stat, value: f64, method: &str| {
                    rows.push(
                        place
                            .row(estimate, Some(value), n, method)
                            .with_contrast(Contrast::Category(category.to_string())),
                    );
                };
                with_category(Stat::NInCategory, count as f64, "count of participants");
                with_category(
                    Stat::PctInCategory,
                    100.0 * count as f64 / n as f64,
                    "percentage of the group's participants",
                );
            }
        }
    }
    rows
}

/// The value of every level, when every level is a finite number.
fn numbers_of_levels(levels: &[String]) -> Option<Vec<f64>> {
    levels
        .iter()
        .map(|level| crate::ingest::convert::parse_number(level.trim()).filter(|v| v.is_finite()))
        .collect()
}

const NUMERIC_METHOD: &str = "sample statistics of a numeric participant column";

/// n answered, mean, SD, median and quartiles (R's type 7) of a numeric
/// participant column, per group; the contrast is empty.
fn numeric_summaries(
    column: &str,
    codes: &[Option<u32>],
    numbers: &[f64],
    groups: &[Group],
) -> Vec<Estimate> {
    let mut rows = Vec::new();
    for group in groups {
        if group.members.is_empty() {
            continue;
        }
        let values: Vec<f64> = group
            .members
            .iter()
            .filter_map(|&p| codes[p].map(|c| numbers[c as usize]))
            .collect();
        let place = Place {
            outcome: column,
            analysis: "baseline_characteristics",
            group_by: &group.group_by,
            group: &group.group,
            wave: "",
        };
        let n = values.len();
        rows.push(place.row(Stat::N, Some(n as f64), n, NUMERIC_METHOD));
        let Some(summary) = crate::stats::descriptive::summarise(&values) else {
            continue;
        };
        rows.push(place.row(Stat::Mean, Some(summary.mean), n, NUMERIC_METHOD));
        rows.push(place.row(Stat::Sd, summary.sd, n, NUMERIC_METHOD));
        rows.push(place.row(Stat::Median, Some(summary.median), n, NUMERIC_METHOD));
        rows.push(place.row(Stat::Q1, Some(summary.q1), n, NUMERIC_METHOD));
        rows.push(place.row(Stat::Q3, Some(summary.q3), n, NUMERIC_METHOD));
    }
    rows
}
