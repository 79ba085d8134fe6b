//! The building blocks every report is made of, and the one Typst template that lays them out.
//!
//! A report is a [`Document`]: a list of [`Block`]s (title block, key–value table, data table,
//! bullet list, notice box, signature block…) plus an optional DRAFT marking. The document is
//! serialised to JSON and handed to a fixed template as `data.json`; the template only ever
//! inserts its strings as text. Nothing a user typed is ever part of the Typst markup, so a name
//! like `#panic("x")` or `*bold*` prints as those characters.

use serde::Serialize;

use crate::ReportError;

/// A whole report.
#[derive(Clone, Debug, Serialize)]
pub struct Document {
    /// The PDF's title metadata.
    pub title: String,
    /// `en` or `es`: hyphenation and quotes follow it.
    pub lang: String,
    /// Printed across every page and at the top when the document is not signed.
    pub draft: Option<Draft>,
    /// Small print at the bottom of every page (next to the page number).
    pub footer: String,
    pub blocks: Vec<Block>,
}

/// The DRAFT marking of an unsigned document.
#[derive(Clone, Debug, Serialize)]
pub struct Draft {
    /// The word across the page (`DRAFT`, `BORRADOR`).
    pub mark: String,
    /// One sentence at the top saying why.
    pub note: String,
}

/// How a notice box is coloured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tone {
    Info,
    Good,
    Warning,
    Danger,
}

/// A data table's row; a marked row is highlighted (an inconsistent locus, say).
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    pub cells: Vec<String>,
    pub marked: bool,
}

impl Row {
    pub fn new(cells: Vec<String>) -> Row {
        Row {
            cells,
            marked: false,
        }
    }

    pub fn marked(cells: Vec<String>, marked: bool) -> Row {
        Row { cells, marked }
    }
}

/// Who signed, in what role, when, and what they attest.
#[derive(Clone, Debug, Serialize)]
pub struct Signer {
    pub who: String,
    pub role: String,
    pub when: String,
    pub statement: String,
}

/// The labels of a signature block, in the report's language.
#[derive(Clone, Debug, Serialize)]
pub struct SignatureLabels {
    pub title: String,
    pub who: String,
    pub role: String,
    pub when: String,
    /// Said instead of the signature when there is none.
    pub not_signed: String,
}

/// One piece of a report.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Block {
    /// The report's head: title, subtitle, identifying fields and when it was generated.
    Title {
        title: String,
        subtitle: Option<String>,
        ids: Vec<(String, String)>,
        generated_at: (String, String),
    },
    Heading {
        level: u8,
        text: String,
    },
    Paragraph {
        text: String,
    },
    /// Two columns: a label and its value.
    KeyValue {
        rows: Vec<(String, String)>,
    },
    /// A table with a header row; `widths` are relative column widths (empty: automatic).
    Table {
        header: Vec<String>,
        widths: Vec<f64>,
        rows: Vec<Row>,
    },
    Bullets {
        items: Vec<String>,
    },
    /// A framed box for what must not be missed (the verdict, a warning).
    Notice {
        tone: Tone,
        title: Option<String>,
        lines: Vec<String>,
    },
    /// The sign-off, or a line saying there is none.
    Signature {
        labels: SignatureLabels,
        signer: Option<Signer>,
    },
}

impl Block {
    pub fn title(
        title: impl Into<String>,
        subtitle: Option<String>,
        ids: Vec<(String, String)>,
        generated_at: (String, String),
    ) -> Block {
        Block::Title {
            title: title.into(),
            subtitle,
            ids,
            generated_at,
        }
    }

    pub fn heading(text: impl Into<String>) -> Block {
        Block::Heading {
            level: 2,
            text: text.into(),
        }
    }

    pub fn subheading(text: impl Into<String>) -> Block {
        Block::Heading {
            level: 3,
            text: text.into(),
        }
    }

    pub fn paragraph(text: impl Into<String>) -> Block {
        Block::Paragraph { text: text.into() }
    }

    pub fn key_value(rows: Vec<(String, String)>) -> Block {
        Block::KeyValue { rows }
    }

    pub fn table(header: Vec<String>, widths: Vec<f64>, rows: Vec<Row>) -> Block {
        Block::Table {
            header,
            widths,
            rows,
        }
    }

    pub fn bullets(items: Vec<String>) -> Block {
        Block::Bullets { items }
    }

    pub fn notice(tone: Tone, title: Option<String>, lines: Vec<String>) -> Block {
        Block::Notice { tone, title, lines }
    }

    pub fn signature(labels: SignatureLabels, signer: Option<Signer>) -> Block {
        Block::Signature { labels, signer }
    }
}

/// The layout. Every value comes from `data.json` and is inserted as a string value: Typst
/// never parses a string value as markup.
const TEMPLATE: &str = r##"
#let data = json("data.json")
#set document(title: data.title)
#set text(font: "Libertinus Serif", size: 10pt, lang: data.lang, hyphenate: false)
#set par(justify: false)
#set heading(numbering: none)
#show heading.where(level: 2): set text(size: 13pt)
#show heading.where(level: 3): set text(size: 11pt)
#set page(
  paper: "a4",
  margin: (x: 2cm, top: 2cm, bottom: 2.2cm),
  background: if data.draft != none {
    rotate(-40deg, text(size: 96pt, weight: "bold", fill: luma(228), data.draft.mark))
  },
  footer: context {
    set text(size: 8pt, fill: luma(90))
    data.footer
    h(1fr)
    counter(page).display("1 / 1", both: true)
  },
)

#let tones = (
  info: (fill: luma(245), stroke: luma(160)),
  good: (fill: rgb("#e6f4ea"), stroke: rgb("#2e7d32")),
  warning: (fill: rgb("#fff4e0"), stroke: rgb("#b26a00")),
  danger: (fill: rgb("#fdecea"), stroke: rgb("#c62828")),
)

#let pairs(rows) = rows.map(((k, v)) => (text(weight: "bold", k), v)).flatten()

#let title-block(b) = {
  block(width: 100%, below: 0.6em, {
    text(size: 18pt, weight: "bold", b.title)
    if b.subtitle != none {
      linebreak()
      text(size: 12pt, b.subtitle)
    }
  })
  grid(
    columns: (auto, 1fr),
    column-gutter: 1em,
    row-gutter: 0.45em,
    ..pairs(b.ids),
    ..pairs((b.generated_at,)),
  )
  line(length: 100%, stroke: 0.6pt)
}

#let key-value(b) = table(
  columns: (auto, 1fr),
  stroke: 0.4pt + luma(180),
  inset: 5pt,
  ..b.rows.map(((k, v)) => (table.cell(fill: luma(242), text(weight: "bold", k)), v)).flatten(),
)

#let data-table(b) = {
  let n = b.header.len()
  let columns = if b.widths.len() == n { b.widths.map(w => w * 1fr) } else { n }
  table(
    columns: columns,
    stroke: 0.4pt + luma(180),
    inset: 4pt,
    table.header(..b.header.map(h => table.cell(fill: luma(228), text(weight: "bold", h)))),
    ..b.rows.map(r => r.cells.map(c => if r.marked {
      table.cell(fill: rgb("#fdecea"), text(weight: "bold", c))
    } else {
      table.cell(c)
    })).flatten(),
  )
}

#let notice(b) = {
  let t = tones.at(b.tone)
  block(width: 100%, inset: 8pt, radius: 3pt, fill: t.fill, stroke: 1pt + t.stroke, {
    if b.title != none {
      text(size: 11pt, weight: "bold", b.title)
      if b.lines.len() > 0 { linebreak() }
    }
    b.lines.join(linebreak())
  })
}

#let signature(b) = block(width: 100%, breakable: false, above: 1.4em, {
  heading(level: 2, b.labels.title)
  if b.signer != none {
    let s = b.signer
    grid(
      columns: (auto, 1fr),
      column-gutter: 1em,
      row-gutter: 0.5em,
      ..pairs(((b.labels.who, s.who), (b.labels.role, s.role), (b.labels.when, s.when))),
    )
    v(0.4em)
    emph(s.statement)
  } else {
    block(width: 100%, inset: 8pt, stroke: (paint: rgb("#c62828"), thickness: 1pt, dash: "dashed"),
      text(weight: "bold", fill: rgb("#c62828"), b.labels.not_signed))
  }
})

#if data.draft != none {
  block(width: 100%, inset: 6pt, fill: rgb("#fdecea"), stroke: 1pt + rgb("#c62828"),
    text(weight: "bold", fill: rgb("#c62828"), data.draft.mark + " - " + data.draft.note))
}

#for b in data.blocks {
  if b.kind == "title" { title-block(b) }
  else if b.kind == "heading" { heading(level: b.level, b.text) }
  else if b.kind == "paragraph" { block(b.text) }
  else if b.kind == "key_value" { key-value(b) }
  else if b.kind == "table" { data-table(b) }
  else if b.kind == "bullets" { list(..b.items) }
  else if b.kind == "notice" { notice(b) }
  else if b.kind == "signature" { signature(b) }
}
"##;

impl Document {
    /// The document as PDF bytes, dated `at` (its metadata; the caller's clock, not ours).
    pub fn to_pdf(&self, at: time::OffsetDateTime) -> Result<Vec<u8>, ReportError> {
        let data =
            serde_json::to_value(self).map_err(|e| ReportError::InvalidInput(e.to_string()))?;
        crate::world::compile_pdf(TEMPLATE, &data, at)
    }
}
