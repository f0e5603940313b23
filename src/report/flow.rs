//! Participant flow: enrolled → answered at baseline → answered at
//! follow-up → analysed, read from the estimate rows that count each stage.
//! Shared by the flow table and the flow chart.

use super::ReportContent;
use crate::estimate::{Estimate, Stat};

/// One stage and the row whose `n` counts it.
pub(crate) struct Stage<'a> {
    pub name: &'static str,
    pub row: Option<&'a Estimate>,
    /// People at this stage, unless suppressed or unknown.
    pub people: Option<usize>,
}

pub fn stages<'a>(content: &ReportContent<'a>, outcome: &str) -> Vec<Stage<'a>> {
    let estimates = content.estimates;
    let waves = &content.panel.waves;
    let find = |analysis: &str, wave: &str, name: Stat| {
        estimates.iter().find(|e| {
            e.outcome == outcome
                && e.analysis == analysis
                && e.group_by == "all"
                && e.wave == wave
                && e.estimate == name
        })
    };
    let enrolled = estimates.iter().find(|e| {
        e.analysis == "participation" && e.group_by == "all" && e.estimate == Stat::NParticipants
    });
    let stage = |name, row: Option<&'a Estimate>| Stage {
        name,
        row,
        people: row.filter(|e| !e.suppressed).map(|e| e.n),
    };
    let mut first = stage("enrolled (participants table)", enrolled);
    if enrolled.is_none() {
        // Without attendance there is no participation row; the enrolled
        // are the participants table itself.
        first.people = Some(content.panel.participant_id.len());
    }
    vec![
        first,
        stage(
            "answered at baseline",
            find("descriptives", waves.baseline_name(), Stat::N),
        ),
        stage(
            "answered at follow-up",
            find("descriptives", waves.followup_name(), Stat::N),
        ),
        stage(
            "analysed (both answers)",
            find("change", waves.followup_name(), Stat::NPairs),
        ),
    ]
}
