//! Number formatting shared by the text renderers.

/// Shortest text that reads back as the same double: whole numbers without a
/// decimal point (`24`), others in Rust's round-trip form (`5.958333333333333`,
/// `1e-20`).
pub fn number(value: f64) -> String {
    if value == value.trunc() && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        format!("{value:?}")
    }
}

/// An optional number, empty when absent.
pub fn optional(value: Option<f64>) -> String {
    value.map(number).unwrap_or_default()
}

/// A CSV field, quoted when it holds a delimiter, quote or line break.
pub fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// A number rounded for people to read.
pub fn rounded(value: Option<f64>, decimals: usize) -> String {
    match value {
        Some(v) => {
            let text = format!("{v:.decimals$}");
            // "-0.00" reads as a sign error.
            if text
                .trim_start_matches('-')
                .chars()
                .all(|c| c == '0' || c == '.')
            {
                text.trim_start_matches('-').to_string()
            } else {
                text
            }
        }
        None => "–".to_string(),
    }
}

/// The people behind an estimate as text: the number, or `<min_cell` when
/// disclosure control withheld it.
pub fn people_text(e: &crate::estimate::Estimate, min_cell: usize) -> String {
    match e.published_n() {
        Some(n) => n.to_string(),
        None => format!("<{min_cell}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_round_trip() {
        assert_eq!(number(24.0), "24");
        assert_eq!(number(-0.25), "-0.25");
        assert_eq!(number(5.958333333333333), "5.958333333333333");
        assert_eq!(number(1e-20).parse::<f64>().unwrap(), 1e-20);
        assert_eq!(rounded(Some(-0.0001), 2), "0.00");
    }

    #[test]
    fn csv_fields_are_quoted_when_needed() {
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("plain"), "plain");
    }
}
