//! Bands for a numeric participant column (`bands = { age = ["18-49",
//! "50-64", "65+"] }`): a funder's table shows age bands, not a mean age,
//! and a band of ten years identifies no one where an exact age might.
//! The labels are the user's own, parsed once where the config is read;
//! ingest puts each person's number in its band, in the order listed.

use crate::error::{Error, Result};

/// At most this many bands per column: each is a row of Table 1.
pub(crate) const MAX_BANDS: usize = 20;

/// One band of numbers, from its label.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueBand {
    pub label: String,
    /// Inclusive lower bound; `-∞` for `<18`.
    low: f64,
    /// Upper bound and whether it is included; `None` for `65+`.
    high: Option<(f64, bool)>,
}

impl ValueBand {
    /// Parses `18-49`, `65+`, `<18` (or `under 18`) and a single `0`.
    /// Bounds of whole numbers cover the part after them, as ages in
    /// completed years do: `18-49` holds 49.5, up to but not 50. With a
    /// decimal the bound is exact: `0.5-1.5` holds 1.5 and nothing above.
    pub fn parse(label: &str) -> Option<ValueBand> {
        let text = label.trim();
        let number = |t: &str| -> Option<f64> {
            crate::ingest::convert::parse_number(t.trim()).filter(|v| v.is_finite())
        };
        let whole = |t: &str| !t.contains(['.', ',', 'e', 'E']);
        // The upper end of a band ending at `b`.
        let end = |b: &str| -> Option<(f64, bool)> {
            let value = number(b)?;
            Some(if whole(b) {
                (value + 1.0, false)
            } else {
                (value, true)
            })
        };
        let (low, high) = if let Some(open) = text.strip_suffix('+') {
            (number(open)?, None)
        } else if let Some(below) = text
            .strip_prefix('<')
            .or_else(|| text.strip_prefix("under "))
            .or_else(|| text.strip_prefix("Under "))
        {
            (f64::NEG_INFINITY, Some((number(below)?, false)))
        } else if let Some((a, b)) = text
            .char_indices()
            .skip(1)
            .find(|&(_, c)| c == '-' || c == '–')
            .map(|(i, c)| (&text[..i], &text[i + c.len_utf8()..]))
        {
            let (low, high) = (number(a)?, end(b)?);
            if high.0 < low || (high.0 == low && !high.1) {
                return None;
            }
            (low, Some(high))
        } else {
            (number(text)?, Some(end(text)?))
        };
        Some(ValueBand {
            label: text.to_string(),
            low,
            high,
        })
    }

    pub fn contains(&self, value: f64) -> bool {
        value >= self.low
            && self
                .high
                .is_none_or(|(high, included)| value < high || (included && value == high))
    }

    /// Whether some number is in both bands: the larger lower bound is in
    /// each, as lower bounds are included.
    fn overlaps(&self, other: &ValueBand) -> bool {
        let low = self.low.max(other.low);
        self.contains(low) && other.contains(low)
    }
}

/// The label of the band from `first` to `last` (adjacent bands merged
/// so that none describes too few people): `65-74` and `75+` give `65+`,
/// `18-49` and `50-64` give `18-64`. Labels that are not bands are joined
/// with "to".
pub(crate) fn merged_label(first: &str, last: &str) -> String {
    let (Some(first), Some(last)) = (ValueBand::parse(first), ValueBand::parse(last)) else {
        return format!("{first} to {last}");
    };
    let low = first.low;
    match last.high {
        None if low.is_finite() => format!("{low}+"),
        None => "any".to_string(),
        Some((high, false)) if !low.is_finite() => format!("<{high}"),
        Some((high, true)) if !low.is_finite() => format!("up to {high}"),
        Some((high, false)) if high.fract() == 0.0 && low.fract() == 0.0 => {
            format!("{low}-{}", high - 1.0)
        }
        Some((high, false)) => format!("{low} to under {high}"),
        Some((high, true)) => format!("{low}-{high}"),
    }
}

/// The bands of one column from their labels, checked: each parses, they
/// are disjoint, and there are at most [`MAX_BANDS`]. `key` names the
/// setting in messages (`bands.age`).
pub(crate) fn parse_bands(key: &str, labels: &[String]) -> Result<Vec<ValueBand>> {
    if labels.is_empty() || labels.len() > MAX_BANDS {
        return Err(Error::Config(format!(
            "{key} in belong.toml lists {} bands: give between 1 and {MAX_BANDS}",
            labels.len()
        )));
    }
    let bands = labels
        .iter()
        .map(|label| {
            ValueBand::parse(label).ok_or_else(|| {
                Error::Config(format!(
                    "{key} in belong.toml: \"{}\" is not a band; write \"18-49\", \"65+\" or \"<18\"",
                    label.escape_debug()
                ))
            })
        })
        .collect::<Result<Vec<_>>>()?;
    for (i, a) in bands.iter().enumerate() {
        for b in &bands[i + 1..] {
            if a.overlaps(b) {
                return Err(Error::Config(format!(
                    "{key} in belong.toml: \"{}\" and \"{}\" overlap, so a person would be in both; make the bands disjoint, e.g. [\"18-49\", \"50-64\", \"65+\"]",
                    a.label.escape_debug(),
                    b.label.escape_debug()
                )));
            }
        }
    }
    Ok(bands)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn band(label: &str) -> ValueBand {
        ValueBand::parse(label).unwrap()
    }

    #[test]
    fn whole_bounds_cover_the_year_after_them() {
        let b = band("18-49");
        assert!(b.contains(18.0) && b.contains(49.0) && b.contains(49.99));
        assert!(!b.contains(17.99) && !b.contains(50.0));
        assert!(band("65+").contains(65.0) && band("65+").contains(120.0));
        assert!(!band("65+").contains(64.9));
        assert!(band("<18").contains(17.9) && !band("<18").contains(18.0));
        assert!(band("under 18").contains(-3.0));
        assert!(band("0").contains(0.0) && band("0").contains(0.5) && !band("0").contains(1.0));
    }

    #[test]
    fn decimal_bounds_are_exact() {
        let b = band("0.5-1.5");
        assert!(b.contains(0.5) && b.contains(1.5) && !b.contains(1.51));
        assert!(band("-5--1").contains(-3.0), "negative bounds");
    }

    #[test]
    fn labels_that_are_not_bands_are_refused() {
        for label in ["", "abc", "49-18", "18-", "+", "<", "1-2-3"] {
            assert!(ValueBand::parse(label).is_none(), "{label}");
        }
    }

    #[test]
    fn merged_bands_are_labelled_by_their_ends() {
        assert_eq!(merged_label("65-74", "75+"), "65+");
        assert_eq!(merged_label("18-49", "50-64"), "18-64");
        assert_eq!(merged_label("<18", "18-49"), "<50");
        assert_eq!(merged_label("0.5-1.5", "1.6-2.5"), "0.5-2.5");
        assert_eq!(merged_label("<18", "65+"), "any");
        assert_eq!(merged_label("a", "b"), "a to b");
    }

    #[test]
    fn bands_must_be_disjoint() {
        let labels = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(parse_bands("bands.age", &labels(&["<18", "18-49", "50-64", "65+"])).is_ok());
        let error = parse_bands("bands.age", &labels(&["18-50", "50-64"]))
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("bands.age") && error.contains("overlap"),
            "{error}"
        );
        assert!(parse_bands("bands.age", &labels(&["60+", "65+"])).is_err());
        assert!(parse_bands("bands.age", &labels(&["<18", "17"])).is_err());
        assert!(parse_bands("bands.age", &[]).is_err());
    }
}
