//! The estimate vocabulary of STATISTICS.md as types: every statistic belong
//! reports is a [`Stat`], which knows its name in `estimates.csv` and its
//! [`Kind`]. Disclosure control and the renderers derive what they do from
//! the kind, so a new statistic is declared here once and is suppressed
//! correctly without touching `disclosure.rs`.

use crate::stats::clinical_significance::{CutoffType, RciMethod};
use std::fmt;

/// What sort of number a statistic is, which decides how it can disclose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The number of people the estimate rests on (the row's `n`).
    Total,
    /// A count of people among the row's `n`. Its complement, `n` − count,
    /// is a count of people too. `percent` names the percentage of the
    /// same place that states it again; `part_of` the counts of one place
    /// that add up to `n`.
    People {
        percent: Option<Stat>,
        part_of: Option<Partition>,
    },
    /// A percentage of the row's `n` people; it implies a count, which
    /// `count` names where the analysis publishes it.
    Percentage { count: Option<Stat> },
    /// A location or spread of scores or sessions.
    Location,
    /// A test statistic, with df and p where it has them.
    Test,
    /// A test computed from two counts of the same place alone (McNemar's
    /// on the discordant pairs): its p gives the counts back (0 new cases
    /// and p = 0.25 is 3 recovered), so it is blanked with either.
    TestOfCounts { counts: [Stat; 2] },
    /// An effect size or a difference, with its interval.
    Effect,
    /// A model coefficient (or a reliability coefficient).
    Coefficient,
    /// An amount that is not people (sessions attended, money).
    Amount,
    /// An amount per person of a count (or per count times a value): with
    /// the amount published it gives back `count`, the count of the same
    /// outcome, group and wave, and so is blanked with it.
    PerCount { count: Stat },
}

/// Counts of one place tied by one linear identity, so that one of them
/// blanked alone can be worked out from the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Partition {
    /// Improved, no change, deteriorated (and, in the combined approach,
    /// recovered and harmed): they add up to `n`.
    ReliableChange,
    /// Completers and non-completers: they add up to `n`.
    Completion,
    /// Cases before and after, recovered and new cases: recovered − new
    /// cases = cases before − cases after.
    CaseFlow,
}

macro_rules! vocabulary {
    ($($(#[$attribute:meta])* $variant:ident = $name:literal, $kind:expr;)*) => {
        /// A statistic of the vocabulary.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Stat {
            $($(#[$attribute])* $variant,)*
        }

        impl Stat {
            /// Every statistic, in declaration order.
            pub(crate) const ALL: &'static [Stat] = &[$($(#[$attribute])* Stat::$variant,)*];

            /// Its name in `estimates.csv`.
            pub fn name(self) -> &'static str {
                match self {
                    $($(#[$attribute])* Stat::$variant => $name,)*
                }
            }

            /// What sort of number it is.
            pub fn kind(self) -> Kind {
                #[allow(unused_imports)]
                use Kind::*;
                #[allow(unused_imports)]
                use Partition::*;
                match self {
                    $($(#[$attribute])* Stat::$variant => $kind,)*
                }
            }
        }
    };
}

const fn people(percent: Option<Stat>, part_of: Option<Partition>) -> Kind {
    Kind::People { percent, part_of }
}

const fn percentage(count: Option<Stat>) -> Kind {
    Kind::Percentage { count }
}

vocabulary! {
    // descriptives
    N = "n", Total;
    Mean = "mean", Location;
    Sd = "sd", Location;
    Median = "median", Location;
    Q1 = "q1", Location;
    Q3 = "q3", Location;
    Min = "min", Location;
    Max = "max", Location;
    // distribution
    NAtScore = "n_at_score", people(None, None);
    NWithChange = "n_with_change", people(None, None);
    NAtBaselineAndFollowup = "n_at_baseline_and_followup", people(None, None);
    // change
    NPairs = "n_pairs", Total;
    MeanBaseline = "mean_baseline", Location;
    MeanFollowup = "mean_followup", Location;
    SdBaseline = "sd_baseline", Location;
    SdFollowup = "sd_followup", Location;
    MeanChange = "mean_change", Location;
    MedianChange = "median_change", Location;
    TStatistic = "t_statistic", Test;
    WilcoxonV = "wilcoxon_v", Test;
    CohensDz = "cohens_dz", Effect;
    HedgesGz = "hedges_gz", Effect;
    DAv = "d_av", Effect;
    GAv = "g_av", Effect;
    DRm = "d_rm", Effect;
    RankBiserial = "rank_biserial", Effect;
    PctWorsened = "pct_worsened", percentage(None);
    // reliable change
    RcThreshold = "rc_threshold", Location;
    NImproved = "n_improved", people(Some(Stat::PctImproved), Some(ReliableChange));
    NNoChange = "n_no_change", people(Some(Stat::PctNoChange), Some(ReliableChange));
    NDeteriorated = "n_deteriorated", people(Some(Stat::PctDeteriorated), Some(ReliableChange));
    PctImproved = "pct_improved", percentage(Some(Stat::NImproved));
    PctNoChange = "pct_no_change", percentage(Some(Stat::NNoChange));
    PctDeteriorated = "pct_deteriorated", percentage(Some(Stat::NDeteriorated));
    // clinical significance (docs/estimates.md)
    NReliablyRecovered = "n_reliably_recovered", people(Some(Stat::PctReliablyRecovered), Some(ReliableChange));
    NHarmed = "n_harmed", people(Some(Stat::PctHarmed), Some(ReliableChange));
    PctReliablyRecovered = "pct_reliably_recovered", percentage(Some(Stat::NReliablyRecovered));
    PctHarmed = "pct_harmed", percentage(Some(Stat::NHarmed));
    RciSe = "rci_se", Location;
    RDd = "r_dd", Coefficient;
    CutoffValue = "cutoff_value", Location;
    PctChangedGroupLevel = "pct_changed_group_level", Effect;
    PctFunctionalGroupLevel = "pct_functional_group_level", Effect;
    // caseness
    NCasesBaseline = "n_cases_baseline", people(Some(Stat::PctCasesBaseline), Some(CaseFlow));
    NCasesFollowup = "n_cases_followup", people(Some(Stat::PctCasesFollowup), Some(CaseFlow));
    PctCasesBaseline = "pct_cases_baseline", percentage(Some(Stat::NCasesBaseline));
    PctCasesFollowup = "pct_cases_followup", percentage(Some(Stat::NCasesFollowup));
    NRecovered = "n_recovered", people(None, Some(CaseFlow));
    NNewCases = "n_new_cases", people(None, Some(CaseFlow));
    McnemarExact = "mcnemar_exact", TestOfCounts { counts: [Stat::NRecovered, Stat::NNewCases] };
    // reliability
    CronbachAlpha = "cronbach_alpha", Coefficient;
    // attrition
    NCompleters = "n_completers", people(Some(Stat::PctCompleted), Some(Completion));
    NNonCompleters = "n_non_completers", people(None, Some(Completion));
    PctCompleted = "pct_completed", percentage(Some(Stat::NCompleters));
    BaselineDifference = "baseline_difference", Effect;
    // comparison
    AncovaDifference = "ancova_difference", Coefficient;
    ChangeDifference = "change_difference", Effect;
    HedgesGChange = "hedges_g_change", Effect;
    AncovaF = "ancova_f", Test;
    // propensity-adjusted comparison (docs/estimates.md)
    AdjustedDifference = "adjusted_difference", Coefficient;
    Smd = "smd", Effect;
    VarianceRatio = "variance_ratio", Effect;
    EssTreated = "ess_treated", Location;
    EssControl = "ess_control", Location;
    EValue = "e_value", Effect;
    EValueCi = "e_value_ci", Effect;
    NMatchedPairs = "n_matched_pairs", people(None, None);
    // regression to the mean (docs/estimates.md)
    BaselinePercentile = "baseline_percentile", Location;
    ExpectedRtm = "expected_rtm", Location;
    ChangeNetOfRtm = "change_net_of_rtm", Effect;
    // moderators (docs/estimates.md)
    ModeratorF = "moderator_f", Test;
    GroupByModeratorF = "group_by_moderator_f", Test;
    // costs (docs/estimates.md)
    CostTotal = "cost_total", Amount;
    CostPerParticipant = "cost_per_participant", Amount;
    CostPerAttendedSession = "cost_per_attended_session", Amount;
    CostPerCompleter = "cost_per_completer", Amount;
    CostPerReliableImprovement = "cost_per_reliable_improvement", PerCount { count: Stat::NImproved };
    ValueOfReliableImprovements = "value_of_reliable_improvements", PerCount { count: Stat::NImproved };
    CostPerAdditionalImprovement = "cost_per_additional_improvement", Effect;
    // clustered delivery (docs/estimates.md)
    NClusters = "n_clusters", Amount;
    MeanClusterSize = "mean_cluster_size", Location;
    VarianceBetweenClusters = "variance_between_clusters", Location;
    VarianceWithinClusters = "variance_within_clusters", Location;
    IccChange = "icc_change", Coefficient;
    DesignEffect = "design_effect", Coefficient;
    MeanChangeCr2 = "mean_change_cr2", Location;
    AncovaDifferenceCr2 = "ancova_difference_cr2", Coefficient;
    ChangeDifferenceCr2 = "change_difference_cr2", Effect;
    AdjustedDifferenceCr2 = "adjusted_difference_cr2", Coefficient;
    SlopePerSessionCr2 = "slope_per_session_cr2", Coefficient;
    // longitudinal
    WaveEffect = "wave_effect", Coefficient;
    WaveMean = "wave_mean", Location;
    ArmByWave = "arm_by_wave", Coefficient;
    VarianceParticipants = "variance_participants", Location;
    VarianceClustersLongitudinal = "variance_clusters_longitudinal", Location;
    VarianceResidual = "variance_residual", Location;
    IccParticipants = "icc_participants", Coefficient;
    // dose-response
    MeanSessions = "mean_sessions", Location;
    SlopePerSession = "slope_per_session", Coefficient;
    SlopePerSessionHc3 = "slope_per_session_hc3", Coefficient;
    SpearmanRho = "spearman_rho", Effect;
    // participation
    NParticipants = "n_participants", Total;
    SessionsMean = "sessions_mean", Location;
    SessionsMedian = "sessions_median", Location;
    SessionsQ1 = "sessions_q1", Location;
    SessionsQ3 = "sessions_q3", Location;
    GroupSessionsMean = "group_sessions_mean", Location;
    PctEngaged = "pct_engaged", percentage(None);
    NAttendedAny = "n_attended_any", people(Some(Stat::PctAttendedAny), None);
    PctAttendedAny = "pct_attended_any", percentage(Some(Stat::NAttendedAny));
    SessionsTotal = "sessions_total", Amount;
    NWithSessions = "n_with_sessions", people(None, None);
    SessionsInWeek = "sessions_in_week", Amount;
    ActivityParticipants = "activity_participants", Total;
    ActivitySessions = "activity_sessions", Amount;
    // this period against an earlier report (docs/estimates.md)
    WelchDifferenceChange = "welch_difference_change", Effect;
    // baseline characteristics
    NInCategory = "n_in_category", people(Some(Stat::PctInCategory), None);
    PctInCategory = "pct_in_category", percentage(Some(Stat::NInCategory));
    // An analysis that exists only in tests, to show that a new statistic
    // is controlled by its kind alone.
    #[cfg(test)]
    TestOnlyCount = "test_only_count", people(None, None);
    #[cfg(test)]
    TestOnlyDifference = "test_only_difference", Effect;
}

impl Stat {
    /// The statistic of that name, for readers of `estimates.csv`.
    pub fn from_name(name: &str) -> Option<Stat> {
        Stat::ALL.iter().copied().find(|stat| stat.name() == name)
    }
}

impl fmt::Display for Stat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl serde::Serialize for Stat {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

/// What a row compares or which part of its place it counts. The text of
/// the `contrast` column is made from it only at the output boundary.
#[derive(Debug, Clone, PartialEq)]
pub enum Contrast {
    /// The place as a whole.
    None,
    /// One level of a grouping column against the reference level.
    Levels { level: String, reference: String },
    /// Values in `[low, low + width)`.
    Band { low: f64, width: f64 },
    /// Pairs in one baseline band and one follow-up band.
    Joint {
        baseline: f64,
        followup: f64,
        width: f64,
    },
    /// Week of attendance since enrolment, from 1.
    Week(u32),
    /// A category of a participant column (or `missing`).
    Category(String),
    /// How people were classified as changed (`HA`, `JT + cut-off a`).
    Method(Classification),
    /// A covariate of a balance table (`baseline score`, `gender = male`).
    Covariate(String),
}

/// An approach to individual change (clinicalsignificance's `cs_*`) and
/// its method, as the `contrast` of `clinical_significance` rows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Classification {
    /// A reliable change index (`cs_distribution`).
    Rci(RciMethod),
    /// Clinical to functional range across a cut-off (`cs_statistical`);
    /// `ha` for HA's true-score cut-off.
    Cutoff { ha: bool, kind: CutoffType },
    /// A reliable change index and a cut-off together (`cs_combined`).
    Combined { method: RciMethod, kind: CutoffType },
    /// A minimal important change in points (`cs_anchor`).
    Anchor,
    /// A change in percent of the baseline score (`cs_percentage`).
    Percentage,
}

impl fmt::Display for Classification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Classification::Rci(method) => f.write_str(method.code()),
            Classification::Cutoff { ha: false, kind } => write!(f, "cut-off {}", kind.code()),
            Classification::Cutoff { ha: true, kind } => write!(f, "HA cut-off {}", kind.code()),
            Classification::Combined { method, kind } => {
                write!(f, "{} + cut-off {}", method.code(), kind.code())
            }
            Classification::Anchor => f.write_str("anchor"),
            Classification::Percentage => f.write_str("percentage"),
        }
    }
}

/// Between a joint band's baseline and follow-up labels.
pub(crate) const JOINT_SEPARATOR: &str = " -> ";

impl Contrast {
    /// Whether rows with this contrast in one place are parts that add up
    /// to the place's `n` (bands and categories).
    pub fn is_part(&self) -> bool {
        matches!(
            self,
            Contrast::Band { .. } | Contrast::Joint { .. } | Contrast::Category(_)
        )
    }

    /// Whether rows with this contrast add up across the levels of a
    /// grouping column: a place, its parts and its methods do; a difference
    /// between levels, and a week of one activity's sessions, do not.
    pub fn adds_across_levels(&self) -> bool {
        self.is_part() || matches!(self, Contrast::None | Contrast::Method(_))
    }

    /// The label of the band `[low, low + width)`.
    pub(crate) fn band_label(low: f64, width: f64) -> String {
        format!("{} to <{}", low, low + width)
    }
}

impl fmt::Display for Contrast {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Contrast::None => Ok(()),
            Contrast::Levels { level, reference } => write!(f, "{level} - {reference}"),
            Contrast::Band { low, width } => f.write_str(&Contrast::band_label(*low, *width)),
            Contrast::Joint {
                baseline,
                followup,
                width,
            } => write!(
                f,
                "{}{JOINT_SEPARATOR}{}",
                Contrast::band_label(*baseline, *width),
                Contrast::band_label(*followup, *width)
            ),
            Contrast::Week(week) => write!(f, "week {week}"),
            Contrast::Category(category) => f.write_str(category),
            Contrast::Method(method) => write!(f, "{method}"),
            Contrast::Covariate(covariate) => f.write_str(covariate),
        }
    }
}

impl serde::Serialize for Contrast {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// A group of people an estimate rests on, beside its total: each level of
/// a contrast, or each subset a difference compares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Side {
    pub of: SideOf,
    pub n: usize,
}

/// Which people a [`Side`] is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SideOf {
    /// A level of the row's grouping column.
    Level(String),
    /// A subset of the row's group, such as the non-completers.
    Subset(&'static str),
}

impl Side {
    pub fn level(level: impl Into<String>, n: usize) -> Side {
        Side {
            of: SideOf::Level(level.into()),
            n,
        }
    }
    pub fn subset(name: &'static str, n: usize) -> Side {
        Side {
            of: SideOf::Subset(name),
            n,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_round_trip() {
        let mut names: Vec<&str> = Stat::ALL.iter().map(|s| s.name()).collect();
        for stat in Stat::ALL {
            assert_eq!(Stat::from_name(stat.name()), Some(*stat));
        }
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len());
    }

    #[test]
    fn counts_and_percentages_name_each_other() {
        for stat in Stat::ALL {
            match stat.kind() {
                Kind::People {
                    percent: Some(percent),
                    ..
                } => assert_eq!(
                    percent.kind(),
                    Kind::Percentage { count: Some(*stat) },
                    "{stat}"
                ),
                Kind::Percentage { count: Some(count) } => assert!(
                    matches!(count.kind(), Kind::People { percent: Some(p), .. } if p == *stat),
                    "{stat}"
                ),
                _ => {}
            }
        }
    }

    #[test]
    fn contrast_text_is_the_estimates_csv_vocabulary() {
        assert_eq!(
            Contrast::Band {
                low: 20.0,
                width: 5.0
            }
            .to_string(),
            "20 to <25"
        );
        assert_eq!(
            Contrast::Band {
                low: -5.0,
                width: 5.0
            }
            .to_string(),
            "-5 to <0"
        );
        assert_eq!(
            Contrast::Joint {
                baseline: 3.0,
                followup: 4.0,
                width: 1.0
            }
            .to_string(),
            "3 to <4 -> 4 to <5"
        );
        assert_eq!(Contrast::Week(3).to_string(), "week 3");
        assert_eq!(
            Contrast::Levels {
                level: "b".into(),
                reference: "a".into()
            }
            .to_string(),
            "b - a"
        );
        assert_eq!(Contrast::None.to_string(), "");
    }
}
