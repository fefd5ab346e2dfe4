//! Long answers as pages within Discord's 2000-character message limit: split at line
//! ends (inside a line only when one line alone is too long), every page numbered, so
//! nothing is ever cut off silently.

/// Discord's limit on a message's `content`, in characters.
pub const CONTENT_LIMIT: usize = 2000;

/// Split `text` into pages of at most `limit` characters each, page marks included
/// (`(page 2/3)` on its own last line) when there is more than one. Pages break between
/// items, never inside one: an item is a line and the indented lines below it (a task
/// and its subtasks, a candidate and its reasons). Only an item longer than a page alone
/// is cut, at line ends (inside a line only when one line alone is too long).
pub fn pages(text: &str, limit: usize) -> Vec<String> {
    let text = text.trim_end();
    if text.is_empty() {
        return vec!["(nothing to show)".to_string()];
    }
    if text.chars().count() <= limit {
        return vec![text.to_string()];
    }
    // Room for "\n(page 999/999)".
    let room = limit.saturating_sub(16).max(1);
    let mut chunks: Vec<String> = Vec::new();
    let mut cur = String::new();
    for item in items(text) {
        let n = item.chars().count();
        let extra = if cur.is_empty() { n } else { n + 1 };
        if cur.chars().count() + extra <= room {
            if !cur.is_empty() {
                cur.push('\n');
            }
            cur.push_str(&item);
            continue;
        }
        if !cur.is_empty() {
            chunks.push(std::mem::take(&mut cur));
        }
        if n <= room {
            cur = item;
            continue;
        }
        // One item longer than a page: cut it at line ends, long lines by characters.
        for line in item.lines() {
            let chars: Vec<char> = line.chars().collect();
            for piece in chars.chunks(room) {
                let piece: String = piece.iter().collect();
                let extra = if cur.is_empty() {
                    piece.chars().count()
                } else {
                    piece.chars().count() + 1
                };
                if cur.chars().count() + extra > room && !cur.is_empty() {
                    chunks.push(std::mem::take(&mut cur));
                }
                if !cur.is_empty() {
                    cur.push('\n');
                }
                cur.push_str(&piece);
            }
        }
    }
    if !cur.trim().is_empty() {
        chunks.push(cur);
    }
    let total = chunks.len();
    chunks
        .into_iter()
        .enumerate()
        .map(|(i, c)| format!("{c}\n(page {}/{total})", i + 1))
        .collect()
}

/// The text's items: each line that is not indented starts one; indented lines belong
/// to the item above them.
fn items(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in text.lines() {
        let continues = line.starts_with(' ') || line.starts_with('\t');
        match out.last_mut() {
            Some(last) if continues => {
                last.push('\n');
                last.push_str(line);
            }
            _ => out.push(line.to_string()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_is_lost_and_every_page_fits() {
        let text: String = (0..300)
            .map(|i| format!("- [ ] 9.{i} 任务 {i}: {}\n", "x".repeat(i % 90)))
            .collect();
        let p = pages(&text, CONTENT_LIMIT);
        assert!(p.len() > 1);
        for page in &p {
            assert!(
                page.chars().count() <= CONTENT_LIMIT,
                "{}",
                page.chars().count()
            );
        }
        let joined: String = p
            .iter()
            .map(|x| x.rsplit_once('\n').map(|(a, _)| a).unwrap_or(x))
            .collect::<Vec<_>>()
            .join("\n");
        assert_eq!(joined, text.trim_end());
        assert!(p[0].ends_with(&format!("(page 1/{})", p.len())));
        let long = "y".repeat(5000);
        for page in pages(&long, CONTENT_LIMIT) {
            assert!(page.chars().count() <= CONTENT_LIMIT);
        }
    }

    #[test]
    fn an_item_never_breaks_across_pages() {
        let text: String = (0..120)
            .map(|i| {
                format!(
                    "- [ ] 7.{i} Task {i}\n  - why: reason {i}\n  - touch points: `src/{i}.rs`\n"
                )
            })
            .collect();
        let p = pages(&text, CONTENT_LIMIT);
        assert!(p.len() > 2);
        for page in &p {
            let body = page.rsplit_once('\n').map_or(page.as_str(), |(a, _)| a);
            assert!(
                body.starts_with("- [ ] 7."),
                "a page starts with an item: {body}"
            );
            assert!(
                body.ends_with(".rs`"),
                "a page ends with a whole item: {body}"
            );
        }
    }
}
