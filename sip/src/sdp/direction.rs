//! Media direction attributes (RFC 3264 §5.1, §6.1) and how an answer mirrors an offer.

use std::fmt;

/// `a=sendrecv`, `a=sendonly`, `a=recvonly` or `a=inactive`, from the describer's side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Direction {
    #[default]
    SendRecv,
    SendOnly,
    RecvOnly,
    Inactive,
}

impl Direction {
    pub fn parse(attr: &str) -> Option<Direction> {
        match attr {
            "sendrecv" => Some(Direction::SendRecv),
            "sendonly" => Some(Direction::SendOnly),
            "recvonly" => Some(Direction::RecvOnly),
            "inactive" => Some(Direction::Inactive),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Direction::SendRecv => "sendrecv",
            Direction::SendOnly => "sendonly",
            Direction::RecvOnly => "recvonly",
            Direction::Inactive => "inactive",
        }
    }

    pub fn sends(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::SendOnly)
    }

    pub fn receives(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::RecvOnly)
    }

    /// The same stream seen from the other end.
    pub fn reversed(self) -> Direction {
        match self {
            Direction::SendOnly => Direction::RecvOnly,
            Direction::RecvOnly => Direction::SendOnly,
            d => d,
        }
    }

    /// The direction to answer with (RFC 3264 §6.1): the offer's direction reversed,
    /// narrowed by what the answerer itself wants.
    pub fn answer_to(offered: Direction, wanted: Direction) -> Direction {
        offered.reversed().intersect(wanted)
    }

    /// What both directions allow.
    pub fn intersect(self, other: Direction) -> Direction {
        let send = self.sends() && other.sends();
        let recv = self.receives() && other.receives();
        match (send, recv) {
            (true, true) => Direction::SendRecv,
            (true, false) => Direction::SendOnly,
            (false, true) => Direction::RecvOnly,
            (false, false) => Direction::Inactive,
        }
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::Direction::*;
    use super::*;

    #[test]
    fn answers_mirror_offers() {
        assert_eq!(Direction::answer_to(SendOnly, SendRecv), RecvOnly);
        assert_eq!(Direction::answer_to(RecvOnly, SendRecv), SendOnly);
        assert_eq!(Direction::answer_to(Inactive, SendRecv), Inactive);
        assert_eq!(Direction::answer_to(SendRecv, SendOnly), SendOnly);
        assert_eq!(Direction::answer_to(SendOnly, SendOnly), Inactive);
    }
}
