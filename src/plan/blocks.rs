//! Markdown → a small block tree (headings, paragraphs, list items, tables, quotes) with
//! source lines, built from pulldown-cmark's offset iterator. Code and HTML are dropped.

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd};
use std::borrow::Cow;

/// A piece of inline text: plain (emphasis flattened) or a code span.
#[derive(Debug, Clone, PartialEq)]
pub enum Seg<'a> {
    Text(Cow<'a, str>),
    Code(Cow<'a, str>),
}

impl Seg<'_> {
    /// The text, code spans without backticks.
    pub fn as_str(&self) -> &str {
        match self {
            Seg::Text(t) | Seg::Code(t) => t,
        }
    }
}

/// The inline content of one source line.
#[derive(Debug, Clone, Default)]
pub struct Line<'a> {
    pub line: u32,
    pub segs: Vec<Seg<'a>>,
    /// Every letter on the line was struck through (`~~…~~`).
    pub struck: bool,
}

impl Line<'_> {
    /// The line as text, code spans in backticks (borrowed when it is one text piece).
    pub fn text(&self) -> Cow<'_, str> {
        match self.segs.as_slice() {
            [Seg::Text(t)] => Cow::Borrowed(t),
            segs => Cow::Owned(segs_text(segs)),
        }
    }

    /// The line as plain text, code spans without backticks.
    pub fn plain(&self) -> Cow<'_, str> {
        match self.segs.as_slice() {
            [Seg::Text(t)] | [Seg::Code(t)] => Cow::Borrowed(t),
            segs => Cow::Owned(segs_plain(segs)),
        }
    }
}

/// Inline segments as plain text (code spans without backticks).
pub fn segs_plain(segs: &[Seg]) -> String {
    let mut s = String::with_capacity(segs.iter().map(|g| g.as_str().len()).sum());
    for seg in segs {
        match seg {
            Seg::Text(t) | Seg::Code(t) => s.push_str(t),
        }
    }
    s
}

/// Inline segments as text, code spans in backticks (so paths can be told apart).
pub fn segs_text(segs: &[Seg]) -> String {
    let len = segs.iter().map(|g| match g {
        Seg::Text(t) => t.len(),
        Seg::Code(c) => c.len() + 2,
    });
    let mut s = String::with_capacity(len.sum());
    for seg in segs {
        match seg {
            Seg::Text(t) => s.push_str(t),
            Seg::Code(c) => {
                s.push('`');
                s.push_str(c);
                s.push('`');
            }
        }
    }
    s
}

#[derive(Debug)]
pub struct Item<'a> {
    pub line: u32,
    /// `Some(done)` when pulldown-cmark saw a `[ ]`/`[x]` task marker.
    pub checkbox: Option<bool>,
    /// The item's own text, one entry per source line.
    pub lines: Vec<Line<'a>>,
    /// Nested blocks (lists, later paragraphs, tables).
    pub children: Vec<Block<'a>>,
}

#[derive(Debug)]
pub struct Row<'a> {
    pub line: u32,
    /// How many cells the source line holds (pulldown-cmark pads or cuts to the header).
    pub written: usize,
    /// Cells; a `<br>` inside a cell becomes a `\n` text segment.
    pub cells: Vec<Vec<Seg<'a>>>,
}

#[derive(Debug)]
pub enum Block<'a> {
    Heading {
        level: u8,
        line: Line<'a>,
    },
    Para {
        lines: Vec<Line<'a>>,
    },
    List {
        items: Vec<Item<'a>>,
    },
    Table {
        line: u32,
        head: Vec<Vec<Seg<'a>>>,
        rows: Vec<Row<'a>>,
    },
    /// Quote text, line by line (metadata and legends only; never tasks).
    Quote {
        lines: Vec<Line<'a>>,
    },
}

/// Byte offset → 1-based line number. Lookups mostly move forward, so a cursor walks
/// the table and falls back to a binary search when asked about an earlier offset.
struct Lines {
    starts: Vec<usize>,
    cursor: std::cell::Cell<usize>,
    /// Line number of the text's first line, less one (a piece of a larger file).
    base: u32,
}

impl Lines {
    fn new(text: &str, first_line: u32) -> Self {
        let mut starts = Vec::with_capacity(text.len() / 40 + 1);
        starts.push(0);
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        Lines {
            starts,
            cursor: std::cell::Cell::new(0),
            base: first_line.saturating_sub(1),
        }
    }
    fn at(&self, offset: usize) -> u32 {
        let mut i = self.cursor.get();
        if self.starts[i] > offset {
            i = self
                .starts
                .partition_point(|&s| s <= offset)
                .saturating_sub(1);
        }
        while i + 1 < self.starts.len() && self.starts[i + 1] <= offset {
            i += 1;
        }
        self.cursor.set(i);
        self.base + i as u32 + 1
    }
}

enum Frame<'a> {
    Item(Item<'a>),
    List(Vec<Item<'a>>),
    Quote(Vec<Line<'a>>),
    Table {
        line: u32,
        head: Vec<Vec<Seg<'a>>>,
        rows: Vec<Row<'a>>,
    },
}

fn cow(s: CowStr<'_>) -> Cow<'_, str> {
    match s {
        CowStr::Borrowed(b) => Cow::Borrowed(b),
        other => Cow::Owned(other.to_string()),
    }
}

/// Where inline content currently goes.
enum Sink {
    None,
    /// Lines of a heading, paragraph or item.
    Lines,
    Cell,
}

/// All top-level blocks of `text`, in order.
#[cfg(test)]
pub fn parse(text: &str) -> Vec<Block<'_>> {
    let mut out = Vec::new();
    parse_with(text, |b| out.push(b));
    out
}

/// Top-level blocks of `text`, each handed to `emit` as soon as it is complete.
pub fn parse_with<'a>(text: &'a str, emit: impl FnMut(Block<'a>)) {
    parse_piece(text, 1, emit);
}

/// Top-level blocks of `text`, a piece of a file starting at line `first_line`, each
/// handed to `emit` as soon as it is complete. Returns false when the piece ends inside
/// a top-level fenced code or HTML block (one that only its end closed): the piece
/// after it would then have been read as code, so the file must be read whole.
pub fn parse_piece<'a>(text: &'a str, first_line: u32, mut emit: impl FnMut(Block<'a>)) -> bool {
    let mut opts = Options::empty();
    opts.insert(Options::ENABLE_TABLES);
    opts.insert(Options::ENABLE_TASKLISTS);
    opts.insert(Options::ENABLE_STRIKETHROUGH);
    let lines_of = Lines::new(text, first_line);
    // A top-level raw block (code, HTML) that the end of the text closed.
    let mut open_at_end = false;

    let mut stack: Vec<Frame> = Vec::new();
    // Inline content being collected.
    let mut cur: Vec<Line> = Vec::new();
    let mut cell: Vec<Seg> = Vec::new();
    let mut sink = Sink::None;
    let mut heading_level = 0u8;
    let mut skip_depth = 0usize; // inside code blocks / HTML / footnotes
    let mut strike = 0usize;
    let mut line_letters = (0usize, 0usize); // (struck letters, reserved) on the line
    let mut row_line = 0u32;

    fn push_block<'a>(stack: &mut [Frame<'a>], out: &mut impl FnMut(Block<'a>), b: Block<'a>) {
        match stack.last_mut() {
            Some(Frame::Item(item)) => item.children.push(b),
            Some(Frame::Quote(_)) | Some(Frame::Table { .. }) | Some(Frame::List(_)) => {}
            None => out(b),
        }
    }

    fn close_line(cur: &mut [Line], letters: &mut (usize, usize)) {
        if let Some(l) = cur.last_mut() {
            l.struck = all_struck(l, letters.0);
        }
        *letters = (0, 0);
    }

    for (ev, range) in Parser::new_ext(text, opts).into_offset_iter() {
        if skip_depth > 0 {
            match ev {
                Event::Start(Tag::CodeBlock(_))
                | Event::Start(Tag::HtmlBlock)
                | Event::Start(Tag::FootnoteDefinition(_))
                | Event::Start(Tag::MetadataBlock(_)) => skip_depth += 1,
                Event::End(TagEnd::CodeBlock)
                | Event::End(TagEnd::HtmlBlock)
                | Event::End(TagEnd::FootnoteDefinition)
                | Event::End(TagEnd::MetadataBlock(_)) => {
                    skip_depth -= 1;
                    if skip_depth == 0 && stack.is_empty() && range.end >= text.len() {
                        open_at_end = true;
                    }
                }
                _ => {}
            }
            continue;
        }
        match ev {
            Event::Start(tag) => match tag {
                Tag::CodeBlock(_)
                | Tag::HtmlBlock
                | Tag::FootnoteDefinition(_)
                | Tag::MetadataBlock(_) => skip_depth = 1,
                Tag::Heading { level, .. } => {
                    heading_level = level as u8;
                    cur.clear();
                    cur.push(Line {
                        line: lines_of.at(range.start),
                        ..Line::default()
                    });
                    sink = Sink::Lines;
                }
                Tag::Paragraph => {
                    let in_item_text = matches!(stack.last(), Some(Frame::Item(it)) if it.lines.is_empty() && it.children.is_empty());
                    if in_item_text {
                        cur.retain(|l| !l.segs.is_empty());
                    } else {
                        cur.clear();
                    }
                    cur.push(Line {
                        line: lines_of.at(range.start),
                        ..Line::default()
                    });
                    sink = Sink::Lines;
                }
                Tag::List(_) => {
                    flush_item_text(&mut stack, &mut cur, &mut sink, &mut line_letters);
                    stack.push(Frame::List(Vec::new()));
                }
                Tag::Item => {
                    let line = lines_of.at(range.start);
                    stack.push(Frame::Item(Item {
                        line,
                        checkbox: None,
                        lines: Vec::new(),
                        children: Vec::new(),
                    }));
                    cur.clear();
                    cur.push(Line {
                        line,
                        ..Line::default()
                    });
                    sink = Sink::Lines;
                }
                Tag::BlockQuote(_) => {
                    flush_item_text(&mut stack, &mut cur, &mut sink, &mut line_letters);
                    stack.push(Frame::Quote(Vec::new()));
                }
                Tag::Table(_) => {
                    flush_item_text(&mut stack, &mut cur, &mut sink, &mut line_letters);
                    stack.push(Frame::Table {
                        line: lines_of.at(range.start),
                        head: Vec::new(),
                        rows: Vec::new(),
                    });
                }
                Tag::TableHead => row_line = lines_of.at(range.start),
                Tag::TableRow => {
                    row_line = lines_of.at(range.start);
                    if let Some(Frame::Table { rows, .. }) = stack.last_mut() {
                        rows.push(Row {
                            line: row_line,
                            written: count_cells(&text[range.clone()]),
                            cells: Vec::new(),
                        });
                    }
                }
                Tag::TableCell => {
                    cell.clear();
                    sink = Sink::Cell;
                }
                Tag::Strikethrough => strike += 1,
                _ => {}
            },
            Event::End(end) => match end {
                TagEnd::Heading(_) => {
                    close_line(&mut cur, &mut line_letters);
                    let line = cur.pop().unwrap_or_default();
                    cur.clear();
                    sink = Sink::None;
                    push_block(
                        &mut stack,
                        &mut emit,
                        Block::Heading {
                            level: heading_level,
                            line,
                        },
                    );
                }
                TagEnd::Paragraph => {
                    close_line(&mut cur, &mut line_letters);
                    sink = Sink::None;
                    match stack.last_mut() {
                        Some(Frame::Item(item))
                            if item.lines.is_empty() && item.children.is_empty() =>
                        {
                            item.lines = std::mem::take(&mut cur);
                        }
                        Some(Frame::Quote(lines)) => lines.append(&mut cur),
                        _ => {
                            let lines = std::mem::take(&mut cur);
                            push_block(&mut stack, &mut emit, Block::Para { lines });
                        }
                    }
                }
                TagEnd::Item => {
                    flush_item_text(&mut stack, &mut cur, &mut sink, &mut line_letters);
                    if let Some(Frame::Item(item)) = stack.pop() {
                        if let Some(Frame::List(items)) = stack.last_mut() {
                            items.push(item);
                        }
                    }
                    sink = Sink::None;
                }
                TagEnd::List(_) => {
                    if let Some(Frame::List(items)) = stack.pop() {
                        push_block(&mut stack, &mut emit, Block::List { items });
                    }
                }
                TagEnd::BlockQuote(_) => {
                    if let Some(Frame::Quote(lines)) = stack.pop() {
                        push_block(&mut stack, &mut emit, Block::Quote { lines });
                    }
                }
                TagEnd::Table => {
                    if let Some(Frame::Table { line, head, rows }) = stack.pop() {
                        push_block(&mut stack, &mut emit, Block::Table { line, head, rows });
                    }
                }
                TagEnd::TableCell => {
                    let c = std::mem::take(&mut cell);
                    if let Some(Frame::Table { head, rows, .. }) = stack.last_mut() {
                        match rows.last_mut() {
                            Some(r) => r.cells.push(c),
                            None => head.push(c),
                        }
                    }
                    sink = Sink::None;
                }
                TagEnd::Strikethrough => strike = strike.saturating_sub(1),
                _ => {}
            },
            Event::Text(t) => {
                // Letters are only counted on lines with struck text (rare).
                if strike > 0 {
                    line_letters.0 += t.chars().filter(|c| c.is_alphanumeric()).count();
                }
                push_text(text, &mut sink, &mut cur, &mut cell, Seg::Text(cow(t)));
            }
            Event::Code(c) => push_text(text, &mut sink, &mut cur, &mut cell, Seg::Code(cow(c))),
            Event::InlineHtml(h) | Event::Html(h)
                if matches!(sink, Sink::Cell)
                    && h.trim().to_ascii_lowercase().starts_with("<br") =>
            {
                cell.push(Seg::Text(Cow::Borrowed("\n")));
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Sink::Lines = sink {
                    close_line(&mut cur, &mut line_letters);
                    cur.push(Line {
                        line: lines_of.at(range.end),
                        ..Line::default()
                    });
                } else if let Sink::Cell = sink {
                    cell.push(Seg::Text(Cow::Borrowed("\n")));
                }
            }
            Event::TaskListMarker(done) => {
                if let Some(Frame::Item(item)) = stack.last_mut() {
                    item.checkbox = Some(done);
                }
            }
            _ => {}
        }
    }
    // Unclosed frames cannot happen with pulldown-cmark, but never lose content.
    while let Some(f) = stack.pop() {
        if let Frame::List(items) = f {
            emit(Block::List { items });
        }
    }
    let _ = row_line;
    !open_at_end
}

/// Where `text` can be cut into pieces of at least `target` bytes that parse alone to
/// the same blocks as the whole: before an ATX heading at column 0 that follows a blank
/// line, outside fenced code and HTML comments as far as a line scan can tell (the
/// piece parser confirms it). `(byte offset, line number)` of each cut.
#[cfg(test)]
pub fn cut_points(text: &str, target: usize) -> Vec<(usize, u32)> {
    if !cuttable(text, target) {
        return Vec::new();
    }
    cut_points_from(text, (0, 1), target, usize::MAX)
}

/// Whether `text` may be cut at all: long enough, and without link reference
/// definitions (they reach across the whole file).
pub fn cuttable(text: &str, target: usize) -> bool {
    text.len() >= 2 * target && !has_link_definition(text)
}

/// Up to `max` cuts after `from`, which is the start `(0, 1)` or an earlier cut (the
/// scan starts outside code and comments there).
pub fn cut_points_from(
    text: &str,
    from: (usize, u32),
    target: usize,
    max: usize,
) -> Vec<(usize, u32)> {
    let mut cuts = Vec::new();
    let mut last = from.0;
    let mut prev_blank = false;
    let mut fence: Option<(u8, usize)> = None;
    let mut in_comment = false;
    let mut offset = from.0;
    for (n, raw) in text[from.0..].split_inclusive('\n').enumerate() {
        if cuts.len() >= max || text.len() - offset < target {
            break;
        }
        let start = offset;
        offset += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        let body = line.trim_start_matches([' ', '\t']);
        let b = body.as_bytes();
        if let Some((c, len)) = fence {
            let run = b.iter().take_while(|&&x| x == c).count();
            if run >= len && body[run..].trim().is_empty() {
                fence = None;
            }
            prev_blank = false;
            continue;
        }
        if in_comment {
            in_comment = !(line.contains('>') && line.contains("-->"));
            prev_blank = false;
            continue;
        }
        if let Some(&c @ (b'`' | b'~')) = b.first() {
            let run = b.iter().take_while(|&&x| x == c).count();
            if run >= 3 {
                fence = Some((c, run));
                prev_blank = false;
                continue;
            }
        }
        // (`find` of a char runs memchr; most lines have no `<` at all.)
        if line.contains('<') {
            if let Some(i) = line.find("<!--") {
                in_comment = !line[i + 4..].contains("-->");
            }
        }
        let hashes = line.bytes().take_while(|&x| x == b'#').count();
        let heading = (1..=6).contains(&hashes)
            && matches!(line.as_bytes().get(hashes), None | Some(b' ' | b'\t'));
        if heading && prev_blank && start - last >= target {
            cuts.push((start, from.1 + n as u32));
            last = start;
        }
        prev_blank = body.is_empty();
    }
    cuts
}

/// `]:` anywhere: a superset of link reference definitions.
fn has_link_definition(text: &str) -> bool {
    memchr::memmem::find(text.as_bytes(), b"]:").is_some()
}

/// Every letter of the line was struck through, given how many struck letters were seen.
fn all_struck(line: &Line, struck: usize) -> bool {
    struck > 0
        && line
            .segs
            .iter()
            .map(|s| match s {
                Seg::Text(t) | Seg::Code(t) => t.chars().filter(|c| c.is_alphanumeric()).count(),
            })
            .sum::<usize>()
            == struck
}

/// Cells written on a table row's source text: unescaped pipes, outer ones dropped.
fn count_cells(row: &str) -> usize {
    let row = row.lines().next().unwrap_or("").trim();
    let b = row.as_bytes();
    let mut pipes = 0;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 1,
            b'|' => pipes += 1,
            _ => {}
        }
        i += 1;
    }
    let lead = row.starts_with('|') as usize;
    let trail = (row.len() > 1 && row.ends_with('|') && !row.ends_with("\\|")) as usize;
    pipes + 1 - lead - trail
}

/// A tight list item's text arrives without a paragraph: store it when the item's first
/// nested block starts or the item ends.
fn flush_item_text<'a>(
    stack: &mut [Frame<'a>],
    cur: &mut Vec<Line<'a>>,
    sink: &mut Sink,
    letters: &mut (usize, usize),
) {
    if let Some(Frame::Item(item)) = stack.last_mut() {
        if item.lines.is_empty() && item.children.is_empty() && matches!(sink, Sink::Lines) {
            if let Some(l) = cur.last_mut() {
                l.struck = all_struck(l, letters.0);
            }
            item.lines = std::mem::take(cur);
            item.lines.retain(|l| !l.segs.is_empty());
        }
    }
    *letters = (0, 0);
    *sink = Sink::None;
}

fn push_text<'a>(
    src: &'a str,
    sink: &mut Sink,
    cur: &mut [Line<'a>],
    cell: &mut Vec<Seg<'a>>,
    seg: Seg<'a>,
) {
    let target = match sink {
        Sink::None => return,
        Sink::Lines => match cur.last_mut() {
            Some(l) => &mut l.segs,
            None => return,
        },
        Sink::Cell => cell,
    };
    // pulldown-cmark splits text at special characters; join neighbours back.
    if let (Some(Seg::Text(prev)), Seg::Text(next)) = (target.last_mut(), &seg) {
        // Neighbours in the source (most splits) stay one borrowed slice.
        if let (Cow::Borrowed(p), Cow::Borrowed(n)) = (&*prev, next) {
            if let Some(joined) = adjacent(src, p, n) {
                *prev = Cow::Borrowed(joined);
                return;
            }
        }
        prev.to_mut().push_str(next);
        return;
    }
    target.push(seg);
}

/// `a` followed directly by `b`, when both are slices of `src` and `b` starts where `a`
/// ends: the one slice covering both.
fn adjacent<'a>(src: &'a str, a: &str, b: &str) -> Option<&'a str> {
    let base = src.as_ptr() as usize;
    let a_start = (a.as_ptr() as usize).checked_sub(base)?;
    let b_start = (b.as_ptr() as usize).checked_sub(base)?;
    let end = b_start + b.len();
    (a_start + a.len() == b_start && end <= src.len()).then(|| src.get(a_start..end))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_items_keep_lines_and_markers() {
        let md = "# T\n\n- [x] 1.1 done\n  - DoD: ok\n- [~] 1.2 wip\n  cont line\n";
        let blocks = parse(md);
        assert!(matches!(blocks[0], Block::Heading { level: 1, .. }));
        let Block::List { items } = &blocks[1] else {
            panic!("list expected")
        };
        assert_eq!(items[0].checkbox, Some(true));
        assert_eq!(items[0].line, 3);
        assert_eq!(items[1].checkbox, None);
        assert_eq!(items[1].lines.len(), 2);
        assert_eq!(items[1].lines[1].line, 6);
        assert_eq!(items[1].lines[0].text(), "[~] 1.2 wip");
    }

    #[test]
    fn cuts_fall_before_headings_outside_code() {
        let part = "x".repeat(100);
        let md = format!(
            "# A\n\n{part}\n\n```\n\n# in code\n```\n\n## B\n\n{part}\n\n<!--\n\n# hidden\n-->\n\n## C\n\n{part}\n"
        );
        let cuts: Vec<u32> = cut_points(&md, 50).iter().map(|c| c.1).collect();
        assert_eq!(cuts, vec![10, 19]);
        assert!(md[cut_points(&md, 50)[0].0..].starts_with("## B"));
        // Link definitions reach across the file: never cut.
        assert!(cut_points(&format!("{md}\n[a]: /b\n"), 50).is_empty());
    }

    #[test]
    fn code_fences_are_dropped() {
        let md = "```\n- [ ] not a task\n```\n\n- [ ] 1 real\n";
        let blocks = parse(md);
        assert_eq!(blocks.len(), 1);
    }

    #[test]
    fn table_cells_with_br_and_pipes() {
        let md = "| ID | 任务 |\n|---|---|\n| T1 | a<br>b \\| c |\n";
        let blocks = parse(md);
        let Block::Table { rows, head, .. } = &blocks[0] else {
            panic!("table expected")
        };
        assert_eq!(head.len(), 2);
        assert_eq!(rows[0].line, 3);
        let text: String = rows[0].cells[1]
            .iter()
            .map(|s| match s {
                Seg::Text(t) | Seg::Code(t) => t.to_string(),
            })
            .collect();
        assert_eq!(text, "a\nb | c");
    }
}
