//! The plain-language story of a report — summary sentences, methods and
//! limitations — written from `Estimate` rows and the registry's
//! descriptions. Shared by index.html and report.md.

use super::format::{people_text, rounded};
use super::ReportContent;
use crate::analysis::design::{Design, ARM_COLUMN, ATTENDANCE_COLUMN};
use crate::analysis::propensity::Adjustment;
use crate::estimate::{Contrast, Estimate, Stat};
use crate::instruments::Direction;

/// Paragraphs of the three sections.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub(crate) struct Story {
    pub summary: Vec<String>,
    pub methods: Vec<String>,
    pub limitations: Vec<String>,
}

fn find<'a>(
    content: &'a ReportContent,
    outcome: &str,
    analysis: &str,
    estimate: Stat,
) -> Option<&'a Estimate> {
    content.estimates.iter().find(|e| {
        e.outcome == outcome
            && e.analysis == analysis
            && e.group_by == "all"
            && e.estimate == estimate
            && !e.suppressed
    })
}

/// A signed estimate and its interval as a size in the estimate's
/// direction: the word (`down` when negative, else `up`) and the interval
/// limits in that direction, so the sentence and its interval agree in
/// sign. An interval crossing zero keeps a negative limit.
fn magnitude(
    value: f64,
    low: f64,
    high: f64,
    down: &'static str,
    up: &'static str,
) -> (&'static str, String, String) {
    let (word, a, b) = if value < 0.0 {
        (down, -high, -low)
    } else {
        (up, low, high)
    };
    (word, rounded(Some(a), 2), rounded(Some(b), 2))
}

/// The baseline-adjusted difference between the design's groups, the
/// funder's question "compared with what", when it is published; then,
/// for a design that was not randomised, the comparison weighted for who
/// joined each group, its balance and its E-value.
fn design_comparison(
    content: &ReportContent,
    design: &Design,
    outcome: &str,
    direction: Direction,
    followup: &str,
) -> Vec<String> {
    let column = match design {
        Design::Randomised(_) | Design::Comparison(_) => ARM_COLUMN,
        Design::Attendance => ATTENDANCE_COLUMN,
        Design::PrePost { .. } => return Vec::new(),
    };
    let mut sentences = Vec::new();
    let ancova = content.estimates.iter().find(|e| {
        e.outcome == outcome
            && e.analysis == "comparison"
            && e.group_by == column
            && e.estimate == Stat::AncovaDifference
            && !e.suppressed
    });
    if let Some(sentence) = ancova.and_then(|e| {
        let Contrast::Levels { level, reference } = &e.contrast else {
            return None;
        };
        let (v, lo, hi, p) = (e.value?, e.ci_low?, e.ci_high?, e.p_value?);
        let (side, a, b) = magnitude(v, lo, hi, "lower", "higher");
        let verdict = if direction.improved(v) { "better" } else { "worse" };
        let (who, whom) = if column == ARM_COLUMN {
            let labels = &content.settings.labels;
            (
                format!("the {} arm's", labels.level(ARM_COLUMN, level)),
                format!("the {} arm's", labels.level(ARM_COLUMN, reference)),
            )
        } else {
            (
                format!("{outcome} of people who {level}"),
                "that of people who were referred but never attended".to_string(),
            )
        };
        let who = if column == ARM_COLUMN {
            format!("{who} {outcome}")
        } else {
            who
        };
        let clustered = content
            .estimates
            .iter()
            .any(|c| c.outcome == outcome && c.estimate == Stat::AncovaDifferenceCr2);
        Some(format!(
            "Adjusting for the baseline score, {who} at {followup} was {} points {side} ({verdict}) than {whom} (95% CI {a} to {b} points {side}; {}{}).",
            rounded(Some(v.abs()), 2),
            super::format::p_phrase(p),
            if clustered {
                ", treating people as independent; the estimate that allows for the groups they were served in follows"
            } else {
                ""
            }
        ))
    }) {
        sentences.push(sentence);
    }
    if let Some(sentence) = weighted_comparison(content, outcome, direction, followup) {
        sentences.push(sentence);
    }
    if let Design::Randomised(arms) | Design::Comparison(arms) = design {
        let named = |arm: &str| content.settings.labels.level(ARM_COLUMN, arm).to_string();
        let each: Vec<String> = arms
            .levels
            .iter()
            .rev()
            .filter_map(|arm| {
                let counted = content.estimates.iter().any(|e| {
                    e.outcome == outcome
                        && e.analysis == "reliable_change"
                        && e.group_by == ARM_COLUMN
                        && e.group == *arm
                        && e.estimate == Stat::PctImproved
                });
                match reliable_shares(content, outcome, ARM_COLUMN, arm) {
                    Some(shares) => Some(format!("in the {} arm {shares}", named(arm))),
                    None if counted => Some(format!(
                        "in the {} arm both shares are withheld to protect participants",
                        named(arm)
                    )),
                    None => None,
                }
            })
            .collect();
        if !each.is_empty() {
            sentences.push(format!(
                "Counting only changes larger than measurement error, {}.",
                each.join("; ")
            ));
        }
    }
    sentences
}

/// How many of one group improved and deteriorated reliably, as a clause
/// ("26% improved reliably and 4% deteriorated reliably"), the larger
/// first when more deteriorated; `None` when both are withheld.
fn reliable_shares(
    content: &ReportContent,
    outcome: &str,
    group_by: &str,
    group: &str,
) -> Option<String> {
    let share = |stat: Stat| {
        content
            .estimates
            .iter()
            .find(|e| {
                e.outcome == outcome
                    && e.analysis == "reliable_change"
                    && e.group_by == group_by
                    && e.group == group
                    && e.estimate == stat
                    && !e.suppressed
            })
            .and_then(|e| e.value)
    };
    // A withheld share is only said to be withheld: whether its count is
    // small or protects another is itself disclosive.
    let withheld = |what: &str| format!("the share who {what} is withheld to protect participants");
    Some(match (share(Stat::PctImproved), share(Stat::PctDeteriorated)) {
        (Some(improved), Some(deteriorated)) if deteriorated > improved => format!(
            "more people deteriorated reliably than improved: {deteriorated:.0}% deteriorated reliably and {improved:.0}% improved reliably"
        ),
        (Some(improved), Some(deteriorated)) => {
            format!("{improved:.0}% improved reliably and {deteriorated:.0}% deteriorated reliably")
        }
        (Some(improved), None) => format!(
            "{improved:.0}% improved reliably; {}",
            withheld("deteriorated reliably")
        ),
        (None, Some(deteriorated)) => format!(
            "{deteriorated:.0}% deteriorated reliably; {}",
            withheld("improved reliably")
        ),
        (None, None) => return None,
    })
}

/// This period's mean change against the earlier report's (`--previous`),
/// with the settings that differ between them.
fn previous_sentence(
    content: &ReportContent,
    outcome: &str,
    direction: Direction,
) -> Option<String> {
    let previous = content.previous?;
    let name = previous.name();
    let before = content.estimates.iter().find(|e| {
        e.analysis == "previous_period"
            && e.group_by == super::previous::PERIOD
            && e.outcome == outcome
            && e.estimate == Stat::MeanChange
    });
    let mut sentence = match before.filter(|e| !e.suppressed).and_then(|e| e.value) {
        None => format!("{name} published no mean change in {outcome} to compare with."),
        Some(earlier) => {
            let verb = |v: f64| if v < 0.0 { "fell" } else { "rose" };
            let mut sentence = format!(
                "Against {name}, in which {outcome} {} by {} points on average",
                verb(earlier),
                rounded(Some(earlier.abs()), 2),
            );
            let test = content.estimates.iter().find(|e| {
                e.analysis == "previous_period"
                    && e.outcome == outcome
                    && e.estimate == Stat::WelchDifferenceChange
                    && !e.suppressed
            });
            match test.and_then(|t| Some((t.value?, t.ci_low?, t.ci_high?, t.p_value?))) {
                Some((v, lo, hi, p)) => {
                    let better = if direction.improved(v) {
                        "better"
                    } else {
                        "worse"
                    };
                    let (side, a, b) = magnitude(v, lo, hi, "lower", "higher");
                    sentence.push_str(&format!(
                        ", this period's change was {} points {side} ({better}) (95% CI {a} to {b} points {side}; Welch's t-test, {})",
                        rounded(Some(v.abs()), 2),
                        super::format::p_phrase(p)
                    ));
                    if p >= 0.05 {
                        sentence.push_str(
                            ", which is consistent with no difference between the periods",
                        );
                    }
                }
                None => sentence.push_str(
                    ", the difference between the periods is withheld or cannot be tested",
                ),
            }
            sentence.push('.');
            sentence
        }
    };
    let differences = super::previous::differences(content.settings, content.panel, previous);
    if !differences.is_empty() {
        sentence.push_str(&format!(
            " The two reports differ in their settings ({}), so part of any difference may come from them.",
            differences.join("; ")
        ));
    }
    Some(sentence)
}

/// Clustered delivery in words: how alike people served together were,
/// and the mean change and the design's comparison allowing for it.
fn clustering_sentence(content: &ReportContent, outcome: &str, design: &Design) -> Option<String> {
    let clusters = find(content, outcome, "clustering", Stat::NClusters)?;
    let column = crate::analysis::design::clusters(content.panel, &content.settings.analysis)
        .map_or("cluster", |(name, _)| name);
    let mut sentence = format!(
        "People were served in {} groups (column \"{column}\"), and people served together are not independent",
        rounded(clusters.value, 0)
    );
    if let (Some(icc), Some(effect)) = (
        find(content, outcome, "clustering", Stat::IccChange).and_then(|e| e.value),
        find(content, outcome, "clustering", Stat::DesignEffect).and_then(|e| e.value),
    ) {
        sentence.push_str(&format!(
            " (intra-cluster correlation of change {}; design effect {}: the data carry as much information as {} independent people)",
            rounded(Some(icc), 3),
            rounded(Some(effect), 2),
            rounded(Some(clusters.n as f64 / effect), 0)
        ));
    }
    sentence.push('.');
    if let Some(e) = find(content, outcome, "change", Stat::MeanChangeCr2) {
        if let (Some(v), Some(lo), Some(hi), Some(p)) = (e.value, e.ci_low, e.ci_high, e.p_value) {
            let (verb, a, b) = magnitude(v, lo, hi, "fell", "rose");
            sentence.push_str(&format!(
                " Allowing for this (cluster-robust CR2 errors), the mean {verb} by {} points (95% CI {a} to {b}; {}).",
                rounded(Some(v.abs()), 2),
                super::format::p_phrase(p)
            ));
        }
    }
    let column_compared = match design {
        Design::Randomised(_) | Design::Comparison(_) => Some(ARM_COLUMN),
        Design::Attendance => Some(ATTENDANCE_COLUMN),
        Design::PrePost { .. } => None,
    };
    let difference = column_compared.and_then(|compared| {
        content.estimates.iter().find(|e| {
            e.outcome == outcome
                && e.analysis == "comparison"
                && e.group_by == compared
                && e.estimate == Stat::AncovaDifferenceCr2
                && !e.suppressed
        })
    });
    if let Some(e) = difference {
        if let (Some(v), Some(lo), Some(hi), Some(p)) = (e.value, e.ci_low, e.ci_high, e.p_value) {
            let (side, a, b) = magnitude(v, lo, hi, "lower", "higher");
            sentence.push_str(&format!(
                " The baseline-adjusted difference ({}) allowing for it is {} points {side} (95% CI {a} to {b}; {}).",
                e.contrast,
                rounded(Some(v.abs()), 2),
                super::format::p_phrase(p)
            ));
        }
    }
    Some(sentence)
}

/// What the report says of clusters when they are few, or when a group
/// compared was delivered in one cluster.
fn clustering_limitations(content: &ReportContent) -> Vec<String> {
    let mut lines = Vec::new();
    let few = content.estimates.iter().find(|e| {
        e.analysis == "clustering"
            && e.group_by == "all"
            && e.estimate == Stat::NClusters
            && e.value
                .is_some_and(|v| v < crate::analysis::clustering::FEW_CLUSTERS as f64)
    });
    if let Some(e) = few {
        lines.push(format!(
            "There are only {} clusters: with fewer than {}, even cluster-robust intervals and p-values are approximate, so read them with caution.",
            rounded(e.value, 0),
            crate::analysis::clustering::FEW_CLUSTERS
        ));
    }
    let mut alone: Vec<String> = content
        .estimates
        .iter()
        .filter(|e| {
            e.analysis == "clustering"
                && e.group_by != "all"
                && e.estimate == Stat::NClusters
                && e.value == Some(1.0)
        })
        .map(|e| format!("{} = {}", e.group_by, e.group))
        .collect();
    alone.sort();
    alone.dedup();
    if !alone.is_empty() {
        lines.push(format!(
            "{} {} delivered in a single cluster, so a difference between {} and another group cannot be told apart from a difference between clusters.",
            alone.join(" and "),
            if alone.len() == 1 { "was" } else { "were each" },
            if alone.len() == 1 { "it" } else { "them" }
        ));
    }
    lines
}

/// The ATT-weighted comparison in words, with its balance and E-value.
fn weighted_comparison(
    content: &ReportContent,
    outcome: &str,
    direction: Direction,
    followup: &str,
) -> Option<String> {
    let att = Adjustment::Weighted(crate::stats::propensity::Estimand::Att).analysis();
    let row = |stat: Stat| {
        content
            .estimates
            .iter()
            .find(|e| e.outcome == outcome && e.analysis == att && e.estimate == stat)
    };
    let e = row(Stat::AdjustedDifference)?;
    let Contrast::Levels { level, reference } = &e.contrast else {
        return None;
    };
    if e.suppressed {
        return Some(format!(
            "The comparison weighted for who joined each group is suppressed: one of the groups has fewer than {} people.",
            content.settings.min_cell
        ));
    }
    let Some(v) = e.value else {
        let reason = e
            .method
            .split("undefined: ")
            .nth(1)
            .unwrap_or("it is undefined");
        return Some(format!(
            "The comparison weighted for who joined each group could not be made: {reason}."
        ));
    };
    let (lo, hi, p) = (e.ci_low?, e.ci_high?, e.p_value?);
    let (side, a, b) = magnitude(v, lo, hi, "lower", "higher");
    let verdict = if direction.improved(v) {
        "better"
    } else {
        "worse"
    };
    let mut adjusted_for = vec![super::super::analysis::propensity::BASELINE_COVARIATE.to_string()];
    adjusted_for.extend(content.settings.analysis.adjust_for.iter().cloned());
    let (treated, comparison, joining) = if e.group_by == ATTENDANCE_COLUMN {
        (
            "people who attended".to_string(),
            "referred people who never attended".to_string(),
            "attending",
        )
    } else {
        (
            format!(
                "the {} arm",
                content.settings.labels.level(ARM_COLUMN, level)
            ),
            format!(
                "the {} arm",
                content.settings.labels.level(ARM_COLUMN, reference)
            ),
            "joining",
        )
    };
    let mut sentence = format!(
        "Weighting {comparison} to resemble {treated} on {} (ATT weights from a propensity score), {outcome} at {followup} was {} points {side} ({verdict}) for {treated} (95% CI {a} to {b} points {side}; {}).",
        content.settings.labels.columns_text(&adjusted_for),
        rounded(Some(v.abs()), 2),
        super::format::p_phrase(p)
    );
    let imbalanced: Vec<String> = content
        .estimates
        .iter()
        .filter(|b| {
            b.outcome == outcome
                && b.analysis == att
                && b.estimate == Stat::Smd
                && b.value.is_some_and(|v| v.abs() >= 0.1)
        })
        .map(|b| content.settings.labels.covariate(&b.contrast.to_string()))
        .collect();
    let hidden = content.estimates.iter().any(|b| {
        b.outcome == outcome && b.analysis == att && b.estimate == Stat::Smd && b.suppressed
    });
    let shown = if hidden {
        "; categories with fewer than the minimum cell in a group are not shown"
    } else {
        ""
    };
    if imbalanced.is_empty() {
        sentence.push_str(&format!(" After weighting the groups are balanced on every covariate (|standardised difference| < 0.1{shown})."));
    } else {
        sentence.push_str(&format!(
            " After weighting the groups still differ on {} (|standardised difference| ≥ 0.1{}), so the weighted difference is less trustworthy.",
            imbalanced.join(", "),
            if hidden { "; categories with fewer than the minimum cell in a group are suppressed" } else { "" }
        ));
    }
    if let (Some(e_value), Some(e_ci)) = (
        row(Stat::EValue).and_then(|e| e.value),
        row(Stat::EValueCi).and_then(|e| e.value),
    ) {
        sentence.push_str(&format!(
            " To explain it away, a factor that was not measured would have to be associated with both {joining} and {outcome} by a risk ratio of at least {e_value:.2} (E-value; {e_ci:.2} to move the interval to include no difference)."
        ));
    }
    Some(sentence)
}

/// Who the programme reached: people enrolled, how many came at all, the
/// sessions they attended and the activities; `None` without attendance.
fn reach(content: &ReportContent) -> Option<String> {
    let value = |stat: Stat| find(content, "", "participation", stat).and_then(|e| e.value);
    let enrolled = value(Stat::NParticipants)?;
    let mut sentence = format!("{enrolled:.0} people were enrolled");
    match (value(Stat::NAttendedAny), value(Stat::PctAttendedAny)) {
        (Some(any), Some(pct)) => sentence.push_str(&format!(
            "; {any:.0} ({pct:.0}%) attended at least one session"
        )),
        _ => sentence.push_str("; how many attended at least one session is suppressed"),
    }
    let activities: Vec<&str> = content
        .estimates
        .iter()
        .filter(|e| {
            e.analysis == "participation"
                && e.group_by == "activity"
                && e.estimate == Stat::ActivityParticipants
        })
        .map(|e| e.group.as_str())
        .collect();
    if let Some(total) = value(Stat::SessionsTotal) {
        sentence.push_str(&format!(", {total:.0} attended sessions in all"));
        if !activities.is_empty() {
            sentence.push_str(&format!(
                " across {} {} ({})",
                activities.len(),
                if activities.len() == 1 {
                    "activity"
                } else {
                    "activities"
                },
                activities.join(", ")
            ));
        }
    }
    sentence.push('.');
    if let Some(engaged) = value(Stat::PctEngaged) {
        sentence.push_str(&format!(
            " {engaged:.0}% attended at least {} sessions.",
            content.settings.analysis.engaged_sessions
        ));
    }
    Some(sentence)
}

/// How the design was determined and, for a non-randomised comparison,
/// how it was adjusted.
fn design_method(content: &ReportContent, design: &Design) -> String {
    let how = match content.settings.analysis.design {
        Some(declared) => format!(
            "declared with design = \"{}\" in belong.toml",
            match declared {
                crate::analysis::design::DeclaredDesign::Randomised => "randomised",
                crate::analysis::design::DeclaredDesign::Comparison => "comparison",
                crate::analysis::design::DeclaredDesign::PrePost => "pre-post",
            }
        ),
        None => "read from the data (an arm column is a comparison that was not randomised unless design = \"randomised\" says so; without one, referred people who never attended are the comparison)".into(),
    };
    let mut text = format!(
        "The design ({}; Maryland Scientific Methods Scale level {}) was {how}.",
        design.name(),
        design.maryland_level()
    );
    if matches!(design, Design::Comparison(_) | Design::Attendance) {
        text.push_str(" Because people were not assigned at random, the groups are also compared after adjusting for who joined each: a propensity score (the chance of being in the programme group given the baseline score and the adjust_for columns) is estimated by logistic regression, as R's glm; the follow-up is compared by weighted ANCOVA, lm(f ~ group + b), with HC0 robust standard errors under ATT weights (the programme group as it was), ATE weights (everyone) and overlap weights (people who could have been in either group), and after 1:1 nearest-neighbour matching on the score without replacement, largest score first (MatchIt's default), with standard errors clustered on the matched pairs. Balance is the standardised mean difference (divided by the programme group's SD for ATT and matching, the pooled SD otherwise; a difference in proportions for categories), the variance ratio and Kish's effective sample size. The E-value (VanderWeele & Ding 2017) converts the ATT difference, divided by the pooled SD of the follow-up, to a risk ratio as exp(0.91 d).");
    }
    text
}

/// For whom: which moderators the change, and the comparison, differed
/// by after Holm's adjustment across moderators.
fn for_whom_sentence(content: &ReportContent, outcome: &str) -> Option<String> {
    let tests = |stat: Stat| -> Vec<&Estimate> {
        content
            .estimates
            .iter()
            .filter(|e| {
                e.outcome == outcome
                    && e.analysis == "moderators"
                    && e.group_by == crate::analysis::moderators::MODERATOR
                    && e.estimate == stat
                    && !e.suppressed
                    && e.p_adjusted.is_some()
            })
            .collect()
    };
    let heterogeneity = tests(Stat::ModeratorF);
    if heterogeneity.is_empty() {
        return None;
    }
    let describe = |rows: &[&Estimate], what: &str| -> String {
        let labels = &content.settings.labels;
        let names: Vec<String> = rows
            .iter()
            .map(|e| labels.column(&e.contrast.to_string()).to_string())
            .collect();
        let differs: Vec<String> = rows
            .iter()
            .filter(|e| e.p_adjusted.is_some_and(|p| p < 0.05))
            .map(|e| {
                format!(
                    "{} (F = {:.2}, Holm-adjusted {})",
                    labels.column(&e.contrast.to_string()),
                    e.value.unwrap_or_default(),
                    super::format::p_phrase(e.p_adjusted.unwrap_or(1.0))
                )
            })
            .collect();
        if differs.is_empty() {
            format!(
                "{what} did not differ clearly by {} (Holm-adjusted p ≥ 0.05 for each)",
                names.join(", ")
            )
        } else {
            format!("{what} differed by {}", differs.join(", "))
        }
    };
    let mut sentence = format!(
        "For whom: {}",
        describe(
            &heterogeneity,
            &format!("after the baseline score, the change in {outcome}")
        )
    );
    let interactions = tests(Stat::GroupByModeratorF);
    if !interactions.is_empty() {
        sentence.push_str("; ");
        sentence.push_str(&describe(
            &interactions,
            "the difference between the compared groups (programme minus comparison)",
        ));
    }
    sentence.push_str(". Subgroup results are in the For whom section; with many groups, one difference can arise by chance.");
    Some(sentence)
}

/// Regression to the mean: sized from the population norms, or said to
/// be unknown.
fn regression_to_mean_sentence(
    content: &ReportContent,
    outcome: &str,
    direction: Direction,
) -> String {
    let row = |stat: Stat| find(content, outcome, "regression_to_mean", stat);
    let mut sentence = String::new();
    if let Some(p) = row(Stat::BaselinePercentile).and_then(|e| e.value) {
        let worse = match direction {
            Direction::HigherIsWorse => p,
            Direction::HigherIsBetter => 100.0 - p,
        };
        sentence.push_str(&format!(
            "At baseline the average participant scored worse on {outcome} than {worse:.0}% of the population the norms describe. "
        ));
    }
    match (row(Stat::ExpectedRtm), row(Stat::ChangeNetOfRtm)) {
        (Some(expected), Some(net)) => {
            if let (Some(e), Some(v)) = (expected.value, net.value) {
                sentence.push_str(&format!(
                    "People who start far from the population average tend to move back towards it without any help (regression to the mean): from the norms, {outcome} would be expected to change by {} points on its own, so the change net of it is {}",
                    super::format::rounded(Some(e), 2),
                    super::format::rounded(Some(v), 2)
                ));
                if let (Some(lo), Some(hi)) = (net.ci_low, net.ci_high) {
                    sentence.push_str(&format!(
                        " (95% CI {} to {})",
                        super::format::rounded(Some(lo), 2),
                        super::format::rounded(Some(hi), 2)
                    ));
                }
                sentence.push('.');
            }
        }
        _ => sentence.push_str(&format!(
            "The change includes an unknown amount of regression to the mean (people referred at a low point tend to improve anyway); a population mean, SD and test-retest correlation for {outcome} under [norms.{outcome}] in belong.toml would size it."
        )),
    }
    sentence
}

/// What the programme cost, per person enrolled and per outcome.
fn costs_sentence(content: &ReportContent) -> Option<String> {
    let costs = content.settings.analysis.costs.as_ref()?;
    let currency = costs.currency.as_str();
    let money = |v: f64| super::format::money(currency, v);
    let programme = |stat: Stat| find(content, "", "costs", stat).and_then(|e| e.value);
    let mut sentence = format!("The programme cost {}", money(costs.total));
    if let Some(per_person) = programme(Stat::CostPerParticipant) {
        sentence.push_str(&format!(", {} per person enrolled", money(per_person)));
    }
    if let Some(per_session) = programme(Stat::CostPerAttendedSession) {
        sentence.push_str(&format!(" and {} per session attended", money(per_session)));
    }
    sentence.push('.');
    for outcome in &content.panel.outcomes {
        let id = outcome.outcome.id.as_str();
        // In the programme's group when there is a comparison group.
        let outcome_cost = |stat: Stat| {
            content.estimates.iter().find(|e| {
                e.outcome == id
                    && e.analysis == "costs"
                    && e.estimate == stat
                    && e.contrast == Contrast::None
                    && !e.suppressed
            })
        };
        match outcome_cost(Stat::CostPerReliableImprovement) {
            Some(e) => {
                if let Some(v) = e.value {
                    let (who, whom) = match e.group_by.as_str() {
                        "all" => (String::new(), "everyone with both scores".to_string()),
                        ARM_COLUMN => (
                            format!(
                                " in the {} arm",
                                content.settings.labels.level(ARM_COLUMN, &e.group)
                            ),
                            "everyone in that arm with both scores".to_string(),
                        ),
                        _ => (
                            format!(" among people who {}", e.group),
                            "everyone of them with both scores".to_string(),
                        ),
                    };
                    sentence.push_str(&format!(
                        " Each person{who} whose {id} improved reliably cost {}",
                        money(v)
                    ));
                    if let (Some(low), Some(high)) = (e.ci_low, e.ci_high) {
                        sentence.push_str(&format!(" (95% CI {} to {})", money(low), money(high)));
                    }
                    sentence.push_str(&format!(
                        ", counting {whom} who did not improve as not improved."
                    ));
                }
            }
            None if content.estimates.iter().any(|e| {
                e.outcome == id && e.estimate == Stat::CostPerReliableImprovement && e.suppressed
            }) =>
            {
                sentence.push_str(&format!(
                    " The cost per reliable improvement in {id} is suppressed: it would reveal a small count."
                ));
            }
            None => {}
        }
        if content.estimates.iter().any(|e| {
            e.outcome == id && e.estimate == Stat::CostPerAdditionalImprovement && e.suppressed
        }) {
            sentence.push_str(" The cost per improvement beyond the comparison group's is suppressed: it would reveal a small count.");
        }
        if let Some(e) = content.estimates.iter().find(|e| {
            e.outcome == id && e.estimate == Stat::CostPerAdditionalImprovement && !e.suppressed
        }) {
            if let Contrast::Levels { reference, .. } = &e.contrast {
                match e.value {
                    Some(v) => {
                        sentence.push_str(&format!(
                            " Counting only the improvements beyond those of the {reference} group, each cost {}",
                            money(v)
                        ));
                        match (e.ci_low, e.ci_high) {
                            (Some(low), Some(high)) => sentence.push_str(&format!(
                                " (95% CI {} to {}).",
                                money(low),
                                money(high)
                            )),
                            _ => sentence.push_str(" (the interval has no upper limit: the difference in improvement may be zero)."),
                        }
                    }
                    None => sentence.push_str(&format!(
                        " The programme group did not improve reliably more often than the {reference} group, so there is no cost per additional improvement."
                    )),
                }
            }
        }
        if let Some(value) = outcome_cost(Stat::ValueOfReliableImprovements).and_then(|e| e.value) {
            if let Some((per, source)) = &costs.value {
                sentence.push_str(&format!(
                    " At {} per reliable improvement ({source}), the improvements in {id} are worth {}.",
                    money(*per),
                    money(value)
                ));
            }
        }
    }
    Some(sentence)
}

/// Builds the story.
pub(crate) fn story(content: &ReportContent) -> Story {
    let registry = content.instruments;
    let waves = &content.panel.waves;
    let (baseline, followup) = (waves.baseline_name(), waves.followup_name());
    let mut story = Story::default();
    if let Some(sentence) = reach(content) {
        story.summary.push(sentence);
    }
    let design = Design::of(content.panel, &content.settings.analysis);
    story.summary.push(format!(
        "Design: {} (Maryland Scientific Methods Scale level {} of 5): {}.",
        design.name(),
        design.maryland_level(),
        design.reason()
    ));
    for outcome in &content.panel.outcomes {
        let id = outcome.outcome.id.as_str();
        let instrument = &registry[outcome.outcome.instrument];
        let label = match outcome.outcome.subscale {
            Some(k) => format!(
                "{}, {} subscale ({id})",
                instrument.name, instrument.subscales[k].name
            ),
            None => format!("{} ({id})", instrument.name),
        };
        if let Some(change) = find(content, id, "change", Stat::MeanChange) {
            let (Some(v), Some(lo), Some(hi)) = (change.value, change.ci_low, change.ci_high)
            else {
                continue;
            };
            let better = outcome.outcome.direction.improved(v);
            let (verb, a, b) = magnitude(v, lo, hi, "fell", "rose");
            let mut sentence = format!(
                "{label} {verb} by {} points on average (95% CI {a} to {b}) among the {} people{} who answered at {baseline} and {followup}",
                rounded(Some(v.abs()), 2),
                people_text(change),
                match design {
                    Design::Randomised(_) | Design::Comparison(_) => " of both arms",
                    Design::Attendance => ", attenders or not,",
                    Design::PrePost { .. } => "",
                }
            );
            sentence.push_str(if better {
                ", an improvement"
            } else {
                ", a change for the worse"
            });
            match find(content, id, "change", Stat::CohensDz)
                .filter(|e| !e.suppressed)
                .and_then(|e| e.value)
            {
                Some(d) => sentence.push_str(&format!(
                    " of {} size (Cohen's d_z = {:.2}; Cohen's 1988 conventions).",
                    super::format::cohen_size(d),
                    d.abs()
                )),
                None => sentence.push('.'),
            }
            if change.p_value.is_some_and(|p| p >= 0.05) {
                sentence.push_str(" The interval includes no change, so the data are also consistent with no effect.");
            }
            // Deterioration is reported beside improvement, always.
            if let Some(shares) = reliable_shares(content, id, "all", "all") {
                sentence.push_str(&format!(
                    " Counting only changes larger than measurement error, {shares}."
                ));
            }
            // The strongest comparison the design allows comes first.
            story.summary.extend(design_comparison(
                content,
                &design,
                id,
                outcome.outcome.direction,
                followup,
            ));
            story.summary.push(sentence);
            story.summary.push(regression_to_mean_sentence(
                content,
                id,
                outcome.outcome.direction,
            ));
            if let Some(sentence) = clustering_sentence(content, id, &design) {
                story.summary.push(sentence);
            }
            if let Some(sentence) = for_whom_sentence(content, id) {
                story.summary.push(sentence);
            }
            if let Some(sentence) = previous_sentence(content, id, outcome.outcome.direction) {
                story.summary.push(sentence);
            }
        }
        if let Some(mixed) = content.estimates.iter().find(|e| {
            e.outcome == id
                && e.analysis == "longitudinal"
                && e.group_by == "all"
                && e.wave == followup
                && e.estimate == Stat::WaveEffect
        }) {
            if let (Some(v), Some(lo), Some(hi), false) =
                (mixed.value, mixed.ci_low, mixed.ci_high, mixed.suppressed)
            {
                let (verb, a, b) = magnitude(v, lo, hi, "fell", "rose");
                story.summary.push(format!(
                    "Using everyone who answered at least once ({} people), the mixed model estimates that {id} {verb} by {} points from {baseline} to {followup} (95% CI {a} to {b}).",
                    people_text(mixed),
                    rounded(Some(v.abs()), 2),
                ));
            }
        }
        let direction = match instrument.direction {
            Direction::HigherIsWorse => "higher scores mean more loneliness",
            Direction::HigherIsBetter => "higher scores are better",
        };
        if outcome.outcome.subscale.is_none() {
            let missing = match instrument.max_missing {
                0 => "A total needs every item answered.".to_string(),
                k => format!("With up to {k} item(s) missing the total is prorated (mean of answered items × number of items)."),
            };
            let range = if instrument.score_min.is_finite() && instrument.score_max.is_finite() {
                format!("range {}–{}", instrument.score_min, instrument.score_max)
            } else {
                "no fixed range".to_string()
            };
            let missing = if instrument.item_count() == 0 {
                "Totals are used as given.".to_string()
            } else {
                missing
            };
            story.methods.push(format!(
                "{label}: {}; {range}, {direction}. {missing} Source: {}.",
                instrument.scoring, instrument.source
            ));
            if let Some(caseness) = &instrument.caseness {
                story
                    .methods
                    .push(format!("Caseness for {id}: {}.", caseness.source));
            }
        }
        if let Some(rc) = find(content, id, "reliable_change", Stat::RcThreshold) {
            // The reliability the threshold uses, beside the internal
            // consistency these data show.
            let alpha = find(content, id, "reliability", Stat::CronbachAlpha)
                .filter(|e| !e.suppressed)
                .and_then(|e| {
                    let interval = match (e.ci_low, e.ci_high) {
                        (Some(low), Some(high)) => format!(
                            " (95% CI {} to {})",
                            rounded(Some(low), 2),
                            rounded(Some(high), 2)
                        ),
                        _ => String::new(),
                    };
                    Some(format!(
                        " Cronbach's alpha in these data at baseline: {}{interval}, {} people with every item.",
                        rounded(Some(e.value?), 2),
                        e.n
                    ))
                })
                .unwrap_or_default();
            story.methods.push(format!(
                "Reliable change for {id}: a change larger than {} points ({}), with SD of all baseline scores.{alpha}",
                rounded(rc.value, 2),
                rc.method
            ));
        }
        if let Some(attrition) =
            find(content, id, "attrition", Stat::PctCompleted).and_then(|e| e.value)
        {
            if attrition < 100.0 {
                let mut text = format!(
                    "{:.0}% of people with a {id} score at {baseline} answered at {followup}; the change analyses use only them.",
                    attrition
                );
                if let Some(difference) = find(content, id, "attrition", Stat::BaselineDifference) {
                    if let (Some(v), Some(p)) = (difference.value, difference.p_value) {
                        let direction = if v > 0.0 { "higher" } else { "lower" };
                        text.push_str(&format!(
                            " Non-completers started {} points {direction} ({}){}",
                            rounded(Some(v.abs()), 2),
                            super::format::p_phrase(p),
                            if p < 0.05 {
                                ", so completers are not representative of everyone who started."
                            } else {
                                "."
                            }
                        ));
                    }
                }
                story.limitations.push(text);
            }
        }
    }
    if let Some(sentence) = costs_sentence(content) {
        story.summary.push(sentence);
    }
    let wilcoxon_exact = content
        .estimates
        .iter()
        .any(|e| e.estimate == Stat::WilcoxonV && e.method.contains("exact"));
    story.methods.push(format!(
        "Change is {followup} minus {baseline} among people with both scores: paired t-test with its 95% CI; Wilcoxon signed-rank test ({}); Cohen's d_z and Hedges' g_z with exact noncentral-t intervals (standardised by the spread of change, the usual choice for pre/post designs); d_av (standardised by the average spread of the two waves, comparable with between-group effects) with a BCa bootstrap interval (B = {}, seed {}); the matched-pairs rank-biserial correlation.",
        if wilcoxon_exact { "exact where there are fewer than 50 non-zero differences without ties, else the normal approximation with continuity and tie corrections" } else { "normal approximation with continuity and tie corrections" },
        content.settings.bootstrap_b,
        content.settings.seed
    ));
    story.methods.push("p-values are adjusted with Holm's method across the groups of each grouping column (cohort, site, arm); the unadjusted p-value is shown beside it.".into());
    if content
        .estimates
        .iter()
        .any(|e| e.analysis == "longitudinal")
    {
        story.methods.push("With three or more waves, a linear mixed model with a random intercept per participant (REML, Satterthwaite degrees of freedom, as lmerTest) uses every answer given, not only completers.".into());
        story.methods.push("A completers-only analysis drops everyone who missed the follow-up; the mixed model uses every answer given, assuming that missing follow-ups are explained by what was observed (missing at random). The sensitivity table sets the two side by side with how much of each group completed and whether non-completers started out different: if the two disagree, attrition matters.".into());
    }
    story.methods.push("Charts of scores, change and attendance show people per band, never a single person's answers; the pre/post chart counts pairs per band of baseline and follow-up score. Dose-response points are mean change within each dose band (one-sample t interval) and the dashed line is the slope of change on sessions adjusted for the baseline score (lm(d ~ sessions + b)), drawn through the mean sessions and mean change of the pairs.".into());
    match content.settings.disclosure {
        _ if content.settings.min_cell == 0 => {}
        crate::disclosure::Method::Suppress => story.methods.push(format!(
            "To protect participants, any estimate based on fewer than {m} people and any count below {m} is suppressed (shown as [c] whatever the reason, so that the marker cannot tell which cell is the small one; in charts as an outline, \"withheld\" or left out), together with further cells wherever a total would reveal it: the categories of one group, the bands of a distribution, and the groups of one column, repeated until no suppressed cell can be found by subtraction.",
            m = content.settings.min_cell
        )),
        crate::disclosure::Method::Round => story.methods.push(format!(
            "To protect participants, any estimate based on fewer than {m} people and any count below {m} is suppressed (shown as [c] whatever the reason; in charts as an outline, \"withheld\" or left out), and every other count of people is rounded to the nearest {base}, as official statistics do: percentages, and their intervals, are computed from the rounded counts, so a count and its percentage agree. Rounding leaves a suppressed count uncertain when the others of its group are subtracted from the total; a further cell is suppressed only where that would still narrow it to fewer than {candidates} possible values. Counts of none or all of a group are shown as they are. The number of people each estimate rests on (n), and means, tests, models and costs, are computed from the exact data.",
            m = content.settings.min_cell,
            base = crate::disclosure::ROUNDING_BASE,
            candidates = crate::disclosure::ROUND_CANDIDATES,
        )),
    }
    if !content.panel.free_text.is_empty() {
        story.methods.push(format!(
            "Free text is left out of every output: the participant {} {} held sentences, not categories, and free text can say anything about anyone. To analyse such a column, code it into a few categories first.",
            if content.panel.free_text.len() == 1 { "column" } else { "columns" },
            content
                .panel
                .free_text
                .iter()
                .map(|c| format!("\"{c}\""))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if !content.panel.surplus.is_empty() {
        story.methods.push(format!(
            "The participants table has more columns than a report can describe: the first {} characteristics are described and tested, and {} further {} ({}) are left out of every table and test.",
            crate::panel::MAX_CHARACTERISTICS,
            super::format::count(content.panel.surplus.len()),
            if content.panel.surplus.len() == 1 { "column" } else { "columns" },
            crate::ingest::shown_columns(&content.panel.surplus)
        ));
    }
    for pooled in &content.panel.pooled {
        if !pooled.merged_bands.is_empty() {
            story.methods.push(format!(
                "In the column \"{}\", {} held fewer than {m} people each ({} people in all); each is merged with the bands beside it (shown as {}), so that no band describes fewer than {m} people.",
                pooled.column,
                if pooled.levels == 1 { "1 band".to_string() } else { format!("{} bands", pooled.levels) },
                pooled.people,
                pooled.merged_bands.iter().map(|b| format!("\"{b}\"")).collect::<Vec<_>>().join(", "),
                m = content.settings.min_cell
            ));
            continue;
        }
        story.methods.push(format!(
            "In the column \"{}\", {} held fewer than {m} people each ({} people in all); they are shown together as \"{}\", so that a label that could name someone (a key worker, a street, a client reference) is not published.",
            pooled.column,
            if pooled.levels == 1 { "1 value".to_string() } else { format!("{} values", pooled.levels) },
            pooled.people,
            crate::panel::pooled_label(content.settings.min_cell),
            m = content.settings.min_cell
        ));
    }
    story.methods.push(design_method(content, &design));
    story.methods.push(
        match crate::analysis::design::clusters(content.panel, &content.settings.analysis) {
            Some((column, _)) => format!(
                "Clustering: people served together (the participant column \"{column}\") are not independent. The mean change and each comparison are also given with CR2 cluster-robust standard errors and Satterthwaite degrees of freedom (Bell & McCaffrey 2002; Pustejovsky & Tipton 2018), as clubSandwich::coef_test(vcov = \"CR2\") gives; the intra-cluster correlation of change is from a random-intercept model, lmer(change ~ 1 + (1 | {column})) by REML, and the design effect is 1 + (mean cluster size − 1) × ICC. People with no {column} recorded are left out of these estimates. With three or more waves the mixed model gains a random intercept per {column}, with participants nested in it: lmer(score ~ wave (* arm) + (1 | {column}) + (1 | {column}:participant)), Satterthwaite df as lmerTest. The propensity-weighted and matched comparisons and the dose-response slope are also given with CR2 errors on the {column}s (a weighted fit with the weights in the adjustment, as clubSandwich treats a weighted lm)."
            ),
            None => "Clustering: not allowed for. If people took part in groups (peer circles, classes, shared tables), people in one group are not independent and the p-values here are too small; name the participant column of groups with cluster = \"COLUMN\" in belong.toml.".into(),
        },
    );
    story.limitations.extend(clustering_limitations(content));
    story.limitations.push(match &design {
        Design::PrePost { .. } => "There is no comparison group, so the change cannot be attributed to the program: scores of people who join when they feel worst tend to improve anyway (regression to the mean).".into(),
        Design::Randomised(_) => "Randomisation makes the arms alike only on average: with small arms, or when people were lost to follow-up unequally, they may still differ.".into(),
        Design::Comparison(_) => "The arms were not randomised: the baseline adjustment and the propensity weights balance what was measured, not what was not.".into(),
        Design::Attendance => "Attending was a choice: the comparison with people who never attended balances what was measured, not motivation, health or circumstances that were not.".into(),
    });
    let suppressed = content.estimates.iter().filter(|e| e.suppressed).count();
    if suppressed > 0 {
        story.limitations.push(format!(
            "{suppressed} estimates for small groups are suppressed; small groups also give wide intervals."
        ));
    }
    story
}
