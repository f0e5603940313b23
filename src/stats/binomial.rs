//! The exact binomial test at p = 0.5, as used for McNemar's test
//! (`binom.test(x, n)`).

use statrs::function::factorial::ln_binomial;

/// Two-sided exact p-value of `successes` out of `trials` under p = 0.5:
/// the probability of an outcome at most as likely as the one seen. 1 when
/// there are no trials.
pub(crate) fn binomial_test_half(successes: u64, trials: u64) -> f64 {
    if trials == 0 {
        return 1.0;
    }
    let k = successes.min(trials - successes);
    if 2 * k == trials {
        return 1.0;
    }
    let log_half = -(trials as f64) * std::f64::consts::LN_2;
    let tail: f64 = (0..=k)
        .map(|i| (ln_binomial(trials, i) + log_half).exp())
        .sum();
    (2.0 * tail).min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn matches_r_binom_test() {
        // R: binom.test(7, 10)$p.value = 0.34375 (tiny-ucla3 fixture: 7 recovered, 3 new)
        assert_relative_eq!(binomial_test_half(7, 10), 0.34375, max_relative = 1e-14);
        assert_relative_eq!(binomial_test_half(3, 10), 0.34375, max_relative = 1e-14);
        assert_eq!(binomial_test_half(0, 0), 1.0);
        assert_eq!(binomial_test_half(2, 4), 1.0);
        // R: binom.test(0, 20)$p.value = 1.907349e-06
        assert_relative_eq!(
            binomial_test_half(0, 20),
            2.0 / 1048576.0,
            max_relative = 1e-14
        );
    }
}
