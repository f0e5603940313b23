//! The one result model: every number belong reports is an `Estimate` row,
//! the tidy vocabulary of STATISTICS.md. Renderers read these rows and never
//! recompute a statistic.

mod vocabulary;

pub use vocabulary::{Classification, Contrast, Kind, Partition, Side, SideOf, Stat};

use crate::stats::multiplicity::holm;
use std::collections::BTreeMap;

/// One row of `estimates.csv`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Estimate {
    pub outcome: String,
    pub analysis: &'static str,
    pub group_by: String,
    pub group: String,
    pub wave: String,
    pub contrast: Contrast,
    pub estimate: Stat,
    pub value: Option<f64>,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    pub se: Option<f64>,
    pub df: Option<f64>,
    pub p_value: Option<f64>,
    pub p_adjusted: Option<f64>,
    pub n: usize,
    pub method: String,
    pub suppressed: bool,
    /// Why the row was suppressed, for renderers (`<10` only for counts
    /// that are themselves small). Not a column of estimates.csv.
    #[serde(skip)]
    pub suppression: Option<Suppression>,
    /// The groups of people the estimate rests on besides its `n`: the two
    /// levels of a contrast, the subsets a difference compares. Empty when
    /// `n` is the only base.
    #[serde(skip)]
    pub sides: Vec<Side>,
}

impl Estimate {
    /// `n` as it may be published: `None` when the row was suppressed
    /// because `n` itself is below the minimum cell.
    pub fn published_n(&self) -> Option<usize> {
        match self.suppression {
            Some(reason) if reason.hides_n() => None,
            _ => Some(self.n),
        }
    }
}

/// Why disclosure control blanked a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Suppression {
    /// The estimate rests on fewer than min-cell people.
    SmallBase,
    /// A count of people below min-cell.
    SmallCount,
    /// A count whose complement (`n` − count) is below min-cell, or a
    /// percentage whose implied count or complement is.
    Revealing,
    /// Blanked so that a suppressed cell of the same place cannot be
    /// recovered by subtraction.
    Secondary,
    /// Blanked so that a suppressed level of a grouping column cannot be
    /// recovered from `all` minus the others: its `n` would do that too.
    SecondaryLevel,
    /// A contrast one of whose levels is suppressed.
    SideSuppressed,
}

impl Suppression {
    /// Whether the row's `n` must go too: it would reveal a small base or
    /// a blanked level.
    pub(crate) fn hides_n(self) -> bool {
        matches!(
            self,
            Suppression::SmallBase | Suppression::SecondaryLevel | Suppression::SideSuppressed
        )
    }
}

/// The column names of `estimates.csv`, in order.
pub(crate) const COLUMNS: [&str; 17] = [
    "outcome",
    "analysis",
    "group_by",
    "group",
    "wave",
    "contrast",
    "estimate",
    "value",
    "ci_low",
    "ci_high",
    "se",
    "df",
    "p_value",
    "p_adjusted",
    "n",
    "method",
    "suppressed",
];

/// Where a set of estimates belongs: outcome, group and wave.
#[derive(Debug, Clone)]
pub(crate) struct Place<'a> {
    pub outcome: &'a str,
    pub analysis: &'static str,
    pub group_by: &'a str,
    pub group: &'a str,
    pub wave: &'a str,
}

impl Place<'_> {
    /// A row with a value (or an empty value when undefined) and no test.
    pub fn row(
        &self,
        estimate: Stat,
        value: Option<f64>,
        n: usize,
        method: impl Into<String>,
    ) -> Estimate {
        Estimate {
            outcome: self.outcome.to_string(),
            analysis: self.analysis,
            group_by: self.group_by.to_string(),
            group: self.group.to_string(),
            wave: self.wave.to_string(),
            contrast: Contrast::None,
            estimate,
            value,
            ci_low: None,
            ci_high: None,
            se: None,
            df: None,
            p_value: None,
            p_adjusted: None,
            n,
            method: method.into(),
            suppressed: false,
            suppression: None,
            sides: Vec::new(),
        }
    }
}

/// The inferential fields a t-based test gives every row it fills.
pub(crate) trait TestResult {
    fn ci(&self) -> (f64, f64);
    fn standard_error(&self) -> f64;
    fn degrees_of_freedom(&self) -> f64;
    fn p(&self) -> f64;
}

macro_rules! test_result {
    ($type:ty) => {
        impl TestResult for $type {
            fn ci(&self) -> (f64, f64) {
                (self.ci_low, self.ci_high)
            }
            fn standard_error(&self) -> f64 {
                self.standard_error
            }
            fn degrees_of_freedom(&self) -> f64 {
                self.df
            }
            fn p(&self) -> f64 {
                self.p_value
            }
        }
    };
}

test_result!(crate::stats::ttest::TTest);
test_result!(crate::stats::regression::CoefficientTest);
test_result!(crate::stats::mixed::FixedEffect);

impl Estimate {
    pub(crate) fn with_contrast(mut self, contrast: Contrast) -> Self {
        self.contrast = contrast;
        self
    }

    /// The groups it rests on besides its `n` (see [`Estimate::sides`]).
    pub(crate) fn with_sides(mut self, sides: Vec<Side>) -> Self {
        self.sides = sides;
        self
    }

    /// Fills CI, se, df and p from a test.
    pub(crate) fn with_test(self, test: &impl TestResult) -> Self {
        self.with_ci(Some(test.ci()))
            .with_se(test.standard_error())
            .with_df(test.degrees_of_freedom())
            .with_p(test.p())
    }

    pub(crate) fn with_ci(mut self, ci: Option<(f64, f64)>) -> Self {
        if let Some((low, high)) = ci {
            self.ci_low = Some(low);
            self.ci_high = Some(high);
        }
        self
    }
    pub(crate) fn with_se(mut self, se: f64) -> Self {
        self.se = Some(se);
        self
    }
    pub(crate) fn with_df(mut self, df: f64) -> Self {
        self.df = Some(df);
        self
    }
    pub(crate) fn with_p(mut self, p: f64) -> Self {
        self.p_value = Some(p);
        self
    }
}

/// Fills `p_adjusted`: Holm within each family (outcome, analysis,
/// estimate, group_by, wave) across its groups; for group_by `all` the
/// adjusted p equals the p-value.
pub(crate) fn adjust_p_values(estimates: &mut [Estimate]) {
    let mut families: BTreeMap<(&str, &str, Stat, &str, &str), Vec<usize>> = BTreeMap::new();
    for (index, row) in estimates.iter().enumerate() {
        if row.p_value.is_some() {
            families
                .entry((
                    &row.outcome,
                    row.analysis,
                    row.estimate,
                    &row.group_by,
                    &row.wave,
                ))
                .or_default()
                .push(index);
        }
    }
    let families: Vec<(bool, Vec<usize>)> = families
        .into_iter()
        .map(|((_, _, _, group_by, _), rows)| (group_by == "all", rows))
        .collect();
    for (is_all, rows) in families {
        if is_all {
            for &row in &rows {
                estimates[row].p_adjusted = estimates[row].p_value;
            }
            continue;
        }
        let p: Vec<f64> = rows
            .iter()
            .filter_map(|&row| estimates[row].p_value)
            .collect();
        for (&row, adjusted) in rows.iter().zip(holm(&p)) {
            estimates[row].p_adjusted = Some(adjusted);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undefined_p_values_stay_out_of_holm_families() {
        // R: p.adjust(c(0.1, 0.2, NA), "holm") = 0.2, 0.2, NA
        let place = |group: &'static str| Place {
            outcome: "ucla3",
            analysis: "change",
            group_by: "site",
            group,
            wave: "week12",
        };
        let mut rows = vec![
            place("a")
                .row(Stat::MeanChange, Some(1.0), 20, "t")
                .with_p(0.1),
            place("b")
                .row(Stat::MeanChange, Some(1.0), 20, "t")
                .with_p(0.2),
            place("c").row(Stat::MeanChange, None, 20, "t"),
        ];
        adjust_p_values(&mut rows);
        let adjusted: Vec<Option<f64>> = rows.iter().map(|e| e.p_adjusted).collect();
        assert_eq!(adjusted, vec![Some(0.2), Some(0.2), None]);
    }
}
