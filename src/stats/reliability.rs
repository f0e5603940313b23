//! Cronbach's alpha with the Feldt confidence interval.

use super::descriptive::variance;
use statrs::distribution::{ContinuousCDF, FisherSnedecor};

/// Alpha of complete item sets (`rows[person][item]`, scored items) with its
/// 95% Feldt CI. `None` with fewer than two items or people, or when the
/// total has no variance.
pub fn cronbach_alpha<Row: AsRef<[f64]>>(rows: &[Row]) -> Option<(f64, Option<(f64, f64)>)> {
    let n = rows.len();
    let k = rows.first()?.as_ref().len();
    if n < 2 || k < 2 || rows.iter().any(|r| r.as_ref().len() != k) {
        return None;
    }
    let item_variance_sum: f64 = column_variances(rows, k).iter().sum();
    let totals: Vec<f64> = rows.iter().map(|r| r.as_ref().iter().sum()).collect();
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

/// The variance of each of the `k` columns, with the arithmetic of
/// [`variance`] on each column (the same sums in the same order, so the same
/// digits), in three passes over the rows instead of a copy of each column.
fn column_variances<Row: AsRef<[f64]>>(rows: &[Row], k: usize) -> Vec<f64> {
    let n = rows.len() as f64;
    let mut sums = vec![0.0; k];
    for row in rows {
        for (sum, value) in sums.iter_mut().zip(row.as_ref()) {
            *sum += value;
        }
    }
    let first: Vec<f64> = sums.iter().map(|sum| sum / n).collect();
    let mut corrections = vec![0.0; k];
    for row in rows {
        for ((correction, value), first) in corrections.iter_mut().zip(row.as_ref()).zip(&first) {
            *correction += value - first;
        }
    }
    let means: Vec<f64> = first
        .iter()
        .zip(&corrections)
        .map(|(first, correction)| first + correction / n)
        .collect();
    let (mut squares, mut residuals) = (vec![0.0; k], vec![0.0; k]);
    for row in rows {
        for (j, value) in row.as_ref().iter().enumerate() {
            let residual = value - means[j];
            squares[j] += residual * residual;
            residuals[j] += residual;
        }
    }
    squares
        .iter()
        .zip(&residuals)
        .map(|(squares, residuals)| (squares - residuals * residuals / n) / (n - 1.0))
        .collect()
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
    fn column_variances_are_the_variances_of_the_columns() {
        let rows: Vec<Vec<f64>> = (0..57)
            .map(|i| {
                (0..4)
                    .map(|j| ((i * 7 + j * 13) % 11) as f64 * 0.1 + 1e6)
                    .collect()
            })
            .collect();
        for (j, by_rows) in column_variances(&rows, 4).iter().enumerate() {
            let column: Vec<f64> = rows.iter().map(|r| r[j]).collect();
            assert_eq!(*by_rows, variance(&column).unwrap(), "column {j}");
        }
    }

    #[test]
    fn alpha_needs_variance() {
        assert_eq!(cronbach_alpha(&[vec![1.0, 1.0], vec![1.0, 1.0]]), None);
    }
}
