//! Errors of SDP parsing and negotiation.

/// Why an SDP body could not be used; negotiation failures map to 488 (RFC 3261 §21.4.26).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SdpError {
    #[error("SDP is not UTF-8")]
    NotUtf8,
    #[error("SDP line {line}: {reason}")]
    Line { line: usize, reason: &'static str },
    #[error("SDP lacks a mandatory {0}= line")]
    Missing(char),
    #[error("no audio stream in common")]
    NoCommonCodec,
    #[error("answer does not match the offer: {0}")]
    AnswerMismatch(&'static str),
}
