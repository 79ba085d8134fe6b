//! Typst in memory: a [`World`] with one fixed template as its main source, the document's data
//! as the only other file (`data.json`), the fonts embedded in `typst-assets`, and a date passed
//! in. There is no file system and no clock behind it, so a report is a function of its input.

use std::sync::LazyLock;

use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;

use crate::ReportError;

/// Fonts and library are built once: parsing the embedded fonts takes a while and never changes.
struct Shared {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

static SHARED: LazyLock<Shared> = LazyLock::new(|| {
    let fonts: Vec<Font> = typst_assets::fonts()
        .flat_map(|data| Font::iter(Bytes::new(data)))
        .collect();
    Shared {
        library: LazyHash::new(Library::default()),
        book: LazyHash::new(FontBook::from_fonts(&fonts)),
        fonts,
    }
});

/// The one document being compiled.
struct MemoryWorld {
    main: FileId,
    source: Source,
    data_id: FileId,
    data: Bytes,
    today: Datetime,
}

fn file_id(path: &str) -> Result<FileId, ReportError> {
    let vpath = VirtualPath::new(path)
        .map_err(|e| ReportError::Typst(format!("virtual path {path}: {e:?}")))?;
    Ok(RootedPath::new(VirtualRoot::Project, vpath).intern())
}

impl World for MemoryWorld {
    fn library(&self) -> &LazyHash<Library> {
        &SHARED.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &SHARED.book
    }

    fn main(&self) -> FileId {
        self.main
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main {
            Ok(self.source.clone())
        } else {
            Err(FileError::AccessDenied)
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.data_id {
            Ok(self.data.clone())
        } else if id == self.main {
            Ok(Bytes::from_string(self.source.clone()))
        } else {
            Err(FileError::AccessDenied)
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        SHARED.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        Some(self.today)
    }
}

fn diagnostics(errors: &[SourceDiagnostic]) -> String {
    errors
        .iter()
        .map(|d| d.message.to_string())
        .collect::<Vec<_>>()
        .join("; ")
}

/// Compiles `template` (Typst markup written by us, never by a user) with `data` readable in it
/// as `json("data.json")`, into PDF bytes. `at` is the document's date (its metadata and
/// Typst's `datetime.today()`), UTC.
pub(crate) fn compile_pdf(
    template: &str,
    data: &serde_json::Value,
    at: time::OffsetDateTime,
) -> Result<Vec<u8>, ReportError> {
    let at = at.to_offset(time::UtcOffset::UTC);
    let today = Datetime::from_ymd_hms(
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
    )
    .ok_or_else(|| ReportError::InvalidInput(format!("date {at} out of range")))?;
    let main = file_id("/main.typ")?;
    let world = MemoryWorld {
        main,
        source: Source::new(main, template.to_string()),
        data_id: file_id("/data.json")?,
        data: Bytes::new(
            serde_json::to_vec(data).map_err(|e| ReportError::InvalidInput(e.to_string()))?,
        ),
        today,
    };
    let result = typst::compile::<PagedDocument>(&world).output;
    let pdf = result
        .map_err(|errors| ReportError::Typst(diagnostics(&errors)))
        .and_then(|document| {
            let options = typst_pdf::PdfOptions {
                ident: typst::foundations::Smart::Custom("lazo".to_string()),
                timestamp: Some(typst_pdf::Timestamp::new_utc(today)),
                ..Default::default()
            };
            typst_pdf::pdf(&document, &options)
                .map_err(|errors| ReportError::Typst(diagnostics(&errors)))
        });
    // Typst memoises across compilations; a long-running service must not keep every report's
    // intermediate results, so old entries are dropped after each one.
    typst::comemo::evict(10);
    pdf
}
