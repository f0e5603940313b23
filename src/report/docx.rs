//! `report.docx`: the report as a Word document, a serialiser of the
//! report model like index.html and report.md. It is what a charity pastes
//! into its annual report: a title page, the summary, each section's
//! charts (300 dpi PNG with alt text and numbered captions) and tables (real
//! Word tables, fitted to the page, header row repeated on each page,
//! numbers right-aligned), page numbers, and the methods as an appendix.
//!
//! docx-rs writes the package. Two things it cannot say are added to its
//! document XML before packing: a picture's alt text (`descr`, with a
//! unique id per picture) and a table's repeated header row
//! (`w:tblHeader`).

use super::charts::Figure;
use super::format::visible;
use super::model::{OutcomeChange, ReportModel};
use super::tables::{cell_text, Cell, Table};
use crate::error::{Error, Result};
use docx_rs::{
    AbstractNumbering, AlignmentType, BreakType, Docx, Footer, IndentLevel, Level, LevelJc,
    LevelText, LineSpacing, NumPages, NumberFormat, Numbering, NumberingId, PageMargin, PageNum,
    Paragraph, Pic, Run, RunFonts, SpecialIndentType, Start, Style, StyleType, TableCell,
    TableCellMargins, TableLayoutType, TableRow, WidthType,
};
use std::path::Path;

/// A4 in twentieths of a point, with 2 cm margins.
const PAGE_WIDTH: u32 = 11_906;
const PAGE_HEIGHT: u32 = 16_838;
const MARGIN: i32 = 1_134;
const TEXT_WIDTH: usize = PAGE_WIDTH as usize - 2 * MARGIN as usize;
/// English Metric Units per twentieth of a point, and per inch.
const EMU_PER_TWIP: u64 = 635;
const EMU_PER_INCH: u64 = 914_400;
/// Charts are placed at 300 dpi, shrunk to the text width when wider.
const CHART_DPI: u64 = 300;
/// Left and right padding of a table cell, in twentieths of a point.
const CELL_PADDING: usize = 60;
/// The most columns a table shows at once: wider ones come in pieces.
const COMFORTABLE_COLUMNS: usize = 7;
/// docx-rs declares numbering 1 itself (a numbered list): bullets are 2.
const BULLETS: usize = 2;
/// A table longer than this is left to tables.xlsx: on paper it would run
/// on for pages.
const MOST_ROWS: usize = 30;

/// The document for `model`; `path` names report.docx in errors.
pub fn render(model: &ReportModel, path: &Path) -> Result<Vec<u8>> {
    let mut document = Document::new();
    title_page(&mut document, model, path)?;
    document.heading(1, "Summary");
    for line in &model.story.summary {
        document.bullet(line);
    }
    for section in &model.sections {
        let figures: Vec<&Figure> = model.figures_of(section).collect();
        let tables: Vec<&Table> = model
            .tables_of(section)
            // The change section has its own, shorter table; the flow's
            // numbers are in its chart.
            .filter(|t| t.name != "change_by_group")
            .filter(|t| t.name != "participant_flow" || figures.is_empty())
            .collect();
        let change = section.id == "change" && !model.change.is_empty();
        if figures.is_empty() && tables.is_empty() && !change {
            continue;
        }
        document.heading(1, section.title);
        if change {
            document.paragraph(&format!(
                "Change is {} minus {} among people who answered both; for loneliness scales a negative change is an improvement.",
                model.waves.followup_name(),
                model.waves.baseline_name()
            ));
            for outcome in &model.change {
                let title = format!("Change in {}, by group", outcome.id);
                document.table(
                    &change_table(outcome, model),
                    &title,
                    outcome.note.as_deref(),
                );
            }
        }
        for figure in figures {
            document.figure(figure);
        }
        let mut elsewhere = Vec::new();
        for table in tables {
            let (shown, same) = table.without_constant_columns();
            if shown.rows.len() > MOST_ROWS {
                elsewhere.push(format!("{} (tables/{}.csv)", table.title, table.name));
                continue;
            }
            let title = if same.is_empty() {
                table.title.to_string()
            } else {
                format!("{} ({})", table.title, same.join("; "))
            };
            // Wider tables come in pieces that fit the page, each
            // repeating what a row is.
            let pieces = shown.split_columns(COMFORTABLE_COLUMNS);
            let last = pieces.len() - 1;
            for (i, piece) in pieces.iter().enumerate() {
                let title = match i {
                    0 => title.clone(),
                    _ => format!("{title} (continued)"),
                };
                let note = (i == last)
                    .then(|| table.note(model.min_cell, model.disclosure))
                    .flatten();
                document.table(piece, &title, note.as_deref());
            }
        }
        if !elsewhere.is_empty() {
            document.paragraph(&format!(
                "Too large for the page, and in tables.xlsx: {}.",
                elsewhere.join("; ")
            ));
        }
    }
    document.heading(1, "Limitations");
    for line in &model.story.limitations {
        document.bullet(line);
    }
    document.appendix("Appendix A. Methods");
    for line in &model.story.methods {
        document.bullet(line);
    }
    if let Some(quality) = model.table("data_quality") {
        document.appendix("Appendix B. Data quality");
        document.table(quality, quality.title, None);
    }
    document.paragraph(&format!(
        "Produced by belong {}. Every number here is a row of estimates.csv.",
        env!("CARGO_PKG_VERSION")
    ));
    document.finish(path)
}

/// The title, what the report covers, the logo, and a page break.
fn title_page(document: &mut Document, model: &ReportModel, path: &Path) -> Result<()> {
    let heading = &model.heading;
    if let Some(logo) = &heading.logo {
        let bytes = std::fs::read(logo).map_err(|e| Error::io("reading the logo", logo, e))?;
        let (width, height) = png_size(&bytes).ok_or_else(|| Error::Write {
            path: path.to_path_buf(),
            message: format!("the logo {} is not a PNG image", logo.display()),
        })?;
        // A logo is at most 6 cm wide and 3 cm high.
        let scale = f64::min(
            6.0 / 2.54 * EMU_PER_INCH as f64 / width as f64,
            3.0 / 2.54 * EMU_PER_INCH as f64 / height as f64,
        );
        let picture = document.picture(
            bytes,
            (width, height),
            (
                (width as f64 * scale) as u32,
                (height as f64 * scale) as u32,
            ),
            "Logo",
        );
        document.push(Paragraph::new().add_run(Run::new().add_image(picture)));
    }
    document.push(
        Paragraph::new()
            .style("Title")
            .add_run(Run::new().add_text(visible(&heading.title))),
    );
    for line in &heading.lines {
        document.push(
            Paragraph::new()
                .style("Subtitle")
                .add_run(Run::new().add_text(visible(line))),
        );
    }
    document.paragraph(&format!(
        "{} participants; waves {}.",
        model.participants,
        model.waves.waves.join(", ")
    ));
    document.push(Paragraph::new().add_run(Run::new().add_break(BreakType::Page)));
    Ok(())
}

/// The width and height of a PNG, from its header chunk.
fn png_size(bytes: &[u8]) -> Option<(u32, u32)> {
    if bytes.len() < 24 || &bytes[..8] != b"\x89PNG\r\n\x1a\n" || &bytes[12..16] != b"IHDR" {
        return None;
    }
    let width = u32::from_be_bytes(bytes[16..20].try_into().ok()?);
    let height = u32::from_be_bytes(bytes[20..24].try_into().ok()?);
    (width > 0 && height > 0).then_some((width, height))
}

/// The page's change table, cut to the columns a printed page holds: the
/// full one is tables/change_by_group.csv.
fn change_table(outcome: &OutcomeChange, model: &ReportModel) -> Table {
    let text = |s: &str| Cell::Text(s.to_string());
    let figure = |s: &str| Cell::Missing(s.to_string());
    Table {
        name: "change_by_group",
        title: "Change from baseline to follow-up",
        header: vec![
            "Group".into(),
            "Pairs".into(),
            format!("Mean {}", model.waves.baseline_name()),
            format!("Mean {}", model.waves.followup_name()),
            "Mean change (95% CI)".into(),
            "p (paired t)".into(),
            "p (Holm)".into(),
        ],
        rows: outcome
            .rows
            .iter()
            .map(|row| {
                let shown = [
                    &row.n,
                    &row.mean_baseline,
                    &row.mean_followup,
                    &row.mean_change,
                    &row.p,
                    &row.p_adjusted,
                ];
                std::iter::once(text(&row.label))
                    .chain(shown.into_iter().map(|s| figure(s)))
                    .collect()
            })
            .collect(),
    }
}
/// The document being written, with its running figure and table numbers.
struct Document {
    docx: Docx,
    figures: usize,
    tables: usize,
    /// Each picture's alt text, in order, for the `descr` attributes.
    alt: Vec<String>,
}

impl Document {
    fn new() -> Self {
        let docx = Docx::new()
            .page_size(PAGE_WIDTH, PAGE_HEIGHT)
            .page_margin(PageMargin {
                top: MARGIN,
                left: MARGIN,
                bottom: MARGIN,
                right: MARGIN,
                header: 567,
                footer: 567,
                gutter: 0,
            })
            .default_fonts(RunFonts::new().ascii("Arial").hi_ansi("Arial").cs("Arial"))
            .default_size(21)
            .created_at("2000-01-01T00:00:00Z")
            .updated_at("2000-01-01T00:00:00Z")
            .add_style(
                Style::new("Title", StyleType::Paragraph)
                    .name("Title")
                    .size(56)
                    .bold()
                    .color("1F3864"),
            )
            .add_style(
                Style::new("Subtitle", StyleType::Paragraph)
                    .name("Subtitle")
                    .size(32)
                    .color("404040"),
            )
            .add_style(heading_style(1, 32))
            .add_style(heading_style(2, 24))
            .add_style(
                Style::new("Caption", StyleType::Paragraph)
                    .name("Caption")
                    .size(18)
                    .italic()
                    .color("404040")
                    .line_spacing(LineSpacing::new().before(120).after(120)),
            )
            .add_abstract_numbering(
                AbstractNumbering::new(BULLETS).add_level(
                    Level::new(
                        0,
                        Start::new(1),
                        NumberFormat::new("bullet"),
                        LevelText::new("•"),
                        LevelJc::new("left"),
                    )
                    .indent(
                        Some(360),
                        Some(SpecialIndentType::Hanging(360)),
                        None,
                        None,
                    ),
                ),
            )
            .add_numbering(Numbering::new(BULLETS, BULLETS))
            .footer(
                Footer::new().add_paragraph(
                    Paragraph::new()
                        .align(AlignmentType::Center)
                        .add_run(Run::new().add_text("Page ").size(18))
                        .add_page_num(PageNum::new())
                        .add_run(Run::new().add_text(" of ").size(18))
                        .add_num_pages(NumPages::new()),
                ),
            );
        Document {
            docx,
            figures: 0,
            tables: 0,
            alt: Vec::new(),
        }
    }

    fn push(&mut self, paragraph: Paragraph) {
        let docx = std::mem::take(&mut self.docx);
        self.docx = docx.add_paragraph(paragraph);
    }

    fn heading(&mut self, level: usize, text: &str) {
        self.push(
            Paragraph::new()
                .style(&format!("Heading{level}"))
                .keep_next(true)
                .add_run(Run::new().add_text(visible(text))),
        );
    }

    /// A heading starting a new page.
    fn appendix(&mut self, text: &str) {
        self.push(
            Paragraph::new()
                .style("Heading1")
                .page_break_before(true)
                .keep_next(true)
                .add_run(Run::new().add_text(visible(text))),
        );
    }

    fn paragraph(&mut self, text: &str) {
        self.push(Paragraph::new().add_run(Run::new().add_text(visible(text))));
    }

    fn bullet(&mut self, text: &str) {
        self.push(
            Paragraph::new()
                .numbering(NumberingId::new(BULLETS), IndentLevel::new(0))
                .add_run(Run::new().add_text(visible(text))),
        );
    }

    fn caption(&mut self, text: &str, keep_next: bool) {
        self.push(
            Paragraph::new()
                .style("Caption")
                .keep_next(keep_next)
                .add_run(Run::new().add_text(visible(text))),
        );
    }

    /// A picture of `pixels`, shown at `emu`, with alt text `alt`.
    fn picture(&mut self, png: Vec<u8>, pixels: (u32, u32), emu: (u32, u32), alt: &str) -> Pic {
        self.alt.push(alt.to_string());
        // docx-rs numbers pictures from a process-wide counter; a fixed id
        // per document keeps the output the same run to run.
        Pic::new_with_dimensions(png, pixels.0, pixels.1)
            .id(format!("rIdImage{}", self.alt.len()))
            .size(emu.0, emu.1)
    }

    /// A chart at 300 dpi (at most the text width) and its caption below.
    fn figure(&mut self, figure: &Figure) {
        let png = &figure.png;
        if png.bytes.is_empty() {
            return;
        }
        let mut width = png.width as u64 * EMU_PER_INCH / CHART_DPI;
        let mut height = png.height as u64 * EMU_PER_INCH / CHART_DPI;
        let widest = TEXT_WIDTH as u64 * EMU_PER_TWIP;
        if width > widest {
            height = height * widest / width;
            width = widest;
        }
        let picture = self.picture(
            png.bytes.clone(),
            (png.width, png.height),
            (width as u32, height as u32),
            &format!("{} {}", figure.alt, figure.desc),
        );
        self.push(
            Paragraph::new()
                .align(AlignmentType::Center)
                .keep_next(true)
                .add_run(Run::new().add_image(picture)),
        );
        self.figures += 1;
        let caption = format!("Figure {}. {}", self.figures, figure.title);
        self.caption(&caption, false);
    }

    /// A numbered caption, the table, and its note.
    fn table(&mut self, table: &Table, title: &str, note: Option<&str>) {
        self.tables += 1;
        // Table 1 is numbered here like every other table.
        let title = title.trim_start_matches("Table 1. ");
        let caption = format!("Table {}. {}", self.tables, title);
        self.caption(&caption, true);
        let words = table.text_columns();
        let columns = table.header.len().max(1);
        let size = if columns > COMFORTABLE_COLUMNS {
            14
        } else {
            17
        };
        let widths = column_widths(table);
        let cell = |text: String, words: bool, width: usize, bold: bool| {
            let mut run = Run::new().add_text(visible(&text)).size(size);
            if bold {
                run = run.bold();
            }
            let align = if words {
                AlignmentType::Left
            } else {
                AlignmentType::Right
            };
            TableCell::new()
                .width(width, WidthType::Dxa)
                .add_paragraph(Paragraph::new().align(align).add_run(run))
        };
        // The header row has no row properties: `tblHeader` is added there
        // (see `finish`); every other row may not split across pages.
        let mut rows = vec![TableRow::new(
            table
                .header
                .iter()
                .zip(&words)
                .zip(&widths)
                .map(|((name, words), width)| cell(name.clone(), *words, *width, true))
                .collect(),
        )];
        rows.extend(table.rows.iter().map(|row| {
            TableRow::new(
                row.iter()
                    .zip(&words)
                    .zip(&widths)
                    .map(|((value, words), width)| cell(cell_text(value), *words, *width, false))
                    .collect(),
            )
            .cant_split()
        }));
        let word_table = docx_rs::Table::new(rows)
            .set_grid(widths.clone())
            .width(TEXT_WIDTH, WidthType::Dxa)
            .margins(TableCellMargins::new().margin(20, CELL_PADDING, 20, CELL_PADDING))
            .layout(TableLayoutType::Fixed);
        let docx = std::mem::take(&mut self.docx);
        self.docx = docx.add_table(word_table);
        if let Some(note) = note {
            self.caption(note, false);
        } else {
            self.push(Paragraph::new());
        }
    }

    /// The packed document, with alt text and repeated header rows added.
    fn finish(self, path: &Path) -> Result<Vec<u8>> {
        let mut xml = self.docx.build();
        let document = String::from_utf8_lossy(&xml.document).into_owned();
        xml.document = with_alt_text(&document, &self.alt)
            .replace(
                "<w:trPr />",
                "<w:trPr><w:cantSplit /><w:tblHeader /></w:trPr>",
            )
            .into_bytes();
        let mut out = std::io::Cursor::new(Vec::new());
        xml.pack(&mut out).map_err(|e| Error::Write {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        Ok(out.into_inner())
    }
}

fn heading_style(level: usize, size: usize) -> Style {
    Style::new(format!("Heading{level}"), StyleType::Paragraph)
        .name(format!("heading {level}"))
        .size(size)
        .bold()
        .color("1F3864")
        .outline_lvl(level - 1)
        .line_spacing(LineSpacing::new().before(360).after(120))
}

/// Widths in twentieths of a point summing to the text width, each column
/// in proportion to its longest line (header words wrap), none narrower
/// than a short number.
fn column_widths(table: &Table) -> Vec<usize> {
    let columns = table.header.len().max(1);
    let lengths: Vec<usize> = (0..columns)
        .map(|c| {
            let header = table
                .header
                .get(c)
                .map(|h| {
                    h.split_whitespace()
                        .map(|w| w.chars().count())
                        .max()
                        .unwrap_or(0)
                })
                .unwrap_or(0);
            let cells = table
                .rows
                .iter()
                .filter_map(|row| row.get(c))
                .map(|cell| cell_text(cell).chars().count().min(40))
                .max()
                .unwrap_or(0);
            header.max(cells).max(4)
        })
        .collect();
    // Each column's padding first, the rest in proportion to its text.
    let padding = 2 * CELL_PADDING + 40;
    let free = TEXT_WIDTH.saturating_sub(padding * columns);
    let total: usize = lengths.iter().sum();
    let mut widths: Vec<usize> = lengths.iter().map(|l| padding + free * l / total).collect();
    let used: usize = widths.iter().sum();
    if let Some(first) = widths.first_mut() {
        *first += TEXT_WIDTH - used;
    }
    widths
}

/// docx-rs writes every picture as `<wp:docPr id="1" name="Figure" />`.
/// Each gets its own id and its alt text, in document order.
fn with_alt_text(document: &str, alt: &[String]) -> String {
    const PLAIN: &str = r#"<wp:docPr id="1" name="Figure" />"#;
    let mut out =
        String::with_capacity(document.len() + alt.iter().map(String::len).sum::<usize>());
    let mut rest = document;
    let mut index = 0;
    while let Some(at) = rest.find(PLAIN) {
        out.push_str(&rest[..at]);
        let descr = alt.get(index).map(|a| attribute(a)).unwrap_or_default();
        index += 1;
        out.push_str(&format!(
            r#"<wp:docPr id="{index}" name="Picture {index}" descr="{descr}" />"#
        ));
        rest = &rest[at + PLAIN.len()..];
    }
    out.push_str(rest);
    out
}

fn attribute(text: &str) -> String {
    visible(text)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alt_text_goes_into_each_picture_in_order() {
        let plain = r#"<wp:docPr id="1" name="Figure" />"#;
        let document = format!("a{plain}b{plain}c");
        let out = with_alt_text(&document, &["one & \"two\"".into(), "three".into()]);
        assert_eq!(
            out,
            r#"a<wp:docPr id="1" name="Picture 1" descr="one &amp; &quot;two&quot;" />b<wp:docPr id="2" name="Picture 2" descr="three" />c"#
        );
    }

    #[test]
    fn widths_fill_the_text_width() {
        let table = Table {
            name: "t",
            title: "t",
            header: vec!["characteristic".into(), "n".into(), "a long header".into()],
            rows: vec![vec![
                Cell::Text("age".into()),
                Cell::Number(3.0, 0),
                Cell::Interval(1.0, 2.0, 2),
            ]],
        };
        let widths = column_widths(&table);
        assert_eq!(widths.iter().sum::<usize>(), TEXT_WIDTH);
        assert!(widths[0] > widths[1]);
    }

    #[test]
    fn reads_a_png_size() {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        png.extend_from_slice(&640u32.to_be_bytes());
        png.extend_from_slice(&480u32.to_be_bytes());
        assert_eq!(png_size(&png), Some((640, 480)));
        assert_eq!(png_size(b"GIF89a"), None);
    }
}
