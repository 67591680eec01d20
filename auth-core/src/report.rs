//! Writing an error with every cause beneath it, for logs.
//!
//! This crate's errors say only what a client may hear ("storage failure"); the cause — the
//! database's own message, the mail relay's answer — is kept as the error's
//! [`source`](std::error::Error::source), often two or three levels down. Logging `%error`
//! alone loses it; [`ErrorChain`] writes the whole chain.

use std::error::Error;
use std::fmt;

/// How many causes are written at most: a cycle or a pathological chain cannot make a log
/// line unbounded.
const MAX_DEPTH: usize = 8;

/// An error and its causes, written `error: cause: deeper cause`, for log lines.
///
/// A cause whose text the level above already shows (`#[error(transparent)]`, or a message
/// that embeds `{source}`) is written once. Nothing here adds to what the errors themselves
/// say: store and provider errors keep secrets out of their messages (see
/// [`redact`](crate::redact)), and this is for logs, never for a response.
///
/// ```
/// use auth_core::ErrorChain;
/// use auth_core::store::StoreError;
/// use auth_core::flows::AuthError;
///
/// let error = AuthError::from(StoreError::backend(std::io::Error::other(
///     "connection reset by peer",
/// )));
/// assert_eq!(error.to_string(), "storage failure"); // what a client may hear
/// assert_eq!(
///     ErrorChain::new(&error).to_string(),
///     "storage failure: storage backend failure: connection reset by peer"
/// );
/// // In a host: tracing::error!(error = %ErrorChain::new(&error), "signup failed");
/// ```
#[derive(Clone, Copy)]
pub struct ErrorChain<'a>(&'a (dyn Error + 'a));

impl<'a> ErrorChain<'a> {
    /// The chain starting at `error`.
    pub fn new(error: &'a (dyn Error + 'a)) -> Self {
        Self(error)
    }
}

impl fmt::Display for ErrorChain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut shown = self.0.to_string();
        f.write_str(&shown)?;
        let mut next = self.0.source();
        for _ in 0..MAX_DEPTH {
            let Some(cause) = next else {
                return Ok(());
            };
            let text = cause.to_string();
            if !text.is_empty() && !shown.contains(&text) {
                write!(f, ": {text}")?;
                shown = text;
            }
            next = cause.source();
        }
        if next.is_some() {
            f.write_str(": …")?;
        }
        Ok(())
    }
}

impl fmt::Debug for ErrorChain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Layer(String, Option<Box<Layer>>);

    impl fmt::Display for Layer {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(&self.0)
        }
    }

    impl Error for Layer {
        fn source(&self) -> Option<&(dyn Error + 'static)> {
            self.1
                .as_deref()
                .map(|layer| layer as &(dyn Error + 'static))
        }
    }

    fn chain<T: ToString>(texts: &[T]) -> Layer {
        texts
            .iter()
            .rev()
            .fold(None, |below, text| {
                Some(Layer(text.to_string(), below.map(Box::new)))
            })
            .expect("at least one layer")
    }

    #[test]
    fn writes_every_cause_in_order() {
        let error = chain(&["signup failed", "storage failure", "disk full"]);
        assert_eq!(
            ErrorChain::new(&error).to_string(),
            "signup failed: storage failure: disk full"
        );
    }

    #[test]
    fn a_cause_the_level_above_already_shows_is_written_once() {
        let error = chain(&["query failed: disk full", "disk full", "", "ENOSPC"]);
        assert_eq!(
            ErrorChain::new(&error).to_string(),
            "query failed: disk full: ENOSPC"
        );
    }

    #[test]
    fn a_long_chain_is_cut_off() {
        let texts: Vec<String> = (0..20).map(|level| format!("level {level}")).collect();
        let written = ErrorChain::new(&chain(&texts)).to_string();
        assert!(written.starts_with("level 0: level 1: "), "{written}");
        assert!(written.ends_with("level 8: …"), "{written}");
    }
}
