# Oracle for `bands` (tests/fixtures/numeric-bands): the numeric columns
# of tests/fixtures/numeric-age cut into the bands its belong.toml lists,
# counted like any other participant category: n_in_category and
# pct_in_category for everyone and per cohort and site, the bands in the
# order listed, bands no one is in left out, and "missing" last when any
# value is missing. Whole-number bounds cover the year after them
# ("18-49" is [18, 50)), which is cut(..., right = FALSE). Run from the
# repository root:
#   Rscript tests/oracle/bands.R
src <- "tests/fixtures/numeric-age"
dir <- "tests/fixtures/numeric-bands"
for (table in c("participants.csv", "assessments.csv", "attendance.csv")) {
  file.copy(file.path(src, table), file.path(dir, table), overwrite = TRUE)
}
participants <- read.csv(file.path(dir, "participants.csv"), colClasses = "character")
writeLines(c(
  "# The bands tests/oracle/bands.R cuts in R.",
  "[bands]",
  "age = [\"<18\", \"18-49\", \"50-64\", \"65-74\", \"75+\"]",
  "months_referred = [\"<12\", \"12-23\", \"24+\"]"
), file.path(dir, "belong.toml"))
banded <- list(
  age = cut(as.numeric(participants$age), c(-Inf, 18, 50, 65, 75, Inf),
            labels = c("<18", "18-49", "50-64", "65-74", "75+"), right = FALSE),
  months_referred = cut(as.numeric(participants$months_referred), c(-Inf, 12, 24, Inf),
                        labels = c("<12", "12-23", "24+"), right = FALSE)
)
rows <- list()
add <- function(column, group_by, group, values, categories) {
  n <- length(values)
  for (category in categories) {
    count <- if (category == "missing") sum(is.na(values)) else sum(values == category, na.rm = TRUE)
    stats <- list(n_in_category = count, pct_in_category = 100 * count / n)
    for (name in names(stats)) {
      rows[[length(rows) + 1]] <<- data.frame(
        outcome = column, analysis = "baseline_characteristics", group_by = group_by,
        group = group, wave = "", contrast = category, estimate = name,
        value = sprintf("%.17g", stats[[name]]), ci_low = "", ci_high = "", se = "", df = "",
        p_value = "", p_adjusted = "", n = n, method = "", suppressed = "false")
    }
  }
}
for (column in names(banded)) {
  x <- droplevels(banded[[column]])
  categories <- levels(x)
  if (any(is.na(x))) categories <- c(categories, "missing")
  add(column, "all", "all", x, categories)
  for (group_by in c("cohort", "site")) {
    for (level in sort(unique(participants[[group_by]]))) {
      add(column, group_by, level, x[participants[[group_by]] == level], categories)
    }
  }
}
expected <- do.call(rbind, rows)
write.csv(expected, file.path(dir, "expected/estimates.csv"), row.names = FALSE)
