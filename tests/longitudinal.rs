//! Estimated wave means of the mixed model against `lmerTest::contest`
//! (R 4.2, lmerTest from Debian), on the djg11 three-wave fixture:
//! `contest(lmer(score ~ wave + (1 | participant_id)), L = rbind(c(1,0,0),
//! c(1,1,0), c(1,0,1)), joint = FALSE)`.

mod common;

use common::{fixture, read_csv, report_of};

#[test]
fn wave_means_match_lmertest() {
    let expected = [
        (
            "baseline",
            6.72404924158617,
            0.194102817440424,
            466.554687069330,
        ),
        (
            "week12",
            5.53714035527744,
            0.216588217810941,
            571.187397692176,
        ),
        (
            "month6",
            5.21854223998611,
            0.221890263164127,
            595.443502520897,
        ),
    ];
    let (_temp, out) = report_of(fixture("djg11-three-waves"));
    let rows = read_csv(&out.join("estimates.csv"));
    for (wave, estimate, se, df) in expected {
        let row = rows
            .iter()
            .find(|r| {
                r["outcome"] == "djg11"
                    && r["group"] == "all"
                    && r["estimate"] == "wave_mean"
                    && r["wave"] == wave
            })
            .unwrap_or_else(|| panic!("no wave_mean for {wave}"));
        let close = |column: &str, expected: f64, tolerance: f64| {
            let actual: f64 = row[column].parse().unwrap();
            assert!(
                (actual - expected).abs() <= tolerance * expected.abs(),
                "{wave} {column}: {actual} vs R {expected}"
            );
        };
        close("value", estimate, 1e-6);
        close("se", se, 1e-6);
        close("df", df, 1e-4);
        assert_eq!(row["p_value"], "", "no test of mean = 0");
    }
    // The mixed model is in every output, not only index.html.
    let table = read_csv(&out.join("tables/longitudinal.csv"));
    assert!(table
        .iter()
        .any(|r| r["estimate"] == "estimated mean (mixed model)" && r["wave"] == "month6"));
    let sensitivity = read_csv(&out.join("tables/longitudinal_sensitivity.csv"));
    assert!(sensitivity.iter().any(|r| r["group"] == "all"));
    for chart in ["longitudinal_djg11.svg", "longitudinal_djg11.png"] {
        assert!(out.join("charts").join(chart).is_file(), "{chart}");
    }
    let markdown = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(markdown.contains("## Over all waves (mixed model)"));
    assert!(markdown.contains("charts/longitudinal_djg11.png"));
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(html.contains("<section id=\"longitudinal\">"));
}

#[test]
fn two_waves_write_no_longitudinal_tables() {
    let (_temp, out) = report_of(fixture("tiny-ucla3"));
    assert!(!out.join("tables/longitudinal.csv").exists());
    assert!(!out.join("charts/longitudinal_ucla3.svg").exists());
}

/// Variance components and ICC of the wave model against lme4
/// (`tests/oracle/longitudinal_variances.R`, R 4.2.2, lme4 1.1.31 with a
/// tight optimiser). The REML criterion is flat to 1e-12 near its optimum,
/// so both optimisers agree on the variances to about 1e-7.
#[test]
fn variance_components_and_icc_match_lme4() {
    let expected = read_csv(&fixture("djg11-three-waves").join("expected/variances.csv"));
    let (_temp, out) = report_of(fixture("djg11-three-waves"));
    let rows = read_csv(&out.join("estimates.csv"));
    assert_eq!(expected.len(), 3);
    for want in &expected {
        for stat in [
            "variance_participants",
            "variance_residual",
            "icc_participants",
        ] {
            let row = rows
                .iter()
                .find(|r| {
                    r["analysis"] == "longitudinal"
                        && r["group_by"] == want["group_by"]
                        && r["group"] == want["group"]
                        && r["estimate"] == stat
                })
                .unwrap_or_else(|| panic!("no {stat} for {}", want["group"]));
            let actual: f64 = row["value"].parse().unwrap();
            let r: f64 = want[stat].parse().unwrap();
            assert!(
                (actual - r).abs() <= 1e-7 * r.abs(),
                "{} {stat}: {actual} vs R {r}",
                want["group"]
            );
            assert_eq!(row["n"], want["participants"]);
        }
    }
    // The components are in the model table of every output.
    let table = read_csv(&out.join("tables/longitudinal.csv"));
    // Tables say what each statistic is; estimates.csv keeps the names.
    assert!(table
        .iter()
        .any(|r| r["estimate"] == "ICC: share of variance between people"));
    let markdown = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(markdown.contains("ICC: share of variance between people"));
}
