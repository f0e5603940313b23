//! `participation`: how much people took part, per group, and per activity
//! for the whole dataset. Everyone in the participants table counts; people
//! without attendance rows attended 0 sessions.

use super::distribution::{counts, Bands};
use super::{AnalysisOptions, Group};
use crate::estimate::{Contrast, Estimate, Place, Stat};
use crate::panel::Panel;
use crate::stats::descriptive::{mean, quantile_sorted, sorted};

const METHOD: &str = "attended sessions per participant";

pub(crate) fn participation(
    panel: &Panel,
    groups: &[Group],
    options: &AnalysisOptions,
) -> Vec<Estimate> {
    let (Some(sessions), Some(group_sessions)) = (&panel.sessions, &panel.group_sessions) else {
        return Vec::new();
    };
    let mut rows = Vec::new();
    for group in groups {
        let n = group.members.len();
        if n == 0 {
            continue;
        }
        let place = Place {
            outcome: "",
            analysis: "participation",
            group_by: &group.group_by,
            group: &group.group,
            wave: "",
        };
        let attended: Vec<f64> = group
            .members
            .iter()
            .map(|&p| f64::from(sessions[p]))
            .collect();
        let in_groups: Vec<f64> = group
            .members
            .iter()
            .map(|&p| f64::from(group_sessions[p]))
            .collect();
        let ordered = sorted(&attended);
        let engaged = group
            .members
            .iter()
            .filter(|&&p| sessions[p] >= options.engaged_sessions)
            .count();
        rows.push(place.row(Stat::NParticipants, Some(n as f64), n, METHOD));
        rows.push(place.row(Stat::SessionsMean, mean(&attended), n, METHOD));
        rows.push(place.row(
            Stat::SessionsMedian,
            quantile_sorted(&ordered, 0.5),
            n,
            METHOD,
        ));
        rows.push(place.row(Stat::SessionsQ1, quantile_sorted(&ordered, 0.25), n, METHOD));
        rows.push(place.row(Stat::SessionsQ3, quantile_sorted(&ordered, 0.75), n, METHOD));
        rows.push(place.row(Stat::GroupSessionsMean, mean(&in_groups), n, METHOD));
        // Reach: who came at all, and how many sessions they attended.
        let any = group.members.iter().filter(|&&p| sessions[p] > 0).count();
        rows.push(place.row(Stat::NAttendedAny, Some(any as f64), n, METHOD));
        rows.push(place.row(
            Stat::PctAttendedAny,
            Some(100.0 * any as f64 / n as f64),
            n,
            METHOD,
        ));
        rows.push(place.row(
            Stat::SessionsTotal,
            Some(attended.iter().sum()),
            n,
            "attended sessions in all",
        ));
        rows.push(place.row(
            Stat::PctEngaged,
            Some(100.0 * engaged as f64 / n as f64),
            n,
            format!(
                "{METHOD}; engaged = at least {} sessions",
                options.engaged_sessions
            ),
        ));
    }
    rows.extend(sessions_distribution(sessions, groups));
    for (activity, weeks) in &panel.activity_weeks {
        let place = Place {
            outcome: "",
            analysis: "participation",
            group_by: "activity",
            group: activity,
            wave: "",
        };
        for week in weeks {
            let row = place.row(
                Stat::SessionsInWeek,
                Some(week.sessions as f64),
                week.participants,
                "attended sessions in that week since enrolment (week 1 = days 0-6)",
            );
            rows.push(row.with_contrast(Contrast::Week(week.week)));
        }
    }
    for (activity, counts) in &panel.activity_sessions {
        let place = Place {
            outcome: "",
            analysis: "participation",
            group_by: "activity",
            group: activity,
            wave: "",
        };
        let people = counts.iter().filter(|c| **c > 0).count();
        let total: u64 = counts.iter().map(|c| u64::from(*c)).sum();
        rows.push(place.row(
            Stat::ActivityParticipants,
            Some(people as f64),
            people,
            "participants attending >= 1 session",
        ));
        rows.push(place.row(
            Stat::ActivitySessions,
            Some(total as f64),
            people,
            "attended sessions",
        ));
    }
    rows
}

/// People per band of sessions attended, for everyone and for each arm.
fn sessions_distribution(sessions: &[u32], groups: &[Group]) -> Vec<Estimate> {
    let Some(bands) = Bands::for_values(sessions.iter().map(|s| f64::from(*s))) else {
        return Vec::new();
    };
    let method = format!(
        "people per band of sessions attended of width {}",
        bands.width
    );
    let mut rows = Vec::new();
    for group in groups.iter().filter(|g| g.is_all() || g.group_by == "arm") {
        let place = Place {
            outcome: "",
            analysis: "participation",
            group_by: &group.group_by,
            group: &group.group,
            wave: "",
        };
        let n = group.members.len();
        let values = group.members.iter().map(|&p| f64::from(sessions[p]));
        for (band, count) in counts(&bands, values) {
            rows.push(
                place
                    .row(Stat::NWithSessions, Some(count as f64), n, &method)
                    .with_contrast(band),
            );
        }
    }
    rows
}
