//! Which wave is the baseline, which is the follow-up, and in what order the
//! waves come — decided by config, dates or recognised labels, never by
//! alphabet (`month6` would sort before `week12`).

use crate::error::{Error, Result};
use crate::model::{Assessments, Date};

/// The ordered waves of a dataset.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct WaveOrder {
    pub waves: Vec<String>,
    pub baseline: usize,
    pub followup: usize,
}

impl WaveOrder {
    pub(crate) fn baseline_name(&self) -> &str {
        &self.waves[self.baseline]
    }
    pub(crate) fn followup_name(&self) -> &str {
        &self.waves[self.followup]
    }
    pub(crate) fn index_of(&self, wave: &str) -> Option<usize> {
        self.waves.iter().position(|w| w == wave)
    }
}

/// Wave settings from config.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct WaveSettings {
    pub order: Option<Vec<String>>,
    pub baseline: Option<String>,
    pub followup: Option<String>,
}

const BASELINE_NAMES: [&str; 4] = ["baseline", "pre", "intake", "t0"];

/// Days a label such as `week12`, `month6`, `year1`, `6 months` stands for.
fn label_duration(label: &str) -> Option<f64> {
    let lower = label.to_ascii_lowercase().replace(['_', '-', ' '], "");
    let digits_start = lower.find(|c: char| c.is_ascii_digit())?;
    let (head, tail) = lower.split_at(digits_start);
    let digits_end = tail
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(tail.len());
    let (number, unit_after) = tail.split_at(digits_end);
    let number: f64 = number.parse().ok()?;
    let unit = if head.is_empty() { unit_after } else { head };
    let days = match unit {
        "d" | "day" | "days" => 1.0,
        "w" | "wk" | "week" | "weeks" => 7.0,
        "m" | "mo" | "month" | "months" => 30.4375,
        "y" | "yr" | "year" | "years" => 365.25,
        _ => return None,
    };
    Some(number * days)
}

fn median_date(mut dates: Vec<Date>) -> Option<f64> {
    if dates.is_empty() {
        return None;
    }
    dates.sort_unstable();
    let n = dates.len();
    Some(if n % 2 == 1 {
        f64::from(dates[n / 2])
    } else {
        (f64::from(dates[n / 2 - 1]) + f64::from(dates[n / 2])) / 2.0
    })
}

fn ask_for_config(waves: &[String], why: &str) -> Error {
    Error::Waves(format!(
        "cannot order the waves {}: {why}; set waves = [{}] (baseline first) in belong.toml",
        waves.join(", "),
        waves
            .iter()
            .map(|w| format!("\"{w}\""))
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

/// Orders the waves found in the assessments.
pub(crate) fn order_waves(assessments: &Assessments, settings: &WaveSettings) -> Result<WaveOrder> {
    // The names of the rows' waves, in byte order.
    let in_rows = assessments.wave.texts_in_rows();
    let mut found: Vec<String> = (0..in_rows.len())
        .filter(|&n| in_rows[n])
        .map(|n| assessments.wave.texts.get(n).to_string())
        .collect();
    found.sort_unstable();
    if found.is_empty() {
        return Err(Error::NothingToAnalyse(
            "no assessment rows were kept".into(),
        ));
    }
    let waves = match &settings.order {
        Some(order) => {
            if let Some(unknown) = found.iter().find(|w| !order.contains(w)) {
                return Err(Error::Waves(format!(
                    "wave \"{unknown}\" is in the assessments but not in waves = [...] of belong.toml; add it to the list"
                )));
            }
            order
                .iter()
                .filter(|w| found.contains(w))
                .cloned()
                .collect()
        }
        None => infer_order(assessments, &found)?,
    };
    let position = |name: &Option<String>, key: &str, default: usize| -> Result<usize> {
        match name {
            None => Ok(default),
            Some(name) => waves.iter().position(|w| w == name).ok_or_else(|| {
                Error::Waves(format!(
                    "{key} = \"{name}\" in belong.toml is not a wave of the data (waves: {})",
                    waves.join(", ")
                ))
            }),
        }
    };
    if waves.len() < 2 {
        return Err(Error::NothingToAnalyse(format!(
            "every kept assessment is from the one wave \"{}\"; change needs a baseline and a follow-up wave",
            waves[0]
        )));
    }
    let baseline = position(&settings.baseline, "baseline", 0)?;
    let followup = position(&settings.followup, "followup", waves.len() - 1)?;
    if followup <= baseline {
        return Err(Error::Waves(format!(
            "followup = \"{}\" does not come after baseline = \"{}\" in the wave order ({}); fix baseline, followup or waves in belong.toml",
            waves[followup],
            waves[baseline],
            waves.join(", ")
        )));
    }
    Ok(WaveOrder {
        waves,
        baseline,
        followup,
    })
}

fn infer_order(assessments: &Assessments, found: &[String]) -> Result<Vec<String>> {
    let baselines: Vec<&String> = found
        .iter()
        .filter(|w| BASELINE_NAMES.contains(&w.to_ascii_lowercase().as_str()))
        .collect();
    let baseline = match baselines.as_slice() {
        [one] => (*one).clone(),
        [] => {
            return Err(ask_for_config(
                found,
                "no wave is named baseline, pre, intake or t0",
            ))
        }
        _ => {
            return Err(ask_for_config(
                found,
                "more than one wave looks like a baseline",
            ))
        }
    };
    let mut rest: Vec<String> = found.iter().filter(|w| **w != baseline).cloned().collect();
    if rest.len() > 1 {
        let medians: Vec<Option<f64>> = rest
            .iter()
            .map(|wave| {
                let number = assessments.wave.texts.find(wave);
                let dates: Vec<Date> = assessments
                    .wave
                    .rows
                    .iter()
                    .zip(&assessments.assessed_on)
                    .filter(|(w, _)| Some(**w) == number)
                    .filter_map(|(_, d)| *d)
                    .collect();
                median_date(dates)
            })
            .collect();
        let durations: Vec<Option<f64>> = rest.iter().map(|w| label_duration(w)).collect();
        let keys: Vec<f64> = if medians.iter().all(Option::is_some) {
            medians.into_iter().flatten().collect()
        } else if durations.iter().all(Option::is_some) {
            durations.into_iter().flatten().collect()
        } else {
            return Err(ask_for_config(
                found,
                "not every wave has assessed_on dates and not every label is a duration like week12 or month6",
            ));
        };
        let mut sorted_keys = keys.clone();
        sorted_keys.sort_by(f64::total_cmp);
        if sorted_keys.windows(2).any(|w| w[0] == w[1]) {
            return Err(ask_for_config(found, "two waves fall on the same time"));
        }
        let mut paired: Vec<(f64, String)> = keys.into_iter().zip(rest).collect();
        paired.sort_by(|a, b| a.0.total_cmp(&b.0));
        rest = paired.into_iter().map(|(_, w)| w).collect();
    }
    let mut order = vec![baseline];
    order.extend(rest);
    Ok(order)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assessments(waves: &[&str]) -> Assessments {
        Assessments {
            participant_id: waves.iter().map(|_| "P1".to_string()).collect(),
            wave: waves.iter().map(|w| w.to_string()).collect(),
            assessed_on: waves.iter().map(|_| None).collect(),
            ..Assessments::default()
        }
    }

    #[test]
    fn labels_order_by_duration_not_alphabet() {
        let order = order_waves(
            &assessments(&["month6", "week12", "Baseline"]),
            &WaveSettings::default(),
        )
        .unwrap();
        assert_eq!(order.waves, vec!["Baseline", "week12", "month6"]);
        assert_eq!(order.followup_name(), "month6");
    }

    #[test]
    fn unknown_labels_ask_for_config() {
        let error = order_waves(
            &assessments(&["baseline", "spring", "autumn"]),
            &WaveSettings::default(),
        )
        .unwrap_err();
        assert!(error.to_string().contains("waves = ["), "{error}");
    }

    #[test]
    fn no_baseline_asks_for_config() {
        assert!(order_waves(&assessments(&["a", "b"]), &WaveSettings::default()).is_err());
    }

    #[test]
    fn durations_parse() {
        assert_eq!(label_duration("week12"), Some(84.0));
        assert_eq!(label_duration("6 months"), Some(6.0 * 30.4375));
        assert_eq!(label_duration("followup"), None);
    }
}
