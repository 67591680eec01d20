//! The examples' command line: serve (the default), or grant a role or plan to an account
//! so that `/api/admin` and `/api/pro` can be tried.

use auth_core::store::normalize_email;

use crate::app::{open_store, plan_tiers};
use crate::error::StartError;

/// What the command line asks for.
/// Exhaustive on purpose: each example's `main` handles every command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Run the server (no arguments).
    Serve,
    /// `grant EMAIL [--role ROLE]... [--plan PLAN]`: add roles and/or set the plan of an
    /// existing account. Takes effect at the account's next refresh or login.
    Grant {
        /// The account's email.
        email: String,
        /// Roles to add.
        roles: Vec<String>,
        /// The plan to set (one of [`plan_tiers`]).
        plan: Option<String>,
    },
    /// `--help`.
    Help,
}

/// The usage text.
pub fn usage(app_name: &str) -> String {
    format!(
        "usage:\n  {app_name}                                   serve on 127.0.0.1:$PORT\n  \
         {app_name} grant EMAIL [--role ROLE]... [--plan PLAN]\n\
         \x20                                            add roles / set the plan of an account\n\
         plans: free < pro < studio < enterprise. Environment variables: see the README."
    )
}

/// Parses the arguments after the program name.
///
/// # Errors
///
/// A message saying what is wrong, to print with [`usage`].
pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Command, String> {
    let mut args = args.into_iter();
    let Some(first) = args.next() else {
        return Ok(Command::Serve);
    };
    match first.as_str() {
        "-h" | "--help" | "help" => Ok(Command::Help),
        "grant" => {
            let email = args.next().ok_or("grant needs an EMAIL")?;
            let (mut roles, mut plan) = (Vec::new(), None);
            while let Some(flag) = args.next() {
                let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
                match flag.as_str() {
                    "--role" => roles.push(value),
                    "--plan" => {
                        if plan_tiers().rank(&value).is_none() {
                            return Err(format!("unknown plan {value:?}"));
                        }
                        plan = Some(value);
                    }
                    other => return Err(format!("unknown option {other:?}")),
                }
            }
            if roles.is_empty() && plan.is_none() {
                return Err("grant needs --role and/or --plan".to_owned());
            }
            Ok(Command::Grant { email, roles, plan })
        }
        other => Err(format!("unknown command {other:?}")),
    }
}

/// Why `grant` failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GrantError {
    /// The database could not be opened.
    #[error(transparent)]
    Start(#[from] StartError),
    /// No account has this email.
    #[error("no account with that email; sign up first")]
    NoSuchAccount,
    /// The store failed.
    #[error("the database refused the update: {0}")]
    Store(#[from] auth_core::store::StoreError),
}

/// Adds `roles` to and sets `plan` on the account with `email` in the database at
/// `DATABASE_URL`.
///
/// # Errors
///
/// [`GrantError`].
pub async fn grant(
    vars: &crate::ExampleVars,
    email: &str,
    roles: &[String],
    plan: Option<&str>,
) -> Result<(), GrantError> {
    use auth_core::store::UserStore as _;
    let store = open_store(vars).await?;
    let mut user = store
        .user_by_email(&normalize_email(email))
        .await?
        .ok_or(GrantError::NoSuchAccount)?;
    for role in roles {
        if !user.roles.contains(role) {
            user.roles.push(role.clone());
        }
    }
    if let Some(plan) = plan {
        user.plan = Some(plan.to_owned());
    }
    store.update_user(&user).await?;
    tracing::info!(
        user_id = %user.id,
        roles = ?user.roles,
        plan = ?user.plan,
        "account updated; new access tokens (next refresh or login) carry it"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn parses_serve_and_grant() {
        assert_eq!(parse(args(&[])), Ok(Command::Serve));
        assert_eq!(
            parse(args(&[
                "grant", "a@b.c", "--role", "admin", "--plan", "pro"
            ])),
            Ok(Command::Grant {
                email: "a@b.c".into(),
                roles: vec!["admin".into()],
                plan: Some("pro".into())
            })
        );
        assert!(parse(args(&["grant", "a@b.c"])).is_err());
        assert!(parse(args(&["grant", "a@b.c", "--plan", "gold"])).is_err());
        assert!(parse(args(&["grant", "a@b.c", "--role"])).is_err());
        assert!(parse(args(&["serve-everything"])).is_err());
    }
}
