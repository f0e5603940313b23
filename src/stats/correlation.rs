//! Spearman rank correlation with R's asymptotic t p-value
//! (`cor.test(method = "spearman", exact = FALSE)`).

use super::distributions::t_cdf;
use super::wilcoxon::average_ranks;

/// Pearson correlation; `None` when either variable has no spread.
pub(crate) fn pearson(x: &[f64], y: &[f64]) -> Option<f64> {
    let n = x.len();
    if n < 2 || y.len() != n {
        return None;
    }
    let mx = super::descriptive::mean(x)?;
    let my = super::descriptive::mean(y)?;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    if !(sxx > 0.0 && syy > 0.0) {
        return None;
    }
    Some((sxy / (sxx * syy).sqrt()).clamp(-1.0, 1.0))
}

/// Spearman's rho and its two-sided p-value from the t approximation on
/// n − 2 df, computed as R does from S = (n³ − n)(1 − rho)/6.
pub(crate) fn spearman(x: &[f64], y: &[f64]) -> Option<(f64, f64)> {
    let n = x.len() as f64;
    if n < 3.0 {
        return None;
    }
    let rho = pearson(&average_ranks(x), &average_ranks(y))?;
    let s = (n * n * n - n) * (1.0 - rho) / 6.0;
    let r = 1.0 - s / ((n * (n * n - 1.0)) / 6.0);
    let p = if r.abs() >= 1.0 {
        0.0
    } else {
        let t = r / ((1.0 - r * r) / (n - 2.0)).sqrt();
        // R: pt(t, n-2, lower.tail = q <= den) … twice the smaller tail
        let lower = t_cdf(-t.abs(), n - 2.0)?;
        (2.0 * lower).min(1.0)
    };
    Some((rho, p))
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn spearman_matches_r() {
        // R: cor.test(c(1,2,3,4,5,6,7), c(2,1,4,3,7,5,6), method = "spearman", exact = FALSE)
        let (rho, p) = spearman(
            &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0],
            &[2.0, 1.0, 4.0, 3.0, 7.0, 5.0, 6.0],
        )
        .unwrap();
        assert_relative_eq!(rho, 0.8214285714285714, max_relative = 1e-14);
        assert_relative_eq!(p, 0.023448808345691546, max_relative = 1e-10);
    }
}
