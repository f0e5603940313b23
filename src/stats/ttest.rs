//! Student and Welch t-tests (R's `t.test`), with t-based confidence
//! intervals.

use super::descriptive::{mean, variance};
use super::distributions::{t_quantile, t_two_sided_p};

/// The result of a t-test on a mean or a difference of means.
#[derive(Debug, Clone, PartialEq)]
pub struct TTest {
    /// The estimated mean (or difference of means).
    pub estimate: f64,
    pub standard_error: f64,
    pub t: f64,
    pub df: f64,
    pub p_value: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

fn from_estimate(estimate: f64, standard_error: f64, df: f64) -> Option<TTest> {
    if !(standard_error > 0.0) || !standard_error.is_finite() {
        return None;
    }
    let t = estimate / standard_error;
    let p_value = t_two_sided_p(t, df)?;
    let critical = t_quantile(0.5 + super::CONFIDENCE_LEVEL / 2.0, df)?;
    Some(TTest {
        estimate,
        standard_error,
        t,
        df,
        p_value,
        ci_low: estimate - critical * standard_error,
        ci_high: estimate + critical * standard_error,
    })
}

/// One-sample t-test of mean zero: `t.test(x)`, and the paired test when `x`
/// holds the differences. `None` below two values or with zero variance.
pub(crate) fn one_sample(values: &[f64]) -> Option<TTest> {
    let n = values.len() as f64;
    let m = mean(values)?;
    let se = (variance(values)? / n).sqrt();
    from_estimate(m, se, n - 1.0)
}

/// Welch two-sample t-test of `mean(x) - mean(y)`: `t.test(x, y)`.
pub fn welch(x: &[f64], y: &[f64]) -> Option<TTest> {
    let (nx, ny) = (x.len() as f64, y.len() as f64);
    let (vx, vy) = (variance(x)? / nx, variance(y)? / ny);
    welch_from_variances(mean(x)? - mean(y)?, (vx, nx), (vy, ny))
}

/// The Welch test of a difference from each mean's squared standard
/// error and its sample's size.
fn welch_from_variances(difference: f64, x: (f64, f64), y: (f64, f64)) -> Option<TTest> {
    let ((vx, nx), (vy, ny)) = (x, y);
    let df = (vx + vy).powi(2) / (vx * vx / (nx - 1.0) + vy * vy / (ny - 1.0));
    from_estimate(difference, (vx + vy).sqrt(), df)
}

/// The Welch test from each sample's mean, standard error of the mean and
/// size, which determine it: what `t.test(x, y)` gives, for samples known
/// only by what was published of them. `None` below two in a sample.
pub(crate) fn welch_from_summaries(x: (f64, f64, usize), y: (f64, f64, usize)) -> Option<TTest> {
    let ((mx, sex, nx), (my, sey, ny)) = (x, y);
    if nx < 2 || ny < 2 {
        return None;
    }
    welch_from_variances(mx - my, (sex * sex, nx as f64), (sey * sey, ny as f64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn paired_test_matches_r_sleep_data() {
        // R: with(sleep, t.test(extra[group == 2], extra[group == 1], paired = TRUE))
        let g1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
        let g2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];
        let d: Vec<f64> = g2.iter().zip(g1).map(|(a, b)| a - b).collect();
        let test = one_sample(&d).unwrap();
        assert_relative_eq!(test.t, 4.062127683382037, max_relative = 1e-13);
        assert_relative_eq!(test.p_value, 0.0028328901973842702, max_relative = 1e-9);
        assert_relative_eq!(test.ci_low, 0.70011423672301754, max_relative = 1e-12);
        assert_relative_eq!(test.ci_high, 2.45988576327698238, max_relative = 1e-12);
    }

    #[test]
    fn welch_matches_r_sleep_data() {
        // R: with(sleep, t.test(extra[group == 2], extra[group == 1]))
        let g1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
        let g2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];
        let test = welch(&g2, &g1).unwrap();
        assert_relative_eq!(test.t, 1.860813, max_relative = 1e-6);
        assert_relative_eq!(test.df, 17.77647, max_relative = 1e-6);
        assert_relative_eq!(test.p_value, 0.07939414, max_relative = 1e-6);
    }

    #[test]
    fn welch_from_summaries_matches_r_on_the_periods_fixture() {
        // tests/oracle/previous_period.R: t.test(change_now, change_previous)
        // on tests/fixtures/small-ucla3 and tiny-ucla3, whose mean changes,
        // SEs and n R gives in their expected/estimates.csv.
        let test = welch_from_summaries(
            (-0.96907216494845361, 0.17613988617945803, 97),
            (-0.73684210526315785, 0.41775020701019849, 19),
        )
        .unwrap();
        assert_relative_eq!(test.estimate, -0.23223005968529575, max_relative = 1e-12);
        assert_relative_eq!(
            test.standard_error,
            0.45336574083225134,
            max_relative = 1e-12
        );
        assert_relative_eq!(test.df, 24.821873064475181, max_relative = 1e-10);
        assert_relative_eq!(test.p_value, 0.6130140586766073, max_relative = 1e-9);
        assert_relative_eq!(test.ci_low, -1.1662941571827816, max_relative = 1e-10);
        assert_relative_eq!(test.ci_high, 0.70183403781219023, max_relative = 1e-10);
        assert_eq!(welch_from_summaries((1.0, 0.1, 1), (0.0, 0.1, 10)), None);
    }

    #[test]
    fn zero_variance_is_undefined() {
        assert_eq!(one_sample(&[1.0, 1.0, 1.0]), None);
        assert_eq!(one_sample(&[1.0]), None);
    }
}
