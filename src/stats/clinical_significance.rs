//! Clinical significance of individual change, as the R package
//! clinicalsignificance (Hagspiel, Hoffmann & Kuhlmann) computes it: the
//! six distribution-based reliable change indices, the statistical cut-offs
//! of Jacobson & Truax (1991), their combination (recovered … harmed), and
//! the anchor- and percentage-based classifications. Every rule is fitted
//! once on one sample of pairs and then classifies any pair, so a person's
//! category never depends on the group they are counted in. The formulas
//! keep the package's order of operations, so a pair exactly on a threshold
//! falls on the same side as in R.

use super::correlation::pearson;
use super::descriptive::{mean, standard_deviation};
use super::distributions::{normal_cdf, normal_quantile};

/// Which way is better on the scale: +1 when higher is better, −1 when
/// lower is (the package's `direction`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Better {
    Higher,
    Lower,
}

impl Better {
    fn sign(self) -> f64 {
        match self {
            Better::Higher => 1.0,
            Better::Lower => -1.0,
        }
    }
}

/// A distribution-based reliable change index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RciMethod {
    /// Jacobson & Truax (1991).
    Jt,
    /// Gulliksen, Lord & Novick.
    Gln,
    /// Hsu, Linn & Lord.
    Hll,
    /// Edwards & Nunnally (Speer's formulation).
    En,
    /// Nunnally & Kotsch.
    Nk,
    /// Hageman & Arrindell (1999).
    Ha,
}

impl RciMethod {
    pub(crate) const ALL: [RciMethod; 6] = [
        RciMethod::Jt,
        RciMethod::Gln,
        RciMethod::Hll,
        RciMethod::En,
        RciMethod::Nk,
        RciMethod::Ha,
    ];

    /// The code users write in `rci_methods` (the package's `rci_method`).
    pub fn code(self) -> &'static str {
        match self {
            RciMethod::Jt => "JT",
            RciMethod::Gln => "GLN",
            RciMethod::Hll => "HLL",
            RciMethod::En => "EN",
            RciMethod::Nk => "NK",
            RciMethod::Ha => "HA",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            RciMethod::Jt => "Jacobson-Truax",
            RciMethod::Gln => "Gulliksen-Lord-Novick",
            RciMethod::Hll => "Hsu-Linn-Lord",
            RciMethod::En => "Edwards-Nunnally",
            RciMethod::Nk => "Nunnally-Kotsch",
            RciMethod::Ha => "Hageman-Arrindell",
        }
    }

    pub(crate) fn from_code(code: &str) -> Option<RciMethod> {
        RciMethod::ALL
            .into_iter()
            .find(|method| method.code().eq_ignore_ascii_case(code.trim()))
    }

    /// The critical value at the 5% level: one-sided for HA, two-sided
    /// for the others, as the package chooses.
    pub(crate) fn critical_value(self) -> f64 {
        match self {
            RciMethod::Ha => normal_quantile(0.95),
            _ => normal_quantile(0.975),
        }
    }
}

impl serde::Serialize for RciMethod {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

/// How one person changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Improved,
    Unchanged,
    Deteriorated,
}

/// The five categories of the combined approach.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Combined {
    /// Reliably improved and moved from the clinical to the functional range.
    Recovered,
    Improved,
    Unchanged,
    Deteriorated,
    /// Reliably deteriorated and moved from the functional to the clinical range.
    Harmed,
}

/// Means and SDs of the sample of pairs a rule is fitted on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Sample {
    pub m_pre: f64,
    pub sd_pre: f64,
    pub m_post: f64,
    pub sd_post: f64,
    /// Pearson correlation of baseline and follow-up (used by HA).
    pub r_pre_post: Option<f64>,
}

impl Sample {
    /// `None` with fewer than two pairs or no spread at baseline.
    pub fn of(pre: &[f64], post: &[f64]) -> Option<Sample> {
        if pre.len() != post.len() || pre.len() < 2 {
            return None;
        }
        let sd_pre = standard_deviation(pre)?;
        if !(sd_pre > 0.0) {
            return None;
        }
        Some(Sample {
            m_pre: mean(pre)?,
            sd_pre,
            m_post: mean(post)?,
            sd_post: standard_deviation(post)?,
            r_pre_post: pearson(pre, post),
        })
    }
}

fn se_measurement(sd: f64, reliability: f64) -> f64 {
    sd * (1.0 - reliability).sqrt()
}

fn se_prediction(sd: f64, reliability: f64) -> f64 {
    sd * (1.0 - reliability.powi(2)).sqrt()
}

/// The package's `.calc_reliability_ha`.
fn reliability_ha(sd: f64, se_measurement: f64) -> f64 {
    (sd.powi(2) - se_measurement.powi(2)) / sd.powi(2)
}

/// A fitted reliable change index.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RciRule {
    pub method: RciMethod,
    pub reliability: f64,
    /// Reliability at follow-up (NK; the baseline reliability when not given).
    pub reliability_post: f64,
    pub sample: Sample,
    pub critical_value: f64,
    /// The standard error that divides the (adjusted) change.
    pub denominator: f64,
    /// The reliability of the difference scores (HA only).
    pub r_dd: Option<f64>,
    better: Better,
}

impl RciRule {
    /// Fits `method` on the pairs; `None` when it is undefined there (too
    /// few pairs, no spread, a reliability outside (0, 1), or for HA a
    /// difference reliability that is not positive).
    pub fn fit(
        method: RciMethod,
        sample: Sample,
        reliability: f64,
        reliability_post: Option<f64>,
        better: Better,
    ) -> Option<RciRule> {
        if !(reliability > 0.0 && reliability < 1.0) {
            return None;
        }
        let reliability_post = reliability_post.unwrap_or(reliability);
        let sd = sample.sd_pre;
        let mut r_dd = None;
        let denominator = match method {
            RciMethod::Jt => (2.0 * se_measurement(sd, reliability).powi(2)).sqrt(),
            RciMethod::Gln | RciMethod::Hll => se_prediction(sd, reliability),
            RciMethod::En => se_measurement(sd, reliability),
            RciMethod::Nk => (reliability.powi(2) * sd.powi(2) * (1.0 - reliability)
                + sd.powi(2) * (1.0 - reliability_post))
                .sqrt(),
            RciMethod::Ha => {
                let se = se_measurement(sd, reliability);
                let r_xx_1 = reliability_ha(sd, se);
                let r_xx_2 = reliability_ha(sample.sd_post, se);
                let cor = sample.r_pre_post?;
                let sd_post = sample.sd_post;
                let numerator =
                    sd.powi(2) * r_xx_1 + sd_post.powi(2) * r_xx_2 - 2.0 * sd * sd_post * cor;
                let denominator = sd.powi(2) + sd_post.powi(2) - 2.0 * sd * sd_post * cor;
                let value = numerator / denominator;
                if !(value > 0.0) || !value.is_finite() {
                    return None;
                }
                r_dd = Some(value);
                value.sqrt() * (2.0 * se.powi(2)).sqrt()
            }
        };
        if !(denominator > 0.0) || !denominator.is_finite() {
            return None;
        }
        Some(RciRule {
            method,
            reliability,
            reliability_post,
            sample,
            critical_value: method.critical_value(),
            denominator,
            r_dd,
            better,
        })
    }

    /// The index of one pair.
    pub(crate) fn rci(&self, pre: f64, post: f64) -> f64 {
        let r = self.reliability;
        let s = &self.sample;
        let numerator = match self.method {
            RciMethod::Jt => post - pre,
            RciMethod::Gln => (post - s.m_pre) - r * (pre - s.m_pre),
            RciMethod::Hll => (post - s.m_post) - r * (pre - s.m_pre),
            RciMethod::En | RciMethod::Nk => post - (r * (pre - s.m_pre) + s.m_pre),
            RciMethod::Ha => {
                let r_dd = self.r_dd.unwrap_or(1.0);
                (post - pre) * r_dd + (s.m_post - s.m_pre) * (1.0 - r_dd)
            }
        };
        numerator / self.denominator
    }

    pub(crate) fn classify(&self, pre: f64, post: f64) -> Change {
        let directed = self.better.sign() * self.rci(pre, post);
        if directed > self.critical_value {
            Change::Improved
        } else if directed < -self.critical_value {
            Change::Deteriorated
        } else {
            Change::Unchanged
        }
    }
}

/// The three cut-offs of Jacobson & Truax (1991).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum CutoffType {
    /// Two SDs beyond the clinical (baseline) mean.
    A,
    /// Two SDs of the clinical sample inside the functional mean.
    B,
    /// Between the two means, weighted by their SDs.
    C,
}

impl CutoffType {
    pub fn code(self) -> &'static str {
        match self {
            CutoffType::A => "a",
            CutoffType::B => "b",
            CutoffType::C => "c",
        }
    }
}

/// Mean and SD of a functional (general) population.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Norms {
    pub mean: f64,
    pub sd: f64,
}

/// A fitted cut-off between the clinical and functional ranges: the
/// package's `calc_cutoff_from_data`, JT or (with `ha`) HA's true-score
/// version, whose follow-up classification needs a reliable crossing.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Cutoff {
    pub kind: CutoffType,
    pub value: f64,
    better: Better,
    ha: Option<HaCutoff>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct HaCutoff {
    m_post: f64,
    reliability_post: f64,
    se_measurement: f64,
    critical_value: f64,
}

/// Where one pair stands against a cut-off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Crossing {
    pub clinical_pre: bool,
    pub functional_post: bool,
    /// HA only: functional at baseline and reliably clinical at follow-up.
    pub clinical_post: bool,
}

impl Cutoff {
    /// The JT cut-off from the clinical sample's baseline; `None` when `b`
    /// or `c` lack norms.
    pub(crate) fn jt(
        kind: CutoffType,
        sample: &Sample,
        norms: Option<Norms>,
        better: Better,
    ) -> Option<Cutoff> {
        let (m, sd) = (sample.m_pre, sample.sd_pre);
        let direction = better.sign();
        let value = match (kind, norms) {
            (CutoffType::A, _) => m + (direction * 2.0 * sd),
            (CutoffType::B, Some(f)) => f.mean - (direction * 2.0 * sd),
            (CutoffType::C, Some(f)) => (sd * f.mean + f.sd * m) / (sd + f.sd),
            _ => return None,
        };
        Some(Cutoff {
            kind,
            value,
            better,
            ha: None,
        })
    }

    /// HA's cut-off on true scores, with the reliabilities HA derives from
    /// the sample; `None` where undefined.
    pub fn ha(
        kind: CutoffType,
        sample: &Sample,
        norms: Option<Norms>,
        reliability: f64,
        better: Better,
    ) -> Option<Cutoff> {
        if !(reliability > 0.0 && reliability < 1.0) {
            return None;
        }
        let (m, sd) = (sample.m_pre, sample.sd_pre);
        let direction = better.sign();
        let se = se_measurement(sd, reliability);
        let r_clinical = reliability_ha(sd, se);
        let r_post = reliability_ha(sample.sd_post, se);
        let value = match (kind, norms) {
            (CutoffType::A, _) => m + (direction * 2.0 * sd * r_clinical.sqrt()),
            (CutoffType::B, Some(f)) => f.mean - (direction * 2.0 * sd * r_clinical.sqrt()),
            (CutoffType::C, Some(f)) => {
                let r_functional = reliability_ha(f.sd, se);
                (sd * r_clinical.sqrt() * f.mean + f.sd * r_functional.sqrt() * m)
                    / (sd * r_clinical.sqrt() + f.sd * r_functional.sqrt())
            }
            _ => return None,
        };
        if !value.is_finite() || !(r_post > 0.0) {
            return None;
        }
        Some(Cutoff {
            kind,
            value,
            better,
            ha: Some(HaCutoff {
                m_post: sample.m_post,
                reliability_post: r_post,
                se_measurement: se,
                critical_value: RciMethod::Ha.critical_value(),
            }),
        })
    }

    /// Whether this is HA's true-score cut-off.
    pub(crate) fn is_ha(&self) -> bool {
        self.ha.is_some()
    }

    pub(crate) fn crossing(&self, pre: f64, post: f64) -> Crossing {
        let direction = self.better.sign();
        let clinical_pre = direction * pre < direction * self.value;
        match self.ha {
            None => Crossing {
                clinical_pre,
                functional_post: direction * post > direction * self.value,
                clinical_post: false,
            },
            Some(ha) => {
                let cs_indiv = (ha.m_post + (post - ha.m_post) * ha.reliability_post - self.value)
                    / (ha.reliability_post.sqrt() * ha.se_measurement);
                Crossing {
                    clinical_pre,
                    functional_post: clinical_pre && direction * cs_indiv > ha.critical_value,
                    clinical_post: !clinical_pre && direction * cs_indiv < -ha.critical_value,
                }
            }
        }
    }

    /// The statistical approach alone (`cs_statistical`): improved when
    /// clinical at baseline and functional at follow-up; deteriorated when
    /// functional at baseline and not at follow-up (HA: reliably clinical).
    pub(crate) fn classify(&self, pre: f64, post: f64) -> Change {
        let crossing = self.crossing(pre, post);
        let (improved, deteriorated) = match self.ha {
            None => (
                crossing.clinical_pre && crossing.functional_post,
                !crossing.clinical_pre && !crossing.functional_post,
            ),
            Some(_) => (crossing.functional_post, crossing.clinical_post),
        };
        if improved {
            Change::Improved
        } else if deteriorated {
            Change::Deteriorated
        } else {
            Change::Unchanged
        }
    }
}

/// The combined approach (`cs_combined`): a reliable change that also
/// crosses the cut-off is a recovery (or, downwards, harm).
pub(crate) fn combine(change: Change, crossing: Crossing) -> Combined {
    match change {
        Change::Improved if crossing.clinical_pre && crossing.functional_post => {
            Combined::Recovered
        }
        Change::Improved => Combined::Improved,
        Change::Deteriorated if !crossing.clinical_pre && !crossing.functional_post => {
            Combined::Harmed
        }
        Change::Deteriorated => Combined::Deteriorated,
        Change::Unchanged => Combined::Unchanged,
    }
}

/// The anchor-based approach (`cs_anchor`, individual, within): improved
/// when the change in the better direction is at least the minimal
/// important change, deteriorated when it is at least the deterioration
/// threshold the other way.
pub(crate) fn classify_anchor(
    change: f64,
    mic_improvement: f64,
    mic_deterioration: f64,
    better: Better,
) -> Change {
    let directed = better.sign() * change;
    if directed >= mic_improvement {
        Change::Improved
    } else if directed <= -mic_deterioration {
        Change::Deteriorated
    } else {
        Change::Unchanged
    }
}

/// The percentage-change approach (`cs_percentage`): the change as a
/// fraction of the baseline. Where the package divides by a zero baseline
/// (and can call one pair both improved and deteriorated), the change's
/// direction decides instead; `None` for a negative baseline, whose
/// percentage change has no meaning.
pub(crate) fn classify_percentage(
    pre: f64,
    post: f64,
    improvement: f64,
    deterioration: f64,
    better: Better,
) -> Option<Change> {
    if pre < 0.0 {
        return None;
    }
    if pre == post {
        return Some(Change::Unchanged);
    }
    let direction = better.sign();
    if pre == 0.0 {
        return Some(if direction * (post - pre) > 0.0 {
            Change::Improved
        } else {
            Change::Deteriorated
        });
    }
    let pct_change = (post - pre) / pre;
    Some(if direction * pct_change >= improvement {
        Change::Improved
    } else if direction * pct_change <= -deterioration {
        Change::Deteriorated
    } else {
        Change::Unchanged
    })
}

/// HA's group-level estimates (`create_summary_table.cs_combined`): the
/// modelled proportions of a group who changed in the better direction and
/// who ended in the functional range; `None` where undefined.
pub(crate) fn ha_group_level(
    change: &[f64],
    post: &[f64],
    rule: &RciRule,
    cutoff: &Cutoff,
) -> Option<(f64, f64)> {
    let r_dd = rule.r_dd?;
    let ha = cutoff.ha?;
    let mean_change = mean(change)?;
    let sd_change = standard_deviation(change)?;
    let m_post = mean(post)?;
    let sd_post = standard_deviation(post)?;
    let z_changed = (0.0 - mean_change) / (sd_change * r_dd.sqrt());
    let z_functional = (cutoff.value - m_post) / (sd_post * ha.reliability_post.sqrt());
    if !z_changed.is_finite() || !z_functional.is_finite() {
        return None;
    }
    Some(match rule.better {
        Better::Higher => (1.0 - normal_cdf(z_changed), 1.0 - normal_cdf(z_functional)),
        Better::Lower => (normal_cdf(z_changed), normal_cdf(z_functional)),
    })
}

/// The Wilson score interval of a proportion `successes / trials` at 95%,
/// as `prop.test(x, n, correct = FALSE)$conf.int`; `None` without trials.
pub(crate) fn wilson_interval(successes: usize, trials: usize) -> Option<(f64, f64)> {
    if trials == 0 || successes > trials {
        return None;
    }
    let n = trials as f64;
    let p = successes as f64 / n;
    let z = normal_quantile(0.975);
    let z2 = z * z;
    let centre = p + z2 / (2.0 * n);
    let half = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    let denominator = 1.0 + z2 / n;
    let low = if successes == 0 {
        0.0
    } else {
        (centre - half) / denominator
    };
    let high = if successes == trials {
        1.0
    } else {
        (centre + half) / denominator
    };
    Some((low.max(0.0), high.min(1.0)))
}

/// Newcombe's (1998, method 10) 95% interval for the difference of two
/// proportions x1/n1 − x2/n2, from their Wilson intervals.
pub(crate) fn newcombe_difference(
    x1: usize,
    n1: usize,
    x2: usize,
    n2: usize,
) -> Option<(f64, f64)> {
    let (l1, u1) = wilson_interval(x1, n1)?;
    let (l2, u2) = wilson_interval(x2, n2)?;
    let (p1, p2) = (x1 as f64 / n1 as f64, x2 as f64 / n2 as f64);
    let difference = p1 - p2;
    Some((
        difference - ((p1 - l1).powi(2) + (u2 - p2).powi(2)).sqrt(),
        difference + ((u1 - p1).powi(2) + (p2 - l2).powi(2)).sqrt(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_matches_prop_test() {
        // prop.test(7, 20, correct = FALSE)$conf.int
        let (low, high) = wilson_interval(7, 20).unwrap();
        assert!((low - 0.18119182410108206).abs() < 1e-12, "{low}");
        assert!((high - 0.56714572331476365).abs() < 1e-12, "{high}");
        assert_eq!(wilson_interval(0, 0), None);
        // prop.test(0, 10, correct = FALSE)$conf.int
        let (low, high) = wilson_interval(0, 10).unwrap();
        assert_eq!(low, 0.0);
        assert!((high - 0.27753279986288915).abs() < 1e-12, "{high}");
    }

    #[test]
    fn jt_classifies_strictly_beyond_the_critical_value() {
        let pre = [10.0, 12.0, 14.0, 16.0];
        let post = [8.0, 12.0, 15.0, 11.0];
        let sample = Sample::of(&pre, &post).unwrap();
        let rule = RciRule::fit(RciMethod::Jt, sample, 0.8, None, Better::Lower).unwrap();
        let threshold = rule.critical_value * rule.denominator;
        assert_eq!(
            rule.classify(10.0, 10.0 - threshold * 1.0001),
            Change::Improved
        );
        assert_eq!(
            rule.classify(10.0, 10.0 + threshold * 1.0001),
            Change::Deteriorated
        );
        assert_eq!(rule.classify(10.0, 10.5), Change::Unchanged);
    }

    #[test]
    fn percentage_at_zero_baseline_follows_the_direction() {
        let better = Better::Lower;
        assert_eq!(
            classify_percentage(0.0, 2.0, 0.5, 0.5, better),
            Some(Change::Deteriorated)
        );
        assert_eq!(
            classify_percentage(4.0, 2.0, 0.5, 0.5, better),
            Some(Change::Improved)
        );
        assert_eq!(
            classify_percentage(4.0, 3.0, 0.5, 0.5, better),
            Some(Change::Unchanged)
        );
        assert_eq!(classify_percentage(-1.0, 3.0, 0.5, 0.5, better), None);
    }
}
