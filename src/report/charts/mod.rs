//! Charts drawn with plotters as SVG, each with a PNG copy rasterised from
//! that SVG at print resolution. The font is embedded (DejaVu Sans,
//! assets/fonts), so rendering needs no system fonts and gives the same
//! pixels everywhere. Colours: Okabe–Ito, safe for
//! colour-vision deficiencies. Charts read `Estimate` rows only.

use super::ReportContent;
use crate::config::Labels;
use bands::histogram;
use bands::pre_post;
use flow::flow_chart;
use lines::{dose_chart, wave_means_chart, weekly_chart};

mod bands;
mod flow;
mod lines;
pub(crate) mod raster;
use crate::error::{Error, Result};
use crate::estimate::{Classification, Contrast, Estimate, Stat};
use crate::stats::clinical_significance::{CutoffType, RciMethod};
use plotters::coord::Shift;
use plotters::prelude::*;
use rayon::prelude::*;
use std::path::Path;
use std::sync::Once;

static FONT: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");
static REGISTER: Once = Once::new();

const BLUE: RGBColor = RGBColor(0x00, 0x72, 0xB2);
const GREY: RGBColor = RGBColor(0x55, 0x55, 0x55);

fn register_font() {
    REGISTER.call_once(|| {
        // The bytes are a valid TrueType font compiled into the binary.
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT);
    });
}

/// One line of a forest plot.
struct Interval {
    label: String,
    value: f64,
    low: f64,
    high: f64,
}

impl Interval {
    /// A group's estimate and its interval, labelled with the group.
    fn of(e: &Estimate, labels: &Labels) -> Option<Interval> {
        Some(Interval {
            label: group_label(e, labels),
            value: e.value?,
            low: e.ci_low?,
            high: e.ci_high?,
        })
    }
}

fn forest<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    x_label: &str,
    rows: &[Interval],
) -> std::result::Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let low = rows.iter().map(|r| r.low).fold(0.0f64, f64::min);
    let high = rows.iter().map(|r| r.high).fold(0.0f64, f64::max);
    let pad = ((high - low) * 0.08).max(0.05);
    let n = rows.len() as f64;
    // Room for the longest label (13 px DejaVu Sans is about 6.5 px a
    // character), within a third of the width.
    let longest = rows
        .iter()
        .map(|r| r.label.chars().count())
        .max()
        .unwrap_or(0) as u32;
    let label_room = (longest * 13 / 2 + 24).clamp(190, 330);
    let mut chart = ChartBuilder::on(root)
        .caption(title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(42)
        .y_label_area_size(label_room)
        .build_cartesian_2d((low - pad)..(high + pad), 0.0..n)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .light_line_style(TRANSPARENT)
        .x_label_formatter(&|v| bands::trimmed(*v))
        .y_labels(0)
        .x_desc(x_label)
        .label_style(("sans-serif", 13))
        .axis_desc_style(("sans-serif", 14))
        .draw()?;
    chart.draw_series(std::iter::once(PathElement::new(
        vec![(0.0, 0.0), (0.0, n)],
        GREY.stroke_width(1),
    )))?;
    for (i, row) in rows.iter().enumerate() {
        let y = n - i as f64 - 0.5;
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(row.low, y), (row.high, y)],
            BLUE.stroke_width(2),
        )))?;
        chart.draw_series(std::iter::once(Circle::new(
            (row.value, y),
            4,
            BLUE.filled(),
        )))?;
        let (_, pixel_y) = chart.backend_coord(&(low - pad, y));
        root.draw(&Text::new(
            row.label.clone(),
            (14, pixel_y - 7),
            ("sans-serif", 13).into_font().color(&BLACK),
        ))?;
    }
    root.present()
}

fn chart_error(path: &Path) -> impl Fn(String) -> Error + '_ {
    move |message| Error::Write {
        path: path.to_path_buf(),
        message,
    }
}

/// Draws one chart to `charts/<name>.svg` and evaluates to the SVG text
/// (its PNG copy is rasterised from it later, [`raster`]). A macro because
/// the drawing function is generic over the backend, which a closure
/// cannot be.
macro_rules! svg_only {
    ($dir:expr, $name:expr, $alt:expr, $desc:expr, $size:expr, $draw:ident ( $($argument:expr),* )) => {{
        let svg_path = $dir.join(format!("{}.svg", $name));
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, $size).into_drawing_area();
            $draw(&root, $($argument),*).map_err(|e| chart_error(&svg_path)(e.to_string()))?;
        }
        let svg = accessible(&svg, $alt, $desc);
        super::write_file(&svg_path, &svg)?;
        svg
    }};
}

/// A chart for index.html: where it goes, what it shows, and its SVG.
#[derive(Debug, Clone)]
pub struct Figure {
    /// The report section: `flow`, `baseline`, `change`, `reliable_change`,
    /// `caseness`, `participation`, `dose_response` or `comparison`.
    pub section: &'static str,
    /// File stem in `charts/`.
    pub name: String,
    pub title: String,
    /// What the chart shows for someone who cannot see it, and where its
    /// numbers are.
    pub alt: String,
    /// How the chart is drawn and, where one line says it, what it shows:
    /// the SVG's `<desc>`.
    pub desc: String,
    /// The table in `tables/` holding the numbers drawn.
    pub numbers: &'static str,
    /// The outcome the chart is about, whose rows of `numbers` it draws.
    pub outcome: Option<String>,
    /// The distribution drawn, as the `of` column of `distributions` names
    /// it; `None` for charts drawn from a table of their own.
    pub distribution: Option<&'static str>,
    pub svg: String,
    /// The PNG copy, at print resolution.
    pub png: raster::Png,
}

/// The table whose rows are the numbers a chart draws, by the chart's
/// file stem.
fn numbers_behind(name: &str) -> &'static str {
    let stem = |prefix: &str| name.starts_with(prefix);
    if stem("mean_change_") {
        "change_by_group"
    } else if stem("differences_") {
        "comparisons"
    } else if stem("for_whom_") {
        "for_whom"
    } else if stem("reliable_change_") {
        "reliable_change"
    } else if stem("meaningful_change_") {
        "meaningful_change"
    } else if stem("caseness_") {
        "caseness"
    } else if stem("dose_response_") {
        "dose_response"
    } else if stem("longitudinal_") {
        "longitudinal"
    } else if stem("participant_flow") {
        "participant_flow"
    } else if stem("attendance_by_week") {
        "attendance_by_week"
    } else {
        // Score, change and session distributions, and the pre/post grid.
        "distributions"
    }
}

/// Which rows of `distributions` a chart draws, by its file stem.
fn distribution_drawn(name: &str) -> Option<&'static str> {
    let stem = |prefix: &str| name.starts_with(prefix);
    if stem("distribution_") {
        Some("score")
    } else if stem("individual_change_") {
        Some("change")
    } else if stem("pre_post_") {
        Some("baseline -> follow-up")
    } else if stem("sessions_attended") {
        Some("sessions attended")
    } else {
        None
    }
}

/// How a chart encodes its numbers, by its file stem, for someone who
/// cannot see it.
fn drawing(name: &str) -> &'static str {
    let stem = |prefix: &str| name.starts_with(prefix);
    if stem("mean_change_") || stem("for_whom_") {
        "Each row is a group: the dot is its estimate and the line its 95% confidence interval; the vertical line marks no change."
    } else if stem("differences_") {
        "Each row is a difference between two groups: the dot is the estimate and the line its 95% confidence interval; the vertical line marks no difference."
    } else if stem("distribution_") {
        "Bars show how many people had each score, one set of bars per wave."
    } else if stem("individual_change_") {
        "Bars show how many pairs changed by each amount; dashed lines mark the reliable-change threshold either side of no change."
    } else if stem("pre_post_") {
        "A grid of baseline score against follow-up score; each cell holds the number of pairs with those two scores, and cells below the diagonal are people whose score fell."
    } else if stem("reliable_change_") || stem("meaningful_change_") {
        "Each row is a group, split into the percentages who improved, did not change and deteriorated."
    } else if stem("caseness_") {
        "Paired bars per group: the percentage above the cut-off at baseline and at follow-up."
    } else if stem("dose_response_") {
        "Mean change for each band of sessions attended, with 95% confidence intervals."
    } else if stem("longitudinal_") {
        "The model's estimated mean score at each wave, with 95% confidence intervals."
    } else if stem("participant_flow") {
        "Boxes from enrolment down to the people analysed, each with its count; the side boxes say why people left the analysis."
    } else if stem("sessions_attended") {
        "Bars show how many participants attended each number of sessions."
    } else if stem("attendance_by_week") {
        "One line per activity: sessions attended in each week since enrolment."
    } else {
        "A chart of the numbers in the table that follows it."
    }
}

/// What a forest chart shows, in one sentence: everyone's estimate and the
/// groups lowest and highest.
fn forest_reading(rows: &[Interval]) -> String {
    let show = |row: &Interval| {
        format!(
            "{} {} (95% CI {} to {})",
            row.label,
            bands::trimmed(row.value),
            bands::trimmed(row.low),
            bands::trimmed(row.high)
        )
    };
    let by_value = |a: &&Interval, b: &&Interval| a.value.total_cmp(&b.value);
    let groups: Vec<&Interval> = rows
        .iter()
        .filter(|r| !r.label.starts_with("everyone"))
        .collect();
    let mut reading = String::new();
    if let Some(everyone) = rows.iter().find(|r| r.label.starts_with("everyone")) {
        reading = format!("{}. ", show(everyone));
    }
    if let (Some(low), Some(high)) = (
        groups.iter().copied().min_by(by_value),
        groups.iter().copied().max_by(by_value),
    ) {
        if groups.len() >= 2 {
            reading.push_str(&format!("Lowest: {}; highest: {}. ", show(low), show(high)));
        }
    }
    reading
}

/// The SVG with `role="img"`, an accessible name, a `<title>` (which
/// browsers show on hover) and a `<desc>` saying how it is drawn.
fn accessible(svg: &str, alt: &str, desc: &str) -> String {
    let escape = |text: &str| {
        super::format::visible(text)
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let (alt, desc) = (escape(alt), escape(desc));
    let svg = super::format::markup_text(svg);
    match svg.find('>') {
        Some(end) if svg.starts_with("<svg") => format!(
            "{} role=\"img\" aria-label=\"{alt}\">\n<title>{alt}</title>\n<desc>{desc}</desc>{}",
            &svg[..end],
            &svg[end + 1..]
        ),
        _ => svg,
    }
}

/// Where a chart keeps extra room beside its plot.
#[derive(Clone, Copy)]
enum Room {
    /// Below the axes, for a note.
    Note,
    /// On the right, for legend entries.
    Legend,
}

/// A titled chart with the axis label areas every chart uses and `room`.
fn titled<'a, 'b, DB: DrawingBackend>(
    root: &'a DrawingArea<DB, Shift>,
    title: &'b str,
    room: Room,
) -> ChartBuilder<'a, 'b, DB> {
    let mut builder = ChartBuilder::on(root);
    builder
        .caption(title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(42)
        .y_label_area_size(56);
    match room {
        Room::Note => builder.margin_bottom(34),
        Room::Legend => builder.margin_right(200),
    };
    builder
}

/// Rows of `analysis` for `outcome` named `estimate`.
fn select<'a>(
    estimates: &'a [Estimate],
    outcome: &'a str,
    analysis: &'a str,
    estimate: Stat,
) -> impl Iterator<Item = &'a Estimate> + 'a {
    estimates
        .iter()
        .filter(move |e| e.outcome == outcome && e.analysis == analysis && e.estimate == estimate)
}

/// `everyone (n = 240)` or `site: Eastfield (n = 59)`.
fn group_label(e: &Estimate, labels: &Labels) -> String {
    if e.group_by == "all" {
        format!("everyone (n = {})", e.n)
    } else {
        format!(
            "{}: {} (n = {})",
            labels.column(&e.group_by),
            labels.level(&e.group_by, &e.group),
            e.n
        )
    }
}

/// Draws one chart into `charts/` as SVG and PNG and records it.
/// `reading`, when given, says in words what the chart shows.
macro_rules! figure {
    ($figures:expr, $folder:expr, $section:expr, $name:expr, $title:expr, $size:expr, $draw:ident ( $($argument:expr),* )) => {
        figure!($figures, $folder, $section, $name, $title, $size, $draw($($argument),*); String::new())
    };
    ($figures:expr, $folder:expr, $section:expr, $name:expr, $title:expr, $size:expr, $draw:ident ( $($argument:expr),* ); $reading:expr) => {{
        let name: String = $name;
        let title: String = $title;
        let numbers = numbers_behind(&name);
        let alt = format!(
            "{title}. The numbers behind this chart are in tables/{numbers}.csv."
        );
        let desc = format!("{}{}", $reading, drawing(&name));
        let svg = svg_only!($folder, name, &alt, &desc, $size, $draw(&title, $($argument),*));
        $figures.push(Figure {
            section: $section,
            distribution: distribution_drawn(&name),
            name,
            title,
            alt,
            desc,
            numbers,
            outcome: None,
            svg,
            png: raster::Png::default(),
        });
    }};
}

/// Marks `figures` as drawn from the rows of `outcome`.
fn about(figures: &mut [Figure], outcome: &str) {
    for figure in figures {
        figure.outcome = Some(outcome.to_string());
    }
}

/// Draws every chart; returns them in report order for index.html.
pub fn write(dir: &Path, content: &ReportContent) -> Result<Vec<Figure>> {
    let labels = &content.settings.labels;
    register_font();
    let folder = dir.join("charts");
    // Not create_dir_all: an interrupted run's removed staging folder must
    // not come back.
    std::fs::create_dir(&folder)
        .map_err(|e| Error::io("creating the charts folder", &folder, e))?;
    let estimates = content.estimates;
    let waves = &content.panel.waves;
    let mut figures: Vec<Figure> = Vec::new();
    if let Some(stages) = flow::stages(content) {
        figure!(
            figures,
            folder,
            "flow",
            "participant_flow".into(),
            "Participant flow".into(),
            (760, 120 + 90 * stages.len() as u32),
            flow_chart(&stages);
            stages
                .iter()
                .map(|(stage, people)| format!("{stage}: {people}. "))
                .collect::<String>()
        );
        if let Some(first) = content.panel.outcomes.first() {
            about(&mut figures, &first.outcome.id);
        }
    }
    for outcome in &content.panel.outcomes {
        let first = figures.len();
        let id = outcome.outcome.id.as_str();
        let instrument = &content.instruments[outcome.outcome.instrument];
        let direction = match instrument.direction {
            crate::instruments::Direction::HigherIsWorse => "higher = lonelier",
            crate::instruments::Direction::HigherIsBetter => "higher = better",
        };
        let series = bands::score_series(estimates, id, waves);
        if !series.is_empty() {
            figure!(
                figures,
                folder,
                "baseline",
                format!("distribution_{id}"),
                format!(
                    "{id} scores at {} and {} (everyone who answered)",
                    waves.baseline_name(),
                    waves.followup_name()
                ),
                (760, 420),
                histogram(&format!("{id} score ({direction})"), &series)
            );
        }
        let rows: Vec<Interval> = select(estimates, id, "change", Stat::MeanChange)
            .filter_map(|e| Interval::of(e, labels))
            .collect();
        if !rows.is_empty() {
            let x_label = format!(
                "{} − {} (points; {})",
                waves.followup_name(),
                waves.baseline_name(),
                match instrument.direction {
                    crate::instruments::Direction::HigherIsWorse => "below 0 = less lonely",
                    crate::instruments::Direction::HigherIsBetter => "above 0 = better",
                }
            );
            figure!(
                figures,
                folder,
                "change",
                format!("mean_change_{id}"),
                format!("Mean change in {id} with 95% CI, by group"),
                (760, (90 + 34 * rows.len()) as u32),
                forest(&x_label, &rows);
                format!("Mean change: {}", forest_reading(&rows))
            );
        }
        let threshold = select(estimates, id, "reliable_change", Stat::RcThreshold)
            .find(|e| e.group_by == "all")
            .and_then(|e| e.value);
        let change = bands::change_series(estimates, id, threshold, instrument.direction);
        if !change.is_empty() {
            figure!(
                figures,
                folder,
                "change",
                format!("individual_change_{id}"),
                format!("Individual change in {id}: pairs by size of change"),
                (760, 420),
                histogram(
                    &format!(
                        "{} − {} (points); dashed: reliable-change threshold",
                        waves.followup_name(),
                        waves.baseline_name()
                    ),
                    &change
                )
            );
        }
        let grid = bands::joint_cells(estimates, id, (instrument.score_min, instrument.score_max));
        if !grid.is_empty() {
            figure!(
                figures,
                folder,
                "change",
                format!("pre_post_{id}"),
                format!(
                    "{id}: {} against {} (pairs per cell)",
                    waves.followup_name(),
                    waves.baseline_name()
                ),
                (760, 640),
                pre_post(
                    waves.baseline_name(),
                    waves.followup_name(),
                    &grid,
                    &bands::Guides {
                        threshold,
                        // A cut-off outside the scale separates no one.
                        cutoff: statistical_cutoff(estimates, id).filter(|(value, _)| {
                            *value > instrument.score_min && *value < instrument.score_max
                        }),
                    }
                )
            );
        }
        let bars = reliable_change_bars(estimates, labels, id, "reliable_change", &Contrast::None);
        if !bars.is_empty() {
            figure!(
                figures,
                folder,
                "reliable_change",
                format!("reliable_change_{id}"),
                format!("Reliable change in {id}, by group"),
                (760, (130 + 34 * bars.len()) as u32),
                stacked(&bars, &RELIABLE_LEGEND)
            );
        }
        // Each further index of `rci_methods`, by group.
        for method in RciMethod::ALL {
            let contrast = Contrast::Method(Classification::Rci(method));
            let bars =
                reliable_change_bars(estimates, labels, id, "clinical_significance", &contrast);
            if !bars.is_empty() {
                figure!(
                    figures,
                    folder,
                    "reliable_change",
                    format!("meaningful_change_{id}_{}", method.code().to_lowercase()),
                    format!("Reliable change in {id} ({}), by group", method.name()),
                    (760, (130 + 34 * bars.len()) as u32),
                    stacked(&bars, &RELIABLE_LEGEND)
                );
            }
        }
        // One approach alone is the JT cut-off, which the table states.
        let bars = meaningful_change_bars(estimates, id);
        if bars.len() >= 2 {
            figure!(
                figures,
                folder,
                "reliable_change",
                format!("meaningful_change_{id}"),
                format!("Change in {id} by each approach (everyone with both answers)"),
                (760, (130 + 34 * bars.len()) as u32),
                stacked(&bars, &MEANINGFUL_LEGEND)
            );
        }
        let cases = caseness_bars(estimates, labels, id);
        if let (false, Some(cutoff)) = (cases.is_empty(), instrument.caseness.as_ref()) {
            figure!(
                figures,
                folder,
                "caseness",
                format!("caseness_{id}"),
                format!(
                    "People {} the {id} cut-off ({}) before and after",
                    cutoff.when.words(),
                    cutoff.threshold
                ),
                (760, (130 + 56 * cases.len()) as u32),
                paired_bars(waves.baseline_name(), waves.followup_name(), &cases)
            );
        }
        if let Some(dose) =
            lines::dose_response(estimates, id, &content.settings.analysis.dose_bands)
        {
            figure!(
                figures,
                folder,
                "dose_response",
                format!("dose_response_{id}"),
                format!("Change in {id} by sessions attended"),
                (760, 460),
                dose_chart(&dose)
            );
        }
        let means = lines::wave_means(estimates, id, &waves.waves);
        if !means.is_empty() {
            figure!(
                figures,
                folder,
                "longitudinal",
                format!("longitudinal_{id}"),
                format!("Estimated {id} score per wave (mixed model, 95% CI)"),
                (760, 420),
                wave_means_chart(id, &waves.waves, &means)
            );
        }
        // Comparisons are drawn as what they are: differences between two
        // groups, each with its interval (the within-group changes are the
        // mean-change chart above).
        let differences: Vec<Interval> =
            select(estimates, id, "comparison", Stat::AncovaDifference)
                .filter_map(|e| {
                    let Contrast::Levels { level, reference } = &e.contrast else {
                        return None;
                    };
                    Some(Interval {
                        label: format!(
                            "{}: {} − {}",
                            labels.column(&e.group_by),
                            labels.level(&e.group_by, level),
                            labels.level(&e.group_by, reference)
                        ),
                        value: e.value?,
                        low: e.ci_low?,
                        high: e.ci_high?,
                    })
                })
                .collect();
        if !differences.is_empty() {
            figure!(
                figures,
                folder,
                "comparison",
                format!("differences_{id}"),
                format!(
                    "Differences in {id} at {} between groups, adjusted for baseline (ANCOVA, 95% CI)",
                    waves.followup_name()
                ),
                (760, (90 + 34 * differences.len()) as u32),
                forest(
                    &format!(
                        "difference in {} score (points; {})",
                        waves.followup_name(),
                        match instrument.direction {
                            crate::instruments::Direction::HigherIsWorse => "below 0 = the first group less lonely",
                            crate::instruments::Direction::HigherIsBetter => "above 0 = the first group better",
                        }
                    ),
                    &differences
                );
                format!("Differences: {}", forest_reading(&differences))
            );
        }
        about(&mut figures[first..], id);
    }
    for outcome in &content.panel.outcomes {
        let first = figures.len();
        let id = outcome.outcome.id.as_str();
        let subgroups: Vec<Interval> = estimates
            .iter()
            .filter(|e| {
                e.outcome == id
                    && e.analysis == "moderators"
                    && e.estimate == Stat::MeanChange
                    && !e.suppressed
            })
            .filter_map(|e| Interval::of(e, labels))
            .collect();
        if !subgroups.is_empty() {
            figure!(
                figures,
                folder,
                "for_whom",
                format!("for_whom_{id}"),
                format!("Mean change in {id} (95% CI) by participant group"),
                (760, (90 + 34 * subgroups.len()) as u32),
                forest("mean change (follow-up minus baseline, points)", &subgroups);
                format!("Mean change: {}", forest_reading(&subgroups))
            );
        }
        about(&mut figures[first..], id);
    }
    let sessions = bands::sessions_series(estimates);
    if !sessions.is_empty() {
        figure!(
            figures,
            folder,
            "participation",
            "sessions_attended".into(),
            "Sessions attended per participant (everyone enrolled)".into(),
            (760, 420),
            histogram("sessions attended", &sessions)
        );
    }
    let weekly = lines::weekly_attendance(estimates);
    if !weekly.is_empty() {
        figure!(
            figures,
            folder,
            "participation",
            "attendance_by_week".into(),
            "Attended sessions per week since enrolment, by activity".into(),
            (760, 460),
            weekly_chart(&weekly)
        );
    }
    // Rasterising is most of a chart's cost; each is independent.
    figures.par_iter_mut().try_for_each(|figure| {
        let path = folder.join(format!("{}.png", figure.name));
        figure.png = raster::png(&figure.svg).map_err(chart_error(&path))?;
        super::write_file(&path, &figure.png.bytes)
    })?;
    Ok(figures)
}

/// Shares of one bar, in drawing order (`None` when suppressed).
struct StackedBar {
    label: String,
    shares: [Option<f64>; 3],
}

const ORANGE: RGBColor = RGBColor(0xE6, 0x9F, 0x00);
const GREEN: RGBColor = RGBColor(0x00, 0x9E, 0x73);
const LIGHT: RGBColor = RGBColor(0xBB, 0xBB, 0xBB);

/// A chart with a 0–100 x axis and one unit of y per row.
type PercentChart<'a, DB> = ChartContext<
    'a,
    DB,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

/// A white chart of `rows` horizontal rows on a 0–100% axis, row labels
/// drawn by the caller in the wide left margin.
fn percent_rows<'a, DB: DrawingBackend>(
    root: &'a DrawingArea<DB, Shift>,
    title: &str,
    rows: f64,
    x_label: &str,
) -> std::result::Result<PercentChart<'a, DB>, DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(root)
        .caption(title, ("sans-serif", 18))
        .margin(12)
        .margin_bottom(30)
        .x_label_area_size(42)
        .y_label_area_size(190)
        .build_cartesian_2d(0.0..100.0, 0.0..rows)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .light_line_style(TRANSPARENT)
        .x_label_formatter(&|v| bands::trimmed(*v))
        .y_labels(0)
        .x_desc(x_label)
        .label_style(("sans-serif", 13))
        .axis_desc_style(("sans-serif", 14))
        .draw()?;
    Ok(chart)
}

/// The legend of the Jacobson–Truax bars.
const RELIABLE_LEGEND: [&str; 4] = [
    "improved reliably",
    "no reliable change",
    "deteriorated reliably",
    "withheld [c]",
];

/// The legend of the bars of every approach, whose improvement may be a
/// reliable change, a crossing of a cut-off or a change of a set size.
const MEANINGFUL_LEGEND: [&str; 4] = ["improved", "no change", "deteriorated", "withheld [c]"];

fn stacked<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    bars: &[StackedBar],
    names: &[&str; 4],
) -> std::result::Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let n = bars.len() as f64;
    let mut chart = percent_rows(root, title, n, "% of people with both answers")?;
    let colours = [GREEN, LIGHT, ORANGE];
    for (i, bar) in bars.iter().enumerate() {
        let y = n - i as f64 - 0.5;
        // Improved grows from the left, deteriorated from the right; a
        // suppressed share leaves its span as an outline.
        let [improved, no_change, deteriorated] = bar.shares;
        let left = improved.unwrap_or(0.0);
        let right = 100.0 - deteriorated.unwrap_or(0.0);
        let segment = |from: f64, to: f64, colour: RGBColor| {
            Rectangle::new([(from, y - 0.35), (to, y + 0.35)], colour.filled())
        };
        if let Some(share) = improved {
            chart.draw_series(std::iter::once(segment(0.0, share, colours[0])))?;
        }
        if let Some(share) = deteriorated {
            chart.draw_series(std::iter::once(segment(100.0 - share, 100.0, colours[2])))?;
        }
        match no_change {
            Some(share) if improved.is_some() && deteriorated.is_some() => {
                chart.draw_series(std::iter::once(segment(left, left + share, colours[1])))?;
            }
            _ => {
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(left, y - 0.35), (right, y + 0.35)],
                    GREY.stroke_width(1),
                )))?;
            }
        }
        let (_, pixel_y) = chart.backend_coord(&(0.0, y));
        root.draw(&Text::new(
            bar.label.clone(),
            (14, pixel_y - 7),
            ("sans-serif", 13).into_font().color(&BLACK),
        ))?;
    }
    let legend_y = root.dim_in_pixel().1 as i32 - 24;
    for (k, (name, colour)) in names
        .iter()
        .zip(colours.into_iter().chain([WHITE]))
        .enumerate()
    {
        let x = 40 + 175 * k as i32;
        if colour == WHITE {
            root.draw(&Rectangle::new(
                [(x, legend_y), (x + 12, legend_y + 12)],
                GREY.stroke_width(1),
            ))?;
        } else {
            root.draw(&Rectangle::new(
                [(x, legend_y), (x + 12, legend_y + 12)],
                colour.filled(),
            ))?;
        }
        root.draw(&Text::new(
            name.to_string(),
            (x + 16, legend_y - 1),
            ("sans-serif", 12).into_font().color(&BLACK),
        ))?;
    }
    root.present()
}

/// A bar of improved / no change / deteriorated shares; `None` without
/// improved or deteriorated, which leaves nothing to place.
fn three_way_bar(label: String, share: impl Fn(Stat) -> Option<f64>) -> Option<StackedBar> {
    let shares = [
        share(Stat::PctImproved),
        share(Stat::PctNoChange),
        share(Stat::PctDeteriorated),
    ];
    (shares[0].is_some() || shares[2].is_some()).then_some(StackedBar { label, shares })
}

/// Reliable-change categories per group; groups with any suppressed share
/// are left out (their bars would reveal the hidden counts).
/// `analysis` and `contrast` name the method: JT's `reliable_change`
/// rows, or one index of `clinical_significance`.
fn reliable_change_bars(
    estimates: &[Estimate],
    labels: &Labels,
    outcome: &str,
    analysis: &str,
    contrast: &Contrast,
) -> Vec<StackedBar> {
    let mut bars = Vec::new();
    for threshold in estimates.iter().filter(|e| {
        e.outcome == outcome
            && e.analysis == analysis
            && e.contrast == *contrast
            && e.estimate == Stat::NImproved
    }) {
        let share = |name: Stat| {
            estimates
                .iter()
                .find(|e| {
                    e.outcome == outcome
                        && e.analysis == analysis
                        && e.contrast == *contrast
                        && e.group_by == threshold.group_by
                        && e.group == threshold.group
                        && e.estimate == name
                })
                .and_then(|e| e.value)
        };
        bars.extend(three_way_bar(group_label(threshold, labels), share));
    }
    bars
}

/// The Jacobson–Truax cut-off the grid shows: c (between the clinical and
/// functional means) when norms give it, else a; with its label.
fn statistical_cutoff(estimates: &[Estimate], outcome: &str) -> Option<(f64, String)> {
    let of_kind = |kind: CutoffType| {
        select(
            estimates,
            outcome,
            "clinical_significance",
            Stat::CutoffValue,
        )
        .find(|e| {
            e.group_by == "all"
                && e.contrast == Contrast::Method(Classification::Cutoff { ha: false, kind })
        })
    };
    let e = of_kind(CutoffType::C).or_else(|| of_kind(CutoffType::A))?;
    let Contrast::Method(Classification::Cutoff { kind, .. }) = e.contrast else {
        return None;
    };
    Some((
        e.value?,
        format!(
            "Jacobson–Truax cut-off {} between the clinical and functional ranges",
            kind.code()
        ),
    ))
}

/// Improved / no change / deteriorated of everyone by each three-way
/// approach (the combined approach's five categories are in the table).
fn meaningful_change_bars(estimates: &[Estimate], outcome: &str) -> Vec<StackedBar> {
    let in_all = |e: &&Estimate| {
        e.outcome == outcome && e.analysis == "clinical_significance" && e.group_by == "all"
    };
    let mut bars = Vec::new();
    for improved in estimates
        .iter()
        .filter(in_all)
        .filter(|e| e.estimate == Stat::NImproved)
    {
        let Contrast::Method(classification) = &improved.contrast else {
            continue;
        };
        if matches!(classification, Classification::Combined { .. }) {
            continue;
        }
        let share = |name: Stat| {
            estimates
                .iter()
                .filter(in_all)
                .find(|e| e.contrast == improved.contrast && e.estimate == name)
                .and_then(|e| e.value)
        };
        bars.extend(three_way_bar(
            super::format::classification_short(classification),
            share,
        ));
    }
    bars
}

/// Okabe–Ito colours for categorical lines, in order.
const PALETTE: [RGBColor; 7] = [
    BLUE,
    ORANGE,
    GREEN,
    RGBColor(0xCC, 0x79, 0xA7),
    RGBColor(0x56, 0xB4, 0xE9),
    RGBColor(0xD5, 0x5E, 0x00),
    RGBColor(0xF0, 0xE4, 0x42),
];

/// A group's percentage of cases before and after (`None` when suppressed).
struct CasenessBar {
    label: String,
    before: Option<f64>,
    after: Option<f64>,
}

/// Everyone and each arm.
fn caseness_bars(estimates: &[Estimate], labels: &Labels, outcome: &str) -> Vec<CasenessBar> {
    select(estimates, outcome, "caseness", Stat::PctCasesBaseline)
        .filter(|e| e.group_by == "all" || e.group_by == "arm")
        .map(|before| {
            let after = select(estimates, outcome, "caseness", Stat::PctCasesFollowup)
                .find(|e| e.group_by == before.group_by && e.group == before.group);
            CasenessBar {
                label: group_label(before, labels),
                before: before.value.filter(|_| !before.suppressed),
                after: after.and_then(|e| e.value.filter(|_| !e.suppressed)),
            }
        })
        .collect()
}

fn paired_bars<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    baseline: &str,
    followup: &str,
    bars: &[CasenessBar],
) -> std::result::Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let n = bars.len() as f64;
    let mut chart = percent_rows(
        root,
        title,
        n,
        "% of people with both answers who are cases",
    )?;
    for (i, bar) in bars.iter().enumerate() {
        let y = n - i as f64 - 0.5;
        for (offset, value, colour) in [(0.18, bar.before, BLUE), (-0.18, bar.after, ORANGE)] {
            let centre = y + offset;
            match value {
                Some(v) => {
                    chart.draw_series(std::iter::once(Rectangle::new(
                        [(0.0, centre - 0.15), (v, centre + 0.15)],
                        colour.filled(),
                    )))?;
                    chart.draw_series(std::iter::once(Text::new(
                        format!("{v:.0}%"),
                        (v + 1.0, centre + 0.12),
                        ("sans-serif", 12).into_font().color(&BLACK),
                    )))?;
                }
                None => {
                    chart.draw_series(std::iter::once(Text::new(
                        "withheld",
                        (1.0, centre + 0.12),
                        ("sans-serif", 12).into_font().color(&GREY),
                    )))?;
                }
            }
        }
        let (_, pixel_y) = chart.backend_coord(&(0.0, y));
        root.draw(&Text::new(
            bar.label.clone(),
            (14, pixel_y - 7),
            ("sans-serif", 13).into_font().color(&BLACK),
        ))?;
    }
    bands::legend(
        root,
        &[(baseline.to_string(), BLUE), (followup.to_string(), ORANGE)],
    )?;
    root.present()
}
