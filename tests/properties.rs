//! Invariants of the analyses on random panels: p-values are probabilities,
//! intervals contain their estimates, Holm never lowers a p-value, and
//! swapping baseline and follow-up flips the signed effects.

use belong::analysis::{run, AnalysisOptions};
use belong::estimate::{Estimate, Stat};
use belong::instruments::{builtin, Direction};
use belong::panel::{Panel, PanelOutcome};
use belong::score::Outcome;
use belong::waves::WaveOrder;
use proptest::prelude::*;

fn panel(
    baseline: &[Option<f64>],
    followup: &[Option<f64>],
    sites: &[u8],
    sessions: &[u32],
) -> Panel {
    let n = baseline.len();
    Panel {
        participant_id: (0..n).map(|i| format!("P{i:04}")).collect(),
        groups: vec![(
            "site".into(),
            sites.iter().map(|s| Some(format!("site{s}"))).collect(),
        )],
        covariates: vec![],
        waves: WaveOrder {
            waves: vec!["baseline".into(), "week12".into()],
            baseline: 0,
            followup: 1,
        },
        outcomes: vec![PanelOutcome {
            outcome: Outcome {
                id: "ucla3".into(),
                instrument: 0,
                subscale: None,
                direction: Direction::HigherIsWorse,
            },
            scores: vec![baseline.to_vec(), followup.to_vec()],
            baseline_items: None,
        }],
        sessions: Some(sessions.to_vec()),
        group_sessions: Some(sessions.to_vec()),
        activity_sessions: vec![],
        activity_weeks: vec![],
        pooled: vec![],
        free_text: vec![],
        surplus: vec![],
    }
}

fn options() -> AnalysisOptions {
    AnalysisOptions {
        bootstrap_resamples: 200,
        ..AnalysisOptions::default()
    }
}

fn find<'a>(rows: &'a [Estimate], group: &str, estimate: Stat) -> Option<&'a Estimate> {
    rows.iter()
        .find(|e| e.analysis == "change" && e.group == group && e.estimate == estimate)
}

fn score() -> impl Strategy<Value = Option<f64>> {
    prop_oneof![1 => Just(None), 6 => (3u8..=9).prop_map(|v| Some(f64::from(v)))]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn estimates_are_well_formed(
        rows in proptest::collection::vec((score(), score(), 0u8..3, 0u32..20), 2..60)
    ) {
        let baseline: Vec<_> = rows.iter().map(|r| r.0).collect();
        let followup: Vec<_> = rows.iter().map(|r| r.1).collect();
        let sites: Vec<_> = rows.iter().map(|r| r.2).collect();
        let sessions: Vec<_> = rows.iter().map(|r| r.3).collect();
        let estimates = run(&panel(&baseline, &followup, &sites, &sessions), &builtin(), &options());
        for e in &estimates {
            for value in [e.value, e.ci_low, e.ci_high, e.se, e.df, e.p_value, e.p_adjusted].into_iter().flatten() {
                prop_assert!(value.is_finite(), "{e:?}");
            }
            if let Some(p) = e.p_value {
                prop_assert!((0.0..=1.0).contains(&p), "{e:?}");
                let adjusted = e.p_adjusted.expect("every p has an adjusted p");
                prop_assert!((0.0..=1.0).contains(&adjusted) && adjusted >= p, "{e:?}");
            }
            if let (Some(v), Some(lo), Some(hi)) = (e.value, e.ci_low, e.ci_high) {
                let slack = 1e-9 * v.abs().max(1.0);
                prop_assert!(lo <= v + slack && v <= hi + slack, "{e:?}");
            }
        }
    }

    #[test]
    fn swapping_waves_flips_signed_effects(
        rows in proptest::collection::vec(((3u8..=9), (3u8..=9)), 3..40)
    ) {
        let baseline: Vec<_> = rows.iter().map(|r| Some(f64::from(r.0))).collect();
        let followup: Vec<_> = rows.iter().map(|r| Some(f64::from(r.1))).collect();
        let sites = vec![0u8; rows.len()];
        let sessions = vec![1u32; rows.len()];
        let forward = run(&panel(&baseline, &followup, &sites, &sessions), &builtin(), &options());
        let backward = run(&panel(&followup, &baseline, &sites, &sessions), &builtin(), &options());
        for name in [Stat::MeanChange, Stat::CohensDz, Stat::RankBiserial] {
            let (Some(a), Some(b)) = (find(&forward, "all", name), find(&backward, "all", name)) else {
                continue;
            };
            let (Some(va), Some(vb)) = (a.value, b.value) else { continue };
            prop_assert!((va + vb).abs() <= 1e-12 * va.abs().max(1.0), "{name}: {va} vs {vb}");
            if let (Some(lo), Some(hi)) = (a.ci_low, b.ci_high) {
                prop_assert!((lo + hi).abs() <= 1e-9 * lo.abs().max(1.0), "{name} CI: {lo} vs {hi}");
            }
        }
    }
}

#[test]
fn no_change_at_all_gives_r_s_undefined_results() {
    // R: wilcox.test(x, x, paired = TRUE) gives V = 0 and p = NA; lm on a
    // constant outcome has no test.
    let scores: Vec<Option<f64>> = (0..30).map(|i| Some(f64::from(3 + i % 7))).collect();
    let sites: Vec<u8> = (0..30).map(|i| (i % 2) as u8).collect();
    let sessions: Vec<u32> = (0..30).map(|i| i % 9).collect();
    let rows = run(
        &panel(&scores, &scores, &sites, &sessions),
        &builtin(),
        &options(),
    );
    let v = find(&rows, "all", Stat::WilcoxonV).expect("a Wilcoxon row");
    assert_eq!(v.value, Some(0.0));
    assert_eq!(v.p_value, None);
    let slope = rows
        .iter()
        .find(|e| e.estimate == Stat::SlopePerSession && e.group == "all")
        .expect("a slope row");
    assert_eq!(slope.p_value, None, "{slope:?}");
    assert!(slope.method.contains("undefined"), "{slope:?}");
}
