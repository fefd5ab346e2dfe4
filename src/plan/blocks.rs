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

/// A `(start, end)` range of indices into one of a [`Tree`]'s vectors.
type R = (u32, u32);

fn slice<T>(v: &[T], r: R) -> &[T] {
    &v[r.0 as usize..r.1 as usize]
}

#[derive(Debug, Clone, Copy, Default)]
pub struct LineRec {
    line: u32,
    struck: bool,
    segs: R,
    /// The line as one text (code spans in backticks) in `Tree::joined`, for lines of
    /// several segments; `(0, 0)` otherwise.
    joined: R,
}

#[derive(Debug, Clone, Copy)]
pub struct ItemRec {
    /// Its place in `Tree::items`.
    index: u32,
    line: u32,
    checkbox: Option<bool>,
    lines: R,
    /// Child blocks: a range of `Tree::kids`.
    kids: R,
}

#[derive(Debug, Clone, Copy)]
pub struct RowRec {
    line: u32,
    written: usize,
    cells: R,
}

/// A table cell: a range of segments.
#[derive(Debug, Clone, Copy)]
pub struct CellRec(R);

/// A block, by its index in `Tree::blocks`.
#[derive(Debug, Clone, Copy)]
pub struct BlockId(u32);

#[derive(Debug, Clone, Copy)]
enum BlockRec {
    Heading { level: u8, line: u32 },
    Para { lines: R },
    List { items: R },
    Table { line: u32, head: R, rows: R },
    Quote { lines: R },
}

/// The blocks of a piece of markdown, flat: one vector per kind of node, nodes naming
/// their parts by index ranges. A few vectors per piece instead of several allocations
/// per list item; read through the [`Block`], [`Item`] and [`Line`] views.
#[derive(Debug, Default)]
pub struct Tree<'a> {
    segs: Vec<Seg<'a>>,
    lines: Vec<LineRec>,
    items: Vec<ItemRec>,
    blocks: Vec<BlockRec>,
    kids: Vec<BlockId>,
    cells: Vec<CellRec>,
    rows: Vec<RowRec>,
    /// Lines of several segments joined into one text, end to end (see [`Line::text`]).
    joined: String,
    /// Top-level blocks kept by [`parse_piece_into`], in order.
    top: Vec<BlockId>,
}

impl<'a> Tree<'a> {
    fn clear(&mut self) {
        self.segs.clear();
        self.lines.clear();
        self.items.clear();
        self.blocks.clear();
        self.kids.clear();
        self.cells.clear();
        self.rows.clear();
        self.joined.clear();
        self.top.clear();
    }

    fn many<'t, T>(&'t self, recs: &'t [T]) -> Many<'t, 'a, T> {
        Many { tree: self, recs }
    }

    fn block(&self, id: BlockId) -> Block<'_, 'a> {
        id.make(self)
    }

    /// The top-level blocks kept by [`parse_piece_into`].
    pub fn top_blocks(&self) -> Many<'_, 'a, BlockId> {
        self.many(&self.top)
    }

    /// Every list item, nested or not, in index order.
    pub fn all_items(&self) -> Many<'_, 'a, ItemRec> {
        self.many(&self.items)
    }

    /// Appends a finished list's items; the range they occupy.
    fn add_items(&mut self, recs: &[ItemRec]) -> R {
        let start = self.items.len() as u32;
        for (i, &r) in recs.iter().enumerate() {
            self.items.push(ItemRec {
                index: start + i as u32,
                ..r
            });
        }
        (start, self.items.len() as u32)
    }

    fn push_block(&mut self, b: BlockRec) -> BlockId {
        self.blocks.push(b);
        BlockId(self.blocks.len() as u32 - 1)
    }

    /// Appends `recs` to `v`; the range they occupy.
    fn append<T: Copy>(v: &mut Vec<T>, recs: &[T]) -> R {
        let start = v.len() as u32;
        v.extend_from_slice(recs);
        (start, v.len() as u32)
    }

    /// Appends finished lines, joining each line of several segments into one text
    /// once, here (on the reading thread), rather than each time the builder asks.
    fn add_lines(&mut self, recs: &[LineRec]) -> R {
        let start = self.lines.len() as u32;
        for &l in recs {
            self.add_line(l);
        }
        (start, self.lines.len() as u32)
    }

    fn add_line(&mut self, mut l: LineRec) -> u32 {
        let segs = slice(&self.segs, l.segs);
        if segs.len() > 1 {
            let from = self.joined.len() as u32;
            push_segs_text(&mut self.joined, segs);
            l.joined = (from, self.joined.len() as u32);
        }
        self.lines.push(l);
        self.lines.len() as u32 - 1
    }
}

/// A node record that reads as a view of the tree.
pub trait Rec<'t, 'a: 't> {
    type Out;
    fn make(&self, tree: &'t Tree<'a>) -> Self::Out;
}

impl<'t, 'a: 't> Rec<'t, 'a> for LineRec {
    type Out = Line<'t, 'a>;
    fn make(&self, tree: &'t Tree<'a>) -> Line<'t, 'a> {
        Line {
            line: self.line,
            segs: slice(&tree.segs, self.segs),
            struck: self.struck,
            joined: (self.joined.1 > self.joined.0)
                .then(|| &tree.joined[self.joined.0 as usize..self.joined.1 as usize]),
        }
    }
}

impl<'t, 'a: 't> Rec<'t, 'a> for ItemRec {
    type Out = Item<'t, 'a>;
    fn make(&self, tree: &'t Tree<'a>) -> Item<'t, 'a> {
        Item {
            index: self.index,
            line: self.line,
            checkbox: self.checkbox,
            lines: tree.many(slice(&tree.lines, self.lines)),
            children: tree.many(slice(&tree.kids, self.kids)),
        }
    }
}

impl<'t, 'a: 't> Rec<'t, 'a> for RowRec {
    type Out = Row<'t, 'a>;
    fn make(&self, tree: &'t Tree<'a>) -> Row<'t, 'a> {
        Row {
            line: self.line,
            written: self.written,
            cells: tree.many(slice(&tree.cells, self.cells)),
        }
    }
}

impl<'t, 'a: 't> Rec<'t, 'a> for CellRec {
    type Out = &'t [Seg<'a>];
    fn make(&self, tree: &'t Tree<'a>) -> &'t [Seg<'a>] {
        slice(&tree.segs, self.0)
    }
}

impl<'t, 'a: 't> Rec<'t, 'a> for BlockId {
    type Out = Block<'t, 'a>;
    fn make(&self, tree: &'t Tree<'a>) -> Block<'t, 'a> {
        let lines = |r: R| tree.many(slice(&tree.lines, r));
        match tree.blocks[self.0 as usize] {
            BlockRec::Heading { level, line } => Block::Heading {
                level,
                line: tree.lines[line as usize].make(tree),
            },
            BlockRec::Para { lines: r } => Block::Para { lines: lines(r) },
            BlockRec::List { items } => Block::List {
                items: tree.many(slice(&tree.items, items)),
            },
            BlockRec::Table { line, head, rows } => Block::Table {
                line,
                head: tree.many(slice(&tree.cells, head)),
                rows: tree.many(slice(&tree.rows, rows)),
            },
            BlockRec::Quote { lines: r } => Block::Quote { lines: lines(r) },
        }
    }
}

/// A run of nodes of one kind (lines, items, blocks, rows, cells), read as views.
pub struct Many<'t, 'a, T> {
    tree: &'t Tree<'a>,
    recs: &'t [T],
}

impl<T> Clone for Many<'_, '_, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Many<'_, '_, T> {}

impl<'t, 'a: 't, T: Rec<'t, 'a>> Many<'t, 'a, T> {
    pub fn len(&self) -> usize {
        self.recs.len()
    }
    pub fn is_empty(&self) -> bool {
        self.recs.is_empty()
    }
    pub fn get(&self, i: usize) -> Option<T::Out> {
        self.recs.get(i).map(|r| r.make(self.tree))
    }
    pub fn first(&self) -> Option<T::Out> {
        self.get(0)
    }
    /// All but the first `n`.
    pub fn skip(&self, n: usize) -> Self {
        Many {
            tree: self.tree,
            recs: self.recs.get(n..).unwrap_or(&[]),
        }
    }
    pub fn iter(&self) -> ManyIter<'t, 'a, T> {
        ManyIter {
            tree: self.tree,
            it: self.recs.iter(),
        }
    }
}

pub struct ManyIter<'t, 'a, T> {
    tree: &'t Tree<'a>,
    it: std::slice::Iter<'t, T>,
}

impl<'t, 'a: 't, T: Rec<'t, 'a>> Iterator for ManyIter<'t, 'a, T> {
    type Item = T::Out;
    fn next(&mut self) -> Option<T::Out> {
        self.it.next().map(|r| r.make(self.tree))
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.it.size_hint()
    }
}

impl<'t, 'a: 't, T: Rec<'t, 'a>> IntoIterator for Many<'t, 'a, T> {
    type Item = T::Out;
    type IntoIter = ManyIter<'t, 'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<'t, 'a: 't, T: Rec<'t, 'a>> IntoIterator for &Many<'t, 'a, T> {
    type Item = T::Out;
    type IntoIter = ManyIter<'t, 'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

pub type Lines<'t, 'a> = Many<'t, 'a, LineRec>;
pub type Items<'t, 'a> = Many<'t, 'a, ItemRec>;
pub type Blocks<'t, 'a> = Many<'t, 'a, BlockId>;
pub type Rows<'t, 'a> = Many<'t, 'a, RowRec>;
pub type Cells<'t, 'a> = Many<'t, 'a, CellRec>;

/// The inline content of one source line.
#[derive(Clone, Copy)]
pub struct Line<'t, 'a> {
    pub line: u32,
    pub segs: &'t [Seg<'a>],
    /// Every letter on the line was struck through (`~~…~~`).
    pub struck: bool,
    /// [`Line::text`] when the reader joined it already.
    joined: Option<&'t str>,
}

impl<'t> Line<'t, '_> {
    /// The line as text, code spans in backticks (borrowed when it is one text piece or
    /// was joined by the reader).
    pub fn text(&self) -> Cow<'t, str> {
        match (self.segs, self.joined) {
            ([Seg::Text(t)], _) => Cow::Borrowed(t.as_ref()),
            (_, Some(j)) => Cow::Borrowed(j),
            (segs, None) => Cow::Owned(segs_text(segs)),
        }
    }

    /// The line as plain text, code spans without backticks.
    pub fn plain(&self) -> Cow<'t, str> {
        match self.segs {
            [Seg::Text(t)] | [Seg::Code(t)] => Cow::Borrowed(t.as_ref()),
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
    push_segs_text(&mut s, segs);
    s
}

/// Appends [`segs_text`] of `segs` to `out`.
fn push_segs_text(out: &mut String, segs: &[Seg]) {
    for seg in segs {
        match seg {
            Seg::Text(t) => out.push_str(t),
            Seg::Code(c) => {
                out.push('`');
                out.push_str(c);
                out.push('`');
            }
        }
    }
}

#[derive(Clone, Copy)]
pub struct Item<'t, 'a> {
    /// Its place among the tree's items (see [`Tree::all_items`]).
    pub index: u32,
    pub line: u32,
    /// `Some(done)` when pulldown-cmark saw a `[ ]`/`[x]` task marker.
    pub checkbox: Option<bool>,
    /// The item's own text, one entry per source line.
    pub lines: Lines<'t, 'a>,
    /// Nested blocks (lists, later paragraphs, tables).
    pub children: Blocks<'t, 'a>,
}

#[derive(Clone, Copy)]
pub struct Row<'t, 'a> {
    pub line: u32,
    /// How many cells the source line holds (pulldown-cmark pads or cuts to the header).
    pub written: usize,
    /// Cells; a `<br>` inside a cell becomes a `\n` text segment.
    pub cells: Cells<'t, 'a>,
}

#[derive(Clone, Copy)]
pub enum Block<'t, 'a> {
    Heading {
        level: u8,
        line: Line<'t, 'a>,
    },
    Para {
        lines: Lines<'t, 'a>,
    },
    List {
        items: Items<'t, 'a>,
    },
    Table {
        line: u32,
        head: Cells<'t, 'a>,
        rows: Rows<'t, 'a>,
    },
    /// Quote text, line by line (metadata and legends only; never tasks).
    Quote {
        lines: Lines<'t, 'a>,
    },
}

/// Byte offset → 1-based line number. Lookups mostly move forward, so a cursor walks
/// the table and falls back to a binary search when asked about an earlier offset.
struct LineStarts {
    starts: Vec<usize>,
    cursor: std::cell::Cell<usize>,
    /// Line number of the text's first line, less one (a piece of a larger file).
    base: u32,
}

impl LineStarts {
    fn new(text: &str, first_line: u32) -> Self {
        let mut starts = Vec::with_capacity(text.len() / 40 + 1);
        starts.push(0);
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        LineStarts {
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

enum Frame {
    Item {
        line: u32,
        checkbox: Option<bool>,
        lines: R,
        /// Where its child blocks start on the kid stack.
        kids_from: usize,
    },
    /// Where its items start on the item stack.
    List(usize),
    Quote(Vec<LineRec>),
    Table {
        line: u32,
        head: R,
        rows_from: u32,
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
    /// A table cell, whose segments start at this index.
    Cell(usize),
}

/// All top-level blocks of `text`, in order.
#[cfg(test)]
pub fn parse(text: &str) -> Tree<'_> {
    let mut tree = Tree::default();
    parse_piece_into(text, 1, &mut tree);
    tree
}

/// Top-level blocks of `text`, each handed to `emit` as soon as it is complete.
pub fn parse_with<'a>(text: &'a str, emit: impl FnMut(Block<'_, 'a>)) {
    parse_piece(text, 1, emit);
}

/// Top-level blocks of `text`, a piece of a file starting at line `first_line`, each
/// handed to `emit` as soon as it is complete (and forgotten after it). Returns false
/// when the piece ends inside a top-level fenced code or HTML block (one that only its
/// end closed): the piece after it would then have been read as code, so the file must
/// be read whole.
pub fn parse_piece<'a>(
    text: &'a str,
    first_line: u32,
    mut emit: impl FnMut(Block<'_, 'a>),
) -> bool {
    let mut tree = Tree::default();
    read(
        text,
        first_line,
        &mut tree,
        &mut |tree: &mut Tree<'a>, id| {
            emit(tree.block(id));
            tree.clear();
        },
    )
}

/// [`parse_piece`], keeping every top-level block in `tree` (see [`Tree::top_blocks`]).
pub fn parse_piece_into<'a>(text: &'a str, first_line: u32, tree: &mut Tree<'a>) -> bool {
    tree.clear();
    read(text, first_line, tree, &mut |tree: &mut Tree<'a>, id| {
        tree.top.push(id)
    })
}

/// What the reader keeps besides the tree: open frames and the nodes of unfinished
/// lists and items (each list's items and each item's children end up side by side).
#[derive(Default)]
struct Stacks {
    frames: Vec<Frame>,
    /// Items of open lists.
    items: Vec<ItemRec>,
    /// Child blocks of open items.
    kids: Vec<BlockId>,
    /// Lines being collected (a heading, a paragraph or an item's text).
    cur: Vec<LineRec>,
}

fn read<'a>(
    text: &'a str,
    first_line: u32,
    tree: &mut Tree<'a>,
    top: &mut dyn FnMut(&mut Tree<'a>, BlockId),
) -> bool {
    let mut opts = Options::empty();
    opts.insert(Options::ENABLE_TABLES);
    opts.insert(Options::ENABLE_TASKLISTS);
    opts.insert(Options::ENABLE_STRIKETHROUGH);
    let lines_of = LineStarts::new(text, first_line);
    // A top-level raw block (code, HTML) that the end of the text closed.
    let mut open_at_end = false;

    let mut st = Stacks::default();
    let mut sink = Sink::None;
    let mut heading_level = 0u8;
    let mut skip_depth = 0usize; // inside code blocks / HTML / footnotes
    let mut strike = 0usize;
    let mut line_letters = (0usize, 0usize); // (struck letters, reserved) on the line

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
                    if skip_depth == 0 && st.frames.is_empty() && range.end >= text.len() {
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
                    st.cur.clear();
                    st.cur.push(new_line(tree, lines_of.at(range.start)));
                    sink = Sink::Lines;
                }
                Tag::Paragraph => {
                    let in_item_text = matches!(st.frames.last(), Some(&Frame::Item { lines, kids_from, .. }) if lines.0 == lines.1 && st.kids.len() == kids_from);
                    if in_item_text {
                        st.cur.retain(|l| l.segs.0 != l.segs.1);
                    } else {
                        st.cur.clear();
                    }
                    st.cur.push(new_line(tree, lines_of.at(range.start)));
                    sink = Sink::Lines;
                }
                Tag::List(_) => {
                    flush_item_text(tree, &mut st, &mut sink, &mut line_letters);
                    st.frames.push(Frame::List(st.items.len()));
                }
                Tag::Item => {
                    let line = lines_of.at(range.start);
                    st.frames.push(Frame::Item {
                        line,
                        checkbox: None,
                        lines: (0, 0),
                        kids_from: st.kids.len(),
                    });
                    st.cur.clear();
                    st.cur.push(new_line(tree, line));
                    sink = Sink::Lines;
                }
                Tag::BlockQuote(_) => {
                    flush_item_text(tree, &mut st, &mut sink, &mut line_letters);
                    st.frames.push(Frame::Quote(Vec::new()));
                }
                Tag::Table(_) => {
                    flush_item_text(tree, &mut st, &mut sink, &mut line_letters);
                    let at = tree.cells.len() as u32;
                    st.frames.push(Frame::Table {
                        line: lines_of.at(range.start),
                        head: (at, at),
                        rows_from: tree.rows.len() as u32,
                    });
                }
                Tag::TableRow => {
                    if let Some(Frame::Table { .. }) = st.frames.last() {
                        let at = tree.cells.len() as u32;
                        tree.rows.push(RowRec {
                            line: lines_of.at(range.start),
                            written: count_cells(&text[range.clone()]),
                            cells: (at, at),
                        });
                    }
                }
                Tag::TableCell => sink = Sink::Cell(tree.segs.len()),
                Tag::Strikethrough => strike += 1,
                _ => {}
            },
            Event::End(end) => match end {
                TagEnd::Heading(_) => {
                    close_line(tree, &mut st.cur, &mut line_letters);
                    let line = st.cur.pop().unwrap_or_default();
                    st.cur.clear();
                    sink = Sink::None;
                    let line = tree.add_line(line);
                    let b = BlockRec::Heading {
                        level: heading_level,
                        line,
                    };
                    add_block(tree, &mut st, top, b);
                }
                TagEnd::Paragraph => {
                    close_line(tree, &mut st.cur, &mut line_letters);
                    sink = Sink::None;
                    match st.frames.last_mut() {
                        Some(Frame::Item {
                            lines, kids_from, ..
                        }) if lines.0 == lines.1 && st.kids.len() == *kids_from => {
                            *lines = tree.add_lines(&st.cur);
                            st.cur.clear();
                        }
                        Some(Frame::Quote(lines)) => lines.append(&mut st.cur),
                        _ => {
                            let lines = tree.add_lines(&st.cur);
                            st.cur.clear();
                            add_block(tree, &mut st, top, BlockRec::Para { lines });
                        }
                    }
                }
                TagEnd::Item => {
                    flush_item_text(tree, &mut st, &mut sink, &mut line_letters);
                    if let Some(Frame::Item {
                        line,
                        checkbox,
                        lines,
                        kids_from,
                    }) = st.frames.pop()
                    {
                        let kids = Tree::append(&mut tree.kids, &st.kids[kids_from..]);
                        st.kids.truncate(kids_from);
                        if let Some(Frame::List(_)) = st.frames.last() {
                            st.items.push(ItemRec {
                                index: 0,
                                line,
                                checkbox,
                                lines,
                                kids,
                            });
                        }
                    }
                    sink = Sink::None;
                }
                TagEnd::List(_) => {
                    if let Some(Frame::List(from)) = st.frames.pop() {
                        let items = tree.add_items(&st.items[from..]);
                        st.items.truncate(from);
                        add_block(tree, &mut st, top, BlockRec::List { items });
                    }
                }
                TagEnd::BlockQuote(_) => {
                    if let Some(Frame::Quote(lines)) = st.frames.pop() {
                        let lines = tree.add_lines(&lines);
                        add_block(tree, &mut st, top, BlockRec::Quote { lines });
                    }
                }
                TagEnd::Table => {
                    if let Some(Frame::Table {
                        line,
                        head,
                        rows_from,
                    }) = st.frames.pop()
                    {
                        let rows = (rows_from, tree.rows.len() as u32);
                        add_block(tree, &mut st, top, BlockRec::Table { line, head, rows });
                    }
                }
                TagEnd::TableCell => {
                    if let Sink::Cell(from) = sink {
                        if let Some(Frame::Table {
                            head, rows_from, ..
                        }) = st.frames.last_mut()
                        {
                            tree.cells
                                .push(CellRec((from as u32, tree.segs.len() as u32)));
                            let end = tree.cells.len() as u32;
                            let in_rows = tree.rows.len() as u32 > *rows_from;
                            match tree.rows.last_mut() {
                                Some(r) if in_rows => r.cells.1 = end,
                                _ => head.1 = end,
                            }
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
                push_text(text, tree, &sink, &mut st.cur, Seg::Text(cow(t)));
            }
            Event::Code(c) => push_text(text, tree, &sink, &mut st.cur, Seg::Code(cow(c))),
            Event::InlineHtml(h) | Event::Html(h)
                if matches!(sink, Sink::Cell(_))
                    && h.trim().to_ascii_lowercase().starts_with("<br") =>
            {
                tree.segs.push(Seg::Text(Cow::Borrowed("\n")));
            }
            Event::SoftBreak | Event::HardBreak => match sink {
                Sink::Lines => {
                    close_line(tree, &mut st.cur, &mut line_letters);
                    st.cur.push(new_line(tree, lines_of.at(range.end)));
                }
                Sink::Cell(_) => tree.segs.push(Seg::Text(Cow::Borrowed("\n"))),
                Sink::None => {}
            },
            Event::TaskListMarker(done) => {
                if let Some(Frame::Item { checkbox, .. }) = st.frames.last_mut() {
                    *checkbox = Some(done);
                }
            }
            _ => {}
        }
    }
    // Unclosed frames cannot happen with pulldown-cmark, but never lose content.
    while let Some(f) = st.frames.pop() {
        if let Frame::List(from) = f {
            let items = tree.add_items(&st.items[from..]);
            st.items.truncate(from);
            let id = tree.push_block(BlockRec::List { items });
            top(tree, id);
        }
    }
    !open_at_end
}

/// A new line with no segments yet (they are added at the end of the tree's).
fn new_line(tree: &Tree, line: u32) -> LineRec {
    let at = tree.segs.len() as u32;
    LineRec {
        line,
        struck: false,
        segs: (at, at),
        joined: (0, 0),
    }
}

/// A finished block goes to the open item holding it, or out when at the top.
fn add_block<'a>(
    tree: &mut Tree<'a>,
    st: &mut Stacks,
    top: &mut dyn FnMut(&mut Tree<'a>, BlockId),
    b: BlockRec,
) {
    match st.frames.last() {
        Some(Frame::Item { .. }) => {
            let id = tree.push_block(b);
            st.kids.push(id);
        }
        Some(Frame::Quote(_)) | Some(Frame::Table { .. }) | Some(Frame::List(_)) => {}
        None => {
            // (Lines left from it are never read again: every block start clears them.)
            st.cur.clear();
            let id = tree.push_block(b);
            top(tree, id);
        }
    }
}

fn close_line(tree: &Tree, cur: &mut [LineRec], letters: &mut (usize, usize)) {
    if let Some(l) = cur.last_mut() {
        l.struck = all_struck(slice(&tree.segs, l.segs), letters.0);
    }
    *letters = (0, 0);
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
///
/// Only a line's first bytes are looked at (a heading, a fence, a blank line); comment
/// openings are found by one search running ahead through the text. That is about
/// twice as fast as walking the lines as text (a 2 MB plan of 59,000 lines: ~1 ms
/// against ~2 ms), and it matters: the builder waits for the cuts after its first piece.
pub fn cut_points_from(
    text: &str,
    from: (usize, u32),
    target: usize,
    max: usize,
) -> Vec<(usize, u32)> {
    let bytes = text.as_bytes();
    // `<!--` openings, looked for a window ahead at a time (cutting one piece off a
    // large text should not search all of it): the first one starting in `[at, to)`
    // (`usize::MAX`: none there), and `to`, which reaches at least `need_to`.
    let look = |at: usize, need_to: usize| -> (usize, usize) {
        let to = need_to.max(at + 64 * 1024).min(bytes.len());
        let hay = &bytes[at..(to + 3).min(bytes.len())];
        let found = memchr::memmem::find(hay, b"<!--").map(|i| at + i);
        (found.filter(|&p| p < to).unwrap_or(usize::MAX), to)
    };
    let mut cuts = Vec::new();
    let mut last = from.0;
    let mut prev_blank = false;
    let mut fence: Option<(u8, usize)> = None;
    let mut in_comment = false;
    let (mut comment, mut looked_to) = look(from.0, from.0);
    let mut newlines = memchr::memchr_iter(b'\n', &bytes[from.0..]);
    let mut start = from.0;
    let mut n = 0u32;
    while start < bytes.len() {
        if cuts.len() >= max || bytes.len() - start < target {
            break;
        }
        let next = newlines.next().map_or(bytes.len(), |i| from.0 + i + 1);
        let (line_start, n_here) = (start, n);
        start = next;
        n += 1;
        let mut end = next;
        while end > line_start && matches!(bytes[end - 1], b'\n' | b'\r') {
            end -= 1;
        }
        let line = &bytes[line_start..end];
        let indent = line
            .iter()
            .take_while(|&&x| x == b' ' || x == b'\t')
            .count();
        let body = &line[indent..];
        if let Some((c, len)) = fence {
            let run = body.iter().take_while(|&&x| x == c).count();
            if run >= len && text[line_start + indent + run..end].trim().is_empty() {
                fence = None;
            }
            prev_blank = false;
            continue;
        }
        if in_comment {
            let l = &text[line_start..end];
            in_comment = !(l.contains('>') && l.contains("-->"));
            prev_blank = false;
            continue;
        }
        if let Some(&c @ (b'`' | b'~')) = body.first() {
            let run = body.iter().take_while(|&&x| x == c).count();
            if run >= 3 {
                fence = Some((c, run));
                prev_blank = false;
                continue;
            }
        }
        // Look again past an opening already passed, or past the window's end.
        if comment < line_start || (comment == usize::MAX && end > looked_to) {
            (comment, looked_to) = look(line_start, end);
        }
        if comment < end {
            in_comment = !text[comment + 4..end].contains("-->");
        }
        let hashes = line.iter().take_while(|&&x| x == b'#').count();
        let heading =
            (1..=6).contains(&hashes) && matches!(line.get(hashes), None | Some(b' ' | b'\t'));
        if heading && prev_blank && line_start - last >= target {
            cuts.push((line_start, from.1 + n_here));
            last = line_start;
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
fn all_struck(segs: &[Seg], struck: usize) -> bool {
    struck > 0
        && segs
            .iter()
            .map(|s| s.as_str().chars().filter(|c| c.is_alphanumeric()).count())
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
fn flush_item_text(
    tree: &mut Tree,
    st: &mut Stacks,
    sink: &mut Sink,
    letters: &mut (usize, usize),
) {
    if let Some(Frame::Item {
        lines, kids_from, ..
    }) = st.frames.last_mut()
    {
        if lines.0 == lines.1 && st.kids.len() == *kids_from && matches!(sink, Sink::Lines) {
            if let Some(l) = st.cur.last_mut() {
                l.struck = all_struck(slice(&tree.segs, l.segs), letters.0);
            }
            st.cur.retain(|l| l.segs.0 != l.segs.1);
            *lines = tree.add_lines(&st.cur);
            st.cur.clear();
        }
    }
    *letters = (0, 0);
    *sink = Sink::None;
}

fn push_text<'a>(
    src: &'a str,
    tree: &mut Tree<'a>,
    sink: &Sink,
    cur: &mut [LineRec],
    seg: Seg<'a>,
) {
    let from = match sink {
        Sink::None => return,
        Sink::Lines => {
            let Some(l) = cur.last_mut() else {
                return;
            };
            if l.segs.1 as usize != tree.segs.len() {
                // Never happens (a line's segments arrive together); keep them together
                // anyway by moving the line's earlier ones to the end.
                let moved: Vec<Seg<'a>> = slice(&tree.segs, l.segs).to_vec();
                let at = tree.segs.len() as u32;
                tree.segs.extend(moved);
                l.segs = (at, tree.segs.len() as u32);
            }
            l.segs.0 as usize
        }
        Sink::Cell(from) => *from,
    };
    // pulldown-cmark splits text at special characters; join neighbours back.
    if tree.segs.len() > from {
        if let (Some(Seg::Text(prev)), Seg::Text(next)) = (tree.segs.last_mut(), &seg) {
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
    }
    tree.segs.push(seg);
    if let (Sink::Lines, Some(l)) = (sink, cur.last_mut()) {
        l.segs.1 = tree.segs.len() as u32;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_items_keep_lines_and_markers() {
        let md = "# T\n\n- [x] 1.1 done\n  - DoD: ok\n- [~] 1.2 wip\n  cont line\n";
        let tree = parse(md);
        let blocks = tree.top_blocks();
        assert!(matches!(
            blocks.get(0),
            Some(Block::Heading { level: 1, .. })
        ));
        let Some(Block::List { items }) = blocks.get(1) else {
            panic!("list expected")
        };
        let (first, second) = (items.get(0).unwrap(), items.get(1).unwrap());
        assert_eq!(first.checkbox, Some(true));
        assert_eq!(first.line, 3);
        // The nested field list is the first item's child.
        let Some(Block::List { items: nested }) = first.children.first() else {
            panic!("nested list expected")
        };
        assert_eq!(
            nested.first().unwrap().lines.first().unwrap().text(),
            "DoD: ok"
        );
        assert_eq!(second.checkbox, None);
        assert_eq!(second.lines.len(), 2);
        assert_eq!(second.lines.get(1).unwrap().line, 6);
        assert_eq!(second.lines.first().unwrap().text(), "[~] 1.2 wip");
    }

    /// [`cut_points_from`] written the plain way, line by line: the reference the fast
    /// scan is checked against.
    fn cut_points_by_lines(
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

    #[test]
    fn the_fast_cut_scan_agrees_with_the_line_by_line_one() {
        let part = "x".repeat(60);
        let mut texts: Vec<String> = [
            "phase5.md",
            "table_plan.md",
            "heading_tasks.md",
            "finished.md",
            "diagnostics.md",
        ]
        .iter()
        .filter_map(|f| std::fs::read_to_string(format!("tests/fixtures/{f}")).ok())
        .collect();
        assert_eq!(texts.len(), 5, "fixtures not found");
        texts.push(format!(
            "# A\r\n\r\n{part}\r\n\r\n## B\r\n\r\n{part}\r\n   \t\r\n### C\n{part}"
        ));
        texts.push(format!(
            "# A\n\n{part}\n\n<!-- a --> <!-- b\n\n# hidden\n-->\n\n## B\n\n{part}\n\n~~~~ x\n\n# in code\n~~~\n~~~~~  \n\n## C\n{part}\n\n#### D\n\n{part}\n\n####### E\n\n#\tF\n\n{part}\n\n#G\n\n## <!--\n\n## no\n-->\n\n## H\n{part}"
        ));
        texts.push(format!(
            "{part}\n\n```\n<!--\n```\n\n# A\n\n{part}\n\n# B\n\n{part}"
        ));
        for text in &texts {
            for target in [1, 30, 50, 200, 1000] {
                for max in [1, 2, usize::MAX] {
                    let expected = cut_points_by_lines(text, (0, 1), target, max);
                    assert_eq!(cut_points_from(text, (0, 1), target, max), expected);
                    // From each cut on, as the helper continues.
                    for &c in &expected {
                        assert_eq!(
                            cut_points_from(text, c, target, max),
                            cut_points_by_lines(text, c, target, max)
                        );
                    }
                }
            }
        }
    }

    proptest::proptest! {
        /// Texts made of the lines that matter to the scan, in any order and with
        /// either line ending: both scans cut at the same places.
        #[test]
        fn the_fast_cut_scan_agrees_on_generated_texts(
            lines in proptest::collection::vec(0usize..20, 0..80),
            crlf in proptest::bool::ANY,
            target in 1usize..120,
        ) {
            const LINES: [&str; 20] = [
                "# A", "## B", "###### C", "####### D", "#E", "#\tF", "  # G", "", "  ", "\t",
                "```", "````", "~~~ rust", "  ~~~", "<!--", "-->", "a <!-- b --> c",
                "x <!-- y", "text text text text", "- [ ] 1.1 task `a/b.rs`",
            ];
            let eol = if crlf { "\r\n" } else { "\n" };
            let text: String = lines.iter().map(|&i| format!("{}{eol}", LINES[i])).collect();
            let expected = cut_points_by_lines(&text, (0, 1), target, usize::MAX);
            proptest::prop_assert_eq!(cut_points_from(&text, (0, 1), target, usize::MAX), expected.clone());
            for &c in &expected {
                proptest::prop_assert_eq!(
                    cut_points_from(&text, c, target, 1),
                    cut_points_by_lines(&text, c, target, 1)
                );
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]
        /// Texts of up to a few hundred kilobytes (longer than the window the search
        /// for comment openings runs ahead), openings anywhere inside long lines.
        #[test]
        fn the_fast_cut_scan_agrees_on_large_texts(
            lines in proptest::collection::vec((0usize..120, 0usize..3000), 0..200),
            target in 2_000usize..40_000,
        ) {
            let long = "x".repeat(3000);
            let text: String = lines
                .iter()
                .map(|&(i, at)| match i {
                    0..=9 => "# A\n".to_string(),
                    10..=29 => "\n".to_string(),
                    30 => format!("{}<!--{}\n", &long[..at], &long[at..]),
                    31 => format!("{}-->{}\n", &long[..at], &long[at..]),
                    32 => "```\n".to_string(),
                    33 => format!("{}<!-- c -->{}\n", &long[..at], &long[at..]),
                    _ => format!("{}\n", &long[..at]),
                })
                .collect();
            let expected = cut_points_by_lines(&text, (0, 1), target, usize::MAX);
            proptest::prop_assert_eq!(
                cut_points_from(&text, (0, 1), target, usize::MAX),
                expected.clone()
            );
            for &c in expected.iter().take(4) {
                proptest::prop_assert_eq!(
                    cut_points_from(&text, c, target, 1),
                    cut_points_by_lines(&text, c, target, 1)
                );
            }
        }
    }

    /// A comment opening past the first window of the search ahead still hides the
    /// heading inside it.
    #[test]
    fn a_comment_far_into_the_text_still_hides_its_headings() {
        let filler = format!("{}\n", "x".repeat(99)).repeat(700);
        let text = format!("{filler}\n<!--\n\n# hidden\n-->\n\n# B\n{filler}");
        let cuts = cut_points_from(&text, (0, 1), 100, usize::MAX);
        assert_eq!(cuts, cut_points_by_lines(&text, (0, 1), 100, usize::MAX));
        assert_eq!(cuts.len(), 1);
        assert!(text[cuts[0].0..].starts_with("# B"));
        // An opening that starts just before the window's end and ends after it.
        let filler = format!("{}\n", "x".repeat(99)).repeat(655);
        let text = format!(
            "{filler}{}<!--\n\n# hidden\n-->\n\n# B\n{filler}",
            "x".repeat(64 * 1024 - 2 - filler.len())
        );
        assert_eq!(text.find("<!--"), Some(64 * 1024 - 2));
        let cuts = cut_points_from(&text, (0, 1), 100, usize::MAX);
        assert_eq!(cuts, cut_points_by_lines(&text, (0, 1), 100, usize::MAX));
        assert!(text[cuts[0].0..].starts_with("# B"));
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
        assert_eq!(parse(md).top_blocks().len(), 1);
    }

    #[test]
    fn table_cells_with_br_and_pipes() {
        let md = "| ID | 任务 |\n|---|---|\n| T1 | a<br>b \\| c |\n";
        let tree = parse(md);
        let Some(Block::Table { rows, head, .. }) = tree.top_blocks().first() else {
            panic!("table expected")
        };
        assert_eq!(head.len(), 2);
        let row = rows.first().unwrap();
        assert_eq!(row.line, 3);
        assert_eq!(segs_plain(row.cells.get(1).unwrap()), "a\nb | c");
    }

    #[test]
    fn blocks_handed_out_one_by_one_match_the_kept_tree() {
        // `parse_piece` forgets each top-level block after handing it out; the tree
        // kept whole reads the same.
        let md = "# A\n\n- [ ] 1 one\n  - [x] 1.1 sub\n    - DoD：`x.ts` ok\n\n> 状态：进行中\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\npara *em* `c`\nnext\n";
        fn show(b: Block) -> String {
            match b {
                Block::Heading { level, line } => format!("H{level}:{}", line.text()),
                Block::Para { lines } | Block::Quote { lines } => lines
                    .iter()
                    .map(|l| format!("{}:{}|", l.line, l.text()))
                    .collect(),
                Block::List { items } => items
                    .iter()
                    .map(|i| {
                        let own: String = i.lines.iter().map(|l| l.text().into_owned()).collect();
                        let kids: String = i.children.iter().map(show).collect();
                        format!("[{}:{:?}:{own}({kids})]", i.line, i.checkbox)
                    })
                    .collect(),
                Block::Table { line, head, rows } => format!(
                    "T{line}:{}:{}",
                    head.len(),
                    rows.iter()
                        .map(|r| r.cells.iter().map(segs_text).collect::<Vec<_>>().join("/"))
                        .collect::<Vec<_>>()
                        .join(";")
                ),
            }
        }
        let mut one_by_one = Vec::new();
        parse_with(md, |b| one_by_one.push(show(b)));
        let tree = parse(md);
        let kept: Vec<String> = tree.top_blocks().iter().map(show).collect();
        assert_eq!(one_by_one, kept);
        assert_eq!(kept.len(), 5);
        assert_eq!(
            kept[1],
            "[3:Some(false):1 one([4:Some(true):1.1 sub([5:None:DoD：`x.ts` ok()])])]"
        );
        assert_eq!(kept[4], "13:para em `c`|14:next|");
    }
}
