//! Analyses: from the panel to `Estimate` rows.
//!
//! Work is split into cells (outcome × group). Cells run in parallel with
//! rayon and their rows are concatenated in cell order, so the output never
//! depends on thread count or timing. Whole-dataset quantities that every
//! cell needs (the reliable-change threshold) are computed once per outcome
//! first, and multiplicity adjustment runs once at the end.

pub mod attrition;
pub mod baseline_characteristics;
pub mod caseness;
pub mod change;
pub mod clinical_significance;
pub mod clustering;
pub mod comparison;
pub mod costs;
pub mod descriptives;
pub mod design;
pub mod distribution;
pub mod dose_response;
pub mod longitudinal;
pub mod moderators;
pub mod participation;
pub mod propensity;
pub mod regression_to_mean;
pub mod reliability;
pub mod reliable_change;

use crate::estimate::{adjust_p_values, Estimate, Place};
use crate::instruments::Instrument;
use crate::panel::{Panel, PanelOutcome};
use crate::stats::clinical_significance::RciMethod;
use rayon::prelude::*;
use std::collections::BTreeMap;

/// A band of sessions attended, e.g. `1-5` or `12+`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DoseBand {
    pub label: String,
    pub min: u32,
    /// Inclusive; `None` for an open band.
    pub max: Option<u32>,
}

impl DoseBand {
    /// Parses `0`, `1-5` or `12+`.
    pub fn parse(label: &str) -> Option<DoseBand> {
        let text = label.trim();
        let (min, max) = if let Some(open) = text.strip_suffix('+') {
            (open.trim().parse().ok()?, None)
        } else if let Some((a, b)) = text.split_once('-') {
            let (a, b): (u32, u32) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
            if b < a {
                return None;
            }
            (a, Some(b))
        } else {
            let single: u32 = text.parse().ok()?;
            (single, Some(single))
        };
        Some(DoseBand {
            label: text.to_string(),
            min,
            max,
        })
    }

    pub fn contains(&self, sessions: u32) -> bool {
        sessions >= self.min && self.max.is_none_or(|max| sessions <= max)
    }
}

/// Default seed for anything random (the bootstrap, synthetic data).
pub const DEFAULT_SEED: u64 = 20_251_125;
/// Default number of bootstrap resamples.
pub(crate) const DEFAULT_BOOTSTRAP_B: usize = 2000;

/// Analysis settings from config.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AnalysisOptions {
    /// Sessions that make a participant "engaged".
    pub engaged_sessions: u32,
    pub dose_bands: Vec<DoseBand>,
    /// Bootstrap resamples for BCa intervals.
    pub bootstrap_resamples: usize,
    /// Seed of every random stream.
    pub seed: u64,
    /// Reliable change indices (`rci_methods`); JT is always computed.
    pub rci_methods: Vec<RciMethod>,
    /// Functional-population norms per outcome, for cut-offs b and c.
    pub norms: BTreeMap<String, clinical_significance::FunctionalNorms>,
    /// Fractions of the baseline score that make an improvement and a
    /// deterioration (`pct_improvement`, `pct_deterioration`).
    pub percentage_change: Option<(f64, f64)>,
    /// The design the user declared (`design`), if any.
    pub design: Option<design::DeclaredDesign>,
    /// Participant columns the propensity score adjusts for (`adjust_for`).
    pub adjust_for: Vec<String>,
    /// Matching caliper in SDs of the propensity score (`caliper`).
    pub caliper: Option<f64>,
    /// What the programme cost (`[costs]`).
    pub costs: Option<costs::Costs>,
    /// Participant columns to test as moderators (`moderators`); empty
    /// for every column with 2–6 categories.
    pub moderators: Vec<String>,
    /// The participant column of clusters (`cluster`); without it, a
    /// participant column called `cluster` is used if there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
}

impl Default for AnalysisOptions {
    fn default() -> Self {
        AnalysisOptions {
            engaged_sessions: 6,
            dose_bands: ["0", "1-5", "6-11", "12+"]
                .iter()
                .filter_map(|b| DoseBand::parse(b))
                .collect(),
            bootstrap_resamples: DEFAULT_BOOTSTRAP_B,
            seed: DEFAULT_SEED,
            rci_methods: vec![RciMethod::Jt],
            norms: BTreeMap::new(),
            percentage_change: None,
            design: None,
            adjust_for: Vec::new(),
            caliper: None,
            costs: None,
            moderators: Vec::new(),
            cluster: None,
        }
    }
}

/// One group of participants: `all`, or one value of a grouping column.
#[derive(Debug, Clone)]
pub(crate) struct Group {
    pub group_by: String,
    pub group: String,
    /// Panel rows of its members.
    pub members: Vec<usize>,
}

impl Group {
    pub(crate) fn is_all(&self) -> bool {
        self.group_by == "all"
    }
}

/// `all`, then each value of each grouping column in byte order.
pub(crate) fn groups(panel: &Panel) -> Vec<Group> {
    let mut result = vec![Group {
        group_by: "all".into(),
        group: "all".into(),
        members: (0..panel.participant_id.len()).collect(),
    }];
    for (column, values) in &panel.groups {
        // One pass over the codes; levels are already in byte order.
        let mut members: Vec<Vec<usize>> = vec![Vec::new(); values.levels.len()];
        for (row, code) in values.codes.iter().enumerate() {
            if let Some(code) = code {
                members[*code as usize].push(row);
            }
        }
        for (level, members) in values.levels.iter().zip(members) {
            result.push(Group {
                group_by: column.clone(),
                group: level.clone(),
                members,
            });
        }
    }
    result
}

/// One unit of parallel work.
pub(crate) struct Cell<'a> {
    pub panel: &'a Panel,
    pub outcome: &'a PanelOutcome,
    pub instrument: &'a Instrument,
    pub group: &'a Group,
    pub reliable_change: Option<&'a reliable_change::Threshold>,
    /// The clinical-significance rules of the outcome (the same for every group).
    pub clinical: Option<&'a clinical_significance::Rules>,
    /// Score bands of the outcome (the same for every group).
    pub bands: Option<&'a distribution::Bands>,
    pub options: &'a AnalysisOptions,
}

impl<'a> Cell<'a> {
    /// Where this cell's rows of `analysis` at `wave` belong.
    pub fn place(&self, analysis: &'static str, wave: &'a str) -> Place<'a> {
        Place {
            outcome: &self.outcome.outcome.id,
            analysis,
            group_by: &self.group.group_by,
            group: &self.group.group,
            wave,
        }
    }

    /// A seed for this cell's random streams: the run's seed mixed with the
    /// cell's identity (FNV-1a), so cells draw independent resamples that
    /// do not depend on the order cells run in.
    pub fn seed(&self) -> u64 {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        let key = [
            self.outcome.outcome.id.as_str(),
            &self.group.group_by,
            &self.group.group,
        ];
        for byte in key.join("\u{1f}").bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        hash ^ self.options.seed
    }

    /// The cluster column's name and each panel row's cluster, when the
    /// participants were served in clusters.
    pub fn clusters(&self) -> Option<(&'a str, &'a [Option<u32>])> {
        design::clusters(self.panel, self.options).map(|(name, c)| (name, c.codes.as_slice()))
    }

    /// Baseline and follow-up scores of the group's pairs, with their panel
    /// rows.
    pub fn pairs(&self) -> Pairs {
        let waves = &self.panel.waves;
        let baseline_scores = self.outcome.baseline(waves);
        let followup_scores = self.outcome.followup(waves);
        let mut pairs = Pairs::default();
        for &p in &self.group.members {
            if let (Some(b), Some(f)) = (baseline_scores[p], followup_scores[p]) {
                pairs.rows.push(p);
                pairs.baseline.push(b);
                pairs.followup.push(f);
                pairs.change.push(f - b);
            }
        }
        pairs
    }
}

/// Participants with both a baseline and a follow-up score.
#[derive(Debug, Default)]
pub(crate) struct Pairs {
    pub rows: Vec<usize>,
    pub baseline: Vec<f64>,
    pub followup: Vec<f64>,
    pub change: Vec<f64>,
}

impl Pairs {
    pub fn len(&self) -> usize {
        self.rows.len()
    }
}

/// Runs every analysis on every cell and adjusts p-values.
pub fn run(panel: &Panel, instruments: &[Instrument], options: &AnalysisOptions) -> Vec<Estimate> {
    let without_attendance = run_without_attendance(panel, instruments, options);
    run_with_attendance(without_attendance, panel, instruments, options)
}

/// The rows of the analyses that do not read attendance, which can run
/// while attendance is still being read; [`run_with_attendance`] adds the
/// rest in the order [`run`] gives.
pub(crate) struct WithoutAttendance {
    groups: Vec<Group>,
    whole: Vec<WholeDataset>,
    per_cell: Vec<CellRows>,
    baseline_characteristics: Vec<Estimate>,
}

/// One cell's dose-response rows and (for `all`) its dose bands.
type DoseRows = (Vec<Estimate>, Vec<Estimate>);

/// One cell's attendance-free rows, split where attendance rows go
/// between them.
struct CellRows {
    before_dose_response: Vec<Estimate>,
    after_dose_response: Vec<Estimate>,
    /// Rows of the `all` group after its dose bands.
    after_dose_bands: Vec<Estimate>,
}

/// What every cell of one outcome shares, computed once on the whole
/// dataset.
struct WholeDataset {
    threshold: Option<reliable_change::Threshold>,
    clinical: Option<clinical_significance::Rules>,
    bands: Option<distribution::Bands>,
}

fn whole_dataset(
    panel: &Panel,
    instruments: &[Instrument],
    options: &AnalysisOptions,
) -> Vec<WholeDataset> {
    panel
        .outcomes
        .iter()
        .map(|outcome| {
            let instrument = &instruments[outcome.outcome.instrument];
            let threshold = reliable_change::threshold(panel, outcome, instrument);
            let clinical = clinical_significance::rules(
                panel,
                outcome,
                instrument,
                threshold.as_ref(),
                options,
            );
            WholeDataset {
                threshold,
                clinical,
                bands: distribution::Bands::for_outcome(outcome),
            }
        })
        .collect()
}

fn cells<'a>(
    panel: &'a Panel,
    instruments: &'a [Instrument],
    groups: &'a [Group],
    whole: &'a [WholeDataset],
    options: &'a AnalysisOptions,
) -> Vec<Cell<'a>> {
    panel
        .outcomes
        .iter()
        .zip(whole)
        .flat_map(|(outcome, whole)| {
            groups.iter().map(move |group| Cell {
                panel,
                outcome,
                instrument: &instruments[outcome.outcome.instrument],
                group,
                reliable_change: whole.threshold.as_ref(),
                clinical: whole.clinical.as_ref(),
                bands: whole.bands.as_ref(),
                options,
            })
        })
        .collect()
}

/// Every analysis that does not read the panel's attendance, on every
/// cell. The panel may lack attendance.
pub(crate) fn run_without_attendance(
    panel: &Panel,
    instruments: &[Instrument],
    options: &AnalysisOptions,
) -> WithoutAttendance {
    let groups = groups(panel);
    let whole = whole_dataset(panel, instruments, options);
    let cells = cells(panel, instruments, &groups, &whole, options);
    let per_cell: Vec<CellRows> = cells
        .par_iter()
        .map(|cell| {
            let mut before_dose_response = descriptives::descriptives(cell);
            before_dose_response.extend(distribution::distribution(cell));
            before_dose_response.extend(change::change(cell));
            before_dose_response.extend(clustering::clustering(cell));
            before_dose_response.extend(reliable_change::reliable_change(cell));
            before_dose_response.extend(clinical_significance::clinical_significance(cell));
            before_dose_response.extend(caseness::caseness(cell));
            before_dose_response.extend(reliability::reliability(cell));
            let mut after_dose_response = attrition::attrition(cell);
            after_dose_response.extend(longitudinal::wave_effects(cell));
            let mut after_dose_bands = Vec::new();
            if cell.group.is_all() {
                after_dose_bands.extend(comparison::comparisons(cell));
                after_dose_bands.extend(longitudinal::arm_by_wave(cell));
            }
            CellRows {
                before_dose_response,
                after_dose_response,
                after_dose_bands,
            }
        })
        .collect();
    drop(cells);
    let baseline_characteristics =
        baseline_characteristics::baseline_characteristics(panel, &groups);
    WithoutAttendance {
        groups,
        whole,
        per_cell,
        baseline_characteristics,
    }
}

/// Adds the analyses of attendance (the panel now has it) to the rows of
/// [`run_without_attendance`] on the same panel, and adjusts p-values.
pub(crate) fn run_with_attendance(
    without_attendance: WithoutAttendance,
    panel: &Panel,
    instruments: &[Instrument],
    options: &AnalysisOptions,
) -> Vec<Estimate> {
    let WithoutAttendance {
        groups,
        whole,
        per_cell,
        baseline_characteristics,
    } = without_attendance;
    let cells = cells(panel, instruments, &groups, &whole, options);
    // The design's comparison, adjusted for who joined each group, needs
    // attendance when the comparison is attenders against non-attenders;
    // it runs beside the dose rows.
    let design = design::Design::of(panel, options);
    // The groups are found once: a randomised design compares them but
    // needs no propensity score.
    let compared = design.compared_groups(panel);
    let weighted = compared
        .as_ref()
        .filter(|_| !matches!(design, design::Design::Randomised(_)));
    let (dose_rows, adjusted): (Vec<DoseRows>, Vec<Estimate>) = rayon::join(
        || {
            cells
                .par_iter()
                .map(|cell| {
                    let bands = if cell.group.is_all() {
                        dose_response::dose_bands(cell)
                    } else {
                        Vec::new()
                    };
                    (dose_response::dose_response(cell), bands)
                })
                .collect()
        },
        || {
            let per_outcome: Vec<Vec<Estimate>> = cells
                .par_iter()
                .filter(|cell| cell.group.is_all())
                .map(|cell| {
                    let mut rows = Vec::new();
                    if let Some(two_groups) = weighted {
                        if design == design::Design::Attendance {
                            rows.extend(comparison::attendance_comparison(cell, two_groups));
                        }
                        rows.extend(propensity::propensity(cell, two_groups));
                    }
                    rows.extend(regression_to_mean::regression_to_mean(cell));
                    rows.extend(moderators::moderator_rows(cell, compared.as_ref()));
                    rows
                })
                .collect();
            per_outcome.into_iter().flatten().collect()
        },
    );
    let costs: Vec<Estimate> = match &options.costs {
        None => Vec::new(),
        Some(costs) => {
            let mut rows = costs::programme_costs(panel, costs);
            for cell in cells.iter().filter(|cell| cell.group.is_all()) {
                rows.extend(costs::outcome_costs(cell, costs, compared.as_ref()));
            }
            rows
        }
    };
    let mut estimates: Vec<Estimate> = Vec::new();
    for (rows, (dose_response, dose_bands)) in per_cell.into_iter().zip(dose_rows) {
        estimates.extend(rows.before_dose_response);
        estimates.extend(dose_response);
        estimates.extend(rows.after_dose_response);
        estimates.extend(dose_bands);
        estimates.extend(rows.after_dose_bands);
    }
    estimates.extend(adjusted);
    estimates.extend(costs);
    estimates.extend(participation::participation(panel, &groups, options));
    estimates.extend(baseline_characteristics);
    adjust_p_values(&mut estimates);
    estimates
}
