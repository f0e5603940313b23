//! Standardised effect sizes for paired change: Cohen's d_z, Hedges' g_z,
//! d_av (Lakens 2013) and the matched-pairs rank-biserial correlation
//! (Kerby 2014), with the confidence intervals defined in STATISTICS.md.

use super::descriptive::{mean, standard_deviation, variance};
use super::distributions::normal_quantile;
use super::noncentral_t::noncentrality_interval;
use statrs::function::gamma::ln_gamma;

/// Hedges' small-sample correction in its exact gamma form,
/// `J(m) = Γ(m/2) / (√(m/2) · Γ((m − 1)/2))`. `None` for m ≤ 1, where it is
/// undefined (Γ(0)).
pub(crate) fn hedges_j(m: f64) -> Option<f64> {
    if !(m > 1.0) {
        return None;
    }
    Some((ln_gamma(m / 2.0) - 0.5 * (m / 2.0).ln() - ln_gamma((m - 1.0) / 2.0)).exp())
}

/// A point estimate with an optional confidence interval.
#[derive(Debug, Clone, PartialEq)]
pub struct Interval {
    pub value: f64,
    pub ci: Option<(f64, f64)>,
}

/// Cohen's d_z = mean(d)/sd(d), with the CI from exact inversion of the
/// noncentral t (ncp limits divided by √n). `None` when sd(d) is 0 or n < 2.
pub(crate) fn cohens_dz(differences: &[f64]) -> Option<Interval> {
    let n = differences.len() as f64;
    let sd = standard_deviation(differences)?;
    if !(sd > 0.0) {
        return None;
    }
    let dz = mean(differences)? / sd;
    let t = dz * n.sqrt();
    let ci = noncentrality_interval(t, n - 1.0).map(|(lo, hi)| (lo / n.sqrt(), hi / n.sqrt()));
    Some(Interval { value: dz, ci })
}

/// Hedges' g_z = d_z × J(n − 1), the CI scaled by the same J.
pub(crate) fn hedges_gz(dz: &Interval, n: usize) -> Option<Interval> {
    let j = hedges_j(n as f64 - 1.0)?;
    Some(Interval {
        value: dz.value * j,
        ci: dz.ci.map(|(lo, hi)| (lo * j, hi * j)),
    })
}

/// d_av = mean(d) / √((sd_b² + sd_f²)/2) (Lakens 2013). `None` when both
/// sds are zero or undefined.
pub fn d_av(baseline: &[f64], followup: &[f64]) -> Option<f64> {
    let sd_b = standard_deviation(baseline)?;
    let sd_f = standard_deviation(followup)?;
    let average_sd = ((sd_b * sd_b + sd_f * sd_f) / 2.0).sqrt();
    if !(average_sd > 0.0) {
        return None;
    }
    let differences: Vec<f64> = followup.iter().zip(baseline).map(|(f, b)| f - b).collect();
    Some(mean(&differences)? / average_sd)
}

/// g_av = d_av × J(n − 1), Hedges' correction as for g_z, its interval
/// (d_av's) scaled by the same J.
pub(crate) fn g_av(d_av: f64, ci: Option<(f64, f64)>, n: usize) -> Option<Interval> {
    let j = hedges_j(n as f64 - 1.0)?;
    Some(Interval {
        value: d_av * j,
        ci: ci.map(|(lo, hi)| (lo * j, hi * j)),
    })
}

/// d_rm (Lakens 2013, eq. 9) = mean(d) / sd(d) × √(2(1 − r)), the change
/// standardised by the SD of change corrected for the baseline–follow-up
/// correlation r; the interval is d_z's noncentral-t interval scaled by
/// the same factor, r taken as known. `None` when d_z or r is undefined.
pub fn d_rm(dz: &Interval, baseline: &[f64], followup: &[f64]) -> Option<Interval> {
    let r = super::correlation::pearson(baseline, followup)?;
    let factor = (2.0 * (1.0 - r)).sqrt();
    if !factor.is_finite() {
        return None;
    }
    Some(Interval {
        value: dz.value * factor,
        ci: dz.ci.map(|(lo, hi)| (lo * factor, hi * factor)),
    })
}

/// Matched-pairs rank-biserial r = (R+ − R−)/(R+ + R−) over `non_zero`
/// differences, with a Fisher-z CI; no CI when r = ±1.
pub(crate) fn rank_biserial(
    rank_sum_positive: f64,
    rank_sum_negative: f64,
    non_zero: usize,
) -> Option<Interval> {
    let total = rank_sum_positive + rank_sum_negative;
    if non_zero == 0 || !(total > 0.0) {
        return None;
    }
    let r = (rank_sum_positive - rank_sum_negative) / total;
    let m = non_zero as f64;
    let se = ((2.0 * m.powi(3) + 3.0 * m * m + m) / 6.0).sqrt() / ((m * m + m) / 2.0);
    let ci = if r.abs() < 1.0 {
        let z = normal_quantile(0.5 + super::CONFIDENCE_LEVEL / 2.0);
        let centre = r.atanh();
        Some(((centre - z * se).tanh(), (centre + z * se).tanh()))
    } else {
        None
    };
    Some(Interval { value: r, ci })
}

/// Hedges' g of `x − y` for two independent groups with the pooled sd,
/// corrected by J(n1 + n2 − 2); the CI inverts the noncentral t of the
/// two-sample t statistic on n1 + n2 − 2 df and scales it the same way.
pub(crate) fn hedges_g_independent(x: &[f64], y: &[f64]) -> Option<Interval> {
    let (n1, n2) = (x.len() as f64, y.len() as f64);
    let df = n1 + n2 - 2.0;
    let pooled = (((n1 - 1.0) * variance(x)? + (n2 - 1.0) * variance(y)?) / df).sqrt();
    if !(pooled > 0.0) {
        return None;
    }
    let d = (mean(x)? - mean(y)?) / pooled;
    let j = hedges_j(df)?;
    let scale = (1.0 / n1 + 1.0 / n2).sqrt();
    let ci = noncentrality_interval(d / scale, df).map(|(lo, hi)| (lo * scale * j, hi * scale * j));
    Some(Interval { value: d * j, ci })
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn hedges_j_matches_gamma_form() {
        // J(18) from the tiny-ucla3 fixture: g/d = 0.38751288993732941 / 0.40465131911125596
        assert_relative_eq!(
            hedges_j(18.0).unwrap(),
            0.38751288993732941 / 0.40465131911125596,
            max_relative = 1e-14
        );
        assert_eq!(hedges_j(1.0), None);
    }

    #[test]
    fn rank_biserial_matches_fixture() {
        // tiny-ucla3, all: r = -0.48571428571428571, CI (-0.80934508914667691, 0.064167345097430273)
        // with 15 non-zero differences: R+ = 27 and R- = 78 (sum 120 = 15·16/2 ... as in fixture)
        let r = rank_biserial(27.0, 78.0, 14).unwrap();
        assert_relative_eq!(r.value, -0.48571428571428571, max_relative = 1e-14);
        let (lo, hi) = r.ci.unwrap();
        assert_relative_eq!(lo, -0.80934508914667691, max_relative = 1e-12);
        assert_relative_eq!(hi, 0.064167345097430273, max_relative = 1e-12);
    }

    #[test]
    fn perfect_rank_biserial_has_no_interval() {
        let r = rank_biserial(0.0, 10.0, 4).unwrap();
        assert_eq!(r.value, -1.0);
        assert_eq!(r.ci, None);
    }
}
