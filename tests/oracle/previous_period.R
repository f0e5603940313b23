# Expected values for belong's `previous_period` rows: this period's mean
# change in ucla3 against an earlier period's, by Welch's two-sample t-test
# on the two periods' change scores (stats::t.test, var.equal = FALSE).
#
# This period is tests/fixtures/small-ucla3, the earlier one
# tests/fixtures/tiny-ucla3: belong reads the earlier period from its
# published report (estimates.parquet), that is from the mean, standard
# error and n of its change, which determine the Welch test exactly.
#
# Run from the repository root:
#   Rscript tests/oracle/previous_period.R
options(digits = 17)

change <- function(folder) {
  a <- read.csv(file.path(folder, "assessments.csv"))
  a$score <- a$ucla3_1 + a$ucla3_2 + a$ucla3_3
  base <- a[a$wave == "baseline", c("participant_id", "score")]
  follow <- a[a$wave == "week12", c("participant_id", "score")]
  both <- merge(base, follow, by = "participant_id", suffixes = c("_b", "_f"))
  both$score_f - both$score_b
}

now <- change("tests/fixtures/small-ucla3")
previous <- change("tests/fixtures/tiny-ucla3")
test <- t.test(now, previous)
fmt <- function(x) format(x, digits = 17, scientific = FALSE, trim = TRUE)
out <- data.frame(
  outcome = "ucla3", analysis = "previous_period", group_by = "all", group = "all",
  wave = "week12", contrast = "this period - previous period",
  estimate = "welch_difference_change",
  value = fmt(unname(test$estimate[1] - test$estimate[2])),
  ci_low = fmt(test$conf.int[1]), ci_high = fmt(test$conf.int[2]),
  se = fmt(test$stderr), df = fmt(unname(test$parameter)),
  p_value = fmt(test$p.value), n = length(now) + length(previous),
  n_now = length(now), n_previous = length(previous)
)
write.csv(out, "tests/fixtures/previous-period/expected.csv", row.names = FALSE, quote = FALSE)
