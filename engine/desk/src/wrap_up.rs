//! Wrap-up: the disposition catalogue (grouped, searchable, a key each) and the modes a
//! queue may ask for — optional, mandatory (Done waits for a code) or time-boxed (the agent
//! is Ready again after the time, with [`TIMED_OUT`] if no code was chosen).

use serde::{Deserialize, Serialize};

/// The code a time-boxed wrap-up gets when it ends without one.
pub const TIMED_OUT: &str = "timed-out";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WrapUpMode {
    #[default]
    Optional,
    Mandatory,
    TimeBoxed,
}

/// One disposition code of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Disposition {
    /// What is stored and what `dispose ID CODE` names (no spaces).
    pub code: String,
    pub label: String,
    #[serde(default)]
    pub group: String,
    /// The key that picks it in the window's picker.
    #[serde(default)]
    pub key: Option<char>,
}

impl Disposition {
    fn new(code: &str, label: &str, group: &str, key: char) -> Disposition {
        Disposition { code: code.into(), label: label.into(), group: group.into(), key: Some(key) }
    }

    /// A catalogue a contact centre starts from.
    pub fn defaults() -> Vec<Disposition> {
        vec![
            Disposition::new("resolved", "Resolved", "Outcome", '1'),
            Disposition::new("follow-up", "Follow-up needed", "Outcome", '2'),
            Disposition::new("escalated", "Escalated", "Outcome", '3'),
            Disposition::new("sale", "Sale", "Sales", '4'),
            Disposition::new("no-sale", "No sale", "Sales", '5'),
            Disposition::new("wrong-number", "Wrong number", "Other", '6'),
            Disposition::new("callback", "Callback scheduled", "Other", '7'),
        ]
    }
}

/// Whether `code` is allowed: in the catalogue, or the time-out code.
pub fn is_known(catalogue: &[Disposition], code: &str) -> bool {
    code == TIMED_OUT || catalogue.iter().any(|d| d.code == code)
}

/// The codes whose code, label or group contains every word of `query`, ignoring case and
/// accents ("resol" finds Resolved; "reglé" and "regle" find Réglé), in catalogue order.
pub fn search<'a>(catalogue: &'a [Disposition], query: &str) -> Vec<&'a Disposition> {
    let words: Vec<String> = query.split_whitespace().map(fold).collect();
    catalogue
        .iter()
        .filter(|d| {
            let text = fold(&format!("{} {} {}", d.code, d.label, d.group));
            words.iter().all(|w| text.contains(w.as_str()))
        })
        .collect()
}

/// Lower case without the accents of Latin letters (French and the common others).
pub fn fold(s: &str) -> String {
    s.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'à' | 'â' | 'ä' | 'á' | 'ã' | 'å' => 'a',
            'ç' => 'c',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'î' | 'ï' | 'í' | 'ì' => 'i',
            'ô' | 'ö' | 'ó' | 'ò' | 'õ' => 'o',
            'ù' | 'û' | 'ü' | 'ú' => 'u',
            'ÿ' | 'ý' => 'y',
            'ñ' => 'n',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_ignores_case_and_accents() {
        let mut c = Disposition::defaults();
        c.push(Disposition::new("regle", "Réglé", "Résultat", 'r'));
        let codes = |q: &str| search(&c, q).iter().map(|d| d.code.clone()).collect::<Vec<_>>();
        assert_eq!(codes("RESOL"), ["resolved"]);
        assert_eq!(codes("regle"), ["regle"]);
        assert_eq!(codes("réglé résultat"), ["regle"]);
        assert_eq!(codes("sales"), ["sale", "no-sale"]);
        assert_eq!(codes("").len(), c.len());
        assert!(codes("zzz").is_empty());
    }

    #[test]
    fn the_time_out_code_is_always_known() {
        assert!(is_known(&[], TIMED_OUT));
        assert!(is_known(&Disposition::defaults(), "sale"));
        assert!(!is_known(&Disposition::defaults(), "bogus"));
    }
}
