//! Tower middleware: [`AuthLayer`] authenticates, [`GuardLayer`] authorizes.

mod authenticate;
mod guard;

pub use authenticate::{AuthFuture, AuthLayer, AuthLayerService, Mode};
pub use guard::{GuardFuture, GuardLayer, GuardService};
