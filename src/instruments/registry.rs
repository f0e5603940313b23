//! The built-in instruments of DATA.md, with their published sources.

use super::{
    AnswerLabel, CaseWhen, Caseness, Direction, Instrument, ItemRule, Mic, Reliability, Subscale,
};

/// Worded answers: (words, response). The first words given for a
/// response are the ones printed.
fn labels(answers: &[(&str, i64)]) -> Vec<AnswerLabel> {
    answers
        .iter()
        .map(|&(text, code)| AnswerLabel::new(text, code))
        .collect()
}

fn sum_rules(items: usize) -> Vec<ItemRule> {
    vec![ItemRule::AsIs; items]
}

/// De Jong Gierveld items: emotional (negative) items count 1 for "more or
/// less" or "yes" (≥ 2); social (positive) items count 1 for "no" or "more
/// or less" (≤ 2).
fn djg_rules(items: usize, emotional: &[usize]) -> Vec<ItemRule> {
    (1..=items)
        .map(|k| {
            if emotional.contains(&k) {
                ItemRule::OneWhenAtLeast(2)
            } else {
                ItemRule::OneWhenAtMost(2)
            }
        })
        .collect()
}

fn subscales(items: usize, emotional: &[usize]) -> Vec<Subscale> {
    vec![
        Subscale {
            name: "emotional".into(),
            items: emotional.to_vec(),
        },
        Subscale {
            name: "social".into(),
            items: (1..=items).filter(|k| !emotional.contains(k)).collect(),
        },
    ]
}

/// The registry in its fixed order (the order outcomes appear in reports).
pub fn builtin() -> Vec<Instrument> {
    let ucla20_reversed = [1, 5, 6, 9, 10, 15, 16, 19, 20];
    let djg6_emotional = [1, 2, 3];
    let djg11_emotional = [2, 3, 5, 6, 9, 10];
    vec![
        Instrument {
            id: "ucla3".into(),
            name: "UCLA 3-item Loneliness Scale".into(),
            item_rules: sum_rules(3),
            raw_min: 1,
            raw_max: 3,
            score_min: 3.0,
            score_max: 9.0,
            subscales: vec![],
            max_missing: 0,
            direction: Direction::HigherIsWorse,
            caseness: Some(Caseness {
                when: CaseWhen::AtOrAbove,
                threshold: 6.0,
                source: "total ≥ 6, a common convention".into(),
            }),
            reliability: Some(Reliability {
                value: 0.72,
                source: "Hughes et al. 2004".into(),
            }),
            mic: None,
            labels: labels(&[
                ("hardly ever", 1),
                ("hardly ever or never", 1),
                ("never or hardly ever", 1),
                ("some of the time", 2),
                ("often", 3),
            ]),
            scoring: "sum of items (1 hardly ever, 2 some of the time, 3 often)".into(),
            source: "Hughes, Waite, Hawkley & Cacioppo (2004), Research on Aging 26(6)".into(),
        },
        Instrument {
            id: "ucla20".into(),
            name: "Revised UCLA Loneliness Scale, version 3".into(),
            item_rules: (1..=20)
                .map(|k| {
                    if ucla20_reversed.contains(&k) {
                        ItemRule::Reverse(5)
                    } else {
                        ItemRule::AsIs
                    }
                })
                .collect(),
            raw_min: 1,
            raw_max: 4,
            score_min: 20.0,
            score_max: 80.0,
            subscales: vec![],
            max_missing: 2,
            direction: Direction::HigherIsWorse,
            caseness: None,
            reliability: Some(Reliability {
                value: 0.92,
                source: "Russell 1996 (α .89–.94)".into(),
            }),
            mic: None,
            labels: labels(&[
                ("never", 1),
                ("rarely", 2),
                ("sometimes", 3),
                ("often", 4),
                ("always", 4),
                ("often/always", 4),
            ]),
            scoring: "items 1,5,6,9,10,15,16,19,20 reversed as 5 − x, then summed".into(),
            source: "Russell (1996), Journal of Personality Assessment 66(1)".into(),
        },
        Instrument {
            id: "djg6".into(),
            name: "De Jong Gierveld 6-item Loneliness Scale".into(),
            item_rules: djg_rules(6, &djg6_emotional),
            raw_min: 1,
            raw_max: 3,
            score_min: 0.0,
            score_max: 6.0,
            subscales: subscales(6, &djg6_emotional),
            max_missing: 0,
            direction: Direction::HigherIsWorse,
            caseness: Some(Caseness {
                when: CaseWhen::AtOrAbove,
                threshold: 2.0,
                source: "total ≥ 2 (2–4 moderate, 5–6 severe), De Jong Gierveld & Van Tilburg 2006".into(),
            }),
            reliability: None,
            mic: None,
            labels: labels(&[("no", 1), ("more or less", 2), ("yes", 3)]),
            scoring: "items 1–3 (emotional) score 1 for 2 or 3; items 4–6 (social) score 1 for 1 or 2; summed".into(),
            source: "De Jong Gierveld & Van Tilburg (2006), Research on Aging 28(5)".into(),
        },
        Instrument {
            id: "djg11".into(),
            name: "De Jong Gierveld 11-item Loneliness Scale".into(),
            item_rules: djg_rules(11, &djg11_emotional),
            raw_min: 1,
            raw_max: 3,
            score_min: 0.0,
            score_max: 11.0,
            subscales: subscales(11, &djg11_emotional),
            max_missing: 1,
            direction: Direction::HigherIsWorse,
            caseness: Some(Caseness {
                when: CaseWhen::AtOrAbove,
                threshold: 3.0,
                source: "total ≥ 3, De Jong Gierveld & Van Tilburg 1999".into(),
            }),
            reliability: None,
            mic: None,
            labels: labels(&[("no", 1), ("more or less", 2), ("yes", 3)]),
            scoring: "negative items 2,3,5,6,9,10 (emotional) score 1 for 2 or 3; positive items 1,4,7,8,11 (social) score 1 for 1 or 2; summed".into(),
            source: "De Jong Gierveld & Kamphuis (1985), Applied Psychological Measurement 9(3)".into(),
        },
        Instrument {
            id: "ons_lonely".into(),
            name: "ONS direct question: How often do you feel lonely?".into(),
            item_rules: sum_rules(1),
            raw_min: 1,
            raw_max: 5,
            score_min: 1.0,
            score_max: 5.0,
            subscales: vec![],
            max_missing: 0,
            direction: Direction::HigherIsWorse,
            caseness: Some(Caseness {
                when: CaseWhen::AtOrAbove,
                threshold: 5.0,
                source: "= 5, often/always: the ONS national indicator".into(),
            }),
            reliability: None,
            mic: None,
            labels: labels(&[
                ("never", 1),
                ("hardly ever", 2),
                ("occasionally", 3),
                ("some of the time", 4),
                ("often/always", 5),
                ("often or always", 5),
            ]),
            scoring: "the response (1 never … 5 often/always)".into(),
            source: "Office for National Statistics (2018), Measuring loneliness: guidance for use of the national indicators".into(),
        },
        Instrument {
            id: "cel3".into(),
            name: "Campaign to End Loneliness Measurement Tool".into(),
            item_rules: sum_rules(3),
            raw_min: 0,
            raw_max: 4,
            score_min: 0.0,
            score_max: 12.0,
            subscales: vec![],
            max_missing: 0,
            direction: Direction::HigherIsWorse,
            caseness: None,
            reliability: None,
            mic: None,
            labels: labels(&[
                ("strongly agree", 0),
                ("agree", 1),
                ("neutral", 2),
                ("neither agree nor disagree", 2),
                ("disagree", 3),
                ("strongly disagree", 4),
            ]),
            scoring: "sum of items scored 0–4 after the tool's own reversal (agree = 0)".into(),
            source: "Campaign to End Loneliness (2015), Measuring your impact on loneliness in later life".into(),
        },
        Instrument {
            id: "swemwbs".into(),
            name: "Short Warwick-Edinburgh Mental Wellbeing Scale".into(),
            item_rules: sum_rules(7),
            raw_min: 1,
            raw_max: 5,
            score_min: 7.0,
            score_max: 35.0,
            subscales: vec![],
            max_missing: 0,
            direction: Direction::HigherIsBetter,
            caseness: None,
            reliability: Some(Reliability {
                value: 0.84,
                source: "Stewart-Brown et al. 2009".into(),
            }),
            mic: Some(Mic {
                improvement: 3.0,
                deterioration: 3.0,
                source: "Shah et al. (2018), Health and Quality of Life Outcomes 16:239: a change of between 1 and 3 points meets thresholds for statistically important individual change (2.77 SEM = 2.87 points); belong uses the upper end, 3 points".into(),
            }),
            labels: labels(&[
                ("none of the time", 1),
                ("rarely", 2),
                ("some of the time", 3),
                ("often", 4),
                ("all of the time", 5),
            ]),
            scoring: "sum of items (raw score 7–35)".into(),
            source: "Stewart-Brown et al. (2009), Health and Quality of Life Outcomes 7:15".into(),
        },
    ]
}

/// Key phrases of each item's question, as a survey tool puts them in its
/// column headers ("Q1 How often do you feel you lack companionship?"):
/// item k's phrases at index k − 1, matched on whole words after
/// [`super::label_key`]. Only where the published wording is known.
pub(crate) fn item_phrases(id: &str) -> &'static [&'static [&'static str]] {
    match id {
        "ucla3" => &[&["lack companionship"], &["left out"], &["isolated"]],
        "ucla20" => &[
            &["in tune"],
            &["lack companionship"],
            &["no one you can turn to"],
            &["feel alone"],
            &["part of a group of friends"],
            &["a lot in common"],
            &["no longer close to anyone"],
            &["not shared by those around"],
            &["outgoing and friendly"],
            &["feel close to people"],
            &["left out"],
            &["not meaningful"],
            &["no one really knows you"],
            &["isolated"],
            &["find companionship"],
            &["really understand you"],
            &["shy"],
            &["around you but not with you"],
            &["people you can talk to"],
            &["people you can turn to"],
        ],
        "djg6" => &[
            &["emptiness"],
            &["miss having people around"],
            &["rejected"],
            &["rely on"],
            &["trust completely"],
            &["enough people i feel close to", "feel close to"],
        ],
        "djg11" => &[
            &["someone i can talk to", "day to day problems"],
            &["really close friend"],
            &["emptiness"],
            &["lean on"],
            &["pleasure of the company"],
            &["circle of friends"],
            &["trust completely"],
            &["enough people i feel close to", "feel close to"],
            &["miss having people around"],
            &["rejected"],
            &["call on my friends"],
        ],
        "ons_lonely" => &[&["how often do you feel lonely", "feel lonely"]],
        "cel3" => &[
            &["content with my friendships"],
            &["comfortable asking for help"],
            &["relationships are as satisfying"],
        ],
        "swemwbs" => &[
            &["optimistic about the future"],
            &["feeling useful"],
            &["feeling relaxed"],
            &["dealing with problems well"],
            &["thinking clearly"],
            &["close to other people"],
            &["make up my own mind"],
        ],
        _ => &[],
    }
}
