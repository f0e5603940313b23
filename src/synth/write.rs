//! Writing synthetic data as CSV in the native layout.

use super::SynthData;
use crate::cells::format_date;
use crate::error::{Error, Result};
use std::io::{BufWriter, Write};
use std::path::Path;

fn create(path: &Path) -> Result<BufWriter<std::fs::File>> {
    std::fs::File::create(path)
        .map(BufWriter::new)
        .map_err(|e| Error::io("creating the file", path, e))
}

pub(crate) fn write_csv(out_dir: &Path, data: &SynthData) -> Result<()> {
    std::fs::create_dir_all(out_dir)
        .map_err(|e| Error::io("creating the output folder", out_dir, e))?;
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |e: std::io::Error| Error::io("writing the file", path.clone(), e)
    };

    let path = out_dir.join("participants.csv");
    let mut out = create(&path)?;
    let arm_header = if data.has_arm { ",arm" } else { "" };
    writeln!(
        out,
        "participant_id,cohort,site{arm_header},enrolled_on,age_band,gender,lives_alone{}",
        if data.has_clusters { ",cluster" } else { "" }
    )
    .map_err(io(&path))?;
    for p in &data.participants {
        let arm = if data.has_arm {
            format!(",{}", p.arm)
        } else {
            String::new()
        };
        writeln!(
            out,
            "{},{},{}{arm},{},{},{},{}{}",
            p.id,
            p.cohort,
            p.site,
            format_date(p.enrolled_on),
            p.age_band,
            p.gender,
            p.lives_alone,
            p.cluster
                .as_ref()
                .map_or(String::new(), |c| format!(",{c}"))
        )
        .map_err(io(&path))?;
    }
    out.flush().map_err(io(&path))?;

    let path = out_dir.join("assessments.csv");
    let mut out = create(&path)?;
    let item_columns: Vec<String> = (1..=data.instrument.item_count())
        .map(|k| data.instrument.item_column(k))
        .collect();
    writeln!(
        out,
        "participant_id,wave,assessed_on,{}",
        item_columns.join(",")
    )
    .map_err(io(&path))?;
    for a in &data.assessments {
        let items: Vec<String> = a
            .items
            .iter()
            .map(|v| v.map(|x| x.to_string()).unwrap_or_default())
            .collect();
        writeln!(
            out,
            "{},{},{},{}",
            data.participants[a.participant].id,
            a.wave,
            format_date(a.assessed_on),
            items.join(",")
        )
        .map_err(io(&path))?;
    }
    out.flush().map_err(io(&path))?;

    let path = out_dir.join("attendance.csv");
    let mut out = create(&path)?;
    writeln!(
        out,
        "participant_id,session_date,activity,format,attended,minutes"
    )
    .map_err(io(&path))?;
    for s in &data.attendance {
        writeln!(
            out,
            "{},{},{},{},{},{}",
            data.participants[s.participant].id,
            format_date(s.session_date),
            s.activity,
            if s.is_group { "group" } else { "individual" },
            s.attended,
            s.minutes.map(|m| m.to_string()).unwrap_or_default()
        )
        .map_err(io(&path))?;
    }
    out.flush().map_err(io(&path))
}

/// The three tables as Parquet (`NAME.parquet`), typed: dates as dates,
/// items and minutes as integers, flags as booleans.
pub(crate) fn write_parquet(out_dir: &Path, data: &SynthData) -> Result<()> {
    use polars::prelude::*;
    std::fs::create_dir_all(out_dir)
        .map_err(|e| Error::io("creating the output folder", out_dir, e))?;
    let frame_error = |path: &Path| {
        let path = path.to_path_buf();
        move |e: PolarsError| Error::Write {
            path: path.clone(),
            message: e.to_string(),
        }
    };
    let date_column = |name: &str, days: Vec<i32>| -> Column {
        Int32Chunked::from_vec(name.into(), days)
            .into_date()
            .into_series()
            .into()
    };
    let ids: Vec<&str> = data.participants.iter().map(|p| p.id.as_str()).collect();

    let path = out_dir.join("participants.parquet");
    let p = &data.participants;
    let mut columns = vec![
        Column::new("participant_id".into(), ids.clone()),
        Column::new(
            "cohort".into(),
            p.iter().map(|r| r.cohort).collect::<Vec<_>>(),
        ),
        Column::new("site".into(), p.iter().map(|r| r.site).collect::<Vec<_>>()),
    ];
    if data.has_arm {
        columns.push(Column::new(
            "arm".into(),
            p.iter().map(|r| r.arm).collect::<Vec<_>>(),
        ));
    }
    columns.extend([
        date_column("enrolled_on", p.iter().map(|r| r.enrolled_on).collect()),
        Column::new(
            "age_band".into(),
            p.iter().map(|r| r.age_band).collect::<Vec<_>>(),
        ),
        Column::new(
            "gender".into(),
            p.iter().map(|r| r.gender).collect::<Vec<_>>(),
        ),
        Column::new(
            "lives_alone".into(),
            p.iter().map(|r| r.lives_alone).collect::<Vec<_>>(),
        ),
    ]);
    if data.has_clusters {
        columns.push(Column::new(
            "cluster".into(),
            p.iter().map(|r| r.cluster.as_deref()).collect::<Vec<_>>(),
        ));
    }
    let mut frame = DataFrame::new_infer_height(columns).map_err(frame_error(&path))?;
    crate::parquet::write(&path, &mut frame)?;

    let path = out_dir.join("assessments.parquet");
    let a = &data.assessments;
    let mut columns = vec![
        Column::new(
            "participant_id".into(),
            a.iter().map(|r| ids[r.participant]).collect::<Vec<_>>(),
        ),
        Column::new("wave".into(), a.iter().map(|r| r.wave).collect::<Vec<_>>()),
        date_column("assessed_on", a.iter().map(|r| r.assessed_on).collect()),
    ];
    for k in 0..data.instrument.item_count() {
        columns.push(Column::new(
            data.instrument.item_column(k + 1).into(),
            a.iter().map(|r| r.items[k]).collect::<Vec<Option<i64>>>(),
        ));
    }
    let mut frame = DataFrame::new_infer_height(columns).map_err(frame_error(&path))?;
    crate::parquet::write(&path, &mut frame)?;

    let path = out_dir.join("attendance.parquet");
    let t = &data.attendance;
    let columns = vec![
        Column::new(
            "participant_id".into(),
            t.iter().map(|r| ids[r.participant]).collect::<Vec<_>>(),
        ),
        date_column("session_date", t.iter().map(|r| r.session_date).collect()),
        Column::new(
            "activity".into(),
            t.iter().map(|r| r.activity).collect::<Vec<_>>(),
        ),
        Column::new(
            "format".into(),
            t.iter()
                .map(|r| if r.is_group { "group" } else { "individual" })
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "attended".into(),
            t.iter().map(|r| r.attended).collect::<Vec<_>>(),
        ),
        Column::new(
            "minutes".into(),
            t.iter()
                .map(|r| r.minutes.map(i64::from))
                .collect::<Vec<Option<i64>>>(),
        ),
    ];
    let mut frame = DataFrame::new_infer_height(columns).map_err(frame_error(&path))?;
    crate::parquet::write(&path, &mut frame)
}
