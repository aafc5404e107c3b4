//! Character data of the event packages' XML bodies: the entity references quick-xml
//! hands over on their own (`&amp;`, `&#233;`) resolved to their character (XML 1.0 §4.1,
//! the five predefined entities and character references; any other is an error).

use quick_xml::events::BytesRef;

/// The character `r` stands for, or why it stands for none.
pub fn resolve(r: &BytesRef<'_>) -> Result<char, String> {
    let name = r.decode().map_err(|e| e.to_string())?;
    match r.resolve_char_ref() {
        Ok(Some(c)) => Ok(c),
        Ok(None) => match name.as_ref() {
            "amp" => Ok('&'),
            "lt" => Ok('<'),
            "gt" => Ok('>'),
            "quot" => Ok('"'),
            "apos" => Ok('\''),
            _ => Err(format!("unknown entity &{name};")),
        },
        Err(e) => Err(e.to_string()),
    }
}

/// Text as XML character data (XML 1.0 §2.4): markup characters escaped, characters XML
/// forbids (controls other than tab and line ends) dropped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}
