//! Central distributions used by the tests: normal and Student t, with
//! tail-accurate p-values and quantiles polished to full double precision.
//!
//! statrs provides the CDFs; its t quantile comes from an inverse incomplete
//! beta that is not always accurate to the last digits, so quantiles are
//! refined with Newton steps on the CDF. Confidence limits inherit that
//! accuracy, which is what lets them agree with R to ~1e-12.

use statrs::distribution::{Continuous, ContinuousCDF, Normal, StudentsT};

/// Standard normal CDF, accurate in both tails.
pub(crate) fn normal_cdf(z: f64) -> f64 {
    // libm's erfc is accurate to an ulp; statrs' loses ~1e-12 near z = 2.
    0.5 * libm::erfc(-z / std::f64::consts::SQRT_2)
}

/// Standard normal quantile.
pub(crate) fn normal_quantile(probability: f64) -> f64 {
    // Normal::new(0, 1) cannot fail.
    let standard = Normal::new(0.0, 1.0).expect("standard normal");
    let mut z = standard.inverse_cdf(probability);
    for _ in 0..3 {
        let density = standard.pdf(z);
        if density <= 0.0 {
            break;
        }
        // Work on the smaller tail so the residual keeps its digits.
        let residual = if z > 0.0 {
            (1.0 - probability) - normal_cdf(-z)
        } else {
            normal_cdf(z) - probability
        };
        z -= residual / density;
    }
    z
}

fn students_t(df: f64) -> Option<StudentsT> {
    if df.is_finite() && df > 0.0 {
        StudentsT::new(0.0, 1.0, df).ok()
    } else {
        None
    }
}

/// Lower-tail CDF of Student's t with `df` degrees of freedom.
pub(crate) fn t_cdf(t: f64, df: f64) -> Option<f64> {
    Some(students_t(df)?.cdf(t))
}

/// Two-sided p-value `2 * P(T > |t|)`, computed from the lower tail so small
/// p-values keep their relative accuracy.
pub(crate) fn t_two_sided_p(t: f64, df: f64) -> Option<f64> {
    if t.is_nan() {
        return None;
    }
    let lower = students_t(df)?.cdf(-t.abs());
    Some((2.0 * lower).min(1.0))
}

/// Quantile of Student's t, refined by Newton steps to full precision.
pub(crate) fn t_quantile(probability: f64, df: f64) -> Option<f64> {
    if !(0.0 < probability && probability < 1.0) {
        return None;
    }
    let distribution = students_t(df)?;
    let mut x = distribution.inverse_cdf(probability);
    if !x.is_finite() {
        return None;
    }
    for _ in 0..8 {
        let density = distribution.pdf(x);
        if density <= 0.0 {
            break;
        }
        // Work on the smaller tail so the residual is not lost to rounding.
        let residual = if x > 0.0 {
            (1.0 - probability) - distribution.sf(x)
        } else {
            distribution.cdf(x) - probability
        };
        let step = residual / density;
        x -= step;
        if step.abs() <= 1e-16 * x.abs().max(1.0) {
            break;
        }
    }
    Some(x)
}

/// Two-sided p-value of a standard normal statistic.
pub(crate) fn normal_two_sided_p(z: f64) -> f64 {
    (2.0 * normal_cdf(-z.abs())).min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn t_quantiles_match_r() {
        // R: qt(0.975, c(1, 5, 18, 1000))
        assert_relative_eq!(
            t_quantile(0.975, 1.0).unwrap(),
            12.706204736174698,
            max_relative = 1e-13
        );
        assert_relative_eq!(
            t_quantile(0.975, 5.0).unwrap(),
            2.5705818356363137,
            max_relative = 1e-13
        );
        assert_relative_eq!(
            t_quantile(0.975, 18.0).unwrap(),
            2.1009220402410378,
            max_relative = 1e-13
        );
        assert_relative_eq!(
            t_quantile(0.975, 1000.0).unwrap(),
            1.9623390808264074,
            max_relative = 1e-13
        );
        assert_relative_eq!(
            t_quantile(0.025, 18.0).unwrap(),
            -2.1009220402410378,
            max_relative = 1e-13
        );
    }

    #[test]
    fn t_p_values_match_r() {
        // R: 2 * pt(-1.7638342073763937, 18)
        assert_relative_eq!(
            t_two_sided_p(-1.7638342073763937, 18.0).unwrap(),
            0.094725350661641033,
            max_relative = 1e-10
        );
        // R: 2 * pt(-12, 30)
        assert_relative_eq!(
            t_two_sided_p(12.0, 30.0).unwrap(),
            5.5801854151992606e-13,
            max_relative = 1e-9
        );
    }

    #[test]
    fn normal_quantile_matches_r() {
        // R: qnorm(0.975)
        assert_relative_eq!(
            normal_quantile(0.975),
            1.9599639845400536,
            max_relative = 1e-15
        );
    }
}
