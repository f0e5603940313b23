//! `attrition`: who answered the follow-up among everyone with a baseline
//! score, and whether non-completers started out different.

use super::Cell;
use crate::estimate::Estimate;
use crate::stats::ttest::welch;

pub fn attrition(cell: &Cell) -> Vec<Estimate> {
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
        place.row("n_completers", Some(completers.len() as f64), n, "count"),
        place.row(
            "n_non_completers",
            Some(non_completers.len() as f64),
            n,
            "count",
        ),
        place.row(
            "pct_completed",
            Some(100.0 * completers.len() as f64 / n as f64),
            n,
            "percent",
        ),
    ];
    rows.push(match welch(&non_completers, &completers) {
        Some(test) => place
            .row(
                "baseline_difference",
                Some(test.estimate),
                n,
                "Welch t-test, non-completers - completers",
            )
            .with_test(&test),
        None => place.row(
            "baseline_difference",
            None,
            n,
            "Welch t-test; undefined: needs two completers and two non-completers with spread",
        ),
    });
    rows
}
