//! Criterion benchmarks of the statistics kernels: Wilcoxon (exact and
//! normal approximation), the BCa bootstrap of d_av at n = 1e3, 1e5 and
//! 1e6, OLS with HC3, and the noncentral-t interval of Cohen's d.
//!
//!     cargo bench --bench kernels

use belong::stats::bootstrap::{bca, PairedDav};
use belong::stats::noncentral_t::noncentrality_interval;
use belong::stats::regression::ols;
use belong::stats::wilcoxon::signed_rank;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Paired integer scores like a 20-item scale: baseline and follow-up.
fn pairs(n: usize, seed: u64) -> (Vec<f64>, Vec<f64>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let baseline: Vec<f64> = (0..n).map(|_| f64::from(rng.gen_range(20..81))).collect();
    let followup: Vec<f64> = baseline
        .iter()
        .map(|b| (b - f64::from(rng.gen_range(-8..12))).clamp(20.0, 80.0))
        .collect();
    (baseline, followup)
}

fn wilcoxon(c: &mut Criterion) {
    let mut group = c.benchmark_group("wilcoxon");
    // Exact: fewer than 50 differences without ties or zeros.
    let exact: Vec<f64> = (1..=40)
        .map(|k| f64::from(k) * if k % 3 == 0 { -1.0 } else { 1.0 })
        .collect();
    group.bench_function("exact_n40", |b| b.iter(|| signed_rank(&exact)));
    for n in [1_000usize, 100_000] {
        let (baseline, followup) = pairs(n, 1);
        let differences: Vec<f64> = followup.iter().zip(&baseline).map(|(f, b)| f - b).collect();
        group.bench_with_input(BenchmarkId::new("approximate", n), &differences, |b, d| {
            b.iter(|| signed_rank(d))
        });
    }
    group.finish();
}

fn bootstrap(c: &mut Criterion) {
    let mut group = c.benchmark_group("bca_d_av_b2000");
    group.sample_size(10);
    for n in [1_000usize, 100_000, 1_000_000] {
        let (baseline, followup) = pairs(n, 2);
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| {
                let statistic = PairedDav::new(&baseline, &followup);
                bca(&statistic, 0.3, 2000, 7)
            })
        });
    }
    group.finish();
}

fn regression(c: &mut Criterion) {
    let mut group = c.benchmark_group("ols_hc3");
    for n in [1_000usize, 100_000] {
        let (baseline, followup) = pairs(n, 3);
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        let sessions: Vec<f64> = (0..n).map(|_| f64::from(rng.gen_range(0..30))).collect();
        let change: Vec<f64> = followup.iter().zip(&baseline).map(|(f, b)| f - b).collect();
        let columns = vec![vec![1.0; n], sessions, baseline];
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| {
                ols(&columns, &change)
                    .ok()
                    .and_then(|fit| fit.test(1, true))
            })
        });
    }
    group.finish();
}

fn noncentral_t(c: &mut Criterion) {
    c.bench_function("noncentral_t_interval_t3_df40", |b| {
        b.iter(|| noncentrality_interval(3.0, 40.0))
    });
}

criterion_group!(kernels, wilcoxon, bootstrap, regression, noncentral_t);
criterion_main!(kernels);
