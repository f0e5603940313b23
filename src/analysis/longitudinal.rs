//! `longitudinal`: a random-intercept mixed model over every wave, using
//! everyone who answered at least once — not only completers.
//!
//! `wave_effect`: `score ~ wave + (1 | participant)` within each group, one
//! row per non-baseline wave. `arm_by_wave`: `score ~ wave * arm + (1 |
//! participant)` on the whole dataset, one row per non-reference arm and
//! non-baseline wave (the interaction). With clusters of people served
//! together, both gain `(1 | cluster) + (1 | cluster:participant)`.

use super::Cell;
use crate::estimate::{Contrast, Estimate, Place, Side, Stat};
use crate::stats::mixed::{random_intercept_with_contrasts, FixedEffect, MixedModelError};
use crate::stats::mixed_nested::nested_random_intercepts;

/// Long-format observations of a set of participants.
struct Observations {
    y: Vec<f64>,
    wave: Vec<usize>,
    cluster: Vec<usize>,
    /// Each observation's cluster of people served together, when the
    /// participants have one (people without one are left out).
    served_in: Option<Vec<usize>>,
    participants: usize,
}

/// The variance components of a fit: between participants, between
/// clusters of people served together (nested models only), residual.
struct Variances {
    participants: f64,
    clusters: Option<f64>,
    residual: f64,
}

/// The fixed effects, the requested contrasts and the variance components
/// of a fit.
type Fitted = Result<(Vec<FixedEffect>, Vec<FixedEffect>, Variances), MixedModelError>;

impl Observations {
    /// `lmer(y ~ columns + (1 | participant))`, or with clusters `+ (1 |
    /// cluster) + (1 | cluster:participant)`.
    fn fit(&self, columns: &[Vec<f64>], contrasts: &[Vec<f64>]) -> Fitted {
        match &self.served_in {
            None => random_intercept_with_contrasts(&self.y, columns, &self.cluster, contrasts)
                .map(|fit| {
                    let variances = Variances {
                        participants: fit.intercept_variance,
                        clusters: None,
                        residual: fit.residual_variance,
                    };
                    (fit.fixed_effects, fit.contrasts, variances)
                }),
            Some(served_in) => {
                nested_random_intercepts(&self.y, columns, &self.cluster, served_in, contrasts).map(
                    |fit| {
                        let variances = Variances {
                            participants: fit.participant_variance,
                            clusters: Some(fit.cluster_variance),
                            residual: fit.residual_variance,
                        };
                        (fit.fixed_effects, fit.contrasts, variances)
                    },
                )
            }
        }
    }
}

/// The model in `method`.
fn model(cell: &Cell, fixed: &str) -> String {
    match cell.clusters() {
        None => format!("lmer REML{fixed}, Satterthwaite df"),
        Some((column, _)) => format!(
            "lmer REML{fixed} + (1 | {column}) + (1 | {column}:participant), Satterthwaite df; people without a {column} left out"
        ),
    }
}

fn observations(cell: &Cell, members: &[usize]) -> Observations {
    let mut obs = Observations {
        y: Vec::new(),
        wave: Vec::new(),
        cluster: Vec::new(),
        served_in: None,
        participants: 0,
    };
    let clusters = cell.clusters().map(|(_, codes)| codes);
    let mut served_in = Vec::new();
    for &p in members {
        let circle = match clusters {
            Some(codes) => match codes[p] {
                Some(code) => Some(code as usize),
                None => continue,
            },
            None => None,
        };
        let mut any = false;
        for (w, scores) in cell.outcome.scores.iter().enumerate() {
            if let Some(value) = scores[p] {
                obs.y.push(value);
                obs.wave.push(w);
                obs.cluster.push(p);
                served_in.extend(circle);
                any = true;
            }
        }
        obs.participants += usize::from(any);
    }
    if clusters.is_some() {
        obs.served_in = Some(served_in);
    }
    obs
}

/// Whether the longitudinal model applies: three or more waves.
pub(crate) fn applies(cell: &Cell) -> bool {
    cell.panel.waves.waves.len() >= 3
}

fn non_baseline_waves(cell: &Cell) -> Vec<usize> {
    (0..cell.panel.waves.waves.len())
        .filter(|w| *w != cell.panel.waves.baseline)
        .collect()
}

fn row(
    place: &Place,
    name: Stat,
    effect: Option<&FixedEffect>,
    n: usize,
    method: &str,
    reason: &str,
) -> Estimate {
    match effect {
        Some(e) if e.standard_error > 0.0 && e.df.is_finite() && e.df > 0.0 => {
            place.row(name, Some(e.estimate), n, method).with_test(e)
        }
        _ => place.row(name, None, n, format!("{method}; undefined: {reason}")),
    }
}

pub(crate) fn wave_effects(cell: &Cell) -> Vec<Estimate> {
    if !applies(cell) {
        return Vec::new();
    }
    let obs = observations(cell, &cell.group.members);
    if obs.participants == 0 {
        return Vec::new();
    }
    let waves = non_baseline_waves(cell);
    let mut columns = vec![vec![1.0; obs.y.len()]];
    for &w in &waves {
        columns.push(
            obs.wave
                .iter()
                .map(|x| f64::from(u8::from(*x == w)))
                .collect(),
        );
    }
    // Estimated mean at every wave: intercept (+ that wave's effect).
    let wave_count = cell.panel.waves.waves.len();
    let means: Vec<Vec<f64>> = (0..wave_count)
        .map(|w| {
            let mut l = vec![0.0; columns.len()];
            l[0] = 1.0;
            if let Some(k) = waves.iter().position(|x| *x == w) {
                l[k + 1] = 1.0;
            }
            l
        })
        .collect();
    let fit = obs.fit(&columns, &means);
    let reason = match &fit {
        Err(error) => error.to_string(),
        Ok(_) => "no variation left to estimate the error".to_string(),
    };
    let mut rows: Vec<Estimate> = waves
        .iter()
        .enumerate()
        .map(|(k, &w)| {
            let place = cell.place("longitudinal", &cell.panel.waves.waves[w]);
            let effect = fit.as_ref().ok().map(|f| &f.0[k + 1]);
            row(
                &place,
                Stat::WaveEffect,
                effect,
                obs.participants,
                &model(cell, ""),
                &reason,
            )
        })
        .collect();
    rows.extend((0..wave_count).map(|w| {
        let place = cell.place("longitudinal", &cell.panel.waves.waves[w]);
        let effect = fit.as_ref().ok().map(|f| &f.1[w]);
        // A test of "mean = 0" answers no question anyone asked.
        let mut estimate = row(
            &place,
            Stat::WaveMean,
            effect,
            obs.participants,
            &format!("estimated mean at the wave, {}", model(cell, "")),
            &reason,
        );
        estimate.p_value = None;
        estimate
    }));
    if let Ok((_, _, variances)) = &fit {
        rows.extend(variance_rows(cell, variances, obs.participants));
    }
    rows
}

/// The variance components of the wave model, and the share of the
/// variance that lies between people (the correlation of two scores of
/// one person: the ICC).
fn variance_rows(cell: &Cell, variances: &Variances, n: usize) -> Vec<Estimate> {
    let place = cell.place("longitudinal", "");
    let method = format!("{}; as.data.frame(VarCorr(m))$vcov", model(cell, ""));
    let between = variances.participants + variances.clusters.unwrap_or(0.0);
    let total = between + variances.residual;
    let mut rows = vec![place.row(
        Stat::VarianceParticipants,
        Some(variances.participants),
        n,
        method.as_str(),
    )];
    if let Some(clusters) = variances.clusters {
        rows.push(place.row(
            Stat::VarianceClustersLongitudinal,
            Some(clusters),
            n,
            method.as_str(),
        ));
    }
    rows.push(place.row(
        Stat::VarianceResidual,
        Some(variances.residual),
        n,
        method.as_str(),
    ));
    rows.push(place.row(
        Stat::IccParticipants,
        (total > 0.0).then(|| between / total),
        n,
        "between-person share of the variance: (participants [+ clusters]) / (participants [+ clusters] + residual)",
    ));
    rows
}

pub(crate) fn arm_by_wave(cell: &Cell) -> Vec<Estimate> {
    if !applies(cell) {
        return Vec::new();
    }
    let Some((_, arms)) = cell.panel.groups.iter().find(|(name, _)| name == "arm") else {
        return Vec::new();
    };
    let members: Vec<usize> = cell
        .group
        .members
        .iter()
        .copied()
        .filter(|&p| arms.get(p).is_some())
        .collect();
    let obs = observations(cell, &members);
    let arm_of = |p: usize| arms.get(p).unwrap_or_default();
    let mut levels: Vec<&str> = obs.cluster.iter().map(|&p| arm_of(p)).collect();
    levels.sort();
    levels.dedup();
    if levels.len() < 2 {
        return Vec::new();
    }
    let waves = non_baseline_waves(cell);
    let n = obs.y.len();
    let wave_dummy = |w: usize| -> Vec<f64> {
        obs.wave
            .iter()
            .map(|x| f64::from(u8::from(*x == w)))
            .collect()
    };
    let arm_dummy = |level: &str| -> Vec<f64> {
        obs.cluster
            .iter()
            .map(|&p| f64::from(u8::from(arm_of(p) == level)))
            .collect()
    };
    let mut columns = vec![vec![1.0; n]];
    columns.extend(waves.iter().map(|&w| wave_dummy(w)));
    columns.extend(levels[1..].iter().map(|l| arm_dummy(l)));
    // Interactions, level-major: (level, wave) in order.
    let mut interaction_index = Vec::new();
    for level in &levels[1..] {
        let a = arm_dummy(level);
        for &w in &waves {
            let d = wave_dummy(w);
            interaction_index.push((level.to_string(), w, columns.len()));
            columns.push(a.iter().zip(&d).map(|(x, y)| x * y).collect());
        }
    }
    let fit = obs.fit(&columns, &[]);
    let reason = match &fit {
        Err(error) => error.to_string(),
        Ok(_) => "no variation left to estimate the error".to_string(),
    };
    let reference = levels[0];
    let participants_in = |level: &str| {
        let mut people: Vec<usize> = obs
            .cluster
            .iter()
            .copied()
            .filter(|&p| arm_of(p) == level)
            .collect();
        people.dedup();
        people.len()
    };
    interaction_index
        .iter()
        .map(|(level, w, column)| {
            let place = Place {
                outcome: &cell.outcome.outcome.id,
                analysis: "longitudinal",
                group_by: "arm",
                group: level,
                wave: &cell.panel.waves.waves[*w],
            };
            let effect = fit.as_ref().ok().map(|f| &f.0[*column]);
            let estimate = row(
                &place,
                Stat::ArmByWave,
                effect,
                obs.participants,
                &model(cell, " wave*arm"),
                &reason,
            );
            estimate
                .with_contrast(Contrast::Levels {
                    level: level.clone(),
                    reference: reference.to_string(),
                })
                .with_sides(vec![
                    Side::level(level.as_str(), participants_in(level)),
                    Side::level(reference, participants_in(reference)),
                ])
        })
        .collect()
}
