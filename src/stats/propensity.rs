//! Propensity scores and the comparisons they adjust, for designs where
//! people were not randomised into the programme: the score by logistic
//! regression (IRLS as R's `glm.fit`, so the same data give the same
//! iterates), weights for three estimands, weighted regression with
//! robust and cluster-robust standard errors (`sandwich`), greedy
//! nearest-neighbour matching (`MatchIt::matchit(method = "nearest")`),
//! balance statistics and the E-value.

use super::matrix::invert;
use super::regression::{
    least_squares_step, weighted_least_squares, CoefficientTest, RegressionError,
};

/// R's `glm.control()`: convergence tolerance and iteration limit.
const GLM_EPSILON: f64 = 1e-8;
const GLM_MAX_ITERATIONS: usize = 25;
/// `binomial()$linkinv` clamps the linear predictor beyond ±30.
const LINK_THRESHOLD: f64 = 30.0;

/// A fitted logistic regression.
#[derive(Debug, Clone, PartialEq)]
pub struct LogisticFit {
    pub coefficients: Vec<f64>,
    /// Fitted probabilities (the propensity scores).
    pub fitted: Vec<f64>,
    pub iterations: usize,
    /// R's convergence rule held within 25 iterations.
    pub converged: bool,
    /// Some fitted probability is numerically 0 or 1 (R's warning of the
    /// same name): the data separate, and weights are unusable.
    pub separated: bool,
}

fn inverse_logit(eta: f64) -> f64 {
    let t = if eta < -LINK_THRESHOLD {
        f64::EPSILON
    } else if eta > LINK_THRESHOLD {
        1.0 / f64::EPSILON
    } else {
        eta.exp()
    };
    t / (1.0 + t)
}

/// dμ/dη of the logit link, floored as R floors it.
fn logit_derivative(eta: f64) -> f64 {
    if eta.abs() > LINK_THRESHOLD {
        f64::EPSILON
    } else {
        let opexp = 1.0 + eta.exp();
        eta.exp() / (opexp * opexp)
    }
}

fn binomial_deviance(treated: &[bool], mu: &[f64]) -> f64 {
    treated
        .iter()
        .zip(mu)
        .map(|(&t, &m)| -2.0 * if t { m.ln() } else { (1.0 - m).ln() })
        .sum()
}

/// `glm(treated ~ columns - 1, family = binomial)`: `columns` include the
/// intercept. Starts, iterates and stops as `glm.fit` does.
pub fn logistic(columns: &[Vec<f64>], treated: &[bool]) -> Result<LogisticFit, RegressionError> {
    let n = treated.len();
    let p = columns.len();
    let y: Vec<f64> = treated.iter().map(|&t| f64::from(u8::from(t))).collect();
    // glm's start: μ = (y + 0.5) / 2.
    let mut eta: Vec<f64> = y
        .iter()
        .map(|v| {
            let mu = (v + 0.5) / 2.0;
            (mu / (1.0 - mu)).ln()
        })
        .collect();
    let mut mu: Vec<f64> = eta.iter().map(|&e| inverse_logit(e)).collect();
    let mut deviance_old = binomial_deviance(treated, &mu);
    let mut coefficients = vec![0.0; p];
    let mut converged = false;
    let mut iterations = 0;
    let mut weighted = vec![vec![0.0; n]; p];
    let mut working = vec![0.0; n];
    for iteration in 1..=GLM_MAX_ITERATIONS {
        iterations = iteration;
        for i in 0..n {
            let derivative = logit_derivative(eta[i]);
            let variance = mu[i] * (1.0 - mu[i]);
            let z = eta[i] + (y[i] - mu[i]) / derivative;
            let w = (derivative * derivative / variance).sqrt();
            working[i] = z * w;
            for j in 0..p {
                weighted[j][i] = columns[j][i] * w;
            }
        }
        coefficients = least_squares_step(&weighted, &working)?;
        for i in 0..n {
            eta[i] = (0..p).map(|j| columns[j][i] * coefficients[j]).sum();
            mu[i] = inverse_logit(eta[i]);
        }
        let deviance = binomial_deviance(treated, &mu);
        if (deviance - deviance_old).abs() / (deviance.abs() + 0.1) < GLM_EPSILON {
            converged = true;
            break;
        }
        deviance_old = deviance;
    }
    let boundary = 10.0 * f64::EPSILON;
    let separated = mu.iter().any(|&m| m > 1.0 - boundary || m < boundary);
    Ok(LogisticFit {
        coefficients,
        fitted: mu,
        iterations,
        converged,
        separated,
    })
}

/// Whom a weighted comparison speaks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Estimand {
    /// The people who took part: treated 1, controls e/(1−e).
    Att,
    /// Everyone: treated 1/e, controls 1/(1−e).
    Ate,
    /// Those who could have been in either group: treated 1−e, controls e.
    Overlap,
}

impl Estimand {
    pub(crate) const ALL: [Estimand; 3] = [Estimand::Att, Estimand::Ate, Estimand::Overlap];

    pub fn weight(self, propensity: f64, treated: bool) -> f64 {
        let e = propensity;
        match (self, treated) {
            (Estimand::Att, true) => 1.0,
            (Estimand::Att, false) => e / (1.0 - e),
            (Estimand::Ate, true) => 1.0 / e,
            (Estimand::Ate, false) => 1.0 / (1.0 - e),
            (Estimand::Overlap, true) => 1.0 - e,
            (Estimand::Overlap, false) => e,
        }
    }
}

/// How the standard errors of a weighted regression allow for the data.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Vcov<'a> {
    /// `sandwich::vcovHC(fit, type = "HC0")`.
    Hc0,
    /// `sandwich::vcovCL(fit, cluster = clusters)`: HC1 with the G/(G−1)
    /// adjustment; `clusters` numbers each observation's cluster.
    Clustered(&'a [u32]),
}

/// A weighted least-squares fit with sandwich standard errors.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RobustFit {
    pub coefficients: Vec<f64>,
    pub standard_errors: Vec<f64>,
    pub residual_df: f64,
}

impl RobustFit {
    /// The t test and 95% CI of coefficient `j` on the residual df, as
    /// `lmtest::coeftest(fit, vcov = ...)` and `coefci` give.
    pub fn test(&self, j: usize) -> Option<CoefficientTest> {
        CoefficientTest::of(
            self.coefficients[j],
            self.standard_errors[j],
            self.residual_df,
        )
    }
}

/// `lm(y ~ columns - 1, weights = weights)` with sandwich standard
/// errors. Weights must be positive.
pub(crate) fn weighted_regression(
    columns: &[Vec<f64>],
    y: &[f64],
    weights: &[f64],
    vcov: Vcov,
) -> Result<RobustFit, RegressionError> {
    let (n, p) = (y.len(), columns.len());
    let coefficients = weighted_least_squares(columns, y, weights)?;
    let residuals: Vec<f64> = (0..n)
        .map(|i| y[i] - (0..p).map(|j| columns[j][i] * coefficients[j]).sum::<f64>())
        .collect();
    let mut cross = vec![vec![0.0; p]; p];
    for i in 0..n {
        for a in 0..p {
            for b in 0..p {
                cross[a][b] += weights[i] * columns[a][i] * columns[b][i];
            }
        }
    }
    let bread = invert(&cross).ok_or(RegressionError::IllConditioned {
        condition: f64::INFINITY,
    })?;
    // Score contributions w·e·x, summed within clusters when clustered.
    let score = |i: usize, a: usize| weights[i] * residuals[i] * columns[a][i];
    let mut meat = vec![vec![0.0; p]; p];
    let mut add = |s: &[f64]| {
        for a in 0..p {
            for b in 0..p {
                meat[a][b] += s[a] * s[b];
            }
        }
    };
    let adjustment = match vcov {
        Vcov::Hc0 => {
            for i in 0..n {
                let s: Vec<f64> = (0..p).map(|a| score(i, a)).collect();
                add(&s);
            }
            1.0
        }
        Vcov::Clustered(clusters) => {
            let count = clusters.iter().map(|&c| c as usize + 1).max().unwrap_or(0);
            let mut sums = vec![vec![0.0; p]; count];
            for i in 0..n {
                for a in 0..p {
                    sums[clusters[i] as usize][a] += score(i, a);
                }
            }
            for sum in &sums {
                add(sum);
            }
            let mut used = vec![false; count];
            for &c in clusters {
                used[c as usize] = true;
            }
            let groups = used.iter().filter(|u| **u).count() as f64;
            groups / (groups - 1.0) * (n as f64 - 1.0) / (n - p) as f64
        }
    };
    let standard_errors = (0..p)
        .map(|a| {
            let mut total = 0.0;
            for c in 0..p {
                for d in 0..p {
                    total += bread[a][c] * meat[c][d] * bread[d][a];
                }
            }
            (adjustment * total).max(0.0).sqrt()
        })
        .collect();
    Ok(RobustFit {
        coefficients,
        standard_errors,
        residual_df: (n - p) as f64,
    })
}

/// Σwx / Σw.
pub(crate) fn weighted_mean(values: &[f64], weights: &[f64]) -> Option<f64> {
    let total: f64 = weights.iter().sum();
    (total > 0.0).then(|| values.iter().zip(weights).map(|(x, w)| x * w).sum::<f64>() / total)
}

/// The weighted variance with reliability weights,
/// Σw(x − x̄)² / (Σw − Σw²/Σw): the sample variance when every weight is 1.
pub(crate) fn weighted_variance(values: &[f64], weights: &[f64]) -> Option<f64> {
    let mean = weighted_mean(values, weights)?;
    let total: f64 = weights.iter().sum();
    let squares: f64 = weights.iter().map(|w| w * w).sum();
    let denominator = total - squares / total;
    (denominator > 0.0).then(|| {
        values
            .iter()
            .zip(weights)
            .map(|(x, w)| w * (x - mean).powi(2))
            .sum::<f64>()
            / denominator
    })
}

/// Kish's effective sample size, (Σw)² / Σw².
pub(crate) fn effective_sample_size(weights: &[f64]) -> Option<f64> {
    let total: f64 = weights.iter().sum();
    let squares: f64 = weights.iter().map(|w| w * w).sum();
    (squares > 0.0).then(|| total * total / squares)
}

/// The E-value of a standardised mean difference (VanderWeele & Ding
/// 2017): the risk ratio ≈ exp(0.91·|d|), then RR + √(RR(RR − 1)).
pub(crate) fn e_value(d: f64) -> f64 {
    let rr = (0.91 * d.abs()).exp();
    rr + (rr * (rr - 1.0)).sqrt()
}

/// The E-value of the confidence limit nearer the null: 1 when the
/// interval includes no difference.
pub(crate) fn e_value_of_interval(low: f64, high: f64) -> f64 {
    if low <= 0.0 && high >= 0.0 {
        1.0
    } else {
        e_value(low.abs().min(high.abs()))
    }
}

/// Greedy 1:1 nearest-neighbour matching on the propensity score without
/// replacement, treated people taken from the largest score down, as
/// `MatchIt::matchit(method = "nearest")` (`m.order = "largest"`). Each
/// treated person's nearest unmatched control is found to each side of
/// them in the order of scores; the lower one wins a tie. With a
/// caliper (in units of the score), controls further away are not used.
///
/// Returns, per matched pair, (treated index, control index), in the
/// order the pairs were made.
pub(crate) fn nearest_neighbour(
    propensity: &[f64],
    treated: &[bool],
    caliper: Option<f64>,
) -> Vec<(usize, usize)> {
    let n = propensity.len();
    // Everyone in ascending order of score; ties in data order (R's
    // stable `sort.list`).
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| propensity[a].total_cmp(&propensity[b]));
    let mut position = vec![0usize; n];
    for (k, &i) in order.iter().enumerate() {
        position[i] = k;
    }
    // Available controls by position, with links to the next available
    // one on each side (a doubly linked list; removal is O(1)).
    let is_control: Vec<bool> = order.iter().map(|&i| !treated[i]).collect();
    let mut left_of = vec![usize::MAX; n];
    let mut right_of = vec![usize::MAX; n];
    // nearest available control strictly left / right of each position.
    let mut last = usize::MAX;
    for k in 0..n {
        left_of[k] = last;
        if is_control[k] {
            last = k;
        }
    }
    last = usize::MAX;
    for k in (0..n).rev() {
        right_of[k] = last;
        if is_control[k] {
            last = k;
        }
    }
    let mut available = is_control.clone();
    let mut remaining = available.iter().filter(|&&a| a).count();
    // Finds the nearest available control from `start` stepping with
    // `links`, compressing the path as it goes.
    fn find(links: &mut [usize], available: &[bool], start: usize) -> usize {
        let mut k = start;
        let mut path = Vec::new();
        while k != usize::MAX && !available[k] {
            path.push(k);
            k = links[k];
        }
        for visited in path {
            links[visited] = k;
        }
        k
    }
    let mut treated_order: Vec<usize> = (0..n).filter(|&i| treated[i]).collect();
    // Largest score first; ties in data order (`order(decreasing = TRUE)`
    // is stable).
    treated_order.sort_by(|&a, &b| propensity[b].total_cmp(&propensity[a]));
    let mut pairs = Vec::new();
    for i in treated_order {
        let k = position[i];
        let start_left = left_of[k];
        let start_right = right_of[k];
        let left = if start_left == usize::MAX {
            usize::MAX
        } else {
            find(&mut left_of, &available, start_left)
        };
        let right = if start_right == usize::MAX {
            usize::MAX
        } else {
            find(&mut right_of, &available, start_right)
        };
        let distance = |c: usize| (propensity[order[c]] - propensity[i]).abs();
        let within = |c: usize| c != usize::MAX && caliper.is_none_or(|cal| distance(c) <= cal);
        let chosen = match (within(left), within(right)) {
            (true, true) => {
                if distance(left) <= distance(right) {
                    left
                } else {
                    right
                }
            }
            (true, false) => left,
            (false, true) => right,
            (false, false) => continue,
        };
        available[chosen] = false;
        pairs.push((i, order[chosen]));
        remaining -= 1;
        if remaining == 0 {
            break;
        }
    }
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn logistic_matches_r_glm() {
        // R: x <- c(1,2,3,4,5,6,7,8,9,10); y <- c(0,0,1,0,1,0,1,1,1,1)
        // coef(glm(y ~ x, family = binomial)), printed with 17 digits.
        let x: Vec<f64> = (1..=10).map(f64::from).collect();
        let y = [
            false, false, true, false, true, false, true, true, true, true,
        ];
        let fit = logistic(&[vec![1.0; 10], x], &y).unwrap();
        assert!(fit.converged && !fit.separated);
        assert_relative_eq!(
            fit.coefficients[0],
            -2.92651096278697009,
            max_relative = 1e-10
        );
        assert_relative_eq!(
            fit.coefficients[1],
            0.66220826867212412,
            max_relative = 1e-10
        );
    }

    #[test]
    fn separation_is_detected() {
        let x: Vec<f64> = (1..=10).map(f64::from).collect();
        let y: Vec<bool> = (1..=10).map(|v| v > 5).collect();
        let fit = logistic(&[vec![1.0; 10], x], &y).unwrap();
        assert!(fit.separated);
    }

    #[test]
    fn weights_of_each_estimand() {
        assert_eq!(Estimand::Att.weight(0.2, true), 1.0);
        assert_relative_eq!(Estimand::Att.weight(0.2, false), 0.25);
        assert_relative_eq!(Estimand::Ate.weight(0.2, true), 5.0);
        assert_relative_eq!(Estimand::Ate.weight(0.2, false), 1.25);
        assert_relative_eq!(Estimand::Overlap.weight(0.2, true), 0.8);
        assert_relative_eq!(Estimand::Overlap.weight(0.2, false), 0.2);
    }

    #[test]
    fn e_values_by_hand() {
        // RR = exp(0.91 · 0.5) = 1.5762; E = RR + sqrt(RR (RR − 1)).
        let rr: f64 = (0.455f64).exp();
        assert_relative_eq!(e_value(-0.5), rr + (rr * (rr - 1.0)).sqrt());
        assert_eq!(e_value_of_interval(-0.3, 0.1), 1.0);
        assert_relative_eq!(e_value_of_interval(-0.9, -0.2), e_value(0.2));
    }

    #[test]
    fn effective_sample_size_of_equal_weights_is_n() {
        assert_relative_eq!(effective_sample_size(&[2.0; 7]).unwrap(), 7.0);
        assert_relative_eq!(
            weighted_variance(&[1.0, 2.0, 4.0], &[1.0; 3]).unwrap(),
            super::super::descriptive::variance(&[1.0, 2.0, 4.0]).unwrap()
        );
    }

    #[test]
    fn matching_takes_the_nearest_unmatched_control() {
        // Scores: treated 0.9 and 0.8; controls 0.85, 0.7, 0.1.
        let ps = [0.9, 0.85, 0.8, 0.7, 0.1];
        let treated = [true, false, true, false, false];
        // 0.9 takes 0.85; 0.8 then takes 0.7 (0.85 is gone).
        assert_eq!(nearest_neighbour(&ps, &treated, None), vec![(0, 1), (2, 3)]);
        // A caliper of 0.06 leaves 0.8 unmatched.
        assert_eq!(nearest_neighbour(&ps, &treated, Some(0.06)), vec![(0, 1)]);
    }
}
