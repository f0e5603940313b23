//! Disclosure control: the published estimates with small cells suppressed.
//!
//! Primary suppression blanks every estimate resting on fewer than
//! `min_cell` people (but at least one), and every count of people below
//! `min_cell` together with the percentage that would reveal it.
//! Secondary suppression then closes the two ways a blank can be recovered
//! by subtraction: categories that add up to a published total
//! (improved / no change / deteriorated; completers / non-completers), the
//! bands of a distribution and the categories of a participant column
//! (which add up to the group's n), and the levels of a grouping column,
//! whose counts add up to `all`. In each such set with exactly one blank,
//! the next smallest member is blanked too, repeated until no set has a
//! single blank.

use crate::estimate::{Estimate, Suppression};
use std::collections::BTreeMap;

/// Counts of people, and the percentage each one implies.
const PEOPLE_COUNTS: [(&str, Option<&str>); 17] = [
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
    ("n_at_score", None),
    ("n_with_change", None),
    ("n_at_baseline_and_followup", None),
    ("n_with_sessions", None),
    ("n_in_category", Some("pct_in_category")),
];

/// Sets of counts that add up to a published total within one place.
const COMPLEMENTS: [&[&str]; 2] = [
    &["n_improved", "n_no_change", "n_deteriorated"],
    &["n_completers", "n_non_completers"],
];

/// Counts per band or category: within one place they add up to the
/// group's n, band by band (the contrast column names the band).
const BANDED: [&str; 5] = [
    "n_at_score",
    "n_with_change",
    "n_at_baseline_and_followup",
    "n_with_sessions",
    "n_in_category",
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
/// Five place columns and the estimate name.
type FamilyKey = (String, &'static str, String, String, String, &'static str);

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
    // Primary: small counts.
    for e in estimates.iter_mut() {
        if PEOPLE_COUNTS.iter().any(|(name, _)| *name == e.estimate)
            && e.value.is_some_and(|v| small(v, min_cell))
        {
            blank(e, Suppression::SmallCount);
        }
    }
    // Secondary: one blank may take another with it, which may leave a
    // single blank elsewhere, so repeat until nothing changes.
    let families = families(estimates);
    let mut member_of: Vec<Vec<usize>> = vec![Vec::new(); estimates.len()];
    for (f, members) in families.iter().enumerate() {
        for &i in members {
            member_of[i].push(f);
        }
    }
    loop {
        let mut changed = false;
        for members in &families {
            changed |= secondary_in_family(estimates, members, &families, &member_of);
        }
        if !changed {
            break;
        }
    }
    // A percentage would reveal its blanked count.
    let mut reveal: Vec<(PlaceKey, &'static str)> = Vec::new();
    for e in estimates.iter() {
        if let Some((_, Some(percent))) = PEOPLE_COUNTS.iter().find(|(n, _)| *n == e.estimate) {
            if e.suppressed && e.suppression != Some(Suppression::SmallBase) {
                reveal.push((place_key(e), percent));
            }
        }
    }
    for e in estimates.iter_mut() {
        if reveal
            .iter()
            .any(|(key, name)| *name == e.estimate && place_key(e) == *key)
        {
            blank(e, Suppression::Secondary);
        }
    }
}

/// Sets of rows whose values add up to a published total:
/// - the categories of one place (improved / no change / deteriorated;
///   completers / non-completers);
/// - the bands or categories of one place;
/// - the levels of a grouping column, which add up to `all`.
fn families(estimates: &[Estimate]) -> Vec<Vec<usize>> {
    let mut within: BTreeMap<(PlaceKey, usize), Vec<usize>> = BTreeMap::new();
    let mut banded: BTreeMap<FamilyKey, Vec<usize>> = BTreeMap::new();
    let mut across: BTreeMap<FamilyKey, Vec<usize>> = BTreeMap::new();
    for (i, e) in estimates.iter().enumerate() {
        if let Some(set) = COMPLEMENTS.iter().position(|set| set.contains(&e.estimate)) {
            within.entry((place_key(e), set)).or_default().push(i);
        }
        let is_banded = BANDED.contains(&e.estimate);
        if is_banded {
            banded
                .entry((
                    e.outcome.clone(),
                    e.analysis,
                    e.group_by.clone(),
                    e.group.clone(),
                    e.wave.clone(),
                    e.estimate,
                ))
                .or_default()
                .push(i);
        }
        // Comparison contrasts do not add up across levels; bands do.
        let additive = e.contrast.is_empty() || is_banded;
        if e.group_by != "all" && e.group != "all" && additive {
            across
                .entry((
                    e.outcome.clone(),
                    e.analysis,
                    e.group_by.clone(),
                    e.wave.clone(),
                    e.contrast.clone(),
                    e.estimate,
                ))
                .or_default()
                .push(i);
        }
    }
    within
        .into_values()
        .chain(banded.into_values())
        .chain(across.into_values())
        .filter(|members| members.len() >= 2)
        .collect()
}

/// If exactly one member is blank, blanks another. The choice prefers a
/// member whose other families already have a blank (so the blank closes
/// gaps rather than opening new ones), then the smallest (by value for
/// counts, else by n). Returns whether anything changed.
fn secondary_in_family(
    estimates: &mut [Estimate],
    members: &[usize],
    families: &[Vec<usize>],
    member_of: &[Vec<usize>],
) -> bool {
    let blanks = |family: &[usize], estimates: &[Estimate]| {
        family.iter().filter(|&&i| estimates[i].suppressed).count()
    };
    if blanks(members, estimates) != 1 {
        return false;
    }
    let opens = |i: usize| {
        member_of[i]
            .iter()
            .filter(|&&f| blanks(&families[f], estimates) == 0)
            .count()
    };
    let size = |e: &Estimate| e.value.filter(|_| is_count(e)).unwrap_or(e.n as f64);
    // Evaluators read "improved" and "deteriorated" first; "no change" is
    // the complement that costs them least.
    let kept_for_readers = |e: &Estimate| e.estimate != "n_no_change";
    let next = members
        .iter()
        .copied()
        .filter(|&i| !estimates[i].suppressed)
        .min_by(|&a, &b| {
            opens(a)
                .cmp(&opens(b))
                .then(kept_for_readers(&estimates[a]).cmp(&kept_for_readers(&estimates[b])))
                .then(size(&estimates[a]).total_cmp(&size(&estimates[b])))
        });
    match next {
        Some(next) => {
            blank(&mut estimates[next], Suppression::Secondary);
            true
        }
        None => false,
    }
}

fn is_count(e: &Estimate) -> bool {
    PEOPLE_COUNTS.iter().any(|(name, _)| *name == e.estimate)
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

    fn band(group: &str, band: &str, value: f64, n: usize) -> Estimate {
        let mut e = Place {
            outcome: "ucla3",
            analysis: "distribution",
            group_by: if group == "all" { "all" } else { "arm" },
            group,
            wave: "baseline",
        }
        .row("n_at_score", Some(value), n, "test");
        e.contrast = band.to_string();
        e
    }

    #[test]
    fn a_small_band_takes_a_second_band_and_the_other_arm_with_it() {
        let mut rows = vec![
            band("all", "3 to <4", 30.0, 100),
            band("all", "4 to <5", 70.0, 100),
            band("a", "3 to <4", 4.0, 40),
            band("a", "4 to <5", 36.0, 40),
            band("b", "3 to <4", 26.0, 60),
            band("b", "4 to <5", 34.0, 60),
        ];
        suppress(&mut rows, 10);
        let blank: Vec<(&str, &str)> = rows
            .iter()
            .filter(|e| e.suppressed)
            .map(|e| (e.group.as_str(), e.contrast.as_str()))
            .collect();
        // a's small band; a's other band (else 40 − 36); b's bands (else
        // all − a); nothing of `all`, whose bands reveal nothing alone.
        assert_eq!(
            blank,
            vec![
                ("a", "3 to <4"),
                ("a", "4 to <5"),
                ("b", "3 to <4"),
                ("b", "4 to <5")
            ]
        );
    }

    #[test]
    fn zero_turns_control_off() {
        let mut rows = vec![row("A", "n_improved", 1.0, 2)];
        suppress(&mut rows, 0);
        assert!(!rows[0].suppressed);
    }
}
