//! `estimates.csv` and `estimates.parquet`: the tidy results table.

use super::format::{csv_field, optional};
use crate::estimate::{Estimate, COLUMNS};
use polars::prelude::*;

/// The CSV text of the estimates.
pub(crate) fn to_csv(estimates: &[Estimate]) -> String {
    let mut out = COLUMNS.join(",");
    out.push('\n');
    for e in estimates {
        let fields = [
            csv_field(&e.outcome),
            csv_field(e.analysis),
            csv_field(&e.group_by),
            csv_field(&e.group),
            csv_field(&e.wave),
            csv_field(&e.contrast.to_string()),
            csv_field(e.estimate.name()),
            optional(e.value),
            optional(e.ci_low),
            optional(e.ci_high),
            optional(e.se),
            optional(e.df),
            optional(e.p_value),
            optional(e.p_adjusted),
            e.published_n().map(|n| n.to_string()).unwrap_or_default(),
            csv_field(&e.method),
            e.suppressed.to_string(),
        ];
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    out
}

fn text_column<T: AsRef<str>>(name: &str, values: Vec<T>) -> Column {
    let values: Vec<&str> = values.iter().map(AsRef::as_ref).collect();
    Column::new(name.into(), values)
}

fn number_column(name: &str, values: Vec<Option<f64>>) -> Column {
    Column::new(name.into(), values)
}

/// The estimates as a polars frame with typed columns.
pub(crate) fn to_frame(estimates: &[Estimate]) -> PolarsResult<DataFrame> {
    let texts = |f: fn(&Estimate) -> &str| estimates.iter().map(f).collect::<Vec<&str>>();
    let numbers =
        |f: fn(&Estimate) -> Option<f64>| estimates.iter().map(f).collect::<Vec<Option<f64>>>();
    DataFrame::new_infer_height(vec![
        text_column("outcome", texts(|e| &e.outcome)),
        text_column("analysis", texts(|e| e.analysis)),
        text_column("group_by", texts(|e| &e.group_by)),
        text_column("group", texts(|e| &e.group)),
        text_column("wave", texts(|e| &e.wave)),
        text_column(
            "contrast",
            estimates.iter().map(|e| e.contrast.to_string()).collect(),
        ),
        text_column("estimate", texts(|e| e.estimate.name())),
        number_column("value", numbers(|e| e.value)),
        number_column("ci_low", numbers(|e| e.ci_low)),
        number_column("ci_high", numbers(|e| e.ci_high)),
        number_column("se", numbers(|e| e.se)),
        number_column("df", numbers(|e| e.df)),
        number_column("p_value", numbers(|e| e.p_value)),
        number_column("p_adjusted", numbers(|e| e.p_adjusted)),
        Column::new(
            "n".into(),
            estimates
                .iter()
                .map(|e| e.published_n().map(|n| n as u64))
                .collect::<Vec<Option<u64>>>(),
        ),
        text_column("method", texts(|e| &e.method)),
        Column::new(
            "suppressed".into(),
            estimates
                .iter()
                .map(|e| e.suppressed)
                .collect::<Vec<bool>>(),
        ),
    ])
}
