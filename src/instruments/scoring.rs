//! Scoring one questionnaire: scored items, prorated totals and subscales.

use super::Instrument;

/// The total of scored items when at most `max_missing` are missing,
/// prorated as mean(answered) × number of items; `None` otherwise.
///
/// Summation runs in item order so results are reproducible to the bit.
pub(crate) fn prorated_total(scored_items: &[Option<f64>], max_missing: usize) -> Option<f64> {
    let (mut sum, mut answered) = (0.0, 0usize);
    for value in scored_items.iter().flatten() {
        sum += value;
        answered += 1;
    }
    let missing = scored_items.len() - answered;
    if answered == 0 || missing > max_missing {
        return None;
    }
    if missing == 0 {
        Some(sum)
    } else {
        Some(sum / answered as f64 * scored_items.len() as f64)
    }
}

/// Applies each item's rule to raw responses (index k − 1 holds item k).
#[cfg(test)]
pub(crate) fn score_items(instrument: &Instrument, raw: &[Option<i64>]) -> Vec<Option<f64>> {
    let mut scored = vec![None; instrument.item_rules.len()];
    score_items_into(instrument, raw.iter().copied(), &mut scored);
    scored
}

/// [`score_items`] into a buffer the caller reuses from row to row.
pub(crate) fn score_items_into(
    instrument: &Instrument,
    raw: impl IntoIterator<Item = Option<i64>>,
    scored: &mut [Option<f64>],
) {
    for ((out, rule), response) in scored.iter_mut().zip(&instrument.item_rules).zip(raw) {
        *out = response.map(|r| rule.apply(r));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instruments::builtin;

    fn instrument(id: &str) -> Instrument {
        builtin().into_iter().find(|i| i.id == id).unwrap()
    }

    #[test]
    fn ucla20_reverses_the_positive_items() {
        let ucla20 = instrument("ucla20");
        let raw: Vec<Option<i64>> = vec![Some(1); 20];
        let scored = score_items(&ucla20, &raw);
        // nine reversed items give 4, eleven give 1
        assert_eq!(prorated_total(&scored, 2), Some(9.0 * 4.0 + 11.0));
    }

    #[test]
    fn djg6_dichotomises_by_item_direction() {
        let djg6 = instrument("djg6");
        // emotional items "yes" (3) count; social items "yes" (3) do not
        let raw = vec![Some(3), Some(2), Some(1), Some(3), Some(2), Some(1)];
        let scored = score_items(&djg6, &raw);
        assert_eq!(
            scored,
            vec![
                Some(1.0),
                Some(1.0),
                Some(0.0),
                Some(0.0),
                Some(1.0),
                Some(1.0)
            ]
        );
    }

    #[test]
    fn prorating_respects_max_missing() {
        let items = [Some(2.0), None, Some(4.0)];
        assert_eq!(prorated_total(&items, 0), None);
        assert_eq!(prorated_total(&items, 1), Some(9.0));
        assert_eq!(prorated_total(&[None, None], 5), None);
    }
}
