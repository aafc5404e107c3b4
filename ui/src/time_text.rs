//! Times and durations as the agent reads them: a moment in the agent's time zone (the
//! system's, `TZ` or `/etc/localtime`) written the agent's language's way ("Dec 5, 14:05",
//! "5 déc., 14 h 05", "Today, 14:05"), and clocks ("4:05", "1:02:03").

use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::i18n::{Arg, Translator};

/// "4:05" for 245 s; "1:02:03" past the hour.
pub fn clock_text(ms: u64) -> String {
    let s = ms / 1000;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

/// The Unix-millisecond moment `ms` in `zone`, relative to `now_ms` (today's show the time
/// only, other years show the year).
pub fn moment_text(tr: &Translator, zone: &TimeZone, ms: i64, now_ms: i64) -> String {
    let (Ok(at), Ok(now)) = (Timestamp::from_millisecond(ms), Timestamp::from_millisecond(now_ms))
    else {
        return String::new();
    };
    let (at, now) = (at.to_zoned_datetime(zone.clone()), now.to_zoned_datetime(zone.clone()));
    let hour = at.hour().to_string();
    let minute = format!("{:02}", at.minute());
    let month = tr.t(&format!("month-{}", at.month()));
    let day = at.day().to_string();
    let year = at.year().to_string();
    if at.date() == now.date() {
        tr.t_with("today-time", &[("hour", Arg::Text(&hour)), ("minute", Arg::Text(&minute))])
    } else {
        let key = if at.year() == now.year() { "date-time" } else { "date-time-year" };
        tr.t_with(
            key,
            &[
                ("month", Arg::Text(&month)),
                ("day", Arg::Text(&day)),
                ("year", Arg::Text(&year)),
                ("hour", Arg::Text(&hour)),
                ("minute", Arg::Text(&minute)),
            ],
        )
    }
}

/// The agent's time zone (UTC when the system names none that can be read).
pub fn agent_zone() -> TimeZone {
    TimeZone::try_system().unwrap_or(TimeZone::UTC)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clocks() {
        assert_eq!(clock_text(245_000), "4:05");
        assert_eq!(clock_text(3_723_000), "1:02:03");
        assert_eq!(clock_text(0), "0:00");
    }

    #[test]
    fn moments_in_the_agents_zone_and_language() {
        // Montréal in winter (EST, UTC−5): a fixed offset, so that the test does not
        // depend on the machine's time zone database.
        let montreal = TimeZone::fixed(jiff::tz::offset(-5));
        // 2026-11-24 15:30 UTC is 10:30 in Montréal.
        let at = 1_795_534_200_000;
        let next_day = at + 86_400_000;
        let en = Translator::new("en");
        let fr = Translator::new("fr-CA");
        assert_eq!(moment_text(&en, &montreal, at, at + 60_000), "Today, 10:30");
        assert_eq!(moment_text(&fr, &montreal, at, at + 60_000), "Aujourd'hui, 10 h 30");
        assert_eq!(moment_text(&en, &montreal, at, next_day), "Nov 24, 10:30");
        assert_eq!(moment_text(&fr, &montreal, at, next_day), "24 nov., 10 h 30");
        let next_year = at + 400 * 86_400_000;
        assert_eq!(moment_text(&en, &montreal, at, next_year), "Nov 24, 2026, 10:30");
        assert_eq!(moment_text(&fr, &montreal, at, next_year), "24 nov. 2026, 10 h 30");
        assert_eq!(moment_text(&en, &TimeZone::UTC, at, next_day), "Nov 24, 15:30");
    }
}
