//! Panel: one row per participant, with grouping columns, a score per wave
//! for every outcome, change, completer flag and attendance counts.
//!
//! Participants are in byte order of their id, so every later stage sees
//! the same order whatever order the files came in.

use crate::model::{Attendance, Participants};
use crate::score::{Outcome, Scores};
use crate::waves::WaveOrder;
use std::collections::HashMap;

/// An outcome's scores across waves.
#[derive(Debug, Clone)]
pub struct PanelOutcome {
    pub outcome: Outcome,
    /// `scores[wave][participant]`, waves in `WaveOrder` order.
    pub scores: Vec<Vec<Option<f64>>>,
    /// Complete scored item sets at baseline per participant; `None` for
    /// everyone when the outcome was collected as a total.
    pub baseline_items: Option<Vec<Option<Vec<f64>>>>,
}

/// One row per participant.
#[derive(Debug, Clone)]
pub struct Panel {
    pub participant_id: Vec<String>,
    /// Grouping columns present, in configured order.
    pub groups: Vec<(String, Vec<Option<String>>)>,
    /// Other participant columns, as text (for researchers' own models).
    pub covariates: Vec<(String, Vec<Option<String>>)>,
    pub waves: WaveOrder,
    pub outcomes: Vec<PanelOutcome>,
    /// Sessions attended (None when there is no attendance table).
    pub sessions: Option<Vec<u32>>,
    pub group_sessions: Option<Vec<u32>>,
    /// Per activity (in byte order): sessions attended per participant.
    pub activity_sessions: Vec<(String, Vec<u32>)>,
    /// Per activity (in byte order): attendance per week since each
    /// participant's enrolment (week 1 = days 0–6), in week order.
    pub activity_weeks: Vec<(String, Vec<WeekAttendance>)>,
}

/// Attended sessions of one activity in one week since enrolment.
#[derive(Debug, Clone, PartialEq)]
pub struct WeekAttendance {
    pub week: u32,
    pub sessions: u64,
    /// Distinct participants attending that week.
    pub participants: usize,
}

impl PanelOutcome {
    pub fn baseline(&self, waves: &WaveOrder) -> &[Option<f64>] {
        &self.scores[waves.baseline]
    }
    pub fn followup(&self, waves: &WaveOrder) -> &[Option<f64>] {
        &self.scores[waves.followup]
    }
    /// Follow-up minus baseline, for participants with both.
    pub fn change(&self, waves: &WaveOrder) -> Vec<Option<f64>> {
        self.baseline(waves)
            .iter()
            .zip(self.followup(waves))
            .map(|(b, f)| Some((*f)? - (*b)?))
            .collect()
    }
    /// Has a score at both baseline and follow-up.
    pub fn completer(&self, waves: &WaveOrder) -> Vec<bool> {
        self.change(waves).iter().map(Option::is_some).collect()
    }
}

/// Builds the panel from kept participants, scored assessments and attendance.
pub fn build_panel(
    participants: &Participants,
    assessment_ids: &[String],
    assessment_waves: &[String],
    scores: &Scores,
    waves: WaveOrder,
    attendance: Option<&Attendance>,
) -> Panel {
    let mut order: Vec<usize> = (0..participants.len()).collect();
    order.sort_by(|&a, &b| participants.id[a].cmp(&participants.id[b]));
    let participant_id: Vec<String> = order.iter().map(|&i| participants.id[i].clone()).collect();
    let position: HashMap<&str, usize> = participant_id
        .iter()
        .enumerate()
        .map(|(p, id)| (id.as_str(), p))
        .collect();
    let reorder =
        |columns: &[(String, Vec<Option<String>>)]| -> Vec<(String, Vec<Option<String>>)> {
            columns
                .iter()
                .map(|(name, values)| {
                    (
                        name.clone(),
                        order.iter().map(|&i| values[i].clone()).collect(),
                    )
                })
                .collect()
        };
    let groups = reorder(&participants.groups);
    let covariates = reorder(&participants.covariates);
    let n = participant_id.len();
    let outcomes = scores
        .outcomes
        .iter()
        .zip(&scores.values)
        .zip(&scores.baseline_items)
        .map(|((outcome, values), item_sets)| {
            let mut by_wave = vec![vec![None; n]; waves.waves.len()];
            for (row, value) in values.iter().enumerate() {
                let (Some(&p), Some(w)) = (
                    position.get(assessment_ids[row].as_str()),
                    waves.index_of(&assessment_waves[row]),
                ) else {
                    continue;
                };
                by_wave[w][p] = *value;
            }
            let baseline_items = (!item_sets.is_empty()).then(|| {
                let mut per_participant = vec![None; n];
                for (row, items) in item_sets {
                    if let Some(&p) = position.get(assessment_ids[*row].as_str()) {
                        per_participant[p] = Some(items.clone());
                    }
                }
                per_participant
            });
            PanelOutcome {
                outcome: outcome.clone(),
                scores: by_wave,
                baseline_items,
            }
        })
        .collect();
    let enrolled_on: Vec<Option<crate::model::Date>> =
        order.iter().map(|&i| participants.enrolled_on[i]).collect();
    let mut activity_sessions: std::collections::BTreeMap<String, Vec<u32>> = Default::default();
    let mut weekly: std::collections::BTreeMap<(String, u32), (u64, Vec<usize>)> =
        Default::default();
    let (sessions, group_sessions) = match attendance {
        // A sessions count instead of an attendance table (the wide
        // sheet): a missing count is 0 sessions, as a participant without
        // attendance rows; the format is unknown, so all count as group.
        None => match &participants.sessions {
            Some(counts) => {
                let counts: Vec<u32> = order.iter().map(|&i| counts[i].unwrap_or(0)).collect();
                (Some(counts.clone()), Some(counts))
            }
            None => (None, None),
        },
        Some(table) => {
            let mut sessions = vec![0u32; n];
            let mut group_sessions = vec![0u32; n];
            for row in 0..table.len() {
                if !table.attended[row] {
                    continue;
                }
                if let Some(&p) = position.get(table.participant_id[row].as_str()) {
                    sessions[p] += 1;
                    if table.is_group[row] {
                        group_sessions[p] += 1;
                    }
                    if let Some(activity) = &table.activity[row] {
                        activity_sessions
                            .entry(activity.clone())
                            .or_insert_with(|| vec![0; n])[p] += 1;
                        if let (Some(date), Some(start)) = (table.session_date[row], enrolled_on[p])
                        {
                            if date >= start {
                                let week = ((date - start) / 7 + 1) as u32;
                                let entry = weekly.entry((activity.clone(), week)).or_default();
                                entry.0 += 1;
                                entry.1.push(p);
                            }
                        }
                    }
                }
            }
            (Some(sessions), Some(group_sessions))
        }
    };
    let mut activity_weeks: Vec<(String, Vec<WeekAttendance>)> = Vec::new();
    for ((activity, week), (sessions, mut people)) in weekly {
        people.sort_unstable();
        people.dedup();
        let record = WeekAttendance {
            week,
            sessions,
            participants: people.len(),
        };
        match activity_weeks.last_mut() {
            Some((last, weeks)) if *last == activity => weeks.push(record),
            _ => activity_weeks.push((activity, vec![record])),
        }
    }
    Panel {
        participant_id,
        groups,
        covariates,
        waves,
        outcomes,
        sessions,
        group_sessions,
        activity_sessions: activity_sessions.into_iter().collect(),
        activity_weeks,
    }
}
