//! report.docx as a word processor reads it: the package's parts, the
//! title page from `[report]` (with a logo), alt text on every picture,
//! repeated header rows, page numbers, the methods appendix, and the same
//! bytes run to run. The LibreOffice conversion (page count, text) is
//! scripts/docx_check.sh, which `.ci/run` runs with LibreOffice installed.

mod common;

use common::{belong, fixture};
use std::fs;
use std::io::Read;
use std::path::Path;

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.path().is_file() {
            fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

/// A part of the package as text.
fn part(docx: &Path, name: &str) -> String {
    let file = fs::File::open(docx).unwrap();
    let mut archive = zip::ZipArchive::new(file).unwrap();
    let mut text = String::new();
    archive
        .by_name(name)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .read_to_string(&mut text)
        .unwrap();
    text
}

fn part_names(docx: &Path) -> Vec<String> {
    let archive = zip::ZipArchive::new(fs::File::open(docx).unwrap()).unwrap();
    archive.file_names().map(str::to_string).collect()
}

/// A 4 × 2 PNG, as a logo.
fn tiny_png() -> Vec<u8> {
    // Signature, IHDR (4 × 2, 8-bit greyscale), IDAT, IEND.
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let chunk = |kind: &[u8], data: &[u8], png: &mut Vec<u8>| {
        png.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        png.extend_from_slice(&body);
        png.extend_from_slice(&crc32fast::hash(&body).to_be_bytes());
    };
    chunk(b"IHDR", &[0, 0, 0, 4, 0, 0, 0, 2, 8, 0, 0, 0, 0], &mut png);
    // zlib stored block of two rows (filter byte + 4 pixels each).
    let raw = [0u8, 0, 80, 160, 255, 0, 255, 160, 80, 0];
    let mut idat = vec![0x78, 0x01, 1, raw.len() as u8, 0, !(raw.len() as u8), 0xff];
    idat.extend_from_slice(&raw);
    let (mut a, mut b) = (1u32, 0u32);
    for byte in raw {
        a = (a + byte as u32) % 65521;
        b = (b + a) % 65521;
    }
    idat.extend_from_slice(&((b << 16) | a).to_be_bytes());
    chunk(b"IDAT", &idat, &mut png);
    chunk(b"IEND", &[], &mut png);
    png
}

fn report(data: &Path, out: &Path) {
    belong()
        .args(["report", "--quiet", "--out"])
        .arg(out)
        .arg(data)
        .assert()
        .success();
}

#[test]
fn the_word_report_has_a_title_page_captions_alt_text_and_page_numbers() {
    let temp = tempfile::tempdir().unwrap();
    let data = temp.path().join("data");
    copy_dir(&fixture("small-ucla3"), &data);
    fs::write(data.join("logo.png"), tiny_png()).unwrap();
    let mut config = fs::read_to_string(data.join("belong.toml")).unwrap_or_default();
    config.push_str(
        "\n[report]\ntitle = \"Walk & Talk: impact\"\nprogramme = \"Walk and Talk\"\norganisation = \"St Mark's Trust\"\nperiod = \"April 2025 to March 2026\"\nlogo = \"logo.png\"\n",
    );
    fs::write(data.join("belong.toml"), config).unwrap();
    let out = temp.path().join("report");
    report(&data, &out);
    let docx = out.join("report.docx");
    let document = part(&docx, "word/document.xml");

    // The title page, escaped once for XML (docx-rs writes ' as &apos;,
    // which is XML, not HTML: Word shows an apostrophe).
    for text in [
        "Walk &amp; Talk: impact",
        "Walk and Talk",
        "St Mark&apos;s Trust",
        "April 2025 to March 2026",
    ] {
        assert!(document.contains(text), "title page lacks {text}");
    }
    assert!(!document.contains("&amp;amp;") && !document.contains("&amp;apos;"));

    // Every chart and the logo are pictures with their own id and alt text.
    let charts = fs::read_dir(out.join("charts"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().unwrap() == "png")
        .count();
    assert!(charts >= 5, "{charts} charts");
    let pictures = document.matches("<wp:docPr ").count();
    assert_eq!(pictures, charts + 1, "a picture per chart, and the logo");
    assert_eq!(document.matches(" descr=\"").count(), pictures);
    assert!(document.contains("descr=\"Logo\""));
    assert!(!document.contains("descr=\"\""));
    for id in 1..=pictures {
        assert_eq!(
            document.matches(&format!("<wp:docPr id=\"{id}\" ")).count(),
            1,
            "picture id {id}"
        );
    }
    let media = part_names(&docx)
        .into_iter()
        .filter(|n| n.starts_with("word/media/") && n.ends_with(".png"))
        .count();
    assert_eq!(media, pictures);

    // Numbered captions, Table 1 first among the tables.
    assert!(document.contains("Figure 1. "));
    assert!(document.contains(&format!("Figure {charts}. ")));
    assert!(document.contains("Table 1. Who took part"));
    assert!(!document.contains("Table 1. Table 1."));

    // Tables: a repeated header row each, fitted to the page, numbers
    // right-aligned.
    let tables = document.matches("<w:tbl>").count();
    assert!(tables >= 3, "{tables} tables");
    assert_eq!(document.matches("<w:tblHeader />").count(), tables);
    assert!(document.contains(r#"<w:tblLayout w:type="fixed" />"#));
    assert!(document.contains(r#"<w:jc w:val="right" />"#));

    // The summary, the limitations and the methods as an appendix.
    let markdown = fs::read_to_string(out.join("report.md")).unwrap();
    let first_summary_line = markdown
        .lines()
        .skip_while(|l| *l != "## Summary")
        .find(|l| l.starts_with("- "))
        .unwrap();
    let words: String = first_summary_line[2..].chars().take(30).collect();
    assert!(
        document.contains(&words.replace('&', "&amp;")),
        "summary: {words}"
    );
    let methods = document.find(">Appendix A. Methods<").expect("methods");
    assert!(document.find(">Limitations<").unwrap() < methods);
    assert!(document.find(">Summary<").unwrap() < document.find("Table 1. ").unwrap());

    // Page x of y in the footer.
    let footer = part(&docx, "word/footer1.xml");
    assert!(footer.contains(">PAGE<") && footer.contains(">NUMPAGES<"));
}

#[test]
fn the_word_report_is_the_same_bytes_each_run_and_can_be_left_out() {
    let temp = tempfile::tempdir().unwrap();
    let (one, two) = (temp.path().join("one"), temp.path().join("two"));
    report(&fixture("small-ucla3"), &one);
    belong()
        .args(["report", "--quiet", "--threads", "1", "--out"])
        .arg(&two)
        .arg(fixture("small-ucla3"))
        .assert()
        .success();
    assert!(
        fs::read(one.join("report.docx")).unwrap() == fs::read(two.join("report.docx")).unwrap()
    );

    let data = temp.path().join("data");
    copy_dir(&fixture("small-ucla3"), &data);
    let config = fs::read_to_string(data.join("belong.toml")).unwrap_or_default();
    // A top-level key, so before any table of the existing config.
    fs::write(
        data.join("belong.toml"),
        format!("outputs = [\"html\"]\n{config}"),
    )
    .unwrap();
    let without = temp.path().join("without");
    report(&data, &without);
    assert!(!without.join("report.docx").exists());
    assert!(without.join("index.html").exists());
}

#[test]
fn a_logo_must_be_a_png_inside_the_data_folder() {
    let temp = tempfile::tempdir().unwrap();
    let data = temp.path().join("data");
    copy_dir(&fixture("small-ucla3"), &data);
    fs::write(temp.path().join("outside.png"), tiny_png()).unwrap();
    fs::write(data.join("logo.jpg"), b"\xff\xd8\xff\xe0 not a png").unwrap();
    let base = fs::read_to_string(data.join("belong.toml")).unwrap_or_default();
    for (logo, expected) in [
        ("../outside.png", "outside the data folder"),
        ("logo.jpg", "not a PNG image"),
        ("missing.png", "cannot read"),
    ] {
        fs::write(
            data.join("belong.toml"),
            format!("{base}\n[report]\nlogo = \"{logo}\"\n"),
        )
        .unwrap();
        let output = belong()
            .args(["report", "--quiet", "--out"])
            .arg(temp.path().join("report"))
            .arg(&data)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1), "{logo}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "{logo}: {stderr}");
        assert!(stderr.contains("[report] logo"), "{logo}: {stderr}");
        assert!(!temp.path().join("report").exists());
    }
}
