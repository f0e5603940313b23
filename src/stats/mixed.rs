//! Linear mixed model with a random intercept per participant, fitted by
//! REML, with Satterthwaite degrees of freedom (as `lmerTest::lmer`).
//!
//! With one random intercept, V_i = σ²(I + γ 11ᵀ) for a participant with
//! n_i observations, and V_i⁻¹ = (I − c_i 11ᵀ)/σ² with c_i = γ/(1 + n_i γ).
//! Every quantity REML needs is then a sum over participants of small
//! sufficient statistics, and c_i depends only on n_i — so after one pass
//! over the data, each evaluation of the profiled REML criterion costs
//! O(distinct cluster sizes × p²), whatever the number of participants.
//! Nothing n×n is ever formed.

use super::distributions::{t_quantile, t_two_sided_p};
use std::collections::BTreeMap;

/// Why a mixed model could not be fitted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MixedModelError {
    #[error("needs more observations ({observations}) than fixed effects ({coefficients})")]
    TooFewObservations {
        observations: usize,
        coefficients: usize,
    },
    #[error(
        "the fixed-effects design is singular (a term has no observations or duplicates another)"
    )]
    Singular,
}

/// Sufficient statistics of all clusters with the same number of
/// observations.
#[derive(Debug, Clone)]
struct SizeClass {
    size: f64,
    clusters: f64,
    /// Σ_i s_i s_iᵀ with s_i = X_iᵀ1.
    sx_outer: Vec<f64>,
    /// Σ_i s_i (1ᵀy_i).
    sx_sy: Vec<f64>,
    /// Σ_i (1ᵀy_i)².
    sy_squared: f64,
}

/// The data reduced to what REML needs.
struct Sufficient {
    p: usize,
    observations: f64,
    xtx: Vec<f64>,
    xty: Vec<f64>,
    yty: f64,
    classes: Vec<SizeClass>,
}

/// Results for one fixed effect.
#[derive(Debug, Clone, PartialEq)]
pub struct FixedEffect {
    pub estimate: f64,
    pub standard_error: f64,
    /// Satterthwaite degrees of freedom.
    pub df: f64,
    pub p_value: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

impl FixedEffect {
    /// The t test and 95% CI of `estimate` with `standard_error` on `df`
    /// degrees of freedom.
    pub(super) fn tested(estimate: f64, standard_error: f64, df: f64) -> FixedEffect {
        let critical = t_quantile(0.5 + super::CONFIDENCE_LEVEL / 2.0, df).unwrap_or(f64::NAN);
        FixedEffect {
            estimate,
            standard_error,
            df,
            p_value: t_two_sided_p(estimate / standard_error, df).unwrap_or(f64::NAN),
            ci_low: estimate - critical * standard_error,
            ci_high: estimate + critical * standard_error,
        }
    }
}

/// A fitted random-intercept model.
#[derive(Debug, Clone, PartialEq)]
pub struct MixedFit {
    pub fixed_effects: Vec<FixedEffect>,
    /// The requested linear combinations Lβ, in order.
    pub contrasts: Vec<FixedEffect>,
    /// Residual variance σ².
    pub residual_variance: f64,
    /// Random-intercept variance τ².
    pub intercept_variance: f64,
}

/// Cholesky factor (lower, row-major) of a symmetric positive definite p×p
/// matrix; `None` when not positive definite.
fn cholesky(a: &[f64], p: usize) -> Option<Vec<f64>> {
    let mut l = vec![0.0; p * p];
    for i in 0..p {
        for j in 0..=i {
            let mut s = a[i * p + j];
            for k in 0..j {
                s -= l[i * p + k] * l[j * p + k];
            }
            if i == j {
                if !(s > 0.0) {
                    return None;
                }
                l[i * p + i] = s.sqrt();
            } else {
                l[i * p + j] = s / l[j * p + j];
            }
        }
    }
    Some(l)
}

fn cholesky_solve(l: &[f64], p: usize, b: &[f64]) -> Vec<f64> {
    let mut z = b.to_vec();
    for i in 0..p {
        for k in 0..i {
            z[i] -= l[i * p + k] * z[k];
        }
        z[i] /= l[i * p + i];
    }
    for i in (0..p).rev() {
        for k in i + 1..p {
            z[i] -= l[k * p + i] * z[k];
        }
        z[i] /= l[i * p + i];
    }
    z
}

/// Pieces of the REML criterion at given variance ratios (γ = τ²/σ²).
pub(super) struct AtRatio {
    log_det_w: f64,
    log_det_a: f64,
    /// r'W⁻¹r at the GLS estimate.
    pub(super) weighted_rss: f64,
    cholesky: Vec<f64>,
    pub(super) beta: Vec<f64>,
}

impl AtRatio {
    /// The GLS solution from A = XᵀW⁻¹X (row-major p×p), b = XᵀW⁻¹y,
    /// yy = yᵀW⁻¹y and log|W|; `None` when A is not positive definite.
    pub(super) fn solve(
        a: Vec<f64>,
        b: Vec<f64>,
        yy: f64,
        log_det_w: f64,
        p: usize,
    ) -> Option<AtRatio> {
        let l = cholesky(&a, p)?;
        let beta = cholesky_solve(&l, p, &b);
        let weighted_rss = yy - beta.iter().zip(&b).map(|(x, y)| x * y).sum::<f64>();
        let log_det_a = 2.0 * (0..p).map(|i| l[i * p + i].ln()).sum::<f64>();
        Some(AtRatio {
            log_det_w,
            log_det_a,
            weighted_rss,
            cholesky: l,
            beta,
        })
    }

    /// The REML criterion profiled over σ² (constants dropped), with
    /// `residual_df` = n − p; infinite where undefined.
    pub(super) fn profiled(at: Option<AtRatio>, residual_df: f64) -> f64 {
        match at {
            Some(r) if r.weighted_rss > 0.0 => {
                residual_df * r.weighted_rss.ln() + r.log_det_w + r.log_det_a
            }
            _ => f64::INFINITY,
        }
    }

    /// The full REML deviance at residual variance `sigma2`.
    pub(super) fn deviance(at: Option<AtRatio>, residual_df: f64, sigma2: f64) -> f64 {
        let Some(r) = at else {
            return f64::NAN;
        };
        residual_df * sigma2.ln() + r.log_det_w + r.log_det_a + r.weighted_rss / sigma2
    }

    /// Var(Lβ̂) at residual variance `sigma2`.
    pub(super) fn contrast_variance(at: Option<AtRatio>, l: &[f64], sigma2: f64) -> f64 {
        let Some(r) = at else {
            return f64::NAN;
        };
        let p = r.beta.len();
        let solved = cholesky_solve(&r.cholesky, p, l);
        sigma2 * l.iter().zip(&solved).map(|(a, b)| a * b).sum::<f64>()
    }
}

impl Sufficient {
    fn new(y: &[f64], columns: &[Vec<f64>], cluster: &[usize]) -> Sufficient {
        let p = columns.len();
        let mut xtx = vec![0.0; p * p];
        let mut xty = vec![0.0; p];
        let mut yty = 0.0;
        let mut add_row = |row: usize, sums: &mut (f64, Vec<f64>, f64)| {
            sums.0 += 1.0;
            for a in 0..p {
                let xa = columns[a][row];
                sums.1[a] += xa;
                xty[a] += xa * y[row];
                for b in 0..p {
                    xtx[a * p + b] += xa * columns[b][row];
                }
            }
            sums.2 += y[row];
            yty += y[row] * y[row];
        };
        // Per-cluster sums (count, Σx, Σy), then pooled by cluster size, in
        // cluster order.
        let mut by_size: BTreeMap<u64, SizeClass> = BTreeMap::new();
        let mut pool = |(size, sx, sy): (f64, Vec<f64>, f64)| {
            let class = by_size.entry(size as u64).or_insert_with(|| SizeClass {
                size,
                clusters: 0.0,
                sx_outer: vec![0.0; p * p],
                sx_sy: vec![0.0; p],
                sy_squared: 0.0,
            });
            class.clusters += 1.0;
            for a in 0..p {
                class.sx_sy[a] += sx[a] * sy;
                for b in 0..p {
                    class.sx_outer[a * p + b] += sx[a] * sx[b];
                }
            }
            class.sy_squared += sy * sy;
        };
        if cluster.is_sorted() {
            // Rows of a cluster together, clusters in order (the usual
            // layout): each cluster is summed as its run, with the same
            // sums in the same order as the map below, and no map of a
            // million clusters.
            let mut start = 0;
            while start < cluster.len() {
                let mut sums = (0.0, vec![0.0; p], 0.0);
                let mut end = start;
                while end < cluster.len() && cluster[end] == cluster[start] {
                    add_row(end, &mut sums);
                    end += 1;
                }
                pool(sums);
                start = end;
            }
        } else {
            let mut per_cluster: BTreeMap<usize, (f64, Vec<f64>, f64)> = BTreeMap::new();
            for (row, &c) in cluster.iter().enumerate() {
                let sums = per_cluster
                    .entry(c)
                    .or_insert_with(|| (0.0, vec![0.0; p], 0.0));
                add_row(row, sums);
            }
            per_cluster.into_values().for_each(&mut pool);
        }
        Sufficient {
            p,
            observations: y.len() as f64,
            xtx,
            xty,
            yty,
            classes: by_size.into_values().collect(),
        }
    }

    fn at(&self, gamma: f64) -> Option<AtRatio> {
        let p = self.p;
        let mut a = self.xtx.clone();
        let mut b = self.xty.clone();
        let mut yy = self.yty;
        let mut log_det_w = 0.0;
        for class in &self.classes {
            let c = gamma / (1.0 + class.size * gamma);
            for k in 0..p * p {
                a[k] -= c * class.sx_outer[k];
            }
            for k in 0..p {
                b[k] -= c * class.sx_sy[k];
            }
            yy -= c * class.sy_squared;
            log_det_w += class.clusters * (1.0 + class.size * gamma).ln();
        }
        AtRatio::solve(a, b, yy, log_det_w, p)
    }

    /// REML criterion profiled over σ² (constants dropped).
    fn profiled(&self, gamma: f64) -> f64 {
        AtRatio::profiled(self.at(gamma), self.observations - self.p as f64)
    }

    /// Full REML deviance at (τ², σ²).
    fn deviance(&self, tau2: f64, sigma2: f64) -> f64 {
        AtRatio::deviance(
            self.at(tau2 / sigma2),
            self.observations - self.p as f64,
            sigma2,
        )
    }

    /// Var(Lβ̂) at (τ², σ²).
    fn contrast_variance(&self, l: &[f64], tau2: f64, sigma2: f64) -> f64 {
        AtRatio::contrast_variance(self.at(tau2 / sigma2), l, sigma2)
    }
}

/// Minimises `f` on [low, high] by golden-section search refined with
/// parabolic steps (Brent 1973).
pub(super) fn minimise(f: impl Fn(f64) -> f64, low: f64, high: f64) -> f64 {
    let golden = 0.381_966_011_250_105_1;
    let (mut a, mut b) = (low, high);
    let mut x = a + golden * (b - a);
    let (mut w, mut v) = (x, x);
    let mut fx = f(x);
    let (mut fw, mut fv) = (fx, fx);
    let (mut d, mut e): (f64, f64) = (0.0, 0.0);
    for _ in 0..200 {
        let m = 0.5 * (a + b);
        let tol = 1e-12 * x.abs() + 1e-14;
        if (x - m).abs() <= 2.0 * tol - 0.5 * (b - a) {
            break;
        }
        let mut golden_step = true;
        if e.abs() > tol {
            let r = (x - w) * (fx - fv);
            let mut q = (x - v) * (fx - fw);
            let mut p = (x - v) * q - (x - w) * r;
            q = 2.0 * (q - r);
            if q > 0.0 {
                p = -p;
            }
            q = q.abs();
            if p.abs() < (0.5 * q * e).abs() && p > q * (a - x) && p < q * (b - x) {
                e = d;
                d = p / q;
                golden_step = false;
            }
        }
        if golden_step {
            e = if x < m { b - x } else { a - x };
            d = golden * e;
        }
        let u = if d.abs() >= tol {
            x + d
        } else {
            x + tol.copysign(d)
        };
        let fu = f(u);
        if fu <= fx {
            if u < x {
                b = x;
            } else {
                a = x;
            }
            (v, fv, w, fw, x, fx) = (w, fw, x, fx, u, fu);
        } else {
            if u < x {
                a = u;
            } else {
                b = u;
            }
            if fu <= fw || w == x {
                (v, fv, w, fw) = (w, fw, u, fu);
            } else if fu <= fv || v == x || v == w {
                (v, fv) = (u, fu);
            }
        }
    }
    x
}

/// Central second-order difference with one Richardson step.
pub(super) fn derivative(f: &dyn Fn(f64) -> f64, x: f64) -> f64 {
    let h = 1e-3 * x.abs().max(1e-8);
    let d = |h: f64| (f(x + h) - f(x - h)) / (2.0 * h);
    (4.0 * d(h / 2.0) - d(h)) / 3.0
}

/// Fits `y = Xβ + u_cluster + ε` by REML. `cluster[row]` identifies the
/// participant of each observation.
pub fn random_intercept(
    y: &[f64],
    columns: &[Vec<f64>],
    cluster: &[usize],
) -> Result<MixedFit, MixedModelError> {
    random_intercept_with_contrasts(y, columns, cluster, &[])
}

/// As [`random_intercept`], also testing linear combinations `Lβ` (each
/// `contrasts[i]` holds one L), with their own Satterthwaite df — for
/// example the estimated mean at a wave.
pub(crate) fn random_intercept_with_contrasts(
    y: &[f64],
    columns: &[Vec<f64>],
    cluster: &[usize],
    contrasts: &[Vec<f64>],
) -> Result<MixedFit, MixedModelError> {
    let p = columns.len();
    if y.len() <= p {
        return Err(MixedModelError::TooFewObservations {
            observations: y.len(),
            coefficients: p,
        });
    }
    let data = Sufficient::new(y, columns, cluster);
    data.at(0.0).ok_or(MixedModelError::Singular)?;
    // Optimise θ = √γ (lme4's relative standard deviation), bracketed
    // generously and including the boundary θ = 0.
    let criterion = |theta: f64| data.profiled(theta * theta);
    let mut upper = 4.0;
    while upper < 1e4 && criterion(upper) < criterion(upper / 2.0) {
        upper *= 2.0;
    }
    let mut theta = minimise(criterion, 0.0, upper);
    if criterion(0.0) <= criterion(theta) {
        theta = 0.0;
    }
    let gamma = theta * theta;
    let at = data.at(gamma).ok_or(MixedModelError::Singular)?;
    let sigma2 = at.weighted_rss / (data.observations - p as f64);
    let tau2 = gamma * sigma2;

    // Satterthwaite: df = 2 (Var β̂_j)² / (gᵀ A g), A = 2 H⁻¹ with H the
    // Hessian of the REML deviance in (τ², σ²), g the gradient of Var β̂_j.
    let parameters = [tau2, sigma2];
    let deviance = |t: f64, s: f64| data.deviance(t, s);
    let mut hessian = [[0.0; 2]; 2];
    for i in 0..2 {
        for j in 0..2 {
            let partial_j = |value_i: f64| {
                let mut base = parameters;
                base[i] = value_i;
                derivative(
                    &|value_j: f64| {
                        let mut point = base;
                        point[j] = value_j;
                        deviance(point[0], point[1])
                    },
                    base[j],
                )
            };
            hessian[i][j] = derivative(&partial_j, parameters[i]);
        }
    }
    let symmetric = 0.5 * (hessian[0][1] + hessian[1][0]);
    hessian[0][1] = symmetric;
    hessian[1][0] = symmetric;
    let boundary = tau2 <= 0.0;
    let determinant = hessian[0][0] * hessian[1][1] - hessian[0][1] * hessian[1][0];
    let test = |l: &[f64]| -> FixedEffect {
        {
            let variance = data.contrast_variance(l, tau2, sigma2);
            let standard_error = variance.sqrt();
            let df = if boundary || !(determinant > 0.0) {
                // At τ² = 0 the model is ordinary least squares.
                data.observations - p as f64
            } else {
                let gradient: Vec<f64> = (0..2)
                    .map(|k| {
                        derivative(
                            &|value: f64| {
                                let mut point = parameters;
                                point[k] = value;
                                data.contrast_variance(l, point[0], point[1])
                            },
                            parameters[k],
                        )
                    })
                    .collect();
                let inverse = [
                    [hessian[1][1] / determinant, -hessian[0][1] / determinant],
                    [-hessian[1][0] / determinant, hessian[0][0] / determinant],
                ];
                let mut quadratic = 0.0;
                for a in 0..2 {
                    for b in 0..2 {
                        quadratic += gradient[a] * 2.0 * inverse[a][b] * gradient[b];
                    }
                }
                2.0 * variance * variance / quadratic
            };
            let estimate: f64 = l.iter().zip(&at.beta).map(|(a, b)| a * b).sum();
            FixedEffect::tested(estimate, standard_error, df)
        }
    };
    let unit = |j: usize| -> Vec<f64> { (0..p).map(|k| f64::from(u8::from(k == j))).collect() };
    Ok(MixedFit {
        fixed_effects: (0..p).map(|j| test(&unit(j))).collect(),
        contrasts: contrasts.iter().map(|l| test(l)).collect(),
        residual_variance: sigma2,
        intercept_variance: tau2,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    /// Balanced data: REML equals the two-way ANOVA solution, and wave
    /// contrasts have exactly (n − 1)(k − 1) Satterthwaite df.
    #[test]
    fn balanced_design_matches_the_anova_solution() {
        let scores = [
            [5.0, 4.0, 3.5],
            [7.0, 6.5, 5.0],
            [4.0, 4.5, 2.0],
            [6.0, 4.0, 4.5],
            [8.0, 7.0, 6.5],
        ];
        let (n, k) = (scores.len(), 3);
        let mut y = Vec::new();
        let mut cluster = Vec::new();
        let mut wave = Vec::new();
        for (i, row) in scores.iter().enumerate() {
            for (w, v) in row.iter().enumerate() {
                y.push(*v);
                cluster.push(i);
                wave.push(w);
            }
        }
        let columns = vec![
            vec![1.0; y.len()],
            wave.iter().map(|w| f64::from(u8::from(*w == 1))).collect(),
            wave.iter().map(|w| f64::from(u8::from(*w == 2))).collect(),
        ];
        let fit = random_intercept(&y, &columns, &cluster).unwrap();
        let wave_mean = |w: usize| scores.iter().map(|r| r[w]).sum::<f64>() / n as f64;
        let subject_mean = |i: usize| scores[i].iter().sum::<f64>() / k as f64;
        let grand = y.iter().sum::<f64>() / y.len() as f64;
        let mut ss_error = 0.0;
        for i in 0..n {
            for w in 0..k {
                let fitted = subject_mean(i) + wave_mean(w) - grand;
                ss_error += (scores[i][w] - fitted).powi(2);
            }
        }
        let df_error = ((n - 1) * (k - 1)) as f64;
        let sigma2 = ss_error / df_error;
        // Minimising a smooth criterion locates θ to about √ε, so variances
        // agree to ~1e-8, well inside STATISTICS.md's 1e-6.
        assert_relative_eq!(fit.residual_variance, sigma2, max_relative = 1e-7);
        let effect = &fit.fixed_effects[1];
        assert_relative_eq!(
            effect.estimate,
            wave_mean(1) - wave_mean(0),
            max_relative = 1e-9
        );
        assert_relative_eq!(
            effect.standard_error,
            (2.0 * sigma2 / n as f64).sqrt(),
            max_relative = 1e-7
        );
        assert_relative_eq!(effect.df, df_error, max_relative = 1e-5);
        // Clusters out of order (summed through a map) fit the same model;
        // a cluster's rows apart from each other too.
        let relabelled: Vec<usize> = cluster.iter().map(|c| (c * 3 + 2) % n).collect();
        let apart = random_intercept(&y, &columns, &relabelled).unwrap();
        assert_relative_eq!(
            apart.residual_variance,
            fit.residual_variance,
            max_relative = 1e-9
        );
        let order: Vec<usize> = (0..y.len()).map(|i| (i * 7) % y.len()).collect();
        let shuffled = random_intercept(
            &order.iter().map(|&i| y[i]).collect::<Vec<_>>(),
            &columns
                .iter()
                .map(|c| order.iter().map(|&i| c[i]).collect())
                .collect::<Vec<_>>(),
            &order.iter().map(|&i| cluster[i]).collect::<Vec<_>>(),
        )
        .unwrap();
        assert_relative_eq!(
            shuffled.residual_variance,
            fit.residual_variance,
            max_relative = 1e-9
        );
        assert_relative_eq!(
            shuffled.fixed_effects[1].estimate,
            effect.estimate,
            max_relative = 1e-9
        );
    }
}
