//! The icons the window uses (Material Symbols, from `egui_material_icons`) and buttons
//! that pair an icon with a label and, where there is one, their shortcut. A screen
//! reader hears the label alone: the icon is a private-use glyph and the shortcut is
//! given as the button's description, so each button is announced by its name.

use eframe::egui::{Button, Response, RichText, Role, Ui, WidgetInfo};
use egui_material_icons::MaterialIcon;
pub use egui_material_icons::icons::*;

use crate::style::{ICON_SIZE, Tone, colour};

/// The icon for a channel (`voice`, `chat`, `email`).
pub fn channel_icon(channel: &str) -> MaterialIcon {
    match channel {
        "chat" => ICON_CHAT,
        "email" => ICON_MAIL,
        _ => ICON_CALL,
    }
}

/// An icon as text of the icon size, in `tone`'s colour if given.
pub fn icon(ui: &Ui, icon: MaterialIcon, tone: Option<Tone>) -> RichText {
    let text = icon.rich_text().size(ICON_SIZE);
    match tone {
        Some(t) => text.color(colour(ui, t)),
        None => text,
    }
}

/// A button with an icon, a label and (shown in small type) its shortcut; announced as
/// `label`, its shortcut as the description.
pub fn button(ui: &mut Ui, glyph: MaterialIcon, label: &str, shortcut: Option<&str>) -> Response {
    button_toned(ui, glyph, label, shortcut, None, true)
}

/// [`button`], disabled unless `enabled`.
pub fn button_enabled(
    ui: &mut Ui,
    enabled: bool,
    glyph: MaterialIcon,
    label: &str,
    shortcut: Option<&str>,
) -> Response {
    button_toned(ui, glyph, label, shortcut, None, enabled)
}

/// [`button`] whose icon and label take `tone`'s colour (Hang up in red, Accept in green).
pub fn button_toned(
    ui: &mut Ui,
    glyph: MaterialIcon,
    label: &str,
    shortcut: Option<&str>,
    tone: Option<Tone>,
    enabled: bool,
) -> Response {
    let text = match tone {
        Some(t) => RichText::new(label).color(colour(ui, t)),
        None => RichText::new(label),
    };
    let glyph = icon(ui, glyph, tone);
    let response = match shortcut {
        Some(keys) => {
            let keys = RichText::new(keys).small().color(ui.visuals().weak_text_color());
            ui.add_enabled(enabled, Button::new((glyph, text, keys)))
        }
        None => ui.add_enabled(enabled, Button::new((glyph, text))),
    };
    announce_as(&response, Role::Button, enabled, label, shortcut);
    response
}

/// A tab or toggle: an icon and a label, selected or not.
pub fn toggle(ui: &mut Ui, selected: bool, glyph: MaterialIcon, label: &str) -> Response {
    let glyph = icon(ui, glyph, selected.then_some(Tone::Accent));
    let response = ui.add(Button::selectable(selected, (glyph, RichText::new(label))));
    response.widget_info(|| WidgetInfo::selected(Role::Button, true, selected, label));
    response
}

/// Makes `response` read as `label` (its shortcut, if any, as the description).
pub fn announce_as(
    response: &Response,
    kind: Role,
    enabled: bool,
    label: &str,
    shortcut: Option<&str>,
) {
    response.widget_info(|| WidgetInfo::labeled(kind, enabled, label));
    if let Some(keys) = shortcut {
        let keys = keys.to_owned();
        response.ctx.accesskit_node_builder(response.id, move |node| node.set_description(keys));
    }
}
