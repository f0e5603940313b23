#!/usr/bin/env bash
# End-to-end benchmark: writes docs/performance.md from measurements, never
# typed figures. Generates the national dataset once (1,000,000
# participants, 3 waves of ucla20 items, an 18-week program), then times in
# one run, 3 repetitions each, medians reported:
#   - synth itself;
#   - the I/O floor: polars alone reading every column belong reads from the
#     Parquet tables and aggregating attendance per participant
#     (examples/io_floor.rs);
#   - `belong report` on the national Parquet data: wall time, peak RSS
#     (GNU time -v) and belong's own stage timings (manifest.json);
#   - `belong report` on the same data as CSV (once);
#   - `belong report` on data/sample;
#   - byte-identical estimates with --threads 1;
#   - with --against BINARY, an earlier build (e.g. of main) on the national
#     Parquet report, alternating run by run with this build so that both
#     see the same machine load, and the ratio of their medians.
#
#   bash scripts/bench.sh [--against BINARY] [DATA_DIR]   (default: target/national)
set -euo pipefail
cd "$(dirname "$0")/.."
against=""
if [ "${1:-}" = "--against" ]; then
    against="$(realpath "${2:?--against needs the path of a belong binary}")"
    shift 2
    [ -x "$against" ] || { echo "--against: $against is not an executable belong binary" >&2; exit 2; }
fi
data="${1:-target/national}"
runs=3
cargo build --release --quiet --bin belong --example io_floor
target_dir="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
belong="$target_dir/release/belong"
io_floor="$target_dir/release/examples/io_floor"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

median() { python3 -c 'import sys,statistics; v=[float(x) for x in sys.argv[1:]]; print(f"{statistics.median(v):.2f}")' "$@"; }
# median_mib KIB...: the median of peak memories in KiB, in whole MiB.
median_mib() { python3 -c 'import sys,statistics; print(round(statistics.median([int(x) for x in sys.argv[1:]]) / 1024))' "$@"; }

# timed CMD...: prints "seconds peak_kib" using GNU time.
timed() {
    /usr/bin/time -f "%e %M" -o "$scratch/time" "$@" > /dev/null 2> "$scratch/stderr" || { cat "$scratch/stderr" >&2; exit 1; }
    cat "$scratch/time"
}

synth_line="| belong synth | not run: the dataset in $data was reused | |"
if [ ! -f "$data/parquet/attendance.parquet" ]; then
    echo "generating the national dataset into $data ..." >&2
    read -r s kib < <(timed "$belong" synth --out "$data" --participants 1000000 --instrument ucla20 --waves 3 --weeks 18 --format both)
    synth_line="| belong synth (1,000,000 participants, CSV + Parquet) | $s s | $((kib / 1024)) MiB |"
fi
rows() { python3 - "$1" <<'PY'
import sys, os
folder = sys.argv[1]
for t in ("participants", "assessments", "attendance"):
    with open(os.path.join(folder, "csv", t + ".csv"), "rb") as f:
        n = sum(1 for _ in f) - 1
    print(f"{t}={n}", end=" ")
PY
}
counts="$(rows "$data")"

floor=(); report=(); rss=(); sample=(); base=(); base_rss=()
for i in $(seq $runs); do
    floor+=("$("$io_floor" "$data/parquet" | awk '{print $1}')")
    if [ -n "$against" ]; then
        rm -rf "$scratch/base"
        read -r s kib < <(timed "$against" report "$data/parquet" --out "$scratch/base" --quiet)
        base+=("$s"); base_rss+=("$kib")
    fi
    rm -rf "$scratch/report"
    read -r s kib < <(timed "$belong" report "$data/parquet" --out "$scratch/report" --quiet)
    report+=("$s"); rss+=("$kib")
    cp "$scratch/report/manifest.json" "$scratch/manifest-$i.json"
    rm -rf "$scratch/sample"
    read -r s kib < <(timed "$belong" report data/sample --out "$scratch/sample" --quiet)
    sample+=("$s")
done
rm -rf "$scratch/one"
"$belong" report "$data/parquet" --out "$scratch/one" --quiet --threads 1
if cmp -s "$scratch/one/estimates.csv" "$scratch/report/estimates.csv"; then identical="yes"; else identical="NO"; fi
# The same data as CSV, once: large CSV files are read in batches.
rm -rf "$scratch/csv"
read -r csv_s csv_kib < <(timed "$belong" report "$data/csv" --out "$scratch/csv" --quiet)
if cmp -s "$scratch/csv/estimates.csv" "$scratch/report/estimates.csv"; then csv_identical="yes"; else csv_identical="NO"; fi

stages="$(python3 - "$scratch" $runs <<'PY'
import json, statistics, sys
scratch, runs = sys.argv[1], int(sys.argv[2])
timings = [json.load(open(f"{scratch}/manifest-{i}.json"))["timings"] for i in range(1, runs + 1)]
for stage in ["ingest_ms", "validate_ms", "score_ms", "panel_ms", "analyses_ms", "render_ms"]:
    values = [t.get(stage, 0) for t in timings]
    print(f"| {stage[:-3]} | {statistics.median(values) / 1000:.2f} s |")
PY
)"

floor_median="$(median "${floor[@]}")"
report_median="$(median "${report[@]}")"
rss_median="$(median_mib "${rss[@]}")"
ratio="$(python3 -c "print(f'{$report_median / $floor_median:.1f}')")"
sample_median="$(median "${sample[@]}")"
against_lines=""
if [ -n "$against" ]; then
    base_median="$(median "${base[@]}")"
    base_rss_median="$(median_mib "${base_rss[@]}")"
    base_ratio="$(python3 -c "print(f'{$report_median / $base_median:.3f}')")"
    against_lines="
An earlier build, $against, ran alternately with this one in the same run:
national report $base_median s, peak $base_rss_median MiB (runs ${base[*]}).
This build takes ${base_ratio}x its time."
fi
cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
memory="$(free -g | awk '/^Mem:/ {print $2}')"

cat > docs/performance.md <<MD
# Performance

Generated by \`bash scripts/bench.sh\` on $(date -u +%Y-%m-%d); do not edit by hand.
Machine: $(nproc) cores ($cpu), ${memory} GiB memory. Release build.
Medians of $runs runs; every figure comes from the same run of the script.

National dataset (\`belong synth --participants 1000000 --instrument ucla20 --waves 3 --weeks 18 --format both\`):
$counts

| what | wall | peak memory |
|---|---|---|
${synth_line}
| I/O floor: polars reads every column belong reads from the Parquet tables and aggregates attendance per participant (sessions, group sessions, minutes, last date, an activity) | $floor_median s | |
| \`belong report DATA/parquet\` (full report, charts included) | $report_median s | $rss_median MiB |
| \`belong report DATA/csv\` (the same data as CSV; one run) | $csv_s s | $((csv_kib / 1024)) MiB |
| \`belong report data/sample\` | $sample_median s | |

The full report takes ${ratio}× the I/O floor. Output with \`--threads 1\` is byte-identical to the default: $identical.
Estimates from the CSV copy are byte-identical to those from Parquet: $csv_identical.
$against_lines

Stages of \`belong report\` on the national data (from manifest.json). Each stage's own
elapsed time; they overlap, so they add up to more than the run. Attendance is streamed
part by part (reading and converting it counts as ingest, checking and counting it as
validate) while score, panel and the analyses that do not need attendance run beside
it; the internal panel file is encoded beside the last analyses (counted there, not in
render).

| stage | median |
|---|---|
$stages

Runs (s): I/O floor ${floor[*]}; report ${report[*]}; sample ${sample[*]}.
Kernel benchmarks: \`cargo bench --bench kernels\` (criterion).
MD
echo "wrote docs/performance.md" >&2
cat docs/performance.md
