//! Small dense symmetric matrices (a handful of rows): inversion, the
//! Cholesky factor and the eigen-decomposition that the sandwich
//! estimators need. The data never pass through here, only p×p sums.

/// Inverts a small symmetric positive-definite matrix by Gauss–Jordan
/// elimination with partial pivoting.
pub(crate) fn invert(matrix: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let p = matrix.len();
    let mut a: Vec<Vec<f64>> = matrix.to_vec();
    let mut inverse: Vec<Vec<f64>> = (0..p)
        .map(|i| (0..p).map(|j| f64::from(u8::from(i == j))).collect())
        .collect();
    for column in 0..p {
        let pivot =
            (column..p).max_by(|&x, &y| a[x][column].abs().total_cmp(&a[y][column].abs()))?;
        if !(a[pivot][column].abs() > 0.0) {
            return None;
        }
        a.swap(column, pivot);
        inverse.swap(column, pivot);
        let divisor = a[column][column];
        for j in 0..p {
            a[column][j] /= divisor;
            inverse[column][j] /= divisor;
        }
        for row in 0..p {
            if row != column {
                let factor = a[row][column];
                if factor != 0.0 {
                    for j in 0..p {
                        a[row][j] -= factor * a[column][j];
                        inverse[row][j] -= factor * inverse[column][j];
                    }
                }
            }
        }
    }
    Some(inverse)
}

/// The lower-triangular L with L Lᵀ = `matrix`; `None` when the matrix is
/// not positive definite.
pub(crate) fn cholesky(matrix: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let p = matrix.len();
    let mut l = vec![vec![0.0; p]; p];
    for i in 0..p {
        for j in 0..=i {
            let mut s = matrix[i][j];
            for k in 0..j {
                s -= l[i][k] * l[j][k];
            }
            if i == j {
                if !(s > 0.0) {
                    return None;
                }
                l[i][i] = s.sqrt();
            } else {
                l[i][j] = s / l[j][j];
            }
        }
    }
    Some(l)
}

/// Eigenvalues and eigenvectors (the columns of the second matrix) of a
/// small symmetric matrix, by cyclic Jacobi rotations, which are accurate
/// to rounding for the tiny matrices here.
pub(crate) fn symmetric_eigen(matrix: &[Vec<f64>]) -> (Vec<f64>, Vec<Vec<f64>>) {
    let p = matrix.len();
    let mut a = matrix.to_vec();
    let mut vectors: Vec<Vec<f64>> = (0..p)
        .map(|i| (0..p).map(|j| f64::from(u8::from(i == j))).collect())
        .collect();
    for _sweep in 0..100 {
        let off: f64 = (0..p)
            .flat_map(|i| (0..p).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| a[i][j] * a[i][j])
            .sum();
        let scale: f64 = (0..p).map(|i| a[i][i] * a[i][i]).sum();
        if off <= 1e-32 * scale || off == 0.0 {
            break;
        }
        for r in 0..p {
            for s in r + 1..p {
                if a[r][s] == 0.0 {
                    continue;
                }
                let theta = (a[s][s] - a[r][r]) / (2.0 * a[r][s]);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let sn = t * c;
                for k in 0..p {
                    let (akr, aks) = (a[k][r], a[k][s]);
                    a[k][r] = c * akr - sn * aks;
                    a[k][s] = sn * akr + c * aks;
                }
                for k in 0..p {
                    let (ark, ask) = (a[r][k], a[s][k]);
                    a[r][k] = c * ark - sn * ask;
                    a[s][k] = sn * ark + c * ask;
                }
                for k in 0..p {
                    let (vkr, vks) = (vectors[k][r], vectors[k][s]);
                    vectors[k][r] = c * vkr - sn * vks;
                    vectors[k][s] = sn * vkr + c * vks;
                }
            }
        }
    }
    ((0..p).map(|i| a[i][i]).collect(), vectors)
}

/// `a · b` for square matrices.
pub(crate) fn product(a: &[Vec<f64>], b: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let p = a.len();
    (0..p)
        .map(|i| {
            (0..p)
                .map(|j| (0..p).map(|k| a[i][k] * b[k][j]).sum())
                .collect()
        })
        .collect()
}

/// `a · v`.
pub(crate) fn apply(a: &[Vec<f64>], v: &[f64]) -> Vec<f64> {
    a.iter()
        .map(|row| row.iter().zip(v).map(|(x, y)| x * y).sum())
        .collect()
}

/// `aᵀ · v`.
pub(crate) fn apply_transposed(a: &[Vec<f64>], v: &[f64]) -> Vec<f64> {
    (0..a.len())
        .map(|j| (0..a.len()).map(|i| a[i][j] * v[i]).sum())
        .collect()
}

pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn eigen_decomposition_rebuilds_the_matrix() {
        let m = vec![
            vec![4.0, 1.0, 0.5],
            vec![1.0, 3.0, 0.25],
            vec![0.5, 0.25, 2.0],
        ];
        let (values, vectors) = symmetric_eigen(&m);
        for i in 0..3 {
            for j in 0..3 {
                let rebuilt: f64 = (0..3)
                    .map(|k| vectors[i][k] * values[k] * vectors[j][k])
                    .sum();
                assert_relative_eq!(rebuilt, m[i][j], epsilon = 1e-13);
            }
        }
        // The trace and determinant are kept.
        assert_relative_eq!(values.iter().sum::<f64>(), 9.0, epsilon = 1e-13);
        let l = cholesky(&m).expect("positive definite");
        let det = (0..3).map(|i| l[i][i] * l[i][i]).product::<f64>();
        assert_relative_eq!(values.iter().product::<f64>(), det, epsilon = 1e-12);
    }
}
