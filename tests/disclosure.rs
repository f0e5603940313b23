//! Disclosure control, end to end: on published reports, no estimate rests
//! on fewer people than the minimum cell, no small count is shown, and no
//! suppressed count can be recovered by subtracting published ones from a
//! published total.

mod common;

use belong::estimate::{Kind, Stat};
use common::{fixture, read_csv, report_of};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

type Row = HashMap<String, String>;

const MIN_CELL: f64 = 10.0;

fn published_estimates(data: &Path) -> (tempfile::TempDir, Vec<Row>) {
    let (temp, out) = report_of(data);
    let rows = read_csv(&out.join("estimates.csv"));
    (temp, rows)
}

fn datasets() -> Vec<PathBuf> {
    vec![
        Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample"),
        fixture("tiny-ucla3"),
        fixture("small-ucla3"),
        fixture("ucla20-arms"),
        fixture("djg11-three-waves"),
        fixture("cs-wellbeing"),
        fixture("cs-loneliness"),
        fixture("ps-arm"),
        fixture("ps-attendance"),
        fixture("ps-separation"),
        fixture("numeric-age"),
        fixture("cluster-arms"),
        fixture("cluster-waves"),
        fixture("cluster-ps"),
    ]
}

/// The kind of a row's statistic, from belong's own vocabulary (the
/// rules below follow the kinds, not a list of names).
fn kind(row: &Row) -> Kind {
    Stat::from_name(&row["estimate"])
        .unwrap_or_else(|| panic!("estimate outside the vocabulary: {row:?}"))
        .kind()
}

fn is_people_count(row: &Row) -> bool {
    matches!(kind(row), Kind::People { .. })
}

fn small(count: f64) -> bool {
    count > 0.0 && count < MIN_CELL
}

fn is_blank(row: &Row) -> bool {
    row["suppressed"] == "true"
}

/// In a set of cells adding up to a published total, a single blank cell is
/// the total minus the others.
fn assert_not_recoverable<'a>(sets: impl IntoIterator<Item = (String, Vec<&'a Row>)>, data: &Path) {
    for (key, members) in sets {
        if members.len() < 2 {
            continue;
        }
        let blanks = members.iter().filter(|r| is_blank(r)).count();
        assert_ne!(
            blanks,
            1,
            "{}: {key}: one suppressed cell is the total minus the others",
            data.display()
        );
    }
}

fn key(row: &Row, columns: &[&str]) -> String {
    columns
        .iter()
        .map(|c| row[*c].as_str())
        .collect::<Vec<_>>()
        .join(" | ")
}

#[test]
fn published_reports_pass_disclosure_checks() {
    for data in datasets() {
        let (_temp, rows) = published_estimates(&data);
        for row in &rows {
            // Nothing rests on fewer than the minimum cell.
            match row["n"].parse::<f64>() {
                Ok(n) if n > 0.0 && n < MIN_CELL => {
                    panic!("{}: n = {n} published: {row:?}", data.display())
                }
                Ok(_) => {}
                Err(_) => assert!(is_blank(row), "blank n on a published row: {row:?}"),
            }
            // No small count of people is shown, nor one whose complement
            // (n − count) is small, nor a percentage implying either.
            if let (Ok(value), Ok(n)) = (row["value"].parse::<f64>(), row["n"].parse::<f64>()) {
                let count = match kind(row) {
                    Kind::People { .. } => Some(value),
                    Kind::Percentage { .. } => Some((value * n / 100.0).round()),
                    _ => None,
                };
                if let Some(count) = count {
                    assert!(
                        !small(count) && !small(n - count),
                        "{}: a small count or complement is shown: {row:?}",
                        data.display()
                    );
                }
            }
        }
        // Within a place: the counts of one partition add to the place's n.
        let place = [
            "outcome", "analysis", "group_by", "group", "wave", "contrast",
        ];
        let mut partitions: BTreeMap<String, Vec<&Row>> = BTreeMap::new();
        for row in &rows {
            if let Kind::People {
                part_of: Some(partition),
                ..
            } = kind(row)
            {
                let family = format!("{} | {partition:?}", key(row, &place));
                partitions.entry(family).or_default().push(row);
            }
        }
        assert_not_recoverable(partitions, &data);
        // Bands and categories adding to the group's n: counts outside a
        // partition whose contrast names the part (a partition's contrast
        // names the method that classified the same people).
        let mut banded: BTreeMap<String, Vec<&Row>> = BTreeMap::new();
        for row in rows.iter().filter(|r| {
            matches!(kind(r), Kind::People { part_of: None, .. }) && !r["contrast"].is_empty()
        }) {
            let family = [
                "outcome", "analysis", "group_by", "group", "wave", "estimate",
            ];
            banded.entry(key(row, &family)).or_default().push(row);
        }
        assert_not_recoverable(banded, &data);
        // Levels of a grouping column adding to the `all` count: a blank
        // level beside a published `all` and no other blank level is
        // `all` minus the others, and a blank `all` is the sum of levels.
        let mut across: BTreeMap<String, Vec<&Row>> = BTreeMap::new();
        let total = ["outcome", "analysis", "wave", "contrast", "estimate"];
        let totals: HashMap<String, &Row> = rows
            .iter()
            .filter(|r| is_people_count(r) && r["group_by"] == "all")
            .map(|r| (key(r, &total), r))
            .collect();
        for row in rows
            .iter()
            .filter(|r| is_people_count(r) && r["group_by"] != "all")
        {
            let family = [
                "outcome", "analysis", "group_by", "wave", "contrast", "estimate",
            ];
            let members = across.entry(key(row, &family)).or_default();
            if members.is_empty() {
                members.extend(totals.get(&key(row, &total)).copied());
            }
            members.push(row);
        }
        assert_not_recoverable(across, &data);
        // A blanked count's percentage is blank too.
        for row in rows.iter().filter(|r| is_blank(r)) {
            let Kind::People {
                percent: Some(percent),
                ..
            } = kind(row)
            else {
                continue;
            };
            let place_key = key(row, &place);
            for other in rows
                .iter()
                .filter(|r| r["estimate"] == percent.name() && key(r, &place) == place_key)
            {
                assert!(is_blank(other), "{}: {other:?}", data.display());
            }
        }
    }
}

/// A site of 40 women and one non-binary participant, all with both scores.
fn one_person_level(dir: &Path) {
    let mut participants = String::from("participant_id,site,gender\n");
    let mut assessments = String::from("participant_id,wave,ucla3_1,ucla3_2,ucla3_3\n");
    for i in 0..41 {
        let gender = if i == 40 { "non-binary" } else { "female" };
        participants.push_str(&format!("P{i:03},Eastfield,{gender}\n"));
        let before = [1 + i % 3, 1 + (i / 3) % 3, 1 + (i / 9) % 3];
        let after = [1 + (i + 1) % 3, 1 + (i / 2) % 3, 1 + (i / 5) % 3];
        for (wave, items) in [("baseline", before), ("week12", after)] {
            assessments.push_str(&format!(
                "P{i:03},{wave},{},{},{}\n",
                items[0], items[1], items[2]
            ));
        }
    }
    std::fs::write(dir.join("participants.csv"), participants).unwrap();
    std::fs::write(dir.join("assessments.csv"), assessments).unwrap();
    std::fs::write(dir.join("belong.toml"), "group_by = [\"gender\"]\n").unwrap();
}

#[test]
fn a_comparison_resting_on_one_person_is_not_published() {
    let temp = tempfile::tempdir().unwrap();
    let data = temp.path().join("data");
    std::fs::create_dir(&data).unwrap();
    one_person_level(&data);
    let (_out, rows) = published_estimates(&data);
    let comparisons: Vec<&Row> = rows
        .iter()
        .filter(|r| r["analysis"] == "comparison")
        .collect();
    assert!(!comparisons.is_empty(), "the comparison is computed");
    for row in comparisons {
        assert!(is_blank(row), "published: {row:?}");
        assert_eq!(row["n"], "", "its n gives the level's size: {row:?}");
    }
    // (The reliable-change threshold is the whole sample's, repeated.)
    for row in rows
        .iter()
        .filter(|r| r["group"] == "non-binary" && r["estimate"] != "rc_threshold")
    {
        assert!(is_blank(row) && row["n"].is_empty(), "{row:?}");
    }
    // female's n would give the other level as all − female.
    let all_n: Vec<&str> = rows
        .iter()
        .filter(|r| r["group"] == "female" && !r["n"].is_empty() && r["estimate"] != "rc_threshold")
        .map(|r| r["n"].as_str())
        .collect();
    assert!(all_n.is_empty(), "female n published: {all_n:?}");
}

/// The adversary of #20: it knows every published value, `n`, percentage
/// and p, and every identity the tables obey. The unknowns are the
/// withheld counts of people, each a whole number in [0, its n]. It
/// narrows their bounds through the identities until nothing changes, and
/// solves McNemar's p for a withheld count beside a published one. An
/// identity is used only if it holds on the true values, so a wrong guess
/// about the tables (levels that do not add up to `all` because some
/// people have no value) cannot raise a false alarm.
mod adversary {
    use belong::estimate::{Contrast, Estimate, Kind, Partition, Stat};
    use std::collections::BTreeMap;

    /// Σ coefficient × variable = constant.
    struct Identity {
        terms: Vec<(i64, String)>,
        constant: i64,
    }

    struct Unknown {
        low: i64,
        high: i64,
        truth: i64,
        /// Withheld, rather than published to an interval or exactly.
        withheld: bool,
    }

    fn key(e: &Estimate) -> String {
        format!(
            "{}|{}|{}|{}|{}|{}|{}",
            e.outcome, e.analysis, e.group_by, e.group, e.wave, e.contrast, e.estimate
        )
    }

    fn counts(e: &Estimate) -> bool {
        matches!(e.estimate.kind(), Kind::People { .. } | Kind::Total)
    }

    /// Every withheld count the adversary pins down exactly: (row, value).
    /// With `rounded`, published counts of people are known only to the
    /// rounding interval (nearest 5, never a small count or complement,
    /// none or all exactly) and percentages to that of their counts.
    pub fn recovered(
        truth: &[Estimate],
        published: &[Estimate],
        rounded: bool,
    ) -> Vec<(String, i64)> {
        const UNBOUNDED: i64 = 1 << 40;
        let min_cell = super::MIN_CELL as i64;
        let interval = |shown: i64, n: i64, people: bool| {
            if rounded && people && shown != 0 && shown != n {
                ((shown - 2).max(min_cell), (shown + 2).min(n - min_cell))
            } else {
                (shown, shown)
            }
        };
        // Every count, published (exactly or to an interval) or withheld.
        let mut unknown: BTreeMap<String, Unknown> = BTreeMap::new();
        for (t, p) in truth.iter().zip(published) {
            if !counts(t) {
                continue;
            }
            let Some(true_value) = t.value else { continue };
            let true_value = true_value.round() as i64;
            let people = matches!(p.estimate.kind(), Kind::People { .. });
            let (low, high, withheld) = match p.value {
                Some(v) => {
                    let (low, high) = interval(v.round() as i64, p.n as i64, people);
                    (low, high, false)
                }
                None => (0, p.published_n().map_or(UNBOUNDED, |n| n as i64), true),
            };
            unknown.insert(
                key(p),
                Unknown {
                    low,
                    high,
                    truth: true_value,
                    withheld,
                },
            );
        }
        // A published percentage states its count again.
        for p in published {
            if let (Kind::Percentage { count: Some(count) }, Some(v), Some(n)) =
                (p.estimate.kind(), p.value, p.published_n())
            {
                let mut row = p.clone();
                row.estimate = count;
                if let Some(u) = unknown.get_mut(&key(&row)) {
                    let implied = (v * n as f64 / 100.0).round() as i64;
                    let (low, high) = interval(implied, n as i64, true);
                    u.low = u.low.max(low);
                    u.high = u.high.min(high);
                }
            }
        }
        let identities = identities(truth, published);
        // Only identities true of the real numbers.
        let identities: Vec<Identity> = identities
            .into_iter()
            .filter(|identity| {
                let mut sum = 0;
                for (c, name) in &identity.terms {
                    match unknown.get(name) {
                        Some(u) => sum += c * u.truth,
                        None => return false,
                    }
                }
                sum == identity.constant
            })
            .collect();
        for _ in 0..100 {
            let mut changed = false;
            for identity in &identities {
                // Σ c·x = constant: each term's bounds follow from the
                // others'.
                for (i, (c, name)) in identity.terms.iter().enumerate() {
                    let (mut low_rest, mut high_rest) = (identity.constant, identity.constant);
                    for (j, (d, other)) in identity.terms.iter().enumerate() {
                        if i == j {
                            continue;
                        }
                        let u = &unknown[other];
                        let (a, b) = (d * u.low, d * u.high);
                        low_rest -= a.max(b);
                        high_rest -= a.min(b);
                    }
                    // c·x ∈ [low_rest, high_rest], c = ±1.
                    let (low, high) = if *c > 0 {
                        (low_rest, high_rest)
                    } else {
                        (-high_rest, -low_rest)
                    };
                    let u = unknown.get_mut(name).unwrap();
                    if low > u.low {
                        u.low = low;
                        changed = true;
                    }
                    if high < u.high {
                        u.high = high;
                        changed = true;
                    }
                }
            }
            changed |= mcnemar(published, &mut unknown);
            if !changed {
                break;
            }
        }
        for (name, u) in &unknown {
            assert!(
                u.low <= u.truth && u.truth <= u.high,
                "the adversary's reasoning is wrong: {name} is {} but bounded to {}..={}",
                u.truth,
                u.low,
                u.high
            );
        }
        unknown
            .into_iter()
            .filter(|(_, u)| u.withheld && u.low == u.high)
            .map(|(name, u)| (name, u.low))
            .collect()
    }

    /// McNemar's p narrows its two discordant counts to the pairs of
    /// values in their bounds that give the published p (when one of them
    /// is known to a few values).
    fn mcnemar(published: &[Estimate], unknown: &mut BTreeMap<String, Unknown>) -> bool {
        let mut changed = false;
        for p in published
            .iter()
            .filter(|p| p.estimate == Stat::McnemarExact)
        {
            let Some(p_value) = p.p_value else { continue };
            let of = |stat: Stat| {
                let mut row = p.clone();
                row.estimate = stat;
                key(&row)
            };
            let (recovered, new) = (of(Stat::NRecovered), of(Stat::NNewCases));
            for (this, other) in [(&recovered, &new), (&new, &recovered)] {
                let (Some(o), Some(u)) = (unknown.get(other), unknown.get(this)) else {
                    continue;
                };
                if o.high - o.low > 20 {
                    continue;
                }
                let others = o.low..=o.high;
                let fits: Vec<i64> = (u.low..=u.high.min(u.low + 100_000))
                    .filter(|&x| {
                        others.clone().any(|y| {
                            let p = binomial_half(x.min(y) as u64, (x + y) as u64);
                            (p - p_value).abs() <= 1e-9 * p_value.max(1e-300)
                        })
                    })
                    .collect();
                let u = unknown.get_mut(this).unwrap();
                if let (Some(&low), Some(&high)) = (fits.first(), fits.last()) {
                    if (low, high) != (u.low, u.high) {
                        u.low = low;
                        u.high = high;
                        changed = true;
                    }
                }
            }
        }
        changed
    }

    /// Two-sided exact binomial p at 1/2 for k of n (k ≤ n/2).
    fn binomial_half(k: u64, n: u64) -> f64 {
        if n == 0 {
            return 1.0;
        }
        let mut tail = 0.0;
        let mut term = 0.5f64.powi(n as i32);
        for i in 0..=k {
            if i > 0 {
                term *= (n - i + 1) as f64 / i as f64;
            }
            tail += term;
        }
        if 2 * k == n {
            1.0
        } else {
            (2.0 * tail).min(1.0)
        }
    }

    /// The identities the tables obey, as candidates.
    fn identities(truth: &[Estimate], published: &[Estimate]) -> Vec<Identity> {
        let mut out = Vec::new();
        let place = |e: &Estimate| {
            format!(
                "{}|{}|{}|{}|{}|{}",
                e.outcome, e.analysis, e.group_by, e.group, e.wave, e.contrast
            )
        };
        // Counts of one partition add up to the row's n, except the case
        // flow: recovered − new = before − after.
        let mut partitions: BTreeMap<(String, Partition), Vec<&Estimate>> = BTreeMap::new();
        // Parts (bands, categories) of one place add up to its n.
        let mut parts: BTreeMap<String, Vec<&Estimate>> = BTreeMap::new();
        // Levels of a grouping column add up to `all`.
        let mut levels: BTreeMap<String, Vec<&Estimate>> = BTreeMap::new();
        let mut all: BTreeMap<String, &Estimate> = BTreeMap::new();
        for (t, p) in truth.iter().zip(published) {
            if !counts(t) {
                continue;
            }
            if let Kind::People {
                part_of: Some(partition),
                ..
            } = t.estimate.kind()
            {
                partitions.entry((place(t), partition)).or_default().push(p);
            }
            if t.contrast.is_part() {
                let family = format!(
                    "{}|{}|{}|{}|{}|{}",
                    t.outcome, t.analysis, t.group_by, t.group, t.wave, t.estimate
                );
                parts.entry(family).or_default().push(p);
            }
            if t.contrast.adds_across_levels() {
                let family = format!(
                    "{}|{}|{}|{}|{}",
                    t.outcome, t.analysis, t.wave, t.contrast, t.estimate
                );
                if t.group_by == "all" {
                    all.insert(family, p);
                } else {
                    levels
                        .entry(format!("{family}|{}", t.group_by))
                        .or_default()
                        .push(p);
                }
            }
        }
        let sum_to_n = |members: &[&Estimate]| -> Option<Identity> {
            let n = members.iter().find_map(|e| e.published_n())? as i64;
            Some(Identity {
                terms: members.iter().map(|e| (1, key(e))).collect(),
                constant: n,
            })
        };
        for ((_, partition), members) in &partitions {
            if *partition == Partition::CaseFlow {
                let sign = |e: &&Estimate| match e.estimate {
                    Stat::NRecovered | Stat::NCasesFollowup => 1,
                    _ => -1,
                };
                out.push(Identity {
                    terms: members.iter().map(|e| (sign(e), key(e))).collect(),
                    constant: 0,
                });
            } else {
                out.extend(sum_to_n(members));
            }
        }
        for members in parts.values() {
            out.extend(sum_to_n(members));
        }
        for (family, members) in &levels {
            let total = family.rsplit_once('|').map(|(f, _)| f).unwrap_or_default();
            if let Some(all) = all.get(total) {
                let mut terms: Vec<(i64, String)> = members.iter().map(|e| (1, key(e))).collect();
                terms.push((-1, key(all)));
                out.push(Identity { terms, constant: 0 });
            }
        }
        // A row's published n is a count too: the n of a place's whole
        // (its n_pairs or n) and the n of a contrast between two levels,
        // the sum of the levels' pairs.
        for p in published {
            let Some(n) = p.published_n() else { continue };
            if let Contrast::Levels { level, reference } = &p.contrast {
                let pairs = |group: &str| {
                    format!(
                        "{}|change|{}|{}|{}||n_pairs",
                        p.outcome, p.group_by, group, p.wave
                    )
                };
                out.push(Identity {
                    terms: vec![(1, pairs(level)), (1, pairs(reference))],
                    constant: n as i64,
                });
            }
            if p.analysis != "change" && p.contrast == Contrast::None {
                out.push(Identity {
                    terms: vec![(
                        1,
                        format!(
                            "{}|change|{}|{}|{}||n_pairs",
                            p.outcome, p.group_by, p.group, p.wave
                        ),
                    )],
                    constant: n as i64,
                });
            }
        }
        out
    }
}

fn lib_estimates(
    data: &Path,
    method: belong::disclosure::Method,
) -> (
    Vec<belong::estimate::Estimate>,
    Vec<belong::estimate::Estimate>,
) {
    let settings = belong::config::Settings::resolve(belong::config::Flags {
        data_dir: Some(data.to_path_buf()),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(settings.min_cell, MIN_CELL as usize);
    let truth = belong::analyse(&settings).unwrap().estimates;
    let published = belong::disclosure::publish(truth.clone(), settings.min_cell, method);
    (truth, published)
}

/// Runs the adversary on every report in the suite, published by `method`,
/// and returns how many counts were withheld.
fn adversary_fails_on_every_report(method: belong::disclosure::Method) -> usize {
    let mut withheld = 0;
    for data in datasets() {
        let (truth, published) = lib_estimates(&data, method);
        withheld += published
            .iter()
            .filter(|e| e.suppressed && matches!(e.estimate.kind(), Kind::People { .. }))
            .count();
        // A count of 0 follows from a total of 0 (nobody harmed overall,
        // so nobody in any site): it tells nothing about anyone.
        let rounded = method == belong::disclosure::Method::Round;
        let found: Vec<_> = adversary::recovered(&truth, &published, rounded)
            .into_iter()
            .filter(|(_, value)| *value != 0)
            .collect();
        assert!(
            found.is_empty(),
            "{} ({method:?}): {} withheld counts worked out: {:#?}",
            data.display(),
            found.len(),
            &found[..found.len().min(20)]
        );
    }
    withheld
}

/// #20: for every report in the suite, an adversary tries to recover each
/// withheld count from the published totals, differences, percentages,
/// p-values and n's, and fails.
#[test]
fn no_withheld_count_can_be_worked_out() {
    let withheld = adversary_fails_on_every_report(belong::disclosure::Method::Suppress);
    assert!(withheld > 100, "{withheld}");
}

/// #19: published with `disclosure = "round"`, the same reports withhold
/// fewer counts, and the adversary, who knows each rounded count only to
/// its interval, still works none of them out.
#[test]
fn no_withheld_count_can_be_worked_out_under_rounding() {
    let suppressed = adversary_fails_on_every_report(belong::disclosure::Method::Suppress);
    let rounded = adversary_fails_on_every_report(belong::disclosure::Method::Round);
    assert!(
        rounded > 0 && rounded < suppressed,
        "{rounded} vs {suppressed}"
    );
}

/// The adversary is not blind: undo one protective blank of the sample's
/// reliable change and it works the small count out.
#[test]
fn the_adversary_finds_a_count_left_open() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample");
    let (truth, mut published) = lib_estimates(&data, belong::disclosure::Method::Suppress);
    let open = published
        .iter()
        .position(|e| {
            e.suppressed
                && e.analysis == "reliable_change"
                && e.group_by == "all"
                && e.estimate == Stat::NNoChange
        })
        .expect("no change is withheld to protect the deteriorated");
    published[open] = truth[open].clone();
    let found = adversary::recovered(&truth, &published, false);
    // all's no change gives all's deteriorated, and with the arms' counts
    // a small one of them.
    assert!(
        found
            .iter()
            .any(|(row, value)| row.contains("|reliable_change|")
                && row.ends_with("|n_deteriorated")
                && *value > 0
                && (*value as f64) < MIN_CELL),
        "{found:?}"
    );
}
