//! The participant-flow diagram: one box per stage, arrows between them.

use super::{BLUE, GREY};
use crate::report::ReportContent;
use plotters::coord::Shift;
use plotters::prelude::*;

/// (stage, people text) of the first outcome; `None` without outcomes.
pub fn stages(content: &ReportContent) -> Option<Vec<(String, String)>> {
    let outcome = content.panel.outcomes.first()?;
    let id = &outcome.outcome.id;
    Some(
        crate::report::flow::stages(content, id)
            .into_iter()
            .map(|stage| {
                let people = match (stage.people, stage.row) {
                    (Some(n), _) => format!("n = {n}"),
                    (None, Some(_)) => "withheld".to_string(),
                    (None, None) => "not known".into(),
                };
                let name = if stage.name.starts_with("enrolled") {
                    stage.name.to_string()
                } else {
                    format!("{} ({id})", stage.name)
                };
                (name, people)
            })
            .collect(),
    )
}

pub(crate) fn flow_chart<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    stages: &[(String, String)],
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    root.draw(&Text::new(
        title.to_string(),
        (24, 16),
        ("sans-serif", 18).into_font().color(&BLACK),
    ))?;
    let (width, _) = root.dim_in_pixel();
    let (left, right) = (180, width as i32 - 180);
    for (k, (name, people)) in stages.iter().enumerate() {
        let top = 60 + 90 * k as i32;
        root.draw(&Rectangle::new(
            [(left, top), (right, top + 56)],
            BLUE.mix(0.12).filled(),
        ))?;
        root.draw(&Rectangle::new(
            [(left, top), (right, top + 56)],
            BLUE.stroke_width(2),
        ))?;
        root.draw(&Text::new(
            name.clone(),
            (left + 14, top + 10),
            ("sans-serif", 14).into_font().color(&BLACK),
        ))?;
        root.draw(&Text::new(
            people.clone(),
            (left + 14, top + 30),
            ("sans-serif", 14).into_font().color(&BLACK),
        ))?;
        if k + 1 < stages.len() {
            let x = width as i32 / 2;
            root.draw(&PathElement::new(
                vec![(x, top + 56), (x, top + 88)],
                GREY.stroke_width(2),
            ))?;
            root.draw(&Polygon::new(
                vec![(x - 6, top + 80), (x + 6, top + 80), (x, top + 89)],
                GREY.filled(),
            ))?;
        }
    }
    root.present()
}
