//! `data_quality.csv` and the printed account: per table, rows read, kept
//! and excluded by reason. Counts only; never a participant id.

use crate::validate::TableAccount;

/// One line per (table, measure): `read`, `kept`, `excluded: <reason>`.
pub fn to_csv(accounts: &[TableAccount]) -> String {
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
