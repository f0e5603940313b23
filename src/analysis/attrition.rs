//! `attrition`: who answered the follow-up among everyone with a baseline
//! score, and whether non-completers started out different.

use super::Cell;
use crate::estimate::{Estimate, Side, Stat};
use crate::stats::ttest::welch;

pub(crate) fn attrition(cell: &Cell) -> Vec<Estimate> {
    let waves = &cell.panel.waves;
    let baseline = cell.outcome.baseline(waves);
    let followup = cell.outcome.followup(waves);
    let mut completers = Vec::new();
    let mut non_completers = Vec::new();
    for &p in &cell.group.members {
        if let Some(b) = baseline[p] {
            if followup[p].is_some() {
                completers.push(b);
            } else {
                non_completers.push(b);
            }
        }
    }
    let n = completers.len() + non_completers.len();
    if n == 0 {
        return Vec::new();
    }
    let place = cell.place("attrition", waves.followup_name());
    let mut rows = vec![
        place.row(Stat::NCompleters, Some(completers.len() as f64), n, "count"),
        place.row(
            Stat::NNonCompleters,
            Some(non_completers.len() as f64),
            n,
            "count",
        ),
        place.row(
            Stat::PctCompleted,
            Some(100.0 * completers.len() as f64 / n as f64),
            n,
            "percent",
        ),
    ];
    let sides = vec![
        Side::subset("non-completers", non_completers.len()),
        Side::subset("completers", completers.len()),
    ];
    rows.push(
        match welch(&non_completers, &completers) {
            Some(test) => place
                .row(
                    Stat::BaselineDifference,
                    Some(test.estimate),
                    n,
                    "Welch t-test, non-completers - completers",
                )
                .with_test(&test),
            None => place.row(
                Stat::BaselineDifference,
                None,
                n,
                "Welch t-test; undefined: needs two completers and two non-completers with spread",
            ),
        }
        .with_sides(sides),
    );
    rows
}
