//! Disclosure control: the published estimates with small cells suppressed.
//!
//! Every rule follows from the estimate's [`Kind`] and the people it rests
//! on, never from its name, so a statistic added to the vocabulary is
//! controlled without a change here.
//!
//! Primary suppression blanks every estimate whose `n`, or any side it
//! rests on (a level of a contrast, a subset of a difference), has fewer
//! than `min_cell` people (but at least one); every count of people below
//! `min_cell`; and every count or percentage whose complement, or whose
//! implied count, is below it.
//!
//! Secondary suppression then closes the ways a blank can be recovered by
//! subtraction: counts of one place that add up to its `n` (a
//! [`Partition`]: improved / no change / deteriorated), the parts of a
//! place (bands, categories), and the levels of a grouping column, which
//! add up to `all`. In each such set with exactly one blank, the next
//! smallest member is blanked too; for the counts of who changed reliably
//! in the groups the design compares (the arms), the `all` row goes
//! first, since each arm's count is a headline and `all` mixes them. A contrast with a blanked level is
//! blanked, and so is a percentage of a blanked count, an amount per
//! person of one and a test computed from one. All of it repeats
//! until nothing changes. Rows blanked because of a small base or a blanked
//! level lose their `n` as well, since `n` would reveal the level.

use crate::analysis::design::{ARM_COLUMN, ATTENDANCE_COLUMN};
use crate::estimate::{Contrast, Estimate, Kind, Partition, SideOf, Stat, Suppression};
use std::collections::{BTreeMap, BTreeSet};

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

/// Outcome, analysis, group_by, group, wave and contrast.
type PlaceKey = (String, &'static str, String, String, String, String);
/// Outcome, analysis, group_by, group or wave, contrast and statistic.
type FamilyKey = (String, &'static str, String, String, String, Stat);

fn place_key(e: &Estimate) -> PlaceKey {
    (
        e.outcome.clone(),
        e.analysis,
        e.group_by.clone(),
        e.group.clone(),
        e.wave.clone(),
        e.contrast.to_string(),
    )
}

/// A set of rows adding up to a published total, and the reason a member
/// blanked to protect another gets.
#[derive(Debug)]
struct Family {
    members: Vec<usize>,
    reason: Suppression,
    /// The `all` row the levels of a grouping column add up to: one blank
    /// among the levels and it is as open as one among the parts of a
    /// place, but it is blanked only when no level can be, and never
    /// hides its `n`.
    total: Option<usize>,
    /// The levels are the groups the design compares (the arms, or
    /// attenders and non-attenders) and the counts are of who changed
    /// reliably: each group's count is a headline, so the `all` row, which
    /// mixes them, is blanked before a second level is. Elsewhere (reach,
    /// categories, bands) `all` is the headline and a level goes instead.
    compared: bool,
}

/// The estimates as they may be published: [`suppress`] on owned rows.
pub fn publish(mut estimates: Vec<Estimate>, min_cell: usize) -> Vec<Estimate> {
    suppress(&mut estimates, min_cell);
    estimates
}

/// Suppresses small cells in place. `min_cell = 0` turns control off.
pub fn suppress(estimates: &mut [Estimate], min_cell: usize) {
    if min_cell == 0 {
        return;
    }
    for e in estimates.iter_mut() {
        if let Some(reason) = primary(e, min_cell) {
            blank(e, reason);
        }
    }
    let families = families(estimates);
    let mut member_of: Vec<Vec<usize>> = vec![Vec::new(); estimates.len()];
    for (f, family) in families.iter().enumerate() {
        for &i in family.members.iter().chain(&family.total) {
            member_of[i].push(f);
        }
    }
    // One blank may take another with it, which may leave a single blank
    // elsewhere, so repeat until nothing changes.
    loop {
        let mut changed = false;
        for family in &families {
            changed |= secondary_in_family(estimates, family, &families, &member_of);
        }
        for family in families
            .iter()
            .filter(|f| f.reason == Suppression::SecondaryLevel)
        {
            changed |= hidden_n_in_family(estimates, family);
        }
        changed |= contrasts_of_blanked_levels(estimates);
        changed |= percentages_of_blanked_counts(estimates);
        changed |= amounts_of_blanked_counts(estimates);
        changed |= tests_of_blanked_counts(estimates);
        if !changed {
            break;
        }
    }
}

/// Why the row must be blanked on its own, if it must.
fn primary(e: &Estimate, min_cell: usize) -> Option<Suppression> {
    if small(e.n as f64, min_cell) || e.sides.iter().any(|side| small(side.n as f64, min_cell)) {
        return Some(Suppression::SmallBase);
    }
    let value = e.value?;
    let n = e.n as f64;
    match e.estimate.kind() {
        Kind::People { .. } if small(value, min_cell) => Some(Suppression::SmallCount),
        Kind::People { .. } if small(n - value, min_cell) => Some(Suppression::Revealing),
        Kind::Percentage { .. } => {
            let implied = (value * n / 100.0).round();
            (small(implied, min_cell) || small(n - implied, min_cell))
                .then_some(Suppression::Revealing)
        }
        _ => None,
    }
}

/// Sets of rows whose values add up to a published total:
/// - the counts of one place in one [`Partition`];
/// - the parts (bands, categories) of one place;
/// - the levels of a grouping column, which add up to `all`.
fn families(estimates: &[Estimate]) -> Vec<Family> {
    let mut partitions: BTreeMap<(PlaceKey, Partition), Vec<usize>> = BTreeMap::new();
    let mut parts: BTreeMap<FamilyKey, Vec<usize>> = BTreeMap::new();
    let mut levels: BTreeMap<FamilyKey, Vec<usize>> = BTreeMap::new();
    let mut totals: BTreeMap<(String, &'static str, String, String, Stat), usize> = BTreeMap::new();
    for (i, e) in estimates.iter().enumerate() {
        // Only counts of people (and percentages of them, which with the
        // n's published are the counts again) add up across levels; a
        // mean of `all` blanked for another reason must not take a level's
        // mean with it.
        if e.group_by == "all"
            && e.contrast.adds_across_levels()
            && matches!(
                e.estimate.kind(),
                Kind::People { .. } | Kind::Total | Kind::Percentage { .. }
            )
        {
            totals.insert(
                (
                    e.outcome.clone(),
                    e.analysis,
                    e.wave.clone(),
                    e.contrast.to_string(),
                    e.estimate,
                ),
                i,
            );
        }
        let is_people = matches!(e.estimate.kind(), Kind::People { .. });
        if let Kind::People {
            part_of: Some(partition),
            ..
        } = e.estimate.kind()
        {
            partitions
                .entry((place_key(e), partition))
                .or_default()
                .push(i);
        }
        if is_people && e.contrast.is_part() {
            parts
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
        // A contrast between levels does not add up across levels; a
        // band or category does.
        if e.group_by != "all" && e.group != "all" && e.contrast.adds_across_levels() {
            levels
                .entry((
                    e.outcome.clone(),
                    e.analysis,
                    e.group_by.clone(),
                    e.wave.clone(),
                    e.contrast.to_string(),
                    e.estimate,
                ))
                .or_default()
                .push(i);
        }
    }
    let within = |members: Vec<usize>| Family {
        members,
        reason: Suppression::Secondary,
        total: None,
        compared: false,
    };
    partitions
        .into_values()
        .map(within)
        .chain(parts.into_values().map(within))
        .chain(levels.into_iter().map(
            |((outcome, analysis, group_by, wave, contrast, estimate), members)| {
                Family {
                    members,
                    reason: Suppression::SecondaryLevel,
                    total: totals
                        .get(&(outcome, analysis, wave, contrast, estimate))
                        .copied(),
                    compared: is_compared_grouping(&group_by) && counts_reliable_change(estimate),
                }
            },
        ))
        .filter(|family| family.members.len() + usize::from(family.total.is_some()) >= 2)
        .collect()
}

/// Whether a statistic counts who changed reliably.
fn counts_reliable_change(stat: Stat) -> bool {
    matches!(
        stat.kind(),
        Kind::People {
            part_of: Some(Partition::ReliableChange),
            ..
        }
    )
}

/// Whether a grouping column holds the groups the design compares.
fn is_compared_grouping(group_by: &str) -> bool {
    group_by == ARM_COLUMN || group_by == ATTENDANCE_COLUMN
}

/// If exactly one member is blank, blanks another. In the groups a design
/// compares, that is the `all` row while it is open. Otherwise the choice prefers
/// "no change" (the count readers miss least), then a member whose other
/// families already have a blank (so the blank closes gaps rather than
/// opening new ones), then the smallest (by value for
/// counts, else by n). Returns whether anything changed.
fn secondary_in_family(
    estimates: &mut [Estimate],
    family: &Family,
    families: &[Family],
    member_of: &[Vec<usize>],
) -> bool {
    let blanks = |family: &Family, estimates: &[Estimate]| {
        family
            .members
            .iter()
            .chain(&family.total)
            .filter(|&&i| estimates[i].suppressed)
            .count()
    };
    // A percentage of a count the analysis publishes beside it is that
    // count again: the count's family decides, and the percentage follows
    // it ([`percentages_of_blanked_counts`]), so the two never disagree.
    if family.members.first().is_some_and(|&i| {
        matches!(
            estimates[i].estimate.kind(),
            Kind::Percentage { count: Some(_) }
        )
    }) {
        return false;
    }
    let Some(&blanked) = family
        .members
        .iter()
        .chain(&family.total)
        .find(|&&i| estimates[i].suppressed)
        .filter(|_| blanks(family, estimates) == 1)
    else {
        return false;
    };
    // A level blanked for a level whose n is hidden must hide its own n,
    // or `all` minus the published levels gives it back.
    let reason = if estimates[blanked].published_n().is_none() {
        family.reason
    } else {
        Suppression::Secondary
    };
    let opens = |i: usize| {
        member_of[i]
            .iter()
            .filter(|&&f| blanks(&families[f], estimates) == 0)
            .count()
    };
    let size = |e: &Estimate| {
        e.value
            .filter(|_| matches!(e.estimate.kind(), Kind::People { .. } | Kind::Total))
            .unwrap_or(e.n as f64)
    };
    // Evaluators read "improved" and "deteriorated" first; "no change" is
    // the complement that costs them least.
    let kept_for_readers = |e: &Estimate| e.estimate != Stat::NNoChange;
    // A count of everyone in its place follows from the place's `n`:
    // blanking it would protect nothing.
    let pinned = |e: &Estimate| {
        matches!(e.estimate.kind(), Kind::People { .. })
            && e.value == Some(e.n as f64)
            && e.published_n().is_some()
    };
    let next = family
        .members
        .iter()
        .copied()
        .filter(|&i| !estimates[i].suppressed && !pinned(&estimates[i]))
        .min_by(|&a, &b| {
            kept_for_readers(&estimates[a])
                .cmp(&kept_for_readers(&estimates[b]))
                .then(opens(a).cmp(&opens(b)))
                .then(size(&estimates[a]).total_cmp(&size(&estimates[b])))
        });
    let total = family.total.filter(|&i| !estimates[i].suppressed);
    match (next, total) {
        (Some(_), Some(total)) if family.compared => {
            blank(&mut estimates[total], Suppression::Secondary);
            true
        }
        (Some(next), _) => {
            blank(&mut estimates[next], reason);
            true
        }
        (None, Some(total)) => {
            blank(&mut estimates[total], Suppression::Secondary);
            true
        }
        (None, None) => false,
    }
}

/// The `n`s of a grouping column's levels add up to `all`'s too: if
/// exactly one level hides its `n`, another must (an already blanked one
/// if there is one, else the smallest). Returns whether anything changed.
fn hidden_n_in_family(estimates: &mut [Estimate], family: &Family) -> bool {
    let hidden = family
        .members
        .iter()
        .filter(|&&i| estimates[i].published_n().is_none())
        .count();
    if hidden != 1 {
        return false;
    }
    let next = family
        .members
        .iter()
        .copied()
        .filter(|&i| estimates[i].published_n().is_some())
        .min_by_key(|&i| (!estimates[i].suppressed, estimates[i].n));
    match next {
        Some(i) if estimates[i].suppressed => {
            estimates[i].suppression = Some(Suppression::SecondaryLevel);
            true
        }
        Some(i) => {
            blank(&mut estimates[i], Suppression::SecondaryLevel);
            true
        }
        None => false,
    }
}

/// Blanks every contrast one of whose levels is blanked: the difference
/// and the published level would give the blanked level's value. A level
/// is blanked when any of its own estimates other than a count of people
/// or what follows from one (which may be small while the level is not)
/// is.
fn contrasts_of_blanked_levels(estimates: &mut [Estimate]) -> bool {
    let blanked: BTreeSet<(&str, &str, &str)> = estimates
        .iter()
        .filter(|e| {
            e.suppressed
                && e.contrast == Contrast::None
                && !matches!(
                    e.estimate.kind(),
                    Kind::People { .. }
                        | Kind::Percentage { .. }
                        | Kind::TestOfCounts { .. }
                        | Kind::PerCount { .. }
                )
        })
        .map(|e| (e.outcome.as_str(), e.group_by.as_str(), e.group.as_str()))
        .collect();
    let hit: Vec<usize> = estimates
        .iter()
        .enumerate()
        .filter(|(_, e)| {
            !e.suppressed
                && e.sides.iter().any(|side| match &side.of {
                    SideOf::Level(level) => {
                        blanked.contains(&(e.outcome.as_str(), e.group_by.as_str(), level.as_str()))
                    }
                    SideOf::Subset(_) => false,
                })
        })
        .map(|(i, _)| i)
        .collect();
    for &i in &hit {
        blank(&mut estimates[i], Suppression::SideSuppressed);
    }
    !hit.is_empty()
}

/// Blanks the percentage of a blanked count of the same place: it would
/// give the count back.
fn percentages_of_blanked_counts(estimates: &mut [Estimate]) -> bool {
    let reveal: BTreeSet<(PlaceKey, Stat)> = estimates
        .iter()
        .filter(|e| e.suppressed && e.suppression != Some(Suppression::SmallBase))
        .filter_map(|e| match e.estimate.kind() {
            Kind::People {
                percent: Some(percent),
                ..
            } => Some((place_key(e), percent)),
            _ => None,
        })
        .collect();
    if reveal.is_empty() {
        return false;
    }
    let mut changed = false;
    for e in estimates.iter_mut() {
        if !e.suppressed && reveal.contains(&(place_key(e), e.estimate)) {
            blank(e, Suppression::Secondary);
            changed = true;
        }
    }
    changed
}

/// Blanks a test of counts ([`Kind::TestOfCounts`]) of which a count of
/// the same place is blanked: its p would give the count back.
fn tests_of_blanked_counts(estimates: &mut [Estimate]) -> bool {
    let blanked: BTreeSet<(PlaceKey, Stat)> = estimates
        .iter()
        .filter(|e| e.suppressed)
        .map(|e| (place_key(e), e.estimate))
        .collect();
    let mut changed = false;
    for e in estimates.iter_mut() {
        if let Kind::TestOfCounts { counts } = e.estimate.kind() {
            let place = place_key(e);
            if !e.suppressed
                && counts
                    .iter()
                    .any(|count| blanked.contains(&(place.clone(), *count)))
            {
                blank(e, Suppression::Secondary);
                changed = true;
            }
        }
    }
    changed
}

/// Blanks an amount per person of a blanked count ([`Kind::PerCount`]):
/// with the amount known it would give the count back.
fn amounts_of_blanked_counts(estimates: &mut [Estimate]) -> bool {
    type CountKey = (String, String, String, String, Stat);
    let key = |e: &Estimate, stat: Stat| -> CountKey {
        (
            e.outcome.clone(),
            e.group_by.clone(),
            e.group.clone(),
            e.wave.clone(),
            stat,
        )
    };
    let blanked: BTreeSet<CountKey> = estimates
        .iter()
        .filter(|e| e.suppressed && e.contrast == Contrast::None)
        .map(|e| key(e, e.estimate))
        .collect();
    let mut changed = false;
    for e in estimates.iter_mut() {
        if let Kind::PerCount { count } = e.estimate.kind() {
            if !e.suppressed && blanked.contains(&key(e, count)) {
                blank(e, Suppression::Secondary);
                changed = true;
            }
        }
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::estimate::{Place, Side};

    fn at(analysis: &'static str, group: &str, estimate: Stat, value: f64, n: usize) -> Estimate {
        Place {
            outcome: "ucla3",
            analysis,
            group_by: if group == "all" { "all" } else { "site" },
            group,
            wave: "week12",
        }
        .row(estimate, Some(value), n, "test")
    }

    fn row(group: &str, estimate: Stat, value: f64, n: usize) -> Estimate {
        at("reliable_change", group, estimate, value, n)
    }

    #[test]
    fn a_cost_per_person_goes_with_its_count() {
        // 40 of 60 improved, blanked to protect another cell: the cost per
        // improvement (total / 40) would give 40 back.
        let mut count = row("all", Stat::NImproved, 40.0, 60);
        blank(&mut count, Suppression::Secondary);
        let cost = at("costs", "all", Stat::CostPerReliableImprovement, 2100.0, 60)
            .with_sides(vec![Side::subset("improved", 40), Side::subset("not", 20)]);
        let other = at("costs", "all", Stat::CostPerCompleter, 1400.0, 60);
        let mut estimates = vec![count, cost, other];
        assert!(amounts_of_blanked_counts(&mut estimates));
        assert!(estimates[1].suppressed && estimates[1].value.is_none());
        assert!(!estimates[2].suppressed);
        // A small count blanks it on its own.
        let small = at("costs", "all", Stat::CostPerReliableImprovement, 7000.0, 60)
            .with_sides(vec![Side::subset("improved", 6), Side::subset("not", 54)]);
        assert_eq!(primary(&small, 10), Some(Suppression::SmallBase));
    }

    fn blanked(rows: &[Estimate]) -> Vec<(&str, Stat)> {
        rows.iter()
            .filter(|e| e.suppressed)
            .map(|e| (e.group.as_str(), e.estimate))
            .collect()
    }

    #[test]
    fn small_counts_and_their_complements_are_blanked() {
        let mut rows = vec![
            row("all", Stat::NImproved, 3.0, 40),
            row("all", Stat::NNoChange, 30.0, 40),
            row("all", Stat::NDeteriorated, 7.0, 40),
            row("all", Stat::PctImproved, 7.5, 40),
            row("all", Stat::PctNoChange, 75.0, 40),
        ];
        suppress(&mut rows, 10);
        assert_eq!(
            blanked(&rows),
            vec![
                ("all", Stat::NImproved),
                ("all", Stat::NDeteriorated),
                ("all", Stat::PctImproved)
            ]
        );
        assert!(rows
            .iter()
            .filter(|e| e.suppressed)
            .all(|e| e.value.is_none()));
    }

    #[test]
    fn a_percentage_implying_a_small_count_is_blanked() {
        // 5% of 100 is 5 people; 95% of 100 leaves 5 people out.
        let mut rows = vec![
            at("participation", "all", Stat::PctEngaged, 5.0, 100),
            at("change", "all", Stat::PctImproved, 95.0, 100),
            at("caseness", "all", Stat::PctCasesBaseline, 50.0, 100),
        ];
        suppress(&mut rows, 10);
        assert_eq!(
            blanked(&rows),
            vec![("all", Stat::PctEngaged), ("all", Stat::PctImproved)]
        );
        assert_eq!(rows[0].suppression, Some(Suppression::Revealing));
        assert_eq!(rows[0].published_n(), Some(100));
    }

    #[test]
    fn a_count_whose_complement_is_small_is_blanked() {
        // 36 of 40 at baseline were cases: n − count = 4 were not.
        let mut rows = vec![
            at("caseness", "all", Stat::NCasesBaseline, 36.0, 40),
            at("caseness", "all", Stat::PctCasesBaseline, 90.0, 40),
            at("caseness", "all", Stat::NCasesFollowup, 20.0, 40),
        ];
        suppress(&mut rows, 10);
        // Cases after go too: with recovered and new cases published,
        // cases before = cases after + recovered − new cases.
        assert_eq!(
            blanked(&rows),
            vec![
                ("all", Stat::NCasesBaseline),
                ("all", Stat::PctCasesBaseline),
                ("all", Stat::NCasesFollowup)
            ]
        );
        assert_eq!(rows[0].suppression, Some(Suppression::Revealing));
    }

    #[test]
    fn case_counts_and_mcnemar_cannot_give_a_small_count_back() {
        // 3 of 60 recovered and none became cases: cases before − after
        // = 3 − 0 would give the 3 back, and so would McNemar's p = 0.25
        // beside the 0.
        let mut rows = vec![
            at("caseness", "all", Stat::NCasesBaseline, 30.0, 60),
            at("caseness", "all", Stat::NCasesFollowup, 27.0, 60),
            at("caseness", "all", Stat::NRecovered, 3.0, 60),
            at("caseness", "all", Stat::NNewCases, 0.0, 60),
            at("caseness", "all", Stat::McnemarExact, 0.0, 60).with_p(0.25),
        ];
        rows[4].value = None;
        suppress(&mut rows, 10);
        assert!(rows[2].suppressed);
        assert!(rows[4].suppressed && rows[4].p_value.is_none());
        // One more of the identity is blanked, so that it cannot be solved.
        assert!(rows[..2].iter().chain(&rows[3..4]).any(|e| e.suppressed));
    }

    #[test]
    fn a_small_group_takes_the_next_smallest_with_it() {
        let mut rows = vec![
            row("A", Stat::RcThreshold, 2.0, 5),
            row("B", Stat::RcThreshold, 2.0, 12),
            row("C", Stat::RcThreshold, 2.0, 30),
        ];
        suppress(&mut rows, 10);
        let suppressed: Vec<bool> = rows.iter().map(|e| e.suppressed).collect();
        assert_eq!(suppressed, vec![true, true, false]);
        // B's n would give A's as all − B − C.
        assert_eq!(rows[1].published_n(), None);
        assert_eq!(rows[2].published_n(), Some(30));
    }

    fn comparison(level: &str, reference: &str, sides: [usize; 2], n: usize) -> Estimate {
        Place {
            outcome: "ucla3",
            analysis: "comparison",
            group_by: "gender",
            group: level,
            wave: "week12",
        }
        .row(Stat::AncovaDifference, Some(-1.0), n, "test")
        .with_contrast(Contrast::Levels {
            level: level.into(),
            reference: reference.into(),
        })
        .with_sides(vec![
            Side::level(level, sides[0]),
            Side::level(reference, sides[1]),
        ])
    }

    fn level(group: &str, estimate: Stat, value: f64, n: usize) -> Estimate {
        let mut e = at("change", group, estimate, value, n);
        e.group_by = if group == "all" { "all" } else { "gender" }.into();
        e
    }

    #[test]
    fn a_contrast_resting_on_one_person_is_blanked_with_its_n() {
        // 40 women and 1 non-binary participant: the contrast's total is
        // 41, yet one side is one person.
        let mut rows = vec![
            level("all", Stat::MeanChange, -1.0, 41),
            level("female", Stat::MeanChange, -1.0, 40),
            level("non-binary", Stat::MeanChange, -2.0, 1),
            comparison("non-binary", "female", [1, 40], 41),
        ];
        suppress(&mut rows, 10);
        assert_eq!(
            blanked(&rows),
            vec![
                ("female", Stat::MeanChange),
                ("non-binary", Stat::MeanChange),
                ("non-binary", Stat::AncovaDifference)
            ]
        );
        assert_eq!(rows[3].suppression, Some(Suppression::SmallBase));
        assert_eq!(rows[3].published_n(), None);
        // female's n would give the other level as 41 − 40.
        assert_eq!(rows[1].published_n(), None);
        assert_eq!(rows[0].published_n(), Some(41));
    }

    #[test]
    fn a_contrast_with_a_level_blanked_for_another_is_blanked() {
        let mut rows = vec![
            level("all", Stat::MeanChange, -1.0, 71),
            level("female", Stat::MeanChange, -1.0, 40),
            level("male", Stat::MeanChange, -1.5, 30),
            level("non-binary", Stat::MeanChange, -2.0, 1),
            comparison("male", "female", [30, 40], 71),
        ];
        suppress(&mut rows, 10);
        // male is blanked so that non-binary is not all − female − male;
        // male − female would then give male's mean from female's.
        assert_eq!(rows[4].suppression, Some(Suppression::SideSuppressed));
        assert_eq!(rows[4].published_n(), None);
        assert!(!rows[1].suppressed);
    }

    #[test]
    fn a_new_analysis_is_controlled_by_its_kinds_alone() {
        let mut rows = vec![
            at("test_only", "all", Stat::TestOnlyCount, 3.0, 50),
            at("test_only", "all", Stat::TestOnlyCount, 47.0, 50)
                .with_contrast(Contrast::Category("b".into())),
            at("test_only", "all", Stat::TestOnlyDifference, 0.5, 50)
                .with_sides(vec![Side::subset("treated", 4), Side::subset("others", 46)]),
        ];
        rows[0].contrast = Contrast::Category("a".into());
        suppress(&mut rows, 10);
        assert_eq!(rows[0].suppression, Some(Suppression::SmallCount));
        assert!(rows[1].suppressed, "the other category gives 50 − 47");
        assert_eq!(rows[2].suppression, Some(Suppression::SmallBase));
    }

    fn band(group: &str, low: f64, value: f64, n: usize) -> Estimate {
        Place {
            outcome: "ucla3",
            analysis: "distribution",
            group_by: if group == "all" { "all" } else { "arm" },
            group,
            wave: "baseline",
        }
        .row(Stat::NAtScore, Some(value), n, "test")
        .with_contrast(Contrast::Band { low, width: 1.0 })
    }

    #[test]
    fn a_small_band_takes_a_second_band_and_the_other_arm_with_it() {
        let mut rows = vec![
            band("all", 3.0, 30.0, 100),
            band("all", 4.0, 70.0, 100),
            band("a", 3.0, 4.0, 40),
            band("a", 4.0, 36.0, 40),
            band("b", 3.0, 26.0, 60),
            band("b", 4.0, 34.0, 60),
        ];
        suppress(&mut rows, 10);
        let blank: Vec<(&str, String)> = rows
            .iter()
            .filter(|e| e.suppressed)
            .map(|e| (e.group.as_str(), e.contrast.to_string()))
            .collect();
        // a's small band; a's other band (else 40 − 36); b's bands (else
        // all − a); nothing of `all`, whose bands reveal nothing alone.
        assert_eq!(
            blank,
            vec![
                ("a", "3 to <4".into()),
                ("a", "4 to <5".into()),
                ("b", "3 to <4".into()),
                ("b", "4 to <5".into())
            ]
        );
    }

    fn by(group_by: &str, group: &str, estimate: Stat, value: f64, n: usize) -> Estimate {
        let mut e = row(group, estimate, value, n);
        e.group_by = group_by.into();
        e
    }

    #[test]
    fn a_small_arm_blanks_all_rather_than_the_programme_arm() {
        // 5 of the comparison arm improved: blanking the intervention
        // arm's 30 would hide the headline; all's 35 mixes the arms.
        let mut rows = vec![
            by("all", "all", Stat::NImproved, 35.0, 159),
            by("arm", "comparison", Stat::NImproved, 5.0, 45),
            by("arm", "intervention", Stat::NImproved, 30.0, 114),
            by("cohort", "A", Stat::NImproved, 20.0, 80),
            by("cohort", "B", Stat::NImproved, 15.0, 79),
            by("site", "X", Stat::NImproved, 12.0, 60),
            by("site", "Y", Stat::NImproved, 23.0, 99),
        ];
        suppress(&mut rows, 10);
        assert_eq!(
            blanked(&rows),
            vec![
                ("all", Stat::NImproved),
                ("comparison", Stat::NImproved),
                ("B", Stat::NImproved),
                ("X", Stat::NImproved),
            ]
        );
        // all's n is not what is hidden: it stays, as do the arms' n.
        assert_eq!(rows[0].published_n(), Some(159));
        assert!(rows[2].value == Some(30.0));
        // Outside the arms the smaller level goes, as before.
        let mut sites = vec![
            by("all", "all", Stat::NImproved, 35.0, 159),
            by("site", "X", Stat::NImproved, 5.0, 45),
            by("site", "Y", Stat::NImproved, 30.0, 114),
        ];
        suppress(&mut sites, 10);
        assert_eq!(
            blanked(&sites),
            vec![("X", Stat::NImproved), ("Y", Stat::NImproved)]
        );
    }

    #[test]
    fn zero_turns_control_off() {
        let mut rows = vec![row("A", Stat::NImproved, 1.0, 2)];
        suppress(&mut rows, 0);
        assert!(!rows[0].suppressed);
    }
}
