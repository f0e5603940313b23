//! `[[instruments]]`: new instruments, and changed conventions (cut-off,
//! reliability, missing items) of built-in ones.

use crate::error::{Error, Result};
use crate::instruments::{CaseWhen, Caseness, Direction, Instrument, ItemRule, Mic, Reliability};

#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct InstrumentConfig {
    /// Column prefix: items `ID_1 … ID_k` or a total `ID_total`.
    pub id: String,
    pub name: Option<String>,
    /// Number of items; leave out (or 0) when only totals are collected.
    pub items: Option<usize>,
    /// Valid raw responses of every item.
    pub raw_min: Option<i64>,
    pub raw_max: Option<i64>,
    /// Items scored as raw_min + raw_max − response.
    #[serde(default)]
    pub reverse: Vec<usize>,
    /// `higher_is_worse` (loneliness) or `higher_is_better` (wellbeing).
    pub direction: Option<String>,
    /// Range of totals; default from items and raw range, none for totals.
    pub score_min: Option<f64>,
    pub score_max: Option<f64>,
    /// The cut-off of caseness: a total at or past it is a case.
    pub cutoff: Option<f64>,
    /// `at_or_above` or `at_or_below`: which side of `cutoff` is a case.
    /// Default: the worse side (above for `higher_is_worse`, below for
    /// `higher_is_better`).
    pub case_when: Option<String>,
    /// Reliability for the reliable-change index.
    pub reliability: Option<f64>,
    /// Minimal important change in points (anchor-based change); needs
    /// `source`.
    pub mic: Option<f64>,
    /// Minimal important deterioration in points (default `mic`).
    pub mic_deterioration: Option<f64>,
    /// Items that may be missing and still be prorated.
    pub max_missing: Option<usize>,
    /// Where the instrument or its conventions come from.
    pub source: Option<String>,
    /// Worded answers and their responses, e.g. `{ "not at all" = 1 }`;
    /// for a built-in instrument, wordings added to its own.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub labels: std::collections::BTreeMap<String, i64>,
}

/// Items per instrument: the longest published loneliness and wellbeing
/// scales have tens; memory grows with items × assessment rows.
pub(crate) const MAX_ITEMS: usize = 200;
/// The largest raw response a custom instrument may declare (responses
/// are read as 32-bit integers).
const MAX_RAW_RESPONSE: i64 = i32::MAX as i64;

fn fail(id: &str, message: impl std::fmt::Display) -> Error {
    Error::Config(format!("[[instruments]] id = \"{id}\": {message}"))
}

/// The built-in registry with the config's changes and additions.
pub fn registry(configs: &[InstrumentConfig]) -> Result<Vec<Instrument>> {
    let mut registry = crate::instruments::builtin();
    for config in configs {
        let id = config.id.as_str();
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(fail(
                id,
                "an id is letters, digits and _ (it prefixes the column names)",
            ));
        }
        if let Some(reliability) = config.reliability {
            if !(reliability > 0.0 && reliability < 1.0) {
                return Err(fail(id, "reliability must be between 0 and 1"));
            }
        }
        let source = config
            .source
            .clone()
            .unwrap_or_else(|| "set in belong.toml".to_string());
        let case_when = match config.case_when.as_deref() {
            None => None,
            Some("at_or_above") => Some(CaseWhen::AtOrAbove),
            Some("at_or_below") => Some(CaseWhen::AtOrBelow),
            Some(other) => {
                return Err(fail(
                    id,
                    format!(
                        "case_when = \"{}\": write \"at_or_above\" (a high score is a case) or \"at_or_below\" (a low score is a case, as for WHO-5 ≤ 12)",
                        other.escape_debug()
                    ),
                ))
            }
        };
        if case_when.is_some() && config.cutoff.is_none() {
            return Err(fail(
                id,
                "case_when needs the cutoff it applies to (cutoff = ...)",
            ));
        }
        let caseness = |direction: Direction| {
            config.cutoff.map(|threshold| {
                let when = case_when.unwrap_or(CaseWhen::worse_side_of(direction));
                Caseness {
                    threshold,
                    when,
                    source: format!("total {} {threshold}, {source}", when.sign()),
                }
            })
        };
        let reliability = config.reliability.map(|value| Reliability {
            value,
            source: source.clone(),
        });
        let mic = mic(config)?;
        if let Some(existing) = registry.iter_mut().find(|i| i.id == id) {
            let changes_scoring = config.items.is_some()
                || config.raw_min.is_some()
                || config.raw_max.is_some()
                || !config.reverse.is_empty()
                || config.direction.is_some()
                || config.score_min.is_some()
                || config.score_max.is_some();
            if changes_scoring {
                return Err(fail(
                    id,
                    "is built in; only cutoff, case_when, reliability, mic, mic_deterioration, max_missing, name, source and labels can be changed (use another id for a different instrument)",
                ));
            }
            if let Some(caseness) = caseness(existing.direction) {
                existing.caseness = Some(caseness);
            }
            if reliability.is_some() {
                existing.reliability = reliability;
            }
            if mic.is_some() {
                existing.mic = mic;
            }
            if let Some(max_missing) = config.max_missing {
                existing.max_missing = max_missing;
            }
            if let Some(name) = &config.name {
                existing.name = name.clone();
            }
            add_labels(existing, config)?;
            continue;
        }
        let mut instrument = custom(config, reliability, source.clone())?;
        instrument.caseness = caseness(instrument.direction);
        instrument.mic = mic;
        add_labels(&mut instrument, config)?;
        registry.push(instrument);
    }
    Ok(registry)
}

/// Adds the config's worded answers to `instrument`: each must stand for
/// a valid response, and words may not stand for two.
fn add_labels(instrument: &mut Instrument, config: &InstrumentConfig) -> Result<()> {
    let id = config.id.as_str();
    for (text, &code) in &config.labels {
        let label = crate::instruments::AnswerLabel::new(text, code);
        let shown = text.escape_debug();
        if label.key.is_empty() {
            return Err(fail(
                id,
                format!("labels: \"{shown}\" has no letters or digits"),
            ));
        }
        if instrument.item_count() == 0 {
            return Err(fail(
                id,
                "labels need items (a totals-only instrument has no answers)",
            ));
        }
        if code < instrument.raw_min || code > instrument.raw_max {
            return Err(fail(
                id,
                format!(
                    "labels: \"{shown}\" = {code} is outside the responses {}–{}",
                    instrument.raw_min, instrument.raw_max
                ),
            ));
        }
        if let Some(other) = instrument.labels.iter().find(|l| l.key == label.key) {
            if other.code != code {
                return Err(fail(
                    id,
                    format!(
                        "labels: \"{shown}\" = {code}, but \"{}\" already stands for {}; give each wording one response",
                        other.text.escape_debug(),
                        other.code
                    ),
                ));
            }
            continue;
        }
        instrument.labels.push(label);
    }
    Ok(())
}

/// The anchor of `mic` (and `mic_deterioration`), which must be positive
/// and come with the `source` that published it.
fn mic(config: &InstrumentConfig) -> Result<Option<Mic>> {
    let id = config.id.as_str();
    let Some(improvement) = config.mic else {
        if config.mic_deterioration.is_some() {
            return Err(fail(
                id,
                "mic_deterioration needs mic (the improvement) as well",
            ));
        }
        return Ok(None);
    };
    let deterioration = config.mic_deterioration.unwrap_or(improvement);
    for (key, value) in [("mic", improvement), ("mic_deterioration", deterioration)] {
        if !(value > 0.0 && value.is_finite()) {
            return Err(fail(
                id,
                format!("{key} must be a positive number of points, not {value}"),
            ));
        }
    }
    let Some(source) = config.source.clone() else {
        return Err(fail(
            id,
            "mic needs source = \"…\" naming where the minimal important change is published",
        ));
    };
    Ok(Some(Mic {
        improvement,
        deterioration,
        source,
    }))
}

fn custom(
    config: &InstrumentConfig,
    reliability: Option<Reliability>,
    source: String,
) -> Result<Instrument> {
    let id = config.id.as_str();
    let direction = match config.direction.as_deref() {
        Some("higher_is_worse") => Direction::HigherIsWorse,
        Some("higher_is_better") => Direction::HigherIsBetter,
        Some(other) => {
            return Err(fail(
                id,
                format!("direction = \"{other}\": write \"higher_is_worse\" or \"higher_is_better\""),
            ))
        }
        None => {
            return Err(fail(
                id,
                "add direction = \"higher_is_worse\" (loneliness) or \"higher_is_better\" (wellbeing): it decides what counts as improvement",
            ))
        }
    };
    let items = config.items.unwrap_or(0);
    if items > MAX_ITEMS {
        return Err(fail(
            id,
            format!("items = {items}: at most {MAX_ITEMS} items per instrument"),
        ));
    }
    if let Some(raw) = [config.raw_min, config.raw_max]
        .into_iter()
        .flatten()
        .find(|r| r.unsigned_abs() > MAX_RAW_RESPONSE.unsigned_abs())
    {
        return Err(fail(
            id,
            format!("raw_min/raw_max {raw}: responses lie within ±{MAX_RAW_RESPONSE}"),
        ));
    }
    let (raw_min, raw_max) = match (items, config.raw_min, config.raw_max) {
        (0, _, _) => (i64::MIN, i64::MAX),
        (_, Some(low), Some(high)) if low < high => (low, high),
        (_, Some(_), Some(_)) => return Err(fail(id, "raw_min must be below raw_max")),
        _ => {
            return Err(fail(
                id,
                "an instrument with items needs raw_min and raw_max (the valid responses)",
            ))
        }
    };
    if let Some(k) = config.reverse.iter().find(|k| **k == 0 || **k > items) {
        return Err(fail(
            id,
            format!("reverse item {k} is not one of items 1 to {items}"),
        ));
    }
    let item_rules: Vec<ItemRule> = (1..=items)
        .map(|k| {
            if config.reverse.contains(&k) {
                ItemRule::Reverse(raw_min + raw_max)
            } else {
                ItemRule::AsIs
            }
        })
        .collect();
    let (default_min, default_max) = if items > 0 {
        (
            (items as i64 * raw_min) as f64,
            (items as i64 * raw_max) as f64,
        )
    } else {
        (f64::NEG_INFINITY, f64::INFINITY)
    };
    let score_min = config.score_min.unwrap_or(default_min);
    let score_max = config.score_max.unwrap_or(default_max);
    if score_min >= score_max {
        return Err(fail(id, "score_min must be below score_max"));
    }
    let max_missing = config.max_missing.unwrap_or(0);
    if items > 0 && max_missing >= items {
        return Err(fail(id, "max_missing must be fewer than the items"));
    }
    let scoring = if items == 0 {
        "total as given".to_string()
    } else if config.reverse.is_empty() {
        format!("sum of {items} items")
    } else {
        format!(
            "sum of {items} items, items {} reversed as {} − x",
            config
                .reverse
                .iter()
                .map(|k| k.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            raw_min + raw_max
        )
    };
    Ok(Instrument {
        id: id.to_string(),
        name: config.name.clone().unwrap_or_else(|| id.to_string()),
        item_rules,
        raw_min,
        raw_max,
        score_min,
        score_max,
        subscales: Vec::new(),
        max_missing,
        direction,
        caseness: None,
        reliability,
        mic: None,
        labels: Vec::new(),
        scoring,
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_totals_only_instrument_has_no_range_and_its_direction() {
        let registry = registry(&[InstrumentConfig {
            id: "weight".into(),
            direction: Some("higher_is_better".into()),
            ..Default::default()
        }])
        .unwrap();
        let weight = registry.iter().find(|i| i.id == "weight").unwrap();
        assert_eq!(weight.direction, Direction::HigherIsBetter);
        assert_eq!(weight.item_count(), 0);
        assert!(weight.score_max.is_infinite());
    }

    #[test]
    fn a_cut_off_takes_the_worse_side_unless_case_when_says() {
        let who5 = |case_when: Option<&str>| InstrumentConfig {
            id: "who5".into(),
            items: Some(5),
            raw_min: Some(0),
            raw_max: Some(5),
            direction: Some("higher_is_better".into()),
            cutoff: Some(12.0),
            case_when: case_when.map(str::to_string),
            ..Default::default()
        };
        let caseness = |config: InstrumentConfig| {
            registry(&[config])
                .unwrap()
                .into_iter()
                .find(|i| i.id == "who5")
                .unwrap()
                .caseness
                .unwrap()
        };
        let low = caseness(who5(None));
        assert_eq!(low.when, CaseWhen::AtOrBelow);
        assert!(low.is_case(12.0) && !low.is_case(13.0));
        assert!(low.source.starts_with("total ≤ 12"));
        let high = caseness(who5(Some("at_or_above")));
        assert!(high.is_case(12.0) && !high.is_case(11.0));
        let error = registry(&[who5(Some("below"))]).unwrap_err().to_string();
        assert!(error.contains("at_or_below"), "{error}");
        let without_cutoff = InstrumentConfig {
            cutoff: None,
            ..who5(Some("at_or_below"))
        };
        let error = registry(&[without_cutoff]).unwrap_err().to_string();
        assert!(error.contains("needs the cutoff"), "{error}");
    }

    #[test]
    fn labels_add_wordings_and_refuse_what_cannot_be_a_response() {
        let with = |id: &str, labels: &[(&str, i64)], items: Option<usize>| InstrumentConfig {
            id: id.into(),
            items,
            raw_min: items.map(|_| 0),
            raw_max: items.map(|_| 3),
            direction: (id != "ucla3").then(|| "higher_is_worse".into()),
            labels: labels.iter().map(|(t, c)| (t.to_string(), *c)).collect(),
            ..Default::default()
        };
        let changed = registry(&[
            with("ucla3", &[("Quite often", 3)], None),
            with(
                "mood",
                &[("Not at all", 0), ("Nearly every day", 3)],
                Some(2),
            ),
        ])
        .unwrap();
        let ucla3 = changed.iter().find(|i| i.id == "ucla3").unwrap();
        assert_eq!(ucla3.response_of_label("quite often"), Some(3));
        assert_eq!(ucla3.response_of_label("Hardly ever"), Some(1));
        let mood = changed.iter().find(|i| i.id == "mood").unwrap();
        assert_eq!(mood.response_of_label("NOT AT ALL"), Some(0));
        for (config, message) in [
            (
                with("ucla3", &[("never", 4)], None),
                "outside the responses 1–3",
            ),
            (
                with("ucla3", &[("Often!", 2)], None),
                "already stands for 3",
            ),
            (with("ucla3", &[("--", 2)], None), "no letters or digits"),
            (with("weight", &[("heavy", 2)], None), "need items"),
        ] {
            let error = registry(&[config]).unwrap_err().to_string();
            assert!(error.contains(message), "{error}");
        }
    }

    #[test]
    fn built_ins_take_new_conventions_but_not_new_scoring() {
        let registry = registry(&[InstrumentConfig {
            id: "ucla3".into(),
            cutoff: Some(7.0),
            ..Default::default()
        }])
        .unwrap();
        let ucla3 = registry.iter().find(|i| i.id == "ucla3").unwrap();
        assert_eq!(ucla3.caseness.as_ref().unwrap().threshold, 7.0);
        assert!(super::registry(&[InstrumentConfig {
            id: "ucla3".into(),
            items: Some(4),
            ..Default::default()
        }])
        .is_err());
    }

    #[test]
    fn reversed_items_use_the_raw_range() {
        let registry = registry(&[InstrumentConfig {
            id: "mood".into(),
            items: Some(2),
            raw_min: Some(1),
            raw_max: Some(5),
            reverse: vec![2],
            direction: Some("higher_is_better".into()),
            ..Default::default()
        }])
        .unwrap();
        let mood = registry.iter().find(|i| i.id == "mood").unwrap();
        assert_eq!(mood.item_rules[1].apply(1), 5.0);
        assert_eq!((mood.score_min, mood.score_max), (2.0, 10.0));
    }
}
