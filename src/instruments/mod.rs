//! The instrument registry: how raw questionnaire responses become scores.
//!
//! Each instrument says how many items it has, which raw responses are
//! valid, how every item is scored (as is, reversed, dichotomised), which
//! subscales exist, how many missing items may be prorated, and which
//! conventions (caseness cut-off, reliability) apply, with their sources.
//! Users will add their own in config; the built-in ones follow DATA.md.

mod registry;
pub mod scoring;

pub use registry::builtin;
pub(crate) use registry::item_phrases;

/// Whether a higher score means more of the problem (loneliness) or more of
/// the good thing (wellbeing). Decides the sign of "improved".
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    HigherIsWorse,
    HigherIsBetter,
}

impl Direction {
    /// True when a change `d = follow-up − baseline` is an improvement.
    pub fn improved(self, change: f64) -> bool {
        match self {
            Direction::HigherIsWorse => change < 0.0,
            Direction::HigherIsBetter => change > 0.0,
        }
    }
}

/// How one item's raw response becomes its scored value.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemRule {
    /// The response itself.
    AsIs,
    /// `constant − response` (ucla20's reverse items: 5 − x).
    Reverse(i64),
    /// 1 when the response is at least the threshold, else 0.
    OneWhenAtLeast(i64),
    /// 1 when the response is at most the threshold, else 0.
    OneWhenAtMost(i64),
}

impl ItemRule {
    pub(crate) fn apply(self, response: i64) -> f64 {
        match self {
            ItemRule::AsIs => response as f64,
            ItemRule::Reverse(constant) => (constant - response) as f64,
            ItemRule::OneWhenAtLeast(threshold) => f64::from(u8::from(response >= threshold)),
            ItemRule::OneWhenAtMost(threshold) => f64::from(u8::from(response <= threshold)),
        }
    }
}

/// A named subset of items scored as an outcome of its own.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Subscale {
    /// Suffix of the outcome id: `emotional` gives `djg11_emotional`.
    pub name: String,
    /// 1-based item numbers.
    pub items: Vec<usize>,
}

/// Which side of the cut-off is a case: a high loneliness score, or a low
/// wellbeing score (WHO-5 ≤ 12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseWhen {
    AtOrAbove,
    AtOrBelow,
}

impl CaseWhen {
    /// The side that is the problem for an instrument of `direction`.
    pub(crate) fn worse_side_of(direction: Direction) -> CaseWhen {
        match direction {
            Direction::HigherIsWorse => CaseWhen::AtOrAbove,
            Direction::HigherIsBetter => CaseWhen::AtOrBelow,
        }
    }

    /// `at or above`, `at or below`.
    pub fn words(self) -> &'static str {
        match self {
            CaseWhen::AtOrAbove => "at or above",
            CaseWhen::AtOrBelow => "at or below",
        }
    }

    /// `≥`, `≤`.
    pub fn sign(self) -> &'static str {
        match self {
            CaseWhen::AtOrAbove => "≥",
            CaseWhen::AtOrBelow => "≤",
        }
    }
}

/// A score on the `when` side of `threshold` (itself included) counts as
/// a case.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Caseness {
    pub threshold: f64,
    pub when: CaseWhen,
    pub source: String,
}

impl Caseness {
    pub(crate) fn is_case(&self, score: f64) -> bool {
        match self.when {
            CaseWhen::AtOrAbove => score >= self.threshold,
            CaseWhen::AtOrBelow => score <= self.threshold,
        }
    }
}

/// A minimal important change in points, each way, with its published
/// source (anchor-based classification of individual change).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Mic {
    pub improvement: f64,
    pub deterioration: f64,
    pub source: String,
}

/// A reliability coefficient with where it comes from.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Reliability {
    pub value: f64,
    pub source: String,
}

/// A worded answer and the response it stands for.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AnswerLabel {
    /// As printed (`some of the time`).
    pub text: String,
    /// As matched: see [`label_key`].
    pub key: String,
    pub code: i64,
}

impl AnswerLabel {
    pub fn new(text: &str, code: i64) -> AnswerLabel {
        AnswerLabel {
            text: text.to_string(),
            key: label_key(text),
            code,
        }
    }
}

/// A worded answer as it is matched: lower case, every run of characters
/// other than letters and digits one space, trimmed, so that
/// `Often/always`, `often / always` and ` OFTEN-ALWAYS ` are one answer.
pub(crate) fn label_key(text: &str) -> String {
    let mut key = String::with_capacity(text.len());
    for word in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !key.is_empty() {
            key.push(' ');
        }
        key.extend(word.chars().flat_map(char::to_lowercase));
    }
    key
}

/// One questionnaire and its scoring rules.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Instrument {
    pub id: String,
    pub name: String,
    /// Rule per item, item k at index k − 1.
    pub item_rules: Vec<ItemRule>,
    pub raw_min: i64,
    pub raw_max: i64,
    pub score_min: f64,
    pub score_max: f64,
    pub subscales: Vec<Subscale>,
    /// Items that may be missing and still be prorated into a total.
    pub max_missing: usize,
    pub direction: Direction,
    pub caseness: Option<Caseness>,
    pub reliability: Option<Reliability>,
    /// Only where a published source gives one, or the user does.
    pub mic: Option<Mic>,
    /// Worded answers, each with its response; several words may stand
    /// for one response (`often/always`, `often or always`).
    pub labels: Vec<AnswerLabel>,
    /// Plain-language scoring summary, as printed by `belong instruments`.
    pub scoring: String,
    /// Bibliographic source of the instrument.
    pub source: String,
}

impl Instrument {
    pub(crate) fn item_count(&self) -> usize {
        self.item_rules.len()
    }

    /// Column name of item k (1-based) in the native layout.
    pub(crate) fn item_column(&self, k: usize) -> String {
        format!("{}_{k}", self.id)
    }

    pub(crate) fn total_column(&self) -> String {
        format!("{}_total", self.id)
    }

    /// The response a worded answer stands for: `Some of the time`, or
    /// `2 - some of the time` / `2. Some of the time` (its number and
    /// words agreeing). Matched after trimming, case-folding and
    /// normalising punctuation.
    pub(crate) fn response_of_label(&self, text: &str) -> Option<i64> {
        let key = label_key(text);
        let find = |key: &str| self.labels.iter().find(|l| l.key == key).map(|l| l.code);
        if let Some(code) = find(&key) {
            return Some(code);
        }
        let (number, words) = key.split_once(' ')?;
        let number: i64 = number.parse().ok()?;
        find(words).filter(|&code| code == number)
    }

    /// The answers as people read them, one per response:
    /// `1 hardly ever, 2 some of the time, 3 often`.
    pub fn answers(&self) -> String {
        let mut shown: Vec<(i64, &str)> = Vec::new();
        for label in &self.labels {
            if !shown.iter().any(|(code, _)| *code == label.code) {
                shown.push((label.code, &label.text));
            }
        }
        shown.sort_by_key(|(code, _)| *code);
        shown
            .iter()
            .map(|(code, text)| format!("{code} {text}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The outcome id of a subscale, e.g. `djg11_emotional`.
    pub(crate) fn subscale_outcome(&self, subscale: &Subscale) -> String {
        format!("{}_{}", self.id, subscale.name)
    }
}

/// The registry as text for people: items, scoring, ranges, conventions and
/// sources.
pub fn describe(instruments: &[Instrument]) -> String {
    let mut out = String::new();
    for i in instruments {
        out.push_str(&format!("{}  {}\n", i.id, i.name));
        out.push_str(&format!(
            "  items      {} (columns {}_1 … {}_{}, or {}_total), responses {}–{}\n",
            i.item_count(),
            i.id,
            i.id,
            i.item_count(),
            i.id,
            i.raw_min,
            i.raw_max
        ));
        if !i.labels.is_empty() {
            out.push_str(&format!("  answers    {}\n", i.answers()));
        }
        out.push_str(&format!("  scoring    {}\n", i.scoring));
        out.push_str(&format!(
            "  range      {}–{}, {}; up to {} missing item(s) prorated\n",
            i.score_min,
            i.score_max,
            match i.direction {
                Direction::HigherIsWorse => "higher is worse",
                Direction::HigherIsBetter => "higher is better",
            },
            i.max_missing
        ));
        if !i.subscales.is_empty() {
            let names: Vec<String> = i
                .subscales
                .iter()
                .map(|s| {
                    format!(
                        "{} (items {})",
                        i.subscale_outcome(s),
                        s.items
                            .iter()
                            .map(|k| k.to_string())
                            .collect::<Vec<_>>()
                            .join(",")
                    )
                })
                .collect();
            out.push_str(&format!("  subscales  {}\n", names.join("; ")));
        }
        out.push_str(&format!(
            "  caseness   {}\n",
            i.caseness
                .as_ref()
                .map_or("none (set one in config)".to_string(), |c| c.source.clone())
        ));
        out.push_str(&format!(
            "  reliability {}\n",
            i.reliability
                .as_ref()
                .map_or("sample Cronbach α".to_string(), |r| format!(
                    "α = {} ({})",
                    r.value, r.source
                ))
        ));
        out.push_str(&format!(
            "  mic        {}\n",
            i.mic.as_ref().map_or(
                "no published minimal important change (set mic and source in config)".to_string(),
                |m| format!(
                    "minimal important change {} points better, {} worse ({})",
                    m.improvement, m.deterioration, m.source
                )
            )
        ));
        out.push_str(&format!("  source     {}\n\n", i.source));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn instrument(id: &str) -> Instrument {
        builtin().into_iter().find(|i| i.id == id).unwrap()
    }

    #[test]
    fn worded_answers_are_matched_after_normalising() {
        assert_eq!(label_key("  Often/ALWAYS. "), "often always");
        assert_eq!(label_key("Some-of-the-time"), "some of the time");
        let ucla3 = instrument("ucla3");
        assert_eq!(ucla3.response_of_label("Hardly ever"), Some(1));
        assert_eq!(ucla3.response_of_label("HARDLY EVER, OR NEVER"), Some(1));
        assert_eq!(ucla3.response_of_label(" some of the time "), Some(2));
        assert_eq!(ucla3.response_of_label("2. Some of the time"), Some(2));
        assert_eq!(ucla3.response_of_label("2 - some of the time"), Some(2));
        // The number and the words must agree.
        assert_eq!(ucla3.response_of_label("3 - some of the time"), None);
        assert_eq!(ucla3.response_of_label("Quite often"), None);
        let ons = instrument("ons_lonely");
        assert_eq!(ons.response_of_label("Often / always"), Some(5));
        assert_eq!(ons.response_of_label("Hardly ever"), Some(2));
        let cel = instrument("cel3");
        assert_eq!(cel.response_of_label("Strongly agree"), Some(0));
        assert_eq!(cel.response_of_label("Neither agree nor disagree"), Some(2));
        assert_eq!(
            instrument("djg11").response_of_label("More or less"),
            Some(2)
        );
        assert_eq!(
            instrument("swemwbs").response_of_label("All of the time"),
            Some(5)
        );
        assert_eq!(instrument("ucla20").response_of_label("Rarely"), Some(2));
    }

    #[test]
    fn every_builtin_answer_is_a_valid_response_of_one_meaning() {
        for instrument in builtin() {
            assert!(!instrument.labels.is_empty(), "{}", instrument.id);
            for label in &instrument.labels {
                assert!(
                    (instrument.raw_min..=instrument.raw_max).contains(&label.code),
                    "{} {}",
                    instrument.id,
                    label.text
                );
                let codes: Vec<i64> = instrument
                    .labels
                    .iter()
                    .filter(|other| other.key == label.key)
                    .map(|other| other.code)
                    .collect();
                assert_eq!(codes, [label.code], "{} {}", instrument.id, label.text);
            }
            // Every response has words.
            for code in instrument.raw_min..=instrument.raw_max {
                assert!(
                    instrument.labels.iter().any(|l| l.code == code),
                    "{} {code}",
                    instrument.id
                );
            }
        }
        assert_eq!(
            instrument("ucla3").answers(),
            "1 hardly ever, 2 some of the time, 3 often"
        );
    }
}
