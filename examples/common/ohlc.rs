//! High, low and close prices of one symbol (or its closes alone), read from a CSV file.
//!
//! The file needs a header naming (case-insensitively) a `high`, a `low` and a `close` column
//! ([`read_ohlc`]), or only a `close` column ([`read_close`]); other columns are ignored. An
//! empty field or `nan` (any case) is a missing bar (NaN). A UTF-8 byte order mark, CRLF line
//! ends, blank lines and quoted fields are accepted; anything else unexpected is a
//! [`CsvError`] naming the file, the line and the column.

use std::error::Error;
use std::fmt;
use std::fs::File;
use std::io::Read;
use std::path::Path;

use csv::{ByteRecord, Reader, ReaderBuilder, Terminator};

/// The columns [`read_ohlc`] reads, in the order of [`Ohlc`]'s fields.
const OHLC_COLUMNS: [&str; 3] = ["high", "low", "close"];

/// The column [`read_close`] reads.
const CLOSE_COLUMN: [&str; 1] = ["close"];

/// Longest excerpt of a bad value quoted in an error, so that a garbage file cannot make a
/// message megabytes long.
const MAX_EXCERPT_CHARS: usize = 40;

/// One symbol's high, low and close, one value per bar.
#[derive(Debug, Clone, Default)]
pub struct Ohlc {
    pub high: Vec<f64>,
    pub low: Vec<f64>,
    pub close: Vec<f64>,
}

impl Ohlc {
    /// The number of bars.
    pub fn bars(&self) -> usize {
        self.close.len()
    }

    /// The three series, as `ta_sweep::Prices::from_symbols` takes them.
    pub fn as_slices(&self) -> (&[f64], &[f64], &[f64]) {
        (&self.high, &self.low, &self.close)
    }
}

/// Why a price file could not be read, and where.
#[derive(Debug)]
pub struct CsvError {
    /// The file, as it was named to the reader.
    pub file: String,
    /// The 1-based line of the problem; `None` if the file could not be opened.
    pub line: Option<u64>,
    pub kind: CsvErrorKind,
}

/// What was wrong with a price file.
#[derive(Debug)]
pub enum CsvErrorKind {
    /// The file could not be opened or read.
    Io(csv::Error),
    /// The file has no header line; it should name these columns.
    Empty { expected: &'static [&'static str] },
    /// A header field is not UTF-8 (`index` counts from 1).
    HeaderNotUtf8 { index: usize },
    /// No header field has this name.
    MissingColumn(&'static str),
    /// Two header fields have this name, so which one to read is ambiguous.
    DuplicateColumn(&'static str),
    /// A row has a different number of fields than the header; `column` names the first
    /// missing one if the row is short (cut short itself if the header gave it a long name).
    FieldCount {
        expected: usize,
        found: usize,
        column: Option<String>,
    },
    /// A value of this column is not UTF-8.
    NotUtf8 { column: &'static str },
    /// A value of this column is not a number (`value` may be cut short).
    BadNumber { column: &'static str, value: String },
}

impl fmt::Display for CsvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: ", self.file)?,
            None => write!(f, "{}: ", self.file)?,
        }
        match &self.kind {
            CsvErrorKind::Io(e) => write!(f, "{e}"),
            CsvErrorKind::Empty { expected } => match expected {
                [one] => write!(
                    f,
                    "the file is empty; expected a header line with a {one} column"
                ),
                [init @ .., last] => write!(
                    f,
                    "the file is empty; expected a header line with {} and {last} columns",
                    init.join(", ")
                ),
                [] => f.write_str("the file is empty; expected a header line"),
            },
            CsvErrorKind::HeaderNotUtf8 { index } => {
                write!(f, "header field {index} is not valid UTF-8")
            }
            CsvErrorKind::MissingColumn(column) => write!(
                f,
                "column `{column}` is not in the header (names are matched case-insensitively)"
            ),
            CsvErrorKind::DuplicateColumn(column) => {
                write!(f, "column `{column}` appears twice in the header")
            }
            CsvErrorKind::FieldCount {
                expected,
                found,
                column: Some(column),
            } => write!(
                f,
                "column `{column}` is missing: the row has {found} fields, the header {expected}"
            ),
            CsvErrorKind::FieldCount {
                expected,
                found,
                column: None,
            } => write!(
                f,
                "the row has {found} fields but the header has only {expected} columns"
            ),
            CsvErrorKind::NotUtf8 { column } => {
                write!(f, "column `{column}`: the value is not valid UTF-8")
            }
            CsvErrorKind::BadNumber { column, value } => {
                write!(f, "column `{column}`: {value:?} is not a number")
            }
        }
    }
}

impl Error for CsvError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match &self.kind {
            CsvErrorKind::Io(e) => Some(e),
            _ => None,
        }
    }
}

/// Reads the high, low and close columns of the CSV file at `path`.
pub fn read_ohlc(path: &Path) -> Result<Ohlc, CsvError> {
    let [high, low, close] = read_file(path, &OHLC_COLUMNS)?;
    Ok(Ohlc { high, low, close })
}

/// Reads the high, low and close columns of CSV data from `reader`, streaming; `name` names the
/// source in errors.
pub fn read_ohlc_from<R: Read>(reader: R, name: &str) -> Result<Ohlc, CsvError> {
    let [high, low, close] = read_columns_from(reader, name, &OHLC_COLUMNS)?;
    Ok(Ohlc { high, low, close })
}

/// Reads the close column of the CSV file at `path` (the file needs no high or low).
pub fn read_close(path: &Path) -> Result<Vec<f64>, CsvError> {
    let [close] = read_file(path, &CLOSE_COLUMN)?;
    Ok(close)
}

/// Reads the close column of CSV data from `reader`, streaming; `name` names the source in
/// errors.
pub fn read_close_from<R: Read>(reader: R, name: &str) -> Result<Vec<f64>, CsvError> {
    let [close] = read_columns_from(reader, name, &CLOSE_COLUMN)?;
    Ok(close)
}

fn read_file<const N: usize>(
    path: &Path,
    columns: &'static [&'static str; N],
) -> Result<[Vec<f64>; N], CsvError> {
    let name = path.display().to_string();
    match File::open(path) {
        Ok(file) => read_columns_from(file, &name, columns),
        Err(e) => Err(CsvError {
            file: name,
            line: None,
            kind: CsvErrorKind::Io(e.into()),
        }),
    }
}

/// Reads the named columns of CSV data from `reader`, streaming, in the order of `columns`.
fn read_columns_from<R: Read, const N: usize>(
    reader: R,
    name: &str,
    columns: &'static [&'static str; N],
) -> Result<[Vec<f64>; N], CsvError> {
    let mut csv = ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .terminator(Terminator::Any(b'\n'))
        .from_reader(FullReads {
            inner: reader.chain(&b"\n"[..]),
            error: None,
        });
    let error = |line, kind| CsvError {
        file: name.to_owned(),
        line: Some(line),
        kind,
    };
    let mut record = ByteRecord::new();

    let Some(end) = next_row(&mut csv, &mut record).map_err(|(line, e)| error(line, e))? else {
        return Err(error(1, CsvErrorKind::Empty { expected: columns }));
    };
    let header_line = field_line(&record, end, 0);
    let mut names = Vec::with_capacity(record.len());
    for (i, field) in record.iter().enumerate() {
        // csv-core strips a byte order mark only if it arrives in one read.
        let field = match i {
            0 => field.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(field),
            _ => field,
        };
        let name = std::str::from_utf8(field.trim_ascii())
            .map_err(|_| error(header_line, CsvErrorKind::HeaderNotUtf8 { index: i + 1 }))?;
        names.push(name.to_owned());
    }
    let mut indices = [0; N];
    for (index, column) in indices.iter_mut().zip(columns.iter().copied()) {
        let mut matches = names
            .iter()
            .enumerate()
            .filter(|(_, name)| name.eq_ignore_ascii_case(column));
        *index = match (matches.next(), matches.next()) {
            (Some((i, _)), None) => i,
            (None, _) => return Err(error(header_line, CsvErrorKind::MissingColumn(column))),
            (Some(_), Some(_)) => {
                return Err(error(header_line, CsvErrorKind::DuplicateColumn(column)))
            }
        };
    }

    let mut series: [Vec<f64>; N] = std::array::from_fn(|_| Vec::new());
    while let Some(end) = next_row(&mut csv, &mut record).map_err(|(line, e)| error(line, e))? {
        if record.len() != names.len() {
            let kind = CsvErrorKind::FieldCount {
                expected: names.len(),
                found: record.len(),
                column: names.get(record.len()).map(|name| excerpt(name)),
            };
            // A short row is missing fields at its end, a long one has extra ones from here.
            let line = field_line(&record, end, record.len().min(names.len()));
            return Err(error(line, kind));
        }
        for ((series, column), index) in series.iter_mut().zip(columns.iter().copied()).zip(indices)
        {
            let value = parse_value(&record[index], column)
                .map_err(|kind| error(field_line(&record, end, index), kind))?;
            series.push(value);
        }
    }
    Ok(series)
}

/// Fills every read as far as the data goes, so the csv reader's first read holds more than a
/// byte order mark. csv-core strips a BOM from the start of the data it is handed and takes an
/// empty remainder for the end of the data: a source that delivers the BOM alone (a pipe, a
/// socket) read as an empty file.
struct FullReads<R> {
    inner: R,
    /// An error met after some bytes were read: returned by the next call, never dropped.
    error: Option<std::io::Error>,
}

impl<R: Read> Read for FullReads<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        let mut filled = 0;
        while filled < buf.len() {
            match self.inner.read(&mut buf[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) if filled == 0 => return Err(e),
                Err(e) => {
                    self.error = Some(e);
                    break;
                }
            }
        }
        Ok(filled)
    }
}

/// Reads the next record that is not a blank line into `record`; returns the line it ends on,
/// or `None` at the end of the data. An error comes with the line reached.
fn next_row<R: Read>(
    csv: &mut Reader<R>,
    record: &mut ByteRecord,
) -> Result<Option<u64>, (u64, CsvErrorKind)> {
    loop {
        if !csv
            .read_byte_record(record)
            .map_err(|e| (csv.position().line(), CsvErrorKind::Io(e)))?
        {
            return Ok(None);
        }
        // The reader itself skips empty lines only; `\r\n` and whitespace-only lines arrive
        // as one blank field.
        if record.len() == 1 && record[0].trim_ascii().is_empty() {
            continue;
        }
        // `line()` counts the record's own `\n`, see `read_columns_from`.
        return Ok(Some(csv.position().line() - 1));
    }
}

/// The line on which field `index` of a record ending on line `end` starts (the end of the
/// record if `index` is past its last field): quoted fields may span lines.
fn field_line(record: &ByteRecord, end: u64, index: usize) -> u64 {
    let newlines = record
        .iter()
        .skip(index)
        .map(|field| field.iter().filter(|&&b| b == b'\n').count())
        .sum::<usize>();
    // Only a quote left open at the end of the data, which swallows the appended `\n`, can
    // take this below line 1; it then points a line or two early.
    end.saturating_sub(newlines as u64).max(1)
}

/// A price: a number, or NaN for an empty field or `nan` in any case.
fn parse_value(field: &[u8], column: &'static str) -> Result<f64, CsvErrorKind> {
    let text =
        std::str::from_utf8(field.trim_ascii()).map_err(|_| CsvErrorKind::NotUtf8 { column })?;
    if text.is_empty() || text.eq_ignore_ascii_case("nan") {
        return Ok(f64::NAN);
    }
    text.parse().map_err(|_| CsvErrorKind::BadNumber {
        column,
        value: excerpt(text),
    })
}

fn excerpt(text: &str) -> String {
    match text.char_indices().nth(MAX_EXCERPT_CHARS) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text.to_owned(),
    }
}
