//! Disclosure control: the published estimates with small cells suppressed.
//!
//! Primary suppression blanks every estimate resting on fewer than
//! `min_cell` people (but at least one), and every count of people below
//! `min_cell` together with the percentage that would reveal it.
//! Secondary suppression then closes the two ways a blank can be recovered
//! by subtraction: categories that add up to a published total
//! (improved / no change / deteriorated; completers / non-completers), and
//! the levels of a grouping column, whose counts add up to `all`. In each
//! such set with exactly one blank, the next smallest member is blanked too.

use crate::estimate::{Estimate, Suppression};
use std::collections::BTreeMap;

/// Counts of people, and the percentage each one implies.
const PEOPLE_COUNTS: [(&str, Option<&str>); 12] = [
    ("n_improved", Some("pct_improved")),
    ("n_no_change", Some("pct_no_change")),
    ("n_deteriorated", Some("pct_deteriorated")),
    ("n_cases_baseline", Some("pct_cases_baseline")),
    ("n_cases_followup", Some("pct_cases_followup")),
    ("n_recovered", None),
    ("n_new_cases", None),
    ("n_completers", Some("pct_completed")),
    ("n_non_completers", None),
    ("n_pairs", None),
    ("n_participants", None),
    ("activity_participants", Some("activity_sessions")),
];

/// Sets of counts that add up to a published total within one place.
const COMPLEMENTS: [&[&str]; 2] = [
    &["n_improved", "n_no_change", "n_deteriorated"],
    &["n_completers", "n_non_completers"],
];

fn blank(e: &mut Estimate, reason: Suppression) {
    if !e.suppressed {
        e.suppression = Some(reason);
    }
    e.value = None;
    e.ci_low = None;
    e.ci_high = None;
    e.se = None;
    e.df = None;
    e.p_value = None;
    e.p_adjusted = None;
    e.suppressed = true;
}

fn small(count: f64, min_cell: usize) -> bool {
    count > 0.0 && count < min_cell as f64
}

type PlaceKey = (String, &'static str, String, String, String, String);

fn place_key(e: &Estimate) -> PlaceKey {
    (
        e.outcome.clone(),
        e.analysis,
        e.group_by.clone(),
        e.group.clone(),
        e.wave.clone(),
        e.contrast.clone(),
    )
}

/// Suppresses small cells in place. `min_cell = 0` turns control off.
pub fn suppress(estimates: &mut [Estimate], min_cell: usize) {
    if min_cell == 0 {
        return;
    }
    // Primary: small bases.
    for e in estimates.iter_mut() {
        if e.n > 0 && e.n < min_cell {
            blank(e, Suppression::SmallBase);
        }
    }
    // Primary: small counts, and the percentages that reveal them.
    let mut reveal: Vec<(PlaceKey, &'static str)> = Vec::new();
    for e in estimates.iter_mut() {
        if let Some((_, percent)) = PEOPLE_COUNTS.iter().find(|(name, _)| *name == e.estimate) {
            if e.value.is_some_and(|v| small(v, min_cell)) {
                blank(e, Suppression::SmallCount);
                if let Some(percent) = percent {
                    reveal.push((place_key(e), percent));
                }
            }
        }
    }
    secondary_within_places(estimates, &mut reveal);
    secondary_across_groups(estimates);
    for e in estimates.iter_mut() {
        if reveal
            .iter()
            .any(|(key, name)| *name == e.estimate && place_key(e) == *key)
        {
            blank(e, Suppression::Secondary);
        }
    }
}

/// Within one place, a set of counts adding to a total may not have exactly
/// one blank.
fn secondary_within_places(estimates: &mut [Estimate], reveal: &mut Vec<(PlaceKey, &'static str)>) {
    for set in COMPLEMENTS {
        let mut by_place: BTreeMap<PlaceKey, Vec<usize>> = BTreeMap::new();
        for (i, e) in estimates.iter().enumerate() {
            if set.contains(&e.estimate) {
                by_place.entry(place_key(e)).or_default().push(i);
            }
        }
        for (key, members) in by_place {
            let blanks = members.iter().filter(|&&i| estimates[i].suppressed).count();
            if blanks != 1 {
                continue;
            }
            if let Some(&next) = members
                .iter()
                .filter(|&&i| !estimates[i].suppressed)
                .min_by(|&&a, &&b| {
                    estimates[a]
                        .value
                        .partial_cmp(&estimates[b].value)
                        .unwrap_or(std::cmp::Ordering::Equal)
                })
            {
                blank(&mut estimates[next], Suppression::Secondary);
                if let Some((_, Some(percent))) = PEOPLE_COUNTS
                    .iter()
                    .find(|(n, _)| *n == estimates[next].estimate)
                {
                    reveal.push((key.clone(), percent));
                }
            }
        }
    }
}

/// The levels of a grouping column add up to `all`: if exactly one level's
/// estimate is blank, blank the next smallest level's too.
fn secondary_across_groups(estimates: &mut [Estimate]) {
    let mut families: BTreeMap<(String, &'static str, String, String, &'static str), Vec<usize>> =
        BTreeMap::new();
    for (i, e) in estimates.iter().enumerate() {
        if e.group_by != "all" && e.contrast.is_empty() && e.group != "all" {
            families
                .entry((
                    e.outcome.clone(),
                    e.analysis,
                    e.group_by.clone(),
                    e.wave.clone(),
                    e.estimate,
                ))
                .or_default()
                .push(i);
        }
    }
    for members in families.into_values() {
        let blanks = members.iter().filter(|&&i| estimates[i].suppressed).count();
        if blanks != 1 || members.len() < 2 {
            continue;
        }
        if let Some(&next) = members
            .iter()
            .filter(|&&i| !estimates[i].suppressed)
            .min_by_key(|&&i| estimates[i].n)
        {
            blank(&mut estimates[next], Suppression::Secondary);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::estimate::Place;

    fn row(group: &str, estimate: &'static str, value: f64, n: usize) -> Estimate {
        Place {
            outcome: "ucla3",
            analysis: "reliable_change",
            group_by: if group == "all" { "all" } else { "site" },
            group,
            wave: "week12",
        }
        .row(estimate, Some(value), n, "test")
    }

    #[test]
    fn small_counts_and_their_complements_are_blanked() {
        let mut rows = vec![
            row("all", "n_improved", 3.0, 40),
            row("all", "n_no_change", 30.0, 40),
            row("all", "n_deteriorated", 7.0, 40),
            row("all", "pct_improved", 7.5, 40),
            row("all", "pct_no_change", 75.0, 40),
        ];
        suppress(&mut rows, 10);
        let suppressed: Vec<&str> = rows
            .iter()
            .filter(|e| e.suppressed)
            .map(|e| e.estimate)
            .collect();
        assert_eq!(
            suppressed,
            vec!["n_improved", "n_deteriorated", "pct_improved"]
        );
        assert!(rows
            .iter()
            .filter(|e| e.suppressed)
            .all(|e| e.value.is_none()));
    }

    #[test]
    fn a_small_group_takes_the_next_smallest_with_it() {
        let mut rows = vec![
            row("A", "rc_threshold", 2.0, 5),
            row("B", "rc_threshold", 2.0, 12),
            row("C", "rc_threshold", 2.0, 30),
        ];
        suppress(&mut rows, 10);
        let suppressed: Vec<bool> = rows.iter().map(|e| e.suppressed).collect();
        assert_eq!(suppressed, vec![true, true, false]);
    }

    #[test]
    fn zero_turns_control_off() {
        let mut rows = vec![row("A", "n_improved", 1.0, 2)];
        suppress(&mut rows, 0);
        assert!(!rows[0].suppressed);
    }
}
