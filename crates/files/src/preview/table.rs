//! Table previews: CSV/TSV (any of the encodings [`super::text::decode`] reads) and
//! spreadsheets (XLSX, XLSM, XLSB, XLS, ODS through calamine), first rows and columns only.

use std::io::Cursor;

use calamine::{Data, DataType, Reader, Sheets};
use tandem_dto::{PreviewKind, PreviewSheet, PreviewUnavailable};

use super::Rendered;

pub const MAX_ROWS: usize = 500;
pub const MAX_COLS: usize = 50;
pub const MAX_SHEETS: usize = 20;
/// A cell's text is cut to this many characters.
const MAX_CELL: usize = 1_000;

fn cell(text: &str) -> String {
    text.chars().take(MAX_CELL).collect()
}

/// A CSV (or TSV, with `delimiter` b'\t') file's first rows.
pub fn csv(name: &str, bytes: &[u8], cut: bool, delimiter: u8) -> Rendered {
    let Some(decoded) = super::text::decode(bytes, cut) else {
        return Rendered::unavailable(PreviewUnavailable::Unreadable);
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(decoded.text.as_bytes());
    let mut rows = Vec::new();
    let mut truncated = cut;
    for record in reader.records() {
        if rows.len() == MAX_ROWS {
            truncated = true;
            break;
        }
        let Ok(record) = record else {
            // A quote left open by the read limit ends the preview, not the file.
            truncated = true;
            break;
        };
        truncated |= record.len() > MAX_COLS;
        rows.push(record.iter().take(MAX_COLS).map(cell).collect());
    }
    Rendered {
        kind: Some(PreviewKind::Table),
        truncated,
        encoding: Some(decoded.encoding.to_owned()),
        sheets: vec![PreviewSheet {
            name: name.to_owned(),
            rows,
            truncated,
        }],
        ..Rendered::default()
    }
}

/// A workbook's sheets, each cut to its first rows and columns.
pub fn workbook(bytes: &[u8]) -> Rendered {
    let zipped = bytes.starts_with(b"PK\x03\x04");
    if zipped && let Err(why) = super::check_zip(bytes) {
        return Rendered::unavailable(why);
    }
    let Ok(mut book) = calamine::open_workbook_auto_from_rs(Cursor::new(bytes)) else {
        return Rendered::unavailable(PreviewUnavailable::Unreadable);
    };
    let names = book.sheet_names();
    let mut sheets = Vec::new();
    for name in names.iter().take(MAX_SHEETS) {
        let sheet = match &mut book {
            // XLSX streams its cells, so a sheet of a million rows costs the rows shown.
            Sheets::Xlsx(x) => xlsx_sheet(x, name),
            other => other.worksheet_range(name).ok().map(|range| {
                let mut rows = Vec::new();
                let mut truncated = false;
                for row in range.rows() {
                    if rows.len() == MAX_ROWS {
                        truncated = true;
                        break;
                    }
                    truncated |= row.len() > MAX_COLS;
                    rows.push(row.iter().take(MAX_COLS).map(show).collect());
                }
                PreviewSheet {
                    name: name.clone(),
                    rows,
                    truncated,
                }
            }),
        };
        match sheet {
            Some(s) => sheets.push(s),
            None => return Rendered::unavailable(PreviewUnavailable::Unreadable),
        }
    }
    let truncated = names.len() > MAX_SHEETS || sheets.iter().any(|s| s.truncated);
    Rendered {
        kind: Some(PreviewKind::Table),
        truncated,
        sheets,
        ..Rendered::default()
    }
}

fn xlsx_sheet(book: &mut calamine::Xlsx<Cursor<&[u8]>>, name: &str) -> Option<PreviewSheet> {
    let mut cells = book.worksheet_cells_reader(name).ok()?;
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut truncated = false;
    // Cells come row by row; positions are absolute, so rows start at the first used one.
    let mut first_row = None;
    while let Ok(Some(c)) = cells.next_cell() {
        let (r, col) = c.get_position();
        let first = *first_row.get_or_insert(r);
        let at = (r - first) as usize;
        if at >= MAX_ROWS {
            truncated = true;
            break;
        }
        if col as usize >= MAX_COLS {
            truncated = true;
            continue;
        }
        let value = show(&Data::from(c.get_value().clone()));
        if value.is_empty() {
            continue;
        }
        if rows.len() <= at {
            rows.resize_with(at + 1, Vec::new);
        }
        let row = &mut rows[at];
        if row.len() <= col as usize {
            row.resize(col as usize + 1, String::new());
        }
        row[col as usize] = value;
    }
    // Columns start at the first used one across the rows shown.
    let skip = rows
        .iter()
        .filter_map(|r| r.iter().position(|v| !v.is_empty()))
        .min()
        .unwrap_or(0);
    for r in &mut rows {
        r.drain(..skip.min(r.len()));
    }
    Some(PreviewSheet {
        name: name.to_owned(),
        rows,
        truncated,
    })
}

/// A cell as a spreadsheet shows it: dates as dates, whole numbers without ".0".
fn show(d: &Data) -> String {
    if d.is_datetime()
        && let Some(t) = d.as_datetime()
    {
        return if t.time() == chrono::NaiveTime::MIN {
            t.format("%Y-%m-%d").to_string()
        } else {
            t.format("%Y-%m-%d %H:%M").to_string()
        };
    }
    match d {
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        other => cell(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gbk_csv_from_excel_reads_as_chinese_rows() {
        let text = "姓名,部门\n张三,\"研发,测试\"\n";
        let (gbk, _, _) = encoding_rs::GB18030.encode(text);
        let r = csv("名单.csv", &gbk, false, b',');
        assert_eq!(r.kind, Some(PreviewKind::Table));
        assert_eq!(r.encoding.as_deref(), Some("GB18030"));
        assert_eq!(
            r.sheets[0].rows,
            vec![vec!["姓名", "部门"], vec!["张三", "研发,测试"]]
        );
        assert!(!r.truncated);
    }

    #[test]
    fn long_and_wide_csv_is_cut() {
        let row = vec!["x"; MAX_COLS + 5].join(",");
        let text = format!("{row}\n").repeat(MAX_ROWS + 5);
        let r = csv("big.csv", text.as_bytes(), false, b',');
        assert_eq!(r.sheets[0].rows.len(), MAX_ROWS);
        assert_eq!(r.sheets[0].rows[0].len(), MAX_COLS);
        assert!(r.truncated);
    }

    #[test]
    fn bytes_that_are_not_a_workbook_are_unreadable() {
        let r = workbook(b"not a spreadsheet at all");
        assert_eq!(r.unavailable, Some(PreviewUnavailable::Unreadable));
    }
}
