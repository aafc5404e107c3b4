//! The ringtone for incoming calls: it rings while a call waits to be answered here and no
//! other call is up (during a call the call-waiting beep says it instead), and stops when
//! the call is answered, rejected, cancelled or auto-answered.

use super::api::{CallState, Event};
use super::core::Phone;

impl Phone {
    /// Starts or stops the ringtone to match the calls; call after anything that changes
    /// them.
    pub(super) fn update_ringing(&mut self) {
        let waiting =
            self.calls.values().any(|c| c.state == CallState::Incoming && c.answer_at.is_none());
        let busy = self.calls.values().any(|c| c.is_up() && c.monitor.is_none());
        if let Some(problem) = self.media.ring(waiting && !busy) {
            self.emit(Event::Error { message: problem, command: None });
        }
    }
}
