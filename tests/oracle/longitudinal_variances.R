# Variance components and ICC of the wave model on the djg11 three-wave
# fixture, for everyone and per cohort:
#   m <- lmer(score ~ wave + (1 | participant_id), REML = TRUE)
#   as.data.frame(VarCorr(m))$vcov; icc = participant / (participant + residual)
# Scores are computed here from the items (DATA.md): DJG-11 responses
# 1 no, 2 more or less, 3 yes; items 2, 3, 5, 6, 9, 10 (emotional) score 1
# for "more or less" or "yes", the others (social) for "more or less" or
# "no"; with one item missing the total is the mean of the answered items
# times 11, with more it is missing.
#
#   Rscript tests/oracle/longitudinal_variances.R > tests/fixtures/djg11-three-waves/expected/variances.csv
suppressPackageStartupMessages(library(lme4))
here <- "tests/fixtures/djg11-three-waves"
a <- read.csv(file.path(here, "assessments.csv"), stringsAsFactors = FALSE)
p <- read.csv(file.path(here, "participants.csv"), stringsAsFactors = FALSE)
items <- as.matrix(a[, paste0("djg11_", 1:11)])
emotional <- c(2, 3, 5, 6, 9, 10)
scored <- items
for (k in 1:11) {
  scored[, k] <- if (k %in% emotional) as.numeric(items[, k] >= 2) else as.numeric(items[, k] <= 2)
}
answered <- rowSums(!is.na(scored))
a$score <- ifelse(answered >= 10, rowMeans(scored, na.rm = TRUE) * 11, NA)
a <- a[!is.na(a$score), ]
a$wave <- factor(a$wave, levels = c("baseline", "week12", "month6"))
a <- merge(a, p[, c("participant_id", "cohort")], by = "participant_id")
fit <- function(d, group_by, group) {
  # A tight optimiser: lme4's default stops within about 1e-6 of the
  # optimum of a criterion that is flat to 1e-12 there.
  m <- lmer(score ~ wave + (1 | participant_id), data = d, REML = TRUE,
            control = lmerControl(optimizer = "bobyqa",
                                  optCtrl = list(rhobeg = 2e-4, rhoend = 1e-12)))
  v <- as.data.frame(VarCorr(m))$vcov
  data.frame(group_by = group_by, group = group,
             variance_participants = sprintf("%.15g", v[1]),
             variance_residual = sprintf("%.15g", v[2]),
             icc_participants = sprintf("%.15g", v[1] / (v[1] + v[2])),
             participants = length(unique(d$participant_id)))
}
out <- fit(a, "all", "all")
for (c in sort(unique(a$cohort))) out <- rbind(out, fit(a[a$cohort == c, ], "cohort", c))
write.csv(out, stdout(), row.names = FALSE, quote = FALSE)
