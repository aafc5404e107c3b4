//! The shallow XML documents of instant messaging (is-composing, IMDN) read as their
//! leaves: each element with no children, by the local names on its way from the root
//! (`delivery-notification/status/delivered`), with its text. Bounded: at most
//! [`MAX_LEAVES`] leaves and [`MAX_DEPTH`] levels; anything beyond is an error, not a
//! partial read.

use quick_xml::Reader;
use quick_xml::events::Event;

use crate::event_package::xml_text;

/// The most leaves a document may have.
pub const MAX_LEAVES: usize = 64;
/// The deepest a document may nest.
pub const MAX_DEPTH: usize = 8;

/// A document read: the root's local name, its leaves in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Leaves {
    pub root: String,
    /// The path below the root (local names joined by `/`) and the leaf's text, trimmed.
    pub leaves: Vec<(String, String)>,
}

impl Leaves {
    /// The text of the first leaf at `path`.
    pub fn get(&self, path: &str) -> Option<&str> {
        self.leaves.iter().find(|(p, _)| p == path).map(|(_, t)| t.as_str())
    }

    /// The leaves directly under `parent` (their last name).
    pub fn children<'a>(&'a self, parent: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.leaves.iter().filter_map(move |(p, _)| {
            p.strip_prefix(parent)
                .and_then(|rest| rest.strip_prefix('/'))
                .filter(|r| !r.contains('/'))
        })
    }
}

/// Reads `body` (UTF-8 XML).
pub fn read(body: &[u8]) -> Result<Leaves, String> {
    let text = std::str::from_utf8(body).map_err(|e| e.to_string())?;
    let mut reader = Reader::from_str(text);
    let mut out = Leaves::default();
    // The open elements below the root, and whether each has a child yet.
    let mut path: Vec<(String, bool)> = Vec::new();
    let mut in_root = false;
    let mut text_now = String::new();
    loop {
        match reader.read_event().map_err(|e| e.to_string())? {
            Event::Start(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if !in_root {
                    if !out.root.is_empty() {
                        return Err("more than one root element".into());
                    }
                    out.root = name;
                    in_root = true;
                } else {
                    if path.len() >= MAX_DEPTH {
                        return Err(format!("nested deeper than {MAX_DEPTH} levels"));
                    }
                    if let Some(parent) = path.last_mut() {
                        parent.1 = true;
                    }
                    path.push((name, false));
                }
                text_now.clear();
            }
            Event::Empty(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if !in_root {
                    if !out.root.is_empty() {
                        return Err("more than one root element".into());
                    }
                    out.root = name;
                    continue;
                }
                if let Some(parent) = path.last_mut() {
                    parent.1 = true;
                }
                let mut at: Vec<&str> = path.iter().map(|(n, _)| n.as_str()).collect();
                at.push(&name);
                push(&mut out, at.join("/"), String::new())?;
            }
            Event::Text(t) => text_now.push_str(&t.decode().map_err(|e| e.to_string())?),
            Event::CData(t) => text_now.push_str(&String::from_utf8_lossy(&t)),
            Event::GeneralRef(r) => text_now.push(xml_text::resolve(&r)?),
            Event::End(_) => {
                match path.pop() {
                    Some((name, false)) => {
                        let mut at: Vec<&str> = path.iter().map(|(n, _)| n.as_str()).collect();
                        at.push(&name);
                        push(&mut out, at.join("/"), text_now.trim().to_owned())?;
                    }
                    Some((_, true)) => {}
                    None => in_root = false,
                }
                text_now.clear();
            }
            Event::Eof => {
                if in_root {
                    return Err(format!("the document ends inside <{}>", out.root));
                }
                break;
            }
            _ => {}
        }
    }
    if out.root.is_empty() {
        return Err("no root element".into());
    }
    Ok(out)
}

fn push(out: &mut Leaves, path: String, text: String) -> Result<(), String> {
    if out.leaves.len() >= MAX_LEAVES {
        return Err(format!("more than {MAX_LEAVES} elements"));
    }
    // Characters XML forbids (XML 1.0 §2.2) are not kept: what is read can be written
    // back (`xml_text::escape` drops them too).
    let text: String = text
        .chars()
        .filter(|&c| {
            matches!(c, '\t' | '\n' | '\r')
                || !(c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}')
        })
        .collect();
    out.leaves.push((path, text.trim().to_owned()));
    Ok(())
}
