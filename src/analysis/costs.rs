//! `costs`: what an outcome cost, from `[costs]` in belong.toml — per
//! participant, per attended session, per completer and per person
//! reliably improved (with the interval carried from the Wilson interval
//! of the proportion improved), and, where there is a comparison group,
//! per additional reliable improvement over it (Newcombe's interval for
//! the difference of the proportions). A monetary value of the outcomes
//! only when the user gives one with its source.

use super::design::TwoGroups;
use super::Cell;
use crate::estimate::{Contrast, Estimate, Place, Side, Stat};
use crate::panel::Panel;
use crate::stats::clinical_significance::{newcombe_difference, wilson_interval};

/// `[costs]`, checked.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Costs {
    pub total: f64,
    /// A code or symbol; may be empty.
    pub currency: String,
    /// A value of one reliable improvement and where it is published.
    pub value: Option<(f64, String)>,
}

/// The programme-wide rows: the total, per participant and per attended
/// session.
pub(crate) fn programme_costs(panel: &Panel, costs: &Costs) -> Vec<Estimate> {
    let participants = panel.participant_id.len();
    let place = Place {
        outcome: "",
        analysis: "costs",
        group_by: "all",
        group: "all",
        wave: "",
    };
    let currency = &costs.currency;
    let mut rows = vec![
        place.row(
            Stat::CostTotal,
            Some(costs.total),
            participants,
            format!("[costs] total in belong.toml ({currency})"),
        ),
        place.row(
            Stat::CostPerParticipant,
            (participants > 0).then(|| costs.total / participants as f64),
            participants,
            "total / people enrolled",
        ),
    ];
    if let Some(sessions) = &panel.sessions {
        let attended: u64 = sessions.iter().map(|&s| u64::from(s)).sum();
        rows.push(place.row(
            Stat::CostPerAttendedSession,
            (attended > 0).then(|| costs.total / attended as f64),
            participants,
            "total / sessions attended (one person at one session)",
        ));
    }
    rows
}

/// The rows of one outcome (the `all` cell): per completer, per reliable
/// improvement and the value of the improvements (in the programme's
/// group when the design has a comparison group), and the cost per
/// additional improvement over the comparison group.
pub(crate) fn outcome_costs(
    cell: &Cell,
    costs: &Costs,
    groups: Option<&TwoGroups>,
) -> Vec<Estimate> {
    let Some(threshold) = cell.reliable_change else {
        return Vec::new();
    };
    let pairs = cell.pairs();
    let n = pairs.len();
    if n == 0 {
        return Vec::new();
    }
    let direction = cell.outcome.outcome.direction;
    let improved: Vec<bool> = pairs
        .change
        .iter()
        .map(|&d| threshold.improved(d, direction))
        .collect();
    let place = cell.place("costs", cell.panel.waves.followup_name());
    // With a comparison group the money was spent on the programme's
    // group: its improvements are what it bought, and the comparison
    // group's are not counted.
    let (k, served, improved_place) = match groups {
        Some(groups) => {
            let [(k, served), _] = improved_by_group(&pairs.rows, &improved, groups);
            (k, served, programme_place(cell, groups))
        }
        None => (
            improved.iter().filter(|i| **i).count(),
            n,
            cell.place("costs", cell.panel.waves.followup_name()),
        ),
    };
    let total = costs.total;
    let improved_sides = vec![
        Side::subset("reliably improved", k),
        Side::subset("not reliably improved", served - k),
    ];
    let mut rows = vec![place.row(
        Stat::CostPerCompleter,
        Some(total / n as f64),
        n,
        "total / people with both scores",
    )];
    let interval = wilson_interval(k, served)
        .filter(|(low, _)| *low > 0.0)
        .map(|(low, high)| {
            (
                total / (high * served as f64),
                total / (low * served as f64),
            )
        });
    rows.push(
        improved_place
            .row(
                Stat::CostPerReliableImprovement,
                (k > 0).then(|| total / k as f64),
                served,
                format!(
                    "total / people reliably improved ({}); interval: total / (n × the Wilson 95% limits of the proportion improved)",
                    threshold.method
                ),
            )
            .with_ci(interval)
            .with_sides(improved_sides.clone()),
    );
    if let Some((value, source)) = &costs.value {
        rows.push(
            improved_place
                .row(
                    Stat::ValueOfReliableImprovements,
                    Some(value * k as f64),
                    served,
                    format!(
                        "{value} per reliable improvement ({source}) × people reliably improved"
                    ),
                )
                .with_sides(improved_sides),
        );
    }
    if let Some(groups) = groups {
        rows.extend(additional_improvement(
            cell, &pairs, &improved, groups, total,
        ));
    }
    rows
}

/// People reliably improved and people with both scores, in the
/// programme group and in the comparison group.
fn improved_by_group(rows: &[usize], improved: &[bool], groups: &TwoGroups) -> [(usize, usize); 2] {
    let mut counts = [(0, 0); 2];
    for (&row, &better) in rows.iter().zip(improved) {
        if let Some(treated) = groups.membership[row] {
            let (k, n) = &mut counts[usize::from(!treated)];
            *n += 1;
            *k += usize::from(better);
        }
    }
    counts
}

/// Where a cost of the programme group's outcomes is published.
fn programme_place<'a>(cell: &'a Cell, groups: &'a TwoGroups) -> Place<'a> {
    Place {
        outcome: &cell.outcome.outcome.id,
        analysis: "costs",
        group_by: groups.column,
        group: &groups.treated,
        wave: cell.panel.waves.followup_name(),
    }
}

/// The cost per reliable improvement more than the comparison group had:
/// total / ((p_programme − p_comparison) × people in the programme group).
fn additional_improvement(
    cell: &Cell,
    pairs: &super::Pairs,
    improved: &[bool],
    groups: &TwoGroups,
    total: f64,
) -> Vec<Estimate> {
    let [(kt, nt), (kc, nc)] = improved_by_group(&pairs.rows, improved, groups);
    if nt == 0 || nc == 0 {
        return Vec::new();
    }
    let place = programme_place(cell, groups);
    let difference = kt as f64 / nt as f64 - kc as f64 / nc as f64;
    let mut method = format!(
        "total / ((p_{} - p_{}) × {} people with both scores in {}), p = share reliably improved; interval from Newcombe's (1998, method 10) interval of the difference",
        groups.treated, groups.reference, nt, groups.treated
    );
    let limits = newcombe_difference(kt, nt, kc, nc);
    let value = (difference > 0.0).then(|| total / (difference * nt as f64));
    if value.is_none() {
        method.push_str(&format!(
            "; undefined: {} did not improve reliably more often than {}",
            groups.treated, groups.reference
        ));
    }
    let ci = match limits {
        Some((low, high)) if low > 0.0 && value.is_some() => {
            Some((total / (high * nt as f64), total / (low * nt as f64)))
        }
        Some(_) if value.is_some() => {
            method.push_str("; the interval of the difference includes no difference, so the cost has no upper limit and no interval is given");
            None
        }
        _ => None,
    };
    vec![place
        .row(Stat::CostPerAdditionalImprovement, value, nt + nc, method)
        .with_ci(ci)
        .with_contrast(Contrast::Levels {
            level: groups.treated.clone(),
            reference: groups.reference.clone(),
        })
        .with_sides(vec![
            Side::level(groups.treated.clone(), nt),
            Side::level(groups.reference.clone(), nc),
            Side::subset("programme group reliably improved", kt),
            Side::subset("programme group not reliably improved", nt - kt),
            Side::subset("comparison group reliably improved", kc),
            Side::subset("comparison group not reliably improved", nc - kc),
        ])]
}
