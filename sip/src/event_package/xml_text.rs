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
