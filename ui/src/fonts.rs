//! Fonts for what people write: egui's own font covers Latin text; chats and contact names
//! bring Arabic, Hebrew, Greek, Cyrillic, symbols and emoji. The system's DejaVu Sans
//! (Debian's `fonts-dejavu-core`) and Symbola (`fonts-symbola`, emoji in outline) are added
//! as fallbacks behind it when present; without them those characters show as boxes.
//! (Known limit: egui lays glyphs out one by one, left to right: Arabic letters show in
//! their isolated forms and right-to-left runs are not reordered.)

use eframe::egui::{self, FontData, FontFamily};
use eframe::epaint::text::{FontInsert, FontPriority, InsertFontFamily};

/// Where the fallback fonts are on Debian, in the order they are tried.
const FALLBACKS: &[(&str, &str)] = &[
    ("dejavu-sans", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    ("symbola", "/usr/share/fonts/truetype/ancient-scripts/Symbola_hint.ttf"),
];

/// Adds the fallback fonts found; returns the names of those it could not read.
pub fn install_fallbacks(ctx: &egui::Context) -> Vec<String> {
    let mut missing = Vec::new();
    for (name, path) in FALLBACKS {
        match std::fs::read(path) {
            Ok(bytes) => ctx.add_font(FontInsert::new(
                name,
                FontData::from_owned(bytes),
                [FontFamily::Proportional, FontFamily::Monospace]
                    .into_iter()
                    .map(|family| InsertFontFamily { family, priority: FontPriority::Lowest })
                    .collect(),
            )),
            Err(_) => missing.push((*path).to_owned()),
        }
    }
    missing
}
