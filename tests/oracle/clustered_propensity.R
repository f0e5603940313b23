# Expected values for belong's CR2 rows beside the propensity-weighted and
# matched comparisons and the dose-response slope, when people were served
# in clusters. Fixture tests/fixtures/cluster-ps: a non-randomised arm
# (design = "comparison") chosen more often by lonelier people who live
# alone, in 24 peer circles of 4 to 25 people that shift their members'
# follow-up together; attendance (the intervention arm's sessions) for the
# dose-response slope. Scores have two decimals, so that no two people
# share a propensity score: MatchIt breaks ties among equal scores in an
# order belong does not reproduce (see docs/estimates.md). Three people have no circle recorded: they are in
# the propensity model and the matching, and left out of the CR2 rows.
#
# R from Debian's packages: stats::glm (the propensity score), MatchIt 4.5
# (checked against the matching written out below) and clubSandwich 0.5.8
# (coef_test and conf_int with vcov = "CR2", test = "Satterthwaite"; a
# weighted lm's working model is Θ = I, the weights in the adjustment).
#
# Run from the repository root:
#   Rscript tests/oracle/clustered_propensity.R
suppressPackageStartupMessages({
  library(clubSandwich)
  library(MatchIt)
})
set.seed(3107)
dir <- "tests/fixtures/cluster-ps"
dir.create(file.path(dir, "expected"), recursive = TRUE, showWarnings = FALSE)
clamp <- function(x, lo, hi) pmin(pmax(x, lo), hi)
circles <- 24
size <- sample(4:25, circles, replace = TRUE)
circle <- rep(seq_len(circles), times = size)
n <- length(circle)
shift <- rnorm(circles, 0, 1.5)
age <- sample(c("18-49", "50-69", "70+"), n, replace = TRUE, prob = c(0.3, 0.4, 0.3))
alone <- runif(n) < 0.45
b <- clamp(round(20 + 3 * alone + 2 * (age == "70+") + rnorm(n, 0, 4), 2), 0, 40)
treat <- as.integer(runif(n) < plogis(-1.2 + 0.08 * (b - 20) + 0.8 * alone))
sessions <- ifelse(treat == 1, rpois(n, 7), 0)
f <- clamp(round(b - 0.8 * treat - 0.15 * sessions - 0.35 * (b - 20) + shift[circle] + rnorm(n, 0, 3.5), 2), 0, 40)
id <- sprintf("P%03d", seq_len(n))
label <- sprintf("circle-%02d", circle)
label[sample(n, 3)] <- ""
arm <- ifelse(treat == 1, "intervention", "comparison")

participants <- data.frame(participant_id = id, enrolled_on = "2025-01-06", arm = arm,
                           circle = label, age_band = age, lives_alone = tolower(as.character(alone)))
write.csv(participants, file.path(dir, "participants.csv"), row.names = FALSE, quote = FALSE)
assessments <- rbind(
  data.frame(participant_id = id, wave = "baseline", assessed_on = "2025-01-06", lon_total = b),
  data.frame(participant_id = id, wave = "followup", assessed_on = "2025-04-07", lon_total = f))
write.csv(assessments, file.path(dir, "assessments.csv"), row.names = FALSE, quote = FALSE)
attended <- do.call(rbind, lapply(which(sessions > 0), function(i) {
  data.frame(participant_id = id[i], session_date = format(as.Date("2025-01-07") + 7 * (seq_len(sessions[i]) - 1)),
             activity = "peer circle", format = "group", attended = "true", minutes = "")
}))
write.csv(attended, file.path(dir, "attendance.csv"), row.names = FALSE, quote = FALSE)
writeLines(c('waves = ["baseline", "followup"]',
             'design = "comparison"',
             'cluster = "circle"',
             'adjust_for = ["age_band", "lives_alone"]',
             '',
             '[[instruments]]',
             'id = "lon"',
             'name = "Loneliness (fixture)"',
             'direction = "higher_is_worse"',
             'score_min = 0',
             'score_max = 40',
             'reliability = 0.8',
             'source = "fixture values (invented)"'),
           file.path(dir, "belong.toml"))

fmt <- function(x) ifelse(is.na(x), "", format(x, digits = 17, scientific = FALSE, trim = TRUE))
row <- function(analysis, group_by, group, contrast, estimate, t, n) {
  data.frame(outcome = "lon", analysis = analysis, group_by = group_by, group = group,
             wave = "followup", contrast = contrast, estimate = estimate, value = fmt(t$est),
             ci_low = fmt(t$ci[1]), ci_high = fmt(t$ci[2]), se = fmt(t$se), df = fmt(t$df),
             p_value = fmt(t$p), p_adjusted = fmt(t$p), n = n, method = "", suppressed = "false")
}
cr2 <- function(fit, cluster, term) {
  t <- coef_test(fit, vcov = "CR2", cluster = cluster, test = "Satterthwaite")
  ci <- conf_int(fit, vcov = "CR2", cluster = cluster, level = 0.95)
  k <- which(names(coef(fit)) == term)
  list(est = t$beta[k], se = t$SE[k], df = t$df_Satt[k], p = t$p_Satt[k],
       ci = c(ci$CI_L[k], ci$CI_U[k]))
}

d <- data.frame(treat = treat, b = b, f = f, circle = label, sessions = sessions,
                age_50 = as.numeric(age == "50-69"), age_70 = as.numeric(age == "70+"),
                alone = as.numeric(alone))
rows <- list()
add <- function(r) rows[[length(rows) + 1]] <<- r
contrast <- "intervention - comparison"
ps <- fitted(glm(treat ~ b + age_50 + age_70 + alone, data = d, family = binomial))
weights <- list(
  propensity_att = ifelse(d$treat == 1, 1, ps / (1 - ps)),
  propensity_ate = ifelse(d$treat == 1, 1 / ps, 1 / (1 - ps)),
  propensity_overlap = ifelse(d$treat == 1, 1 - ps, ps))
has <- d$circle != ""
for (analysis in names(weights)) {
  s <- d[has, ]
  s$w <- weights[[analysis]][has]
  t <- cr2(lm(f ~ treat + b, data = s, weights = w), s$circle, "treat")
  add(row(analysis, "arm", "intervention", contrast, "adjusted_difference_cr2", t, nrow(s)))
}
# Greedy 1:1 nearest-neighbour matching without replacement, largest
# score first: each treated person takes the nearer of the closest
# available controls below and above them in score order (the lower on a
# tie). This is MatchIt's algorithm (nn_matchC), written out because
# Debian's MatchIt 4.5.1 compares the two distances with C's integer
# abs(), which truncates both to 0, so it always takes the lower
# neighbour; later MatchIt releases use std::abs. `truncate = TRUE`
# reproduces 4.5.1, which the stopifnot below checks.
nearest <- function(ps, treat, truncate = FALSE) {
  o <- order(ps)
  available <- treat[o] == 0
  position <- match(seq_along(ps), o)
  pairs <- integer(0)
  for (i in which(treat == 1)[order(ps[treat == 1], decreasing = TRUE)]) {
    k <- position[i]
    left <- rev(which(available[seq_len(k - 1)]))[1]
    right <- k + which(available[-seq_len(k)])[1]
    gap <- function(j) if (truncate) trunc(abs(ps[o[j]] - ps[i])) else abs(ps[o[j]] - ps[i])
    j <- if (is.na(left)) right else if (is.na(right)) left else if (gap(left) <= gap(right)) left else right
    if (is.na(j)) next
    available[j] <- FALSE
    pairs[as.character(i)] <- o[j]
  }
  pairs
}
m <- matchit(treat ~ b + age_50 + age_70 + alone, data = d, method = "nearest")
stopifnot(max(abs(m$distance - ps)) < 1e-10)
old <- nearest(ps, d$treat, truncate = TRUE)
stopifnot(all(as.integer(m$match.matrix[names(old), 1]) == old))
pairs <- nearest(ps, d$treat)
cat(sprintf("%d of %d pairs differ from MatchIt 4.5.1's\n", sum(pairs != old[names(pairs)]), length(pairs)))
md <- d[sort(c(as.integer(names(pairs)), pairs)), ]
md <- md[md$circle != "", ]
t <- cr2(lm(f ~ treat + b, data = md), md$circle, "treat")
add(row("propensity_matched", "arm", "intervention", contrast, "adjusted_difference_cr2", t, nrow(md)))

# The dose-response slope per group: everyone and each arm.
groups <- list(list("all", "all", rep(TRUE, n)), list("arm", "comparison", d$treat == 0),
               list("arm", "intervention", d$treat == 1))
for (g in groups) {
  s <- d[g[[3]] & has, ]
  s$change <- s$f - s$b
  if (length(unique(s$sessions)) < 2) next
  t <- cr2(lm(change ~ sessions + b, data = s), s$circle, "sessions")
  add(row("dose_response", g[[1]], g[[2]], "", "slope_per_session_cr2", t, nrow(s)))
}
expected <- do.call(rbind, rows)
write.csv(expected, file.path(dir, "expected/estimates.csv"), row.names = FALSE)
cat(sprintf("%d people (%d treated) in %d circles; %d expected rows\n", n, sum(treat), circles, nrow(expected)))
