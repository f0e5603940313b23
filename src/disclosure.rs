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
//!
//! Under [`Method::Round`] (`disclosure = "round"`, as official statistics
//! do) the small cells are withheld in the same way, and every other count
//! of people is rounded to the nearest 5, with percentages (and their
//! Wilson intervals) computed from the rounded counts. A rounded count
//! hides a withheld one among its siblings, so a second cell is withheld
//! only where the rounded siblings and the exact totals would still leave
//! the withheld count with fewer than [`ROUND_CANDIDATES`] possible values.
//! Means, tests, costs and `n` stay exact; a count that one of them gives
//! back exactly (a cost per improvement, McNemar's p) counts as exact in
//! that check.

use crate::analysis::design::{ARM_COLUMN, ATTENDANCE_COLUMN};
use crate::estimate::{Contrast, Estimate, Kind, Partition, SideOf, Stat, Suppression};
use crate::stats::clinical_significance::wilson_interval;
use std::collections::{BTreeMap, BTreeSet};

/// How the counts left open are protected (`disclosure` in belong.toml).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// Withhold small cells, and as many others as stop them being worked
    /// out by subtraction; every published count is exact.
    #[default]
    Suppress,
    /// Withhold small cells; round every other count of people to the
    /// nearest [`ROUNDING_BASE`], percentages from the rounded counts.
    Round,
}

impl Method {
    /// Its name in belong.toml and the manifest.
    pub fn name(self) -> &'static str {
        match self {
            Method::Suppress => "suppress",
            Method::Round => "round",
        }
    }
}

/// Counts are rounded to a multiple of this under [`Method::Round`].
pub(crate) const ROUNDING_BASE: i64 = 5;

/// Under [`Method::Round`], a withheld count that the published figures
/// narrow to fewer possible values than this is protected by a second
/// blank, as under [`Method::Suppress`].
pub(crate) const ROUND_CANDIDATES: i64 = 3;

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
    /// The members are counts of people (or percentages that imply one
    /// without a count of their own): under rounding their sum is checked
    /// with intervals rather than by the number of blanks.
    counts: bool,
    /// The case flow: recovered − new cases = cases before − cases after,
    /// rather than a sum.
    flow: bool,
}

/// The estimates as they may be published: [`control`] on owned rows.
pub fn publish(mut estimates: Vec<Estimate>, min_cell: usize, method: Method) -> Vec<Estimate> {
    control(&mut estimates, min_cell, method);
    estimates
}

/// Suppresses small cells in place ([`Method::Suppress`]).
pub fn suppress(estimates: &mut [Estimate], min_cell: usize) {
    control(estimates, min_cell, Method::Suppress);
}

/// Protects small cells in place by `method`. `min_cell = 0` turns
/// control off.
pub fn control(estimates: &mut [Estimate], min_cell: usize, method: Method) {
    if min_cell == 0 {
        return;
    }
    // Blanking erases values; the rounding check needs the true counts.
    let truth: Vec<Option<f64>> = match method {
        Method::Round => estimates.iter().map(|e| e.value).collect(),
        Method::Suppress => Vec::new(),
    };
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
        let exact = match method {
            Method::Round => ExactCounts::of(estimates),
            Method::Suppress => ExactCounts::default(),
        };
        for family in &families {
            if !(method == Method::Round && family.counts) {
                changed |= secondary_in_family(estimates, family, &families, &member_of);
            }
        }
        if method == Method::Round {
            changed |= protect_rounded(estimates, &families, &member_of, min_cell, &exact, &truth);
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
    if method == Method::Round {
        round_counts(estimates);
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
    let counts = |members: &[usize]| {
        members.first().is_some_and(|&i| {
            matches!(
                estimates[i].estimate.kind(),
                Kind::People { .. } | Kind::Percentage { count: None }
            )
        })
    };
    let within = |members: Vec<usize>, flow: bool| Family {
        counts: counts(&members),
        members,
        reason: Suppression::Secondary,
        total: None,
        compared: false,
        flow,
    };
    partitions
        .into_iter()
        .map(|((_, partition), members)| within(members, partition == Partition::CaseFlow))
        .chain(parts.into_values().map(|members| within(members, false)))
        .chain(levels.into_iter().map(
            |((outcome, analysis, group_by, wave, contrast, estimate), members)| {
                Family {
                    counts: counts(&members),
                    members,
                    reason: Suppression::SecondaryLevel,
                    total: totals
                        .get(&(outcome, analysis, wave, contrast, estimate))
                        .copied(),
                    compared: is_compared_grouping(&group_by) && counts_reliable_change(estimate),
                    flow: false,
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

/// How many of a family's rows (members and total) are blank.
fn blanks(family: &Family, estimates: &[Estimate]) -> usize {
    family
        .members
        .iter()
        .chain(&family.total)
        .filter(|&&i| estimates[i].suppressed)
        .count()
}

/// If exactly one member is blank, blanks another ([`blank_another`]).
/// Returns whether anything changed.
fn secondary_in_family(
    estimates: &mut [Estimate],
    family: &Family,
    families: &[Family],
    member_of: &[Vec<usize>],
) -> bool {
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
    blank_another(estimates, family, families, member_of, reason)
}

/// Blanks one more member of `family` to protect a blank in it: in the
/// groups a design compares, the `all` row while it is open. Otherwise the
/// choice prefers "no change" (the count readers miss least), then a
/// member whose other families already have a blank (so the blank closes
/// gaps rather than opening new ones), then the smallest (by value for
/// counts, else by n). Returns whether anything changed.
fn blank_another(
    estimates: &mut [Estimate],
    family: &Family,
    families: &[Family],
    member_of: &[Vec<usize>],
    reason: Suppression,
) -> bool {
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

/// Counts that a published statistic gives back exactly, whatever their
/// own rows show: those of an open test of counts (McNemar's p) and of an
/// open amount per person (a cost per improvement with the total cost).
#[derive(Default)]
struct ExactCounts {
    of_tests: BTreeSet<(PlaceKey, Stat)>,
    of_amounts: BTreeSet<(String, String, String, String, Stat)>,
}

impl ExactCounts {
    fn of(estimates: &[Estimate]) -> ExactCounts {
        let mut exact = ExactCounts::default();
        for e in estimates.iter().filter(|e| !e.suppressed) {
            match e.estimate.kind() {
                Kind::TestOfCounts { counts } => {
                    let place = place_key(e);
                    for count in counts {
                        exact.of_tests.insert((place.clone(), count));
                    }
                }
                Kind::PerCount { count } => {
                    exact.of_amounts.insert((
                        e.outcome.clone(),
                        e.group_by.clone(),
                        e.group.clone(),
                        e.wave.clone(),
                        count,
                    ));
                }
                _ => {}
            }
        }
        exact
    }

    fn contains(&self, e: &Estimate) -> bool {
        self.of_tests.contains(&(place_key(e), e.estimate))
            || (e.contrast == Contrast::None
                && self.of_amounts.contains(&(
                    e.outcome.clone(),
                    e.group_by.clone(),
                    e.group.clone(),
                    e.wave.clone(),
                    e.estimate,
                )))
    }
}

/// The count a row states or implies: its value for a count, the whole
/// number of people a percentage of its `n` is.
fn implied_count(e: &Estimate) -> Option<i64> {
    count_of(e, e.value?)
}

/// The count `value` states or implies as the value of row `e`.
fn count_of(e: &Estimate, value: f64) -> Option<i64> {
    match e.estimate.kind() {
        Kind::People { .. } | Kind::Total => Some(value.round() as i64),
        Kind::Percentage { .. } => Some((value * e.n as f64 / 100.0).round() as i64),
        _ => None,
    }
}

/// `count` as published under rounding: to the nearest [`ROUNDING_BASE`],
/// except none or all of its `n`, which are shown as they are.
fn rounded(count: i64, n: i64) -> i64 {
    if count <= 0 || count >= n {
        count
    } else {
        (count + ROUNDING_BASE / 2).div_euclid(ROUNDING_BASE) * ROUNDING_BASE
    }
}

/// Whole numbers, as closed ranges.
type Ranges = Vec<(i64, i64)>;

/// What a reader knows of a row's count once it is published: exactly, if
/// exact, or the rounding interval, which excludes the small values and
/// complements that would have been withheld.
fn published_range(e: &Estimate, min_cell: i64, exact: &ExactCounts) -> Option<(i64, i64)> {
    let count = implied_count(e)?;
    let n = e.n as i64;
    let shown = rounded(count, n);
    if exact.contains(e) || matches!(e.estimate.kind(), Kind::Total) {
        return Some((count, count));
    }
    if shown <= 0 || shown >= n {
        return Some((shown, shown));
    }
    let half = ROUNDING_BASE / 2;
    Some((
        (shown - half).max(min_cell),
        (shown + half).min(n - min_cell),
    ))
}

/// What a reader may assume of a withheld count from why it could have
/// been withheld: a small count, a small complement, or anything in
/// 0..=n. Under rounding the reasons are the same marker, but the check
/// assumes the reader knows them.
fn withheld_ranges(e: &Estimate, min_cell: i64) -> Ranges {
    let n = e.published_n().map_or(i64::MAX / 4, |n| n as i64);
    let small = (1, min_cell - 1);
    let complement = (n - min_cell + 1, n - 1);
    match e.suppression {
        Some(Suppression::SmallCount) => vec![small],
        Some(Suppression::Revealing) if matches!(e.estimate.kind(), Kind::People { .. }) => {
            vec![complement]
        }
        Some(Suppression::Revealing) => vec![small, complement],
        _ => vec![(0, n)],
    }
}

/// Σ coefficient × count (by row) = constant.
type Identity = (Vec<(i64, usize)>, i64);

/// The identity a family of counts obeys: members add up to their place's
/// `n`, levels to `all`, and the case flow balances. `None` when it ties
/// nothing published.
fn identity(family: &Family, estimates: &[Estimate]) -> Option<Identity> {
    if family.flow {
        let terms = family
            .members
            .iter()
            .map(|&i| match estimates[i].estimate {
                Stat::NRecovered | Stat::NCasesFollowup => (1, i),
                _ => (-1, i),
            })
            .collect();
        return Some((terms, 0));
    }
    let mut terms: Vec<(i64, usize)> = family.members.iter().map(|&i| (1, i)).collect();
    if let Some(total) = family.total {
        terms.push((-1, total));
        return Some((terms, 0));
    }
    if family.reason == Suppression::SecondaryLevel {
        // Levels without a published `all` add up to nothing published.
        return None;
    }
    let n = estimates[*family.members.first()?].published_n()?;
    Some((terms, n as i64))
}

/// Under rounding: what a reader can work out of each withheld count from
/// every identity of counts at once (rounded counts known to their
/// interval, each withheld count to the values its reason allows),
/// narrowing bounds until nothing changes. Where a withheld count is left
/// fewer than [`ROUND_CANDIDATES`] values, one more member of one of its
/// families is blanked ([`blank_another`]). Only identities that hold on
/// the true counts (`truth`) are used, as only those help a reader.
/// Returns whether anything changed.
fn protect_rounded(
    estimates: &mut [Estimate],
    families: &[Family],
    member_of: &[Vec<usize>],
    min_cell: usize,
    exact: &ExactCounts,
    truth: &[Option<f64>],
) -> bool {
    let min_cell = min_cell as i64;
    let true_count = |i: usize| count_of(&estimates[i], truth[i]?);
    // Each with the family it comes from.
    let identities: Vec<(usize, Identity)> = families
        .iter()
        .enumerate()
        .filter(|(_, family)| family.counts)
        .filter_map(|(f, family)| {
            let (terms, constant) = identity(family, estimates)?;
            let sum: Option<i64> = terms
                .iter()
                .map(|&(c, i)| true_count(i).map(|v| c * v))
                .sum();
            (sum == Some(constant)).then_some((f, (terms, constant)))
        })
        .collect();
    if identities.is_empty() {
        return false;
    }
    let mut bounds: BTreeMap<usize, (i64, i64)> = BTreeMap::new();
    for (_, (terms, _)) in &identities {
        for &(_, i) in terms {
            bounds.entry(i).or_insert_with(|| {
                let e = &estimates[i];
                if e.suppressed {
                    let ranges = withheld_ranges(e, min_cell);
                    let low = ranges.iter().map(|r| r.0).min().unwrap_or(0);
                    let high = ranges.iter().map(|r| r.1).max().unwrap_or(0);
                    (low, high)
                } else {
                    published_range(e, min_cell, exact).unwrap_or((0, i64::MAX / 4))
                }
            });
        }
    }
    // Bound propagation: each term of Σ c·x = constant lies within the
    // constant less the others' bounds. Bounds only narrow, so this ends.
    for _ in 0..1000 {
        let mut changed = false;
        for (_, (terms, constant)) in &identities {
            for (t, &(sign, i)) in terms.iter().enumerate() {
                let (mut low, mut high) = (*constant, *constant);
                for (u, &(other_sign, j)) in terms.iter().enumerate() {
                    if u != t {
                        let (a, b) = (other_sign * bounds[&j].0, other_sign * bounds[&j].1);
                        low -= a.max(b);
                        high -= a.min(b);
                    }
                }
                let (low, high) = if sign > 0 { (low, high) } else { (-high, -low) };
                let bound = bounds.get_mut(&i).expect("every term has bounds");
                if low > bound.0 {
                    bound.0 = low;
                    changed = true;
                }
                if high < bound.1 {
                    bound.1 = high;
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    let open_to_reader = |i: usize, estimates: &[Estimate]| {
        let (low, high) = bounds[&i];
        let candidates: i64 = withheld_ranges(&estimates[i], min_cell)
            .iter()
            .map(|&(a, b)| (b.min(high) - a.max(low) + 1).max(0))
            .sum();
        candidates < ROUND_CANDIDATES
    };
    for (f, (terms, _)) in &identities {
        for &(_, i) in terms {
            if !estimates[i].suppressed || !open_to_reader(i, estimates) {
                continue;
            }
            let reason = if estimates[i].published_n().is_none() {
                families[*f].reason
            } else {
                Suppression::Secondary
            };
            // This family first, then the others the count is in.
            let mut candidates = vec![*f];
            candidates.extend(member_of[i].iter().copied().filter(|g| g != f));
            for g in candidates {
                if families[g].counts
                    && blank_another(estimates, &families[g], families, member_of, reason)
                {
                    return true;
                }
            }
        }
    }
    false
}

/// Under rounding, after the blanks: every open count of people to the
/// nearest [`ROUNDING_BASE`], and every percentage (with its Wilson
/// interval, where it has one) computed from its rounded count.
fn round_counts(estimates: &mut [Estimate]) {
    for e in estimates.iter_mut().filter(|e| !e.suppressed) {
        let (Some(count), Some(n)) = (implied_count(e), e.published_n()) else {
            continue;
        };
        let shown = rounded(count, n as i64);
        match e.estimate.kind() {
            Kind::People { .. } => e.value = Some(shown as f64),
            Kind::Percentage { .. } if n > 0 => {
                e.value = Some(100.0 * shown as f64 / n as f64);
                if e.ci_low.is_some() || e.ci_high.is_some() {
                    let interval = wilson_interval(shown.max(0) as usize, n);
                    e.ci_low = interval.map(|(low, _)| 100.0 * low);
                    e.ci_high = interval.map(|(_, high)| 100.0 * high);
                }
                e.se = None;
            }
            _ => {}
        }
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

    fn category(group: &str, name: &str, value: f64, n: usize) -> Estimate {
        Place {
            outcome: "",
            analysis: "baseline_characteristics",
            group_by: if group == "all" { "all" } else { "arm" },
            group,
            wave: "baseline",
        }
        .row(Stat::NInCategory, Some(value), n, "test")
        .with_contrast(Contrast::Category(format!("gender={name}")))
    }

    fn shown(rows: &[Estimate]) -> Vec<Option<f64>> {
        rows.iter().map(|e| e.value).collect()
    }

    #[test]
    fn rounding_shows_the_sibling_suppression_would_withhold() {
        // #19: an arm of 69 with 44 women, 20 men and 5 non-binary people.
        // Suppression must withhold the men too (else 69 − 44 − 20 = 5);
        // rounded, 69 − 45 − 20 leaves the 5 anywhere in 1..=9.
        let arm = || {
            vec![
                category("a", "female", 44.0, 69),
                category("a", "male", 20.0, 69),
                category("a", "non-binary", 5.0, 69),
            ]
        };
        let mut suppressed = arm();
        control(&mut suppressed, 10, Method::Suppress);
        assert_eq!(shown(&suppressed), vec![Some(44.0), None, None]);
        let mut rounded = arm();
        control(&mut rounded, 10, Method::Round);
        assert_eq!(shown(&rounded), vec![Some(45.0), Some(20.0), None]);
        assert_eq!(rounded[2].suppression, Some(Suppression::SmallCount));
    }

    #[test]
    fn rounding_that_would_still_give_a_count_away_is_not_trusted() {
        // 22 shown as 20 (at most 22) and 12 as 10 (at most 12) of 43:
        // the withheld count is at least 43 − 34 = 9, and at most 9 as a
        // small count. A second cell goes.
        let mut rows = vec![
            category("a", "female", 22.0, 43),
            category("a", "male", 12.0, 43),
            category("a", "non-binary", 9.0, 43),
        ];
        control(&mut rows, 10, Method::Round);
        assert_eq!(shown(&rows), vec![Some(20.0), None, None]);
        // 10 shown as 10 is at most 12 and leaves 7, 8 or 9: enough.
        let mut rows = vec![
            category("a", "female", 22.0, 41),
            category("a", "male", 10.0, 41),
            category("a", "non-binary", 9.0, 41),
        ];
        control(&mut rows, 10, Method::Round);
        assert_eq!(shown(&rows), vec![Some(20.0), Some(10.0), None]);
    }

    #[test]
    fn rounded_percentages_follow_their_rounded_counts() {
        let mut rows = vec![
            row("all", Stat::NImproved, 37.0, 114),
            row("all", Stat::PctImproved, 100.0 * 37.0 / 114.0, 114),
            row("all", Stat::NNoChange, 70.0, 114),
            row("all", Stat::PctNoChange, 100.0 * 70.0 / 114.0, 114),
            row("all", Stat::NDeteriorated, 7.0, 114),
            at(
                "participation",
                "all",
                Stat::PctEngaged,
                100.0 * 58.0 / 114.0,
                114,
            ),
        ];
        rows[1] = rows[1].clone().with_ci(Some((0.0, 1.0)));
        control(&mut rows, 10, Method::Round);
        assert_eq!(rows[0].value, Some(35.0));
        assert_eq!(rows[1].value, Some(100.0 * 35.0 / 114.0));
        let (low, high) = wilson_interval(35, 114).unwrap();
        assert_eq!(
            (rows[1].ci_low, rows[1].ci_high),
            (Some(100.0 * low), Some(100.0 * high))
        );
        assert_eq!(rows[2].value, Some(70.0));
        assert!(rows[4].suppressed);
        assert_eq!(rows[5].value, Some(100.0 * 60.0 / 114.0));
        // n stays exact.
        assert!(rows.iter().all(|e| e.n == 114));
    }

    #[test]
    fn a_count_a_cost_gives_back_exactly_is_not_taken_as_rounded() {
        // 38 improved and 71 with no change of 118: rounded to 40 and 70,
        // the 9 deteriorated could be 4 to 9. A cost per improvement gives
        // the 38 back, and then 118 − 38 − 71 (at most 72) leaves 8 or 9.
        let reliable = || {
            vec![
                row("all", Stat::NImproved, 38.0, 118),
                row("all", Stat::NNoChange, 71.0, 118),
                row("all", Stat::NDeteriorated, 9.0, 118),
            ]
        };
        let mut rows = reliable();
        control(&mut rows, 10, Method::Round);
        assert_eq!(shown(&rows), vec![Some(40.0), Some(70.0), None]);
        let mut rows = reliable();
        rows.push(
            at("costs", "all", Stat::CostPerReliableImprovement, 500.0, 118)
                .with_sides(vec![Side::subset("improved", 38), Side::subset("not", 80)]),
        );
        control(&mut rows, 10, Method::Round);
        assert_eq!(shown(&rows)[..3], [Some(40.0), None, None]);
        assert!(!rows[3].suppressed);
    }

    #[test]
    fn zero_turns_control_off() {
        let mut rows = vec![row("A", Stat::NImproved, 1.0, 2)];
        suppress(&mut rows, 0);
        assert!(!rows[0].suppressed);
    }
}
