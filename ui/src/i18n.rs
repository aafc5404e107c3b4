//! The agent's language: Project Fluent translation files built into the binary
//! (`ui/locales/<language>/earshot.ftl`), the language chosen from the configuration or
//! the system locale, and lookups with arguments. A key a language lacks falls back to
//! English; a key English lacks shows as the key itself (a test keeps both complete).

use std::borrow::Cow;

use earshot_engine::phone::Problem;
use fluent_bundle::{FluentArgs, FluentBundle, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

/// The languages built in: tag, name in that language, and the translation file.
pub const LANGUAGES: [(&str, &str, &str); 2] = [
    ("en", "English", include_str!("../locales/en/earshot.ftl")),
    ("fr-CA", "Français (Canada)", include_str!("../locales/fr-CA/earshot.ftl")),
];

/// The window's strings in one language, English behind it.
pub struct Translator {
    tag: &'static str,
    bundle: FluentBundle<FluentResource>,
    english: FluentBundle<FluentResource>,
}

impl std::fmt::Debug for Translator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Translator").field("language", &self.tag).finish()
    }
}

impl Default for Translator {
    fn default() -> Translator {
        Translator::new("en")
    }
}

/// A bundle of one built-in language's file.
fn bundle(tag: &str, source: &str) -> FluentBundle<FluentResource> {
    let id: LanguageIdentifier = tag.parse().unwrap_or_default();
    let mut bundle = FluentBundle::new(vec![id]);
    // No Unicode isolation marks around arguments: egui draws them as boxes, and the
    // window shows one direction of text per label.
    bundle.set_use_isolating(false);
    // The built-in files parse (a test checks that); a broken one would leave keys to
    // fall back to English rather than stop the window.
    let resource = FluentResource::try_new(source.to_owned()).unwrap_or_else(|(r, _)| r);
    let _ = bundle.add_resource(resource);
    bundle
}

impl Translator {
    /// The built-in language best matching `wanted` (a tag such as `fr-CA`, `fr_FR.UTF-8`
    /// or `en-GB`): the exact one, else one of the same language, else English.
    pub fn new(wanted: &str) -> Translator {
        let tag = best_language(wanted);
        let source = LANGUAGES.iter().find(|l| l.0 == tag).map_or("", |l| l.2);
        Translator { tag, bundle: bundle(tag, source), english: bundle("en", LANGUAGES[0].2) }
    }

    /// The configured language, else the system's (`LC_ALL`, `LC_MESSAGES`, `LANG`; the
    /// user's preferred language on Windows and macOS).
    pub fn for_agent(configured: Option<&str>) -> Translator {
        match configured.filter(|c| !c.trim().is_empty()) {
            Some(c) => Translator::new(c),
            None => Translator::new(&system_language()),
        }
    }

    /// Adds a site's own translations over the built-in ones: every `*.ftl` file in
    /// `dir/en/` and in `dir/<language>/` (its reasons, dispositions, queue names, or any
    /// string it words differently). Returns what could not be read or parsed; the rest
    /// applies: each file with the reason.
    pub fn add_site_files(&mut self, dir: &std::path::Path) -> Vec<(String, String)> {
        let mut problems = Vec::new();
        // English is every language's fallback: its site files go there too.
        for (tag, bundle) in [("en", &mut self.english), (self.tag, &mut self.bundle)] {
            let folder = dir.join(tag);
            let Ok(entries) = std::fs::read_dir(&folder) else { continue };
            let mut files: Vec<_> = entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "ftl"))
                .collect();
            files.sort();
            for file in files {
                match std::fs::read_to_string(&file) {
                    Ok(text) => {
                        let resource = match FluentResource::try_new(text) {
                            Ok(r) => r,
                            Err((r, errors)) => {
                                let why =
                                    errors.iter().map(ToString::to_string).collect::<Vec<_>>();
                                problems.push((file.display().to_string(), why.join("; ")));
                                r
                            }
                        };
                        bundle.add_resource_overriding(resource);
                    }
                    Err(e) => problems.push((file.display().to_string(), e.to_string())),
                }
            }
        }
        problems
    }

    /// The string for `key`.
    pub fn t(&self, key: &str) -> String {
        self.format(key, None).unwrap_or_else(|| key.to_owned())
    }

    /// The string for `key` with its arguments filled in.
    pub fn t_with(&self, key: &str, args: &[(&str, Arg<'_>)]) -> String {
        let mut fluent = FluentArgs::new();
        for (name, value) in args {
            let value = match value {
                Arg::Text(s) => FluentValue::String(Cow::Owned((*s).to_owned())),
                Arg::Number(n) => FluentValue::from(*n),
            };
            fluent.set(*name, value);
        }
        self.format(key, Some(&fluent)).unwrap_or_else(|| key.to_owned())
    }

    /// A shortcut as the agent's keyboard names it: "Ctrl+Shift+A", "Ctrl+Maj+A".
    pub fn keys(&self, key: &str) -> String {
        format!("{}+{key}", self.t("keys-ctrl-shift"))
    }

    /// The translation of a label from the configuration (`reason-lunch` for "Lunch"),
    /// or the label as configured when no language has one.
    pub fn configured(&self, prefix: &str, label: &str) -> String {
        self.format(&format!("{prefix}-{}", slug(label)), None).unwrap_or_else(|| label.to_owned())
    }

    /// A phone's problem in the agent's language (`error-<code>`), if a language words it.
    pub fn problem(&self, problem: &Problem) -> Option<String> {
        let mut fluent = FluentArgs::new();
        for (name, value) in problem.args() {
            fluent.set(name, FluentValue::String(Cow::Owned(value)));
        }
        self.format(&format!("error-{}", problem.code()), Some(&fluent))
    }

    /// The string for `key`, if a language has it.
    pub fn lookup(&self, key: &str) -> Option<String> {
        self.format(key, None)
    }

    fn format(&self, key: &str, args: Option<&FluentArgs<'_>>) -> Option<String> {
        [&self.bundle, &self.english].into_iter().find_map(|b| {
            let pattern = b.get_message(key)?.value()?;
            let mut errors = Vec::new();
            Some(b.format_pattern(pattern, args, &mut errors).into_owned())
        })
    }
}

/// An argument of a translated string.
#[derive(Debug, Clone, Copy)]
pub enum Arg<'a> {
    Text(&'a str),
    Number(f64),
}

/// A label as a key: lower case, words joined by `-` ("Missed offer" → `missed-offer`).
pub fn slug(label: &str) -> String {
    label
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join("-")
}

/// The system's language, as a tag (`en` when it says nothing).
pub fn system_language() -> String {
    sys_locale::get_locale().unwrap_or_else(|| "en".to_owned())
}

/// The built-in language for a locale name: exact tag, else same language, else English.
fn best_language(wanted: &str) -> &'static str {
    // `fr_CA.UTF-8@euro` → `fr-CA`.
    let cleaned = wanted.split(['.', '@']).next().unwrap_or("").replace('_', "-");
    let language = cleaned.split('-').next().unwrap_or("").to_ascii_lowercase();
    LANGUAGES
        .iter()
        .find(|l| l.0.eq_ignore_ascii_case(&cleaned))
        .or_else(|| LANGUAGES.iter().find(|l| l.0.split('-').next() == Some(language.as_str())))
        .map_or("en", |l| l.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use fluent_syntax::ast::Entry;
    use std::collections::BTreeSet;

    /// The message keys of a translation file (which must parse without an error).
    fn keys(tag: &str, source: &str) -> BTreeSet<String> {
        let resource = fluent_syntax::parser::parse(source)
            .unwrap_or_else(|(_, errors)| panic!("{tag}: {errors:?}"));
        resource
            .body
            .iter()
            .filter_map(|e| match e {
                Entry::Message(m) => Some(m.id.name.to_owned()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn every_language_has_every_key() {
        let english = keys("en", LANGUAGES[0].2);
        for (tag, _, source) in &LANGUAGES[1..] {
            let other = keys(tag, source);
            let missing: Vec<_> = english.difference(&other).collect();
            let extra: Vec<_> = other.difference(&english).collect();
            assert!(missing.is_empty(), "{tag} lacks {missing:?}");
            assert!(extra.is_empty(), "{tag} has keys English lacks: {extra:?}");
        }
    }

    #[test]
    fn every_language_words_every_problem_of_the_phone() {
        for (tag, _, _) in &LANGUAGES {
            let tr = Translator::new(tag);
            for problem in Problem::every_kind() {
                let words = tr.problem(&problem);
                assert!(words.is_some(), "{tag} lacks error-{}", problem.code());
                let words = words.unwrap_or_default();
                assert!(
                    !words.contains("{"),
                    "{tag}: error-{} names a missing value",
                    problem.code()
                );
            }
        }
        let fr = Translator::new("fr-CA");
        let problem = Problem::NoSoundDevice { why: "ALSA: busy".into() };
        assert_eq!(
            fr.problem(&problem).as_deref(),
            Some(
                "Aucun périphérique audio ne fonctionne (ALSA: busy); les appels continuent sans audio"
            )
        );
        // A mailbox job is named by a code, worded in each language.
        let failed = |what: &str| Problem::MailboxFailed {
            queue: "support".into(),
            what: what.into(),
            why: "NO quota".into(),
        };
        assert_eq!(
            fr.problem(&failed("keep-sent")).map(|w| w.replace(['\u{2068}', '\u{2069}'], "")),
            Some(
                "La boîte aux lettres support n'a pas pu garder une copie dans Sent : NO quota"
                    .into()
            )
        );
        let en = Translator::new("en");
        assert_eq!(
            en.problem(&failed("release")).map(|w| w.replace(['\u{2068}', '\u{2069}'], "")),
            Some("The support mailbox could not put a message back in the queue: NO quota".into())
        );
    }

    #[test]
    fn a_sites_files_add_and_override_strings() {
        let dir = std::env::temp_dir().join(format!("earshot-site-ftl-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("fr-CA")).unwrap();
        std::fs::create_dir_all(dir.join("en")).unwrap();
        std::fs::write(dir.join("en/site.ftl"), "reason-coaching = Coaching session\n").unwrap();
        std::fs::write(
            dir.join("fr-CA/site.ftl"),
            "reason-coaching = Séance d'accompagnement\nstate-ready = Disponible\nbroken = {\n",
        )
        .unwrap();
        let mut fr = Translator::new("fr-CA");
        let problems = fr.add_site_files(&dir);
        assert_eq!(problems.len(), 1, "the broken line is reported: {problems:?}");
        assert_eq!(fr.configured("reason", "Coaching"), "Séance d'accompagnement");
        assert_eq!(fr.t("state-ready"), "Disponible", "the site's wording wins");
        assert_eq!(fr.t("state-not-ready"), "Non prêt", "the rest stays");
        let mut en = Translator::new("en");
        assert!(en.add_site_files(&dir).is_empty());
        assert_eq!(en.configured("reason", "Coaching"), "Coaching session");
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn locales_pick_the_closest_language() {
        assert_eq!(best_language("fr_CA.UTF-8"), "fr-CA");
        assert_eq!(best_language("fr-FR"), "fr-CA");
        assert_eq!(best_language("en_GB.UTF-8"), "en");
        assert_eq!(best_language("de-DE"), "en");
        assert_eq!(best_language(""), "en");
        assert_eq!(best_language("C"), "en");
    }

    #[test]
    fn strings_with_arguments_and_configured_labels() {
        let fr = Translator::new("fr-CA");
        assert_eq!(fr.t("preview-title"), "Aperçu de l'interaction");
        assert_eq!(
            fr.t_with("preview-voice", &[("who", Arg::Text("Ana"))]),
            "Appel entrant de Ana"
        );
        assert_eq!(fr.configured("reason", "Lunch"), "Repas");
        assert_eq!(fr.configured("reason", "Missed offer"), "Offre manquée");
        assert_eq!(fr.configured("reason", "Coaching"), "Coaching", "as configured");
        let en = Translator::new("en");
        assert_eq!(
            en.t_with("preview-withdrawn", &[("seconds", Arg::Number(12.0))]),
            "withdrawn in 12 s"
        );
        assert_eq!(en.t("no-such-key"), "no-such-key");
    }
}
