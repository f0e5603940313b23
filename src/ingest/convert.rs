//! Converting cell text into typed values, with the exact place of any
//! value that does not convert. What a missing cell or a date is lives in
//! the leaf module `cells`, which config and init share.

pub(crate) use crate::cells::{looks_like_local_date, parse_date, MissingMarkers};

/// An integer response. Accepts `3` and, from spreadsheet exports, `3.0`.
pub(crate) fn parse_integer(text: &str) -> Option<i64> {
    if let Ok(value) = text.parse::<i64>() {
        return Some(value);
    }
    let float: f64 = text.parse().ok()?;
    (float.fract() == 0.0 && float.abs() < 9.0e15).then_some(float as i64)
}

/// A finite number.
pub(crate) fn parse_number(text: &str) -> Option<f64> {
    text.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// A boolean as spreadsheets and survey tools write it.
pub(crate) fn parse_bool(text: &str) -> Option<bool> {
    let is = |options: &[&str]| options.iter().any(|o| text.eq_ignore_ascii_case(o));
    if is(&["true", "t", "yes", "y", "1"]) {
        Some(true)
    } else if is(&["false", "f", "no", "n", "0"]) {
        Some(false)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn integers_accept_spreadsheet_floats_only_when_whole() {
        assert_eq!(parse_integer("3"), Some(3));
        assert_eq!(parse_integer("3.0"), Some(3));
        assert_eq!(parse_integer("3.5"), None);
        assert_eq!(parse_integer("x"), None);
    }

    proptest! {
        #[test]
        fn integer_parser_never_panics(text in ".*") {
            let _ = parse_integer(&text);
            let _ = parse_number(&text);
            let _ = parse_bool(&text);
        }
    }
}
