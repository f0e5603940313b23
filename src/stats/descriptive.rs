//! Numerically careful descriptive statistics: two-pass mean and variance,
//! R's type-7 quantiles.
//!
//! The mean is refined with a second pass over the residuals (as R's `mean`
//! does with long doubles), so sums of large, nearly equal values such as
//! NIST's NumAcc datasets keep their digits.

/// Arithmetic mean; `None` for an empty slice.
pub fn mean(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let n = values.len() as f64;
    let first = values.iter().sum::<f64>() / n;
    let correction = values.iter().map(|v| v - first).sum::<f64>() / n;
    Some(first + correction)
}

/// Sample variance with n − 1 in the denominator; `None` below two values.
pub fn variance(values: &[f64]) -> Option<f64> {
    if values.len() < 2 {
        return None;
    }
    let m = mean(values)?;
    let mut sum_squares = 0.0;
    let mut sum_residuals = 0.0;
    for v in values {
        let r = v - m;
        sum_squares += r * r;
        sum_residuals += r;
    }
    let n = values.len() as f64;
    // Corrected two-pass formula (Chan, Golub & LeVeque): removes the
    // rounding left in the mean.
    Some((sum_squares - sum_residuals * sum_residuals / n) / (n - 1.0))
}

/// Sample standard deviation (n − 1); `None` below two values.
pub fn standard_deviation(values: &[f64]) -> Option<f64> {
    variance(values).map(f64::sqrt)
}

/// Lag-1 autocorrelation as NIST defines it:
/// Σ_{i<n} (y_i − ȳ)(y_{i+1} − ȳ) / Σ (y_i − ȳ)². `None` below two values or
/// without variance.
pub fn autocorrelation_lag1(values: &[f64]) -> Option<f64> {
    if values.len() < 2 {
        return None;
    }
    let m = mean(values)?;
    let numerator: f64 = values.windows(2).map(|w| (w[0] - m) * (w[1] - m)).sum();
    let denominator: f64 = values.iter().map(|v| (v - m) * (v - m)).sum();
    (denominator > 0.0).then(|| numerator / denominator)
}

/// Sorts a copy of the values (NaN-free input expected) in ascending order.
pub(crate) fn sorted(values: &[f64]) -> Vec<f64> {
    let mut copy = values.to_vec();
    copy.sort_by(f64::total_cmp);
    copy
}

/// Quantile of already sorted values by R's `quantile(type = 7)`.
///
/// Uses R's exact formula `(1 - h) * x[lo] + h * x[hi]` so the last bit agrees.
pub(crate) fn quantile_sorted(sorted_values: &[f64], probability: f64) -> Option<f64> {
    let n = sorted_values.len();
    if n == 0 || !(0.0..=1.0).contains(&probability) {
        return None;
    }
    let index = (n - 1) as f64 * probability;
    let lo = index.floor();
    let hi = index.ceil();
    let x_lo = sorted_values[lo as usize];
    let x_hi = sorted_values[hi as usize];
    let h = index - lo;
    if h > 0.0 && x_hi != x_lo {
        Some((1.0 - h) * x_lo + h * x_hi)
    } else {
        Some(x_lo)
    }
}

/// Median (type-7 quantile at 0.5) of unsorted values.
pub fn median(values: &[f64]) -> Option<f64> {
    quantile_sorted(&sorted(values), 0.5)
}

/// The summary that `descriptives` reports for one wave and group.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub n: usize,
    pub mean: f64,
    /// `None` with fewer than two values.
    pub sd: Option<f64>,
    pub median: f64,
    pub q1: f64,
    pub q3: f64,
    pub min: f64,
    pub max: f64,
}

/// Full summary of a sample; `None` when it is empty.
pub(crate) fn summarise(values: &[f64]) -> Option<Summary> {
    let sorted_values = sorted(values);
    Some(Summary {
        n: values.len(),
        mean: mean(values)?,
        sd: standard_deviation(values),
        median: quantile_sorted(&sorted_values, 0.5)?,
        q1: quantile_sorted(&sorted_values, 0.25)?,
        q3: quantile_sorted(&sorted_values, 0.75)?,
        min: *sorted_values.first()?,
        max: *sorted_values.last()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn mean_and_sd_match_r() {
        // R: x <- c(2, 4, 4, 4, 5, 5, 7, 9); mean(x); sd(x)
        let x = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0];
        assert_eq!(mean(&x), Some(5.0));
        assert_relative_eq!(
            standard_deviation(&x).unwrap(),
            2.138089935299395,
            max_relative = 1e-15
        );
    }

    #[test]
    fn sd_undefined_for_one_value() {
        assert_eq!(standard_deviation(&[3.0]), None);
        assert_eq!(mean(&[]), None);
    }

    #[test]
    fn type7_quantiles_match_r() {
        // R: quantile(c(1, 3, 4, 8, 10), c(.25, .5, .75)) -> 3 4 8
        let x = sorted(&[10.0, 1.0, 3.0, 8.0, 4.0]);
        assert_eq!(quantile_sorted(&x, 0.25), Some(3.0));
        assert_eq!(quantile_sorted(&x, 0.75), Some(8.0));
        // R: quantile(c(1, 2, 3, 4), c(.25, .75)) -> 1.75 3.25
        let y = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile_sorted(&y, 0.25), Some(1.75));
        assert_eq!(quantile_sorted(&y, 0.75), Some(3.25));
        assert_eq!(median(&y), Some(2.5));
    }

    #[test]
    fn numerically_hard_mean_keeps_digits() {
        // NIST NumAcc3-like: 1e12 + small offsets.
        let x: Vec<f64> = (0..1001)
            .map(|i| 1_000_000_000_000.2 + if i % 2 == 0 { 0.1 } else { -0.1 })
            .collect();
        let m = mean(&x).unwrap();
        assert!((m - 1_000_000_000_000.2).abs() < 1e-3);
    }
}
