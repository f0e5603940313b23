//! The BCa bootstrap (Efron 1987), parallel and deterministic.
//!
//! Resample `b` draws its indices (or, for multinomial resampling, the key
//! of its counter-based uniforms) from its own ChaCha stream, seeded by
//! (seed, b), so the set of resampled statistics — and the interval — is
//! the same for any number of threads. The acceleration comes from the
//! jackknife (Efron & Tibshirani 1993, §14.3); endpoints are read from the
//! sorted resamples with R's `boot:::norm.inter` interpolation.

use super::distributions::{normal_cdf, normal_quantile};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

/// A statistic that can be evaluated on a resample given as row indices,
/// and on each leave-one-out sample.
pub trait Resampleable: Sync {
    /// Number of observations (pairs, people).
    fn observations(&self) -> usize;
    /// The statistic on rows `indices` (with repeats). Called once per
    /// resample; must not allocate per row.
    fn on_indices(&self, indices: &[usize]) -> Option<f64>;
    /// The statistic leaving out each row in turn.
    fn jackknife(&self) -> Option<Vec<f64>>;
    /// When rows take few distinct values (scores on a scale), the number
    /// of rows of each distinct value. A resample is then a multinomial
    /// draw of counts over them — the same distribution as drawing rows —
    /// in O(distinct) instead of O(rows).
    fn distinct_counts(&self) -> Option<&[u64]> {
        None
    }
    /// The statistic on a resample given as counts per distinct value.
    fn on_counts(&self, _counts: &[u64]) -> Option<f64> {
        None
    }
}

/// A BCa interval and what went into it.
#[derive(Debug, Clone, PartialEq)]
pub struct BcaInterval {
    pub low: f64,
    pub high: f64,
    pub resamples: usize,
    pub bias_correction: f64,
    pub acceleration: f64,
}

/// The random stream of resample `index`.
fn stream(seed: u64, index: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(index);
    rng
}

/// Draws multinomial counts: `total` rows drawn with replacement from a
/// sample whose rows fall into categories with the given `counts`.
///
/// Drawing category by category as binomial shares costs a binomial draw
/// each (~100 ns). Poissonisation is exact and cheaper: independent draws
/// `X_k ~ Poisson(count_k)` are, given their sum `N`, multinomial over the
/// categories with `N` rows, each row falling in category k with
/// probability `count_k / total`. So when `N > total`, removing `N − total`
/// of the drawn rows uniformly at random, or when `N < total`, adding
/// `total − N` rows drawn from the sample, leaves exactly a multinomial
/// draw of `total` rows. The Poisson rates are the sample's counts, fixed
/// for every resample, so each rate gets an alias table once and a
/// draw is a table lookup. `N − total` is about √total rows.
pub(crate) struct MultinomialSampler {
    total: u64,
    /// The sample's counts, summed: row `r` of the sample is in the first
    /// category whose cumulative count exceeds `r`.
    cumulative: Vec<u64>,
    /// Categories grouped by their count, as (category, table in
    /// `tables`): drawing all categories of one table in a row keeps that
    /// table in cache.
    draw_order: Vec<(u32, u32)>,
    tables: Vec<PoissonTable>,
}

/// Sampling of one Poisson rate by Walker's alias method (Vose's
/// construction) over the values that carry all but ~1e-18 of the mass: a
/// draw is one 64-bit uniform, one table entry and one comparison, with no
/// search (an inverse-CDF search cost a mispredicted branch per step). The
/// uniform times the table size picks the entry with its high 64 bits and,
/// with its low 64 bits, decides between the entry's value and its alias,
/// so each value's probability is kept to ~1e-14 (rounding in the table's
/// construction; the Poisson tail beyond the table is ~1e-18).
struct PoissonTable {
    first_value: u64,
    /// Per entry: the chance of keeping its own value, as a fraction of
    /// 2^64, and the value (as an offset from `first_value`) taken
    /// otherwise.
    entries: Vec<(u64, u32)>,
}

impl PoissonTable {
    fn new(rate: f64) -> PoissonTable {
        let (first_value, probabilities) = poisson_probabilities(rate);
        let size = probabilities.len();
        let mut scaled: Vec<f64> = probabilities.iter().map(|p| p * size as f64).collect();
        let mut keep: Vec<(f64, u32)> = (0..size).map(|i| (1.0, i as u32)).collect();
        let (mut small, mut large): (Vec<usize>, Vec<usize>) =
            (0..size).partition(|&i| scaled[i] < 1.0);
        while let (Some(&under), Some(&over)) = (small.last(), large.last()) {
            small.pop();
            keep[under] = (scaled[under], over as u32);
            scaled[over] = (scaled[over] + scaled[under]) - 1.0;
            if scaled[over] < 1.0 {
                large.pop();
                small.push(over);
            }
        }
        // What is left is full up to rounding: it keeps its own value
        // (a threshold of 2^64 − 1 is kept but for a 2^-64 chance).
        let entries = keep
            .into_iter()
            .map(|(chance, alias)| ((chance * TWO_TO_64) as u64, alias))
            .collect();
        PoissonTable {
            first_value,
            entries,
        }
    }

    fn draw(&self, uniform: u64) -> u64 {
        let product = u128::from(uniform) * self.entries.len() as u128;
        let entry = (product >> 64) as usize;
        let (keep, alias) = self.entries[entry];
        let value = if (product as u64) < keep {
            entry as u32
        } else {
            alias
        };
        self.first_value + u64::from(value)
    }
}

const TWO_TO_64: f64 = 18_446_744_073_709_551_616.0;

/// The uniform of category `category` in the resample keyed `key`: the
/// SplitMix64 generator (Steele, Lea & Flood 2014) at position
/// `category + 1` from `key`. A counter-based draw costs two multiplies
/// and needs no generator state, so one loop fills many resamples'
/// categories; the resamples' keys come from their ChaCha streams, and
/// two resamples' runs of positions overlap only when their keys fall
/// within a few hundred thousand steps of each other (chance ~1e-8 for
/// 2000 resamples).
fn category_uniform(key: u64, category: u32) -> u64 {
    let mut z = key.wrapping_add(u64::from(category + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15));
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The Poisson(`rate`) probabilities of the values around the mode that
/// carry all but ~1e-18 of the mass, normalised, and the first value.
fn poisson_probabilities(rate: f64) -> (u64, Vec<f64>) {
    // Probabilities relative to the mode's, outwards until negligible;
    // normalising their sum makes the mode's own value irrelevant.
    let mode = rate.floor();
    let negligible = 1e-18;
    let mut below = Vec::new();
    let (mut probability, mut value) = (1.0f64, mode);
    while value > 0.0 {
        probability *= value / rate;
        value -= 1.0;
        if probability < negligible {
            break;
        }
        below.push(probability);
    }
    let mut above = Vec::new();
    let (mut probability, mut value) = (1.0f64, mode);
    loop {
        value += 1.0;
        probability *= rate / value;
        if probability < negligible {
            break;
        }
        above.push(probability);
    }
    let first_value = mode as u64 - below.len() as u64;
    let mut probabilities: Vec<f64> = below
        .iter()
        .rev()
        .copied()
        .chain(std::iter::once(1.0))
        .chain(above)
        .collect();
    let sum: f64 = probabilities.iter().sum();
    for probability in &mut probabilities {
        *probability /= sum;
    }
    (first_value, probabilities)
}

impl MultinomialSampler {
    /// A sampler for resamples of a sample with `counts` rows per category
    /// (every count at least 1).
    pub fn new(counts: &[u64]) -> MultinomialSampler {
        let mut tables = Vec::new();
        let mut table_of_rate: std::collections::HashMap<u64, u32> = Default::default();
        let mut draw_order: Vec<(u32, u32)> = counts
            .iter()
            .enumerate()
            .map(|(category, &count)| {
                let table = *table_of_rate.entry(count).or_insert_with(|| {
                    tables.push(PoissonTable::new(count as f64));
                    (tables.len() - 1) as u32
                });
                (category as u32, table)
            })
            .collect();
        draw_order.sort_by_key(|&(category, table)| (table, category));
        let mut running = 0;
        let cumulative = counts
            .iter()
            .map(|count| {
                running += count;
                running
            })
            .collect();
        MultinomialSampler {
            total: running,
            cumulative,
            draw_order,
            tables,
        }
    }

    /// One resample's counts per category, written into `drawn`;
    /// `positions` is scratch space.
    #[cfg(test)]
    pub fn draw(&self, rng: &mut ChaCha8Rng, drawn: &mut [u64], positions: &mut Vec<u64>) {
        self.draw_batch(std::slice::from_mut(rng), drawn, positions);
    }

    /// The counts of one resample per random stream in `rngs`, written one
    /// after another into `drawn` (`rngs.len()` × categories). Each stream
    /// sees exactly the draws `draw` would make, so batching changes no
    /// number; it visits each category's table once for the whole batch,
    /// which keeps the table in cache (tables of large counts are spread
    /// over megabytes, and a draw per cache miss was the bootstrap's cost).
    pub(crate) fn draw_batch(
        &self,
        rngs: &mut [ChaCha8Rng],
        drawn: &mut [u64],
        positions: &mut Vec<u64>,
    ) {
        let categories = self.cumulative.len();
        let keys: Vec<u64> = rngs.iter_mut().map(|rng| rng.gen()).collect();
        for &(category, table) in &self.draw_order {
            let table = &self.tables[table as usize];
            for (resample, key) in keys.iter().enumerate() {
                drawn[resample * categories + category as usize] =
                    table.draw(category_uniform(*key, category));
            }
        }
        for (rng, drawn) in rngs
            .iter_mut()
            .zip(drawn.chunks_exact_mut(categories.max(1)))
        {
            let drawn_total: u64 = drawn.iter().sum();
            if drawn_total < self.total {
                self.add_rows(rng, drawn, self.total - drawn_total, positions);
            } else if drawn_total > self.total {
                remove_uniformly(rng, drawn, drawn_total - self.total, positions);
            }
        }
    }

    /// Adds `how_many` rows drawn with replacement from the sample. The
    /// drawn rows are sorted, so one walk along the cumulative counts finds
    /// their categories.
    fn add_rows(
        &self,
        rng: &mut ChaCha8Rng,
        counts: &mut [u64],
        how_many: u64,
        positions: &mut Vec<u64>,
    ) {
        positions.clear();
        positions.extend((0..how_many).map(|_| rng.gen_range(0..self.total)));
        positions.sort_unstable();
        let mut category = 0;
        for &row in positions.iter() {
            while self.cumulative[category] <= row {
                category += 1;
            }
            counts[category] += 1;
        }
    }
}

/// Removes `how_many` of the rows counted in `counts`, a set of rows chosen
/// uniformly among all sets of that size — what removing one remaining row
/// at random, `how_many` times, gives. Rows are drawn independently, and
/// repeats dropped and drawn again until there are `how_many` distinct
/// rows: that process treats every row alike, so every set of `how_many`
/// rows is equally likely. Sorted, the rows are found in one walk along
/// the counts.
fn remove_uniformly(
    rng: &mut ChaCha8Rng,
    counts: &mut [u64],
    how_many: u64,
    positions: &mut Vec<u64>,
) {
    let rows: u64 = counts.iter().sum();
    let how_many = how_many.min(rows) as usize;
    positions.clear();
    while positions.len() < how_many {
        let missing = how_many - positions.len();
        positions.extend((0..missing).map(|_| rng.gen_range(0..rows)));
        positions.sort_unstable();
        positions.dedup();
    }
    // `end` is the number of rows in categories up to and including
    // `category`, counted before any removal.
    let (mut category, mut end) = (0, counts.first().copied().unwrap_or(0));
    for &row in positions.iter() {
        while end <= row {
            category += 1;
            end += counts[category];
        }
        counts[category] -= 1;
    }
}

/// Resamples drawn together by `MultinomialSampler::draw_batch`: enough
/// to reuse each table from cache, few enough for 2000 resamples to spread
/// over the cores.
const RESAMPLE_BATCH: usize = 16;

/// Statistics of `resamples` bootstrap resamples, in resample order.
pub(crate) fn resample<S: Resampleable + ?Sized>(
    statistic: &S,
    resamples: usize,
    seed: u64,
) -> Vec<Option<f64>> {
    let n = statistic.observations();
    if let Some(counts) = statistic.distinct_counts() {
        let sampler = MultinomialSampler::new(counts);
        let categories = counts.len();
        let batches: Vec<std::ops::Range<usize>> = (0..resamples)
            .step_by(RESAMPLE_BATCH)
            .map(|start| start..(start + RESAMPLE_BATCH).min(resamples))
            .collect();
        let per_batch: Vec<Vec<Option<f64>>> = batches
            .into_par_iter()
            .map_init(
                || (vec![0u64; RESAMPLE_BATCH * categories], Vec::new()),
                |(drawn, positions), batch| {
                    let mut rngs: Vec<ChaCha8Rng> =
                        batch.clone().map(|b| stream(seed, b as u64)).collect();
                    let drawn = &mut drawn[..rngs.len() * categories];
                    sampler.draw_batch(&mut rngs, drawn, positions);
                    drawn
                        .chunks_exact(categories.max(1))
                        .map(|counts| statistic.on_counts(counts))
                        .collect()
                },
            )
            .collect();
        return per_batch.into_iter().flatten().collect();
    }
    (0..resamples)
        .into_par_iter()
        .with_min_len(16)
        .map_init(
            || Vec::with_capacity(n),
            |indices, b| {
                let mut rng = stream(seed, b as u64);
                indices.clear();
                indices.extend((0..n).map(|_| rng.gen_range(0..n)));
                statistic.on_indices(indices)
            },
        )
        .collect()
}

/// R's `norm.inter`: the `alpha` quantile of sorted resamples, interpolated
/// on the normal scale between order statistics.
fn normal_interpolated_quantile(sorted: &[f64], alpha: f64) -> f64 {
    let r = sorted.len();
    let rank = (r as f64 + 1.0) * alpha;
    let k = rank.trunc() as usize;
    if rank == k as f64 && k >= 1 && k <= r {
        return sorted[k - 1];
    }
    if k == 0 {
        return sorted[0];
    }
    if k >= r {
        return sorted[r - 1];
    }
    let rp1 = r as f64 + 1.0;
    let lower = normal_quantile(k as f64 / rp1);
    let upper = normal_quantile((k as f64 + 1.0) / rp1);
    (normal_quantile(alpha) - lower) / (upper - lower) * (sorted[k] - sorted[k - 1]) + sorted[k - 1]
}

/// The 95% BCa interval of `statistic` around its estimate `theta_hat`.
/// `None` when resamples or the jackknife are degenerate.
pub fn bca<S: Resampleable + ?Sized>(
    statistic: &S,
    theta_hat: f64,
    resamples: usize,
    seed: u64,
) -> Option<BcaInterval> {
    if statistic.observations() < 3 || resamples < 2 {
        return None;
    }
    let mut values: Vec<f64> = resample(statistic, resamples, seed)
        .into_iter()
        .flatten()
        .filter(|v| v.is_finite())
        .collect();
    if values.len() < resamples / 2 {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let below = values.iter().filter(|v| **v < theta_hat).count();
    if below == 0 || below == values.len() {
        return None;
    }
    let bias_correction = normal_quantile(below as f64 / values.len() as f64);
    let jackknife = statistic.jackknife()?;
    let jack_mean = jackknife.iter().sum::<f64>() / jackknife.len() as f64;
    let (mut cubes, mut squares) = (0.0, 0.0);
    for value in &jackknife {
        let deviation = jack_mean - value;
        cubes += deviation.powi(3);
        squares += deviation.powi(2);
    }
    if !(squares > 0.0) {
        return None;
    }
    let acceleration = cubes / (6.0 * squares.powf(1.5));
    let level = super::CONFIDENCE_LEVEL;
    let adjusted = |tail: f64| {
        let z = normal_quantile(tail);
        normal_cdf(
            bias_correction + (bias_correction + z) / (1.0 - acceleration * (bias_correction + z)),
        )
    };
    let (alpha_low, alpha_high) = (adjusted(0.5 - level / 2.0), adjusted(0.5 + level / 2.0));
    if !(alpha_low.is_finite() && alpha_high.is_finite()) {
        return None;
    }
    Some(BcaInterval {
        low: normal_interpolated_quantile(&values, alpha_low),
        high: normal_interpolated_quantile(&values, alpha_high),
        resamples: values.len(),
        bias_correction,
        acceleration,
    })
}

/// d_av of paired scores as a resampleable statistic, from sufficient
/// statistics of centred data (one pass per resample, no allocation).
pub struct PairedDav<'a> {
    baseline: &'a [f64],
    followup: &'a [f64],
    /// Centred (baseline, follow-up) side by side, so a drawn row is one
    /// memory access, not two.
    centred: Vec<(f64, f64)>,
    centre_b: f64,
    centre_f: f64,
    /// Distinct (baseline, follow-up) pairs, centred, and how many rows
    /// have each, when there are few enough for multinomial resampling.
    distinct: Option<DistinctPairs>,
}

/// Distinct (baseline, follow-up) pairs and the rows of each.
type DistinctPairs = (Vec<(f64, f64)>, Vec<u64>);

/// Multinomial resampling pays when rows outnumber distinct pairs by this
/// (measured on the national benchmark: 8 beats 64 by a third).
const DISTINCT_FACTOR: usize = 8;

impl<'a> PairedDav<'a> {
    pub fn new(baseline: &'a [f64], followup: &'a [f64]) -> Self {
        let n = baseline.len().max(1) as f64;
        let centre_b = baseline.iter().sum::<f64>() / n;
        let centre_f = followup.iter().sum::<f64>() / n;
        // Distinct pairs are kept centred, as every resample uses them so.
        let distinct = distinct_pairs(baseline, followup).map(|(values, counts)| {
            let centred = values
                .into_iter()
                .map(|(b, f)| (b - centre_b, f - centre_f))
                .collect();
            (centred, counts)
        });
        let centred = if distinct.is_some() {
            Vec::new()
        } else {
            baseline
                .iter()
                .zip(followup)
                .map(|(b, f)| (b - centre_b, f - centre_f))
                .collect()
        };
        PairedDav {
            baseline,
            followup,
            centred,
            centre_b,
            centre_f,
            distinct,
        }
    }

    /// d_av from sums over n pairs of centred scores: the means are
    /// shifted back by the centres, the variances are shift-invariant.
    fn d_av_of_centred_sums(
        &self,
        n: f64,
        sum_b: f64,
        sum_bb: f64,
        sum_f: f64,
        sum_ff: f64,
    ) -> Option<f64> {
        if n < 2.0 {
            return None;
        }
        let var_b = (sum_bb - sum_b * sum_b / n) / (n - 1.0);
        let var_f = (sum_ff - sum_f * sum_f / n) / (n - 1.0);
        let average_sd = ((var_b + var_f) / 2.0).sqrt();
        if !(average_sd > 0.0) {
            return None;
        }
        Some(((sum_f - sum_b) / n + self.centre_f - self.centre_b) / average_sd)
    }
}

/// Distinct pairs in first-seen order with their counts, or `None` when
/// there are too many for multinomial resampling to pay.
fn distinct_pairs(baseline: &[f64], followup: &[f64]) -> Option<DistinctPairs> {
    let limit = baseline.len() / DISTINCT_FACTOR;
    let mut index: polars::prelude::PlHashMap<(u64, u64), usize> = Default::default();
    let mut values = Vec::new();
    let mut counts: Vec<u64> = Vec::new();
    for (b, f) in baseline.iter().zip(followup) {
        let key = (b.to_bits(), f.to_bits());
        let slot = *index.entry(key).or_insert_with(|| {
            values.push((*b, *f));
            counts.push(0);
            values.len() - 1
        });
        counts[slot] += 1;
        if values.len() > limit {
            return None;
        }
    }
    Some((values, counts))
}

impl Resampleable for PairedDav<'_> {
    fn observations(&self) -> usize {
        self.baseline.len()
    }

    fn distinct_counts(&self) -> Option<&[u64]> {
        self.distinct.as_ref().map(|(_, counts)| counts.as_slice())
    }

    fn on_counts(&self, counts: &[u64]) -> Option<f64> {
        let (centred, _) = self.distinct.as_ref()?;
        // Sums in LANES independent parts, added up at the end in a fixed
        // order: one running sum waits for each addition before the next,
        // and this loop runs over every category of every resample.
        // No test for empty categories: a zero weight adds nothing, and a
        // branch that is taken at random costs more than the arithmetic.
        const LANES: usize = 4;
        let (mut sb, mut sbb, mut sf, mut sff) =
            ([0.0f64; LANES], [0.0; LANES], [0.0; LANES], [0.0; LANES]);
        let mut pairs = centred.chunks_exact(LANES);
        let mut weights = counts.chunks_exact(LANES);
        for (pairs, weights) in (&mut pairs).zip(&mut weights) {
            for lane in 0..LANES {
                let ((b, f), weight) = (pairs[lane], weights[lane] as f64);
                sb[lane] += weight * b;
                sbb[lane] += weight * b * b;
                sf[lane] += weight * f;
                sff[lane] += weight * f * f;
            }
        }
        for (lane, ((b, f), weight)) in pairs
            .remainder()
            .iter()
            .zip(weights.remainder())
            .enumerate()
        {
            let weight = *weight as f64;
            sb[lane] += weight * b;
            sbb[lane] += weight * b * b;
            sf[lane] += weight * f;
            sff[lane] += weight * f * f;
        }
        let total = |lanes: [f64; LANES]| (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
        // Whole numbers: the row count is exact either way.
        let n = counts.iter().sum::<u64>() as f64;
        self.d_av_of_centred_sums(n, total(sb), total(sbb), total(sf), total(sff))
    }

    fn on_indices(&self, indices: &[usize]) -> Option<f64> {
        let (mut sb, mut sbb, mut sf, mut sff) = (0.0, 0.0, 0.0, 0.0);
        for &i in indices {
            let (b, f) = match self.centred.get(i) {
                Some(pair) => *pair,
                None => (
                    self.baseline[i] - self.centre_b,
                    self.followup[i] - self.centre_f,
                ),
            };
            sb += b;
            sbb += b * b;
            sf += f;
            sff += f * f;
        }
        self.d_av_of_centred_sums(indices.len() as f64, sb, sbb, sf, sff)
    }

    fn jackknife(&self) -> Option<Vec<f64>> {
        let n = self.observations();
        let centred_b: Vec<f64> = self.baseline.iter().map(|b| b - self.centre_b).collect();
        let centred_f: Vec<f64> = self.followup.iter().map(|f| f - self.centre_f).collect();
        let (sb, sbb): (f64, f64) = (
            centred_b.iter().sum(),
            centred_b.iter().map(|b| b * b).sum(),
        );
        let (sf, sff): (f64, f64) = (
            centred_f.iter().sum(),
            centred_f.iter().map(|f| f * f).sum(),
        );
        let m = (n - 1) as f64;
        (0..n)
            .map(|i| {
                let (b, f) = (centred_b[i], centred_f[i]);
                self.d_av_of_centred_sums(m, sb - b, sbb - b * b, sf - f, sff - f * f)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::effect_size::d_av;

    fn data() -> (Vec<f64>, Vec<f64>) {
        let baseline: Vec<f64> = (0..40).map(|i| 5.0 + f64::from(i % 7) * 0.5).collect();
        let followup: Vec<f64> = (0..40)
            .map(|i| 4.5 + f64::from((i * 3) % 11) * 0.4)
            .collect();
        (baseline, followup)
    }

    #[test]
    fn resampled_statistic_agrees_with_the_direct_formula() {
        let (b, f) = data();
        let statistic = PairedDav::new(&b, &f);
        let all: Vec<usize> = (0..b.len()).collect();
        let direct = d_av(&b, &f).unwrap();
        assert!((statistic.on_indices(&all).unwrap() - direct).abs() < 1e-12);
        let jack = statistic.jackknife().unwrap();
        let leave_first = d_av(&b[1..], &f[1..]).unwrap();
        assert!((jack[0] - leave_first).abs() < 1e-12);
    }

    #[test]
    fn multinomial_resampling_of_distinct_pairs_matches_row_resampling() {
        // Scores on a 3-point scale: few distinct pairs, many rows.
        let n = 4000;
        let b: Vec<f64> = (0..n).map(|i| f64::from(1 + (i * 7 % 3))).collect();
        let f: Vec<f64> = (0..n).map(|i| f64::from(1 + (i * 5 % 3) / 2)).collect();
        let statistic = PairedDav::new(&b, &f);
        assert!(statistic.distinct_counts().is_some());
        let all = statistic
            .on_counts(statistic.distinct_counts().unwrap())
            .unwrap();
        assert!((all - d_av(&b, &f).unwrap()).abs() < 1e-12);
        // The two resampling schemes give the same distribution: compare
        // the spread of 2000 resamples (standard errors agree to ~5%).
        let spread = |values: Vec<Option<f64>>| {
            let v: Vec<f64> = values.into_iter().flatten().collect();
            let mean = v.iter().sum::<f64>() / v.len() as f64;
            (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (v.len() - 1) as f64).sqrt()
        };
        let by_counts = spread(resample(&statistic, 2000, 3));
        let rows = PairedDavRows(&statistic);
        let by_rows = spread(resample(&rows, 2000, 3));
        assert!(
            (by_counts / by_rows - 1.0).abs() < 0.08,
            "{by_counts} vs {by_rows}"
        );
    }

    #[test]
    fn poissonised_draws_are_multinomial() {
        // Categories from one row to most of the sample. Each resample has
        // exactly `total` rows; counts have the multinomial means n·p and
        // variances n·p·(1 − p), and the Poisson tables' CDFs end at 1.
        let counts = [1u64, 2, 3, 7, 40, 947];
        let total: u64 = counts.iter().sum();
        let sampler = MultinomialSampler::new(&counts);
        let draws = 40_000;
        let (mut drawn, mut positions) = (vec![0u64; counts.len()], Vec::new());
        let mut sums = vec![0.0f64; counts.len()];
        let mut squares = vec![0.0f64; counts.len()];
        let mut products = vec![vec![0.0f64; counts.len()]; counts.len()];
        for b in 0..draws {
            let mut rng = stream(5, b);
            sampler.draw(&mut rng, &mut drawn, &mut positions);
            assert_eq!(drawn.iter().sum::<u64>(), total);
            for (k, count) in drawn.iter().enumerate() {
                sums[k] += *count as f64;
                squares[k] += (*count as f64).powi(2);
                for (l, other) in drawn.iter().enumerate() {
                    products[k][l] += (*count * *other) as f64;
                }
            }
        }
        // Categories draw independent uniforms: the counts covary only
        // through the fixed total, −n·p_k·p_l.
        for k in 0..counts.len() {
            for l in 0..k {
                let (p_k, p_l) = (
                    counts[k] as f64 / total as f64,
                    counts[l] as f64 / total as f64,
                );
                let (mean_k, mean_l) = (sums[k] / draws as f64, sums[l] / draws as f64);
                let covariance = products[k][l] / draws as f64 - mean_k * mean_l;
                let expected = -(total as f64) * p_k * p_l;
                let (var_k, var_l) = (
                    total as f64 * p_k * (1.0 - p_k),
                    total as f64 * p_l * (1.0 - p_l),
                );
                let standard_error = (var_k * var_l / draws as f64).sqrt();
                assert!(
                    (covariance - expected).abs() < 5.0 * standard_error,
                    "categories {k}, {l}: covariance {covariance} vs {expected}"
                );
            }
        }
        for (k, count) in counts.iter().enumerate() {
            let p = *count as f64 / total as f64;
            let mean = sums[k] / draws as f64;
            let variance = squares[k] / draws as f64 - mean * mean;
            let expected_variance = total as f64 * p * (1.0 - p);
            // Standard error of the mean is sd/200; of the variance ~1%.
            assert!(
                (mean - *count as f64).abs() < 5.0 * expected_variance.sqrt() / 200.0,
                "category {k}: mean {mean}"
            );
            assert!(
                (variance / expected_variance - 1.0).abs() < 0.05,
                "category {k}: variance {variance} vs {expected_variance}"
            );
        }
        // Each alias table gives every value its Poisson probability.
        for (&count, table) in counts.iter().zip(&sampler.tables) {
            let (first, probabilities) = poisson_probabilities(count as f64);
            assert_eq!(first, table.first_value);
            let size = table.entries.len() as f64;
            let mut implied = vec![0.0; probabilities.len()];
            for (entry, &(keep, alias)) in table.entries.iter().enumerate() {
                let keep = keep as f64 / TWO_TO_64;
                implied[entry] += keep / size;
                implied[alias as usize] += (1.0 - keep) / size;
            }
            for (value, (implied, expected)) in implied.iter().zip(&probabilities).enumerate() {
                assert!(
                    (implied - expected).abs() < 1e-14,
                    "rate {count}, value {value}: {implied} vs {expected}"
                );
            }
        }
    }

    #[test]
    fn a_batch_draws_what_each_stream_draws_alone() {
        let counts = [1u64, 2, 3, 7, 40, 947, 3];
        let sampler = MultinomialSampler::new(&counts);
        let mut positions = Vec::new();
        let mut rngs: Vec<ChaCha8Rng> = (0..5).map(|b| stream(11, b)).collect();
        let mut batch = vec![0u64; 5 * counts.len()];
        sampler.draw_batch(&mut rngs, &mut batch, &mut positions);
        for (b, batched) in batch.chunks_exact(counts.len()).enumerate() {
            let mut alone = vec![0u64; counts.len()];
            sampler.draw(&mut stream(11, b as u64), &mut alone, &mut positions);
            assert_eq!(batched, alone.as_slice(), "resample {b}");
        }
    }

    #[test]
    fn removing_rows_uniformly_takes_each_set_of_rows_with_equal_chance() {
        // Remove r of 10 rows (counts 1, 2, 7): category k loses
        // hypergeometrically many, r·count_k/10 on average, with variance
        // r·p·(1 − p)·(10 − r)/9.
        let original = [1u64, 2, 7];
        let draws = 30_000;
        let mut positions = Vec::new();
        for r in [1u64, 3, 9] {
            let (mut lost, mut squares) = ([0.0f64; 3], [0.0f64; 3]);
            for b in 0..draws {
                let mut counts = original;
                remove_uniformly(&mut stream(9, b), &mut counts, r, &mut positions);
                assert_eq!(counts.iter().sum::<u64>(), 10 - r);
                for k in 0..3 {
                    let removed = (original[k] - counts[k]) as f64;
                    lost[k] += removed;
                    squares[k] += removed * removed;
                }
            }
            for k in 0..3 {
                let p = original[k] as f64 / 10.0;
                let mean = lost[k] / draws as f64;
                let variance = squares[k] / draws as f64 - mean * mean;
                let expected = r as f64 * p * (1.0 - p) * (10.0 - r as f64) / 9.0;
                assert!((mean - r as f64 * p).abs() < 0.02, "r {r}, k {k}: {mean}");
                assert!(
                    (variance - expected).abs() < 0.03,
                    "r {r}, k {k}: {variance}"
                );
            }
        }
    }

    #[test]
    fn added_rows_fall_in_each_category_by_its_share() {
        let counts = [1u64, 2, 7];
        let sampler = MultinomialSampler::new(&counts);
        let mut added = [0u64; 3];
        let mut positions = Vec::new();
        for b in 0..10_000 {
            let mut drawn = [0u64; 3];
            sampler.add_rows(&mut stream(4, b), &mut drawn, 3, &mut positions);
            assert_eq!(drawn.iter().sum::<u64>(), 3);
            for k in 0..3 {
                added[k] += drawn[k];
            }
        }
        for (k, expected) in [0.1, 0.2, 0.7].iter().enumerate() {
            let share = added[k] as f64 / 30_000.0;
            assert!((share - expected).abs() < 0.01, "{added:?}");
        }
    }

    /// PairedDav without the distinct-pairs shortcut.
    struct PairedDavRows<'a>(&'a PairedDav<'a>);

    impl Resampleable for PairedDavRows<'_> {
        fn observations(&self) -> usize {
            self.0.observations()
        }
        fn on_indices(&self, indices: &[usize]) -> Option<f64> {
            self.0.on_indices(indices)
        }
        fn jackknife(&self) -> Option<Vec<f64>> {
            self.0.jackknife()
        }
    }

    #[test]
    fn interval_contains_the_estimate_and_is_reproducible() {
        let (b, f) = data();
        let statistic = PairedDav::new(&b, &f);
        let estimate = d_av(&b, &f).unwrap();
        let first = bca(&statistic, estimate, 1000, 7).unwrap();
        assert!(first.low < estimate && estimate < first.high, "{first:?}");
        let again = bca(&statistic, estimate, 1000, 7).unwrap();
        assert_eq!(first, again);
    }

    #[test]
    fn thread_count_does_not_change_the_resamples() {
        let (b, f) = data();
        let statistic = PairedDav::new(&b, &f);
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let three = rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .unwrap();
        let a = one.install(|| resample(&statistic, 500, 11));
        let c = three.install(|| resample(&statistic, 500, 11));
        assert_eq!(a, c);
    }

    #[test]
    fn norm_inter_matches_r_on_exact_ranks() {
        let sorted: Vec<f64> = (1..=999).map(f64::from).collect();
        // (R + 1) * 0.025 = 25 exactly: the 25th order statistic
        assert_eq!(normal_interpolated_quantile(&sorted, 0.025), 25.0);
    }
}
