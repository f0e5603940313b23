//! Ordinary least squares by Householder QR, with classical and HC3
//! standard errors, and the F test for a block of terms.
//!
//! The design is small (a handful of columns) and tall, so the QR is written
//! out here where its numerics are in view: columns are scaled to unit norm
//! before factoring, the rank is checked against the condition of R, and the
//! solution is polished by iterative refinement with residuals accumulated
//! in double-double arithmetic. An ill-conditioned design is refused with a
//! message rather than answered with garbage.

use super::distributions::{t_quantile, t_two_sided_p};
use statrs::distribution::{ContinuousCDF, FisherSnedecor};

/// Why a regression could not be fitted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RegressionError {
    #[error("needs more observations ({observations}) than coefficients ({coefficients})")]
    TooFewObservations {
        observations: usize,
        coefficients: usize,
    },
    #[error("the design is rank deficient or too ill-conditioned to solve (estimated condition number {condition:.3e}); remove collinear terms or rescale")]
    IllConditioned { condition: f64 },
}

/// A fitted linear model.
#[derive(Debug, Clone, PartialEq)]
pub struct OlsFit {
    pub coefficients: Vec<f64>,
    /// Classical standard errors.
    pub standard_errors: Vec<f64>,
    /// HC3 sandwich standard errors (MacKinnon & White 1985); `None` when
    /// an observation has leverage 1, where HC3 divides by zero.
    pub hc3_standard_errors: Option<Vec<f64>>,
    pub residual_df: f64,
    pub residual_sum_of_squares: f64,
    pub residual_standard_error: f64,
    /// The residuals are rounding error: the outcome is constant or the
    /// model fits it exactly, so no inference is defined (R gives NaN).
    pub exact_fit: bool,
}

/// A coefficient test on the residual degrees of freedom.
#[derive(Debug, Clone, PartialEq)]
pub struct CoefficientTest {
    pub estimate: f64,
    pub standard_error: f64,
    pub df: f64,
    pub p_value: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

impl OlsFit {
    /// The t test and 95% CI of coefficient `j` with the classical or the
    /// HC3 standard error (as `lmtest::coeftest`).
    pub fn test(&self, j: usize, hc3: bool) -> Option<CoefficientTest> {
        if self.exact_fit {
            return None;
        }
        let se = if hc3 {
            self.hc3_standard_errors.as_ref()?[j]
        } else {
            self.standard_errors[j]
        };
        CoefficientTest::of(self.coefficients[j], se, self.residual_df)
    }
}

impl CoefficientTest {
    /// The t test and 95% CI of an estimate with standard error `se` on
    /// `df` degrees of freedom; `None` without a positive finite `se`.
    pub fn of(estimate: f64, se: f64, df: f64) -> Option<CoefficientTest> {
        if !(se > 0.0) || !se.is_finite() {
            return None;
        }
        let critical = t_quantile(0.5 + super::CONFIDENCE_LEVEL / 2.0, df)?;
        Some(CoefficientTest {
            estimate,
            standard_error: se,
            df,
            p_value: t_two_sided_p(estimate / se, df)?,
            ci_low: estimate - critical * se,
            ci_high: estimate + critical * se,
        })
    }
}

/// Sum of a product with an error-free transformation (TwoProduct + TwoSum),
/// so residuals of nearly exact fits keep their digits.
fn dot_compensated(a: impl Iterator<Item = (f64, f64)>) -> f64 {
    let (mut sum, mut compensation) = (0.0f64, 0.0f64);
    for (x, y) in a {
        let product = x * y;
        let product_error = x.mul_add(y, -product);
        let t = sum + product;
        let z = t - sum;
        let sum_error = (sum - (t - z)) + (product - z);
        sum = t;
        compensation += sum_error + product_error;
    }
    sum + compensation
}

/// Householder QR of a tall n×p matrix.
struct Qr {
    n: usize,
    p: usize,
    /// Column-major: R above the diagonal, Householder vectors from the
    /// diagonal down.
    a: Vec<f64>,
    beta: Vec<f64>,
    diagonal: Vec<f64>,
}

impl Qr {
    fn factor(columns: &[Vec<f64>]) -> Qr {
        let n = columns[0].len();
        let p = columns.len();
        let mut a: Vec<f64> = columns.iter().flatten().copied().collect();
        let mut beta = vec![0.0; p];
        let mut diagonal = vec![0.0; p];
        for k in 0..p {
            let column = &a[k * n + k..(k + 1) * n];
            let norm = column.iter().map(|v| v * v).sum::<f64>().sqrt();
            if norm == 0.0 {
                continue;
            }
            // Reflect x onto alpha·e1, choosing the sign that avoids cancellation.
            let alpha = if column[0] > 0.0 { -norm } else { norm };
            let v0 = column[0] - alpha;
            let vv = v0 * v0 + column[1..].iter().map(|v| v * v).sum::<f64>();
            a[k * n + k] = v0;
            beta[k] = 2.0 / vv;
            diagonal[k] = alpha;
            for j in k + 1..p {
                let (left, right) = a.split_at_mut(j * n);
                let v = &left[k * n + k..(k + 1) * n];
                let target = &mut right[k..n];
                let s: f64 = v.iter().zip(target.iter()).map(|(x, y)| x * y).sum::<f64>() * beta[k];
                for (t, x) in target.iter_mut().zip(v) {
                    *t -= s * x;
                }
            }
        }
        Qr {
            n,
            p,
            a,
            beta,
            diagonal,
        }
    }

    fn r(&self, i: usize, j: usize) -> f64 {
        if i == j {
            self.diagonal[i]
        } else {
            self.a[j * self.n + i]
        }
    }

    /// Applies Qᵀ to a vector of length n.
    fn apply_qt(&self, y: &mut [f64]) {
        for k in 0..self.p {
            let v = &self.a[k * self.n + k..(k + 1) * self.n];
            let s: f64 = v.iter().zip(&y[k..]).map(|(a, b)| a * b).sum::<f64>() * self.beta[k];
            for (t, x) in y[k..].iter_mut().zip(v) {
                *t -= s * x;
            }
        }
    }

    /// Applies Q to a vector of length n.
    fn apply_q(&self, y: &mut [f64]) {
        for k in (0..self.p).rev() {
            let v = &self.a[k * self.n + k..(k + 1) * self.n];
            let s: f64 = v.iter().zip(&y[k..]).map(|(a, b)| a * b).sum::<f64>() * self.beta[k];
            for (t, x) in y[k..].iter_mut().zip(v) {
                *t -= s * x;
            }
        }
    }

    /// Solves R x = b (upper triangular) for the first p entries of b.
    fn solve_r(&self, b: &[f64]) -> Vec<f64> {
        let mut x = b[..self.p].to_vec();
        for i in (0..self.p).rev() {
            let mut s = x[i];
            for j in i + 1..self.p {
                s -= self.r(i, j) * x[j];
            }
            x[i] = s / self.r(i, i);
        }
        x
    }

    /// A cheap condition estimate of R: max |r_ii| / min |r_ii|.
    fn condition(&self) -> f64 {
        let diagonal: Vec<f64> = (0..self.p).map(|i| self.r(i, i).abs()).collect();
        let max = diagonal.iter().cloned().fold(0.0, f64::max);
        let min = diagonal.iter().cloned().fold(f64::INFINITY, f64::min);
        if min == 0.0 {
            f64::INFINITY
        } else {
            max / min
        }
    }
}

/// Fits `y = X β + ε` where `columns` are the columns of X (include a
/// column of ones for an intercept).
///
/// With an intercept, the other columns are centred before factoring — a
/// reparametrisation that removes their collinearity with the constant
/// (NIST's Longley, polynomial designs). The solution is then refined
/// against the original columns, with residuals accumulated in
/// double-double, so the intercept keeps its digits too.
pub fn ols(columns: &[Vec<f64>], y: &[f64]) -> Result<OlsFit, RegressionError> {
    let Solved {
        beta,
        solver,
        centres,
        intercept,
    } = solve(columns, y)?;
    let (n, p) = (y.len(), columns.len());
    let residual_of = |beta: &[f64]| -> Vec<f64> {
        (0..n)
            .map(|row| y[row] - dot_compensated((0..p).map(|j| (columns[j][row], beta[j]))))
            .collect()
    };
    let residuals = residual_of(&beta);
    let residual_sum_of_squares: f64 = residuals.iter().map(|e| e * e).sum();
    let residual_df = (n - p) as f64;
    let (mut covariance, mut hc3_covariance) =
        solver.covariances(&residuals, residual_sum_of_squares / residual_df);
    if let Some(i) = intercept {
        let mut t = vec![0.0; p];
        t[i] = 1.0;
        for j in 0..p {
            if j != i {
                t[j] = -centres[j] / columns[i][0];
            }
        }
        map_intercept(&mut covariance, &t, i);
        if let Some(hc3) = hc3_covariance.as_mut() {
            map_intercept(hc3, &t, i);
        }
    }
    // Residuals at the rounding level of y: what is left is arithmetic,
    // not variation, and a test on it would be noise.
    let scale = y.iter().fold(0.0f64, |largest, v| largest.max(v.abs()));
    let residual_standard_error = (residual_sum_of_squares / residual_df).sqrt();
    let exact_fit = residual_standard_error <= 8.0 * f64::EPSILON * scale;
    Ok(OlsFit {
        standard_errors: (0..p).map(|j| covariance[j][j].max(0.0).sqrt()).collect(),
        hc3_standard_errors: hc3_covariance
            .map(|v| (0..p).map(|j| v[j][j].max(0.0).sqrt()).collect()),
        coefficients: beta,
        residual_df,
        residual_standard_error,
        residual_sum_of_squares,
        exact_fit,
    })
}

/// Solves the least-squares problem of [`ols`], refined.
fn solve(columns: &[Vec<f64>], y: &[f64]) -> Result<Solved, RegressionError> {
    let n = y.len();
    let p = columns.len();
    if n <= p || p == 0 {
        return Err(RegressionError::TooFewObservations {
            observations: n,
            coefficients: p,
        });
    }
    let intercept = intercept_column(columns);
    let centres: Vec<f64> = (0..p)
        .map(|j| match intercept {
            Some(i) if i != j => super::descriptive::mean(&columns[j]).unwrap_or(0.0),
            _ => 0.0,
        })
        .collect();
    let centred: Vec<Vec<f64>> = columns
        .iter()
        .zip(&centres)
        .map(|(c, m)| c.iter().map(|v| v - m).collect())
        .collect();
    let solver = ScaledQr::new(&centred)?;
    // β = T β̃: only the intercept changes, by −Σ_j β̃_j · centre_j / constant.
    let transform = |reparametrised: Vec<f64>| -> Vec<f64> {
        let mut beta = reparametrised;
        if let Some(i) = intercept {
            let shift = dot_compensated((0..p).map(|j| (centres[j], beta[j])));
            beta[i] -= shift / columns[i][0];
        }
        beta
    };
    let residual_of = |beta: &[f64]| -> Vec<f64> {
        (0..n)
            .map(|row| y[row] - dot_compensated((0..p).map(|j| (columns[j][row], beta[j]))))
            .collect()
    };
    let mut beta = transform(solver.solve(y));
    // Refinement stops when a correction leaves every coefficient as it
    // was: the next residual, and so every later correction, would be the
    // same, so the result is the one further rounds would give.
    for _ in 0..4 {
        let correction = transform(solver.solve(&residual_of(&beta)));
        let mut changed = false;
        for (b, c) in beta.iter_mut().zip(&correction) {
            let refined = *b + c;
            changed |= refined != *b;
            *b = refined;
        }
        if !changed {
            break;
        }
    }
    Ok(Solved {
        beta,
        solver,
        centres,
        intercept,
    })
}

/// Weighted least-squares coefficients, `lm(y ~ columns - 1, weights)`:
/// one QR solve on the √w-scaled design, which for the handful of
/// well-scaled columns of a weighted comparison is accurate to far below
/// the fixtures' tolerance.
pub(crate) fn weighted_least_squares(
    columns: &[Vec<f64>],
    y: &[f64],
    weights: &[f64],
) -> Result<Vec<f64>, RegressionError> {
    let root: Vec<f64> = weights.iter().map(|w| w.sqrt()).collect();
    let scaled: Vec<Vec<f64>> = columns
        .iter()
        .map(|c| c.iter().zip(&root).map(|(x, r)| x * r).collect())
        .collect();
    let scaled_y: Vec<f64> = y.iter().zip(&root).map(|(v, r)| v * r).collect();
    least_squares_step(&scaled, &scaled_y)
}

/// Least-squares coefficients by one QR solve, without centring or
/// refinement: for the intermediate steps of an iteration that corrects
/// itself (IRLS), where the last digits of a step do not survive.
pub(crate) fn least_squares_step(
    columns: &[Vec<f64>],
    y: &[f64],
) -> Result<Vec<f64>, RegressionError> {
    if y.len() <= columns.len() || columns.is_empty() {
        return Err(RegressionError::TooFewObservations {
            observations: y.len(),
            coefficients: columns.len(),
        });
    }
    Ok(ScaledQr::new(columns)?.solve(y))
}

/// A refined least-squares solution and the factorisation behind it.
struct Solved {
    beta: Vec<f64>,
    solver: ScaledQr,
    centres: Vec<f64>,
    intercept: Option<usize>,
}

/// The position of a constant non-zero column (an intercept), if any.
fn intercept_column(columns: &[Vec<f64>]) -> Option<usize> {
    columns
        .iter()
        .position(|c| c[0] != 0.0 && c.iter().all(|v| *v == c[0]))
}

/// Maps a covariance of the centred parametrisation to the original one:
/// V ← T V Tᵀ, where T differs from the identity only in the intercept row.
fn map_intercept(matrix: &mut [Vec<f64>], t: &[f64], intercept: usize) {
    let p = t.len();
    let column: Vec<f64> = (0..p)
        .map(|a| (0..p).map(|b| matrix[a][b] * t[b]).sum())
        .collect();
    let corner: f64 = (0..p).map(|a| t[a] * column[a]).sum();
    for a in 0..p {
        matrix[a][intercept] = column[a];
        matrix[intercept][a] = column[a];
    }
    matrix[intercept][intercept] = corner;
}

/// Householder QR of the design with unit-norm columns.
struct ScaledQr {
    qr: Qr,
    scales: Vec<f64>,
}

impl ScaledQr {
    fn new(columns: &[Vec<f64>]) -> Result<ScaledQr, RegressionError> {
        // Unit-norm columns make QR invariant to each predictor's units and
        // the condition estimate meaningful.
        let scales: Vec<f64> = columns
            .iter()
            .map(|c| c.iter().map(|v| v * v).sum::<f64>().sqrt())
            .collect();
        if scales.iter().any(|s| *s == 0.0 || !s.is_finite()) {
            return Err(RegressionError::IllConditioned {
                condition: f64::INFINITY,
            });
        }
        let scaled: Vec<Vec<f64>> = columns
            .iter()
            .zip(&scales)
            .map(|(c, s)| c.iter().map(|v| v / s).collect())
            .collect();
        let qr = Qr::factor(&scaled);
        let condition = qr.condition();
        if !(condition < 1e13) {
            return Err(RegressionError::IllConditioned { condition });
        }
        Ok(ScaledQr { qr, scales })
    }

    /// Least-squares coefficients (in the columns' own units) for `rhs`.
    fn solve(&self, rhs: &[f64]) -> Vec<f64> {
        let mut work = rhs.to_vec();
        self.qr.apply_qt(&mut work);
        self.qr
            .solve_r(&work)
            .iter()
            .zip(&self.scales)
            .map(|(b, s)| b / s)
            .collect()
    }

    /// Classical covariance σ²(XᵀX)⁻¹ and HC3 covariance (`None` when an
    /// observation has leverage 1).
    fn covariances(
        &self,
        residuals: &[f64],
        sigma2: f64,
    ) -> (Vec<Vec<f64>>, Option<Vec<Vec<f64>>>) {
        let (n, p) = (self.qr.n, self.qr.p);
        // r_inverse[k][j] = (R⁻¹)_{kj}, from R x = e_j column by column.
        let mut r_inverse = vec![vec![0.0; p]; p];
        for j in 0..p {
            let mut e = vec![0.0; p];
            e[j] = 1.0;
            let column = self.qr.solve_r(&e);
            for k in 0..p {
                r_inverse[k][j] = column[k];
            }
        }
        // Leverages h_i = ‖row i of thin Q‖².
        let mut thin_q_rows = vec![vec![0.0; p]; n];
        for j in 0..p {
            let mut e = vec![0.0; n];
            e[j] = 1.0;
            self.qr.apply_q(&mut e);
            for i in 0..n {
                thin_q_rows[i][j] = e[i];
            }
        }
        // HC3 = (XᵀX)⁻¹ Xᵀ diag(e²/(1−h)²) X (XᵀX)⁻¹ = R⁻¹ M R⁻ᵀ with
        // M = Σ_i w_i q_i q_iᵀ.
        let mut meat = vec![vec![0.0; p]; p];
        let mut hc3_defined = true;
        for i in 0..n {
            let q = &thin_q_rows[i];
            let leverage: f64 = q.iter().map(|v| v * v).sum();
            if 1.0 - leverage < 1e-10 {
                hc3_defined = false;
            }
            let weight = residuals[i].powi(2) / (1.0 - leverage).powi(2);
            for a in 0..p {
                for b in 0..p {
                    meat[a][b] += weight * q[a] * q[b];
                }
            }
        }
        let sandwich = |middle: &dyn Fn(usize, usize) -> f64| -> Vec<Vec<f64>> {
            let mut result = vec![vec![0.0; p]; p];
            for a in 0..p {
                for b in 0..p {
                    let mut total = 0.0;
                    for c in 0..p {
                        for d in 0..p {
                            total += r_inverse[a][c] * middle(c, d) * r_inverse[b][d];
                        }
                    }
                    result[a][b] = total / (self.scales[a] * self.scales[b]);
                }
            }
            result
        };
        let covariance = sandwich(&|c, d| if c == d { sigma2 } else { 0.0 });
        let hc3 = hc3_defined.then(|| sandwich(&|c, d| meat[c][d]));
        (covariance, hc3)
    }
}

/// The residual sum of squares and residual df of a least-squares fit,
/// without standard errors: what an F test needs, at a fraction of
/// [`ols`]'s cost on large data. One QR solve suffices: the residual sum
/// of squares is stationary at the solution, so a coefficient error ε
/// moves it by O(ε²).
pub(crate) fn residual_sum_of_squares(
    columns: &[Vec<f64>],
    y: &[f64],
) -> Result<(f64, f64), RegressionError> {
    let beta = least_squares_step(columns, y)?;
    let p = columns.len();
    let rss = (0..y.len())
        .map(|row| {
            let fitted: f64 = (0..p).map(|j| columns[j][row] * beta[j]).sum();
            (y[row] - fitted).powi(2)
        })
        .sum();
    Ok((rss, (y.len() - p) as f64))
}

/// The F test of the columns `large` adds to `small` (`anova(small,
/// large)`): (F, numerator df, p, denominator df), from residual sums of
/// squares alone. `None` when undefined (no residual variance, or a
/// design that cannot be solved).
pub(crate) fn added_terms_f_test(
    small: &[Vec<f64>],
    large: &[Vec<f64>],
    y: &[f64],
) -> Option<(f64, f64, f64, f64)> {
    let (rss_small, df_small) = residual_sum_of_squares(small, y).ok()?;
    let (rss_large, df_large) = residual_sum_of_squares(large, y).ok()?;
    let numerator_df = df_small - df_large;
    let scale = y.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let exact = (rss_large / df_large).sqrt() <= 8.0 * f64::EPSILON * scale;
    if !(numerator_df > 0.0) || !(rss_large > 0.0) || exact {
        return None;
    }
    let f = ((rss_small - rss_large) / numerator_df) / (rss_large / df_large);
    let distribution = FisherSnedecor::new(numerator_df, df_large).ok()?;
    Some((f, numerator_df, distribution.sf(f), df_large))
}

/// The F test of terms added to a model: `anova(small, large)` in R, with
/// residual sums of squares and residual dfs of both fits. Returns
/// (F, numerator df, p).
pub(crate) fn nested_f_test(small: &OlsFit, large: &OlsFit) -> Option<(f64, f64, f64)> {
    let numerator_df = small.residual_df - large.residual_df;
    if !(numerator_df > 0.0) || !(large.residual_sum_of_squares > 0.0) || large.exact_fit {
        return None;
    }
    let f = ((small.residual_sum_of_squares - large.residual_sum_of_squares) / numerator_df)
        / (large.residual_sum_of_squares / large.residual_df);
    let distribution = FisherSnedecor::new(numerator_df, large.residual_df).ok()?;
    Some((f, numerator_df, distribution.sf(f)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn fits_a_line_exactly() {
        let x: Vec<f64> = (0..10).map(f64::from).collect();
        let y: Vec<f64> = x.iter().map(|v| 2.0 + 3.0 * v).collect();
        let fit = ols(&[vec![1.0; 10], x], &y).unwrap();
        assert_relative_eq!(fit.coefficients[0], 2.0, max_relative = 1e-14);
        assert_relative_eq!(fit.coefficients[1], 3.0, max_relative = 1e-14);
        // R: summary(lm(y ~ x)) on an exact fit has no meaningful test.
        assert!(fit.exact_fit);
        assert_eq!(fit.test(1, false), None);
    }

    #[test]
    fn a_constant_outcome_has_no_inference() {
        // Regression: a slope of ~1e-20 was reported with p = 0.26.
        let x: Vec<f64> = (0..12).map(|i| f64::from(i % 5)).collect();
        let baseline: Vec<f64> = (0..12).map(|i| f64::from(i % 3) + 0.1).collect();
        let y = vec![-0.7; 12];
        let fit = ols(&[vec![1.0; 12], x, baseline], &y).unwrap();
        assert!(fit.exact_fit);
        assert_eq!(fit.test(1, false), None);
        assert_eq!(fit.test(1, true), None);
        let small = ols(&[vec![1.0; 12]], &y).unwrap();
        assert_eq!(nested_f_test(&small, &fit), None);
    }

    #[test]
    fn matches_r_lm_and_hc3() {
        // R: x <- c(1,2,3,4,5,6,7,8); z <- c(2,1,4,3,6,5,8,9); y <- c(1.2,1.9,3.2,3.8,5.3,5.9,7.4,7.7)
        // fit <- lm(y ~ x + z); coef, sqrt(diag(vcov(fit))), sqrt(diag(sandwich::vcovHC(fit, "HC3")))
        let x = vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0];
        let z = vec![2.0, 1.0, 4.0, 3.0, 6.0, 5.0, 8.0, 9.0];
        let y = vec![1.2, 1.9, 3.2, 3.8, 5.3, 5.9, 7.4, 7.7];
        let small = ols(&[vec![1.0; 8], x.clone()], &y).unwrap();
        let fit = ols(&[vec![1.0; 8], x, z], &y).unwrap();
        assert_eq!(fit.residual_df, 5.0);
        let expected = [
            (
                0.13627450980392336,
                0.180100467497798983,
                0.193822860511424833,
            ),
            (
                0.81421568627450935,
                0.098379556316924632,
                0.057259755319763871,
            ),
            (
                0.15784313725490212,
                0.085582114643129092,
                0.072474491215310521,
            ),
        ];
        for (j, (b, se, hc3)) in expected.into_iter().enumerate() {
            assert_relative_eq!(fit.coefficients[j], b, max_relative = 1e-12);
            assert_relative_eq!(fit.standard_errors[j], se, max_relative = 1e-12);
            assert_relative_eq!(
                fit.hc3_standard_errors.as_ref().unwrap()[j],
                hc3,
                max_relative = 1e-12
            );
        }
        // anova(lm(y ~ x), fit): F = 3.40162, p = 0.12445
        let (f, df, p) = nested_f_test(&small, &fit).unwrap();
        assert_relative_eq!(
            f,
            0.181519607843137 / (0.266813725490196 / 5.0),
            max_relative = 1e-12
        );
        assert_eq!(df, 1.0);
        assert_relative_eq!(p, 0.12445, max_relative = 1e-4);
    }

    #[test]
    fn hc3_is_undefined_with_leverage_one() {
        // Regression (djg11 fixture, comparison arm): one person with 1
        // session among 0s has leverage 1; R's sandwich gives NaN.
        let sessions = [0.0, 0.0, 0.0, 1.0, 0.0, 0.0];
        let baseline = [3.0, 5.0, 4.0, 6.0, 2.0, 7.0];
        let change = [-1.0, 0.0, 1.0, -2.0, 0.5, -0.5];
        let fit = ols(
            &[vec![1.0; 6], sessions.to_vec(), baseline.to_vec()],
            &change,
        )
        .unwrap();
        assert!(fit.hc3_standard_errors.is_none());
        assert!(fit.test(1, true).is_none());
        assert!(fit.test(1, false).is_some());
    }

    #[test]
    fn refuses_collinear_columns() {
        let x: Vec<f64> = (0..10).map(f64::from).collect();
        let twice: Vec<f64> = x.iter().map(|v| 2.0 * v).collect();
        let y: Vec<f64> = x.iter().map(|v| v + 1.0).collect();
        assert!(matches!(
            ols(&[vec![1.0; 10], x, twice], &y),
            Err(RegressionError::IllConditioned { .. })
        ));
    }
}
