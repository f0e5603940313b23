//! The evaluation design: what the comparison group is, and so what the
//! results allow one to claim. Declared with `design` in belong.toml, or
//! read from the data: an `arm` column is a comparison that was not
//! randomised, and without one, referred people who never attended are
//! the comparison. The claim is stated as a level of the Maryland
//! Scientific Methods Scale (Sherman et al. 1997; the What Works Centre
//! for Local Economic Growth's version), with its reason.

use super::AnalysisOptions;
use crate::error::{Error, Result};
use crate::panel::Panel;

/// The grouping column a comparison arm is read from.
pub(crate) const ARM_COLUMN: &str = "arm";
/// The comparison made when people who never attended are the comparison.
pub(crate) const ATTENDANCE_COLUMN: &str = "attendance";
/// The participant column read as clusters when `cluster` names none.
pub(crate) const CLUSTER_COLUMN: &str = "cluster";
pub(crate) const ATTENDED: &str = "attended";
pub(crate) const NOT_ATTENDED: &str = "not attended";

/// `design = ...` in belong.toml.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DeclaredDesign {
    Randomised,
    Comparison,
    PrePost,
}

impl DeclaredDesign {
    pub fn parse(text: &str) -> Option<DeclaredDesign> {
        match text.trim() {
            "randomised" | "randomized" => Some(DeclaredDesign::Randomised),
            "comparison" => Some(DeclaredDesign::Comparison),
            "pre-post" => Some(DeclaredDesign::PrePost),
            _ => None,
        }
    }
}

/// How people came to be compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Design {
    /// Arms assigned at random (declared).
    Randomised(Arms),
    /// Arms not assigned at random.
    Comparison(Arms),
    /// No arm: referred people who attended against those who never did.
    Attendance,
    /// No comparison group. `declared_comparison` when the user declared
    /// one that the data do not have.
    PrePost { declared_comparison: bool },
}

/// The arms of a comparison: the programme's and the reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arms {
    /// Every level in byte order; the first is the reference, as in every
    /// comparison.
    pub levels: Vec<String>,
}

impl Arms {
    pub fn reference(&self) -> &str {
        &self.levels[0]
    }
    /// The programme's arm when there are exactly two.
    pub(crate) fn treated(&self) -> Option<&str> {
        (self.levels.len() == 2).then(|| self.levels[1].as_str())
    }
}

/// A two-group comparison the design offers: who is treated, per panel row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TwoGroups {
    /// The column the groups are named by (`arm` or `attendance`).
    pub column: &'static str,
    pub treated: String,
    pub reference: String,
    /// Per panel row: in the treated group, the reference group, or neither.
    pub membership: Vec<Option<bool>>,
}

fn arms_of(panel: &Panel) -> Option<(Arms, &crate::panel::CategoricalColumn)> {
    let (_, column) = panel.groups.iter().find(|(name, _)| name == ARM_COLUMN)?;
    let mut used = vec![false; column.levels.len()];
    for code in column.codes.iter().flatten() {
        used[*code as usize] = true;
    }
    let levels: Vec<String> = column
        .levels
        .iter()
        .zip(&used)
        .filter(|(_, used)| **used)
        .map(|(level, _)| level.clone())
        .collect();
    (levels.len() >= 2).then_some((Arms { levels }, column))
}

/// Whether some people with a baseline and a follow-up score attended no
/// session while others attended.
fn has_non_attenders(panel: &Panel) -> bool {
    let Some(sessions) = &panel.sessions else {
        return false;
    };
    let (mut none, mut some) = (false, false);
    for outcome in &panel.outcomes {
        let baseline = outcome.baseline(&panel.waves);
        let followup = outcome.followup(&panel.waves);
        for (p, &count) in sessions.iter().enumerate() {
            if baseline[p].is_some() && followup[p].is_some() {
                if count == 0 {
                    none = true;
                } else {
                    some = true;
                }
            }
        }
    }
    none && some
}

impl Design {
    /// The design of this panel (with its attendance) under the options.
    pub fn of(panel: &Panel, options: &AnalysisOptions) -> Design {
        let arms = arms_of(panel).map(|(arms, _)| arms);
        match (options.design, arms) {
            (Some(DeclaredDesign::PrePost), _) => Design::PrePost {
                declared_comparison: false,
            },
            (Some(DeclaredDesign::Randomised), Some(arms)) => Design::Randomised(arms),
            (_, Some(arms)) => Design::Comparison(arms),
            (_, None) if has_non_attenders(panel) => Design::Attendance,
            (declared, None) => Design::PrePost {
                declared_comparison: declared == Some(DeclaredDesign::Comparison),
            },
        }
    }

    /// The level of the Maryland Scientific Methods Scale the design
    /// supports at most.
    pub(crate) fn maryland_level(&self) -> u8 {
        match self {
            Design::Randomised(_) => 5,
            Design::Comparison(_) | Design::Attendance => 3,
            Design::PrePost { .. } => 2,
        }
    }

    /// A short name of the design.
    pub fn name(&self) -> &'static str {
        match self {
            Design::Randomised(_) => "randomised comparison",
            Design::Comparison(_) => "non-randomised comparison group",
            Design::Attendance => "attenders compared with referred people who never attended",
            Design::PrePost { .. } => "before and after, no comparison group",
        }
    }

    /// One sentence on what the design allows one to claim.
    pub fn reason(&self) -> &'static str {
        match self {
            Design::Randomised(_) => "people were assigned to the arms at random, so the arms differed only by chance at the start and a difference at follow-up can be attributed to the programme, within its confidence interval and if the people lost to follow-up do not differ between the arms",
            Design::Comparison(_) => "the comparison group was not chosen at random: the arms are compared on change, adjusting for the baseline score and weighting for who joined each, but they may still differ in ways that were not measured, so the difference is the programme's effect only if nothing unmeasured drove both joining and change",
            Design::Attendance => "people chose whether to attend, and those who never did may differ from those who did (in health, motivation or circumstances) in ways the adjustment for the baseline score and covariates cannot remove, so the difference is an upper bound on what attending did more often than an estimate of it",
            Design::PrePost { declared_comparison: false } => "each person's scores before and after are compared with no comparison group, so the change includes regression to the mean, natural recovery and anything else that happened meanwhile; it is not the programme's effect",
            Design::PrePost { declared_comparison: true } => "design = \"comparison\" was declared, but the data have no comparison group (no arm column with two arms, and everyone with both scores attended), so each person's scores before and after are compared; the change includes regression to the mean, natural recovery and anything else that happened meanwhile",
        }
    }

    /// The two groups the design compares, randomised or not: two arms, or
    /// attenders and non-attenders.
    pub(crate) fn compared_groups(&self, panel: &Panel) -> Option<TwoGroups> {
        match self {
            Design::Randomised(arms) | Design::Comparison(arms) => {
                let treated = arms.treated()?.to_string();
                let (_, column) = arms_of(panel)?;
                let membership = column
                    .codes
                    .iter()
                    .map(|code| code.map(|c| column.levels[c as usize] == treated))
                    .collect();
                Some(TwoGroups {
                    column: ARM_COLUMN,
                    reference: arms.reference().to_string(),
                    treated,
                    membership,
                })
            }
            Design::Attendance => Some(attendance_groups(panel.sessions.as_ref()?)),
            Design::PrePost { .. } => None,
        }
    }
}

/// Attended at least one session against none.
pub(crate) fn attendance_groups(sessions: &[u32]) -> TwoGroups {
    TwoGroups {
        column: ATTENDANCE_COLUMN,
        treated: ATTENDED.into(),
        reference: NOT_ATTENDED.into(),
        membership: sessions.iter().map(|&s| Some(s > 0)).collect(),
    }
}

/// Checks what can be checked before the analyses: a declared randomised
/// design has an arm, and every `adjust_for` column exists and varies.
pub fn check(panel: &Panel, options: &AnalysisOptions) -> Result<()> {
    if options.design == Some(DeclaredDesign::Randomised) && arms_of(panel).is_none() {
        return Err(Error::Config(format!(
            "design = \"randomised\" in belong.toml: the participants table has no `{ARM_COLUMN}` column with two or more arms; add the arm each person was randomised to, or write design = \"comparison\" or \"pre-post\""
        )));
    }
    for name in &options.moderators {
        if covariate(panel, name).is_none() {
            return Err(Error::Config(format!(
                "moderators in belong.toml: the participants table has no column \"{name}\"; name a participant column such as {}",
                panel
                    .groups
                    .iter()
                    .chain(&panel.covariates)
                    .map(|(n, _)| n.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    }
    if let Some(name) = &options.cluster {
        let Some((_, column)) = clusters(panel, options) else {
            return Err(Error::Config(format!(
                "cluster = \"{name}\" in belong.toml: the participants table has no column \"{name}\"; name the participant column that says which peer circle, class or site each person was served in ({})",
                participant_columns(panel)
            )));
        };
        if distinct_values(column) < 2 {
            return Err(Error::Config(format!(
                "cluster = \"{name}\" in belong.toml: column \"{name}\" has {} among the participants, so everyone was served together and there is nothing to allow for; remove cluster, or name the column of circles or classes",
                one_value(column)
            )));
        }
    }
    for name in &options.adjust_for {
        let Some(column) = covariate(panel, name) else {
            return Err(Error::Config(format!(
                "adjust_for in belong.toml: the participants table has no column \"{name}\"; {}",
                participant_columns(panel)
            )));
        };
        if distinct_values(column) < 2 {
            return Err(Error::Config(format!(
                "adjust_for in belong.toml: column \"{name}\" has {} among the participants, so it cannot adjust for anything; remove it from adjust_for",
                one_value(column)
            )));
        }
    }
    Ok(())
}

fn participant_columns(panel: &Panel) -> String {
    let mut known: Vec<&str> = panel
        .groups
        .iter()
        .chain(&panel.covariates)
        .map(|(n, _)| n.as_str())
        .collect();
    known.sort_unstable();
    if known.is_empty() {
        "its only column is participant_id".to_string()
    } else {
        format!("its columns are {}", known.join(", "))
    }
}

fn used_values(column: &crate::panel::CategoricalColumn) -> Vec<bool> {
    let mut used = vec![false; column.levels.len()];
    for code in column.codes.iter().flatten() {
        used[*code as usize] = true;
    }
    used
}

fn distinct_values(column: &crate::panel::CategoricalColumn) -> usize {
    used_values(column).iter().filter(|u| **u).count()
}

/// "one value ("x")" or "no values", for a column with fewer than two.
fn one_value(column: &crate::panel::CategoricalColumn) -> String {
    match column
        .levels
        .iter()
        .zip(used_values(column))
        .find(|(_, u)| *u)
    {
        Some((value, _)) => format!("one value (\"{value}\")"),
        None => "no values".to_string(),
    }
}

/// The participant column of clusters: the one `cluster` names, else a
/// column called `cluster`, if the participants have it.
pub fn clusters<'a>(
    panel: &'a Panel,
    options: &AnalysisOptions,
) -> Option<(&'a str, &'a crate::panel::CategoricalColumn)> {
    let name = options.cluster.as_deref().unwrap_or(CLUSTER_COLUMN);
    panel
        .groups
        .iter()
        .chain(&panel.covariates)
        .find(|(n, _)| n == name)
        .map(|(n, column)| (n.as_str(), column))
}

/// A participant column by name: a grouping column or another one.
pub fn covariate<'a>(panel: &'a Panel, name: &str) -> Option<&'a crate::panel::CategoricalColumn> {
    panel
        .groups
        .iter()
        .chain(&panel.covariates)
        .find(|(n, _)| n == name)
        .map(|(_, column)| column)
}
