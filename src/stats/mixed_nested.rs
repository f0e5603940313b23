//! Linear mixed model with two nested random intercepts, per cluster and
//! per participant within cluster, fitted by REML with Satterthwaite
//! degrees of freedom: `lmerTest::lmer(y ~ X + (1 | cluster) + (1 |
//! cluster:participant))`. People who meet in one peer circle share the
//! circle's shift, and each person's answers share their own.
//!
//! For a cluster, V/σ² = I + γ_p B + γ_c 11ᵀ with B block-diagonal over
//! its participants. With D = I + γ_p B, D⁻¹ is known per participant
//! (as in [`super::mixed`]) and V⁻¹ follows from one rank-one update, so
//! REML needs per participant Σx and Σy, and per cluster those sums
//! pooled by participant size: nothing n×n, and each evaluation costs
//! O(clusters × distinct sizes × p²).

use super::mixed::{derivative, minimise, AtRatio, FixedEffect, MixedModelError};
use std::collections::BTreeMap;

/// Participants of one size in one cluster, or in all clusters.
#[derive(Debug, Clone)]
struct SizeSums {
    size: f64,
    count: f64,
    /// Σ s_j (per cluster) with s_j = X_jᵀ1.
    sx: Vec<f64>,
    /// Σ 1ᵀy_j.
    sy: f64,
    /// Σ s_j s_jᵀ, Σ s_j (1ᵀy_j), Σ (1ᵀy_j)² (pooled over clusters only;
    /// left at zero in a cluster's classes).
    sx_outer: Vec<f64>,
    sx_sy: Vec<f64>,
    sy_squared: f64,
}

impl SizeSums {
    fn new(size: f64, p: usize) -> SizeSums {
        SizeSums {
            size,
            count: 0.0,
            sx: vec![0.0; p],
            sy: 0.0,
            sx_outer: vec![0.0; p * p],
            sx_sy: vec![0.0; p],
            sy_squared: 0.0,
        }
    }

    /// Adds a participant's count and sums only (a cluster's classes).
    fn add_sums(&mut self, sx: &[f64], sy: f64) {
        self.count += 1.0;
        self.sy += sy;
        for (total, x) in self.sx.iter_mut().zip(sx) {
            *total += x;
        }
    }

    fn add(&mut self, sx: &[f64], sy: f64) {
        let p = sx.len();
        self.count += 1.0;
        self.sy += sy;
        self.sy_squared += sy * sy;
        for a in 0..p {
            self.sx[a] += sx[a];
            self.sx_sy[a] += sx[a] * sy;
            for b in 0..p {
                self.sx_outer[a * p + b] += sx[a] * sx[b];
            }
        }
    }
}

struct Sufficient {
    p: usize,
    observations: f64,
    xtx: Vec<f64>,
    xty: Vec<f64>,
    yty: f64,
    /// Participants pooled by size over every cluster.
    sizes: Vec<SizeSums>,
    /// Per cluster, its participants pooled by size.
    clusters: Vec<Vec<SizeSums>>,
}

impl Sufficient {
    fn new(
        y: &[f64],
        columns: &[Vec<f64>],
        participant: &[usize],
        cluster: &[usize],
    ) -> Sufficient {
        let p = columns.len();
        let mut xtx = vec![0.0; p * p];
        let mut xty = vec![0.0; p];
        let mut yty = 0.0;
        // Per participant: cluster, and count, Σy, Σx in one flat buffer
        // (stride p + 2). Rows of one participant are usually together and
        // in order (the panel's layout), and are then summed as runs
        // without a map of a million people.
        let stride = p + 2;
        let mut keys: Vec<(usize, usize)> = Vec::new();
        let mut sums: Vec<f64> = Vec::new();
        let mut unordered: BTreeMap<(usize, usize), usize> = BTreeMap::new();
        let in_runs = participant.is_sorted();
        for row in 0..y.len() {
            let key = (cluster[row], participant[row]);
            let index = if in_runs {
                if keys.last() != Some(&key) {
                    keys.push(key);
                    sums.resize(sums.len() + stride, 0.0);
                }
                keys.len() - 1
            } else {
                *unordered.entry(key).or_insert_with(|| {
                    keys.push(key);
                    sums.resize(sums.len() + stride, 0.0);
                    keys.len() - 1
                })
            };
            let person = &mut sums[index * stride..(index + 1) * stride];
            person[0] += 1.0;
            person[1] += y[row];
            for a in 0..p {
                let xa = columns[a][row];
                person[2 + a] += xa;
                xty[a] += xa * y[row];
                for b in 0..p {
                    xtx[a * p + b] += xa * columns[b][row];
                }
            }
            yty += y[row] * y[row];
        }
        let mut sizes: BTreeMap<u64, SizeSums> = BTreeMap::new();
        let mut clusters: BTreeMap<usize, BTreeMap<u64, SizeSums>> = BTreeMap::new();
        for (&(c, _), person) in keys.iter().zip(sums.chunks_exact(stride)) {
            let (n, sy, sx) = (person[0], person[1], &person[2..]);
            sizes
                .entry(n as u64)
                .or_insert_with(|| SizeSums::new(n, p))
                .add(sx, sy);
            clusters
                .entry(c)
                .or_default()
                .entry(n as u64)
                .or_insert_with(|| SizeSums::new(n, p))
                .add_sums(sx, sy);
        }
        Sufficient {
            p,
            observations: y.len() as f64,
            xtx,
            xty,
            yty,
            sizes: sizes.into_values().collect(),
            clusters: clusters
                .into_values()
                .map(|sizes| sizes.into_values().collect())
                .collect(),
        }
    }

    /// At γ_c = τ_c²/σ², γ_p = τ_p²/σ².
    fn at(&self, gamma_c: f64, gamma_p: f64) -> Option<AtRatio> {
        let p = self.p;
        let mut a = self.xtx.clone();
        let mut b = self.xty.clone();
        let mut yy = self.yty;
        let mut log_det_w = 0.0;
        for class in &self.sizes {
            let c = gamma_p / (1.0 + class.size * gamma_p);
            for k in 0..p * p {
                a[k] -= c * class.sx_outer[k];
            }
            for k in 0..p {
                b[k] -= c * class.sx_sy[k];
            }
            yy -= c * class.sy_squared;
            log_det_w += class.count * (1.0 + class.size * gamma_p).ln();
        }
        if gamma_c > 0.0 {
            let mut q = vec![0.0; p];
            for cluster in &self.clusters {
                q.iter_mut().for_each(|v| *v = 0.0);
                let (mut r, mut t) = (0.0, 0.0);
                for class in cluster {
                    let d = 1.0 / (1.0 + class.size * gamma_p);
                    for k in 0..p {
                        q[k] += d * class.sx[k];
                    }
                    r += d * class.sy;
                    t += d * class.size * class.count;
                }
                let f = gamma_c / (1.0 + gamma_c * t);
                for i in 0..p {
                    b[i] -= f * q[i] * r;
                    for j in 0..p {
                        a[i * p + j] -= f * q[i] * q[j];
                    }
                }
                yy -= f * r * r;
                log_det_w += (1.0 + gamma_c * t).ln();
            }
        }
        AtRatio::solve(a, b, yy, log_det_w, p)
    }

    fn profiled(&self, theta_c: f64, theta_p: f64) -> f64 {
        AtRatio::profiled(
            self.at(theta_c * theta_c, theta_p * theta_p),
            self.observations - self.p as f64,
        )
    }

    /// REML deviance at (τ_c², τ_p², σ²).
    fn deviance(&self, v: [f64; 3]) -> f64 {
        AtRatio::deviance(
            self.at(v[0] / v[2], v[1] / v[2]),
            self.observations - self.p as f64,
            v[2],
        )
    }

    fn contrast_variance(&self, l: &[f64], v: [f64; 3]) -> f64 {
        AtRatio::contrast_variance(self.at(v[0] / v[2], v[1] / v[2]), l, v[2])
    }
}

/// A fitted nested random-intercept model.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NestedFit {
    pub fixed_effects: Vec<FixedEffect>,
    pub contrasts: Vec<FixedEffect>,
    pub residual_variance: f64,
    /// τ_c²: between clusters.
    pub cluster_variance: f64,
    /// τ_p²: between participants within a cluster.
    pub participant_variance: f64,
}

/// The smallest θ on [0, high] of `f`, the boundary included.
fn minimise_from_zero(f: impl Fn(f64) -> f64, high: f64) -> f64 {
    let theta = minimise(&f, 0.0, high);
    if f(0.0) <= f(theta) {
        0.0
    } else {
        theta
    }
}

/// Fits `y = Xβ + u_cluster + u_participant + ε` by REML.
/// `participant[row]` and `cluster[row]` identify each observation's
/// person and cluster (a participant belongs to one cluster).
pub(crate) fn nested_random_intercepts(
    y: &[f64],
    columns: &[Vec<f64>],
    participant: &[usize],
    cluster: &[usize],
    contrasts: &[Vec<f64>],
) -> Result<NestedFit, MixedModelError> {
    let p = columns.len();
    if y.len() <= p {
        return Err(MixedModelError::TooFewObservations {
            observations: y.len(),
            coefficients: p,
        });
    }
    let data = Sufficient::new(y, columns, participant, cluster);
    data.at(0.0, 0.0).ok_or(MixedModelError::Singular)?;
    // Coordinate descent on (θ_c, θ_p), lme4's relative standard
    // deviations, each bounded below by 0, until neither moves.
    let upper = |f: &dyn Fn(f64) -> f64| {
        let mut high = 4.0;
        while high < 1e4 && f(high) < f(high / 2.0) {
            high *= 2.0;
        }
        high
    };
    let (mut theta_c, mut theta_p) = (0.5, 0.5);
    let mut best = data.profiled(theta_c, theta_p);
    for _ in 0..200 {
        let previous = (theta_c, theta_p, best);
        let along_p = |t: f64| data.profiled(theta_c, t);
        theta_p = minimise_from_zero(along_p, upper(&along_p));
        let along_c = |t: f64| data.profiled(t, theta_p);
        theta_c = minimise_from_zero(along_c, upper(&along_c));
        // The two θ are correlated, so coordinate steps zig-zag: search
        // on along the round's move, staying at or above 0.
        let (dc, dp) = (theta_c - previous.0, theta_p - previous.1);
        let limit = |theta: f64, d: f64| if d < 0.0 { theta / -d } else { f64::INFINITY };
        let reach = limit(theta_c, dc).min(limit(theta_p, dp)).min(64.0);
        if reach > 0.0 && (dc != 0.0 || dp != 0.0) {
            let along =
                |a: f64| data.profiled((theta_c + a * dc).max(0.0), (theta_p + a * dp).max(0.0));
            let a = minimise(along, 0.0, reach);
            if along(a) < along(0.0) {
                theta_c = (theta_c + a * dc).max(0.0);
                theta_p = (theta_p + a * dp).max(0.0);
            }
        }
        best = data.profiled(theta_c, theta_p);
        let settled = |now: f64, then: f64| (now - then).abs() <= 1e-10 * (1.0 + now);
        if (settled(theta_c, previous.0) && settled(theta_p, previous.1))
            || previous.2 - best <= 1e-13 * best.abs()
        {
            break;
        }
    }
    let (gamma_c, gamma_p) = (theta_c * theta_c, theta_p * theta_p);
    let at = data.at(gamma_c, gamma_p).ok_or(MixedModelError::Singular)?;
    let sigma2 = at.weighted_rss / (data.observations - p as f64);
    let parameters = [gamma_c * sigma2, gamma_p * sigma2, sigma2];
    // Satterthwaite over the variance parameters off the boundary.
    let free: Vec<usize> = (0..3).filter(|&k| parameters[k] > 0.0).collect();
    let k = free.len();
    let mut hessian = vec![vec![0.0; k]; k];
    for (a, &i) in free.iter().enumerate() {
        for (b, &j) in free.iter().enumerate() {
            let partial_j = |value_i: f64| {
                let mut base = parameters;
                base[i] = value_i;
                derivative(
                    &|value_j: f64| {
                        let mut point = base;
                        point[j] = value_j;
                        data.deviance(point)
                    },
                    base[j],
                )
            };
            hessian[a][b] = derivative(&partial_j, parameters[i]);
        }
    }
    for a in 0..k {
        for b in 0..a {
            let symmetric = 0.5 * (hessian[a][b] + hessian[b][a]);
            hessian[a][b] = symmetric;
            hessian[b][a] = symmetric;
        }
    }
    let inverse = super::matrix::invert(&hessian);
    let test = |l: &[f64]| -> FixedEffect {
        let variance = data.contrast_variance(l, parameters);
        let standard_error = variance.sqrt();
        let df = match &inverse {
            Some(inverse) if free.len() > 1 => {
                let gradient: Vec<f64> = free
                    .iter()
                    .map(|&m| {
                        derivative(
                            &|value: f64| {
                                let mut point = parameters;
                                point[m] = value;
                                data.contrast_variance(l, point)
                            },
                            parameters[m],
                        )
                    })
                    .collect();
                let mut quadratic = 0.0;
                for a in 0..k {
                    for b in 0..k {
                        quadratic += gradient[a] * 2.0 * inverse[a][b] * gradient[b];
                    }
                }
                2.0 * variance * variance / quadratic
            }
            // Both random intercepts at 0: ordinary least squares.
            _ => data.observations - p as f64,
        };
        let estimate: f64 = l.iter().zip(&at.beta).map(|(a, b)| a * b).sum();
        FixedEffect::tested(estimate, standard_error, df)
    };
    let unit = |j: usize| -> Vec<f64> { (0..p).map(|m| f64::from(u8::from(m == j))).collect() };
    Ok(NestedFit {
        fixed_effects: (0..p).map(|j| test(&unit(j))).collect(),
        contrasts: contrasts.iter().map(|l| test(l)).collect(),
        residual_variance: sigma2,
        cluster_variance: parameters[0],
        participant_variance: parameters[1],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    // 34 people in 8 circles of 2–7, three waves with 9 answers missing;
    // the arm is a circle-level term. Expected values from lme4 1.1 and
    // lmerTest 3.1: lmer(y ~ factor(w) * a + (1 | c) + (1 | c:p)), with
    // bobyqa run to rhoend = 1e-12 (lmer's default stops near 1e-6).
    const PARTICIPANT: [usize; 93] = [
        0, 0, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5, 6, 6, 6, 7, 7, 7, 8, 8, 9, 9, 10, 10, 10,
        11, 11, 11, 12, 12, 12, 13, 13, 14, 14, 15, 15, 15, 16, 16, 16, 17, 17, 17, 18, 18, 18, 19,
        19, 19, 20, 20, 21, 21, 22, 22, 22, 23, 23, 23, 24, 24, 24, 25, 25, 25, 26, 26, 26, 27, 27,
        27, 28, 28, 28, 29, 29, 30, 30, 30, 31, 31, 31, 32, 32, 32, 33, 33, 33,
    ];
    const CLUSTER: [usize; 93] = [
        0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3,
        3, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5,
        5, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7,
        7, 7, 7,
    ];
    const WAVE: [usize; 93] = [
        1, 2, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 1, 2, 0, 1, 0, 1, 2, 0,
        1, 2, 0, 1, 2, 1, 2, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 2, 0, 2, 0, 1,
        2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2,
        0, 1, 2,
    ];
    const Y: [f64; 93] = [
        3.48, 5.24, 1.02, 4.08, 4.76, 3.75, 3.82, 4.38, 3.29, 4.11, 3.34, 3.22, 2.02, 3.62, 4.66,
        3.24, 1.25, 4.44, 1.98, 1.55, 4.04, 5.19, 2.14, 2.61, 5.3, 5.0, 2.16, 2.66, 3.05, 3.01,
        1.66, 2.3, 1.75, 2.72, 1.75, 2.51, 1.71, 5.04, 4.35, 7.11, 5.75, 5.1, 7.47, 5.24, 7.2,
        5.64, 6.7, 5.83, 7.28, 4.81, 7.37, 4.66, 4.82, 5.5, 4.4, 0.73, 3.47, 0.88, 4.01, 3.36,
        2.58, 6.82, 5.65, 2.9, 7.06, 6.61, 6.72, 4.74, 4.4, 4.54, 7.74, 4.64, 6.49, 7.62, 6.7,
        8.32, 7.39, 6.69, 7.38, 8.04, 6.98, 5.22, 3.31, 3.37, 5.13, 4.36, 1.95, 3.37, 3.44, 1.1,
        6.19, 3.61, 4.36,
    ];

    #[test]
    fn matches_lmer_with_nested_intercepts() {
        let n = Y.len();
        let arm: Vec<f64> = CLUSTER
            .iter()
            .map(|&c| f64::from(u8::from((c + 1) % 2 == 0)))
            .collect();
        let wave =
            |w: usize| -> Vec<f64> { WAVE.iter().map(|&x| f64::from(u8::from(x == w))).collect() };
        let product =
            |a: &[f64], b: &[f64]| -> Vec<f64> { a.iter().zip(b).map(|(x, y)| x * y).collect() };
        let columns = vec![
            vec![1.0; n],
            wave(1),
            wave(2),
            arm.clone(),
            product(&wave(1), &arm),
            product(&wave(2), &arm),
        ];
        let fit = nested_random_intercepts(
            &Y,
            &columns,
            &PARTICIPANT,
            &CLUSTER,
            &[vec![1.0, 1.0, 0.0, 0.0, 0.0, 0.0]],
        )
        .expect("fits");
        assert_relative_eq!(
            fit.participant_variance,
            0.39819865565829599,
            max_relative = 1e-6
        );
        assert_relative_eq!(
            fit.cluster_variance,
            1.20381192126836978,
            max_relative = 1e-6
        );
        assert_relative_eq!(
            fit.residual_variance,
            1.10673149933794224,
            max_relative = 1e-6
        );
        let expected = [
            (5.14289041347967846, 0.64529237150459062, 8.1782861277150971),
            (
                -0.47338441826395627,
                0.36655440367265341,
                57.2890604223027324,
            ),
            (
                -0.19979149198385909,
                0.37230086582251060,
                58.2567718332541631,
            ),
            (
                -1.24827992863210446,
                0.91262821088636525,
                8.2940979028855875,
            ),
            (
                -0.34368785458878093,
                0.56465565785731808,
                56.8935654781786511,
            ),
            (
                -1.27958916015620927,
                0.55165555618864093,
                56.6105338399429812,
            ),
        ];
        for (effect, (estimate, se, df)) in fit.fixed_effects.iter().zip(expected) {
            assert_relative_eq!(effect.estimate, estimate, max_relative = 1e-6);
            assert_relative_eq!(effect.standard_error, se, max_relative = 1e-6);
            assert_relative_eq!(effect.df, df, max_relative = 1e-4);
        }
        assert_relative_eq!(
            fit.fixed_effects[5].p_value,
            0.023996476315208990,
            max_relative = 1e-4
        );
        // Rows in another order give the same fit (the map path).
        let order: Vec<usize> = (0..n).rev().collect();
        let pick = |v: &[f64]| order.iter().map(|&i| v[i]).collect::<Vec<f64>>();
        let shuffled_columns: Vec<Vec<f64>> = columns.iter().map(|c| pick(c)).collect();
        let shuffled = nested_random_intercepts(
            &pick(&Y),
            &shuffled_columns,
            &order.iter().map(|&i| PARTICIPANT[i]).collect::<Vec<_>>(),
            &order.iter().map(|&i| CLUSTER[i]).collect::<Vec<_>>(),
            &[],
        )
        .expect("fits");
        for (a, b) in shuffled.fixed_effects.iter().zip(&fit.fixed_effects) {
            // Within the optimiser's tolerance, far inside lmer's own.
            assert_relative_eq!(a.estimate, b.estimate, max_relative = 1e-7);
            assert_relative_eq!(a.df, b.df, max_relative = 1e-5);
        }
        let mean = &fit.contrasts[0];
        assert_relative_eq!(mean.estimate, 4.6695059952157223, max_relative = 1e-6);
        assert_relative_eq!(
            mean.standard_error,
            0.62097882749424049,
            max_relative = 1e-6
        );
        assert_relative_eq!(mean.df, 7.1245417256640122, max_relative = 1e-4);
    }
}
