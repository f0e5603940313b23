//! Wilcoxon signed-rank test following R's `wilcox.test(paired = TRUE)`.
//!
//! Zeros are dropped. The exact null distribution is used when fewer than 50
//! non-zero differences remain and there are neither ties nor zeros;
//! otherwise the normal approximation with continuity and tie corrections.

use super::distributions::normal_two_sided_p;

/// Ranks with ties given their average rank (R's `rank`, ties "average").
pub(crate) fn average_ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; values.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && values[order[end]] == values[order[start]] {
            end += 1;
        }
        // Positions start..end share the average of ranks start+1..=end.
        let average = (start + 1 + end) as f64 / 2.0;
        for &index in &order[start..end] {
            ranks[index] = average;
        }
        start = end;
    }
    ranks
}

/// How the p-value of a signed-rank test was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WilcoxonMethod {
    Exact,
    NormalApproximation,
}

/// The signed-rank statistic and its p-value.
#[derive(Debug, Clone, PartialEq)]
pub struct SignedRank {
    /// V: the sum of ranks of |d| over positive d.
    pub v: f64,
    /// Sum of ranks over negative d.
    pub v_negative: f64,
    /// Number of non-zero differences.
    pub non_zero: usize,
    pub p_value: f64,
    pub method: WilcoxonMethod,
}

/// Number of subsets of {1..n} for each rank sum 0..=n(n+1)/2.
fn signed_rank_counts(n: usize) -> Vec<f64> {
    let max_sum = n * (n + 1) / 2;
    let mut counts = vec![0.0; max_sum + 1];
    counts[0] = 1.0;
    for k in 1..=n {
        for s in (k..=k * (k + 1) / 2).rev() {
            counts[s] += counts[s - k];
        }
    }
    counts
}

/// `P(V <= v)` under the exact null distribution with `n` non-zero
/// differences (R's `psignrank`).
pub(crate) fn signed_rank_cdf(v: f64, n: usize) -> f64 {
    let counts = signed_rank_counts(n);
    let total = 2f64.powi(n as i32);
    let upto = v.floor();
    if upto < 0.0 {
        return 0.0;
    }
    let last = (upto as usize).min(counts.len() - 1);
    counts[..=last].iter().sum::<f64>() / total
}

/// The paired signed-rank test on differences `d`. `None` when every
/// difference is zero (no statistic can be formed).
pub fn signed_rank(differences: &[f64]) -> Option<SignedRank> {
    let has_zeros = differences.contains(&0.0);
    let non_zero: Vec<f64> = differences.iter().copied().filter(|d| *d != 0.0).collect();
    let n = non_zero.len();
    if n == 0 {
        return None;
    }
    let absolute: Vec<f64> = non_zero.iter().map(|d| d.abs()).collect();
    let ranks = average_ranks(&absolute);
    let v: f64 = ranks
        .iter()
        .zip(&non_zero)
        .filter(|(_, d)| **d > 0.0)
        .map(|(r, _)| r)
        .sum();
    let v_negative: f64 = ranks
        .iter()
        .zip(&non_zero)
        .filter(|(_, d)| **d < 0.0)
        .map(|(r, _)| r)
        .sum();
    let mut sorted_ranks = ranks.clone();
    sorted_ranks.sort_by(f64::total_cmp);
    let has_ties = sorted_ranks.windows(2).any(|w| w[0] == w[1]);
    let nf = n as f64;
    if n < 50 && !has_ties && !has_zeros {
        let p_one_side = if v > nf * (nf + 1.0) / 4.0 {
            // P(V >= v), summed from the upper tail to keep small p exact.
            let counts = signed_rank_counts(n);
            let from = (v.ceil() as usize).min(counts.len());
            counts[from..].iter().sum::<f64>() / 2f64.powi(n as i32)
        } else {
            signed_rank_cdf(v, n)
        };
        return Some(SignedRank {
            v,
            v_negative,
            non_zero: n,
            p_value: (2.0 * p_one_side).min(1.0),
            method: WilcoxonMethod::Exact,
        });
    }
    let mut tie_sum = 0.0;
    let mut start = 0;
    while start < sorted_ranks.len() {
        let mut end = start + 1;
        while end < sorted_ranks.len() && sorted_ranks[end] == sorted_ranks[start] {
            end += 1;
        }
        let t = (end - start) as f64;
        tie_sum += t * t * t - t;
        start = end;
    }
    let z = v - nf * (nf + 1.0) / 4.0;
    let sigma = (nf * (nf + 1.0) * (2.0 * nf + 1.0) / 24.0 - tie_sum / 48.0).sqrt();
    if !(sigma > 0.0) {
        return None;
    }
    // R's sign(0) is 0; Rust's signum(0.0) is 1.
    let correction = if z == 0.0 { 0.0 } else { 0.5 * z.signum() };
    let p_value = normal_two_sided_p((z - correction) / sigma);
    Some(SignedRank {
        v,
        v_negative,
        non_zero: n,
        p_value,
        method: WilcoxonMethod::NormalApproximation,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn ranks_average_ties() {
        assert_eq!(
            average_ranks(&[3.0, 1.0, 3.0, 2.0]),
            vec![3.5, 1.0, 3.5, 2.0]
        );
    }

    #[test]
    #[allow(clippy::approx_constant)] // 3.14 is a measurement in R's example, not π
    fn exact_distribution_matches_r() {
        // R: psignrank(3, 8) = 0.01953125
        assert_relative_eq!(signed_rank_cdf(3.0, 8), 0.01953125, max_relative = 1e-15);
        // R: wilcox.test(c(1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30),
        //   c(0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29), paired = TRUE)
        //   V = 40, p-value = 0.03906
        let x = [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30];
        let y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29];
        let d: Vec<f64> = x.iter().zip(y).map(|(a, b)| a - b).collect();
        let test = signed_rank(&d).unwrap();
        assert_eq!(test.v, 40.0);
        assert_eq!(test.method, WilcoxonMethod::Exact);
        assert_relative_eq!(test.p_value, 0.0390625, max_relative = 1e-12);
    }

    #[test]
    fn ties_use_normal_approximation() {
        let d = [1.0, 1.0, -2.0, 3.0, 0.0, 4.0];
        let test = signed_rank(&d).unwrap();
        assert_eq!(test.method, WilcoxonMethod::NormalApproximation);
        assert_eq!(test.non_zero, 5);
        // ranks of |d| over non-zero: 1.5, 1.5, 3, 4, 5 -> V = 12
        assert_eq!(test.v, 12.0);
    }

    #[test]
    fn statistic_at_its_mean_gets_no_continuity_correction() {
        // Regression: z = 0 must give p = 1, as R's sign(0) = 0.
        // ranks 1.5, 1.5, 3: V = 3 = n(n+1)/4 with n = 3.
        let test = signed_rank(&[1.0, -1.0, 0.0, 3.0, -3.0]).unwrap();
        assert_eq!(test.method, WilcoxonMethod::NormalApproximation);
        assert_eq!(test.p_value, 1.0);
    }

    #[test]
    fn all_zero_differences_are_undefined() {
        assert_eq!(signed_rank(&[0.0, 0.0]), None);
    }
}
