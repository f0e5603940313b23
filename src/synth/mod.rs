//! Synthetic program data in the native layout: realistic enough to
//! exercise every analysis, deterministic for a seed.
//!
//! The generating model, in brief:
//! - each person has a stable loneliness trait; their state at a wave is the
//!   trait plus noise. People are referred when their state is high, so
//!   baseline scores are inflated and regress towards the mean later;
//! - item responses come from one latent state through a graded-response
//!   model (loading 0.8), so Cronbach's alpha is realistic;
//! - engagement drives how many offered sessions people attend; the program
//!   lowers loneliness in proportion to sessions attended, and not at all in
//!   the comparison arm (which is offered no sessions);
//! - lonelier and less engaged people are more likely to miss the follow-up;
//! - about 2% of item responses are missing.

mod write;

use crate::cells::days_from_civil;
use crate::error::{Error, Result};
use crate::instruments::{Instrument, ItemRule};
use crate::model::Date;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::path::Path;

/// What to generate.
#[derive(Debug, Clone)]
pub struct SynthOptions {
    pub participants: usize,
    pub seed: u64,
    pub instrument: String,
    pub comparison_arm: bool,
    /// Selection into the intervention arm on loneliness and living alone
    /// (0 = at random).
    pub selection: f64,
    /// 2 (baseline, week12) or 3 (adds month6).
    pub waves: usize,
    /// Length of the program in weeks (sessions are offered until then).
    pub weeks: u32,
    /// Peer circles people meet in (0 = none): each person is in one, the
    /// circles differ in size, and each shifts its members' later scores
    /// together, so the data need cluster-robust errors.
    pub clusters: usize,
    /// Write CSV, Parquet, or both.
    pub format: SynthFormat,
    /// Overwrite tables already in the output folder (they may be real
    /// data: without this, their presence is an error).
    pub replace: bool,
}

/// File formats `belong synth` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SynthFormat {
    Csv,
    Parquet,
    /// CSV into `OUT/csv`, Parquet into `OUT/parquet`.
    Both,
}

/// The generated tables, as rows ready to write.
pub struct SynthData {
    pub instrument: Instrument,
    pub participants: Vec<ParticipantRow>,
    pub assessments: Vec<AssessmentRow>,
    pub attendance: Vec<AttendanceRow>,
    pub has_arm: bool,
    /// Whether participants have a `cluster` column.
    pub has_clusters: bool,
}

pub struct ParticipantRow {
    pub id: String,
    pub cohort: &'static str,
    pub site: &'static str,
    pub arm: &'static str,
    pub enrolled_on: Date,
    pub age_band: &'static str,
    pub gender: &'static str,
    pub lives_alone: bool,
    /// The peer circle, with `--clusters`.
    pub cluster: Option<String>,
}

pub struct AssessmentRow {
    pub participant: usize,
    pub wave: &'static str,
    pub assessed_on: Date,
    pub items: Vec<Option<i64>>,
}

pub struct AttendanceRow {
    pub participant: usize,
    pub session_date: Date,
    pub activity: &'static str,
    pub is_group: bool,
    pub attended: bool,
    pub minutes: Option<u32>,
}

const COHORTS: [(&str, i64, u32, u32); 3] = [
    ("2024-autumn", 2024, 9, 1),
    ("2025-spring", 2025, 3, 1),
    ("2025-autumn", 2025, 9, 1),
];
const SITES: [(&str, f64); 3] = [
    ("Eastfield", 0.40),
    ("Northgate", 0.35),
    ("Riverside", 0.25),
];
const AGE_BANDS: [(&str, f64); 5] = [
    ("18-34", 0.10),
    ("35-49", 0.15),
    ("50-64", 0.25),
    ("65-74", 0.25),
    ("75+", 0.25),
];
const GROUP_ACTIVITIES: [(&str, i32, u32); 4] = [
    // (name, days between sessions, typical minutes)
    ("walking group", 7, 60),
    ("art workshop", 14, 90),
    ("shared meal", 14, 75),
    ("peer support circle", 7, 60),
];
const CHECK_IN: (&str, i32, u32) = ("one-to-one check-in", 28, 30);
const WAVES: [(&str, i32, i32); 3] = [("baseline", 0, 0), ("week12", 84, 7), ("month6", 182, 10)];
/// The most peer circles `belong synth` makes.
pub(crate) const MAX_CLUSTERS: usize = 1000;
/// Spread of a circle's shared shift of its members' later states (in
/// trait sds): an ICC of change of roughly 0.1.
const CLUSTER_EFFECT_SD: f64 = 0.35;
/// Loading of every item on the latent state.
const LOADING: f64 = 0.82;
/// Reduction of the latent state per session attended (in trait sds).
const EFFECT_PER_SESSION: f64 = 0.035;
const MISSING_ITEM_RATE: f64 = 0.02;

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    // Box–Muller; written out so streams never depend on a crate's algorithm.
    let u1: f64 = 1.0 - rng.gen::<f64>();
    let u2: f64 = rng.gen::<f64>();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

fn pick<T: Copy>(rng: &mut ChaCha8Rng, weighted: &[(T, f64)]) -> T {
    let total: f64 = weighted.iter().map(|(_, w)| w).sum();
    let mut u = rng.gen::<f64>() * total;
    for (value, weight) in weighted {
        if u < *weight {
            return *value;
        }
        u -= weight;
    }
    weighted[weighted.len() - 1].0
}

/// Graded-response draw: a response category 1..=categories from the latent
/// state, higher = lonelier, shifted by the item's difficulty.
fn category(rng: &mut ChaCha8Rng, state: f64, difficulty: f64, categories: i64) -> i64 {
    let y = LOADING * state + (1.0 - LOADING * LOADING).sqrt() * normal(rng) - difficulty;
    let mut level = 1;
    for k in 1..categories {
        // Thresholds at the standard normal quantiles of k / categories.
        let threshold = crate::stats::distributions::normal_quantile(k as f64 / categories as f64);
        if y > threshold {
            level = k + 1;
        }
    }
    level
}

/// Turns a "higher is lonelier" category into the raw response the item
/// expects, so that scoring recovers the loneliness direction.
fn raw_response(rule: ItemRule, level: i64, instrument: &Instrument) -> i64 {
    let high_is_worse = instrument.direction == crate::instruments::Direction::HigherIsWorse;
    let levelled = instrument.raw_min + level - 1;
    let flipped = instrument.raw_max - (level - 1);
    match rule {
        ItemRule::AsIs | ItemRule::OneWhenAtLeast(_) => {
            if high_is_worse {
                levelled
            } else {
                flipped
            }
        }
        ItemRule::Reverse(_) | ItemRule::OneWhenAtMost(_) => flipped,
    }
}

/// Generates the data in memory.
pub(crate) fn generate(options: &SynthOptions) -> Result<SynthData> {
    let instrument = crate::instruments::builtin()
        .into_iter()
        .find(|i| i.id == options.instrument)
        .ok_or_else(|| {
            Error::Synth(format!(
                "--instrument {}: not in the registry; see `belong instruments`",
                options.instrument
            ))
        })?;
    if !(2..=3).contains(&options.waves) {
        return Err(Error::Synth(format!(
            "--waves {}: give 2 or 3",
            options.waves
        )));
    }
    if !(1..=104).contains(&options.weeks) {
        return Err(Error::Synth(format!(
            "--weeks {}: give 1 to 104",
            options.weeks
        )));
    }
    let program_days = options.weeks as i32 * 7;
    if options.participants == 0 {
        return Err(Error::Synth("--participants 0: give at least 1".into()));
    }
    if !(0.0..=5.0).contains(&options.selection) {
        return Err(Error::Synth(format!(
            "--selection {}: give 0 (at random) to 5",
            options.selection
        )));
    }
    if options.clusters > MAX_CLUSTERS || options.clusters == 1 {
        return Err(Error::Synth(format!(
            "--clusters {}: give 0 (no circles) or 2 to {MAX_CLUSTERS}",
            options.clusters
        )));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    // Circles draw from their own stream, so data without them are the
    // same whatever --clusters would have drawn.
    let mut circle_rng = ChaCha8Rng::seed_from_u64(options.seed ^ 0x0c1c_1e5a);
    let circles: Vec<((usize, f64), f64)> = (0..options.clusters)
        .map(|k| {
            // Sizes differ up to sixfold.
            let weight = 1.0 + 5.0 * circle_rng.gen::<f64>();
            ((k, CLUSTER_EFFECT_SD * normal(&mut circle_rng)), weight)
        })
        .collect();
    let cluster_width = options.clusters.to_string().len().max(2);
    let categories = instrument.raw_max - instrument.raw_min + 1;
    let difficulties: Vec<f64> = (0..instrument.item_count())
        .map(|_| 0.3 * normal(&mut rng))
        .collect();
    let width = options.participants.to_string().len().max(4);
    let mut data = SynthData {
        instrument: instrument.clone(),
        participants: Vec::with_capacity(options.participants),
        assessments: Vec::new(),
        attendance: Vec::new(),
        has_arm: options.comparison_arm,
        has_clusters: options.clusters > 0,
    };
    let waves = &WAVES[..options.waves];
    while data.participants.len() < options.participants {
        let lives_alone = rng.gen::<f64>() < 0.45;
        let trait_level = normal(&mut rng) + if lives_alone { 0.3 } else { 0.0 };
        let baseline_state = trait_level + 0.75 * normal(&mut rng);
        // Referral: lonelier people are more likely to be referred, which
        // is what makes their baseline scores regress to the mean later.
        if rng.gen::<f64>() > logistic(0.3 + 1.5 * baseline_state) {
            continue;
        }
        let index = data.participants.len();
        let circle = (!circles.is_empty()).then(|| pick(&mut circle_rng, &circles));
        let (cohort, year, month, day) = COHORTS[rng.gen_range(0..COHORTS.len())];
        let enrolled_on = days_from_civil(year, month, day) + rng.gen_range(0..28);
        // A third join the comparison arm; with selection, lonelier people
        // and people living alone join it less often (they choose the
        // programme), which confounds the arm comparison.
        let p_comparison = if options.selection == 0.0 {
            1.0 / 3.0
        } else {
            let alone = if lives_alone { 0.55 } else { -0.45 };
            logistic(-(2.0f64.ln()) - options.selection * (0.8 * alone + 0.6 * baseline_state))
        };
        let arm = if options.comparison_arm && rng.gen::<f64>() < p_comparison {
            "comparison"
        } else {
            "intervention"
        };
        data.participants.push(ParticipantRow {
            id: format!("P{:0width$}", index + 1),
            cohort,
            site: pick(&mut rng, &SITES),
            arm,
            enrolled_on,
            age_band: pick(&mut rng, &AGE_BANDS),
            gender: pick(
                &mut rng,
                &[("female", 0.58), ("male", 0.39), ("non-binary", 0.03)],
            ),
            lives_alone,
            cluster: circle.map(|(k, _)| format!("circle-{:0cluster_width$}", k + 1)),
        });
        let circle_shift = circle.map_or(0.0, |(_, shift)| shift);

        let engagement = normal(&mut rng);
        // Dropping out is likelier for lonelier and less engaged people.
        let drops_out = rng.gen::<f64>() < logistic(-1.9 + 0.5 * baseline_state - 0.8 * engagement);
        let dropout_day = if drops_out {
            rng.gen_range(14..program_days.max(15))
        } else {
            i32::MAX
        };

        let mut attended_by_day: Vec<i32> = Vec::new();
        if arm == "intervention" {
            let first = rng.gen_range(0..GROUP_ACTIVITIES.len());
            let second =
                (first + rng.gen_range(1..GROUP_ACTIVITIES.len())) % GROUP_ACTIVITIES.len();
            let mut offered: Vec<((&str, i32, u32), bool)> = vec![
                (GROUP_ACTIVITIES[first], true),
                (GROUP_ACTIVITIES[second], true),
                (CHECK_IN, false),
            ];
            offered.sort_by_key(|((name, _, _), _)| *name);
            let show_up = logistic(0.4 + 1.1 * engagement);
            for ((activity, every, minutes), is_group) in offered {
                let start = rng.gen_range(1..every.min(7) + 1);
                let mut day = start;
                while day < program_days {
                    let attended = day < dropout_day && rng.gen::<f64>() < show_up;
                    data.attendance.push(AttendanceRow {
                        participant: index,
                        session_date: enrolled_on + day,
                        activity,
                        is_group,
                        attended,
                        minutes: attended.then(|| {
                            (minutes as f64 * (0.6 + 0.5 * rng.gen::<f64>())).round() as u32
                        }),
                    });
                    if attended {
                        attended_by_day.push(day);
                    }
                    day += every;
                }
            }
        }

        let mut last_date = enrolled_on;
        for (wave_index, (wave, offset, spread)) in waves.iter().enumerate() {
            let day = offset + rng.gen_range(-spread..=*spread) + rng.gen_range(0..5);
            let state = if wave_index == 0 {
                baseline_state
            } else {
                let sessions_so_far = attended_by_day.iter().filter(|d| **d <= day).count() as f64;
                trait_level + 0.75 * normal(&mut rng) - EFFECT_PER_SESSION * sessions_so_far
                    + circle_shift
            };
            let missed = wave_index > 0 && (drops_out || rng.gen::<f64>() < 0.05);
            if missed {
                continue;
            }
            let items = instrument
                .item_rules
                .iter()
                .zip(&difficulties)
                .map(|(rule, difficulty)| {
                    let level = category(&mut rng, state, *difficulty, categories);
                    let missing = rng.gen::<f64>() < MISSING_ITEM_RATE;
                    (!missing).then(|| raw_response(*rule, level, &instrument))
                })
                .collect();
            let assessed_on = (enrolled_on + day.max(0)).max(last_date);
            last_date = assessed_on;
            data.assessments.push(AssessmentRow {
                participant: index,
                wave,
                assessed_on,
                items,
            });
        }
    }
    Ok(data)
}

/// A data folder may hold a programme's real records: synthetic tables
/// never silently take their place.
fn refuse_existing_tables(out_dir: &Path, format: SynthFormat) -> Result<()> {
    let folders: Vec<(std::path::PathBuf, &str)> = match format {
        SynthFormat::Csv => vec![(out_dir.to_path_buf(), "csv")],
        SynthFormat::Parquet => vec![(out_dir.to_path_buf(), "parquet")],
        SynthFormat::Both => vec![
            (out_dir.join("csv"), "csv"),
            (out_dir.join("parquet"), "parquet"),
        ],
    };
    let existing: Vec<String> = folders
        .iter()
        .flat_map(|(folder, extension)| {
            ["participants", "assessments", "attendance"]
                .iter()
                .map(move |table| folder.join(format!("{table}.{extension}")))
        })
        .filter(|path| std::fs::symlink_metadata(path).is_ok())
        .map(|path| path.display().to_string())
        .collect();
    if existing.is_empty() {
        return Ok(());
    }
    Err(Error::Write {
        path: out_dir.to_path_buf(),
        message: format!(
            "the folder already holds {}; synthetic data would replace them: choose another --out, or add --force to overwrite them",
            existing.join(", ")
        ),
    })
}

/// Generates and writes the three tables into `out_dir`.
pub fn generate_to(out_dir: &Path, options: &SynthOptions) -> Result<SynthData> {
    if !options.replace {
        refuse_existing_tables(out_dir, options.format)?;
    }
    let data = generate(options)?;
    match options.format {
        SynthFormat::Csv => write::write_csv(out_dir, &data)?,
        SynthFormat::Parquet => write::write_parquet(out_dir, &data)?,
        SynthFormat::Both => {
            write::write_csv(&out_dir.join("csv"), &data)?;
            write::write_parquet(&out_dir.join("parquet"), &data)?;
        }
    }
    Ok(data)
}
