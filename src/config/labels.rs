//! `[labels]`: the names readers see for the data's columns and levels.
//!
//! A CRM export calls a column `lives_alone` and its levels `true` and
//! `false`; an annual report says "Lives alone" and "Yes". Labels are
//! applied to the human tables and the sentences that name groups, never
//! to estimates.csv and estimates.parquet, which keep the data's own
//! names for machines and for `--previous`.

use std::collections::BTreeMap;

/// The most characters of a label.
pub(crate) const MAX_LABEL_LEN: usize = 80;

/// One column's entry in `[labels]`: its label, or a table with its label
/// and its levels' labels.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(untagged)]
pub enum LabelConfig {
    Name(String),
    Full {
        label: Option<String>,
        #[serde(default)]
        levels: BTreeMap<String, String>,
    },
}

/// The labels, checked.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Labels {
    columns: BTreeMap<String, String>,
    levels: BTreeMap<String, BTreeMap<String, String>>,
}

fn checked(key: &str, text: &str) -> Result<String, String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(format!(
            "labels.{key} in belong.toml is empty: write the name readers should see, or leave the key out"
        ));
    }
    if trimmed.chars().count() > MAX_LABEL_LEN {
        return Err(format!(
            "labels.{key} in belong.toml is longer than {MAX_LABEL_LEN} characters: a label names a column or a group in a table"
        ));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(format!(
            "labels.{key} in belong.toml holds a line break or control character: write it on one line"
        ));
    }
    Ok(trimmed.to_string())
}

impl Labels {
    /// Checks `[labels]` as written; the error names the key.
    pub fn resolve(raw: &BTreeMap<String, LabelConfig>) -> Result<Labels, String> {
        let mut labels = Labels::default();
        for (column, entry) in raw {
            let (label, levels) = match entry {
                LabelConfig::Name(label) => (Some(label), None),
                LabelConfig::Full { label, levels } => (label.as_ref(), Some(levels)),
            };
            if let Some(label) = label {
                labels
                    .columns
                    .insert(column.clone(), checked(column, label)?);
            }
            for (level, label) in levels.into_iter().flatten() {
                let key = format!("{column}.levels.{level}");
                labels
                    .levels
                    .entry(column.clone())
                    .or_default()
                    .insert(level.clone(), checked(&key, label)?);
            }
        }
        Ok(labels)
    }

    pub fn is_empty(&self) -> bool {
        self.columns.is_empty() && self.levels.is_empty()
    }

    /// A column's label, or its name.
    pub fn column<'a>(&'a self, name: &'a str) -> &'a str {
        self.columns.get(name).map_or(name, String::as_str)
    }

    /// A level's label, or the level.
    pub fn level<'a>(&'a self, column: &str, level: &'a str) -> &'a str {
        self.levels
            .get(column)
            .and_then(|levels| levels.get(level))
            .map_or(level, String::as_str)
    }

    /// A list of column names in words ("cohort, Age band").
    pub(crate) fn columns_text(&self, names: &[String]) -> String {
        names
            .iter()
            .map(|name| self.column(name))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// A balance covariate ("age_band = 75+", "baseline_score") labelled.
    pub fn covariate(&self, name: &str) -> String {
        match name.split_once(" = ") {
            Some((column, level)) => {
                format!("{} = {}", self.column(column), self.level(column, level))
            }
            None => self.column(name).to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_label_is_refused_with_its_key() {
        let raw: BTreeMap<String, LabelConfig> =
            toml::from_str("gender = { levels = { male = \"\" } }").unwrap();
        let error = Labels::resolve(&raw).unwrap_err();
        assert!(error.contains("labels.gender.levels.male"), "{error}");
        let raw: BTreeMap<String, LabelConfig> =
            toml::from_str(&format!("site = \"{}\"", "x".repeat(81))).unwrap();
        assert!(Labels::resolve(&raw).unwrap_err().contains("labels.site"));
    }
}
