//! Tower middleware: [`AuthLayer`] authenticates, [`GuardLayer`] authorizes.

mod authenticate;
mod guard;

pub use authenticate::{AuthLayer, AuthService, Mode, ResponseFuture};
pub use guard::{GuardFuture, GuardLayer, GuardService};
