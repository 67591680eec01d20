//! Second factors in the flows: TOTP and recovery codes (enrolment, removal, regeneration),
//! the second step of a login that needs one, and what a host configures for them
//! ([`SecondFactorSetup`]).
//!
//! # The login step
//! With a [`SecondFactorSetup`] on the service, a password login of an account whose TOTP is
//! confirmed does not answer tokens: it answers [`AuthError::SecondFactorRequired`] carrying
//! a [`SecondFactorChallenge`] — a single-use, short-lived token naming the methods the user
//! may complete it with. [`AuthService::complete_second_factor`] takes the token and a
//! [`SecondFactorProof`] (a TOTP code or a recovery code) and answers the token pair, whose
//! access token says `amr: ["pwd", "otp", "mfa"]` (a recovery code is a one-time
//! password too; the audit trail tells them apart).
//!
//! Every completion consumes its challenge. A wrong proof answers
//! [`AuthError::InvalidSecondFactor`] with a *new* challenge while attempts remain (five per
//! login by default), so a typo costs no second password; the attempts are also counted on
//! the login throttle of the account (per client network and account-wide), like passwords.
//! Unknown, expired, replayed and used-up challenges, wrong and replayed codes all answer the
//! same way.

mod challenge;
mod setup;
mod totp;

pub use challenge::{SecondFactorChallenge, SecondFactorMethod, SecondFactorProof};
pub use setup::SecondFactorSetup;
pub use totp::SecondFactorStatus;
