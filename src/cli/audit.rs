//! `dlc-share-bot audit`: export the audit log as an aligned table, JSON lines or CSV.
//!
//! JSON is exact. CSV is for spreadsheets, so a cell that a spreadsheet would evaluate gets a
//! leading `'`; the table is for terminals, so control and format characters show as `?`.
//!
//! Rows are streamed from PostgreSQL straight into a buffered stdout, one at a time, so a
//! million-row export runs in flat memory; a reader that goes away (`| head`) ends it quietly.

use std::io::{self, BufWriter, Write};

use chrono::{DateTime, Utc};
use futures::TryStreamExt;

use super::{AuditArgs, AuditFormat};
use crate::config::Settings;
use crate::safe_text::visible;
use crate::share::{GuildId, format_duration, parse_duration};
use crate::store::{self, AUDIT_COLUMNS, AuditFilter, AuditRow, PgStore, StoreError};

/// Output buffer: large enough that a write to the pipe carries hundreds of rows.
const STDOUT_BUFFER_BYTES: usize = 64 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot write the export")]
    Output(#[source] io::Error),
}

impl From<io::Error> for ExportError {
    fn from(e: io::Error) -> Self {
        ExportError::Output(e)
    }
}

pub async fn run(settings: &Settings, args: AuditArgs) -> anyhow::Result<()> {
    let filter = filter_from_args(&args, Utc::now())?;
    let store = store::connect_required(&settings.database).await?;
    store.ensure_schema_current().await?;
    // Not `stdout().lock()`: the lock guard is not `Send`, and this future may be spawned.
    // `BufWriter` takes the lock once per 64 KiB anyway.
    let out = BufWriter::with_capacity(STDOUT_BUFFER_BYTES, io::stdout());
    let result = export_to(&store, &filter, args.format, out).await;
    store.close().await;
    match result {
        Ok(0) if args.format == AuditFormat::Table => {
            eprintln!("no audit rows match");
            Ok(())
        }
        Ok(_) => Ok(()),
        Err(ExportError::Output(e)) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Turns the command-line filters into a store filter; `now` anchors `--since`.
pub fn filter_from_args(args: &AuditArgs, now: DateTime<Utc>) -> anyhow::Result<AuditFilter> {
    let since = match args.since.as_deref() {
        None => None,
        Some(raw) => {
            let d = parse_duration(raw).map_err(|e| anyhow::anyhow!("--since: {e}"))?;
            let d = chrono::Duration::from_std(d)
                .ok()
                .and_then(|d| now.checked_sub_signed(d))
                .ok_or_else(|| anyhow::anyhow!("--since: `{raw}` reaches too far back"))?;
            Some(d)
        }
    };
    Ok(AuditFilter {
        since,
        guild: args.guild.map(GuildId),
        user: args.user.clone(),
    })
}

/// Streams the matching rows into `out` in `format` and returns how many were written.
pub async fn export_to<W: Write>(
    store: &PgStore,
    filter: &AuditFilter,
    format: AuditFormat,
    out: W,
) -> Result<u64, ExportError> {
    let mut writer = AuditWriter::new(format, out);
    writer.header()?;
    let mut rows = std::pin::pin!(store.export(filter));
    while let Some(row) = rows.try_next().await? {
        writer.row(&row)?;
    }
    let written = writer.rows();
    writer.finish()?;
    Ok(written)
}

/// Writes audit rows in one of the three formats, a row at a time.
pub struct AuditWriter<W: Write> {
    sink: Sink<W>,
    rows: u64,
}

enum Sink<W: Write> {
    Json(W),
    /// Boxed: the writer carries its own buffer state, one per export.
    Csv(Box<csv::Writer<W>>),
    Table(W),
}

impl<W: Write> AuditWriter<W> {
    pub fn new(format: AuditFormat, out: W) -> Self {
        let sink = match format {
            AuditFormat::Json => Sink::Json(out),
            AuditFormat::Csv => Sink::Csv(Box::new(csv_writer(out))),
            AuditFormat::Table => Sink::Table(out),
        };
        AuditWriter { sink, rows: 0 }
    }

    /// The CSV header row or the table's column titles; nothing for JSON lines.
    pub fn header(&mut self) -> io::Result<()> {
        match &mut self.sink {
            Sink::Json(_) => Ok(()),
            Sink::Csv(w) => write_csv_record(w, AUDIT_COLUMNS),
            Sink::Table(out) => write_table_line(out, &TABLE_TITLES),
        }
    }

    pub fn row(&mut self, row: &AuditRow) -> io::Result<()> {
        match &mut self.sink {
            Sink::Json(out) => {
                serde_json::to_writer(&mut *out, row)?;
                out.write_all(b"\n")?;
            }
            Sink::Csv(w) => {
                let values = row.column_values();
                write_csv_record(w, values.iter().map(|v| v.as_deref().unwrap_or("")))?;
            }
            Sink::Table(out) => write_table_line(out, &table_cells(row))?,
        }
        self.rows += 1;
        Ok(())
    }

    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Flushes and hands the sink back.
    pub fn finish(self) -> io::Result<W> {
        let mut out = match self.sink {
            Sink::Json(out) | Sink::Table(out) => out,
            Sink::Csv(w) => w.into_inner().map_err(|e| e.into_error())?,
        };
        out.flush()?;
        Ok(out)
    }
}

/// RFC 4180 CSV (a field holding a comma, quote, CR or LF is quoted, its quotes doubled),
/// LF-terminated, every record the same width.
pub fn csv_writer<W: Write>(out: W) -> csv::Writer<W> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(out)
}

/// One CSV record. NULL and the empty string both export as an empty field. Every cell is
/// guarded, not only the text columns: which columns hold text is the schema's business, and
/// a guard on a number that starts with `-` costs a spreadsheet nothing it needs.
pub fn write_csv_record<'a, W: Write>(
    w: &mut csv::Writer<W>,
    fields: impl IntoIterator<Item = &'a str>,
) -> io::Result<()> {
    for field in fields {
        w.write_field(defuse_formula(field).as_bytes())?;
    }
    // An empty record ends the one the fields started.
    w.write_record(None::<&[u8]>)?;
    Ok(())
}

/// OWASP CSV injection: a cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return
/// would be read as a formula (or start one), so it gets a leading `'`, which spreadsheets
/// show as text and do not display.
pub fn defuse_formula(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

/// Table columns: title and width in characters (the last column is not padded).
///
/// Fixed widths, written by hand on purpose: the table crates (comfy-table, tabled,
/// tabwriter) measure every row before printing any, which would hold a whole audit log in
/// memory; this export streams a row at a time in flat memory.
const TABLE_COLUMNS: [(&str, usize); 10] = [
    ("TIME (UTC)", 19),
    ("OUTCOME", 14),
    ("GUILD", 19),
    ("USER", 20),
    ("USER ID", 19),
    ("TARGET", 32),
    // The looked-up display name: someone else's text, cut and defused like every cell.
    ("NAME", 24),
    ("EXPIRY", 7),
    ("MS", 6),
    ("CODE / REQUEST", 0),
];

const TABLE_TITLES: [&str; 10] = {
    let mut titles = [""; 10];
    let mut i = 0;
    while i < TABLE_COLUMNS.len() {
        titles[i] = TABLE_COLUMNS[i].0;
        i += 1;
    }
    titles
};

fn table_cells(row: &AuditRow) -> [String; 10] {
    let expiry = row
        .expire_seconds
        .or(row.requested_expire_seconds)
        .map(|s| format_duration(std::time::Duration::from_secs(s.max(0).unsigned_abs())))
        .unwrap_or_default();
    let code = match (&row.error_code, &row.request_id) {
        (Some(c), Some(r)) => format!("{c} ({r})"),
        (Some(c), None) => c.clone(),
        (None, Some(r)) => r.clone(),
        (None, None) => String::new(),
    };
    [
        row.created_at.format("%Y-%m-%d %H:%M:%S").to_string(),
        row.outcome.clone(),
        row.guild_id.clone().unwrap_or_else(|| "-".into()),
        row.user_name.clone(),
        row.user_id.clone(),
        format!("{}/{}", row.target_type, row.target_id),
        row.target_name.clone().unwrap_or_default(),
        expiry,
        row.latency_ms.map(|m| m.to_string()).unwrap_or_default(),
        code,
    ]
}

/// Pads (or cuts, with `…`) each cell to its column, two spaces apart. Control and format
/// characters become `?` ([`visible`]): a user name must not be able to move the cursor,
/// recolour the terminal or reverse the rest of the line (U+202E).
fn write_table_line<S: AsRef<str>>(out: &mut impl Write, cells: &[S; 10]) -> io::Result<()> {
    let mut line = String::with_capacity(192);
    for (i, (cell, (_, width))) in cells.iter().zip(TABLE_COLUMNS).enumerate() {
        if i > 0 {
            line.push_str("  ");
        }
        let clean = visible(cell.as_ref());
        if width == 0 {
            line.push_str(&clean);
        } else {
            push_fitted(&mut line, &clean, width);
        }
    }
    let trimmed = line.trim_end();
    out.write_all(trimmed.as_bytes())?;
    out.write_all(b"\n")
}

fn push_fitted(line: &mut String, text: &str, width: usize) {
    let len = text.chars().count();
    if len <= width {
        line.push_str(text);
        line.extend(std::iter::repeat_n(' ', width - len));
    } else {
        line.extend(text.chars().take(width - 1));
        line.push('…');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(user_name: &str) -> AuditRow {
        AuditRow {
            interaction_id: "1234".into(),
            created_at: DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
            guild_id: Some("42".into()),
            channel_id: Some("43".into()),
            user_id: "7".into(),
            user_name: user_name.into(),
            target_type: "job".into(),
            target_id: "dlc-abc".into(),
            target_name: Some("train <@1>".into()),
            workspace_id: Some("1001".into()),
            requested_expire_seconds: Some(5400),
            expire_seconds: Some(5400),
            outcome: "upstream_error".into(),
            error_code: Some("Throttling".into()),
            request_id: Some("RID-1".into()),
            latency_ms: Some(250),
            token_sha256: None,
            reason: Some("=1+1".into()),
            approved_by: None,
            completed_at: None,
        }
    }

    fn render(format: AuditFormat, rows: &[AuditRow]) -> String {
        let mut w = AuditWriter::new(format, Vec::new());
        w.header().unwrap();
        for r in rows {
            w.row(r).unwrap();
        }
        String::from_utf8(w.finish().unwrap()).unwrap()
    }

    fn csv_line(fields: &[&str]) -> String {
        let mut w = csv_writer(Vec::new());
        write_csv_record(&mut w, fields.iter().copied()).unwrap();
        String::from_utf8(w.into_inner().unwrap()).unwrap()
    }

    #[test]
    fn csv_quotes_only_what_rfc_4180_requires() {
        assert_eq!(
            csv_line(&["plain", "a,b", "say \"hi\"", "two\nlines", "cr\r", ""]),
            "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\r\",\n"
        );
    }

    #[test]
    fn csv_cells_that_start_a_formula_are_defused() {
        assert_eq!(
            csv_line(&["=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx", "a=b", "x-1"]),
            "'=1+1,'+1,'-2,'@SUM(A1),'\tx,\"'\rx\",a=b,x-1\n"
        );
        let mut r = row("=HYPERLINK(\"http://evil\",\"x\")");
        r.target_id = "@evil".into();
        let text = render(AuditFormat::Csv, &[r.clone()]);
        let line = text.lines().nth(1).unwrap();
        assert!(
            line.contains(",\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\",job,'@evil,"),
            "{line}"
        );
        // JSON stays exact.
        let json = render(AuditFormat::Json, &[r]);
        let v: serde_json::Value = serde_json::from_str(json.trim()).unwrap();
        assert_eq!(v["target_id"], "@evil");
    }

    #[test]
    fn csv_has_a_header_and_the_same_columns() {
        let text = render(AuditFormat::Csv, &[row("Doe, \"JD\"")]);
        let mut lines = text.lines();
        assert_eq!(lines.next().unwrap(), AUDIT_COLUMNS.join(","));
        assert_eq!(
            lines.next().unwrap(),
            "1234,2023-11-14T22:13:20.000000Z,42,43,7,\"Doe, \"\"JD\"\"\",job,dlc-abc,train <@1>,1001,5400,5400,\
             upstream_error,Throttling,RID-1,250,,'=1+1,,"
        );
        assert_eq!(lines.next(), None);
    }

    #[test]
    fn json_is_one_object_per_line() {
        let text = render(AuditFormat::Json, &[row("a"), row("b\nc")]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        let v: serde_json::Value = serde_json::from_str(lines[1]).unwrap();
        assert_eq!(v["user_name"], "b\nc");
        assert_eq!(v["created_at"], "2023-11-14T22:13:20.000000Z");
        assert_eq!(v["latency_ms"], 250);
        assert_eq!(v["token_sha256"], serde_json::Value::Null);
    }

    #[test]
    fn table_aligns_and_defuses_control_characters() {
        let text = render(
            AuditFormat::Table,
            &[
                row("evil\u{1b}[31m\u{202e}"),
                row("a-very-long-user-name-indeed"),
            ],
        );
        let lines: Vec<&str> = text.lines().collect();
        assert!(
            lines[0].starts_with("TIME (UTC)           OUTCOME"),
            "{}",
            lines[0]
        );
        assert!(!text.contains('\u{1b}') && !text.contains('\u{202e}'));
        assert!(lines[1].contains("evil?[31m?"), "{}", lines[1]);
        assert!(lines[2].contains("a-very-long-user-na… "), "{}", lines[2]);
        assert!(lines[1].contains("1h30m") && lines[1].ends_with("Throttling (RID-1)"));
        assert!(lines[1].contains("  train <@1>  "), "{}", lines[1]);
        let col = |l: &str| l[..l.find("job/dlc-abc").unwrap()].chars().count();
        assert_eq!(col(lines[1]), col(lines[2]));
        assert_eq!(lines[0].find("TARGET").unwrap(), col(lines[1]));
        assert_eq!(col(lines[1]), 19 + 14 + 19 + 20 + 19 + 5 * 2);
    }

    #[test]
    fn a_hostile_target_name_is_cut_and_defused_in_the_table() {
        let mut r = row("member");
        r.target_name = Some(format!("\u{202e}\u{1b}[2J{}", "~".repeat(5_000)));
        let text = render(AuditFormat::Table, &[r]);
        let line = text.lines().nth(1).unwrap();
        assert!(
            !line.contains('\u{202e}') && !line.contains('\u{1b}'),
            "{line}"
        );
        assert!(line.contains("??[2J~"), "{line}");
        assert!(line.chars().count() < 250, "cut to its column: {line}");
    }

    #[test]
    fn since_is_relative_to_now() {
        let now = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let args = AuditArgs {
            since: Some("1h30m".into()),
            guild: Some(9),
            user: Some("alice".into()),
            format: AuditFormat::Json,
        };
        let f = filter_from_args(&args, now).unwrap();
        assert_eq!(f.since, Some(now - chrono::Duration::seconds(5400)));
        assert_eq!(f.guild, Some(GuildId(9)));
        assert_eq!(f.user.as_deref(), Some("alice"));
        let bad = AuditArgs {
            since: Some("soon".into()),
            ..args
        };
        let e = filter_from_args(&bad, now).unwrap_err().to_string();
        assert!(e.starts_with("--since:"), "{e}");
    }

    #[test]
    fn a_closed_pipe_surfaces_as_broken_pipe() {
        struct Closed;
        impl Write for Closed {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::ErrorKind::BrokenPipe.into())
            }
            fn flush(&mut self) -> io::Result<()> {
                Err(io::ErrorKind::BrokenPipe.into())
            }
        }
        let mut w = AuditWriter::new(AuditFormat::Csv, BufWriter::new(Closed));
        w.header().unwrap();
        let err = w.finish().map(|_| ()).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
    }
}
