//! Cluster-robust standard errors for least squares: the CR2 (bias-reduced
//! linearisation) estimator of Bell & McCaffrey (2002) with Satterthwaite
//! degrees of freedom, as `clubSandwich::coef_test(lm(...), vcov = "CR2",
//! cluster = ..., test = "Satterthwaite")` gives for an unweighted `lm`
//! (working model: independent errors of equal variance).
//!
//! People who meet in one peer circle are not independent, and with few
//! circles the usual cluster-robust errors are too small; CR2 with
//! Satterthwaite df is what Pustejovsky & Tipton (2018) recommend. It is
//! computed from per-cluster XᵀX and Xᵀe only: the n_g × n_g adjustment
//! (I − H_gg)^(−1/2) is I + F K Fᵀ with F = X_g L (L Lᵀ = (XᵀX)⁻¹) and K
//! from the eigen-decomposition of the p × p matrix FᵀF, so nothing
//! n_g × n_g is formed and the cost is linear in observations.

use super::matrix::{apply, apply_transposed, cholesky, dot, invert, product, symmetric_eigen};
use super::regression::{ols, weighted_least_squares, CoefficientTest, RegressionError};

/// Below this, an eigenvalue of I − H_gg counts as zero and its inverse
/// square root as zero (clubSandwich's `matrix_power` tolerance, 1e-12).
const ZERO_EIGENVALUE: f64 = 1e-12;

/// A least-squares fit with CR2 tests of its coefficients.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ClusteredFit {
    /// Per coefficient: the CR2 t test with Satterthwaite df, `None` when
    /// undefined (no spread within the clusters' residuals, or df ≤ 0).
    pub tests: Vec<Option<CoefficientTest>>,
    /// Clusters with at least one observation.
    pub clusters: usize,
}

type Matrix = Vec<Vec<f64>>;

/// Per-cluster sums of the fit.
struct ClusterSums {
    /// X_gᵀX_g.
    gram: Vec<Vec<f64>>,
    /// X_gᵀe_g.
    score: Vec<f64>,
}

/// `lm(y ~ columns - 1)` with CR2 standard errors clustered on `clusters`
/// (any labels; observations of one cluster need not be adjacent).
pub(crate) fn cr2_fit(
    columns: &[Vec<f64>],
    y: &[f64],
    clusters: &[u32],
) -> Result<ClusteredFit, RegressionError> {
    let fit = ols(columns, y)?;
    let p = columns.len();
    let residuals: Vec<f64> = (0..y.len())
        .map(|i| {
            y[i] - (0..p)
                .map(|j| columns[j][i] * fit.coefficients[j])
                .sum::<f64>()
        })
        .collect();
    let count = clusters.iter().map(|&c| c as usize + 1).max().unwrap_or(0);
    let mut sums: Vec<Option<ClusterSums>> = (0..count).map(|_| None).collect();
    for (i, &c) in clusters.iter().enumerate() {
        let sum = sums[c as usize].get_or_insert_with(|| ClusterSums {
            gram: vec![vec![0.0; p]; p],
            score: vec![0.0; p],
        });
        for a in 0..p {
            let xa = columns[a][i];
            sum.score[a] += xa * residuals[i];
            for b in 0..p {
                sum.gram[a][b] += xa * columns[b][i];
            }
        }
    }
    let sums: Vec<ClusterSums> = sums.into_iter().flatten().collect();
    let undefined = ClusteredFit {
        tests: vec![None; p],
        clusters: sums.len(),
    };
    if sums.len() < 2 || fit.exact_fit {
        return Ok(undefined);
    }
    let mut cross = vec![vec![0.0; p]; p];
    for sum in &sums {
        for a in 0..p {
            for b in 0..p {
                cross[a][b] += sum.gram[a][b];
            }
        }
    }
    let ill = RegressionError::IllConditioned {
        condition: f64::INFINITY,
    };
    let bread = invert(&cross).ok_or(ill.clone())?;
    let root = cholesky(&bread).ok_or(ill)?;
    // Per cluster: B = Lᵀ G L and K = V diag(((1 − λ)^(−1/2) − 1)/λ) Vᵀ,
    // so that (I − H_gg)^(−1/2) = I + X_g L K Lᵀ X_gᵀ.
    let adjustments: Vec<(Matrix, Matrix)> = sums
        .iter()
        .map(|sum| {
            let transposed: Vec<Vec<f64>> = (0..p)
                .map(|i| (0..p).map(|j| root[j][i]).collect())
                .collect();
            let b = product(&transposed, &product(&sum.gram, &root));
            let (values, vectors) = symmetric_eigen(&b);
            let factor: Vec<f64> = values
                .iter()
                .map(|&lambda| {
                    if lambda.abs() <= ZERO_EIGENVALUE {
                        0.0
                    } else if 1.0 - lambda <= ZERO_EIGENVALUE {
                        -1.0 / lambda
                    } else {
                        ((1.0 - lambda).powf(-0.5) - 1.0) / lambda
                    }
                })
                .collect();
            let k = (0..p)
                .map(|i| {
                    (0..p)
                        .map(|j| {
                            (0..p)
                                .map(|m| vectors[i][m] * factor[m] * vectors[j][m])
                                .sum()
                        })
                        .collect()
                })
                .collect();
            (b, k)
        })
        .collect();
    let tests = (0..p)
        .map(|j| {
            let m_c: Vec<f64> = (0..p).map(|a| bread[a][j]).collect();
            let mut variance = 0.0;
            let mut expected = 0.0;
            let mut own_squares = 0.0;
            let mut cross_squares = 0.0;
            let mut outer = vec![vec![0.0; p]; p];
            for (sum, (b, k)) in sums.iter().zip(&adjustments) {
                // z = X_g M c; p_g = A_g z = z + F w with w = K Fᵀ z.
                let gz = apply(&sum.gram, &m_c);
                let fz = apply_transposed(&root, &gz);
                let w = apply(k, &fz);
                let fe = apply_transposed(&root, &sum.score);
                let pe = dot(&m_c, &sum.score) + dot(&w, &fe);
                let pp = dot(&m_c, &gz) + 2.0 * dot(&w, &fz) + dot(&w, &apply(b, &w));
                // u_g = X_gᵀ p_g.
                let lw = apply(&root, &w);
                let glw = apply(&sum.gram, &lw);
                let u: Vec<f64> = (0..p).map(|a| gz[a] + glw[a]).collect();
                let umu = dot(&u, &apply(&bread, &u));
                variance += pe * pe;
                expected += pp - umu;
                own_squares += (pp - umu) * (pp - umu);
                cross_squares += umu * umu;
                for a in 0..p {
                    for c in 0..p {
                        outer[a][c] += u[a] * u[c];
                    }
                }
            }
            // Σ_{g,h} (u_gᵀ M u_h)² = tr(M Z M Z), Z = Σ u_g u_gᵀ.
            let mz = product(&bread, &outer);
            let trace: f64 = (0..p)
                .flat_map(|a| (0..p).map(move |c| (a, c)))
                .map(|(a, c)| mz[a][c] * mz[c][a])
                .sum();
            let df = expected * expected / (own_squares - cross_squares + trace);
            if !(df > 0.0) || !df.is_finite() {
                return None;
            }
            CoefficientTest::of(fit.coefficients[j], variance.sqrt(), df)
        })
        .collect();
    Ok(ClusteredFit {
        tests,
        clusters: sums.len(),
    })
}

/// Below this share of a cluster's largest, an eigenvalue of its
/// [X_g, W_g X_g] Gram matrix counts as zero: with weights constant in a
/// cluster the two halves are collinear.
const RANK_TOLERANCE: f64 = 1e-10;

/// Per-cluster sums of a weighted fit, on Y_g = [X_g, W_g X_g].
struct WeightedSums {
    /// Y_gᵀY_g (2p × 2p).
    gram: Matrix,
    /// Y_gᵀe_g: X_gᵀe_g and X_gᵀW_g e_g.
    score: Vec<f64>,
}

/// `lm(y ~ columns - 1, weights = weights)` with CR2 standard errors
/// clustered on `clusters` and Satterthwaite df, as clubSandwich gives for
/// a weighted `lm`: the working model is independent errors of equal
/// variance (Θ = I) and the weights enter the adjustment, so that
/// A_g = G_g^(−1/2) with G_g = (I − H)_g (I − H)_gᵀ, H = X M XᵀW and
/// M = (XᵀWX)⁻¹. G_g = I + Y_g K Y_gᵀ with
/// K = [[M XᵀW²X M, −M], [−M, 0]], so its inverse root comes from 2p × 2p
/// matrices and the cost stays linear in observations.
pub(crate) fn cr2_weighted_fit(
    columns: &[Vec<f64>],
    y: &[f64],
    weights: &[f64],
    clusters: &[u32],
) -> Result<ClusteredFit, RegressionError> {
    let (n, p) = (y.len(), columns.len());
    let coefficients = weighted_least_squares(columns, y, weights)?;
    let q = 2 * p;
    let count = clusters.iter().map(|&c| c as usize + 1).max().unwrap_or(0);
    let mut sums: Vec<Option<WeightedSums>> = (0..count).map(|_| None).collect();
    let mut row = vec![0.0; q];
    for (i, &c) in clusters.iter().enumerate() {
        let residual = y[i] - (0..p).map(|j| columns[j][i] * coefficients[j]).sum::<f64>();
        for a in 0..p {
            row[a] = columns[a][i];
            row[p + a] = weights[i] * columns[a][i];
        }
        let sum = sums[c as usize].get_or_insert_with(|| WeightedSums {
            gram: vec![vec![0.0; q]; q],
            score: vec![0.0; q],
        });
        for a in 0..q {
            sum.score[a] += row[a] * residual;
            for b in 0..q {
                sum.gram[a][b] += row[a] * row[b];
            }
        }
    }
    let sums: Vec<WeightedSums> = sums.into_iter().flatten().collect();
    let undefined = ClusteredFit {
        tests: vec![None; p],
        clusters: sums.len(),
    };
    if sums.len() < 2 || n <= p {
        return Ok(undefined);
    }
    let block = |rows: usize, cols: usize| -> Matrix {
        let mut total = vec![vec![0.0; p]; p];
        for sum in &sums {
            for a in 0..p {
                for b in 0..p {
                    total[a][b] += sum.gram[rows + a][cols + b];
                }
            }
        }
        total
    };
    let ill = RegressionError::IllConditioned {
        condition: f64::INFINITY,
    };
    let bread = invert(&block(0, p)).ok_or(ill)?;
    let squared = product(&bread, &product(&block(p, p), &bread));
    let mut k = vec![vec![0.0; q]; q];
    for a in 0..p {
        for b in 0..p {
            k[a][b] = squared[a][b];
            k[a][p + b] = -bread[a][b];
            k[p + a][b] = -bread[a][b];
        }
    }
    // Per cluster, J with A_g = I + Y_g J Y_gᵀ: from an orthonormal basis
    // U = Y_g L of Y_g's columns (L from the Gram's eigenvectors) and the
    // eigen-decomposition of S = Lᵀ R K R L, A_g = I + U P f(Σ) Pᵀ Uᵀ.
    let adjustments: Vec<Matrix> = sums
        .iter()
        .map(|sum| {
            let (values, vectors) = symmetric_eigen(&sum.gram);
            let largest = values.iter().copied().fold(0.0, f64::max);
            let kept: Vec<usize> = (0..q)
                .filter(|&m| values[m] > RANK_TOLERANCE * largest)
                .collect();
            // L: q × r; T = Lᵀ R: r × q.
            let l: Matrix = (0..q)
                .map(|i| {
                    kept.iter()
                        .map(|&m| vectors[i][m] / values[m].sqrt())
                        .collect()
                })
                .collect();
            let r = kept.len();
            let t: Matrix = (0..r)
                .map(|a| {
                    (0..q)
                        .map(|b| (0..q).map(|i| l[i][a] * sum.gram[i][b]).sum())
                        .collect()
                })
                .collect();
            let tk: Matrix = (0..r)
                .map(|a| {
                    (0..q)
                        .map(|b| (0..q).map(|i| t[a][i] * k[i][b]).sum())
                        .collect()
                })
                .collect();
            let s: Matrix = (0..r)
                .map(|a| {
                    (0..r)
                        .map(|b| (0..q).map(|i| tk[a][i] * t[b][i]).sum())
                        .collect()
                })
                .collect();
            let (sigma, vectors_s) = symmetric_eigen(&s);
            let factor: Vec<f64> = sigma
                .iter()
                .map(|&sigma| {
                    let eigenvalue = 1.0 + sigma;
                    if eigenvalue <= ZERO_EIGENVALUE {
                        -1.0
                    } else {
                        eigenvalue.powf(-0.5) - 1.0
                    }
                })
                .collect();
            // N = P diag(f) Pᵀ (r × r); J = L N Lᵀ (q × q).
            let nn: Matrix = (0..r)
                .map(|a| {
                    (0..r)
                        .map(|b| {
                            (0..r)
                                .map(|m| vectors_s[a][m] * factor[m] * vectors_s[b][m])
                                .sum()
                        })
                        .collect()
                })
                .collect();
            let ln: Matrix = (0..q)
                .map(|i| {
                    (0..r)
                        .map(|b| (0..r).map(|a| l[i][a] * nn[a][b]).sum())
                        .collect()
                })
                .collect();
            (0..q)
                .map(|i| {
                    (0..q)
                        .map(|j| (0..r).map(|b| ln[i][b] * l[j][b]).sum())
                        .collect()
                })
                .collect()
        })
        .collect();
    let tests = (0..p)
        .map(|j| {
            // s = [0; M c]: W_g X_g M c = Y_g s.
            let mut base = vec![0.0; q];
            for a in 0..p {
                base[p + a] = bread[a][j];
            }
            let mut variance = 0.0;
            let mut expected = 0.0;
            let mut own_squares = 0.0;
            let mut cross_squares = 0.0;
            let mut outer = vec![vec![0.0; q]; q];
            for (sum, adjustment) in sums.iter().zip(&adjustments) {
                // q_g = A_g W_g X_g M c = Y_g t with t = s + J R s.
                let rs = apply(&sum.gram, &base);
                let jrs = apply(adjustment, &rs);
                let t: Vec<f64> = (0..q).map(|a| base[a] + jrs[a]).collect();
                let pe = dot(&t, &sum.score);
                // z = Y_gᵀ q_g = R t: X_gᵀq_g and X_gᵀW_g q_g.
                let z = apply(&sum.gram, &t);
                let own = dot(&t, &z);
                let kz = dot(&z, &apply(&k, &z));
                variance += pe * pe;
                expected += own + kz;
                own_squares += (own + kz) * (own + kz);
                cross_squares += kz * kz;
                for a in 0..q {
                    for c in 0..q {
                        outer[a][c] += z[a] * z[c];
                    }
                }
            }
            // Σ_{g,h} (z_gᵀ K z_h)² = tr(K Z K Z), Z = Σ z_g z_gᵀ.
            let kz = product(&k, &outer);
            let trace: f64 = (0..q)
                .flat_map(|a| (0..q).map(move |c| (a, c)))
                .map(|(a, c)| kz[a][c] * kz[c][a])
                .sum();
            let df = expected * expected / (own_squares - cross_squares + trace);
            if !(df > 0.0) || !df.is_finite() {
                return None;
            }
            CoefficientTest::of(coefficients[j], variance.sqrt(), df)
        })
        .collect();
    Ok(ClusteredFit {
        tests,
        clusters: sums.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    // Nine clusters of 2–7 people; `g` is constant within clusters, `h`
    // varies within them. Expected values from clubSandwich 0.5.8:
    // coef_test(lm(f), vcov = "CR2", cluster = cl, test = "Satterthwaite").
    const CLUSTER: [u32; 40] = [
        0, 0, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6,
        7, 7, 7, 7, 8, 8, 8, 8, 8, 8,
    ];
    const B: [f64; 40] = [
        4.1, 5.4, 6.5, 3.7, 6.4, 6.1, 6.2, 8.2, 3.6, 8.5, 4.5, 3.7, 4.6, 6.5, 6.3, 5.4, 4.1, 4.7,
        8.4, 6.4, 4.8, 4.1, 5.6, 2.7, 5.0, 4.5, 8.3, 8.0, 5.9, 3.7, 7.8, 7.7, 7.5, 7.5, 5.3, 7.4,
        8.6, 6.1, 4.0, 7.6,
    ];
    const H: [f64; 40] = [
        1., 1., 0., 0., 1., 1., 0., 0., 1., 1., 0., 0., 0., 1., 1., 0., 0., 0., 0., 1., 1., 1., 0.,
        1., 1., 0., 0., 0., 0., 0., 0., 0., 0., 0., 1., 1., 1., 1., 0., 0.,
    ];
    const Y: [f64; 40] = [
        3.24, 2.87, 4.42, 2.57, 4.34, 3.91, 3.56, 2.46, 1.37, 4.28, 1.34, 1.12, 1.44, 4.42, 3.6,
        3.42, 3.24, 3.74, 5.56, 4.32, -0.38, 1.14, 2.04, 0.45, 2.76, 1.07, 4.12, 2.92, 0.81, 2.59,
        4.75, 4.15, 5.4, 2.27, 1.49, 0.01, 4.45, 0.88, -0.6, 1.63,
    ];

    fn check(test: &Option<CoefficientTest>, beta: f64, se: f64, df: f64, p: f64) {
        let test = test.as_ref().expect("defined");
        assert_relative_eq!(test.estimate, beta, max_relative = 1e-12);
        assert_relative_eq!(test.standard_error, se, max_relative = 1e-10);
        assert_relative_eq!(test.df, df, max_relative = 1e-10);
        assert_relative_eq!(test.p_value, p, max_relative = 1e-8);
    }

    #[test]
    fn intercept_only_matches_club_sandwich() {
        let fit = cr2_fit(&[vec![1.0; 40]], &Y, &CLUSTER).expect("fits");
        assert_eq!(fit.clusters, 9);
        check(
            &fit.tests[0],
            2.6792499999999992,
            0.39681037139275965,
            7.0135939147068482,
            0.00026227335093701712,
        );
    }

    #[test]
    fn a_cluster_level_and_a_within_cluster_term_match_club_sandwich() {
        let g: Vec<f64> = CLUSTER
            .iter()
            .map(|&c| f64::from(u8::from((c + 1) % 2 == 0)))
            .collect();
        let fit = cr2_fit(&[vec![1.0; 40], B.to_vec(), g], &Y, &CLUSTER).expect("fits");
        check(
            &fit.tests[0],
            -0.54614476020654779,
            0.680168812846128512,
            5.4562224008693168,
            0.4555425305761282018,
        );
        check(
            &fit.tests[1],
            0.53098369181618954,
            0.095793424256084253,
            5.6681913196742046,
            0.0017545704328641677,
        );
        check(
            &fit.tests[2],
            0.26814862364872427,
            0.741105312642060698,
            5.5921914507722139,
            0.7307600257772128849,
        );
        let fit = cr2_fit(&[vec![1.0; 40], B.to_vec(), H.to_vec()], &Y, &CLUSTER).expect("fits");
        check(
            &fit.tests[0],
            -0.406851882913170926,
            0.628103753895385197,
            4.8998923027189978,
            0.5462694389388479399,
        );
        check(
            &fit.tests[1],
            0.531336664062294850,
            0.095898846131426185,
            5.5063389588547800,
            0.0019317795981579156,
        );
        check(
            &fit.tests[2],
            -0.096033847278670398,
            0.430545093863329620,
            6.6227867020024256,
            0.8302176415622499750,
        );
    }

    #[test]
    fn the_order_of_observations_does_not_matter() {
        let mut order: Vec<usize> = (0..40).collect();
        order.reverse();
        order.swap(3, 30);
        let pick = |v: &[f64]| order.iter().map(|&i| v[i]).collect::<Vec<f64>>();
        let clusters: Vec<u32> = order.iter().map(|&i| CLUSTER[i] * 3 + 1).collect();
        let fit =
            cr2_fit(&[vec![1.0; 40], pick(&B), pick(&H)], &pick(&Y), &clusters).expect("fits");
        check(
            &fit.tests[2],
            -0.096033847278670398,
            0.430545093863329620,
            6.6227867020024256,
            0.8302176415622499750,
        );
    }

    #[test]
    fn weights_of_one_give_the_unweighted_fit() {
        let columns = [vec![1.0; 40], B.to_vec(), H.to_vec()];
        let plain = cr2_fit(&columns, &Y, &CLUSTER).expect("fits");
        let weighted = cr2_weighted_fit(&columns, &Y, &[1.0; 40], &CLUSTER).expect("fits");
        for (a, b) in plain.tests.iter().zip(&weighted.tests) {
            let (a, b) = (a.as_ref().expect("defined"), b.as_ref().expect("defined"));
            assert_relative_eq!(a.estimate, b.estimate, max_relative = 1e-12);
            assert_relative_eq!(a.standard_error, b.standard_error, max_relative = 1e-10);
            assert_relative_eq!(a.df, b.df, max_relative = 1e-10);
        }
    }

    // clubSandwich 0.5.8: coef_test(lm(y ~ b + h, weights = w), vcov =
    // "CR2", cluster = cl, test = "Satterthwaite") and lm(y ~ 1, weights).
    const W: [f64; 40] = [
        0.729, 1.157, 1.586, 2.014, 2.443, 0.443, 0.871, 1.3, 1.729, 2.157, 2.586, 0.586, 1.014,
        1.443, 1.871, 2.3, 0.3, 0.729, 1.157, 1.586, 2.014, 2.443, 0.443, 0.871, 1.3, 1.729, 2.157,
        2.586, 0.586, 1.014, 1.443, 1.871, 2.3, 0.3, 0.729, 1.157, 1.586, 2.014, 2.443, 0.443,
    ];

    #[test]
    fn weighted_fits_match_club_sandwich() {
        let columns = [vec![1.0; 40], B.to_vec(), H.to_vec()];
        let fit = cr2_weighted_fit(&columns, &Y, &W, &CLUSTER).expect("fits");
        check(
            &fit.tests[0],
            -1.12697062005186455,
            0.70246265312472822,
            4.5621664225921732,
            0.175108775371869918,
        );
        check(
            &fit.tests[1],
            0.65714290932459996,
            0.11696373646708132,
            5.1532562763009491,
            0.002243361614543062,
        );
        check(
            &fit.tests[2],
            -0.16944634848284584,
            0.42849642740754129,
            6.0949591046613216,
            0.705985522355432660,
        );
        let fit = cr2_weighted_fit(&[vec![1.0; 40]], &Y, &W, &CLUSTER).expect("fits");
        check(
            &fit.tests[0],
            2.7310360438795063,
            0.44649146269573137,
            6.6968083934938054,
            0.00057379703281397812,
        );
    }

    #[test]
    fn one_cluster_is_undefined() {
        let fit = cr2_fit(&[vec![1.0; 40]], &Y, &[0; 40]).expect("fits");
        assert_eq!(fit.tests, vec![None]);
    }
}
