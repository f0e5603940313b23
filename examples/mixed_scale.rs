//! Times the random-intercept REML fit at national scale: 1,000,000
//! participants, 3 waves, ~15% of follow-ups missing.
//!
//! cargo run --release --example mixed_scale [-- PARTICIPANTS]

use belong::stats::mixed::random_intercept;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::time::Instant;

fn main() {
    let participants: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut y = Vec::with_capacity(participants * 3);
    let mut cluster = Vec::with_capacity(participants * 3);
    let mut wave = Vec::with_capacity(participants * 3);
    for p in 0..participants {
        let person: f64 = rng.gen_range(-2.0..2.0);
        for w in 0..3 {
            if w > 0 && rng.gen::<f64>() < 0.15 {
                continue;
            }
            let noise: f64 = rng.gen_range(-1.5..1.5);
            y.push(5.0 + person - 0.6 * w as f64 + noise);
            cluster.push(p);
            wave.push(w);
        }
    }
    let start = Instant::now();
    let columns = vec![
        vec![1.0; y.len()],
        wave.iter().map(|w| f64::from(u8::from(*w == 1))).collect(),
        wave.iter().map(|w| f64::from(u8::from(*w == 2))).collect(),
    ];
    let fit = random_intercept(&y, &columns, &cluster).expect("fits");
    let elapsed = start.elapsed();
    println!(
        "participants {participants}, observations {}, fit {:.3} s",
        y.len(),
        elapsed.as_secs_f64()
    );
    for (name, effect) in ["intercept", "week12", "month6"]
        .iter()
        .zip(&fit.fixed_effects)
    {
        println!(
            "{name:>9}: {:.6} (se {:.6}, df {:.1})",
            effect.estimate, effect.standard_error, effect.df
        );
    }
    println!(
        "sigma² {:.6}, tau² {:.6}",
        fit.residual_variance, fit.intercept_variance
    );
}
