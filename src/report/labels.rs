//! `[labels]` applied: the human tables with the data's columns and
//! levels named as readers know them (the labels themselves are checked in
//! config/labels.rs).

use super::tables::{Cell, Table};
use crate::config::Labels;

impl Labels {
    /// `table` with its columns and levels labelled where the table says
    /// which column a cell belongs to: a row's `grouped by`, `moderator`
    /// or `characteristic` names the column of its `group` and `category`
    /// cells and of both sides of its `contrast`; a `covariate` reads
    /// `column = level`; Table 1's headers read `column: level`, and its
    /// rows list a column's levels under the column's own row.
    pub(crate) fn relabel(&self, table: &mut Table) {
        if self.is_empty() {
            return;
        }
        let position = |name: &str| table.header.iter().position(|h| h == name);
        let by = ["grouped by", "moderator"].into_iter().find_map(position);
        let characteristic = position("characteristic");
        let (group, category) = (position("group"), position("category"));
        let contrast = position("contrast");
        let covariate = position("covariate");
        let text = |row: &[Cell], c: Option<usize>| match c.and_then(|c| row.get(c)) {
            Some(Cell::Text(t)) => Some(t.clone()),
            _ => None,
        };
        // Table 1 has one column of names: a column's row ("age_band,
        // n (%)") heads its levels.
        let table1 = characteristic.is_some() && by.is_none() && category.is_none();
        let mut heading: Option<String> = None;
        for row in &mut table.rows {
            let grouping = text(row, by);
            let named = text(row, characteristic);
            let mut updates: Vec<(usize, String)> = Vec::new();
            let mut set = |c: Option<usize>, value: String| {
                if let Some(c) = c {
                    updates.push((c, value));
                }
            };
            if let (Some(column), Some(level)) = (&grouping, text(row, group)) {
                set(group, self.level(column, &level).to_string());
            }
            if let (Some(column), Some(level)) =
                (named.as_ref().or(grouping.as_ref()), text(row, category))
            {
                set(category, self.level(column, &level).to_string());
            }
            if let (Some(column), Some(pair)) = (&grouping, text(row, contrast)) {
                if let Some((a, b)) = pair.split_once(" - ") {
                    set(
                        contrast,
                        format!("{} - {}", self.level(column, a), self.level(column, b)),
                    );
                }
            }
            if let Some(column) = &grouping {
                set(by, self.column(column).to_string());
            }
            match (&named, table1) {
                (Some(name), false) => set(characteristic, self.column(name).to_string()),
                (Some(name), true) => match name.split_once(", ") {
                    Some((column, rest)) if !column.is_empty() => {
                        set(characteristic, format!("{}, {rest}", self.column(column)));
                        heading = Some(column.to_string());
                    }
                    _ => {
                        if let Some(column) = &heading {
                            set(characteristic, self.level(column, name).to_string());
                        }
                    }
                },
                (None, _) => {}
            }
            if let Some(name) = text(row, covariate) {
                set(covariate, self.covariate(&name));
            }
            for (c, value) in updates {
                row[c] = Cell::Text(value);
            }
        }
        for header in &mut table.header {
            if let Some((column, rest)) = header.split_once(": ") {
                let (level, tail) = match rest.split_once(" (") {
                    Some((level, tail)) => (level, format!(" ({tail}")),
                    None => (rest, String::new()),
                };
                *header = format!(
                    "{}: {}{tail}",
                    self.column(column),
                    self.level(column, level)
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::LabelConfig;
    use std::collections::BTreeMap;

    fn labels() -> Labels {
        let raw: BTreeMap<String, LabelConfig> = toml::from_str(
            r#"
            age_band = "Age band"
            lives_alone = { label = "Lives alone", levels = { true = "Yes", false = "No" } }
            arm = { levels = { intervention = "Programme" } }
            "#,
        )
        .unwrap();
        Labels::resolve(&raw).unwrap()
    }

    fn text(t: &str) -> Cell {
        Cell::Text(t.to_string())
    }

    #[test]
    fn columns_and_levels_are_labelled_where_the_table_names_them() {
        let labels = labels();
        let mut table = Table {
            name: "for_whom",
            title: "For whom",
            header: vec!["outcome".into(), "moderator".into(), "group".into()],
            rows: vec![
                vec![text("ucla3"), text("lives_alone"), text("true")],
                vec![text("ucla3"), text("age_band"), text("75+")],
                // A level of another column keeps its name.
                vec![text("ucla3"), text("site"), text("true")],
            ],
        };
        labels.relabel(&mut table);
        assert_eq!(table.rows[0][1..], [text("Lives alone"), text("Yes")]);
        assert_eq!(table.rows[1][1..], [text("Age band"), text("75+")]);
        assert_eq!(table.rows[2][1..], [text("site"), text("true")]);

        let mut table1 = Table {
            name: "table1",
            title: "Table 1",
            header: vec![
                "characteristic".into(),
                "everyone".into(),
                "arm: intervention".into(),
            ],
            rows: vec![
                vec![text("lives_alone, n (%)"), text(""), text("")],
                vec![text("true"), text("12 (40%)"), text("8 (40%)")],
                vec![text("age_band, n (%)"), text(""), text("")],
                vec![text("true"), text("1"), text("1")],
            ],
        };
        labels.relabel(&mut table1);
        assert_eq!(table1.header[2], "arm: Programme");
        assert_eq!(table1.rows[0][0], text("Lives alone, n (%)"));
        assert_eq!(table1.rows[1][0], text("Yes"));
        assert_eq!(table1.rows[2][0], text("Age band, n (%)"));
        assert_eq!(table1.rows[3][0], text("true"));

        let mut balance = Table {
            name: "balance",
            title: "Balance",
            header: vec!["outcome".into(), "covariate".into()],
            rows: vec![vec![text("ucla3"), text("lives_alone = true")]],
        };
        labels.relabel(&mut balance);
        assert_eq!(balance.rows[0][1], text("Lives alone = Yes"));
    }
}
