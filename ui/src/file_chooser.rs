//! A file chooser inside the window (DESIGN.md §7 "Email": files attached, attachments
//! saved where the agent chooses): a folder's content — folders first, then files with
//! their size, hidden ones left out —, Up and Home, and a name field that also takes a
//! whole path. Attaching asks for a file that exists; saving says when a file would be
//! replaced. Drawn with egui (no native dialog: nothing to install, and it is tested
//! headless like the rest of the window).

use std::path::{Path, PathBuf};

use eframe::egui::{self, RichText};

use crate::i18n::{Arg, Translator};
use crate::icons;
use crate::style::{Tone, colour};

/// What the file is chosen for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Purpose {
    /// A file to attach (it must exist).
    Attach,
    /// Where to save an attachment (named `name` by default).
    Save,
}

/// One entry of the folder shown.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    name: String,
    folder: bool,
    size: u64,
}

/// What became of the chooser this frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Chosen {
    Still,
    Picked(PathBuf),
    Cancelled,
}

/// The chooser's state.
#[derive(Debug, Clone)]
pub struct FileChooser {
    pub purpose: Purpose,
    /// The folder shown.
    pub dir: PathBuf,
    /// The file's name (or a whole path) as typed or picked.
    pub name: String,
    /// The folder's entries as last read, or why they could not be.
    listing: Option<(PathBuf, Result<Vec<Entry>, String>)>,
    /// Why the last pick was not taken.
    problem: Option<String>,
}

/// The tallest the folder's list grows before it scrolls.
const LIST_HEIGHT: f32 = 220.0;

impl FileChooser {
    /// A chooser for a file to attach, in `dir`.
    pub fn attach(dir: &Path) -> FileChooser {
        FileChooser::new(Purpose::Attach, dir, "")
    }

    /// A chooser for where to save `name`, in `dir`.
    pub fn save(dir: &Path, name: &str) -> FileChooser {
        FileChooser::new(Purpose::Save, dir, name)
    }

    fn new(purpose: Purpose, dir: &Path, name: &str) -> FileChooser {
        FileChooser {
            purpose,
            dir: dir.to_owned(),
            name: name.to_owned(),
            listing: None,
            problem: None,
        }
    }

    /// The path the name field says (a whole path typed, or a name in the folder).
    pub fn path(&self) -> PathBuf {
        let typed = self.name.trim();
        let typed =
            typed.strip_prefix("~/").map_or_else(|| PathBuf::from(typed), |rest| home().join(rest));
        if typed.is_absolute() { typed } else { self.dir.join(typed) }
    }

    /// The folder's entries, read again when the folder changed.
    fn entries(&mut self) -> Result<Vec<Entry>, String> {
        match &self.listing {
            Some((d, entries)) if *d == self.dir => entries.clone(),
            _ => {
                let entries = read_folder(&self.dir);
                self.listing = Some((self.dir.clone(), entries.clone()));
                entries
            }
        }
    }

    /// The chooser, and what the agent did with it.
    pub fn show(&mut self, ui: &mut egui::Ui, tr: &Translator) -> Chosen {
        let mut chosen = Chosen::Still;
        let (title, confirm) = match self.purpose {
            Purpose::Attach => (tr.t("file-attach-title"), tr.t("file-attach")),
            Purpose::Save => (tr.t("file-save-title"), tr.t("file-save")),
        };
        ui.label(RichText::new(title).strong());
        ui.horizontal(|ui| {
            let up = self.dir.parent().map(Path::to_owned);
            if icons::button_enabled(
                ui,
                up.is_some(),
                icons::ICON_ARROW_UPWARD,
                &tr.t("file-up"),
                None,
            )
            .clicked()
                && let Some(up) = up
            {
                self.dir = up;
            }
            if icons::button(ui, icons::ICON_HOME, &tr.t("file-home"), None).clicked() {
                self.dir = home();
            }
            ui.label(RichText::new(self.dir.display().to_string()).monospace().small());
        });
        let mut enter = None;
        let mut pick = None;
        let chosen_name = self.name.clone();
        let entries = self.entries();
        egui::ScrollArea::vertical()
            .id_salt("file-chooser")
            .max_height(LIST_HEIGHT)
            .auto_shrink([false, true])
            .show(ui, |ui| match &entries {
                Err(why) => {
                    let text = tr.t_with("file-unreadable", &[("why", Arg::Text(why))]);
                    ui.label(RichText::new(text).color(colour(ui, Tone::Bad)));
                }
                Ok(list) if list.is_empty() => {
                    ui.weak(tr.t("file-empty-folder"));
                }
                Ok(list) => {
                    for e in list {
                        ui.horizontal(|ui| {
                            let glyph =
                                if e.folder { icons::ICON_FOLDER } else { icons::ICON_DESCRIPTION };
                            ui.label(icons::icon(ui, glyph, None));
                            let row =
                                ui.selectable_label(!e.folder && e.name == chosen_name, &e.name);
                            if !e.folder {
                                ui.weak(
                                    RichText::new(crate::email_panel::size_text(e.size)).small(),
                                );
                            }
                            if row.double_clicked() && !e.folder {
                                pick = Some(e.name.clone());
                            } else if row.clicked() {
                                if e.folder {
                                    enter = Some(e.name.clone());
                                } else {
                                    self.name = e.name.clone();
                                }
                            }
                        });
                    }
                }
            });
        if let Some(folder) = enter {
            self.dir = self.dir.join(folder);
        }
        ui.horizontal(|ui| {
            ui.label(tr.t("file-name"));
            let field = ui
                .add(
                    egui::TextEdit::singleline(&mut self.name)
                        .desired_width(ui.available_width())
                        .hint_text(tr.t("file-name-hint")),
                )
                .accessible_name(tr.t("file-name"));
            if field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
                pick = Some(self.name.clone());
            }
        });
        let path = self.path();
        if self.purpose == Purpose::Save && path.is_file() {
            let text =
                tr.t_with("file-replaces", &[("name", Arg::Text(&path.display().to_string()))]);
            ui.label(RichText::new(text).small().color(colour(ui, Tone::Busy)));
        }
        if let Some(problem) = &self.problem {
            ui.label(RichText::new(problem).small().color(colour(ui, Tone::Bad)));
        }
        ui.horizontal(|ui| {
            let named = !self.name.trim().is_empty();
            let glyph = match self.purpose {
                Purpose::Attach => icons::ICON_ATTACH_FILE,
                Purpose::Save => icons::ICON_DOWNLOAD,
            };
            if icons::button_enabled(ui, named, glyph, &confirm, None).clicked() {
                pick = Some(self.name.clone());
            }
            if icons::button(ui, icons::ICON_CLOSE, &tr.t("file-cancel"), None).clicked() {
                chosen = Chosen::Cancelled;
            }
        });
        if let Some(name) = pick {
            self.name = name;
            let path = self.path();
            if path.is_dir() {
                // A folder typed: go there.
                self.dir = path;
                self.name.clear();
            } else if self.purpose == Purpose::Attach && !path.is_file() {
                let shown = path.display().to_string();
                self.problem = Some(tr.t_with("file-missing", &[("path", Arg::Text(&shown))]));
            } else {
                chosen = Chosen::Picked(path);
            }
        }
        chosen
    }
}

/// The agent's home folder.
pub fn home() -> PathBuf {
    std::env::var_os("HOME").map_or_else(|| PathBuf::from("/"), PathBuf::from)
}

/// A folder's entries: folders first, then files, each by name (case-insensitive); hidden
/// ones (a leading dot) left out.
fn read_folder(dir: &Path) -> Result<Vec<Entry>, String> {
    let mut out = Vec::new();
    for item in std::fs::read_dir(dir).map_err(|e| e.to_string())? {
        let Ok(item) = item else { continue };
        let name = item.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        // Follows links: a link to a folder is a folder.
        let meta = std::fs::metadata(item.path());
        let folder = meta.as_ref().is_ok_and(std::fs::Metadata::is_dir);
        let size = meta.map_or(0, |m| m.len());
        out.push(Entry { name, folder, size });
    }
    out.sort_by_key(|e| (!e.folder, e.name.to_lowercase()));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_come_first_hidden_ones_are_left_out_and_paths_are_read_as_typed() {
        let dir = std::env::temp_dir().join(format!("earshot-chooser-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("Zeta")).unwrap();
        std::fs::write(dir.join("b.pdf"), b"1234").unwrap();
        std::fs::write(dir.join("A.txt"), b"").unwrap();
        std::fs::write(dir.join(".hidden"), b"").unwrap();
        let names: Vec<(String, bool, u64)> =
            read_folder(&dir).unwrap().into_iter().map(|e| (e.name, e.folder, e.size)).collect();
        assert_eq!(
            names,
            [
                ("Zeta".into(), true, names[0].2),
                ("A.txt".into(), false, 0),
                ("b.pdf".into(), false, 4)
            ]
        );
        let mut c = FileChooser::save(&dir, "receipt.png");
        assert_eq!(c.path(), dir.join("receipt.png"));
        c.name = "/tmp/elsewhere.png".into();
        assert_eq!(c.path(), PathBuf::from("/tmp/elsewhere.png"));
        assert!(read_folder(&dir.join("nope")).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
