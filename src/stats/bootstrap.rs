//! The BCa bootstrap (Efron 1987), parallel and deterministic.
//!
//! Resample `b` draws its indices from its own ChaCha stream, seeded by
//! (seed, b), so the set of resampled statistics — and the interval — is
//! the same for any number of threads. The acceleration comes from the
//! jackknife (Efron & Tibshirani 1993, §14.3); endpoints are read from the
//! sorted resamples with R's `boot:::norm.inter` interpolation.

use super::distributions::{normal_cdf, normal_quantile};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

/// A statistic that can be evaluated on a resample given as row indices,
/// and on each leave-one-out sample.
pub trait Resampleable: Sync {
    /// Number of observations (pairs, people).
    fn observations(&self) -> usize;
    /// The statistic on rows `indices` (with repeats). Called once per
    /// resample; must not allocate per row.
    fn on_indices(&self, indices: &[usize]) -> Option<f64>;
    /// The statistic leaving out each row in turn.
    fn jackknife(&self) -> Option<Vec<f64>>;
}

/// A BCa interval and what went into it.
#[derive(Debug, Clone, PartialEq)]
pub struct BcaInterval {
    pub low: f64,
    pub high: f64,
    pub resamples: usize,
    pub bias_correction: f64,
    pub acceleration: f64,
}

/// The random stream of resample `index`.
fn stream(seed: u64, index: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(index);
    rng
}

/// Statistics of `resamples` bootstrap resamples, in resample order.
pub fn resample<S: Resampleable + ?Sized>(
    statistic: &S,
    resamples: usize,
    seed: u64,
) -> Vec<Option<f64>> {
    let n = statistic.observations();
    (0..resamples)
        .into_par_iter()
        .with_min_len(16)
        .map_init(
            || Vec::with_capacity(n),
            |indices, b| {
                let mut rng = stream(seed, b as u64);
                indices.clear();
                indices.extend((0..n).map(|_| rng.gen_range(0..n)));
                statistic.on_indices(indices)
            },
        )
        .collect()
}

/// R's `norm.inter`: the `alpha` quantile of sorted resamples, interpolated
/// on the normal scale between order statistics.
fn normal_interpolated_quantile(sorted: &[f64], alpha: f64) -> f64 {
    let r = sorted.len();
    let rank = (r as f64 + 1.0) * alpha;
    let k = rank.trunc() as usize;
    if rank == k as f64 && k >= 1 && k <= r {
        return sorted[k - 1];
    }
    if k == 0 {
        return sorted[0];
    }
    if k >= r {
        return sorted[r - 1];
    }
    let rp1 = r as f64 + 1.0;
    let lower = normal_quantile(k as f64 / rp1);
    let upper = normal_quantile((k as f64 + 1.0) / rp1);
    (normal_quantile(alpha) - lower) / (upper - lower) * (sorted[k] - sorted[k - 1]) + sorted[k - 1]
}

/// The 95% BCa interval of `statistic` around its estimate `theta_hat`.
/// `None` when resamples or the jackknife are degenerate.
pub fn bca<S: Resampleable + ?Sized>(
    statistic: &S,
    theta_hat: f64,
    resamples: usize,
    seed: u64,
) -> Option<BcaInterval> {
    if statistic.observations() < 3 || resamples < 2 {
        return None;
    }
    let mut values: Vec<f64> = resample(statistic, resamples, seed)
        .into_iter()
        .flatten()
        .filter(|v| v.is_finite())
        .collect();
    if values.len() < resamples / 2 {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let below = values.iter().filter(|v| **v < theta_hat).count();
    if below == 0 || below == values.len() {
        return None;
    }
    let bias_correction = normal_quantile(below as f64 / values.len() as f64);
    let jackknife = statistic.jackknife()?;
    let jack_mean = jackknife.iter().sum::<f64>() / jackknife.len() as f64;
    let (mut cubes, mut squares) = (0.0, 0.0);
    for value in &jackknife {
        let deviation = jack_mean - value;
        cubes += deviation.powi(3);
        squares += deviation.powi(2);
    }
    if !(squares > 0.0) {
        return None;
    }
    let acceleration = cubes / (6.0 * squares.powf(1.5));
    let level = super::CONFIDENCE_LEVEL;
    let adjusted = |tail: f64| {
        let z = normal_quantile(tail);
        normal_cdf(
            bias_correction + (bias_correction + z) / (1.0 - acceleration * (bias_correction + z)),
        )
    };
    let (alpha_low, alpha_high) = (adjusted(0.5 - level / 2.0), adjusted(0.5 + level / 2.0));
    if !(alpha_low.is_finite() && alpha_high.is_finite()) {
        return None;
    }
    Some(BcaInterval {
        low: normal_interpolated_quantile(&values, alpha_low),
        high: normal_interpolated_quantile(&values, alpha_high),
        resamples: values.len(),
        bias_correction,
        acceleration,
    })
}

/// d_av of paired scores as a resampleable statistic, from sufficient
/// statistics of centred data (one pass per resample, no allocation).
pub struct PairedDav<'a> {
    baseline: &'a [f64],
    followup: &'a [f64],
    centre_b: f64,
    centre_f: f64,
}

impl<'a> PairedDav<'a> {
    pub fn new(baseline: &'a [f64], followup: &'a [f64]) -> Self {
        let n = baseline.len().max(1) as f64;
        PairedDav {
            baseline,
            followup,
            centre_b: baseline.iter().sum::<f64>() / n,
            centre_f: followup.iter().sum::<f64>() / n,
        }
    }

    /// d_av from sums over n pairs of centred scores: the means are
    /// shifted back by the centres, the variances are shift-invariant.
    fn d_av_of_centred_sums(
        &self,
        n: f64,
        sum_b: f64,
        sum_bb: f64,
        sum_f: f64,
        sum_ff: f64,
    ) -> Option<f64> {
        if n < 2.0 {
            return None;
        }
        let var_b = (sum_bb - sum_b * sum_b / n) / (n - 1.0);
        let var_f = (sum_ff - sum_f * sum_f / n) / (n - 1.0);
        let average_sd = ((var_b + var_f) / 2.0).sqrt();
        if !(average_sd > 0.0) {
            return None;
        }
        Some(((sum_f - sum_b) / n + self.centre_f - self.centre_b) / average_sd)
    }
}

impl Resampleable for PairedDav<'_> {
    fn observations(&self) -> usize {
        self.baseline.len()
    }

    fn on_indices(&self, indices: &[usize]) -> Option<f64> {
        let (mut sb, mut sbb, mut sf, mut sff) = (0.0, 0.0, 0.0, 0.0);
        for &i in indices {
            let b = self.baseline[i] - self.centre_b;
            let f = self.followup[i] - self.centre_f;
            sb += b;
            sbb += b * b;
            sf += f;
            sff += f * f;
        }
        self.d_av_of_centred_sums(indices.len() as f64, sb, sbb, sf, sff)
    }

    fn jackknife(&self) -> Option<Vec<f64>> {
        let n = self.observations();
        let centred_b: Vec<f64> = self.baseline.iter().map(|b| b - self.centre_b).collect();
        let centred_f: Vec<f64> = self.followup.iter().map(|f| f - self.centre_f).collect();
        let (sb, sbb): (f64, f64) = (
            centred_b.iter().sum(),
            centred_b.iter().map(|b| b * b).sum(),
        );
        let (sf, sff): (f64, f64) = (
            centred_f.iter().sum(),
            centred_f.iter().map(|f| f * f).sum(),
        );
        let m = (n - 1) as f64;
        (0..n)
            .map(|i| {
                let (b, f) = (centred_b[i], centred_f[i]);
                self.d_av_of_centred_sums(m, sb - b, sbb - b * b, sf - f, sff - f * f)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::effect_size::d_av;

    fn data() -> (Vec<f64>, Vec<f64>) {
        let baseline: Vec<f64> = (0..40).map(|i| 5.0 + f64::from(i % 7) * 0.5).collect();
        let followup: Vec<f64> = (0..40)
            .map(|i| 4.5 + f64::from((i * 3) % 11) * 0.4)
            .collect();
        (baseline, followup)
    }

    #[test]
    fn resampled_statistic_agrees_with_the_direct_formula() {
        let (b, f) = data();
        let statistic = PairedDav::new(&b, &f);
        let all: Vec<usize> = (0..b.len()).collect();
        let direct = d_av(&b, &f).unwrap();
        assert!((statistic.on_indices(&all).unwrap() - direct).abs() < 1e-12);
        let jack = statistic.jackknife().unwrap();
        let leave_first = d_av(&b[1..], &f[1..]).unwrap();
        assert!((jack[0] - leave_first).abs() < 1e-12);
    }

    #[test]
    fn interval_contains_the_estimate_and_is_reproducible() {
        let (b, f) = data();
        let statistic = PairedDav::new(&b, &f);
        let estimate = d_av(&b, &f).unwrap();
        let first = bca(&statistic, estimate, 1000, 7).unwrap();
        assert!(first.low < estimate && estimate < first.high, "{first:?}");
        let again = bca(&statistic, estimate, 1000, 7).unwrap();
        assert_eq!(first, again);
    }

    #[test]
    fn thread_count_does_not_change_the_resamples() {
        let (b, f) = data();
        let statistic = PairedDav::new(&b, &f);
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let three = rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .unwrap();
        let a = one.install(|| resample(&statistic, 500, 11));
        let c = three.install(|| resample(&statistic, 500, 11));
        assert_eq!(a, c);
    }

    #[test]
    fn norm_inter_matches_r_on_exact_ranks() {
        let sorted: Vec<f64> = (1..=999).map(f64::from).collect();
        // (R + 1) * 0.025 = 25 exactly: the 25th order statistic
        assert_eq!(normal_interpolated_quantile(&sorted, 0.025), 25.0);
    }
}
