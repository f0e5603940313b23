# Expected values for belong's clustered-delivery rows. Fixture
# tests/fixtures/cluster-arms: CR2 cluster-robust tests with Satterthwaite
# df from clubSandwich 0.5.8 (coef_test, conf_int), and the ICC of change
# from lme4::lmer(change ~ 1 + (1 | circle)) fitted by REML. Fixture
# tests/fixtures/cluster-waves: the mixed model over three waves with
# circles, lmerTest::lmer(score ~ wave (* arm) + (1 | circle) + (1 |
# circle:participant)), Satterthwaite df (see the second half).
#
# The data: 22 peer circles of 3 to 30 people, whole circles randomised to
# the intervention or the comparison arm (11 each); a circle shifts its
# members' follow-up together. Three people have no circle recorded and
# are left out of the clustered rows; some have no follow-up.
#
# Run from the repository root:
#   Rscript tests/oracle/clustered.R
suppressPackageStartupMessages({
  library(clubSandwich)
  library(lme4)
  library(lmerTest)
})
set.seed(2212)
dir <- "tests/fixtures/cluster-arms"
circles <- 22
size <- sample(3:30, circles, replace = TRUE)
arm_of <- sample(rep(c("intervention", "comparison"), each = circles / 2))
circle <- rep(seq_len(circles), times = size)
n <- length(circle)
shift <- rnorm(circles, 0, 1.6)
id <- sprintf("P%03d", seq_len(n))
arm <- arm_of[circle]
baseline <- pmin(40, pmax(0, round(rnorm(n, 22, 6))))
followup <- pmin(40, pmax(0, round(0.6 * baseline + 8 - 2 * (arm == "intervention") +
                                    shift[circle] + rnorm(n, 0, 4))))
followup[sample(n, 25)] <- NA
label <- sprintf("circle-%02d", circle)
label[sample(n, 3)] <- ""
participants <- data.frame(participant_id = id, enrolled_on = "2025-02-03", arm = arm, circle = label)
write.csv(participants, file.path(dir, "participants.csv"), row.names = FALSE, quote = FALSE)
long <- rbind(
  data.frame(participant_id = id, wave = "baseline", assessed_on = "2025-02-03", lon_total = baseline),
  data.frame(participant_id = id, wave = "followup", assessed_on = "2025-05-05", lon_total = followup)
)
long <- long[!is.na(long$lon_total), ]
long <- long[order(long$participant_id, long$wave), ]
write.csv(long, file.path(dir, "assessments.csv"), row.names = FALSE, quote = FALSE)

fmt <- function(x) ifelse(is.na(x), "", format(x, digits = 17, scientific = FALSE, trim = TRUE))
row <- function(analysis, group_by, group, contrast, estimate, value, n,
                ci = c(NA, NA), se = NA, df = NA, p = NA, p_adjusted = p) {
  data.frame(outcome = "lon", analysis = analysis, group_by = group_by, group = group,
             wave = "followup", contrast = contrast, estimate = estimate, value = fmt(value),
             ci_low = fmt(ci[1]), ci_high = fmt(ci[2]), se = fmt(se), df = fmt(df),
             p_value = fmt(p), p_adjusted = fmt(p_adjusted), n = n, method = "", suppressed = "false")
}
# The CR2 test of `term`: clubSandwich's coef_test and conf_int.
cr2 <- function(fit, cluster, term) {
  t <- coef_test(fit, vcov = "CR2", cluster = cluster, test = "Satterthwaite")
  ci <- conf_int(fit, vcov = "CR2", cluster = cluster, level = 0.95)
  k <- which(names(coef(fit)) == term)
  list(est = t$beta[k], se = t$SE[k], df = t$df_Satt[k], p = t$p_Satt[k],
       ci = c(ci$CI_L[k], ci$CI_U[k]))
}

d <- data.frame(arm = arm, circle = label, b = baseline, f = followup)
d <- d[!is.na(d$f) & d$circle != "", ]
d$change <- d$f - d$b
rows <- list()
add <- function(r) rows[[length(rows) + 1]] <<- r

groups <- list(list("all", "all", rep(TRUE, nrow(d))))
for (level in sort(unique(d$arm))) groups[[length(groups) + 1]] <- list("arm", level, d$arm == level)
change_p <- c()
for (g in groups) {
  s <- d[g[[3]], ]
  k <- nrow(s)
  clusters <- length(unique(s$circle))
  add(row("clustering", g[[1]], g[[2]], "", "n_clusters", clusters, k))
  add(row("clustering", g[[1]], g[[2]], "", "mean_cluster_size", k / clusters, k))
  m <- lmer(change ~ 1 + (1 | circle), data = s, REML = TRUE)
  vc <- as.data.frame(VarCorr(m))
  between <- vc$vcov[vc$grp == "circle"]
  within <- vc$vcov[vc$grp == "Residual"]
  icc <- between / (between + within)
  add(row("clustering", g[[1]], g[[2]], "", "variance_between_clusters", between, k))
  add(row("clustering", g[[1]], g[[2]], "", "variance_within_clusters", within, k))
  add(row("clustering", g[[1]], g[[2]], "", "icc_change", icc, k))
  add(row("clustering", g[[1]], g[[2]], "", "design_effect", 1 + (k / clusters - 1) * icc, k))
  t <- cr2(lm(change ~ 1, data = s), s$circle, "(Intercept)")
  add(row("change", g[[1]], g[[2]], "", "mean_change_cr2", t$est, k, t$ci, t$se, t$df, t$p))
  if (g[[1]] == "arm") change_p <- c(change_p, length(rows))
}
# Holm across the arms, as belong adjusts each family over its groups.
p <- sapply(change_p, function(i) as.numeric(rows[[i]]$p_value))
adjusted <- p.adjust(p, "holm")
for (j in seq_along(change_p)) rows[[change_p[j]]]$p_adjusted <- fmt(adjusted[j])

d$arm <- factor(d$arm, levels = c("comparison", "intervention"))
contrast <- "intervention - comparison"
t <- cr2(lm(f ~ b + arm, data = d), d$circle, "armintervention")
add(row("comparison", "arm", "intervention", contrast, "ancova_difference_cr2", t$est, nrow(d), t$ci, t$se, t$df, t$p))
t <- cr2(lm(change ~ arm, data = d), d$circle, "armintervention")
add(row("comparison", "arm", "intervention", contrast, "change_difference_cr2", t$est, nrow(d), t$ci, t$se, t$df, t$p))
expected <- do.call(rbind, rows)
write.csv(expected, file.path(dir, "expected/estimates.csv"), row.names = FALSE)
cat(sprintf("%d people in %d circles; %d expected rows\n", n, circles, nrow(expected)))

# ---- cluster-waves: three waves, circles randomised whole --------------
# lmer's default optimiser stops near 1e-6 in the variance parameters;
# bobyqa is run to rhoend = 1e-12 so that the expected values are the
# REML optimum, not a point near it.
tight <- lmerControl(optimizer = "bobyqa", optCtrl = list(rhoend = 1e-12, maxfun = 1e5))
dir <- "tests/fixtures/cluster-waves"
circles <- 16
size <- sample(3:20, circles, replace = TRUE)
arm_of <- sample(rep(c("intervention", "comparison"), each = circles / 2))
circle <- rep(seq_len(circles), times = size)
n <- length(circle)
shift <- rnorm(circles, 0, 1.5)
person <- rnorm(n, 0, 3)
id <- sprintf("P%03d", seq_len(n))
arm <- arm_of[circle]
label <- sprintf("circle-%02d", circle)
label[sample(n, 2)] <- ""
waves <- c("baseline", "week12", "month6")
dates <- c("2025-02-03", "2025-04-28", "2025-08-04")
long <- do.call(rbind, lapply(1:3, function(w) {
  score <- 22 + shift[circle] + person - (w - 1) * (0.6 + 1.2 * (arm == "intervention")) + rnorm(n, 0, 3)
  data.frame(participant_id = id, wave = waves[w], assessed_on = dates[w],
             lon_total = pmin(40, pmax(0, round(score))), circle = label, arm = arm)
}))
long <- long[-sample(which(long$wave != "baseline"), 60), ]
long <- long[order(long$participant_id, match(long$wave, waves)), ]
participants <- data.frame(participant_id = id, enrolled_on = "2025-02-03", arm = arm, circle = label)
write.csv(participants, file.path(dir, "participants.csv"), row.names = FALSE, quote = FALSE)
write.csv(long[, c("participant_id", "wave", "assessed_on", "lon_total")],
          file.path(dir, "assessments.csv"), row.names = FALSE, quote = FALSE)

d <- long[long$circle != "", ]
d$wave <- factor(d$wave, levels = waves)
rows <- list()
add <- function(r) rows[[length(rows) + 1]] <<- r
lrow <- function(group_by, group, wave, contrast, estimate, t, n, p = TRUE) {
  data.frame(outcome = "lon", analysis = "longitudinal", group_by = group_by, group = group,
             wave = wave, contrast = contrast, estimate = estimate, value = fmt(t$Estimate),
             ci_low = fmt(t$Estimate - qt(0.975, t$df) * t$`Std. Error`),
             ci_high = fmt(t$Estimate + qt(0.975, t$df) * t$`Std. Error`),
             se = fmt(t$`Std. Error`), df = fmt(t$df),
             p_value = if (p) fmt(t$`Pr(>|t|)`) else "", p_adjusted = if (p) fmt(t$`Pr(>|t|)`) else "",
             n = n, method = "", suppressed = "false")
}
groups <- list(list("all", "all", rep(TRUE, nrow(d))))
for (level in sort(unique(d$arm))) groups[[length(groups) + 1]] <- list("arm", level, d$arm == level)
effect_rows <- list()
for (g in groups) {
  s <- d[g[[3]], ]
  people <- length(unique(s$participant_id))
  m <- lmer(lon_total ~ wave + (1 | circle) + (1 | circle:participant_id), data = s, REML = TRUE, control = tight)
  for (w in 2:3) {
    L <- c(1, 0, 0) * 0; L[w] <- 1
    add(lrow(g[[1]], g[[2]], waves[w], "", "wave_effect", contest1D(m, L), people))
    if (g[[1]] == "arm") effect_rows[[waves[w]]] <- c(effect_rows[[waves[w]]], length(rows))
  }
  for (w in 1:3) {
    L <- c(1, 0, 0); if (w > 1) L[w] <- 1
    add(lrow(g[[1]], g[[2]], waves[w], "", "wave_mean", contest1D(m, L), people, p = FALSE))
  }
}
# Holm across the arms for each wave's effect.
for (w in names(effect_rows)) {
  idx <- effect_rows[[w]]
  p <- sapply(idx, function(i) as.numeric(rows[[i]]$p_value))
  adjusted <- p.adjust(p, "holm")
  for (j in seq_along(idx)) rows[[idx[j]]]$p_adjusted <- fmt(adjusted[j])
}
d$arm <- factor(d$arm, levels = c("comparison", "intervention"))
m <- lmer(lon_total ~ wave * arm + (1 | circle) + (1 | circle:participant_id), data = d, REML = TRUE, control = tight)
people <- length(unique(d$participant_id))
for (w in 2:3) {
  L <- rep(0, length(fixef(m)))
  L[which(names(fixef(m)) == paste0("wave", waves[w], ":armintervention"))] <- 1
  add(lrow("arm", "intervention", waves[w], "intervention - comparison", "arm_by_wave", contest1D(m, L), people))
}
expected <- do.call(rbind, rows)
write.csv(expected, file.path(dir, "expected/estimates.csv"), row.names = FALSE)
cat(sprintf("%d people in %d circles, %d answers; %d expected rows\n", n, circles, nrow(long), nrow(expected)))
