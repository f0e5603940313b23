# Oracle for numeric participant columns in baseline_characteristics
# (tests/fixtures/numeric-age): n answered, mean, sd, median and quartiles
# (R's default quantile type 7) of `age` and `months_referred`, for
# everyone and per cohort and site. Run from the repository root:
#   Rscript tests/oracle/numeric_covariate.R
set.seed(20261201)
src <- "tests/fixtures/small-ucla3"
dir <- "tests/fixtures/numeric-age"
participants <- read.csv(file.path(src, "participants.csv"), colClasses = "character")
n <- nrow(participants)
age <- sample(18:94, n, replace = TRUE)
age[sample(n, 4)] <- NA
months <- round(runif(n, 0, 36), 1)
participants$age <- ifelse(is.na(age), "", as.character(age))
participants$months_referred <- format(months, nsmall = 1, trim = TRUE)
write.csv(participants, file.path(dir, "participants.csv"), row.names = FALSE, quote = FALSE, na = "")
for (table in c("assessments.csv", "attendance.csv")) {
  file.copy(file.path(src, table), file.path(dir, table), overwrite = TRUE)
}
rows <- list()
add <- function(column, group_by, group, values) {
  values <- values[!is.na(values)]
  k <- length(values)
  q <- quantile(values, c(0.25, 0.5, 0.75), type = 7, names = FALSE)
  stats <- list(n = k, mean = mean(values), sd = sd(values), median = q[2], q1 = q[1], q3 = q[3])
  for (name in names(stats)) {
    rows[[length(rows) + 1]] <<- data.frame(
      outcome = column, analysis = "baseline_characteristics", group_by = group_by,
      group = group, wave = "", contrast = "", estimate = name,
      value = sprintf("%.17g", stats[[name]]), ci_low = "", ci_high = "", se = "", df = "",
      p_value = "", p_adjusted = "", n = k, method = "", suppressed = "false")
  }
}
values <- list(age = age, months_referred = months)
for (column in names(values)) {
  x <- values[[column]]
  add(column, "all", "all", x)
  for (group_by in c("cohort", "site")) {
    for (level in sort(unique(participants[[group_by]]))) {
      add(column, group_by, level, x[participants[[group_by]] == level])
    }
  }
}
expected <- do.call(rbind, rows)
write.csv(expected, file.path(dir, "expected/estimates.csv"), row.names = FALSE)
