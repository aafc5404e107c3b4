//! HTML mail bodies rendered as readable text: block layout kept, links numbered in the
//! text and listed, images by their alternative text, scripts and styles dropped. Nothing
//! is fetched: rendering reads only the body given.

/// The widest line the renderer lays out; the window wraps narrower itself.
const WIDTH: usize = 100;
/// The most HTML rendered (a larger body is cut first, said in the text).
const HTML_LIMIT: usize = 2 * 1024 * 1024;

/// An HTML body as text, with its links.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The text, each link marked `[n]` where it stood.
    pub text: String,
    /// The links' targets, `links[n - 1]` for mark `[n]`.
    pub links: Vec<String>,
}

/// Renders `html` as text (html2text). A body the renderer refuses is shown with its tags
/// stripped.
pub fn html_to_text(html: &str) -> Rendered {
    let (html, cut) = match html.get(..HTML_LIMIT) {
        Some(head) if html.len() > HTML_LIMIT => (head, true),
        _ => (html, false),
    };
    let rendered = html2text::config::plain_no_decorate()
        .link_footnotes(true)
        .string_from_read(html.as_bytes(), WIDTH);
    let mut out = match rendered {
        Ok(text) => split_footnotes(&text),
        Err(_) => Rendered { text: strip_tags(html), links: Vec::new() },
    };
    if cut {
        out.text.push_str("\n\n[… the rest of this message is too long to show]");
    }
    out
}

/// html2text ends the text with `[n]: target` lines, numbered from 1: they become the
/// link list.
fn split_footnotes(text: &str) -> Rendered {
    let lines: Vec<&str> = text.lines().collect();
    let mut start = lines.len();
    while start > 0 && lines.get(start - 1).is_some_and(|l| footnote(l).is_some()) {
        start -= 1;
    }
    let notes: Vec<(usize, &str)> = lines.iter().skip(start).filter_map(|l| footnote(l)).collect();
    let numbered_in_order = notes.iter().enumerate().all(|(i, (n, _))| *n == i + 1);
    if notes.is_empty() || !numbered_in_order {
        return Rendered { text: text.trim_end().to_owned(), links: Vec::new() };
    }
    Rendered {
        text: lines.get(..start).unwrap_or_default().join("\n").trim_end().to_owned(),
        links: notes.into_iter().map(|(_, target)| target.to_owned()).collect(),
    }
}

/// `[n]: target` read as `(n, target)`.
fn footnote(line: &str) -> Option<(usize, &str)> {
    let (number, target) = line.strip_prefix('[')?.split_once("]: ")?;
    Some((number.parse().ok()?, target.trim()))
}

fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_numbered_and_listed_scripts_and_styles_dropped() {
        let html = r#"<html><head><style>p { color: red }</style>
            <script>alert("x")</script></head><body>
            <p>Hello <b>Anna</b>,</p><p>see <a href="https://example.com/order/42">your order</a>
            and <a href="https://example.com/help">help</a>.</p>
            <img src="https://tracker.example/pixel.gif" alt="logo"></body></html>"#;
        let out = html_to_text(html);
        assert!(out.text.contains("Hello"), "{}", out.text);
        assert!(out.text.contains("[your order][1]"), "{}", out.text);
        assert!(!out.text.contains("alert"), "{}", out.text);
        assert!(!out.text.contains("color"), "{}", out.text);
        assert!(!out.text.contains("https://"), "{}", out.text);
        assert_eq!(out.links, vec!["https://example.com/order/42", "https://example.com/help"]);
    }

    #[test]
    fn broken_html_still_reads() {
        let out = html_to_text("<p>unclosed <b>bold <a href='x'>link");
        assert!(out.text.contains("unclosed"));
    }
}
