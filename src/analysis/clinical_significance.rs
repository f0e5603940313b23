//! `clinical_significance`: how many people changed enough to matter, by
//! every established approach (clinicalsignificance's `cs_distribution`,
//! `cs_statistical`, `cs_combined`, `cs_anchor`, `cs_percentage`), each in
//! both directions with Wilson intervals. The rules are fitted once per
//! outcome on every pair of the dataset, as the package fits them before it
//! summarises by group, so a person's category is the same in every table.

use super::reliable_change::Threshold;
use super::{AnalysisOptions, Cell};
use crate::estimate::{Classification, Contrast, Estimate, Place, Stat};
use crate::instruments::{Direction, Instrument};
use crate::panel::{Panel, PanelOutcome};
use crate::stats::clinical_significance::{
    classify_anchor, classify_percentage, combine, ha_group_level, wilson_interval, Better, Change,
    Combined, Cutoff, CutoffType, Norms, RciMethod, RciRule, Sample,
};

/// The fitted rules of one outcome.
#[derive(Debug, Clone)]
pub struct Rules {
    /// Reliable change indices other than the spec's JT rows, in
    /// `rci_methods` order.
    rci: Vec<RciRule>,
    /// JT's index as the package fits it (on pairs), for the combined
    /// approach.
    jt: Option<RciRule>,
    /// The statistical cut-offs: JT's (a, and b and c with norms), then HA's.
    cutoffs: Vec<Cutoff>,
    better: Better,
    reliability_text: String,
    anchor: Option<Anchor>,
    percentage: Option<(f64, f64)>,
    /// Where b and c come from.
    norms_source: Option<String>,
    /// The instrument's range of scores (infinite when it has none).
    score_range: (f64, f64),
}

/// A minimal important change with its source.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub(crate) struct Anchor {
    pub improvement: f64,
    pub deterioration: f64,
    pub source: String,
}

/// A functional population's mean and SD with their source.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FunctionalNorms {
    pub mean: f64,
    pub sd: f64,
    pub source: String,
    /// Test–retest correlation in the population, for the expected
    /// regression to the mean.
    pub retest: Option<f64>,
}

fn better(direction: Direction) -> Better {
    match direction {
        Direction::HigherIsBetter => Better::Higher,
        Direction::HigherIsWorse => Better::Lower,
    }
}

/// Fits every configured rule on the outcome's pairs; `None` with fewer
/// than two pairs or no spread at baseline.
pub fn rules(
    panel: &Panel,
    outcome: &PanelOutcome,
    instrument: &Instrument,
    threshold: Option<&Threshold>,
    options: &AnalysisOptions,
) -> Option<Rules> {
    let baseline = outcome.baseline(&panel.waves);
    let followup = outcome.followup(&panel.waves);
    let (pre, post): (Vec<f64>, Vec<f64>) = baseline
        .iter()
        .zip(followup)
        .filter_map(|(b, f)| Some(((*b)?, (*f)?)))
        .unzip();
    let sample = Sample::of(&pre, &post)?;
    let better = better(outcome.outcome.direction);
    let norms_config = options.norms.get(&outcome.outcome.id);
    let norms = norms_config.map(|n| Norms {
        mean: n.mean,
        sd: n.sd,
    });
    let reliability = threshold.map(|t| (t.reliability, t.reliability_source));
    let fit = |method| {
        let (r, _) = reliability?;
        RciRule::fit(method, sample, r, None, better)
    };
    let rci: Vec<RciRule> = options
        .rci_methods
        .iter()
        .filter(|m| **m != RciMethod::Jt)
        .filter_map(|m| fit(*m))
        .collect();
    let mut cutoffs: Vec<Cutoff> = [CutoffType::A, CutoffType::B, CutoffType::C]
        .into_iter()
        .filter_map(|kind| Cutoff::jt(kind, &sample, norms, better))
        .collect();
    if let (Some((r, _)), true) = (reliability, options.rci_methods.contains(&RciMethod::Ha)) {
        cutoffs.extend(
            [CutoffType::A, CutoffType::B, CutoffType::C]
                .into_iter()
                .filter_map(|kind| Cutoff::ha(kind, &sample, norms, r, better)),
        );
    }
    let anchor = outcome
        .outcome
        .subscale
        .is_none()
        .then(|| instrument.mic.clone())
        .flatten()
        .map(|mic| Anchor {
            improvement: mic.improvement,
            deterioration: mic.deterioration,
            source: mic.source,
        });
    Some(Rules {
        rci,
        jt: fit(RciMethod::Jt),
        cutoffs,
        better,
        reliability_text: reliability
            .map(|(r, source)| format!("r = {} ({source})", round6(r)))
            .unwrap_or_default(),
        anchor,
        percentage: options.percentage_change,
        norms_source: norms_config.map(|n| n.source.clone()),
        score_range: (instrument.score_min, instrument.score_max),
    })
}

fn round6(value: f64) -> f64 {
    (value * 1e6).round() / 1e6
}

/// Count and percentage rows of one partition of `n` people, the
/// percentages with Wilson 95% intervals.
pub(crate) fn partition(
    place: &Place,
    parts: &[(Stat, Stat, usize)],
    n: usize,
    method: &str,
) -> Vec<Estimate> {
    let percent = |count: usize| Some(100.0 * count as f64 / n as f64);
    let wilson = |count: usize| wilson_interval(count, n).map(|(l, h)| (100.0 * l, 100.0 * h));
    let counts = parts
        .iter()
        .map(|(count, _, value)| place.row(*count, Some(*value as f64), n, method));
    let percentages = parts.iter().map(|(_, pct, value)| {
        place
            .row(*pct, percent(*value), n, method)
            .with_ci(wilson(*value))
    });
    counts.chain(percentages).collect()
}

fn three_way(
    place: &Place,
    classification: Classification,
    changes: impl Iterator<Item = Change>,
    method: &str,
) -> Vec<Estimate> {
    let mut counts = [0usize; 3];
    for change in changes {
        counts[change as usize] += 1;
    }
    classified(
        place,
        classification,
        &[
            (Stat::NImproved, Stat::PctImproved, counts[0]),
            (Stat::NNoChange, Stat::PctNoChange, counts[1]),
            (Stat::NDeteriorated, Stat::PctDeteriorated, counts[2]),
        ],
        method,
    )
}

/// The partition rows of one classification, nothing when it classified
/// no one.
fn classified(
    place: &Place,
    classification: Classification,
    parts: &[(Stat, Stat, usize)],
    method: &str,
) -> Vec<Estimate> {
    let n: usize = parts.iter().map(|(_, _, count)| count).sum();
    if n == 0 {
        return Vec::new();
    }
    partition(place, parts, n, method)
        .into_iter()
        .map(|e| e.with_contrast(Contrast::Method(classification)))
        .collect()
}

pub(crate) fn clinical_significance(cell: &Cell) -> Vec<Estimate> {
    let Some(rules) = cell.clinical else {
        return Vec::new();
    };
    let pairs = cell.pairs();
    let n = pairs.len();
    if n == 0 {
        return Vec::new();
    }
    let place = cell.place("clinical_significance", cell.panel.waves.followup_name());
    let each = || {
        pairs
            .baseline
            .iter()
            .copied()
            .zip(pairs.followup.iter().copied())
    };
    let mut rows = Vec::new();
    for rule in &rules.rci {
        let classification = Classification::Rci(rule.method);
        let method = format!(
            "{} (clinicalsignificance), {}, critical value {:.3}",
            rule.method.name(),
            rules.reliability_text,
            rule.critical_value
        );
        let with = |e: Estimate| e.with_contrast(Contrast::Method(classification));
        rows.push(with(place.row(
            Stat::RciSe,
            Some(rule.denominator),
            n,
            &method,
        )));
        if let Some(r_dd) = rule.r_dd {
            rows.push(with(place.row(Stat::RDd, Some(r_dd), n, &method)));
        }
        rows.extend(three_way(
            &place,
            classification,
            each().map(|(b, f)| rule.classify(b, f)),
            &method,
        ));
        if rule.method == RciMethod::Ha {
            let cutoff = rules
                .cutoffs
                .iter()
                .find(|c| c.is_ha() && c.kind == CutoffType::A);
            if let Some((changed, functional)) =
                cutoff.and_then(|c| ha_group_level(&pairs.change, &pairs.followup, rule, c))
            {
                let method = format!("{method}, group level, HA cut-off a");
                rows.push(with(place.row(
                    Stat::PctChangedGroupLevel,
                    Some(100.0 * changed),
                    n,
                    &method,
                )));
                rows.push(with(place.row(
                    Stat::PctFunctionalGroupLevel,
                    Some(100.0 * functional),
                    n,
                    &method,
                )));
            }
        }
    }
    for cutoff in &rules.cutoffs {
        let classification = Classification::Cutoff {
            ha: cutoff.is_ha(),
            kind: cutoff.kind,
        };
        let method = cutoff_method(rules, cutoff);
        rows.push(
            place
                .row(Stat::CutoffValue, Some(cutoff.value), n, &method)
                .with_contrast(Contrast::Method(classification)),
        );
        rows.extend(three_way(
            &place,
            classification,
            each().map(|(b, f)| cutoff.classify(b, f)),
            &method,
        ));
    }
    let index_rules = rules.jt.iter().chain(&rules.rci);
    for rule in index_rules {
        for cutoff in rules
            .cutoffs
            .iter()
            .filter(|c| c.is_ha() == (rule.method == RciMethod::Ha))
        {
            let classification = Classification::Combined {
                method: rule.method,
                kind: cutoff.kind,
            };
            let method = format!(
                "{} (clinicalsignificance), {}, and {}",
                rule.method.name(),
                rules.reliability_text,
                cutoff_method(rules, cutoff)
            );
            rows.extend(five_way(
                &place,
                classification,
                each().map(|(b, f)| combine(rule.classify(b, f), cutoff.crossing(b, f))),
                &method,
            ));
        }
    }
    if let Some(anchor) = &rules.anchor {
        let method = format!(
            "minimal important change: {} points better, {} worse ({})",
            anchor.improvement, anchor.deterioration, anchor.source
        );
        rows.extend(three_way(
            &place,
            Classification::Anchor,
            pairs.change.iter().map(|d| {
                classify_anchor(*d, anchor.improvement, anchor.deterioration, rules.better)
            }),
            &method,
        ));
    }
    if let Some((improvement, deterioration)) = rules.percentage {
        let method = format!(
            "change of at least {}% of the baseline score better, {}% worse",
            100.0 * improvement,
            100.0 * deterioration
        );
        rows.extend(three_way(
            &place,
            Classification::Percentage,
            each().filter_map(|(b, f)| {
                classify_percentage(b, f, improvement, deterioration, rules.better)
            }),
            &method,
        ));
    }
    rows
}

fn cutoff_method(rules: &Rules, cutoff: &Cutoff) -> String {
    let what = match cutoff.kind {
        CutoffType::A => "2 SD beyond the baseline mean",
        CutoffType::B => "2 baseline SD from the functional mean",
        CutoffType::C => "between the baseline and functional means",
    };
    let source = match (&rules.norms_source, cutoff.kind) {
        (Some(source), CutoffType::B | CutoffType::C) => format!(", norms: {source}"),
        _ => String::new(),
    };
    let (low, high) = rules.score_range;
    let outside = if cutoff.value < low || cutoff.value > high {
        format!("; it lies outside the scale's range {low}–{high}, so no one can cross it")
    } else {
        String::new()
    };
    if cutoff.is_ha() {
        format!(
            "Hageman-Arrindell cut-off {} on true scores ({what}){source}{outside}",
            cutoff.kind.code()
        )
    } else {
        format!(
            "Jacobson-Truax cut-off {} ({what}){source}{outside}",
            cutoff.kind.code()
        )
    }
}

fn five_way(
    place: &Place,
    classification: Classification,
    categories: impl Iterator<Item = Combined>,
    method: &str,
) -> Vec<Estimate> {
    let mut counts = [0usize; 5];
    for category in categories {
        counts[category as usize] += 1;
    }
    classified(
        place,
        classification,
        &[
            (
                Stat::NReliablyRecovered,
                Stat::PctReliablyRecovered,
                counts[0],
            ),
            (Stat::NImproved, Stat::PctImproved, counts[1]),
            (Stat::NNoChange, Stat::PctNoChange, counts[2]),
            (Stat::NDeteriorated, Stat::PctDeteriorated, counts[3]),
            (Stat::NHarmed, Stat::PctHarmed, counts[4]),
        ],
        method,
    )
}
