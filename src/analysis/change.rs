//! `change`: paired change from baseline to follow-up over the group's
//! participants with both scores ("pairs"), with the paired t-test, the
//! Wilcoxon signed-rank test and standardised effect sizes.

use super::Cell;
use crate::estimate::{Estimate, Stat};
use crate::stats::bootstrap::{bca, PairedDav};
use crate::stats::descriptive::{mean, median, standard_deviation};
use crate::stats::effect_size::{cohens_dz, d_av, d_rm, g_av, hedges_gz, rank_biserial};
use crate::stats::ttest::one_sample;
use crate::stats::wilcoxon::{signed_rank, WilcoxonMethod};

pub(crate) fn change(cell: &Cell) -> Vec<Estimate> {
    let waves = &cell.panel.waves;
    let pairs = cell.pairs();
    let (baseline, followup, differences) = (&pairs.baseline, &pairs.followup, &pairs.change);
    let n = differences.len();
    let place = cell.place("change", waves.followup_name());
    let mut rows = vec![place.row(Stat::NPairs, Some(n as f64), n, "count")];
    if n == 0 {
        return rows;
    }
    rows.push(place.row(Stat::MeanBaseline, mean(baseline), n, "mean over pairs"));
    rows.push(place.row(Stat::MeanFollowup, mean(followup), n, "mean over pairs"));
    for (name, values) in [(Stat::SdBaseline, baseline), (Stat::SdFollowup, followup)] {
        rows.push(match standard_deviation(values) {
            Some(sd) => place.row(name, Some(sd), n, "sd over pairs"),
            None => place.row(name, None, n, "sd over pairs; undefined for one pair"),
        });
    }

    let undefined_t = if n < 2 {
        "paired t-test; undefined for one pair"
    } else {
        "paired t-test; undefined: every pair changed by the same amount"
    };
    match one_sample(differences) {
        Some(test) => {
            rows.push(
                place
                    .row(Stat::MeanChange, Some(test.estimate), n, "paired t-test")
                    .with_test(&test),
            );
            rows.push(
                place
                    .row(Stat::TStatistic, Some(test.t), n, "paired t-test")
                    .with_df(test.df)
                    .with_p(test.p_value),
            );
        }
        None => {
            rows.push(place.row(Stat::MeanChange, mean(differences), n, undefined_t));
            rows.push(place.row(Stat::TStatistic, None, n, undefined_t));
        }
    }
    rows.push(place.row(
        Stat::MedianChange,
        median(differences),
        n,
        "median of differences",
    ));

    let signed = signed_rank(differences);
    rows.push(match &signed {
        Some(test) => {
            let method = match test.method {
                WilcoxonMethod::Exact => "Wilcoxon signed-rank (exact)",
                WilcoxonMethod::NormalApproximation => {
                    "Wilcoxon signed-rank (normal approximation, continuity and tie correction)"
                }
            };
            place
                .row(Stat::WilcoxonV, Some(test.v), n, method)
                .with_p(test.p_value)
        }
        // As R's wilcox.test: V = 0 with no p-value.
        None => place.row(
            Stat::WilcoxonV,
            (!differences.is_empty()).then_some(0.0),
            n,
            "Wilcoxon signed-rank; p undefined: every difference is zero",
        ),
    });

    let dz = cohens_dz(differences);
    rows.push(match &dz {
        Some(dz) => place
            .row(
                Stat::CohensDz,
                Some(dz.value),
                n,
                "Cohen's d_z, noncentral t CI",
            )
            .with_ci(dz.ci),
        None => place.row(
            Stat::CohensDz,
            None,
            n,
            "Cohen's d_z; undefined: the differences have no spread",
        ),
    });
    let gz = dz.as_ref().and_then(|dz| hedges_gz(dz, n));
    rows.push(match gz {
        Some(gz) => place
            .row(
                Stat::HedgesGz,
                Some(gz.value),
                n,
                "Hedges' g_z, noncentral t CI",
            )
            .with_ci(gz.ci),
        None => place.row(
            Stat::HedgesGz,
            None,
            n,
            "Hedges' g_z; undefined: needs three pairs and spread in the differences",
        ),
    });
    let mut dav_interval = None;
    rows.push(match d_av(baseline, followup) {
        Some(value) => {
            let resamples = cell.options.bootstrap_resamples;
            let interval = bca(
                &PairedDav::new(baseline, followup),
                value,
                resamples,
                cell.seed(),
            );
            let method = match &interval {
                Some(_) => format!("d_av (Lakens 2013), BCa bootstrap CI (B = {resamples})"),
                None => "d_av (Lakens 2013); no bootstrap CI: too few distinct pairs".to_string(),
            };
            let ci = interval.map(|i| (i.low, i.high));
            dav_interval = Some((value, ci));
            place.row(Stat::DAv, Some(value), n, method).with_ci(ci)
        }
        None => place.row(
            Stat::DAv,
            None,
            n,
            "d_av (Lakens 2013); undefined: no spread in the scores",
        ),
    });
    rows.push(
        match dav_interval.and_then(|(value, ci)| g_av(value, ci, n)) {
            Some(g) => place
                .row(
                    Stat::GAv,
                    Some(g.value),
                    n,
                    "g_av: d_av × J(n − 1) (Hedges' correction), d_av's interval × J",
                )
                .with_ci(g.ci),
            None => place.row(
                Stat::GAv,
                None,
                n,
                "g_av; undefined: needs d_av and three pairs",
            ),
        },
    );
    rows.push(
        match dz.as_ref().and_then(|dz| d_rm(dz, baseline, followup)) {
            Some(d) => place
                .row(
                    Stat::DRm,
                    Some(d.value),
                    n,
                    "d_rm (Lakens 2013): d_z × √(2(1 − r)); d_z's noncentral t CI × the same factor, r taken as known",
                )
                .with_ci(d.ci),
            None => place.row(
                Stat::DRm,
                None,
                n,
                "d_rm; undefined: needs d_z and a baseline-follow-up correlation",
            ),
        },
    );
    let biserial = signed
        .as_ref()
        .and_then(|test| rank_biserial(test.v, test.v_negative, test.non_zero));
    rows.push(match biserial {
        Some(r) => place
            .row(
                Stat::RankBiserial,
                Some(r.value),
                n,
                "matched-pairs rank-biserial, Fisher z CI",
            )
            .with_ci(r.ci),
        None => place.row(
            Stat::RankBiserial,
            None,
            n,
            "matched-pairs rank-biserial; undefined: every difference is zero",
        ),
    });
    let direction = cell.outcome.outcome.direction;
    let improved = differences
        .iter()
        .filter(|d| direction.improved(**d))
        .count();
    rows.push(place.row(
        Stat::PctImproved,
        Some(100.0 * improved as f64 / n as f64),
        n,
        "percent of pairs improved",
    ));
    // Worse is reported as readily as better.
    let worsened = differences
        .iter()
        .filter(|d| **d != 0.0 && !direction.improved(**d))
        .count();
    rows.push(place.row(
        Stat::PctWorsened,
        Some(100.0 * worsened as f64 / n as f64),
        n,
        "percent of pairs worse at follow-up",
    ));
    rows
}
