//! Writing synthetic data as CSV in the native layout.

use super::SynthData;
use crate::error::{Error, Result};
use crate::ingest::convert::format_date;
use std::io::{BufWriter, Write};
use std::path::Path;

fn create(path: &Path) -> Result<BufWriter<std::fs::File>> {
    std::fs::File::create(path)
        .map(BufWriter::new)
        .map_err(|e| Error::io(path, e))
}

pub fn write_csv(out_dir: &Path, data: &SynthData) -> Result<()> {
    std::fs::create_dir_all(out_dir).map_err(|e| Error::io(out_dir, e))?;
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |e: std::io::Error| Error::io(path.clone(), e)
    };

    let path = out_dir.join("participants.csv");
    let mut out = create(&path)?;
    let arm_header = if data.has_arm { ",arm" } else { "" };
    writeln!(
        out,
        "participant_id,cohort,site{arm_header},enrolled_on,age_band,gender,lives_alone"
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
            "{},{},{}{arm},{},{},{},{}",
            p.id,
            p.cohort,
            p.site,
            format_date(p.enrolled_on),
            p.age_band,
            p.gender,
            p.lives_alone
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
