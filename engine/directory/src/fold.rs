//! Text folded for search: lower case, accents and other marks dropped (`Müller` →
//! `muller`, `Éloïse` → `eloise`), the few letters that do not decompose spelled out
//! (`ß` → `ss`, `Ø` → `o`, `Œ` → `oe`).

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// `text` folded: what the search compares.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.nfkd() {
        if is_combining_mark(c) {
            continue;
        }
        match c {
            'ß' => out.push_str("ss"),
            'æ' | 'Æ' => out.push_str("ae"),
            'œ' | 'Œ' => out.push_str("oe"),
            'ø' | 'Ø' => out.push('o'),
            'ł' | 'Ł' => out.push('l'),
            'đ' | 'Đ' => out.push('d'),
            'þ' | 'Þ' => out.push_str("th"),
            'ı' => out.push('i'),
            c => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// The digits of `text` (`+44 (20) 7946-0000` → `442079460000`).
pub fn digits(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accents_and_case_go() {
        assert_eq!(fold("Müller"), "muller");
        assert_eq!(fold("ÉLOÏSE Côté"), "eloise cote");
        assert_eq!(fold("Straße"), "strasse");
        assert_eq!(fold("Øresund Łódź"), "oresund lodz");
        assert_eq!(fold("ﬁle"), "file", "compatibility forms too");
        assert_eq!(digits("+44 (20) 7946-0000"), "442079460000");
    }
}
