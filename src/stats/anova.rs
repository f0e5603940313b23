//! One-way analysis of variance with compensated accumulation.
//!
//! Group means and sums of squares are accumulated in double-double
//! arithmetic (error-free TwoSum/TwoProduct), so data with many constant
//! leading digits (NIST's SmLs07–09, values near 1e12 varying in the
//! fourteenth digit) keep every digit their double-precision input holds.

use statrs::distribution::{ContinuousCDF, FisherSnedecor};

/// A double-double number: `high + low` with |low| ≤ ulp(high)/2.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct DoubleDouble {
    pub high: f64,
    pub low: f64,
}

impl DoubleDouble {
    pub fn from(value: f64) -> Self {
        DoubleDouble {
            high: value,
            low: 0.0,
        }
    }

    fn two_sum(a: f64, b: f64) -> (f64, f64) {
        let s = a + b;
        let v = s - a;
        (s, (a - (s - v)) + (b - v))
    }

    pub(crate) fn div_f64(self, divisor: f64) -> Self {
        let q = self.high / divisor;
        // Remainder with one Newton correction.
        let remainder = self - DoubleDouble::from(q) * DoubleDouble::from(divisor);
        let correction = remainder.high / divisor;
        let (high, low) = Self::two_sum(q, correction);
        DoubleDouble { high, low }
    }

    pub fn value(self) -> f64 {
        self.high + self.low
    }
}

impl std::ops::Add for DoubleDouble {
    type Output = Self;
    fn add(self, other: Self) -> Self {
        let (s, e) = Self::two_sum(self.high, other.high);
        let (high, low) = Self::two_sum(s, e + self.low + other.low);
        DoubleDouble { high, low }
    }
}

impl std::ops::Sub for DoubleDouble {
    type Output = Self;
    fn sub(self, other: Self) -> Self {
        self + DoubleDouble {
            high: -other.high,
            low: -other.low,
        }
    }
}

impl std::ops::Mul for DoubleDouble {
    type Output = Self;
    fn mul(self, other: Self) -> Self {
        let p = self.high * other.high;
        let e = self.high.mul_add(other.high, -p) + self.high * other.low + self.low * other.high;
        let (high, low) = Self::two_sum(p, e);
        DoubleDouble { high, low }
    }
}

fn sum(values: &[f64]) -> DoubleDouble {
    values.iter().fold(DoubleDouble::default(), |acc, v| {
        acc + DoubleDouble::from(*v)
    })
}

/// The one-way ANOVA table.
#[derive(Debug, Clone, PartialEq)]
pub struct OneWayAnova {
    pub df_between: f64,
    pub df_within: f64,
    pub ss_between: f64,
    pub ss_within: f64,
    pub f: f64,
    pub p_value: f64,
    pub r_squared: f64,
    pub residual_sd: f64,
}

/// One-way ANOVA of `groups`. `None` with fewer than two groups, an empty
/// group, or no within-group variation.
pub fn one_way(groups: &[&[f64]]) -> Option<OneWayAnova> {
    let k = groups.len();
    let total_n: usize = groups.iter().map(|g| g.len()).sum();
    if k < 2 || groups.iter().any(|g| g.is_empty()) || total_n <= k {
        return None;
    }
    let group_means: Vec<DoubleDouble> = groups
        .iter()
        .map(|g| sum(g).div_f64(g.len() as f64))
        .collect();
    let grand_sum = groups
        .iter()
        .fold(DoubleDouble::default(), |acc, g| acc + sum(g));
    let grand_mean = grand_sum.div_f64(total_n as f64);
    let mut ss_within = DoubleDouble::default();
    let mut ss_between = DoubleDouble::default();
    for (group, mean) in groups.iter().zip(&group_means) {
        for v in group.iter() {
            let deviation = DoubleDouble::from(*v) - *mean;
            ss_within = ss_within + deviation * deviation;
        }
        let offset = *mean - grand_mean;
        ss_between = ss_between + offset * offset * DoubleDouble::from(group.len() as f64);
    }
    let (ss_within, ss_between) = (ss_within.value(), ss_between.value());
    if !(ss_within > 0.0) {
        return None;
    }
    let df_between = (k - 1) as f64;
    let df_within = (total_n - k) as f64;
    let f = (ss_between / df_between) / (ss_within / df_within);
    let p_value = FisherSnedecor::new(df_between, df_within).ok()?.sf(f);
    Some(OneWayAnova {
        df_between,
        df_within,
        ss_between,
        ss_within,
        f,
        p_value,
        r_squared: ss_between / (ss_between + ss_within),
        residual_sd: (ss_within / df_within).sqrt(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn matches_r_aov() {
        // R: summary(aov(y ~ g)) with y = c(1,2,3, 2,3,4, 5,6,7): F = 13, p = 0.006583
        let a = [1.0, 2.0, 3.0];
        let b = [2.0, 3.0, 4.0];
        let c = [5.0, 6.0, 7.0];
        let table = one_way(&[&a, &b, &c]).unwrap();
        assert_relative_eq!(table.f, 13.0, max_relative = 1e-14);
        assert_relative_eq!(table.ss_between, 26.0, max_relative = 1e-14);
        assert_relative_eq!(table.ss_within, 6.0, max_relative = 1e-14);
    }

    #[test]
    fn double_double_keeps_small_differences() {
        let big = DoubleDouble::from(1e16) + DoubleDouble::from(1.0);
        assert_eq!((big - DoubleDouble::from(1e16)).value(), 1.0);
    }
}
