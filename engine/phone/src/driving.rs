//! The phone core's sans-IO surface, as its driver (driver.rs) and its tests use it: the
//! inputs besides commands (the user agent's reports, wake-ups), the next wake-up, and
//! what the core hands back (events for the agent, effects for the driver); quitting.

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant, SystemTime};

use earshot_sip::ua::UserAgent;

use super::api::{CallId, Event};
use super::core::{IDLE_TICK, Phone, TICK};
use super::effect::Effect;
use super::problem::Problem;

/// How long quitting waits for the user agent to unregister and hang up.
const QUIT_WAIT: Duration = Duration::from_secs(2);

impl Phone {
    /// The user agent, for the driver to hand it bytes and take its transmissions.
    pub fn agent(&mut self) -> &mut UserAgent {
        &mut self.ua
    }

    /// After every input: acts on what the user agent reported, then on what changed
    /// (the ringtone, monitoring calls left alone, "monitor next call" requests, the
    /// dialog state our supervisors see, hold wishes that waited).
    pub fn settle(&mut self, now: Instant, wall: SystemTime) {
        self.now = now;
        self.wall = wall;
        while let Some(e) = self.ua.poll_event() {
            self.ua_event(e);
        }
        if self.stopping.is_some() {
            return;
        }
        self.update_ringing();
        self.end_orphan_monitors();
        self.start_next_calls();
        self.publish_dialogs();
        self.apply_wanted_holds();
        self.desk_flush();
        self.email_hunger();
        // A call just came or went: the housekeeping's pace follows.
        self.next_tick = self.next_tick.min(now + self.tick_period());
    }

    /// How often the housekeeping runs now.
    fn tick_period(&self) -> Duration {
        if self.calls.is_empty() { IDLE_TICK } else { TICK }
    }

    /// The phone's next wake-up besides the user agent's timers: its housekeeping (every
    /// 20 ms with calls, every second without) or the desk's next deadline, or the end of
    /// the wait when quitting.
    pub fn poll_timeout(&self) -> Option<Instant> {
        match self.stopping {
            Some(until) => Some(until),
            None => {
                Some(self.desk.poll_timeout().map_or(self.next_tick, |d| d.min(self.next_tick)))
            }
        }
    }

    /// A wake-up: the user agent's timers that are due, and the housekeeping when due.
    pub fn timeout(&mut self, now: Instant, wall: SystemTime) {
        self.now = now;
        self.wall = wall;
        self.ua.handle_timeout(now);
        if self.stopping.is_none() && now >= self.next_tick {
            self.next_tick = now + self.tick_period();
            self.tick();
        }
        if self.stopping.is_none() {
            self.desk_tick();
        }
        self.desk_flush();
    }

    /// The next event for the agent.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// The next thing for the driver to do.
    pub fn poll_effect(&mut self) -> Option<Effect> {
        self.effects.pop_front()
    }

    /// Stops ringing, ends every call, and lets the user agent unregister and hang up.
    pub(super) fn quit(&mut self) {
        if self.stopping.is_some() {
            return;
        }
        let _ = self.media.ring(None);
        let ids: Vec<CallId> = self.calls.keys().copied().collect();
        for id in ids {
            self.end(id, None, "local".into());
        }
        self.ua.shutdown(self.now);
        self.stopping = Some(self.now + QUIT_WAIT);
    }

    /// True once quitting is over (the user agent idle, or the wait spent): the audio is
    /// stopped and `stopped` reported.
    pub fn finished(&mut self, now: Instant) -> bool {
        let Some(until) = self.stopping else { return false };
        if !self.stopped && (self.ua.is_idle() || now >= until) {
            self.stopped = true;
            self.media.stop(now);
            self.emit(Event::Stopped);
        }
        self.stopped
    }
}

impl Phone {
    /// Stops at once (nothing can reach the phone any more): ends calls, stops the audio.
    pub fn stop_now(&mut self, now: Instant) {
        self.quit();
        self.stopping = Some(now);
        self.finished(now);
    }

    /// A problem the driver met outside the core (a device, the history, DNS set-up),
    /// reported to the agent in order with the core's own events.
    pub fn report_error(&mut self, problem: Problem) {
        self.emit(Event::problem(problem, None));
    }
}

impl Phone {
    /// The host's address on its default route changed (the driver watches it when the
    /// configuration pins no address): SIP requests and new calls' media use the new one,
    /// and the account registers its new Contact in place of the old (RFC 3261 §10.2.2).
    /// Calls already up keep their media where it was.
    pub fn address_changed(&mut self, ip: IpAddr, now: Instant, wall: SystemTime) {
        self.now = now;
        self.wall = wall;
        let port = self.ua.config().local.port();
        let local = SocketAddr::new(ip, port);
        if local == self.ua.config().local {
            return;
        }
        self.address = ip;
        self.ua.change_address(local, now);
        if self.config.accounts.is_empty() {
            self.local_uri = self.peer_to_peer_uri();
        }
        let uri = self.local_uri.clone();
        self.emit(Event::Ready { uri, listen: local.to_string() });
    }

    /// Whether the configuration lets the address follow the default route.
    pub fn follows_default_route(&self) -> bool {
        self.config.sip.address.is_none()
    }

    /// The address SIP and media use now.
    pub fn address(&self) -> IpAddr {
        self.address
    }
}
