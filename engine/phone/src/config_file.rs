//! Settings changed in the window written back to the configuration file, keeping the
//! user's comments and layout (`toml_edit`); the file is replaced whole (written beside
//! it, then renamed), so a crash leaves the old or the new one, never half of each.

use std::path::Path;

use toml_edit::{ArrayOfTables, DocumentMut, Item, Table, value};

use super::config::{
    Account, AudioSettings, ConfigError, DEFAULT_FILE, ThemeChoice, Transport, WindowSettings,
};

/// Sets the `[audio]` devices (an absent choice removes the key: the system default) and
/// the ring volume.
pub fn save_audio(path: &Path, audio: &AudioSettings) -> Result<(), ConfigError> {
    edit(path, |doc| {
        let table = doc.entry("audio").or_insert(Item::Table(Table::new()));
        let Some(table) = table.as_table_mut() else {
            return Err("[audio] is not a table".into());
        };
        for (key, choice) in
            [("input", &audio.input), ("output", &audio.output), ("ringing", &audio.ringing)]
        {
            match choice {
                Some(name) => {
                    table.insert(key, value(name.as_str()));
                }
                None => {
                    table.remove(key);
                }
            }
        }
        // Full volume is the default: the key only when it is not.
        if audio.ring_volume == 100 {
            table.remove("ring_volume");
        } else {
            table.insert("ring_volume", value(i64::from(audio.ring_volume)));
        }
        Ok(())
    })
}

/// Makes `account` the first `[[accounts]]` entry (the one in use), or removes the first
/// entry when `None`; other entries stay as they are.
pub fn save_account(path: &Path, account: Option<&Account>) -> Result<(), ConfigError> {
    edit(path, |doc| {
        let item = doc.entry("accounts").or_insert(Item::ArrayOfTables(ArrayOfTables::new()));
        let Some(list) = item.as_array_of_tables_mut() else {
            return Err("accounts is not a list of [[accounts]] tables".into());
        };
        let rest: Vec<Table> = list.iter().skip(1).cloned().collect();
        let mut fresh = ArrayOfTables::new();
        if let Some(a) = account {
            fresh.push(account_table(a));
        }
        for t in rest {
            fresh.push(t);
        }
        *list = fresh;
        if list.is_empty() {
            doc.remove("accounts");
        }
        Ok(())
    })
}

fn account_table(a: &Account) -> Table {
    let mut t = Table::new();
    t.insert("aor", value(a.aor.as_str()));
    if let Some(u) = &a.auth_user {
        t.insert("auth_user", value(u.as_str()));
    }
    t.insert("password", value(a.password.as_str()));
    if let Some(r) = &a.registrar {
        t.insert("registrar", value(r.as_str()));
    }
    if let Some(p) = &a.outbound_proxy {
        t.insert("outbound_proxy", value(p.as_str()));
    }
    let transport = match a.transport {
        Transport::Udp => "udp",
        Transport::Tcp => "tcp",
    };
    t.insert("transport", value(transport));
    t.insert("expires", value(i64::from(a.expires)));
    t
}

/// Sets the `[window]` language and theme (an absent language removes the key: the
/// system's locale).
pub fn save_window(path: &Path, window: &WindowSettings) -> Result<(), ConfigError> {
    edit(path, |doc| {
        let table = doc.entry("window").or_insert(Item::Table(Table::new()));
        let table = table.as_table_mut().ok_or("[window] is not a table")?;
        match &window.language {
            Some(l) => {
                table.insert("language", value(l.as_str()));
            }
            None => {
                table.remove("language");
            }
        }
        let theme = match window.theme {
            ThemeChoice::System => "system",
            ThemeChoice::Light => "light",
            ThemeChoice::Dark => "dark",
        };
        table.insert("theme", value(theme));
        Ok(())
    })
}

/// Reads the file (the commented defaults if there is none), applies `change`, checks
/// that the result still loads, and replaces the file.
fn edit(
    path: &Path,
    change: impl FnOnce(&mut DocumentMut) -> Result<(), String>,
) -> Result<(), ConfigError> {
    let invalid = |message: String| ConfigError::Invalid { path: path.to_owned(), message };
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => DEFAULT_FILE.to_owned(),
        Err(source) => return Err(ConfigError::Read { path: path.to_owned(), source }),
    };
    let mut doc: DocumentMut =
        text.parse().map_err(|e: toml_edit::TomlError| invalid(e.to_string()))?;
    change(&mut doc).map_err(invalid)?;
    let new_text = doc.to_string();
    super::config::Config::parse(&new_text, path)?;
    let write = |source| ConfigError::Write { path: path.to_owned(), source };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(write)?;
    }
    let temporary = path.with_extension("toml.new");
    std::fs::write(&temporary, new_text).map_err(write)?;
    std::fs::rename(&temporary, path).map_err(write)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn scratch(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("earshot-config-file-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir.join(name)
    }

    #[test]
    fn devices_are_saved_and_the_comments_stay() {
        let path = scratch("audio.toml");
        std::fs::write(&path, DEFAULT_FILE).unwrap();
        let audio = AudioSettings {
            input: Some("USB Headset".into()),
            output: Some("USB Headset".into()),
            ringing: None,
            ring_volume: 100,
        };
        save_audio(&path, &audio).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let c = Config::parse(&text, &path).unwrap();
        assert_eq!(c.audio, audio);
        assert!(text.contains("# Earshot configuration."), "{text}");
        assert!(text.contains("# ringing = \"Speakers\""), "{text}");
        // Back to the defaults: the keys go.
        save_audio(&path, &AudioSettings::default()).unwrap();
        let c = Config::parse(&std::fs::read_to_string(&path).unwrap(), &path).unwrap();
        assert_eq!(c, Config::default());
    }

    #[test]
    fn the_account_is_set_replaced_and_removed() {
        let path = scratch("account.toml");
        let _ = std::fs::remove_file(&path);
        let mut a = Account {
            aor: "sip:1001@pbx.example.com".into(),
            auth_user: None,
            password: "s3cret \"quoted\"".into(),
            registrar: Some("127.0.0.1:5070".into()),
            outbound_proxy: None,
            transport: Transport::Tcp,
            expires: 300,
        };
        save_account(&path, Some(&a)).unwrap();
        let read = || Config::parse(&std::fs::read_to_string(&path).unwrap(), &path).unwrap();
        assert_eq!(read().accounts, [a.clone()]);
        a.aor = "sip:1002@pbx.example.com".into();
        save_account(&path, Some(&a)).unwrap();
        assert_eq!(read().accounts, [a.clone()]);
        save_account(&path, None).unwrap();
        assert!(read().accounts.is_empty());
        assert!(std::fs::read_to_string(&path).unwrap().contains("# [[accounts]]"));
    }

    #[test]
    fn a_broken_file_is_left_alone() {
        let path = scratch("broken.toml");
        std::fs::write(&path, "[audio\ninput = 1\n").unwrap();
        let e = save_audio(&path, &AudioSettings::default()).unwrap_err().to_string();
        assert!(e.contains("broken.toml"), "{e}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "[audio\ninput = 1\n");
    }
}
