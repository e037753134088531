//! The parse result: records borrowed from the input, in input order, and the
//! views of a `Unit`'s offsets as records.

use std::borrow::Cow;
use std::ops::Range;

use rayon::iter::plumbing::{Consumer, ProducerCallback, UnindexedConsumer};
use rayon::prelude::*;

use super::dialect::Dialect;
use super::error::{Error, ErrorKind};
use super::machine::unescape;
use super::unit::{Unit, COMPLEX, OFFSET, QUOTED};
use crate::parallel::plan::part_starts;

impl Unit {
    /// Record `r`, borrowed from `input`.
    pub(crate) fn record<'a>(&'a self, input: &'a [u8], d: &'a Dialect, r: usize) -> Record<'a> {
        Record::new(
            input,
            d,
            self.record_starts[r],
            &self.field_ends[self.field_index[r]..self.field_index[r + 1]],
        )
    }

    /// The (complete) records in order, borrowed from `input`.
    pub(crate) fn records<'a>(
        &'a self,
        input: &'a [u8],
        d: &'a Dialect,
    ) -> impl Iterator<Item = Record<'a>> + 'a {
        let bounds = self.field_index.windows(2);
        self.record_starts
            .iter()
            .zip(bounds)
            .map(move |(&start, b)| Record::new(input, d, start, &self.field_ends[b[0]..b[1]]))
    }
}

/// All records of an input, borrowed from it: fields are byte ranges into the
/// input, unescaped only when read, and only if they need it.
///
/// With `has_headers(true)` (the default) the first record is the
/// [header](Records::headers) and is not counted among the records.
///
/// # Example
///
/// ```
/// use strs_tools::csv::CsvParser;
///
/// let parser = CsvParser::new();
/// let records = parser.parse("name,quote\nann,\"say \"\"hi\"\"\"\nbob,plain\n").unwrap();
/// assert_eq!(records.len(), 2);
/// assert_eq!(records.headers().unwrap().get(1).unwrap(), &b"quote"[..]);
/// let ann = records.get(0).unwrap();
/// assert_eq!(ann.get(1).unwrap(), &b"say \"hi\""[..]);
/// ```
#[derive(Clone)]
pub struct Records<'a> {
    pub(crate) input: &'a [u8],
    pub(crate) dialect: Dialect,
    pub(crate) units: Vec<Unit>,
    /// `offsets[u]` is the index (header included) of unit `u`'s first record.
    pub(crate) offsets: Vec<usize>,
    /// 1 if the first record is the header, else 0.
    pub(crate) skip: usize,
}

impl<'a> Records<'a> {
    pub(crate) fn new(input: &'a [u8], dialect: Dialect, units: Vec<Unit>, has_headers: bool) -> Self {
        let offsets = part_starts(units.iter().map(Unit::len));
        let total = offsets[units.len()];
        let skip = usize::from(has_headers && total > 0);
        Records {
            input,
            dialect,
            units,
            offsets,
            skip,
        }
    }

    fn total(&self) -> usize {
        *self.offsets.last().expect("offsets end with the total")
    }

    /// Record number `index` counting the header, which must exist.
    fn record_at(&self, index: usize) -> Record<'_> {
        // The last unit whose first record is at or before `index`.
        let u = self.offsets.partition_point(|&o| o <= index) - 1;
        self.units[u].record(self.input, &self.dialect, index - self.offsets[u])
    }

    /// The number of records, the header excluded.
    pub fn len(&self) -> usize {
        self.total() - self.skip
    }

    /// Whether there is no record (the header excluded).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The header record, if the parser was built with `has_headers(true)` and
    /// the input has at least one record.
    pub fn headers(&self) -> Option<Record<'_>> {
        (self.skip == 1).then(|| self.record_at(0))
    }

    /// Record `index` (from 0, the header excluded), or `None` past the end.
    pub fn get(&self, index: usize) -> Option<Record<'_>> {
        (index < self.len()).then(|| self.record_at(index + self.skip))
    }

    /// The records in input order.
    pub fn iter(&self) -> RecordsIter<'_> {
        RecordsIter {
            records: self,
            indices: self.skip..self.total(),
        }
    }

    /// The records as an indexed parallel iterator: `collect` keeps input order.
    ///
    /// # Example
    ///
    /// ```
    /// use rayon::prelude::*;
    /// use strs_tools::csv::CsvParser;
    ///
    /// let records = CsvParser::new().parse("n\n1\n2\n3\n").unwrap();
    /// let doubled: Vec<u32> = records
    ///     .par_iter()
    ///     .map(|r| std::str::from_utf8(&r.get(0).unwrap()).unwrap().parse::<u32>().unwrap() * 2)
    ///     .collect();
    /// assert_eq!(doubled, [2, 4, 6]);
    /// ```
    pub fn par_iter(&self) -> ParRecordsIter<'_> {
        ParRecordsIter {
            records: self,
            indices: self.skip..self.total(),
        }
    }

    /// The index of the first header field equal to `name`.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.headers()?.iter().position(|f| *f == *name.as_bytes())
    }

    /// Resolves columns given by index or header name to indices.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::UnknownColumn`] for a name no header field has (or when the
    /// input has no header).
    pub fn resolve(&self, columns: &[Column<'_>]) -> Result<Vec<usize>, Error> {
        columns
            .iter()
            .map(|c| match *c {
                Column::Index(i) => Ok(i),
                Column::Name(name) => self
                    .column_index(name)
                    .ok_or_else(|| Error::new(ErrorKind::UnknownColumn(name.to_owned()), None)),
            })
            .collect()
    }

    /// The selected columns of every record, in parallel, in input order; a
    /// record too short for a column gives `None` there.
    ///
    /// # Errors
    ///
    /// As [`Records::resolve`].
    ///
    /// # Example
    ///
    /// ```
    /// use strs_tools::csv::{Column, CsvParser};
    ///
    /// let records = CsvParser::new().parse("id,name,age\n1,ann,30\n2,bob,40\n").unwrap();
    /// let rows = records.select(&[Column::Name("age"), Column::Index(0)]).unwrap();
    /// assert_eq!(rows[1][0].as_deref(), Some(&b"40"[..]));
    /// assert_eq!(rows[1][1].as_deref(), Some(&b"2"[..]));
    /// assert!(records.select(&[Column::Name("nope")]).is_err());
    /// ```
    pub fn select(&self, columns: &[Column<'_>]) -> Result<Vec<SelectedRow<'_>>, Error> {
        let indices = self.resolve(columns)?;
        Ok(self
            .par_iter()
            .map(|r| indices.iter().map(|&i| r.get(i)).collect())
            .collect())
    }
}

/// The selected fields of one record, in the order the columns were given; `None`
/// where the record has no such field.
pub type SelectedRow<'r> = Vec<Option<Cow<'r, [u8]>>>;

impl<'r> IntoIterator for &'r Records<'r> {
    type Item = Record<'r>;
    type IntoIter = RecordsIter<'r>;

    fn into_iter(self) -> RecordsIter<'r> {
        self.iter()
    }
}

impl<'r> IntoIterator for Record<'r> {
    type Item = Cow<'r, [u8]>;
    type IntoIter = Fields<'r>;

    fn into_iter(self) -> Fields<'r> {
        self.iter()
    }
}

/// The records of a [`Records`] in input order: see [`Records::iter`].
#[derive(Clone, Debug)]
pub struct RecordsIter<'r> {
    records: &'r Records<'r>,
    /// Record indices, the header counted.
    indices: Range<usize>,
}

impl<'r> Iterator for RecordsIter<'r> {
    type Item = Record<'r>;

    fn next(&mut self) -> Option<Record<'r>> {
        self.indices.next().map(|i| self.records.record_at(i))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.indices.size_hint()
    }
}

impl DoubleEndedIterator for RecordsIter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.indices.next_back().map(|i| self.records.record_at(i))
    }
}

impl ExactSizeIterator for RecordsIter<'_> {}

impl std::iter::FusedIterator for RecordsIter<'_> {}

/// The records of a [`Records`] as an indexed rayon parallel iterator: see
/// [`Records::par_iter`].
#[derive(Clone, Debug)]
pub struct ParRecordsIter<'r> {
    records: &'r Records<'r>,
    /// Record indices, the header counted.
    indices: Range<usize>,
}

impl<'r> ParRecordsIter<'r> {
    /// The records by index, as rayon's own indexed iterator over a range.
    fn mapped(
        self,
    ) -> rayon::iter::Map<rayon::range::Iter<usize>, impl Fn(usize) -> Record<'r> + Sync + Send> {
        let records = self.records;
        self.indices.into_par_iter().map(move |i| records.record_at(i))
    }
}

impl<'r> ParallelIterator for ParRecordsIter<'r> {
    type Item = Record<'r>;

    fn drive_unindexed<C: UnindexedConsumer<Record<'r>>>(self, consumer: C) -> C::Result {
        self.mapped().drive_unindexed(consumer)
    }

    fn opt_len(&self) -> Option<usize> {
        Some(self.indices.len())
    }
}

impl IndexedParallelIterator for ParRecordsIter<'_> {
    fn len(&self) -> usize {
        self.indices.len()
    }

    fn drive<C: Consumer<Self::Item>>(self, consumer: C) -> C::Result {
        self.mapped().drive(consumer)
    }

    fn with_producer<CB: ProducerCallback<Self::Item>>(self, callback: CB) -> CB::Output {
        self.mapped().with_producer(callback)
    }
}

/// The field contents of a [`Record`] in order: see [`Record::iter`].
#[derive(Clone, Debug)]
pub struct Fields<'r> {
    record: Record<'r>,
    indices: Range<usize>,
}

impl<'r> Iterator for Fields<'r> {
    type Item = Cow<'r, [u8]>;

    fn next(&mut self) -> Option<Cow<'r, [u8]>> {
        let i = self.indices.next()?;
        Some(self.record.get(i).expect("every index below len is a field"))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.indices.size_hint()
    }
}

impl DoubleEndedIterator for Fields<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        let i = self.indices.next_back()?;
        Some(self.record.get(i).expect("every index below len is a field"))
    }
}

impl ExactSizeIterator for Fields<'_> {}

impl std::iter::FusedIterator for Fields<'_> {}

/// A column, by position or by header name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Column<'n> {
    /// The field at this index (from 0).
    Index(usize),
    /// The first field whose header equals this name.
    Name(&'n str),
}

impl std::fmt::Debug for Records<'_> {
    /// The counts, not the input (which may be gigabytes).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Records")
            .field("len", &self.len())
            .field("headers", &self.headers())
            .field("units", &self.units.len())
            .finish()
    }
}

/// One record: its fields as byte ranges into the input.
#[derive(Clone, Copy)]
pub struct Record<'r> {
    input: &'r [u8],
    dialect: &'r Dialect,
    start: usize,
    ends: &'r [u64],
    /// The offset of `input` in the whole input (a read window's, when streaming).
    base: u64,
}

impl std::fmt::Debug for Record<'_> {
    /// The byte range and the field contents (lossy UTF-8), not the whole input.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let fields: Vec<String> = self
            .iter()
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .collect();
        f.debug_struct("Record")
            .field("bytes", &self.byte_range())
            .field("fields", &fields)
            .finish()
    }
}

impl<'r> Record<'r> {
    pub(crate) fn new(input: &'r [u8], dialect: &'r Dialect, start: usize, ends: &'r [u64]) -> Self {
        Record {
            input,
            dialect,
            start,
            ends,
            base: 0,
        }
    }

    /// The record, for an `input` that starts at byte `base` of the whole input.
    pub(crate) fn based(self, base: u64) -> Self {
        Record { base, ..self }
    }

    /// The number of fields (at least 1).
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Always `false`: a record has at least one field (empty lines are no records).
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The raw byte range of field `i` in the input (quotes included, delimiter
    /// excluded). Offsets count from the input's first byte, also for records
    /// read from a stream.
    pub fn range(&self, i: usize) -> Option<Range<u64>> {
        self.local_range(i)
            .map(|r| r.start as u64 + self.base..r.end as u64 + self.base)
    }

    /// The range of field `i` in `self.input`.
    fn local_range(&self, i: usize) -> Option<Range<usize>> {
        let end = (*self.ends.get(i)? & OFFSET) as usize;
        let start = match i {
            0 => self.start,
            _ => (self.ends[i - 1] & OFFSET) as usize + 1,
        };
        Some(start..end)
    }

    /// The raw bytes of field `i` (quotes and escapes as written).
    pub fn raw(&self, i: usize) -> Option<&'r [u8]> {
        self.local_range(i).map(|r| &self.input[r])
    }

    /// The content of field `i`: borrowed from the input unless it contains doubled
    /// or escaped quotes (or is malformed), in which case it is unescaped into a
    /// new buffer. Semantically the same as the field of the `csv` crate's
    /// `ByteRecord`.
    pub fn get(&self, i: usize) -> Option<Cow<'r, [u8]>> {
        let raw = self.raw(i)?;
        let flags = self.ends[i] & !OFFSET;
        Some(if flags & COMPLEX != 0 {
            Cow::Owned(unescape(self.dialect, raw))
        } else if flags & QUOTED != 0 {
            Cow::Borrowed(&raw[1..raw.len() - 1])
        } else {
            Cow::Borrowed(raw)
        })
    }

    /// The content of field `i` as text.
    ///
    /// # Errors
    ///
    /// The UTF-8 error of the field content, if it is not valid UTF-8.
    pub fn get_str(&self, i: usize) -> Option<Result<Cow<'r, str>, std::str::Utf8Error>> {
        Some(match self.get(i)? {
            Cow::Borrowed(b) => std::str::from_utf8(b).map(Cow::Borrowed),
            Cow::Owned(v) => String::from_utf8(v).map(Cow::Owned).map_err(|e| e.utf8_error()),
        })
    }

    /// The field contents in order.
    pub fn iter(&self) -> Fields<'r> {
        Fields {
            record: *self,
            indices: 0..self.len(),
        }
    }

    /// The raw byte range of the whole record in the input (terminator excluded),
    /// counted from the input's first byte, also for records read from a stream.
    pub fn byte_range(&self) -> Range<u64> {
        let end = self.ends.last().map_or(self.start, |&e| (e & OFFSET) as usize);
        self.start as u64 + self.base..end as u64 + self.base
    }

    /// The raw bytes of the whole record (terminator excluded).
    pub fn raw_record(&self) -> &'r [u8] {
        let end = self.ends.last().map_or(self.start, |&e| (e & OFFSET) as usize);
        &self.input[self.start..end]
    }

    /// The field contents as owned vectors (what `csv::ByteRecord` holds).
    pub fn to_vec(&self) -> Vec<Vec<u8>> {
        self.iter().map(Cow::into_owned).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::csv::CsvParser;

    #[test]
    fn record_and_field_iterators_agree_with_indexing_forwards_backwards_and_in_parallel() {
        let input = "h1,h2\na,\"b\"\"x\"\nc\n\"d\ne\",f,g\n,\n";
        let parser = CsvParser::builder().flexible(true).chunk_size(3).build().unwrap();
        let records = parser.parse(input).unwrap();
        let by_index: Vec<Vec<Vec<u8>>> = (0..records.len())
            .map(|i| records.get(i).unwrap().to_vec())
            .collect();
        assert_eq!(by_index.len(), 4);

        let it = records.iter();
        assert_eq!(it.len(), by_index.len());
        assert_eq!(it.map(|r| r.to_vec()).collect::<Vec<_>>(), by_index);
        let backwards: Vec<_> = records.iter().rev().map(|r| r.to_vec()).collect();
        assert!(backwards.iter().eq(by_index.iter().rev()));

        let par = records.par_iter();
        assert_eq!(par.len(), by_index.len());
        assert_eq!(par.map(|r| r.to_vec()).collect::<Vec<_>>(), by_index);
        let par_backwards: Vec<_> = records.par_iter().rev().map(|r| r.to_vec()).collect();
        assert_eq!(par_backwards, backwards);
        assert_eq!(records.par_iter().filter(|r| r.len() == 3).count(), 1);

        assert_eq!((&records).into_iter().count(), by_index.len());
        for (i, record) in records.iter().enumerate() {
            assert_eq!(record.into_iter().len(), record.len());
            let fields = record.iter();
            assert_eq!(fields.len(), record.len());
            let forwards: Vec<Vec<u8>> = fields.map(Cow::into_owned).collect();
            assert_eq!(forwards, by_index[i]);
            let mut backwards: Vec<Vec<u8>> = record.iter().rev().map(Cow::into_owned).collect();
            backwards.reverse();
            assert_eq!(backwards, forwards);
        }
    }
}
