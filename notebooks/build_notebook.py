"""Writes explore.ipynb from the cells below (kept as code for review)."""
import nbformat as nbf

cells = []
md = lambda s: cells.append(nbf.v4.new_markdown_cell(s.strip()))
code = lambda s: cells.append(nbf.v4.new_code_cell(s.strip()))

md("""
# Exploring a belong report

This notebook starts from a report folder's machine-readable outputs:

- `estimates.parquet` — every number in the report, one tidy row each;
- `internal/panel.parquet` — one row per participant (pseudonymous ids,
  scores per wave, change, sessions attended, covariates). **Not for
  publication**: keep anything derived from it inside your organisation.

It reproduces the headline change independently with scipy, draws a figure
the report does not have, and fits an extra model with statsmodels.

Set `BELONG_REPORT` to a report folder; by default it reads
`reports/sample`, written by `cargo run -- report data/sample`.
""")

code("""
import json
import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import statsmodels.formula.api as smf
from scipy import stats

report = Path(os.environ.get("BELONG_REPORT", Path.cwd().parent / "reports" / "sample"))
manifest = json.loads((report / "manifest.json").read_text())
estimates = pd.read_parquet(report / "estimates.parquet")
panel = pd.read_parquet(report / "internal" / "panel.parquet")

outcome = manifest["outcomes"][0]
waves = manifest["waves"]["waves"]
baseline = waves[manifest["waves"]["baseline"]]
followup = waves[manifest["waves"]["followup"]]
print(f"report {report}: {len(panel)} participants, outcome {outcome}, {baseline} -> {followup}")
estimates.head()
""")

md("""
## The headline change, reproduced with scipy

The report's `change` row for everyone is a paired t-test of follow-up minus
baseline among participants with both scores. scipy's `ttest_rel` on the
panel must give the same mean change and p-value.
""")

code("""
headline = estimates.query(
    "outcome == @outcome and analysis == 'change' and group_by == 'all' and estimate == 'mean_change'"
).iloc[0]

pairs = panel.dropna(subset=[f"{outcome}_{baseline}", f"{outcome}_{followup}"])
b = pairs[f"{outcome}_{baseline}"].to_numpy()
f = pairs[f"{outcome}_{followup}"].to_numpy()
test = stats.ttest_rel(f, b)
mean_change = float(np.mean(f - b))

print(f"report: mean change {headline.value:.6f} (95% CI {headline.ci_low:.4f} to {headline.ci_high:.4f}), p = {headline.p_value:.6g}, n = {headline.n}")
print(f"scipy:  mean change {mean_change:.6f}, p = {test.pvalue:.6g}, n = {len(pairs)}")

assert len(pairs) == headline.n
assert abs(mean_change - headline.value) <= 1e-9 * abs(headline.value)
assert abs(test.pvalue - headline.p_value) <= 1e-9 * headline.p_value
ci = test.confidence_interval()
assert abs(ci.low - headline.ci_low) <= 1e-9 * abs(headline.ci_low)
assert abs(ci.high - headline.ci_high) <= 1e-9 * abs(headline.ci_high)
print("scipy agrees with the report to 1e-9")
""")

md("""
## A figure the report does not have: change by age band and sessions attended

Each point is a participant with both scores; lines are least-squares fits
within each age band. A negative change is an improvement.
""")

code("""
pairs = pairs.assign(change=pairs[f"{outcome}_change"])
bands = sorted(pairs["age_band"].dropna().unique()) if "age_band" in pairs else ["all"]
colours = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00"]
fig, ax = plt.subplots(figsize=(8, 5))
for colour, band in zip(colours, bands):
    group = pairs[pairs["age_band"] == band] if band != "all" else pairs
    ax.scatter(group["sessions"], group["change"], s=18, alpha=0.6, color=colour, label=f"{band} (n = {len(group)})")
    if group["sessions"].nunique() > 1:
        slope, intercept = np.polyfit(group["sessions"], group["change"], 1)
        xs = np.linspace(group["sessions"].min(), group["sessions"].max(), 20)
        ax.plot(xs, intercept + slope * xs, color=colour)
ax.axhline(0, color="#555", linewidth=0.8)
ax.set_xlabel("sessions attended")
ax.set_ylabel(f"change in {outcome} ({followup} − {baseline}, points)")
ax.set_title(f"Change in {outcome} by sessions attended and age band")
ax.legend(title="age band", fontsize=8)
fig.tight_layout()
plt.show()
""")

md("""
## An extra model with statsmodels

The report's dose-response slope comes from `lm(d ~ sessions + b)`. Here the
same model is fitted with statsmodels (its slope must equal the report's),
then extended with age band and arm as covariates — a model the report does
not fit.
""")

code("""
frame = pairs.rename(columns={f"{outcome}_{baseline}": "baseline_score"})
simple = smf.ols("change ~ sessions + baseline_score", data=frame).fit()
reported = estimates.query(
    "outcome == @outcome and analysis == 'dose_response' and group_by == 'all' and estimate == 'slope_per_session'"
).iloc[0]
assert abs(simple.params["sessions"] - reported.value) <= 1e-9 * abs(reported.value)
assert abs(simple.bse["sessions"] - reported.se) <= 1e-9 * reported.se
print(f"slope per session: statsmodels {simple.params['sessions']:.6f}, report {reported.value:.6f}")

terms = ["sessions", "baseline_score"] + [c for c in ["C(age_band)", "C(arm)"] if c[2:-1] in frame]
extended = smf.ols("change ~ " + " + ".join(terms), data=frame).fit(cov_type="HC3")
print(extended.summary().tables[1])
""")

nb = nbf.v4.new_notebook(cells=cells, metadata={
    "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
    "language_info": {"name": "python"},
})
nbf.write(nb, "explore.ipynb")
