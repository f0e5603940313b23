//! `baseline_characteristics`: who took part, per group: the people in each
//! category of every descriptive participant column (age band, gender, …),
//! as a count and a percentage of the group. The outcome column holds the
//! participant column's name and the contrast column the category.
//! Columns with more than `MAX_CATEGORIES` categories or a category longer
//! than `MAX_CATEGORY_LENGTH` characters (free text, exact ages) are left out: a table of them would be unreadable and closer to
//! identifying people.

use super::Group;
use crate::estimate::{Estimate, Place};
use crate::panel::Panel;

pub const MAX_CATEGORIES: usize = 12;
/// Longer "categories" are free text.
pub const MAX_CATEGORY_LENGTH: usize = 60;

/// The category of a missing value.
pub const MISSING: &str = "missing";

pub fn baseline_characteristics(panel: &Panel, groups: &[Group]) -> Vec<Estimate> {
    let mut rows = Vec::new();
    for (column, values) in &panel.covariates {
        let mut categories: Vec<&str> = values
            .iter()
            .map(|v| v.as_deref().unwrap_or(MISSING))
            .collect();
        categories.sort_unstable();
        categories.dedup();
        // Many categories, or long ones, are free text rather than
        // categories: not tabulated.
        if categories.len() > MAX_CATEGORIES
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
            for category in &categories {
                let count = group
                    .members
                    .iter()
                    .filter(|&&p| values[p].as_deref().unwrap_or(MISSING) == *category)
                    .count();
                let mut with_category = |estimate: &'static str, value: f64, method: &str| {
                    let mut row = place.row(estimate, Some(value), n, method);
                    row.contrast = category.to_string();
                    rows.push(row);
                };
                with_category("n_in_category", count as f64, "count of participants");
                with_category(
                    "pct_in_category",
                    100.0 * count as f64 / n as f64,
                    "percentage of the group's participants",
                );
            }
        }
    }
    rows
}
