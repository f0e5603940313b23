//! Statistics kernels: pure functions on slices of numbers.
//!
//! Nothing here knows about data frames, files or groups. Every kernel returns
//! `Option` (or a result struct with optional fields) when a statistic is
//! undefined, so a NaN never reaches a report. These are the functions the R
//! fixtures and NIST's certified values are checked against.

// `!(x > 0.0)` is deliberate: it also rejects NaN, which `x <= 0.0` lets through.
#![allow(clippy::neg_cmp_op_on_partial_ord)]
// Reference values are pasted with every digit R prints (17 significant).
#![allow(clippy::excessive_precision)]
// Matrix code reads as the textbook formulas when it indexes.
#![allow(clippy::needless_range_loop)]

pub mod anova;
pub mod binomial;
pub mod bootstrap;
pub mod clinical_significance;
pub mod cluster_robust;
pub mod correlation;
pub mod descriptive;
pub mod distributions;
pub mod effect_size;
pub mod matrix;
pub mod mixed;
pub mod mixed_nested;
pub mod multiplicity;
pub mod noncentral_t;
pub mod propensity;
pub mod regression;
pub mod reliability;
pub mod roots;
pub mod ttest;
pub mod wilcoxon;

/// Two-sided confidence level used throughout the report (95%).
pub(crate) const CONFIDENCE_LEVEL: f64 = 0.95;
