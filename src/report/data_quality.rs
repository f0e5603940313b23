//! `data_quality.csv` and the printed account: per table, rows read, kept
//! and excluded by reason. Counts only; never a participant id.

use crate::validate::TableAccount;

/// One line per (table, measure): `read`, `kept`, `excluded: <reason>`.
pub(crate) fn to_csv(accounts: &[TableAccount]) -> String {
    let mut out = String::from("table,check,rows\n");
    for account in accounts {
        out.push_str(&format!("{},read,{}\n", account.table, account.read));
        out.push_str(&format!("{},kept,{}\n", account.table, account.kept));
        for (reason, count) in &account.excluded_by_reason {
            out.push_str(&format!(
                "{},{},{count}\n",
                account.table,
                super::format::csv_field(&format!("excluded: {reason}"))
            ));
        }
        for (note, count) in &account.notes {
            out.push_str(&format!(
                "{},{},{count}\n",
                account.table,
                super::format::csv_field(&format!("note: {note}"))
            ));
        }
        for (reason, count) in &account.cells_missing_by_reason {
            out.push_str(&format!(
                "{},{},{count}\n",
                account.table,
                super::format::csv_field(&format!("cells read as missing: {reason}"))
            ));
        }
    }
    out
}

/// The account as text for people (`belong validate`).
pub fn to_text(accounts: &[TableAccount]) -> String {
    let mut out = String::new();
    for account in accounts {
        out.push_str(&format!(
            "{:<12} read {:>8}  kept {:>8}  excluded {:>6}\n",
            account.table, account.read, account.kept, account.excluded
        ));
        for (reason, count) in &account.excluded_by_reason {
            out.push_str(&format!("{:<12}   excluded {count:>6}: {reason}\n", ""));
        }
        for (note, count) in &account.notes {
            out.push_str(&format!("{:<12}   note     {count:>6}: {note}\n", ""));
        }
        for (reason, count) in &account.cells_missing_by_reason {
            out.push_str(&format!(
                "{:<12}   cells    {count:>6}: {reason}, read as missing (rows kept)\n",
                ""
            ));
        }
    }
    out
}

/// The account in one line, for the end of a run: rows read and kept per
/// table, with the excluded rows and the cells read as missing.
pub fn one_line(accounts: &[TableAccount]) -> String {
    let tables: Vec<String> = accounts
        .iter()
        .map(|account| {
            let mut parts = vec![format!("{} kept", account.kept)];
            if account.excluded > 0 {
                parts.push(format!("{} excluded", account.excluded));
            }
            let cells: usize = account.cells_missing_by_reason.values().sum();
            if cells > 0 {
                parts.push(format!(
                    "{cells} {} read as missing",
                    if cells == 1 { "cell" } else { "cells" }
                ));
            }
            format!(
                "{} {} ({})",
                account.read,
                match account.table {
                    "attendance" => "attendance rows",
                    table => table,
                },
                parts.join(", ")
            )
        })
        .collect();
    format!("read {}", tables.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn the_account_reads_as_one_line() {
        let account = |table, read, excluded, cells| TableAccount {
            table,
            read,
            kept: read - excluded,
            excluded,
            excluded_by_reason: BTreeMap::new(),
            notes: BTreeMap::new(),
            cells_missing_by_reason: if cells > 0 {
                BTreeMap::from([("response out of range", cells)])
            } else {
                BTreeMap::new()
            },
        };
        assert_eq!(
            one_line(&[
                account("participants", 72, 0, 0),
                account("assessments", 182, 1, 2),
                account("attendance", 1138, 0, 0),
            ]),
            "read 72 participants (72 kept), 182 assessments (181 kept, 1 excluded, 2 cells read as missing), 1138 attendance rows (1138 kept)"
        );
    }
}
