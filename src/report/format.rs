//! Number formatting shared by the text renderers.

/// Shortest text that reads back as the same double: whole numbers without a
/// decimal point (`24`), others in Rust's round-trip form (`5.958333333333333`,
/// `1e-20`).
pub fn number(value: f64) -> String {
    if value == value.trunc() && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        format!("{value:?}")
    }
}

/// An optional number, empty when absent.
pub(crate) fn optional(value: Option<f64>) -> String {
    value.map(number).unwrap_or_default()
}

/// Characters that change how text is shown without being seen: bidi
/// overrides and isolates, zero-width characters and the byte-order mark.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// Below this a p-value is shown as `<0.001`, everywhere.
pub(crate) const P_FLOOR: f64 = 0.001;

/// Digits of a p-value at or above [`P_FLOOR`].
pub(crate) const P_DIGITS: usize = 3;

/// A p-value for a table cell: `0.012`, `<0.001`, or `–` when undefined.
pub(crate) fn p_text(p: Option<f64>) -> String {
    match p {
        Some(p) if p < P_FLOOR => format!("<{P_FLOOR}"),
        Some(p) => format!("{p:.P_DIGITS$}"),
        None => "–".into(),
    }
}

/// A p-value in a sentence: `p = 0.012` or `p < 0.001`.
pub(crate) fn p_phrase(p: f64) -> String {
    if p < P_FLOOR {
        format!("p < {P_FLOOR}")
    } else {
        format!("p = {p:.P_DIGITS$}")
    }
}

/// Text from the data made safe to show: line breaks become spaces, and
/// control and invisible characters are shown as their code (`\u{202e}`),
/// so a label cannot reverse, hide or break the text around it.
pub(crate) fn visible(text: &str) -> String {
    shown_as_codes(text, |c| matches!(c, '\n' | '\r' | '\t').then_some(' '))
}

/// Markup (a chart's SVG) with the invisible and control characters of its
/// labels shown as codes; its own line breaks and tabs stay.
pub(crate) fn markup_text(text: &str) -> String {
    shown_as_codes(text, |c| matches!(c, '\n' | '\r' | '\t').then_some(c))
}

/// Text for the terminal: as [`visible`], but line breaks stay (a
/// multi-line message prints as lines), so a name cannot retitle or clear
/// the user's terminal.
pub fn terminal_text(text: &str) -> String {
    shown_as_codes(text, |c| (c == '\n').then_some('\n'))
}

/// Control and invisible characters as their code, except those `keep`
/// maps to a character of its own.
fn shown_as_codes(text: &str, keep: impl Fn(char) -> Option<char>) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match keep(c) {
            Some(kept) => out.push(kept),
            None if c.is_control() || is_invisible(c) => {
                out.push_str(&c.escape_unicode().to_string())
            }
            None => out.push(c),
        }
    }
    out
}

/// A text cell of a CSV meant for people (tables/): [`visible`], and a cell
/// a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`)
/// is prefixed with `'`, as OWASP advises against CSV injection.
pub(crate) fn spreadsheet_text(text: &str) -> String {
    let shown = visible(text);
    if shown.starts_with(['=', '+', '-', '@']) || text.starts_with(['\t', '\r']) {
        format!("'{shown}")
    } else {
        shown
    }
}

/// Text for Markdown: [`visible`], with what CommonMark would read as HTML
/// or formatting backslash-escaped (`\<script`, `\*`, `\|`), so a label is
/// shown, never run or restyled. Text that is already safe stays as it
/// reads (`<10`, `<0.001`, `d_z`, `age_band`).
pub(crate) fn markdown_text(text: &str) -> String {
    let shown: Vec<char> = visible(text).chars().collect();
    let mut out = String::with_capacity(shown.len());
    for (i, &c) in shown.iter().enumerate() {
        let before = i.checked_sub(1).map(|j| shown[j]);
        let after = shown.get(i + 1).copied();
        let escape = match c {
            '\\' | '`' | '*' | '[' | ']' | '|' => true,
            // An entity (`&lt;`) or strikethrough (`~x~`) needs a
            // character right after.
            '&' => after.is_some_and(|a| a.is_alphanumeric() || a == '#'),
            '~' => after.is_some_and(|a| !a.is_whitespace()),
            // Emphasis needs an underscore at a word's edge.
            '_' => {
                !(before.is_some_and(char::is_alphanumeric)
                    && after.is_some_and(char::is_alphanumeric))
            }
            // An HTML tag, comment or declaration starts with one of these.
            '<' => after.is_some_and(|a| a.is_ascii_alphabetic() || matches!(a, '/' | '!' | '?')),
            // A heading or quote only at the start.
            '#' | '>' => i == 0,
            _ => false,
        };
        if escape {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A CSV field, quoted when it holds a delimiter, quote or line break.
pub(crate) fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// A number rounded for people to read.
pub fn rounded(value: Option<f64>, decimals: usize) -> String {
    match value {
        Some(v) => {
            let text = format!("{v:.decimals$}");
            // "-0.00" reads as a sign error.
            if text
                .trim_start_matches('-')
                .chars()
                .all(|c| c == '0' || c == '.')
            {
                text.trim_start_matches('-').to_string()
            } else {
                text
            }
        }
        None => "–".to_string(),
    }
}

/// Digits with a comma between thousands: `1963` as `1,963`.
fn grouped_digits(whole: &str) -> String {
    let mut grouped = String::new();
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

/// A group in one phrase, for a table with one column of groups:
/// "everyone", or "grouping: level".
pub(crate) fn group_phrase(group_by: &str, group: &str) -> String {
    if group_by == "all" {
        "everyone".to_string()
    } else {
        format!("{group_by}: {group}")
    }
}

/// A count of things in a sentence, with thousands separators.
pub fn count(n: usize) -> String {
    grouped_digits(&n.to_string())
}

/// An amount of money: the currency, then the amount with thousands
/// separators, whole units from 100 up and pence below.
pub(crate) fn money(currency: &str, amount: f64) -> String {
    let decimals = if amount.abs() >= 100.0 { 0 } else { 2 };
    let text = format!("{:.*}", decimals, amount.abs());
    let (whole, fraction) = match text.split_once('.') {
        Some((whole, fraction)) => (whole.to_string(), format!(".{fraction}")),
        None => (text.clone(), String::new()),
    };
    let grouped = grouped_digits(&whole);
    let sign = if amount < 0.0 { "-" } else { "" };
    let space = if !currency.is_empty() && currency.chars().all(|c| c.is_alphabetic()) {
        " "
    } else {
        ""
    };
    format!("{sign}{currency}{space}{grouped}{fraction}")
}

/// The one marker of every withheld number, whatever the reason: a
/// small count, a count that would reveal one by subtraction, or an
/// estimate resting on few people. Two markers would tell a reader which
/// cell is the small one (in a cohort of 11, a "<10" beside a "withheld"
/// gives both counts away). `[c]` ("confidential") is the symbol the UK
/// Government Analysis Function's guidance on symbols in tables uses.
pub(crate) const WITHHELD: &str = "[c]";

/// The footnote of [`WITHHELD`].
pub(crate) fn withheld_note(min_cell: usize) -> String {
    format!(
        "[c] withheld to protect participants: it rests on fewer than {min_cell} people, or a count of fewer than {min_cell} could be worked out from it."
    )
}

/// The footnote of a table whose counts are rounded
/// (`disclosure = "round"`).
pub(crate) fn rounding_note() -> String {
    format!(
        "Counts of people are rounded to the nearest {}, and percentages are of the rounded counts; totals are exact.",
        crate::disclosure::ROUNDING_BASE
    )
}

/// What stands in for a suppressed estimate's value.
pub(crate) fn suppressed_text() -> String {
    WITHHELD.to_string()
}

/// The people behind an estimate as text: the number, or [`WITHHELD`]
/// when disclosure control withheld it.
pub(crate) fn people_text(e: &crate::estimate::Estimate) -> String {
    match e.published_n() {
        Some(n) => n.to_string(),
        None => suppressed_text(),
    }
}

/// A plain-language name of an approach to individual change, for tables
/// and sentences.
pub(crate) fn classification_label(classification: &crate::estimate::Classification) -> String {
    use crate::estimate::Classification;
    match classification {
        Classification::Rci(method) => format!("reliable change ({})", method.name()),
        Classification::Cutoff { ha: false, kind } => {
            format!("crossed cut-off {} (Jacobson–Truax)", kind.code())
        }
        Classification::Cutoff { ha: true, kind } => {
            format!("crossed cut-off {} (Hageman–Arrindell)", kind.code())
        }
        Classification::Combined { method, kind } => {
            format!("{} and cut-off {} combined", method.name(), kind.code())
        }
        Classification::Anchor => "minimal important change".to_string(),
        Classification::Percentage => "percentage change".to_string(),
    }
}

/// A short name of an approach to individual change, for chart labels
/// (the tables give the full one).
pub(crate) fn classification_short(classification: &crate::estimate::Classification) -> String {
    use crate::estimate::Classification;
    match classification {
        Classification::Rci(method) => format!("RCI {}", method.code()),
        Classification::Cutoff { ha: false, kind } => format!("cut-off {} (JT)", kind.code()),
        Classification::Cutoff { ha: true, kind } => format!("cut-off {} (HA)", kind.code()),
        Classification::Combined { method, kind } => {
            format!("{} + cut-off {}", method.code(), kind.code())
        }
        Classification::Anchor => "minimal important change".to_string(),
        Classification::Percentage => "percentage change".to_string(),
    }
}

/// The size of a standardised mean difference by Cohen's (1988)
/// conventions, as `effectsize::interpret_cohens_d(d, rules = "cohen1988")`
/// names it: |d| < 0.2 very small, < 0.5 small, < 0.8 medium, else large.
pub(crate) fn cohen_size(d: f64) -> &'static str {
    match d.abs() {
        x if x < 0.2 => "very small",
        x if x < 0.5 => "small",
        x if x < 0.8 => "medium",
        _ => "large",
    }
}

/// What a statistic is called where people read it: tables and
/// documents. `estimates.csv` keeps the vocabulary's names (`name()`).
pub(crate) fn stat_label(stat: crate::estimate::Stat) -> String {
    use crate::estimate::Stat;
    let label = match stat {
        Stat::MeanChange => "mean change",
        Stat::MeanSessions => "mean sessions attended",
        Stat::SlopePerSession => "change per extra session",
        Stat::SlopePerSessionHc3 => "change per extra session (robust SE)",
        Stat::SpearmanRho => "Spearman's rho, sessions and change",
        Stat::AncovaDifference => "difference at follow-up adjusted for baseline (ANCOVA)",
        Stat::AncovaF => "F test: any difference adjusted for baseline",
        Stat::ChangeDifference => "difference in mean change (Welch)",
        Stat::HedgesGChange => "Hedges' g of the difference in change",
        Stat::WaveEffect => "change from baseline (mixed model)",
        Stat::WaveMean => "estimated mean (mixed model)",
        Stat::ArmByWave => "arm difference in change from baseline (mixed model)",
        Stat::VarianceParticipants => "variance between participants",
        Stat::VarianceClustersLongitudinal => "variance between clusters",
        Stat::VarianceResidual => "residual variance (within a person)",
        Stat::IccParticipants => "ICC: share of variance between people",
        Stat::MeanChangeCr2 => "mean change (cluster-robust CR2)",
        Stat::AncovaDifferenceCr2 => "difference adjusted for baseline (cluster-robust CR2)",
        Stat::ChangeDifferenceCr2 => "difference in mean change (cluster-robust CR2)",
        Stat::AdjustedDifferenceCr2 => "adjusted difference (cluster-robust CR2)",
        Stat::SlopePerSessionCr2 => "change per extra session (cluster-robust CR2)",
        other => return other.name().replace('_', " "),
    };
    label.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_have_thousands_separators() {
        assert_eq!(count(7), "7");
        assert_eq!(count(1963), "1,963");
        assert_eq!(count(1_000_000), "1,000,000");
    }

    #[test]
    fn money_has_thousands_separators() {
        assert_eq!(money("GBP", 84000.0), "GBP 84,000");
        assert_eq!(money("GBP", 1234567.4), "GBP 1,234,567");
        assert_eq!(money("", 41.666), "41.67");
        assert_eq!(money("£", 350.0), "£350");
    }

    #[test]
    fn p_values_have_one_style_everywhere() {
        assert_eq!(p_text(Some(0.0004)), "<0.001");
        assert_eq!(p_text(Some(0.001)), "0.001");
        assert_eq!(p_text(Some(0.04567)), "0.046");
        assert_eq!(p_text(None), "–");
        assert_eq!(p_phrase(0.0004), "p < 0.001");
        assert_eq!(p_phrase(0.2), "p = 0.200");
    }

    #[test]
    fn numbers_round_trip() {
        assert_eq!(number(24.0), "24");
        assert_eq!(number(-0.25), "-0.25");
        assert_eq!(number(5.958333333333333), "5.958333333333333");
        assert_eq!(number(1e-20).parse::<f64>().unwrap(), 1e-20);
        assert_eq!(rounded(Some(-0.0001), 2), "0.00");
    }

    #[test]
    fn labels_cannot_become_formulas_html_or_hidden_text() {
        assert_eq!(spreadsheet_text("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(
            spreadsheet_text("+cmd|' /C calc'!A0"),
            "'+cmd|' /C calc'!A0"
        );
        assert_eq!(spreadsheet_text("-x"), "'-x");
        assert_eq!(spreadsheet_text("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(spreadsheet_text("\tx"), "' x");
        assert_eq!(spreadsheet_text("Eastfield"), "Eastfield");
        assert_eq!(visible("a\u{202e}b\nc\u{200b}"), "a\\u{202e}b c\\u{200b}");
        assert_eq!(
            markdown_text("<script>alert(1)</script> | *x*"),
            "\\<script>alert(1)\\</script> \\| \\*x\\*"
        );
        assert_eq!(markdown_text("two\nlines"), "two lines");
        assert_eq!(
            markdown_text("A & B, d ~ x, &amp; ~~no~~"),
            "A & B, d ~ x, \\&amp; \\~\\~no\\~~"
        );
        assert_eq!(
            markdown_text("<10 and <0.0001, d_z, age_band"),
            "<10 and <0.0001, d_z, age_band"
        );
        assert_eq!(
            markdown_text("_x_ <img onerror=1> # h"),
            "\\_x\\_ \\<img onerror=1> # h"
        );
    }

    #[test]
    fn csv_fields_are_quoted_when_needed() {
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("plain"), "plain");
    }

    #[test]
    fn cohen_sizes_are_effectsize_interpret_cohens_d() {
        // interpret_cohens_d(c(0.2, 0.5, 0.8, -0.3, 0.19), rules = "cohen1988")
        let sizes: Vec<&str> = [0.2, 0.5, 0.8, -0.3, 0.19].map(cohen_size).to_vec();
        assert_eq!(sizes, ["small", "medium", "large", "small", "very small"]);
    }
}
