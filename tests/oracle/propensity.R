# Expected values for belong's `propensity_*` rows and the attended-vs-not
# `comparison` rows, computed with R from Debian's packages: stats::glm
# (the propensity score), stats::lm with sandwich 3.0 (vcovHC HC0, vcovCL)
# and lmtest-style t tests on the residual df, MatchIt 4.5 (nearest
# neighbour matching), effectsize (Hedges' g) and base R for the balance
# statistics and the E-value (VanderWeele & Ding 2017, RR = exp(0.91 d)).
#
# Writes three fixture folders under tests/fixtures/ (data, belong.toml,
# expected/estimates.csv):
#   ps-arm          a non-randomised arm chosen more often by lonelier
#                   people who live alone: confounding that the weights
#                   remove; covariates age_band (3 levels) and lives_alone,
#                   a few missing; fewer comparison than intervention people
#   ps-attendance   no arm: referred people who never attended are the
#                   comparison; attending depends on the same covariates
#   ps-separation   every non-binary participant is in the intervention
#                   arm: the propensity model separates (the expected rows
#                   are the balance before adjustment; tests/propensity.rs
#                   checks the refusal)
#
# Run from the repository root:
#   Rscript tests/oracle/propensity.R
suppressPackageStartupMessages({
  library(sandwich)
  library(MatchIt)
  library(effectsize)
})
options(digits = 17)

fmt <- function(x) ifelse(is.na(x), "", format(x, digits = 17, scientific = FALSE, trim = TRUE))

row <- function(analysis, group_by, group, wave, contrast, estimate, value, n,
                ci = c(NA, NA), se = NA, df = NA, p = NA) {
  data.frame(outcome = "lon", analysis = analysis, group_by = group_by, group = group,
             wave = wave, contrast = contrast, estimate = estimate, value = fmt(value),
             ci_low = fmt(ci[1]), ci_high = fmt(ci[2]), se = fmt(se), df = fmt(df),
             p_value = fmt(p), p_adjusted = fmt(p), n = n, method = "", suppressed = "false")
}

# The t test and CI of `term` with covariance `V` on the residual df.
coef_test <- function(fit, V, term) {
  est <- coef(fit)[[term]]
  se <- sqrt(V[term, term])
  df <- fit$df.residual
  crit <- qt(0.975, df)
  list(est = est, se = se, df = df, p = 2 * pt(-abs(est / se), df),
       ci = c(est - crit * se, est + crit * se))
}

wvar <- function(x, w) {
  m <- sum(w * x) / sum(w)
  sum(w * (x - m)^2) / (sum(w) - sum(w^2) / sum(w))
}

ess <- function(w) sum(w)^2 / sum(w^2)

e_value <- function(d) {
  rr <- exp(0.91 * abs(d))
  rr + sqrt(rr * (rr - 1))
}

# Balance rows of one adjustment: `w` weights (0 = not in the set).
balance_rows <- function(analysis, d, covs, binary, w, treated_sd, group_by, group, contrast, sd_t, sd_p) {
  out <- list()
  keep <- w > 0
  n <- sum(keep)
  for (k in seq_along(covs)) {
    x <- d[[covs[k]]]
    t <- keep & d$treat == 1
    c <- keep & d$treat == 0
    diff <- sum(w[t] * x[t]) / sum(w[t]) - sum(w[c] * x[c]) / sum(w[c])
    label <- names(covs)[k]
    if (binary[k]) {
      out[[length(out) + 1]] <- row(analysis, group_by, group, "baseline", label, "smd", diff, n)
    } else {
      s <- if (treated_sd) sd_t[[k]] else sd_p[[k]]
      out[[length(out) + 1]] <- row(analysis, group_by, group, "baseline", label, "smd", diff / s, n)
      out[[length(out) + 1]] <- row(analysis, group_by, group, "baseline", label, "variance_ratio",
                                    wvar(x[t], w[t]) / wvar(x[c], w[c]), n)
    }
  }
  out[[length(out) + 1]] <- row(analysis, group_by, group, "baseline", contrast, "ess_treated",
                                ess(w[keep & d$treat == 1]), n)
  out[[length(out) + 1]] <- row(analysis, group_by, group, "baseline", contrast, "ess_control",
                                ess(w[keep & d$treat == 0]), n)
  do.call(rbind, out)
}

# Every propensity row for data `d` (columns treat, b, f and the dummies).
propensity_rows <- function(d, covs, binary, group_by, treated, reference, separates = FALSE) {
  contrast <- paste(treated, "-", reference)
  n <- nrow(d)
  sd_t <- sapply(covs, function(v) sd(d[[v]][d$treat == 1]))
  sd_p <- sapply(covs, function(v) sqrt((var(d[[v]][d$treat == 1]) + var(d[[v]][d$treat == 0])) / 2))
  out <- list(balance_rows("propensity_unadjusted", d, covs, binary, rep(1, n), TRUE,
                           group_by, treated, contrast, sd_t, sd_p))
  if (separates) return(do.call(rbind, out))
  ps_formula <- as.formula(paste("treat ~", paste(covs, collapse = " + ")))
  ps <- fitted(glm(ps_formula, data = d, family = binomial))
  pooled_sd <- sqrt(((sum(d$treat) - 1) * var(d$f[d$treat == 1]) +
                       (sum(1 - d$treat) - 1) * var(d$f[d$treat == 0])) / (n - 2))
  weights <- list(
    propensity_att = ifelse(d$treat == 1, 1, ps / (1 - ps)),
    propensity_ate = ifelse(d$treat == 1, 1 / ps, 1 / (1 - ps)),
    propensity_overlap = ifelse(d$treat == 1, 1 - ps, ps))
  for (analysis in names(weights)) {
    w <- weights[[analysis]]
    fit <- lm(f ~ treat + b, data = d, weights = w)
    t <- coef_test(fit, vcovHC(fit, type = "HC0"), "treat")
    out[[length(out) + 1]] <- row(analysis, group_by, treated, "followup", contrast,
                                  "adjusted_difference", t$est, n, t$ci, t$se, t$df, t$p)
    if (analysis == "propensity_att") {
      out[[length(out) + 1]] <- row(analysis, group_by, treated, "followup", contrast, "e_value",
                                    e_value(t$est / pooled_sd), n)
      lims <- t$ci / pooled_sd
      e_ci <- if (lims[1] <= 0 && lims[2] >= 0) 1 else e_value(min(abs(lims)))
      out[[length(out) + 1]] <- row(analysis, group_by, treated, "followup", contrast, "e_value_ci", e_ci, n)
    }
    out[[length(out) + 1]] <- balance_rows(analysis, d, covs, binary, w,
                                           analysis == "propensity_att", group_by, treated, contrast, sd_t, sd_p)
  }
  m <- matchit(ps_formula, data = d, method = "nearest")
  stopifnot(max(abs(m$distance - ps)) < 1e-10)
  md <- match.data(m)
  pairs <- nlevels(droplevels(factor(md$subclass)))
  fit <- lm(f ~ treat + b, data = md, weights = weights)
  t <- coef_test(fit, vcovCL(fit, cluster = ~subclass), "treat")
  out[[length(out) + 1]] <- row("propensity_matched", group_by, treated, "followup", contrast,
                                "n_matched_pairs", pairs, nrow(md))
  out[[length(out) + 1]] <- row("propensity_matched", group_by, treated, "followup", contrast,
                                "adjusted_difference", t$est, nrow(md), t$ci, t$se, t$df, t$p)
  matched_w <- as.numeric(seq_len(n) %in% as.integer(rownames(md)))
  out[[length(out) + 1]] <- balance_rows("propensity_matched", d, covs, binary, matched_w, TRUE,
                                         group_by, treated, contrast, sd_t, sd_p)
  do.call(rbind, out)
}

clamp <- function(x, lo, hi) pmin(pmax(x, lo), hi)

instrument <- '
[[instruments]]
id = "lon"
name = "Loneliness (fixture)"
direction = "higher_is_worse"
score_min = 0
score_max = 40
reliability = 0.8
source = "fixture values (invented)"
'

# People, covariates and scores; `select` gives P(treated).
simulate <- function(seed, n, select) {
  set.seed(seed)
  age <- sample(c("18-49", "50-69", "70+"), n, replace = TRUE, prob = c(0.3, 0.4, 0.3))
  alone <- runif(n) < 0.45
  gender <- sample(c("female", "male"), n, replace = TRUE, prob = c(0.6, 0.4))
  b <- clamp(round(20 + 3 * alone + 2 * (age == "70+") + rnorm(n, 0, 4)), 0, 40)
  treat <- as.integer(runif(n) < select(b, alone, age))
  f <- clamp(round(b - 2 * treat - 0.35 * (b - 20) + rnorm(n, 0, 3.5)), 0, 40)
  data.frame(id = sprintf("P%03d", seq_len(n)), age_band = age, lives_alone = alone,
             gender = gender, b = b, f = f, treat = treat, stringsAsFactors = FALSE)
}

write_inputs <- function(dir, people, arm, config) {
  dir.create(file.path(dir, "expected"), recursive = TRUE, showWarnings = FALSE)
  participants <- data.frame(participant_id = people$id, enrolled_on = "2025-01-06",
                             age_band = people$age_band,
                             lives_alone = ifelse(is.na(people$lives_alone), "",
                                                  tolower(as.character(people$lives_alone))),
                             gender = people$gender)
  if (arm) participants$arm <- ifelse(people$treat == 1, "intervention", "comparison")
  write.csv(participants, file.path(dir, "participants.csv"), row.names = FALSE, quote = FALSE, na = "")
  assessments <- rbind(
    data.frame(participant_id = people$id, wave = "baseline", assessed_on = "2025-01-06", lon_total = people$b),
    data.frame(participant_id = people$id, wave = "followup", assessed_on = "2025-04-07", lon_total = people$f))
  write.csv(assessments, file.path(dir, "assessments.csv"), row.names = FALSE, quote = FALSE)
  writeLines(c('waves = ["baseline", "followup"]', config, instrument), file.path(dir, "belong.toml"))
}

# The model's dummies, named as belong names them (first level the
# reference, levels in byte order).
dummies <- function(people) {
  d <- data.frame(treat = people$treat, b = people$b, f = people$f)
  d$age_50 <- as.numeric(people$age_band == "50-69")
  d$age_70 <- as.numeric(people$age_band == "70+")
  d$alone <- as.numeric(people$lives_alone)
  d
}
covs <- c("baseline score" = "b", "age_band = 50-69" = "age_50", "age_band = 70+" = "age_70",
          "lives_alone = true" = "alone")
binary <- c(FALSE, TRUE, TRUE, TRUE)


# --- costs (the `costs` rows) -------------------------------------------------
costs_config <- '
[costs]
total = 84000
currency = "GBP"
value_per_improvement = 1200
value_source = "fixture value (invented)"
'
wilson <- function(x, n) as.numeric(prop.test(x, n, correct = FALSE)$conf.int)
cost_rows <- function(people, treat_label, reference_label, group_by, sessions = NULL) {
  total <- 84000
  n <- nrow(people)
  prog <- function(estimate, value) {
    r <- row("costs", "all", "all", "", "", estimate, value, n)
    r$outcome <- ""
    r
  }
  out <- list(prog("cost_total", total), prog("cost_per_participant", total / n))
  if (!is.null(sessions)) out[[length(out) + 1]] <- prog("cost_per_attended_session", total / sum(sessions))
  rc <- 1.96 * sd(people$b) * sqrt(2 * (1 - 0.8))
  change <- people$f - people$b
  improved <- change < 0 & abs(change) > rc
  t <- people$treat == 1
  # The money bought the programme group's improvements, not the
  # comparison group's.
  k <- sum(improved[t]); served <- sum(t)
  ci <- wilson(k, served)
  out[[length(out) + 1]] <- row("costs", "all", "all", "followup", "", "cost_per_completer", total / n, n)
  out[[length(out) + 1]] <- row("costs", group_by, treat_label, "followup", "", "cost_per_reliable_improvement",
                                total / k, served, c(total / (ci[2] * served), total / (ci[1] * served)))
  out[[length(out) + 1]] <- row("costs", group_by, treat_label, "followup", "", "value_of_reliable_improvements",
                                1200 * k, served)
  kt <- sum(improved[t]); nt <- sum(t); kc <- sum(improved[!t]); nc <- sum(!t)
  w1 <- wilson(kt, nt); w2 <- wilson(kc, nc)
  p1 <- kt / nt; p2 <- kc / nc
  lower <- p1 - p2 - sqrt((p1 - w1[1])^2 + (w2[2] - p2)^2)
  upper <- p1 - p2 + sqrt((w1[2] - p1)^2 + (p2 - w2[1])^2)
  stopifnot(p1 > p2)
  ci <- if (lower > 0) c(total / (upper * nt), total / (lower * nt)) else c(NA, NA)
  out[[length(out) + 1]] <- row("costs", group_by, treat_label, "followup",
                                paste(treat_label, "-", reference_label),
                                "cost_per_additional_improvement", total / ((p1 - p2) * nt), n, ci)
  do.call(rbind, out)
}

# --- moderators (the `moderators` rows) ------------------------------------------
moderator_rows <- function(people, moderators, group_column = NULL) {
  out <- list(); tests <- list()
  for (m in moderators) {
    d <- people[!is.na(people[[m]]), ]
    d$mod <- factor(as.character(d[[m]]), levels = sort(unique(as.character(d[[m]])), method = "radix"))
    if (is.logical(people[[m]])) d$mod <- factor(tolower(as.character(d[[m]])), levels = c("false", "true"))
    d$change <- d$f - d$b
    level_rows <- list(); ps <- c()
    for (level in levels(d$mod)) {
      x <- d$change[d$mod == level]
      t <- t.test(x)
      level_rows[[length(level_rows) + 1]] <- row("moderators", m, level, "followup", "", "mean_change",
        unname(t$estimate), length(x), t$conf.int, t$stderr, t$parameter, t$p.value)
      ps <- c(ps, t$p.value)
    }
    level_rows <- do.call(rbind, level_rows)
    level_rows$p_adjusted <- fmt(p.adjust(ps, "holm"))
    out[[length(out) + 1]] <- level_rows
    a <- anova(lm(change ~ b, data = d), lm(change ~ b + mod, data = d))
    tests[[length(tests) + 1]] <- row("moderators", "moderator", "all", "followup", m, "moderator_f",
      a$F[2], nrow(d), df = a$Df[2], p = a[["Pr(>F)"]][2])
    if (!is.null(group_column)) {
      a <- anova(lm(f ~ b + treat + mod, data = d), lm(f ~ b + treat * mod, data = d))
      tests[[length(tests) + 1]] <- row("moderators", "moderator", "all", "followup", m, "group_by_moderator_f",
        a$F[2], nrow(d), df = a$Df[2], p = a[["Pr(>F)"]][2])
    }
  }
  tests <- do.call(rbind, tests)
  for (stat in unique(tests$estimate)) {
    which <- tests$estimate == stat
    tests$p_adjusted[which] <- fmt(p.adjust(as.numeric(tests$p_value[which]), "holm"))
  }
  rbind(do.call(rbind, out), tests)
}

# --- regression to the mean (the `regression_to_mean` rows) ----------------------
norms_config <- '
[norms.lon]
mean = 17
sd = 5
retest = 0.7
source = "an invented population for the fixture"
'
rtm_rows <- function(people) {
  n <- nrow(people)
  x0 <- mean(people$b)
  t <- t.test(people$f - people$b)
  expected <- (1 - 0.7) * (17 - x0)
  rbind(
    row("regression_to_mean", "all", "all", "followup", "", "baseline_percentile", 100 * pnorm((x0 - 17) / 5), n),
    row("regression_to_mean", "all", "all", "followup", "", "expected_rtm", expected, n),
    row("regression_to_mean", "all", "all", "followup", "", "change_net_of_rtm",
        unname(t$estimate) - expected, n, t$conf.int - expected))
}

# --- ps-arm ---------------------------------------------------------------
people <- simulate(17, 360, function(b, alone, age) plogis(0.9 + 0.12 * (b - 20) + 0.7 * alone - 0.6 * (age == "18-49")))
people$lives_alone[c(5, 77, 150, 222)] <- NA
write_inputs("tests/fixtures/ps-arm", people, TRUE, c('adjust_for = ["age_band", "lives_alone"]', costs_config, norms_config))
kept <- !is.na(people$lives_alone)
expected <- propensity_rows(dummies(people[kept, ]), covs, binary, "arm", "intervention", "comparison")
expected <- rbind(expected, cost_rows(people, "intervention", "comparison", "arm"))
expected <- rbind(expected, moderator_rows(people, c("age_band", "lives_alone", "gender"), "arm"))
expected <- rbind(expected, rtm_rows(people))
write.csv(expected, "tests/fixtures/ps-arm/expected/estimates.csv", row.names = FALSE)
cat("ps-arm:", nrow(expected), "rows;", sum(people$treat), "treated of", nrow(people), "\n")

# --- ps-attendance ----------------------------------------------------------
people <- simulate(23, 300, function(b, alone, age) plogis(1.2 - 0.08 * (b - 20) + 0.5 * alone + 0.4 * (age == "70+")))
write_inputs("tests/fixtures/ps-attendance", people, FALSE, c('adjust_for = ["age_band", "lives_alone"]', costs_config))
set.seed(99)
sessions <- ifelse(people$treat == 1, sample(1:12, nrow(people), replace = TRUE), 0)
attendance <- do.call(rbind, lapply(seq_len(nrow(people)), function(i) {
  offered <- max(sessions[i], 2)
  data.frame(participant_id = people$id[i],
             session_date = format(as.Date("2025-01-07") + 7 * (seq_len(offered) - 1)),
             activity = "walking group", format = "group",
             attended = ifelse(seq_len(offered) <= sessions[i], "true", "false"), minutes = "")
}))
write.csv(attendance, "tests/fixtures/ps-attendance/attendance.csv", row.names = FALSE, quote = FALSE)
d <- dummies(people)
expected <- propensity_rows(d, covs, binary, "attendance", "attended", "not attended")
# The plain comparison of attenders with non-attenders.
d$group <- factor(ifelse(d$treat == 1, "attended", "not attended"), levels = c("not attended", "attended"))
fit <- lm(f ~ b + group, data = d)
s <- summary(fit)$coefficients
ci <- confint(fit)["groupattended", ]
change <- d$f - d$b
welch <- t.test(change[d$treat == 1], change[d$treat == 0])
g <- hedges_g(change[d$treat == 1], change[d$treat == 0])
# effectsize inverts the noncentral t with uniroot's default tolerance
# (about 1e-8 here); the same inversion to full precision:
n1 <- sum(d$treat == 1); n0 <- sum(d$treat == 0)
scale <- sqrt(n1 * n0 / (n1 + n0))
pooled <- sqrt(((n1 - 1) * var(change[d$treat == 1]) + (n0 - 1) * var(change[d$treat == 0])) / (n1 + n0 - 2))
t_obs <- (mean(change[d$treat == 1]) - mean(change[d$treat == 0])) / pooled * scale
ncp_at <- function(prob) uniroot(function(ncp) pt(t_obs, n1 + n0 - 2, ncp) - prob,
                                 t_obs + c(-10, 10), tol = 1e-15)$root
correction <- g$Hedges_g / ((mean(change[d$treat == 1]) - mean(change[d$treat == 0])) / pooled)
stopifnot(abs(ncp_at(0.975) / scale * correction - g$CI_low) < 1e-6)
g$CI_low <- ncp_at(0.975) / scale * correction
g$CI_high <- ncp_at(0.025) / scale * correction
contrast <- "attended - not attended"
expected <- rbind(expected,
  row("comparison", "attendance", "attended", "followup", contrast, "ancova_difference",
      s["groupattended", 1], nrow(d), ci, s["groupattended", 2], fit$df.residual, s["groupattended", 4]),
  row("comparison", "attendance", "attended", "followup", contrast, "change_difference",
      unname(welch$estimate[1] - welch$estimate[2]), nrow(d), welch$conf.int, welch$stderr,
      welch$parameter, welch$p.value),
  row("comparison", "attendance", "attended", "followup", contrast, "hedges_g_change",
      g$Hedges_g, nrow(d), c(g$CI_low, g$CI_high)))
expected <- rbind(expected, cost_rows(people, "attended", "not attended", "attendance", sessions))
write.csv(expected, "tests/fixtures/ps-attendance/expected/estimates.csv", row.names = FALSE)
cat("ps-attendance:", nrow(expected), "rows;", sum(people$treat), "attended of", nrow(people), "\n")

# --- ps-separation ------------------------------------------------------------
people <- simulate(31, 200, function(b, alone, age) plogis(0.5 + 0.1 * (b - 20)))
nb <- c(3, 40, 90, 130, 171)
people$gender[nb] <- "non-binary"
people$treat[nb] <- 1
write_inputs("tests/fixtures/ps-separation", people, TRUE, 'adjust_for = ["gender"]')
d <- data.frame(treat = people$treat, b = people$b, f = people$f,
                male = as.numeric(people$gender == "male"),
                nonbinary = as.numeric(people$gender == "non-binary"))
sep_covs <- c("baseline score" = "b", "gender = male" = "male", "gender = non-binary" = "nonbinary")
fit <- suppressWarnings(glm(treat ~ b + male + nonbinary, data = d, family = binomial))
stopifnot(coef(fit)[["nonbinary"]] > 10)  # the coefficient runs off: separation
expected <- propensity_rows(d, sep_covs, c(FALSE, TRUE, TRUE), "arm", "intervention", "comparison", separates = TRUE)
write.csv(expected, "tests/fixtures/ps-separation/expected/estimates.csv", row.names = FALSE)
cat("ps-separation:", nrow(expected), "rows\n")
