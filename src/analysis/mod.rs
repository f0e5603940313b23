//! Analyses: from the panel to `Estimate` rows.
//!
//! Work is split into cells (outcome × group). Cells run in parallel with
//! rayon and their rows are concatenated in cell order, so the output never
//! depends on thread count or timing. Multiplicity adjustment runs once at
//! the end over the whole set.

pub mod change;
pub mod descriptives;

use crate::estimate::{adjust_p_values, Estimate};
use crate::panel::{Panel, PanelOutcome};
use rayon::prelude::*;

/// One group of participants: `all`, or one value of a grouping column.
#[derive(Debug, Clone)]
pub struct Group {
    pub group_by: String,
    pub group: String,
    /// Panel rows of its members.
    pub members: Vec<usize>,
}

/// `all`, then each value of each grouping column in byte order.
pub fn groups(panel: &Panel) -> Vec<Group> {
    let mut result = vec![Group {
        group_by: "all".into(),
        group: "all".into(),
        members: (0..panel.participant_id.len()).collect(),
    }];
    for (column, values) in &panel.groups {
        let mut levels: Vec<&String> = values.iter().flatten().collect();
        levels.sort();
        levels.dedup();
        for level in levels {
            result.push(Group {
                group_by: column.clone(),
                group: level.clone(),
                members: values
                    .iter()
                    .enumerate()
                    .filter(|(_, v)| v.as_ref() == Some(level))
                    .map(|(i, _)| i)
                    .collect(),
            });
        }
    }
    result
}

/// One unit of parallel work.
pub struct Cell<'a> {
    pub panel: &'a Panel,
    pub outcome: &'a PanelOutcome,
    pub group: &'a Group,
}

/// Runs every analysis on every cell and adjusts p-values.
pub fn run(panel: &Panel) -> Vec<Estimate> {
    let groups = groups(panel);
    let cells: Vec<Cell> = panel
        .outcomes
        .iter()
        .flat_map(|outcome| {
            groups.iter().map(move |group| Cell {
                panel,
                outcome,
                group,
            })
        })
        .collect();
    let per_cell: Vec<Vec<Estimate>> = cells
        .par_iter()
        .map(|cell| {
            let mut rows = descriptives::descriptives(cell);
            rows.extend(change::change(cell));
            rows
        })
        .collect();
    let mut estimates: Vec<Estimate> = per_cell.into_iter().flatten().collect();
    adjust_p_values(&mut estimates);
    estimates
}
