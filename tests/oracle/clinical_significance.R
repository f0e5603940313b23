# Expected values for belong's `clinical_significance` rows (and the Wilson
# intervals of the `reliable_change` percentages), computed with the R
# package clinicalsignificance 2.1.0.9000 (Hagspiel, Hoffmann & Kuhlmann),
# installed from ../shared/reference/r-packages/clinicalsignificance as its
# ORACLE-NOTE.md says, and with stats::prop.test for Wilson intervals.
#
# Writes two fixture folders under tests/fixtures/ (data, belong.toml and
# expected/estimates.csv):
#   cs-wellbeing   custom totals-only scale, higher is better, half-point
#                  scores, scores that worsen on average, two sites, norms
#                  for cut-offs b and c, a minimal important change and a
#                  percentage change with exact ties on both thresholds;
#   cs-loneliness  ucla20 totals (registry reliability 0.92), lower is
#                  better, scores that improve, three cohorts.
#
# Run from the repository root:
#   Rscript tests/oracle/clinical_significance.R
.libPaths(c("~/R/oracle", .libPaths()))
suppressPackageStartupMessages({
  library(clinicalsignificance)
  library(dplyr)
})
options(digits = 17)

fmt <- function(x) ifelse(is.na(x), "", format(x, digits = 17, scientific = FALSE, trim = TRUE))

row <- function(outcome, group_by, group, wave, contrast, estimate, value, n,
                ci_low = NA, ci_high = NA) {
  data.frame(outcome = outcome, analysis = "clinical_significance", group_by = group_by,
             group = group, wave = wave, contrast = contrast, estimate = estimate,
             value = fmt(value), ci_low = fmt(ci_low), ci_high = fmt(ci_high), se = "", df = "",
             p_value = "", p_adjusted = "", n = n, method = "", suppressed = "false")
}

wilson <- function(x, n) {
  if (n == 0) return(c(NA, NA))
  100 * as.numeric(prop.test(x, n, correct = FALSE)$conf.int)
}

# Count and percentage rows of one partition (named counts, in order).
partition_rows <- function(outcome, group_by, group, wave, contrast, counts, analysis = "clinical_significance") {
  n <- sum(counts)
  out <- list()
  for (name in names(counts)) {
    out[[length(out) + 1]] <- row(outcome, group_by, group, wave, contrast, paste0("n_", name), counts[[name]], n)
  }
  for (name in names(counts)) {
    ci <- wilson(counts[[name]], n)
    out[[length(out) + 1]] <- row(outcome, group_by, group, wave, contrast, paste0("pct_", name),
                                  100 * counts[[name]] / n, n, ci[1], ci[2])
  }
  rows <- do.call(rbind, out)
  rows$analysis <- analysis
  rows
}

three <- c("improved", "unchanged", "deteriorated")
belong_three <- c("improved", "no_change", "deteriorated")
five <- c("recovered", "improved", "unchanged", "deteriorated", "harmed")
belong_five <- c("reliably_recovered", "improved", "no_change", "deteriorated", "harmed")

# The package's grouped summaries use dplyr's `.by`, which Debian's dplyr
# 1.0.10 lacks, so each approach runs once on every pair (its rules are
# fitted on every pair in any case) and the per-person categories it
# returns are counted per group here.
expected_rows <- function(long, outcome, group_col, wave, better_is, reliability,
                          norms = NULL, mic = NULL, pct = NULL, baseline_all = NULL) {
  rows <- list()
  add <- function(r) rows[[length(rows) + 1]] <<- r
  pairs <- long |> group_by(id) |> filter(n() == 2) |> ungroup()
  membership <- pairs |> distinct(id, group = .data[[group_col]])
  levels <- sort(unique(membership$group), method = "radix")
  groups <- c(list(list(group_by = "all", group = "all", value = NULL)),
              lapply(levels, function(l) list(group_by = group_col, group = l, value = l)))
  ids_of <- function(g) if (is.null(g$value)) membership$id else membership$id[membership$group == g$value]
  run <- function(fun, ...) {
    suppressMessages(fun(pairs, id = id, time = time, outcome = score, better_is = better_is, ...))
  }
  # Counts of each category (logical columns of `people`) among a group.
  count <- function(people, categories, names, g) {
    people <- people[people$id %in% ids_of(g), ]
    setNames(sapply(categories, function(cat) sum(people[[cat]])), names)
  }
  # The spec's JT rows: SD of every baseline score, 1.96, |d| > rc.
  rc <- 1.96 * sd(baseline_all) * sqrt(2 * (1 - reliability))
  wide <- pairs |> select(id, time, score) |>
    tidyr::pivot_wider(names_from = time, values_from = score, names_prefix = "t")
  direction <- if (better_is == "higher") 1 else -1
  for (g in groups) {
    w <- wide[wide$id %in% ids_of(g), ]
    d <- w$t1 - w$t0
    improved <- sum(direction * d > 0 & abs(d) > rc)
    deteriorated <- sum(direction * d < 0 & abs(d) > rc)
    counts <- c(improved = improved, no_change = nrow(w) - improved - deteriorated, deteriorated = deteriorated)
    jt <- partition_rows(outcome, g$group_by, g$group, wave, "", counts, analysis = "reliable_change")
    add(jt[startsWith(jt$estimate, "pct_"), ])
    # d_rm (Lakens 2013, eq. 9) with d_z's noncentral-t interval scaled by
    # sqrt(2(1 - r)); g_av = d_av x J(n - 1). Debian's effectsize 0.8.3
    # predates repeated_measures_d, so these follow the formulas.
    r <- cor(w$t0, w$t1)
    # d_z's interval as STATISTICS.md defines it: the exact noncentral-t
    # roots (effectsize's optimiser is looser).
    t <- mean(d) / sd(d) * sqrt(length(d))
    root <- function(p) uniroot(function(ncp) pt(t, length(d) - 1, ncp) - p,
                                c(t - 50, t + 50), tol = 1e-14)$root
    dz <- list(Cohens_d = mean(d) / sd(d), CI_low = root(0.975) / sqrt(length(d)),
               CI_high = root(0.025) / sqrt(length(d)))
    factor <- sqrt(2 * (1 - r))
    d_rm <- mean(d) / sqrt(var(w$t0) + var(w$t1) - 2 * cov(w$t0, w$t1)) * factor
    stopifnot(abs(d_rm - dz$Cohens_d * factor) < 1e-12)
    m <- nrow(w) - 1
    j <- exp(lgamma(m / 2) - 0.5 * log(m / 2) - lgamma((m - 1) / 2))
    d_av <- mean(d) / sqrt((var(w$t0) + var(w$t1)) / 2)
    effects <- rbind(
      row(outcome, g$group_by, g$group, wave, "", "d_rm", d_rm, nrow(w), dz$CI_low * factor, dz$CI_high * factor),
      row(outcome, g$group_by, g$group, wave, "", "g_av", d_av * j, nrow(w)),
      row(outcome, g$group_by, g$group, wave, "", "pct_worsened", 100 * mean(direction * d < 0), nrow(w))
    )
    effects$analysis <- "change"
    add(effects)
  }
  for (method in c("GLN", "HLL", "EN", "NK", "HA")) {
    result <- run(cs_distribution, reliability = reliability, rci_method = method)
    rci <- result$rci_results
    se <- switch(method, GLN = rci$se_prediction, HLL = rci$se_prediction, EN = rci$se_measurement,
                 HA = sqrt(rci$r_dd) * sqrt(2 * rci$se_measurement^2), NA)
    for (g in groups) {
      add(partition_rows(outcome, g$group_by, g$group, wave, method, count(rci$data, three, belong_three, g)))
      if (!is.na(se)) add(row(outcome, g$group_by, g$group, wave, method, "rci_se", se, length(ids_of(g))))
      if (method == "HA") add(row(outcome, g$group_by, g$group, wave, method, "r_dd", rci$r_dd, length(ids_of(g))))
    }
  }
  cutoffs <- if (is.null(norms)) "a" else c("a", "b", "c")
  for (type in cutoffs) {
    for (cutoff_method in c("JT", "HA")) {
      contrast <- if (cutoff_method == "JT") paste("cut-off", type) else paste("HA cut-off", type)
      args <- list(cutoff_type = type, cutoff_method = cutoff_method)
      if (cutoff_method == "HA") args$reliability <- reliability
      if (!is.null(norms)) { args$m_functional <- norms[1]; args$sd_functional <- norms[2] }
      result <- do.call(run, c(list(cs_statistical), args))
      people <- result$cutoff_results$data
      # create_summary_table.cs_statistical's categories.
      if (cutoff_method == "JT") {
        people$improved <- people$clinical_pre & people$functional_post
        people$deteriorated <- !people$clinical_pre & !people$functional_post
      } else {
        people$improved <- people$functional_post
        people$deteriorated <- people$clinical_post
      }
      people$unchanged <- !people$improved & !people$deteriorated
      for (g in groups) {
        add(partition_rows(outcome, g$group_by, g$group, wave, contrast, count(people, three, belong_three, g)))
        add(row(outcome, g$group_by, g$group, wave, contrast, "cutoff_value",
                result$cutoff_results$info$value, length(ids_of(g))))
      }
    }
    for (method in c("JT", "GLN", "HLL", "EN", "NK", "HA")) {
      args <- list(cutoff_type = type, rci_method = method, reliability = reliability)
      # cs_combined, unlike cs_distribution, does not default NK's
      # follow-up reliability to the baseline's.
      if (method == "NK") args$reliability_post <- reliability
      if (!is.null(norms)) { args$m_functional <- norms[1]; args$sd_functional <- norms[2] }
      result <- do.call(run, c(list(cs_combined), args))
      contrast <- paste0(method, " + cut-off ", type)
      people <- result$summary_table$categories
      for (g in groups) {
        add(partition_rows(outcome, g$group_by, g$group, wave, contrast, count(people, five, belong_five, g)))
      }
      if (method == "HA" && type == "a") {
        # create_summary_table.cs_combined's group-level percentages, per group.
        r_dd <- result$rci_results$r_dd
        se <- result$rci_results$se_measurement
        cutoff <- result$cutoff_results$info$value
        reliability_post <- result$cutoff_results$reliability_post
        for (g in groups) {
          w <- wide[wide$id %in% ids_of(g), ]
          change <- w$t1 - w$t0
          z_changed <- (0 - mean(change)) / (sd(change) * sqrt(r_dd))
          z_functional <- (cutoff - mean(w$t1)) / (sd(w$t1) * sqrt(reliability_post))
          if (direction == 1) {
            changed <- 1 - pnorm(z_changed); functional <- 1 - pnorm(z_functional)
          } else {
            changed <- pnorm(z_changed); functional <- pnorm(z_functional)
          }
          if (is.null(g$value)) {
            level <- result$summary_table$group_level_summary
            stopifnot(abs(level$percent[level$category == "Changed"] - changed) < 1e-12)
          }
          add(row(outcome, g$group_by, g$group, wave, "HA", "pct_changed_group_level", 100 * changed, nrow(w)))
          add(row(outcome, g$group_by, g$group, wave, "HA", "pct_functional_group_level", 100 * functional, nrow(w)))
        }
      }
    }
  }
  if (!is.null(mic)) {
    result <- run(cs_anchor, mid_improvement = mic, mid_deterioration = mic, target = "individual")
    for (g in groups) {
      add(partition_rows(outcome, g$group_by, g$group, wave, "anchor",
                         count(result$anchor_results$data, three, belong_three, g)))
    }
  }
  if (!is.null(pct)) {
    result <- run(cs_percentage, pct_improvement = pct, pct_deterioration = pct)
    for (g in groups) {
      add(partition_rows(outcome, g$group_by, g$group, wave, "percentage",
                         count(result$pct_results, three, belong_three, g)))
    }
  }
  do.call(rbind, rows)
}

write_fixture <- function(name, participants, assessments, toml, expected, readme) {
  dir <- file.path("tests/fixtures", name)
  dir.create(file.path(dir, "expected"), recursive = TRUE, showWarnings = FALSE)
  write.csv(participants, file.path(dir, "participants.csv"), row.names = FALSE, quote = FALSE)
  write.csv(assessments, file.path(dir, "assessments.csv"), row.names = FALSE, quote = FALSE, na = "")
  writeLines(toml, file.path(dir, "belong.toml"))
  writeLines(readme, file.path(dir, "README.md"))
  write.csv(expected, file.path(dir, "expected/estimates.csv"), row.names = FALSE, na = "")
}

## cs-wellbeing ---------------------------------------------------------
set.seed(1801)
n <- 160
ids <- sprintf("W%03d", 1:n)
site <- ifelse(runif(n) < 0.55, "North", "South")
pre <- pmin(35, pmax(7, round(2 * rnorm(n, 22, 4)) / 2))
post <- pmin(35, pmax(7, round(2 * (pre - 1 + rnorm(n, 0, 3))) / 2))
# Exact ties: a change of exactly the MIC (3 points) and of exactly 10%.
pre[1:4] <- c(20, 25, 30, 22); post[1:4] <- c(23, 22, 33, 19)
pre[5:8] <- c(20, 25, 30, 15); post[5:8] <- c(22, 27.5, 27, 13.5)
has_post <- c(rep(TRUE, 8), runif(n - 8) < 0.88)
long <- bind_rows(
  data.frame(id = ids, time = 0, score = pre, site = site),
  data.frame(id = ids[has_post], time = 1, score = post[has_post], site = site[has_post])
)
participants <- data.frame(participant_id = ids, site = site, enrolled_on = "2025-01-06")
assessments <- bind_rows(
  data.frame(participant_id = ids, wave = "baseline", assessed_on = "2025-01-06", wb_total = pre),
  data.frame(participant_id = ids[has_post], wave = "month6", assessed_on = "2025-07-07", wb_total = post[has_post])
)
toml <- c(
  'waves = ["baseline", "month6"]',
  'rci_methods = ["JT", "GLN", "HLL", "EN", "NK", "HA"]',
  "pct_improvement = 0.1",
  "",
  "[norms.wb]",
  "mean = 28",
  "sd = 4",
  'source = "a functional population for the fixture (invented)"',
  "",
  "[[instruments]]",
  'id = "wb"',
  'name = "Wellbeing (fixture)"',
  'direction = "higher_is_better"',
  "score_min = 7",
  "score_max = 35",
  "reliability = 0.85",
  "mic = 3",
  'source = "fixture values (invented)"'
)
expected <- expected_rows(long, "wb", "site", "month6", "higher", 0.85,
                          norms = c(28, 4), mic = 3, pct = 0.1, baseline_all = pre)
write_fixture("cs-wellbeing", participants, assessments, toml, expected, c(
  "# cs-wellbeing",
  "",
  "Synthetic (tests/oracle/clinical_significance.R, seed 1801). 160 participants at two sites;",
  "a totals-only wellbeing scale `wb` (7-35, higher is better, half-point scores, reliability 0.85)",
  "that worsens by about a point on average. Norms (mean 28, SD 4) give cut-offs b and c;",
  "a minimal important change of 3 points and a 10% change both have exact ties.",
  "Expected values: clinicalsignificance 2.1.0.9000 and prop.test (Wilson)."
))

## cs-loneliness --------------------------------------------------------
set.seed(1802)
n <- 200
ids <- sprintf("L%03d", 1:n)
cohort <- sample(c("2024-autumn", "2025-spring", "2025-summer"), n, replace = TRUE)
pre <- pmin(80, pmax(20, round(rnorm(n, 52, 9))))
post <- pmin(80, pmax(20, round(pre - 5 + rnorm(n, 0, 6))))
has_post <- runif(n) < 0.85
long <- bind_rows(
  data.frame(id = ids, time = 0, score = pre, cohort = cohort),
  data.frame(id = ids[has_post], time = 1, score = post[has_post], cohort = cohort[has_post])
)
participants <- data.frame(participant_id = ids, cohort = cohort, enrolled_on = "2025-01-06")
assessments <- bind_rows(
  data.frame(participant_id = ids, wave = "baseline", assessed_on = "2025-01-06", ucla20_total = pre),
  data.frame(participant_id = ids[has_post], wave = "week12", assessed_on = "2025-03-31", ucla20_total = post[has_post])
)
toml <- c('rci_methods = ["GLN", "HLL", "EN", "NK", "HA"]')
expected <- expected_rows(long, "ucla20", "cohort", "week12", "lower", 0.92, baseline_all = pre)
write_fixture("cs-loneliness", participants, assessments, toml, expected, c(
  "# cs-loneliness",
  "",
  "Synthetic (tests/oracle/clinical_significance.R, seed 1802). 200 participants in three cohorts;",
  "ucla20 totals (registry reliability 0.92, lower is better) that improve by about 5 points.",
  "Expected values: clinicalsignificance 2.1.0.9000 and prop.test (Wilson)."
))
