//! Markdown → blocks (headings, paragraphs, list items, tables, quotes), each line with
//! its source line number, read from pulldown-cmark's offset iterator. Code, HTML,
//! footnotes and front matter are dropped: plans never hold tasks there.

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
    /// The markdown text the line was read from.
    src: &'a str,
}

impl<'a> Line<'a> {
    /// The line as text, code spans in backticks (so paths can be told apart).
    pub fn text(&self) -> Cow<'_, str> {
        match self.segs.as_slice() {
            [Seg::Text(t)] => Cow::Borrowed(t),
            segs => match self.as_written() {
                Some(s) => Cow::Borrowed(s),
                None => Cow::Owned(segs_text(segs)),
            },
        }
    }

    /// The line's source when it reads just as [`Line::text`] renders it: every piece
    /// is the source's own text, one after the other, each code span between single
    /// backticks (most lines with code and no emphasis).
    fn as_written(&self) -> Option<&'a str> {
        let base = self.src.as_ptr() as usize;
        let mut span: Option<(usize, usize)> = None;
        for seg in &self.segs {
            let (piece, tick) = match seg {
                Seg::Text(Cow::Borrowed(t)) => (*t, 0),
                Seg::Code(Cow::Borrowed(c)) => (*c, 1),
                _ => return None,
            };
            let at = (piece.as_ptr() as usize).checked_sub(base)?;
            let (start, end) = (at.checked_sub(tick)?, at + piece.len() + tick);
            if tick == 1 && (self.src.get(start..at)? != "`" || self.src.get(end - 1..end)? != "`")
            {
                return None;
            }
            span = match span {
                None => Some((start, end)),
                Some((first, last)) if last == start => Some((first, end)),
                Some(_) => return None,
            };
        }
        let (start, end) = span?;
        self.src.get(start..end)
    }

    /// The line's first visible character.
    pub fn first_char(&self) -> Option<char> {
        self.segs
            .iter()
            .find_map(|s| s.as_str().trim_start().chars().next())
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
    segs.iter().for_each(|g| s.push_str(g.as_str()));
    s
}

/// Inline segments as text, code spans in backticks.
pub fn segs_text(segs: &[Seg]) -> String {
    let mut s = String::with_capacity(segs_text_len(segs));
    push_segs_text(&mut s, segs);
    s
}

/// Room enough for [`segs_text`] of `segs` (each code span's backticks counted).
pub fn segs_text_len(segs: &[Seg]) -> usize {
    segs.iter().map(|g| g.as_str().len() + 2).sum()
}

/// [`segs_text`] appended to `s` (size it with [`segs_text_len`]).
pub fn push_segs_text(s: &mut String, segs: &[Seg]) {
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
}

#[derive(Debug, Clone)]
pub struct Item<'a> {
    pub line: u32,
    /// `Some(done)` when pulldown-cmark saw a `[ ]`/`[x]` task marker.
    pub checkbox: Option<bool>,
    /// The item's own text, one entry per source line.
    pub lines: Vec<Line<'a>>,
    /// Nested blocks (lists, later paragraphs, tables).
    pub children: Vec<Block<'a>>,
}

impl Item<'_> {
    /// Still taking its own text: no lines and no nested block yet.
    fn taking_text(&self) -> bool {
        self.lines.is_empty() && self.children.is_empty()
    }
}

/// A table cell; a `<br>` inside it becomes a `\n` text segment.
pub type Cell<'a> = Vec<Seg<'a>>;

#[derive(Debug, Clone)]
pub struct Row<'a> {
    pub line: u32,
    /// How many cells the source line holds (pulldown-cmark pads or cuts to the header).
    pub written: usize,
    pub cells: Vec<Cell<'a>>,
}

#[derive(Debug, Clone)]
pub enum Block<'a> {
    Heading {
        level: u8,
        line: Line<'a>,
    },
    Para(Vec<Line<'a>>),
    List(Vec<Item<'a>>),
    /// More items of the top-level list handed over just before: a long list is handed
    /// over [`LIST_PIECE`] items at a time, so the largest list of a plan is never held
    /// whole (its memory is used again for the next piece).
    MoreItems(Vec<Item<'a>>),
    Table {
        head: Vec<Cell<'a>>,
        rows: Vec<Row<'a>>,
    },
    /// Quote text, line by line (metadata and legends only; never tasks).
    Quote(Vec<Line<'a>>),
}

/// How many items of a top-level list are handed over at a time.
pub const LIST_PIECE: usize = 4;

/// What the reader of the blocks asks of the next top-level list, answering each block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NextList {
    /// A long list may come in pieces.
    Pieces,
    /// The list comes whole: what the block just read is settled by all of its items.
    Whole,
}

/// What is open around the current event.
enum Frame<'a> {
    List(Vec<Item<'a>>),
    Item(Item<'a>),
    Quote(Vec<Line<'a>>),
    Table {
        head: Vec<Cell<'a>>,
        rows: Vec<Row<'a>>,
    },
}

/// Where inline content currently goes.
enum Sink<'a> {
    None,
    /// The lines of a heading, paragraph or item (`Reader::lines`).
    Lines,
    Cell(Cell<'a>),
}

/// Byte offset → 1-based line number, counting newlines from the last offset asked
/// about (offsets mostly move forward, a little at a time).
struct LineOf<'a> {
    text: &'a [u8],
    at: usize,
    line: u32,
}

impl LineOf<'_> {
    fn at(&mut self, offset: usize) -> u32 {
        let newlines = |b: &[u8]| b.iter().map(|&c| (c == b'\n') as u32).sum::<u32>();
        let offset = offset.min(self.text.len());
        if offset >= self.at {
            self.line += newlines(&self.text[self.at..offset]);
        } else {
            self.line -= newlines(&self.text[offset..self.at]);
        }
        self.at = offset;
        self.line
    }
}

struct Reader<'a, E> {
    src: &'a str,
    line_of: LineOf<'a>,
    frames: Vec<Frame<'a>>,
    /// Lines being collected (a heading, a paragraph or an item's text).
    lines: Vec<Line<'a>>,
    sink: Sink<'a>,
    /// Letters inside `~~…~~` on the current line (counted only when there are some).
    struck_letters: usize,
    spare: Spare<'a>,
    /// A piece of the open top-level list was already handed over.
    list_begun: bool,
    /// The last answer of `emit`: how the next top-level list is handed over.
    next_list: NextList,
    emit: E,
}

/// The emptied vectors of blocks already handed out, reused for the next ones: a long
/// plan then allocates about as much as its largest block needs, not a few vectors for
/// every line (allocation was a third of the parse's time).
#[derive(Default)]
struct Spare<'a> {
    segs: Vec<Vec<Seg<'a>>>,
    lines: Vec<Vec<Line<'a>>>,
    items: Vec<Vec<Item<'a>>>,
    blocks: Vec<Vec<Block<'a>>>,
}

impl<'a> Spare<'a> {
    fn keep(&mut self, b: Block<'a>) {
        match b {
            Block::Heading { line, .. } => self.keep_line(line),
            Block::Para(lines) | Block::Quote(lines) => self.keep_lines(lines),
            Block::List(items) | Block::MoreItems(items) => self.keep_items(items),
            Block::Table { .. } => {}
        }
    }

    fn keep_line(&mut self, mut line: Line<'a>) {
        line.segs.clear();
        self.segs.push(line.segs);
    }

    fn keep_lines(&mut self, mut lines: Vec<Line<'a>>) {
        lines.drain(..).for_each(|l| self.keep_line(l));
        self.lines.push(lines);
    }

    fn keep_items(&mut self, mut items: Vec<Item<'a>>) {
        for mut item in items.drain(..) {
            self.keep_lines(item.lines);
            item.children.drain(..).for_each(|b| self.keep(b));
            self.blocks.push(item.children);
        }
        self.items.push(items);
    }
}

/// The markdown extensions plans are read with: tables, task lists, strikethrough.
pub fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_TASKLISTS | Options::ENABLE_STRIKETHROUGH
}

/// Top-level blocks of `text`, each handed to `emit` as soon as it is complete; its
/// answer says how the next top-level list may come.
pub fn parse<'a>(text: &'a str, emit: impl FnMut(&Block<'a>) -> NextList) {
    let mut r = Reader {
        src: text,
        line_of: LineOf {
            text: text.as_bytes(),
            at: 0,
            line: 1,
        },
        frames: Vec::new(),
        lines: Vec::new(),
        sink: Sink::None,
        struck_letters: 0,
        spare: Spare::default(),
        list_begun: false,
        next_list: NextList::Pieces,
        emit,
    };
    let mut heading_level = 0u8;
    let mut skip_depth = 0usize; // inside code blocks / HTML / footnotes / front matter
    let mut strike = 0usize;
    for (ev, range) in Parser::new_ext(text, options()).into_offset_iter() {
        if skip_depth > 0 {
            match &ev {
                Event::Start(
                    Tag::CodeBlock(_)
                    | Tag::HtmlBlock
                    | Tag::FootnoteDefinition(_)
                    | Tag::MetadataBlock(_),
                ) => skip_depth += 1,
                Event::End(
                    TagEnd::CodeBlock
                    | TagEnd::HtmlBlock
                    | TagEnd::FootnoteDefinition
                    | TagEnd::MetadataBlock(_),
                ) => skip_depth -= 1,
                _ => {}
            }
            continue;
        }
        // (Matched by reference: moving the tags out of the events cost more than the
        // matching.)
        match &ev {
            Event::Start(tag) => match tag {
                Tag::CodeBlock(_)
                | Tag::HtmlBlock
                | Tag::FootnoteDefinition(_)
                | Tag::MetadataBlock(_) => skip_depth = 1,
                Tag::Heading { level, .. } => {
                    heading_level = *level as u8;
                    r.lines.clear();
                    r.start_line(range.start);
                }
                Tag::Paragraph => {
                    // A loose item's text arrives in a paragraph: it replaces the empty
                    // line the item started.
                    if matches!(r.frames.last(), Some(Frame::Item(i)) if i.taking_text()) {
                        r.lines.retain(|l| !l.segs.is_empty());
                    } else {
                        r.lines.clear();
                    }
                    r.start_line(range.start);
                }
                Tag::List(_) => {
                    r.flush_item_text();
                    let items = r.spare.items.pop().unwrap_or_default();
                    r.frames.push(Frame::List(items));
                }
                Tag::Item => {
                    let line = r.line_of.at(range.start);
                    r.frames.push(Frame::Item(Item {
                        line,
                        checkbox: None,
                        lines: Vec::new(),
                        children: r.spare.blocks.pop().unwrap_or_default(),
                    }));
                    r.lines.clear();
                    r.start_line(range.start);
                }
                Tag::BlockQuote(_) => {
                    r.flush_item_text();
                    r.frames.push(Frame::Quote(Vec::new()));
                }
                Tag::Table(_) => {
                    r.flush_item_text();
                    r.frames.push(Frame::Table {
                        head: Vec::new(),
                        rows: Vec::new(),
                    });
                }
                Tag::TableRow => {
                    let line = r.line_of.at(range.start);
                    if let Some(Frame::Table { rows, .. }) = r.frames.last_mut() {
                        rows.push(Row {
                            line,
                            written: count_cells(&text[range.clone()]),
                            cells: Vec::new(),
                        });
                    }
                }
                Tag::TableCell => r.sink = Sink::Cell(Vec::new()),
                Tag::Strikethrough => strike += 1,
                _ => {}
            },
            Event::End(end) => match end {
                TagEnd::Heading(_) => {
                    r.close_line();
                    let line = r.lines.pop().unwrap_or_default();
                    r.lines.clear();
                    r.sink = Sink::None;
                    r.add_block(Block::Heading {
                        level: heading_level,
                        line,
                    });
                }
                TagEnd::Paragraph => {
                    r.close_line();
                    r.sink = Sink::None;
                    let spare = r.spare.lines.pop().unwrap_or_default();
                    let lines = std::mem::replace(&mut r.lines, spare);
                    match r.frames.last_mut() {
                        Some(Frame::Item(item)) if item.taking_text() => item.lines = lines,
                        Some(Frame::Quote(quote)) => quote.extend(lines),
                        _ => r.add_block(Block::Para(lines)),
                    }
                }
                TagEnd::Item => {
                    r.flush_item_text();
                    if let Some(Frame::Item(item)) = r.frames.pop() {
                        if let Some(Frame::List(items)) = r.frames.last_mut() {
                            items.push(item);
                        }
                    }
                    r.sink = Sink::None;
                    r.hand_over_piece();
                }
                TagEnd::List(_) => {
                    if let Some(Frame::List(items)) = r.frames.pop() {
                        let begun = r.frames.is_empty() && std::mem::take(&mut r.list_begun);
                        r.add_block(list_block(begun, items));
                    }
                }
                TagEnd::BlockQuote(_) => {
                    if let Some(Frame::Quote(lines)) = r.frames.pop() {
                        r.add_block(Block::Quote(lines));
                    }
                }
                TagEnd::Table => {
                    if let Some(Frame::Table { head, rows }) = r.frames.pop() {
                        r.add_block(Block::Table { head, rows });
                    }
                }
                TagEnd::TableCell => {
                    if let Sink::Cell(cell) = std::mem::replace(&mut r.sink, Sink::None) {
                        if let Some(Frame::Table { head, rows }) = r.frames.last_mut() {
                            match rows.last_mut() {
                                Some(row) => row.cells.push(cell),
                                None => head.push(cell),
                            }
                        }
                    }
                }
                TagEnd::Strikethrough => strike = strike.saturating_sub(1),
                _ => {}
            },
            Event::Text(t) => {
                // Letters are only counted on lines with struck text (rare).
                if strike > 0 {
                    r.struck_letters += t.chars().filter(|c| c.is_alphanumeric()).count();
                }
                r.push(Seg::Text(cow(t)));
            }
            Event::Code(c) => r.push(Seg::Code(cow(c))),
            Event::InlineHtml(h) | Event::Html(h)
                if h.trim()
                    .get(..3)
                    .is_some_and(|s| s.eq_ignore_ascii_case("<br")) =>
            {
                if let Sink::Cell(cell) = &mut r.sink {
                    cell.push(Seg::Text(Cow::Borrowed("\n")));
                }
            }
            Event::SoftBreak | Event::HardBreak => match &mut r.sink {
                Sink::Lines => {
                    r.close_line();
                    r.start_line(range.end);
                }
                Sink::Cell(cell) => cell.push(Seg::Text(Cow::Borrowed("\n"))),
                Sink::None => {}
            },
            Event::TaskListMarker(done) => {
                if let Some(Frame::Item(item)) = r.frames.last_mut() {
                    item.checkbox = Some(*done);
                }
            }
            _ => {}
        }
    }
    // Unclosed frames cannot happen with pulldown-cmark, but never lose content.
    while let Some(f) = r.frames.pop() {
        if let Frame::List(items) = f {
            let _ = (r.emit)(&Block::List(items));
        }
    }
}

impl<'a, E: FnMut(&Block<'a>) -> NextList> Reader<'a, E> {
    /// A new line at `offset`; inline content goes to it.
    fn start_line(&mut self, offset: usize) {
        let line = self.line_of.at(offset);
        self.lines.push(Line {
            line,
            segs: self.spare.segs.pop().unwrap_or_default(),
            struck: false,
            src: self.src,
        });
        self.sink = Sink::Lines;
    }

    /// The current line is complete: was all of it struck through?
    fn close_line(&mut self) {
        if let Some(l) = self.lines.last_mut() {
            l.struck = all_struck(&l.segs, self.struck_letters);
        }
        self.struck_letters = 0;
    }

    /// A tight list item's text arrives without a paragraph: store it when the item's
    /// first nested block starts or the item ends.
    fn flush_item_text(&mut self) {
        if let Some(Frame::Item(item)) = self.frames.last_mut() {
            if item.taking_text() && matches!(self.sink, Sink::Lines) {
                if let Some(l) = self.lines.last_mut() {
                    l.struck = all_struck(&l.segs, self.struck_letters);
                }
                self.lines.retain(|l| !l.segs.is_empty());
                let spare = self.spare.lines.pop().unwrap_or_default();
                item.lines = std::mem::replace(&mut self.lines, spare);
            }
        }
        self.struck_letters = 0;
        self.sink = Sink::None;
    }

    /// A top-level list holding [`LIST_PIECE`] finished items hands them over.
    fn hand_over_piece(&mut self) {
        let [Frame::List(items)] = self.frames.as_mut_slice() else {
            return;
        };
        if items.len() < LIST_PIECE || self.next_list == NextList::Whole {
            return;
        }
        let spare = self.spare.items.pop().unwrap_or_default();
        let items = std::mem::replace(items, spare);
        let begun = std::mem::replace(&mut self.list_begun, true);
        self.hand_out(list_block(begun, items));
    }

    /// A top-level block goes out; its vectors are kept for the next ones.
    fn hand_out(&mut self, b: Block<'a>) {
        self.lines.clear();
        self.next_list = (self.emit)(&b);
        self.spare.keep(b);
    }

    /// A finished block goes to the open item holding it, or out when at the top.
    fn add_block(&mut self, b: Block<'a>) {
        match self.frames.last_mut() {
            Some(Frame::Item(item)) => item.children.push(b),
            // Lists hold items only; quotes and tables keep their text only.
            Some(_) => {}
            None => self.hand_out(b),
        }
    }

    fn push(&mut self, seg: Seg<'a>) {
        let segs = match &mut self.sink {
            Sink::None => return,
            Sink::Lines => match self.lines.last_mut() {
                Some(l) => &mut l.segs,
                None => return,
            },
            Sink::Cell(cell) => cell,
        };
        // pulldown-cmark splits text at special characters: join neighbours back, as one
        // borrowed slice when they are neighbours in the source (most are).
        if let (Some(Seg::Text(prev)), Seg::Text(next)) = (segs.last_mut(), &seg) {
            if let (Cow::Borrowed(p), Cow::Borrowed(n)) = (&*prev, next) {
                if let Some(joined) = adjacent(self.src, p, n) {
                    *prev = Cow::Borrowed(joined);
                    return;
                }
            }
            prev.to_mut().push_str(next);
            return;
        }
        segs.push(seg);
    }
}

fn cow<'a>(s: &CowStr<'a>) -> Cow<'a, str> {
    match s {
        CowStr::Borrowed(b) => Cow::Borrowed(b),
        other => Cow::Owned(other.to_string()),
    }
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

/// Every letter of the line was struck through, given how many struck letters were seen.
fn all_struck(segs: &[Seg], struck: usize) -> bool {
    struck > 0
        && segs
            .iter()
            .map(|s| s.as_str().chars().filter(|c| c.is_alphanumeric()).count())
            .sum::<usize>()
            == struck
}

/// A list's items as a block: its first piece (or the whole list) is a `List`, the
/// pieces after it `MoreItems`.
fn list_block(begun: bool, items: Vec<Item<'_>>) -> Block<'_> {
    match begun {
        true => Block::MoreItems(items),
        false => Block::List(items),
    }
}

/// Cells written on a table row's source text: unescaped pipes, outer ones dropped.
fn count_cells(row: &str) -> usize {
    let row = row.lines().next().unwrap_or("").trim();
    let b = row.as_bytes();
    let mut pipes = 0usize;
    // Where the next byte may count: a backslash escapes the byte after it.
    let mut from = 0;
    for i in memchr::memchr2_iter(b'|', b'\\', b) {
        if i < from {
            continue;
        }
        match b[i] {
            b'|' => pipes += 1,
            _ => from = i + 2,
        }
    }
    let lead = row.starts_with('|') as usize;
    let trail = (row.len() > 1 && row.ends_with('|') && !row.ends_with("\\|")) as usize;
    (pipes + 1).saturating_sub(lead + trail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_counts_its_unescaped_pipes() {
        assert_eq!(count_cells("| T1 | 登录页 | ✅ |"), 3);
        assert_eq!(count_cells("T1 | 登录页 | ✅"), 3);
        assert_eq!(count_cells("| T2 | `a \\| b` 或 c |  |"), 3);
        assert_eq!(count_cells("| T3 | ends in a backslash \\\\| x |"), 3);
        assert_eq!(count_cells("| T4 | no end \\|"), 2);
        assert_eq!(count_cells("| T5 | one |\n| next | row |"), 2);
    }

    fn blocks(text: &str) -> Vec<Block<'_>> {
        let mut out = Vec::new();
        parse(text, |b| {
            out.push(b.clone());
            NextList::Pieces
        });
        out
    }

    #[test]
    fn a_line_is_its_source_only_when_it_reads_the_same() {
        // (text, read from the source rather than rebuilt)
        let cases = [
            ("- DoD：`make test` 通过，页面可用", true),
            ("- `a.rs`、`b/c.ts` and more", true),
            ("- Touch points: `x.rs`", true),
            ("- **Touch points**: `x.rs`", false),
            ("- Touch ` x.rs ` spaced", false),
            ("- ``a`b`` then `c`", false),
            ("- run ``a`b`` then", false),
            ("- esc \\*not\\* `x`", false),
        ];
        for (md, borrowed) in cases {
            let bs = blocks(md);
            let Block::List(items) = &bs[0] else {
                panic!("{md}: {bs:?}")
            };
            let line = &items[0].lines[0];
            let text = line.text();
            assert_eq!(text, segs_text(&line.segs), "{md}");
            assert_eq!(matches!(text, Cow::Borrowed(_)), borrowed, "{md}");
        }
    }

    #[test]
    fn list_items_keep_lines_and_markers() {
        let md = "# T\n\n- [x] 1.1 done\n  - DoD: ok\n- [~] 1.2 wip\n  cont line\n";
        let blocks = blocks(md);
        assert!(matches!(blocks[0], Block::Heading { level: 1, .. }));
        let Block::List(items) = &blocks[1] else {
            panic!("list expected")
        };
        let (first, second) = (&items[0], &items[1]);
        assert_eq!(first.checkbox, Some(true));
        assert_eq!(first.line, 3);
        // The nested field list is the first item's child.
        let Some(Block::List(nested)) = first.children.first() else {
            panic!("nested list expected")
        };
        assert_eq!(nested[0].lines[0].text(), "DoD: ok");
        assert_eq!(second.checkbox, None);
        assert_eq!(second.lines.len(), 2);
        assert_eq!(second.lines[1].line, 6);
        assert_eq!(second.lines[0].text(), "[~] 1.2 wip");
    }

    #[test]
    fn a_long_list_is_handed_over_in_pieces() {
        let mut md = String::from("# T\n\n");
        for i in 1..=2 * LIST_PIECE + 3 {
            md += &format!("- [ ] {i} step\n  - DoD: {i}\n");
        }
        md += "\ntext\n";
        let blocks = blocks(&md);
        let pieces: Vec<(&str, Vec<u32>)> = blocks
            .iter()
            .filter_map(|b| match b {
                Block::List(items) => Some(("list", items)),
                Block::MoreItems(items) => Some(("more", items)),
                _ => None,
            })
            .map(|(kind, items)| (kind, items.iter().map(|i| i.line).collect()))
            .collect();
        let lines = |from: u32, n: u32| (0..n).map(|k| 3 + 2 * (from + k)).collect::<Vec<_>>();
        let piece = LIST_PIECE as u32;
        assert_eq!(
            pieces,
            [
                ("list", lines(0, piece)),
                ("more", lines(piece, piece)),
                ("more", lines(2 * piece, 3))
            ]
        );
        // Each item keeps its nested field list; what follows the list comes after.
        let Block::MoreItems(items) = &blocks[3] else {
            panic!("{blocks:?}")
        };
        let Some(Block::List(fields)) = items[2].children.first() else {
            panic!("{items:?}")
        };
        assert_eq!(
            fields[0].lines[0].text(),
            format!("DoD: {}", 2 * LIST_PIECE + 3)
        );
        assert!(matches!(&blocks[4], Block::Para(l) if l[0].text() == "text"));
    }

    #[test]
    fn a_list_asked_for_whole_comes_whole() {
        let mut md = String::from("# T\n\n");
        for i in 1..=LIST_PIECE + 3 {
            md += &format!("- [ ] {i} step\n");
        }
        let mut lists = Vec::new();
        parse(&md, |b| match b {
            Block::Heading { .. } => NextList::Whole,
            Block::List(items) | Block::MoreItems(items) => {
                lists.push(items.len());
                NextList::Pieces
            }
            _ => NextList::Pieces,
        });
        assert_eq!(lists, [LIST_PIECE + 3]);
    }

    #[test]
    fn code_fences_are_dropped() {
        let md = "```\n- [ ] not a task\n```\n\n- [ ] 1 real\n";
        assert_eq!(blocks(md).len(), 1);
    }

    #[test]
    fn table_cells_with_br_and_pipes() {
        let md = "| ID | 任务 |\n|---|---|\n| T1 | a<br>b \\| c |\n";
        let blocks = blocks(md);
        let Some(Block::Table { rows, head }) = blocks.first() else {
            panic!("table expected")
        };
        assert_eq!(head.len(), 2);
        assert_eq!(rows[0].line, 3);
        assert_eq!(segs_plain(&rows[0].cells[1]), "a\nb | c");
    }

    #[test]
    fn nested_blocks_keep_their_lines() {
        let md = "# A\n\n- [ ] 1 one\n  - [x] 1.1 sub\n    - DoD：`x.ts` ok\n\n> 状态：进行中\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\npara *em* `c`\nnext\n";
        fn show(b: &Block) -> String {
            match b {
                Block::Heading { level, line } => format!("H{level}:{}", line.text()),
                Block::Para(lines) | Block::Quote(lines) => lines
                    .iter()
                    .map(|l| format!("{}:{}|", l.line, l.text()))
                    .collect(),
                Block::List(items) | Block::MoreItems(items) => items
                    .iter()
                    .map(|i| {
                        let own: String = i.lines.iter().map(|l| l.text().into_owned()).collect();
                        let kids: String = i.children.iter().map(show).collect();
                        format!("[{}:{:?}:{own}({kids})]", i.line, i.checkbox)
                    })
                    .collect(),
                Block::Table { head, rows } => format!(
                    "T:{}:{}",
                    head.len(),
                    rows.iter()
                        .map(|r| r
                            .cells
                            .iter()
                            .map(|c| segs_text(c))
                            .collect::<Vec<_>>()
                            .join("/"))
                        .collect::<Vec<_>>()
                        .join(";")
                ),
            }
        }
        let shown: Vec<String> = blocks(md).iter().map(show).collect();
        assert_eq!(shown.len(), 5);
        assert_eq!(
            shown[1],
            "[3:Some(false):1 one([4:Some(true):1.1 sub([5:None:DoD：`x.ts` ok()])])]"
        );
        assert_eq!(shown[3], "T:2:1/2");
        assert_eq!(shown[4], "13:para em `c`|14:next|");
    }
}
