//! The noncentral t distribution and the confidence intervals for
//! standardised mean differences that come from inverting it.
//!
//! statrs has no noncentral t. R's `pt(t, df, ncp)` uses AS 243, which
//! switches to a normal approximation for |ncp| > 37.62 and drifts there.
//! Here the CDF is computed as an integral over the chi distribution,
//!
//! `P(T <= t) = ∫ Φ(t·x/√ν − δ) · f_χν(x) dx`,
//!
//! by adaptive Gauss–Kronrod quadrature, which stays accurate at any
//! noncentrality and any degrees of freedom.

use super::distributions::normal_cdf;
use super::roots::brent;
use statrs::function::gamma::ln_gamma;

const KRONROD_NODES: [f64; 8] = [
    0.991_455_371_120_812_6,
    0.949_107_912_342_758_5,
    0.864_864_423_359_769_1,
    0.741_531_185_599_394_4,
    0.586_087_235_467_691_1,
    0.405_845_151_377_397_2,
    0.207_784_955_007_898_5,
    0.0,
];
const KRONROD_WEIGHTS: [f64; 8] = [
    0.022_935_322_010_529_22,
    0.063_092_092_629_978_55,
    0.104_790_010_322_250_18,
    0.140_653_259_715_525_92,
    0.169_004_726_639_267_9,
    0.190_350_578_064_785_4,
    0.204_432_940_075_298_9,
    0.209_482_141_084_727_83,
];
const GAUSS_WEIGHTS: [f64; 4] = [
    0.129_484_966_168_869_7,
    0.279_705_391_489_276_7,
    0.381_830_050_505_118_9,
    0.417_959_183_673_469_4,
];

fn gauss_kronrod<F: Fn(f64) -> f64>(f: &F, a: f64, b: f64) -> (f64, f64) {
    let center = 0.5 * (a + b);
    let half = 0.5 * (b - a);
    let f_center = f(center);
    let mut kronrod = f_center * KRONROD_WEIGHTS[7];
    let mut gauss = f_center * GAUSS_WEIGHTS[3];
    for j in 0..7 {
        let dx = half * KRONROD_NODES[j];
        let pair = f(center - dx) + f(center + dx);
        kronrod += KRONROD_WEIGHTS[j] * pair;
        if j % 2 == 1 {
            gauss += GAUSS_WEIGHTS[j / 2] * pair;
        }
    }
    (kronrod * half, ((kronrod - gauss) * half).abs())
}

fn adaptive<F: Fn(f64) -> f64>(f: &F, a: f64, b: f64, tolerance: f64, depth: u32) -> f64 {
    let (value, error) = gauss_kronrod(f, a, b);
    // |Kronrod − Gauss| bounds the error of the 7-point Gauss rule; the
    // 15-point Kronrod value is far more accurate (error ~ |K − G|^1.5 on
    // smooth integrands), so a loose bound on the difference suffices.
    if error <= tolerance || depth == 0 {
        return value;
    }
    let middle = 0.5 * (a + b);
    adaptive(f, a, middle, 0.5 * tolerance, depth - 1)
        + adaptive(f, middle, b, 0.5 * tolerance, depth - 1)
}

/// Below this many degrees of freedom the chi log-density is computed
/// directly; above it, around the mode (see [`ChiLogDensity`]).
const DIRECT_DENSITY_MAX_DF: f64 = 30.0;

/// The log-density of the chi distribution with `df` degrees of freedom.
///
/// Written directly, `(df − 1)·ln x − x²/2 − ln(2^(df/2−1)·Γ(df/2))` adds
/// and subtracts terms of size ~df·ln df: at a million degrees of freedom
/// the result is noisy at ~1e-9, the quadrature cannot meet its tolerance
/// on noise and subdivides for seconds. For large df it is written around
/// the mode `m = √(df − 1)` instead, with `x = m + y` and `u = y/m`:
/// `log f(m) + m²·(ln(1 + u) − u) − y²/2`, where `log f(m)` comes from
/// Stirling's series and every term is of order one.
enum ChiLogDensity {
    Direct { log_normaliser: f64 },
    AroundMode { mode: f64, log_density_at_mode: f64 },
}

impl ChiLogDensity {
    fn new(df: f64) -> ChiLogDensity {
        if df < DIRECT_DENSITY_MAX_DF {
            return ChiLogDensity::Direct {
                log_normaliser: (0.5 * df - 1.0) * std::f64::consts::LN_2 + ln_gamma(0.5 * df),
            };
        }
        let z = 0.5 * df;
        // Stirling: ln Γ(z) = (z − ½)·ln z − z + ½·ln 2π + s(z).
        let (z2, z3) = (z * z, z * z * z);
        let stirling = 1.0 / (12.0 * z) - 1.0 / (360.0 * z3) + 1.0 / (1260.0 * z3 * z2)
            - 1.0 / (1680.0 * z3 * z2 * z2);
        let log_density_at_mode =
            0.5 * std::f64::consts::LN_2 + (z - 0.5) * (-0.5 / z).ln_1p() + 0.5
                - 0.5 * (2.0 * std::f64::consts::PI).ln()
                - stirling;
        ChiLogDensity::AroundMode {
            mode: (df - 1.0).sqrt(),
            log_density_at_mode,
        }
    }

    /// The log-density at `x > 0` (and at 0 for df = 1).
    fn at(&self, df: f64, x: f64) -> f64 {
        match *self {
            // x^0 is 1 at x = 0 too, where 0·ln 0 would be NaN.
            ChiLogDensity::Direct { log_normaliser } if df == 1.0 => -0.5 * x * x - log_normaliser,
            ChiLogDensity::Direct { log_normaliser } => {
                (df - 1.0) * x.ln() - 0.5 * x * x - log_normaliser
            }
            ChiLogDensity::AroundMode {
                mode,
                log_density_at_mode,
            } => {
                let y = x - mode;
                log_density_at_mode + mode * mode * log_1p_minus(y / mode) - 0.5 * y * y
            }
        }
    }
}

/// `ln(1 + u) − u` without the cancellation of computing it that way for
/// small `u`: with `r = u/(2 + u)`, `ln(1 + u) = 2·atanh(r)`, so the
/// difference is `−u·r + 2·(r³/3 + r⁵/5 + …)`.
fn log_1p_minus(u: f64) -> f64 {
    if u.abs() > 0.5 {
        return u.ln_1p() - u;
    }
    let r = u / (2.0 + u);
    let r2 = r * r;
    let mut power = r * r2;
    let mut series = 0.0;
    let mut k = 3.0;
    // |r| <= 0.2, so 20 terms reach r^43 < 1e-30.
    for _ in 0..20 {
        let term = power / k;
        series += term;
        if term.abs() <= 1e-17 * series.abs() {
            break;
        }
        power *= r2;
        k += 2.0;
    }
    -u * r + 2.0 * series
}

/// Lower-tail CDF `P(T <= t)` of the noncentral t with `df` degrees of
/// freedom and noncentrality `ncp`. `None` for invalid parameters.
pub(crate) fn noncentral_t_cdf(t: f64, df: f64, ncp: f64) -> Option<f64> {
    if !(df > 0.0) || !t.is_finite() || !ncp.is_finite() {
        return None;
    }
    let chi = ChiLogDensity::new(df);
    let root_df = df.sqrt();
    let integrand = |x: f64| {
        if x <= 0.0 {
            // The chi density is 0 at 0 for df > 1 and finite for df = 1.
            return if df == 1.0 {
                normal_cdf(-ncp) * chi.at(df, 0.0).exp()
            } else {
                0.0
            };
        }
        normal_cdf(t * x / root_df - ncp) * chi.at(df, x).exp()
    };
    // The chi distribution has sd below 0.76 for every df, so ±12 around
    // its centre holds all but ~1e-30 of the mass.
    let centre = (df - 0.5).max(0.0).sqrt();
    let lower = (centre - 12.0).max(0.0);
    let upper = centre + 12.0;
    // Split into pieces so the adaptive rule sees the shape of both factors.
    let pieces = 16;
    let width = (upper - lower) / pieces as f64;
    let total: f64 = (0..pieces)
        .map(|i| {
            let a = lower + i as f64 * width;
            adaptive(&integrand, a, a + width, 1e-11, 20)
        })
        .sum();
    Some(total.clamp(0.0, 1.0))
}

/// The noncentrality at which `P(T <= t) = probability`; the CDF falls as the
/// noncentrality grows, so the root is unique.
pub(crate) fn noncentrality_for(t: f64, df: f64, probability: f64) -> Option<f64> {
    let g = |ncp: f64| noncentral_t_cdf(t, df, ncp).unwrap_or(f64::NAN) - probability;
    let mut width = 2.0 + 0.5 * t.abs();
    let (mut low, mut high) = (t - width, t + width);
    for _ in 0..60 {
        let (g_low, g_high) = (g(low), g(high));
        if g_low.is_nan() || g_high.is_nan() {
            return None;
        }
        if g_low > 0.0 && g_high < 0.0 {
            return brent(g, low, high, 1e-15);
        }
        width *= 2.0;
        if g_low <= 0.0 {
            low = t - width;
        }
        if g_high >= 0.0 {
            high = t + width;
        }
    }
    None
}

/// The 95% confidence interval of the noncentrality behind an observed `t`:
/// the ncp values where the CDF at `t` is 0.975 and 0.025.
pub fn noncentrality_interval(t: f64, df: f64) -> Option<(f64, f64)> {
    let level = super::CONFIDENCE_LEVEL;
    let low = noncentrality_for(t, df, 0.5 + level / 2.0)?;
    let high = noncentrality_for(t, df, 0.5 - level / 2.0)?;
    Some((low, high))
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn central_case_equals_students_t() {
        let central = super::super::distributions::t_cdf(1.3, 7.0).unwrap();
        assert_relative_eq!(
            noncentral_t_cdf(1.3, 7.0, 0.0).unwrap(),
            central,
            max_relative = 1e-13
        );
    }

    #[test]
    fn matches_boost_noncentral_t() {
        // scipy.stats.nct.cdf (Boost) values.
        assert_relative_eq!(
            noncentral_t_cdf(2.0, 10.0, 1.5).unwrap(),
            0.6591540724421909,
            max_relative = 1e-11
        );
        assert_relative_eq!(
            noncentral_t_cdf(-1.0, 3.0, 2.0).unwrap(),
            0.0030052475953985074,
            max_relative = 1e-9
        );
    }

    #[test]
    fn one_degree_of_freedom_works() {
        // df = 1, ncp = 0: the Cauchy CDF, 0.5 + atan(t)/pi.
        let expected = 0.5 + (2.0f64).atan() / std::f64::consts::PI;
        assert_relative_eq!(
            noncentral_t_cdf(2.0, 1.0, 0.0).unwrap(),
            expected,
            max_relative = 1e-12
        );
    }

    #[test]
    fn interval_inverts_the_cdf() {
        let (low, high) = noncentrality_interval(-1.7638342073763937, 18.0).unwrap();
        // tiny-ucla3 fixture: dz CI (-0.86790941797580168, 0.068904715212031994) × √19
        assert_relative_eq!(
            low / 19f64.sqrt(),
            -0.86790941797580168,
            max_relative = 1e-10
        );
        assert_relative_eq!(
            high / 19f64.sqrt(),
            0.068904715212031994,
            max_relative = 1e-9
        );
    }

    #[test]
    fn matches_boost_far_from_the_centre() {
        // scipy.stats.nct.cdf (Boost), including |ncp| > 37.62 where R's pt
        // switches to a normal approximation.
        let cases = [
            (26.870057685088806, 1.0, 30.15, 0.26216420035137045),
            (5.0, 1000.0, 4.0, 0.8395395767743068),
            (-3.0, 2.0, -1.0, 0.1664405736628651),
            (40.0, 50.0, 45.0, 0.10479601722999671),
            (0.5, 300000.0, 0.2, 0.6179112394407179),
        ];
        for (t, df, ncp, expected) in cases {
            let got = noncentral_t_cdf(t, df, ncp).unwrap();
            assert_relative_eq!(got, expected, max_relative = 1e-10);
        }
    }

    #[test]
    fn matches_boost_at_large_degrees_of_freedom() {
        // scipy.stats.nct.cdf (Boost). The direct chi log-density was noisy
        // at ~3e-10 for df = 734069 (a national program's pairs).
        let cases = [
            (-300.0, 734069.0, -299.0, 0.16587610562547353),
            (-150.0, 250000.0, -149.0, 0.16401610068209932),
            (-30.0, 250000.0, -29.0, 0.1588800907751227),
            (2.5, 45.0, 1.0, 0.9247352274680462),
            (-1.2, 31.0, 0.3, 0.07029816536068535),
        ];
        for (t, df, ncp, expected) in cases {
            let got = noncentral_t_cdf(t, df, ncp).unwrap();
            assert_relative_eq!(got, expected, max_relative = 1e-11);
        }
    }

    #[test]
    fn interval_at_a_million_degrees_of_freedom_is_quick() {
        // Regression: the noisy density made the quadrature subdivide to its
        // depth limit, and this interval took 4 s in a release build.
        let start = std::time::Instant::now();
        let (low, high) = noncentrality_interval(-300.0, 734069.0).unwrap();
        assert!(start.elapsed().as_secs_f64() < 2.0, "{:?}", start.elapsed());
        assert!(low < -300.0 && -300.0 < high, "{low} {high}");
    }

    #[test]
    fn two_pairs_with_t_19_get_the_exact_upper_limit() {
        // STATISTICS.md: R's approximation gives 28.75; the exact dz limit
        // is 30.15 (scipy/Boost root: 30.154989635282494, lower 0.24512768858408357).
        let (low, high) = noncentrality_interval(19.0, 1.0).unwrap();
        assert_relative_eq!(high / 2f64.sqrt(), 30.154989635282494, max_relative = 1e-9);
        assert_relative_eq!(low / 2f64.sqrt(), 0.24512768858408357, max_relative = 1e-9);
    }
}
