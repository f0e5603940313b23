//! Cronbach's alpha with the Feldt confidence interval.

use super::descriptive::variance;
use statrs::distribution::{ContinuousCDF, FisherSnedecor};

/// Alpha of complete item sets (`rows[person][item]`, scored items) with its
/// 95% Feldt CI. `None` with fewer than two items or people, or when the
/// total has no variance.
pub fn cronbach_alpha(rows: &[Vec<f64>]) -> Option<(f64, Option<(f64, f64)>)> {
    let n = rows.len();
    let k = rows.first()?.len();
    if n < 2 || k < 2 || rows.iter().any(|r| r.len() != k) {
        return None;
    }
    let item_variance_sum: f64 = (0..k)
        .map(|j| variance(&rows.iter().map(|r| r[j]).collect::<Vec<_>>()))
        .sum::<Option<f64>>()?;
    let totals: Vec<f64> = rows.iter().map(|r| r.iter().sum()).collect();
    let total_variance = variance(&totals)?;
    if !(total_variance > 0.0) {
        return None;
    }
    let kf = k as f64;
    let alpha = kf / (kf - 1.0) * (1.0 - item_variance_sum / total_variance);
    let df1 = n as f64 - 1.0;
    let df2 = df1 * (kf - 1.0);
    let ci = FisherSnedecor::new(df1, df2).ok().map(|f| {
        let level = super::CONFIDENCE_LEVEL;
        (
            1.0 - (1.0 - alpha) * f.inverse_cdf(0.5 + level / 2.0),
            1.0 - (1.0 - alpha) * f.inverse_cdf(0.5 - level / 2.0),
        )
    });
    Some((alpha, ci))
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn alpha_of_hand_checked_items() {
        let rows = vec![
            vec![1.0, 2.0, 3.0],
            vec![2.0, 3.0, 4.0],
            vec![3.0, 3.0, 5.0],
            vec![4.0, 5.0, 5.0],
        ];
        // R: 3/2 * (1 - sum(apply(x, 2, var)) / var(rowSums(x))) and the Feldt
        // limits 1 - (1 - a) * qf(c(0.975, 0.025), 3, 6)
        let (alpha, ci) = cronbach_alpha(&rows).unwrap();
        assert_relative_eq!(alpha, 0.94852941176470584, max_relative = 1e-14);
        let (low, high) = ci.unwrap();
        assert_relative_eq!(low, 0.66035595842871064, max_relative = 1e-9);
        assert_relative_eq!(high, 0.99650684955134627, max_relative = 1e-9);
    }

    #[test]
    fn alpha_needs_variance() {
        assert_eq!(cronbach_alpha(&[vec![1.0, 1.0], vec![1.0, 1.0]]), None);
    }
}
