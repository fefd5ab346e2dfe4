//! Long answers as pages within Discord's 2000-character message limit: split at line
//! ends (inside a line only when one line alone is too long), every page numbered, so
//! nothing is ever cut off silently.

/// Discord's limit on a message's `content`, in characters.
pub const CONTENT_LIMIT: usize = 2000;

/// Split `text` into pages of at most `limit` characters each, page marks included
/// (`(page 2/3)` on its own last line) when there is more than one.
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
    let mut cur_len = 0;
    for line in text.lines() {
        let mut pieces: Vec<String> = Vec::new();
        let chars: Vec<char> = line.chars().collect();
        if chars.len() <= room {
            pieces.push(line.to_string());
        } else {
            for c in chars.chunks(room) {
                pieces.push(c.iter().collect());
            }
        }
        for p in pieces {
            let n = p.chars().count();
            let extra = if cur.is_empty() { n } else { n + 1 };
            if cur_len + extra > room && !cur.is_empty() {
                chunks.push(std::mem::take(&mut cur));
                cur_len = 0;
            }
            if !cur.is_empty() {
                cur.push('\n');
                cur_len += 1;
            }
            cur.push_str(&p);
            cur_len += n;
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
}
