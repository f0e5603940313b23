//! NIST StRD accuracy: univariate summaries, one-way ANOVA and linear
//! regression against NIST's certified values, as log relative errors
//! (LRE, digits of agreement). Writes docs/accuracy.md — generated here,
//! never typed — and fails when a figure falls below its requirement:
//! min(R 4.2's LRE, 13), and LRE ≥ 7 on Filip.

mod common;

use belong::stats::anova::one_way;
use belong::stats::descriptive::{autocorrelation_lag1, mean, standard_deviation};
use belong::stats::regression::ols;
use std::fmt::Write as _;
use std::path::Path;

fn lines(folder: &str, name: &str) -> Vec<String> {
    let path = common::reference("nist-strd")
        .join(folder)
        .join(format!("{name}.dat"));
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(str::to_string)
        .collect()
}

/// The number ending the first line that contains `label` and ends in a number.
fn certified(lines: &[String], label: &str) -> f64 {
    lines
        .iter()
        .filter(|l| l.contains(label))
        .find_map(|l| l.split_whitespace().last()?.parse().ok())
        .unwrap_or_else(|| panic!("no certified {label}"))
}

/// Digits of agreement, capped at 15 (the certified values' precision).
fn lre(computed: f64, certified: f64) -> f64 {
    let error = if certified == 0.0 {
        computed.abs()
    } else {
        ((computed - certified) / certified).abs()
    };
    if error == 0.0 {
        15.0
    } else {
        (-error.log10()).clamp(0.0, 15.0)
    }
}

fn data_rows(lines: &[String], first_line: usize) -> Vec<Vec<f64>> {
    lines[first_line - 1..]
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split_whitespace().map(|t| t.parse().unwrap()).collect())
        .collect()
}

struct Check {
    section: &'static str,
    dataset: String,
    statistic: &'static str,
    lre: f64,
    r_lre: Option<f64>,
    required: f64,
    note: String,
}

fn univariate(checks: &mut Vec<Check>) {
    let r_sd = |name: &str| match name {
        "Mavro" => 13.1,
        "Michelso" => 13.8,
        "NumAcc3" => 9.5,
        "NumAcc4" => 8.3,
        _ => 15.0,
    };
    for name in [
        "PiDigits", "Lottery", "Lew", "Mavro", "Michelso", "NumAcc1", "NumAcc2", "NumAcc3",
        "NumAcc4",
    ] {
        let lines = lines("univariate", name);
        let dashes = lines
            .iter()
            .position(|l| !l.trim().is_empty() && l.trim().chars().all(|c| c == '-'))
            .unwrap();
        let y: Vec<f64> = data_rows(&lines, dashes + 2)
            .into_iter()
            .map(|r| r[0])
            .collect();
        let figures = [
            (
                "mean",
                mean(&y).unwrap(),
                certified(&lines, "ybar:"),
                Some(15.0),
            ),
            (
                "sd",
                standard_deviation(&y).unwrap(),
                certified(&lines, " s:"),
                Some(r_sd(name)),
            ),
            (
                "lag-1 autocorrelation",
                autocorrelation_lag1(&y).unwrap(),
                certified(&lines, "r(1):"),
                None,
            ),
        ];
        let exact_sd = exact_sum_of_squares(&y, &y).map(|ss| (ss / (y.len() as f64 - 1.0)).sqrt());
        for (statistic, computed, value, r_lre) in figures {
            let bound_lre = (statistic == "sd")
                .then(|| exact_sd.map(|b| lre(b, value)))
                .flatten();
            checks.push(Check {
                section: "Univariate summary statistics",
                dataset: name.to_string(),
                statistic,
                lre: lre(computed, value),
                r_lre,
                required: r_lre.map_or(9.0, |r: f64| requirement(r, bound_lre)),
                note: bound_lre
                    .filter(|b| *b < 15.0)
                    .map(|b| format!("double-precision input allows {b:.1}"))
                    .unwrap_or_default(),
            });
        }
    }
}

/// F and R² computed exactly from the double-rounded inputs: what any
/// double-precision program could at best report. Values are scaled to
/// integers at their finest binary exponent and summed in i128.
/// Σ(x − x̄)² over `subset` computed exactly from double inputs (`all` sets the scale): values are scaled to
/// integers at their finest binary exponent and summed in i128, leaving a
/// single rounding. `None` when the range does not fit.
fn exact_sum_of_squares(all: &[f64], subset: &[f64]) -> Option<f64> {
    let finest = all
        .iter()
        .filter(|v| **v != 0.0)
        .map(|v| {
            let bits = v.to_bits();
            let exponent = ((bits >> 52) & 0x7ff) as i32 - 1075;
            let mantissa = bits & ((1u64 << 52) - 1);
            exponent + mantissa.trailing_zeros().min(52) as i32
        })
        .min()?;
    let scale = 2f64.powi(-finest);
    let origin = (all[0] * scale) as i128;
    let integer = |v: f64| -> Option<i128> {
        let scaled = v * scale;
        (scaled.abs() < 9.0e15 * 64.0).then_some(scaled as i128 - origin)
    };
    // SS = (n Σx² − (Σx)²)/n as an exact rational.
    let ints: Vec<i128> = subset.iter().map(|v| integer(*v)).collect::<Option<_>>()?;
    let n = ints.len() as i128;
    let s1: i128 = ints.iter().sum();
    let s2: i128 = ints.iter().map(|x| x * x).sum();
    Some((n * s2 - s1 * s1) as f64 / n as f64 / (scale * scale))
}

fn anova_input_bound(groups: &[Vec<f64>]) -> Option<(f64, f64)> {
    let all: Vec<f64> = groups.iter().flatten().copied().collect();
    let total = exact_sum_of_squares(&all, &all)?;
    let within: f64 = groups
        .iter()
        .map(|g| exact_sum_of_squares(&all, g))
        .sum::<Option<f64>>()?;
    let between = total - within;
    let k = groups.len() as f64;
    let n = all.len() as f64;
    Some(((between / (k - 1.0)) / (within / (n - k)), between / total))
}

/// Where the digits that the double-rounded input allows are known, belong
/// must reach them (within 0.1, at most 13): that beats R wherever R falls
/// short of the input's own limit (SmLs07–09). Otherwise min(R's LRE, 13).
fn requirement(r_lre: f64, bound_lre: Option<f64>) -> f64 {
    match bound_lre {
        Some(bound) => (bound - 0.1).min(13.0),
        None => r_lre.min(13.0),
    }
}

fn anova(checks: &mut Vec<Check>) {
    let r = |name: &str| -> (f64, f64) {
        match name {
            "AtmWtAg" => (9.7, 9.9),
            "SiRstv" => (13.3, 13.5),
            "SmLs01" | "SmLs02" | "SmLs03" => (13.3, 15.0),
            "SmLs04" | "SmLs05" | "SmLs06" => (10.2, 9.6),
            "SmLs07" => (4.6, 3.6),
            "SmLs08" => (2.7, 3.8),
            _ => (0.2, 1.4),
        }
    };
    for name in [
        "SiRstv", "SmLs01", "SmLs02", "SmLs03", "AtmWtAg", "SmLs04", "SmLs05", "SmLs06", "SmLs07",
        "SmLs08", "SmLs09",
    ] {
        let lines = lines("anova", name);
        let rows = data_rows(&lines, 61);
        let mut labels: Vec<i64> = rows.iter().map(|r| r[0] as i64).collect();
        labels.sort();
        labels.dedup();
        let groups: Vec<Vec<f64>> = labels
            .iter()
            .map(|label| {
                rows.iter()
                    .filter(|r| r[0] as i64 == *label)
                    .map(|r| r[1])
                    .collect()
            })
            .collect();
        let slices: Vec<&[f64]> = groups.iter().map(Vec::as_slice).collect();
        let table = one_way(&slices).unwrap();
        let certified_f = certified(&lines, "Between ");
        let certified_r2 = certified(&lines, "Certified R-Squared");
        let bound = anova_input_bound(&groups);
        let (r_f, r_r2) = r(name);
        for (statistic, computed, value, r_lre, bound_value) in [
            ("F", table.f, certified_f, r_f, bound.map(|b| b.0)),
            (
                "R²",
                table.r_squared,
                certified_r2,
                r_r2,
                bound.map(|b| b.1),
            ),
        ] {
            let bound_lre = bound_value.map(|b| lre(b, value));
            let required = requirement(r_lre, bound_lre);
            checks.push(Check {
                section: "One-way ANOVA",
                dataset: name.to_string(),
                statistic,
                lre: lre(computed, value),
                r_lre: Some(r_lre),
                required,
                note: bound_lre
                    .map(|b| format!("double-precision input allows {b:.1}"))
                    .unwrap_or_default(),
            });
        }
    }
}

fn regression(checks: &mut Vec<Check>) {
    let cases: [(&str, f64); 11] = [
        ("Norris", 12.5),
        ("Pontius", 12.7),
        ("NoInt1", 14.7),
        ("NoInt2", 15.0),
        ("Filip", f64::NAN),
        ("Longley", 13.0),
        ("Wampler1", 9.8),
        ("Wampler2", 13.6),
        ("Wampler3", 9.3),
        ("Wampler4", 7.5),
        ("Wampler5", 5.5),
    ];
    for (name, r_lre) in cases {
        let lines = lines("regression", name);
        let parameters: Vec<(usize, f64, f64)> = lines
            .iter()
            .filter_map(|l| {
                let tokens: Vec<&str> = l.split_whitespace().collect();
                let index = tokens.first()?.strip_prefix('B')?.parse().ok()?;
                Some((
                    index,
                    tokens.get(1)?.parse().ok()?,
                    tokens.get(2)?.parse().ok()?,
                ))
            })
            .collect();
        let rows = data_rows(&lines, 61);
        let y: Vec<f64> = rows.iter().map(|r| r[0]).collect();
        let columns: Vec<Vec<f64>> = if rows[0].len() > 2 {
            let mut columns = vec![vec![1.0; y.len()]];
            columns.extend((1..rows[0].len()).map(|j| rows.iter().map(|r| r[j]).collect()));
            columns
        } else {
            parameters
                .iter()
                .map(|(power, _, _)| rows.iter().map(|r| r[1].powi(*power as i32)).collect())
                .collect()
        };
        let required = if r_lre.is_nan() { 7.0 } else { r_lre.min(13.0) };
        let r_figure = (!r_lre.is_nan()).then_some(r_lre);
        match ols(&columns, &y) {
            Ok(fit) => {
                let worst_coefficient = parameters
                    .iter()
                    .enumerate()
                    .map(|(j, (_, b, _))| lre(fit.coefficients[j], *b))
                    .fold(15.0, f64::min);
                let worst_sd = parameters
                    .iter()
                    .enumerate()
                    .map(|(j, (_, _, sd))| lre(fit.standard_errors[j], *sd))
                    .fold(15.0, f64::min);
                checks.push(Check {
                    section: "Linear regression",
                    dataset: name.to_string(),
                    statistic: "worst coefficient",
                    lre: worst_coefficient,
                    r_lre: r_figure,
                    required,
                    note: if r_lre.is_nan() {
                        "R's lm drops a coefficient".into()
                    } else {
                        String::new()
                    },
                });
                checks.push(Check {
                    section: "Linear regression",
                    dataset: name.to_string(),
                    statistic: "worst coefficient sd",
                    lre: worst_sd,
                    r_lre: None,
                    required: 6.0,
                    note: String::new(),
                });
                checks.push(Check {
                    section: "Linear regression",
                    dataset: name.to_string(),
                    statistic: "residual sd",
                    lre: lre(
                        fit.residual_standard_error,
                        certified(&lines, "Standard Deviation"),
                    ),
                    r_lre: None,
                    required: 6.0,
                    note: String::new(),
                });
            }
            Err(error) => checks.push(Check {
                section: "Linear regression",
                dataset: name.to_string(),
                statistic: "worst coefficient",
                lre: 0.0,
                r_lre: r_figure,
                required,
                note: format!("refused: {error}"),
            }),
        }
    }
}

#[test]
fn nist_strd_accuracy() {
    let mut checks = Vec::new();
    univariate(&mut checks);
    anova(&mut checks);
    regression(&mut checks);

    let mut doc = String::from(
        "# Accuracy against NIST StRD\n\n\
         Generated by `cargo test --test nist` (tests/nist.rs); do not edit.\n\n\
         LRE is the log relative error, −log10(|computed − certified| / |certified|): the number of\n\
         correct significant digits, capped at 15. \"R 4.2\" is base R's LRE measured on this machine.\n\
         \"Required\" is min(R's LRE, 13) and LRE ≥ 7 for Filip; where the note gives the digits that\n\
         the double-precision input allows (computed exactly from the rounded data), it is that\n\
         figure less 0.1, at most 13.\n",
    );
    let mut section = "";
    for c in &checks {
        if c.section != section {
            section = c.section;
            write!(doc, "\n## {section}\n\n| dataset | statistic | belong LRE | R 4.2 LRE | required | note |\n|---|---|---|---|---|---|\n").unwrap();
        }
        writeln!(
            doc,
            "| {} | {} | {:.1} | {} | {:.1} | {} |",
            c.dataset,
            c.statistic,
            c.lre,
            c.r_lre.map_or("–".to_string(), |r| format!("{r:.1}")),
            c.required,
            c.note
        )
        .unwrap();
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/accuracy.md");
    if std::fs::read_to_string(&path).ok().as_deref() != Some(doc.as_str()) {
        std::fs::write(&path, &doc).unwrap();
    }
    print!("{doc}");
    let failures: Vec<String> = checks
        .iter()
        .filter(|c| c.lre + 1e-9 < c.required)
        .map(|c| {
            format!(
                "{} {}: LRE {:.2} < required {:.1} {}",
                c.dataset, c.statistic, c.lre, c.required, c.note
            )
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
