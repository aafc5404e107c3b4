//! Quoted text folded: the earlier message a reply carries under its own text — `>` lines
//! after an attribution ("On … wrote:", « Le … a écrit : »), or everything under Outlook's
//! "-----Original Message-----" / "From: … Sent: …" block — is split off so the window
//! shows it folded. A reply written between quoted lines keeps them all visible.

/// A message's text split into what was written and the quoted tail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Folded<'a> {
    pub written: &'a str,
    pub quoted: Option<&'a str>,
}

/// Splits `text` where its quoted tail begins.
pub fn fold(text: &str) -> Folded<'_> {
    match quote_start(text) {
        Some(at) => {
            Folded { written: text.get(..at).unwrap_or(text).trim_end(), quoted: text.get(at..) }
        }
        None => Folded { written: text, quoted: None },
    }
}

/// What was written, without the quoted tail.
pub fn unquoted(text: &str) -> &str {
    fold(text).written
}

/// The byte offset where the quoted tail starts, if it has one.
fn quote_start(text: &str) -> Option<usize> {
    let lines: Vec<(usize, &str)> = line_offsets(text);
    for (i, (offset, line)) in lines.iter().enumerate() {
        let trimmed = line.trim();
        if is_outlook_separator(trimmed, lines.get(i + 1..).unwrap_or_default()) {
            return Some(*offset);
        }
        let rest = lines.get(i..).unwrap_or_default();
        if is_attribution(trimmed) && only_quotes_follow(rest.get(1..).unwrap_or_default()) {
            return Some(*offset);
        }
        if trimmed.starts_with('>') && only_quotes_follow(rest) {
            return Some(*offset);
        }
    }
    None
}

fn line_offsets(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        out.push((offset, line.trim_end_matches(['\n', '\r'])));
        offset += line.len();
    }
    out
}

/// Every line left is quoted or blank (a signature line `-- ` may end it), and there is
/// at least one quoted line.
fn only_quotes_follow(lines: &[(usize, &str)]) -> bool {
    let mut quoted = 0;
    for (_, line) in lines {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            continue;
        }
        if trimmed.starts_with('>') {
            quoted += 1;
            continue;
        }
        return false;
    }
    quoted > 0
}

/// "On Mon, 1 Dec 2026 at 10:00, Anna <a@b> wrote:", "Le 1 déc. 2026 à 10:00, Anna a
/// écrit :", "Am … schrieb …:", "El … escribió:".
fn is_attribution(line: &str) -> bool {
    let lower = line.to_lowercase();
    let ends = ["wrote:", "a écrit :", "a écrit:", "schrieb:", "escribió:", "ha scritto:"];
    line.len() < 300 && ends.iter().any(|e| lower.ends_with(e))
}

/// Outlook and many webmails put the earlier message under a header block, unquoted.
fn is_outlook_separator(line: &str, after: &[(usize, &str)]) -> bool {
    let lower = line.to_lowercase();
    if lower.starts_with("-----original message-----")
        || lower.starts_with("----- original message -----")
        || lower.starts_with("-----message d'origine-----")
    {
        return true;
    }
    // "________________________________" then "From: …" within two lines.
    let rule = line.len() >= 10 && line.chars().all(|c| c == '_');
    let header_block = |l: &str| {
        let l = l.trim().to_lowercase();
        l.starts_with("from:") || l.starts_with("de :") || l.starts_with("de:")
    };
    if rule && after.iter().take(2).any(|(_, l)| header_block(l)) {
        return true;
    }
    // "From: Anna …" directly followed by "Sent: …" (Outlook without the rule).
    header_block(line)
        && after.first().is_some_and(|(_, l)| {
            let l = l.trim().to_lowercase();
            l.starts_with("sent:") || l.starts_with("envoyé :") || l.starts_with("date:")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gmail_style_quote_is_folded() {
        let text = "Thanks, that works.\n\nOn Mon, 1 Dec 2026 at 10:00, Support <support@x.test> wrote:\n> Please try again.\n>\n> Support\n";
        let folded = fold(text);
        assert_eq!(folded.written, "Thanks, that works.");
        assert!(folded.quoted.expect("quoted").starts_with("On Mon"));
    }

    #[test]
    fn outlook_original_message_is_folded() {
        let text = "Still broken.\r\n\r\n-----Original Message-----\r\nFrom: Support\r\nSent: Monday\r\n\r\nPlease try again.\r\n";
        assert_eq!(fold(text).written, "Still broken.");
        let text = "Merci.\n\n________________________________\nDe : Support\nEnvoyé : lundi\nObjet : Re\n\nBonjour";
        assert_eq!(fold(text).written, "Merci.");
    }

    #[test]
    fn interleaved_answers_stay_visible() {
        let text = "> Which order?\n42\n> Which colour?\nRed\n";
        assert_eq!(fold(text).quoted, None);
        assert_eq!(fold(text).written, text);
    }

    #[test]
    fn french_attribution() {
        let text = "Parfait.\n\nLe lun. 1 déc. 2026 à 10:00, Soutien <s@x.test> a écrit :\n> Essayez encore.\n";
        assert_eq!(fold(text).written, "Parfait.");
    }
}
