//! Why the desk refused a request (an agent's command or a channel's report): nothing has
//! changed when one of these is returned.

use crate::interaction::{InteractionId, State};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeskError {
    #[error("no interaction {0}")]
    UnknownInteraction(InteractionId),
    #[error("interaction {id} is {state}: {wanted} is not possible now")]
    NotNow { id: InteractionId, state: State, wanted: &'static str },
    #[error("interaction {0} needs a disposition before it is done (wrap-up is mandatory)")]
    DispositionRequired(InteractionId),
    #[error("unknown disposition code {0:?}")]
    UnknownDisposition(String),
    #[error("unknown not-ready reason {0:?} (the configured reasons: {1})")]
    UnknownReason(String, String),
    #[error("case field {0:?} is not editable")]
    FieldNotEditable(String),
    #[error("no case field {0:?}")]
    UnknownField(String),
    #[error("the agent is logged out: log in (state ready or not-ready) first")]
    LoggedOut,
    #[error("interactions are still open: finish them before logging out")]
    InteractionsOpen,
}
