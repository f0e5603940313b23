//! Writing a polars frame as a Parquet file: the report's estimates and
//! synth's data alike. A leaf module, so that synth does not reach into
//! the report.

use crate::error::{Error, Result};
use polars::prelude::*;
use std::path::Path;

/// Writes `frame` to `path` as Parquet.
pub(crate) fn write(path: &Path, frame: &mut DataFrame) -> Result<()> {
    let file = std::fs::File::create(path).map_err(|e| Error::io("creating the file", path, e))?;
    ParquetWriter::new(file)
        .finish(frame)
        .map(|_| ())
        .map_err(|source| Error::Polars {
            path: path.to_path_buf(),
            doing: "writing Parquet".into(),
            source,
        })
}
