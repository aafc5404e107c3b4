//! The window's design constants — spacing, sizes, corner radii, the colours of agent and
//! interaction states in light and dark themes — and their installation into egui (the
//! icon font, spacing, the theme from the configuration or the system). Every panel
//! takes its measures from here, so the window keeps one rhythm.

use earshot_engine::phone::config::ThemeChoice;
use eframe::egui::{self, Color32, CornerRadius, Margin, Stroke};

/// The spacing unit: gaps are 1, 2 or 3 of these.
pub const GAP: f32 = 4.0;
/// Between the controls of a row.
pub const ITEM_GAP: f32 = 2.0 * GAP;
/// Between sections of a panel.
pub const SECTION_GAP: f32 = 3.0 * GAP;
/// Around the window's content.
pub const WINDOW_MARGIN: Margin = Margin { left: 12, right: 12, top: 10, bottom: 10 };
/// Inside cards and bars.
pub const CARD_MARGIN: i8 = 10;
pub const CARD_RADIUS: u8 = 8;
pub const BUTTON_RADIUS: u8 = 6;
/// Icons in buttons and rows, and the larger ones of the preview.
pub const ICON_SIZE: f32 = 18.0;
pub const BIG_ICON_SIZE: f32 = 26.0;
/// The state dot of the top bar and the team list.
pub const DOT_RADIUS: f32 = 5.0;
/// Text fields in forms.
pub const FIELD_WIDTH: f32 = 240.0;

/// What a state's colour means; each has a light-theme and a dark-theme shade that keep
/// 4.5:1 contrast as text on the theme's background (WCAG 2.1 §1.4.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Ready, good quality.
    Good,
    /// Busy, after-call work, an offer waiting.
    Busy,
    /// Not Ready, an error, Hang up.
    Bad,
    /// Talking, selected.
    Accent,
    /// Logged out, finished.
    Quiet,
}

/// The colour of `tone` in the theme `ui` shows.
pub fn colour(ui: &egui::Ui, tone: Tone) -> Color32 {
    let dark = ui.visuals().dark_mode;
    match (tone, dark) {
        (Tone::Good, false) => Color32::from_rgb(0x1b, 0x7a, 0x3a),
        (Tone::Good, true) => Color32::from_rgb(0x5c, 0xd0, 0x7e),
        (Tone::Busy, false) => Color32::from_rgb(0x9a, 0x5b, 0x00),
        (Tone::Busy, true) => Color32::from_rgb(0xf0, 0xb0, 0x4a),
        (Tone::Bad, false) => Color32::from_rgb(0xb4, 0x23, 0x18),
        (Tone::Bad, true) => Color32::from_rgb(0xff, 0x7b, 0x6e),
        (Tone::Accent, false) => Color32::from_rgb(0x1f, 0x5f, 0xbf),
        (Tone::Accent, true) => Color32::from_rgb(0x7c, 0xb4, 0xff),
        (Tone::Quiet, _) => ui.visuals().weak_text_color(),
    }
}

/// The tone of an agent state (`ready`, `not-ready`, …).
pub fn agent_tone(state: &str, busy: bool) -> Tone {
    match state {
        "ready" if !busy => Tone::Good,
        "ready" | "after-call-work" => Tone::Busy,
        "not-ready" => Tone::Bad,
        _ => Tone::Quiet,
    }
}

/// The tone of an interaction state.
pub fn interaction_tone(state: &str) -> Tone {
    match state {
        "offered" | "wrap-up" => Tone::Busy,
        "active" => Tone::Accent,
        "missed" | "abandoned" => Tone::Bad,
        _ => Tone::Quiet,
    }
}

/// A card: the preview, the selected interaction, a monitored agent.
pub fn card(ui: &egui::Ui) -> egui::Frame {
    egui::Frame::new()
        .inner_margin(Margin::same(CARD_MARGIN))
        .corner_radius(CornerRadius::same(CARD_RADIUS))
        .fill(ui.visuals().faint_bg_color)
        .stroke(ui.visuals().widgets.noninteractive.bg_stroke)
}

/// A card that asks for attention (the preview): the accent's border and a shadow.
pub fn alert_card(ui: &egui::Ui) -> egui::Frame {
    egui::Frame::new()
        .inner_margin(Margin::same(CARD_MARGIN + 2))
        .corner_radius(CornerRadius::same(CARD_RADIUS))
        .fill(ui.visuals().window_fill)
        .stroke(Stroke::new(2.0, colour(ui, Tone::Busy)))
        .shadow(ui.visuals().popup_shadow)
}

/// Installs the icon font, the fallback fonts, the spacing and the theme.
pub fn install(ctx: &egui::Context, theme: ThemeChoice) {
    egui_material_icons::initialize(ctx);
    crate::fonts::install_fallbacks(ctx);
    ctx.set_theme(match theme {
        ThemeChoice::System => egui::ThemePreference::System,
        ThemeChoice::Light => egui::ThemePreference::Light,
        ThemeChoice::Dark => egui::ThemePreference::Dark,
    });
    ctx.all_styles_mut(|style| {
        style.spacing.item_spacing = egui::vec2(ITEM_GAP, GAP + 2.0);
        style.spacing.button_padding = egui::vec2(8.0, 4.0);
        style.spacing.interact_size.y = 26.0;
        style.spacing.window_margin = Margin::same(CARD_MARGIN);
        // Fields and buttons keep a visible edge in the light theme too (WCAG 2.1 §1.4.11:
        // the boundary of a control is contrast that matters).
        let edge = style.visuals.widgets.noninteractive.fg_stroke.color.gamma_multiply(0.35);
        style.visuals.widgets.inactive.bg_stroke = Stroke::new(1.0, edge);
        for w in [
            &mut style.visuals.widgets.inactive,
            &mut style.visuals.widgets.hovered,
            &mut style.visuals.widgets.active,
            &mut style.visuals.widgets.open,
        ] {
            w.corner_radius = CornerRadius::same(BUTTON_RADIUS);
        }
    });
}
