//! Signup, password login, password change, and `me`.

use std::time::SystemTime;

use tracing::field;

use super::service::{
    EventExt as _, PasswordCheck, event, name_throttle_key, password_gates, user_throttle_key,
    without_account_ceiling,
};
use super::{
    AuthError, AuthService, ClientInfo, Endpoint, SignupMode, SignupOutcome, SignupRequest,
    TokenPair,
};
use crate::ErrorChain;
use crate::password::Password;
use crate::store::{
    AuditKind, OneTimePurpose, RevokeReason, Session, SessionId, StoreError, User, UserId,
    UserUpdate, normalize_email,
};
use crate::token::AuthMethod;

/// Longest email accepted (RFC 5321's path limit less the angle brackets).
const MAX_EMAIL_CHARS: usize = 254;
/// Longest username accepted.
const MAX_USERNAME_CHARS: usize = 64;

impl AuthService {
    /// Creates an account with `email` and `password`, signs it in, and returns it with its
    /// first token pair. See [`signup_with`](Self::signup_with).
    pub async fn signup(
        &self,
        email: &str,
        password: Password,
        client: &ClientInfo,
    ) -> Result<(User, TokenPair), AuthError> {
        self.signup_with(SignupRequest::new(email, password), client)
            .await
    }

    /// Creates an account, signs it in, and returns it with its first token pair — the
    /// [`SignupMode::RevealTaken`] signup of seed 001.
    ///
    /// First one request is reserved under
    /// [`EndpointLimits::signup`](super::EndpointLimits::signup) for the client's network
    /// (before any hashing). The email is normalized (trimmed, lower-cased) and must look
    /// like an address; the password must satisfy the policy, with the email, username and
    /// display name as context; it is hashed on the hasher's hashing pool. The email starts
    /// unverified: call [`request_email_verification`](Self::request_email_verification) to
    /// send the link. Audited as `signup`.
    ///
    /// # Errors
    /// [`AuthError::Throttled`], [`AuthError::InvalidEmail`], [`AuthError::InvalidUsername`],
    /// [`AuthError::WeakPassword`], [`AuthError::EmailTaken`] (also when the same address
    /// differs only in case), [`AuthError::UsernameTaken`], [`AuthError::WrongSignupMode`]
    /// when the configured mode is [`SignupMode::EnumerationSafe`] (use
    /// [`register`](Self::register)), [`AuthError::Busy`] when the hashing queue is full (no
    /// account is created), and infrastructure errors.
    #[tracing::instrument(skip_all, fields(user_id = field::Empty, session_id = field::Empty))]
    pub async fn signup_with(
        &self,
        request: SignupRequest,
        client: &ClientInfo,
    ) -> Result<(User, TokenPair), AuthError> {
        if self.inner.config.signup_mode != SignupMode::RevealTaken {
            tracing::error!("signup_with called in the enumeration-safe signup mode; refused");
            return Err(AuthError::WrongSignupMode);
        }
        let mut user = self.prepare_signup(request, client).await?;
        let now = user.created_at;
        user.last_login_at = Some(now);
        self.inner
            .stores
            .users
            .insert_user(&user)
            .await
            .map_err(signup_conflict)?;

        let pair = self
            .or_undo_signup(&user, async {
                let pair = self
                    .start_session(
                        &user,
                        client,
                        self.assurance(now, [AuthMethod::Pwd.as_str()]),
                        now,
                    )
                    .await?;
                self.audit(
                    event(AuditKind::Signup, now, true)
                        .user(user.id)
                        .session(pair.session_id)
                        .client(client),
                )
                .await?;
                Ok(pair)
            })
            .await?;
        tracing::info!("account created");
        Ok((user, pair))
    }

    /// Signup as [`AuthConfig::signup_mode`](super::AuthConfig::signup_mode) says: the entry
    /// point for hosts (auth-tower's `POST /signup` uses it).
    ///
    /// * [`SignupMode::RevealTaken`]: exactly [`signup_with`](Self::signup_with), answered as
    ///   [`SignupOutcome::SignedIn`].
    /// * [`SignupMode::EnumerationSafe`]: [`SignupOutcome::VerificationSent`] whether or not
    ///   the address has an account, after the same work on both paths — the same throttling,
    ///   validation and **one argon2 hash**, one attempted insert, one mail. A new address
    ///   gets an unverified account (no session: it signs in with its password, and should
    ///   verify first) and a verification link; the owner of a taken address is sent
    ///   [`Mailer::send_signup_attempt_notice`](super::Mailer::send_signup_attempt_notice)
    ///   and their account is left untouched. A mail failure is logged and answered the
    ///   same. A taken **username** is still [`AuthError::UsernameTaken`]: usernames are
    ///   public handles, and the answer says nothing about any email.
    ///
    /// # Errors
    /// As [`signup_with`](Self::signup_with), except that a taken email is never an error in
    /// the enumeration-safe mode.
    #[tracing::instrument(skip_all, fields(user_id = field::Empty))]
    pub async fn register(
        &self,
        request: SignupRequest,
        client: &ClientInfo,
    ) -> Result<SignupOutcome, AuthError> {
        match self.inner.config.signup_mode {
            SignupMode::RevealTaken => {
                let (user, tokens) = self.signup_with(request, client).await?;
                Ok(SignupOutcome::SignedIn {
                    user: Box::new(user),
                    tokens,
                })
            }
            SignupMode::EnumerationSafe => {
                self.signup_enumeration_safe(request, client).await?;
                Ok(SignupOutcome::VerificationSent)
            }
        }
    }

    /// The [`SignupMode::EnumerationSafe`] path of [`register`](Self::register).
    async fn signup_enumeration_safe(
        &self,
        request: SignupRequest,
        client: &ClientInfo,
    ) -> Result<(), AuthError> {
        let user = self.prepare_signup(request, client).await?;
        let now = user.created_at;
        let users = &self.inner.stores.users;
        match users.insert_user(&user).await {
            Ok(()) => {
                tracing::Span::current().record("user_id", field::display(user.id));
                self.or_undo_signup(
                    &user,
                    self.audit(
                        event(AuditKind::Signup, now, true)
                            .user(user.id)
                            .client(client),
                    ),
                )
                .await?;
                if let Err(error) = self.issue_email_verification(&user, now).await {
                    tracing::error!(error = %ErrorChain::new(&error), "verification mail after signup failed");
                }
                tracing::info!("account created; verification sent");
            }
            Err(error) => match signup_conflict(error) {
                AuthError::EmailTaken => {
                    // The owner is told, the caller is not: the same answer as a new account.
                    let owner = users.user_by_email(&user.email).await?;
                    if let Some(owner) = &owner {
                        tracing::Span::current().record("user_id", field::display(owner.id));
                        if let Err(error) =
                            self.inner.mailer.send_signup_attempt_notice(owner).await
                        {
                            tracing::error!(error = %ErrorChain::new(&error), "signup-attempt notice could not be sent");
                        }
                    }
                    self.audit(
                        event(AuditKind::Signup, now, false)
                            .maybe_user(owner.map(|owner| owner.id))
                            .client(client)
                            .detail("email_taken"),
                    )
                    .await?;
                    tracing::info!("signup with a taken address; owner notified");
                }
                other => return Err(other),
            },
        }
        Ok(())
    }

    /// What every signup does before the insert: reserve a request under the signup limit
    /// (before any work), validate the email and username, check the password against the
    /// policy and hash it. Returns the account to insert (no session yet).
    async fn prepare_signup(
        &self,
        request: SignupRequest,
        client: &ClientInfo,
    ) -> Result<User, AuthError> {
        self.reserve_endpoint(Endpoint::Signup, client).await?;
        let SignupRequest {
            email,
            password,
            username,
            display_name,
            locale,
        } = request;
        let email = normalize_email(&email);
        if !is_valid_email(&email) {
            return Err(AuthError::InvalidEmail);
        }
        let username = match username.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(name) if is_valid_username(name) => Some(name.to_owned()),
            Some(_) => return Err(AuthError::InvalidUsername),
        };
        let mut context = vec![email.as_str()];
        context.extend(username.as_deref());
        context.extend(display_name.as_deref());
        self.inner
            .config
            .password_policy
            .check(password.expose_secret(), &context)?;
        // Busy gives the signup slot back: the retry the 503 asks for must not use it up.
        let password_hash = self
            .hash_password_under(password, Endpoint::Signup, client)
            .await?;

        let mut user = User::new(UserId::generate()?, &email, self.now());
        user.username = username;
        user.display_name = display_name;
        user.locale = locale;
        user.password_hash = Some(password_hash);
        tracing::Span::current().record("user_id", field::display(user.id));
        Ok(user)
    }

    /// Signs in with an email address (anything containing `@`) or a username, and a
    /// password; starts a session and returns its first token pair.
    ///
    /// In order:
    /// 1. Throttling, before any password is checked: if the account (or, for a name no
    ///    account has, that name) has [`account_throttle`](super::AuthConfig::account_throttle)
    ///    failures in the window, or the client IP has
    ///    [`ip_throttle`](super::AuthConfig::ip_throttle) failures, the attempt is refused
    ///    with [`AuthError::Throttled`] — even with the right password — and audited as
    ///    `login_throttled`. It opens again by itself once the window has passed.
    /// 2. The password is verified on the hasher's hashing pool. For an unknown name or an
    ///    account without a password, a dummy hash is verified instead, so that the refusal
    ///    takes as long as a wrong password. When the pool's queue is full the answer is
    ///    [`AuthError::Busy`] at once — known and unknown accounts alike — and the attempt
    ///    is given back: nothing was checked, so nothing counts.
    /// 3. Unknown name, no password, wrong password: one failure is counted for the account
    ///    (or name) and for the IP, the attempt is audited (`login`, `success: false`), and
    ///    the answer is [`AuthError::InvalidCredentials`] — the same value in every case.
    /// 4. Right password, disabled account: counted and audited the same way; the answer is
    ///    `InvalidCredentials` too while
    ///    [`hide_inactive_accounts`](super::AuthConfig::hide_inactive_accounts) is on,
    ///    [`AuthError::AccountDisabled`] otherwise.
    /// 5. Success: the account's failures are forgotten, a hash made with other parameters
    ///    (or legacy bcrypt) is replaced by a fresh argon2id hash (best effort: a failure is
    ///    logged, not fatal), `last_login_at` is set, a session starts, and the login is
    ///    audited with IP and user agent.
    #[tracing::instrument(skip_all, fields(user_id = field::Empty, session_id = field::Empty))]
    pub async fn login(
        &self,
        identifier: &str,
        password: Password,
        client: &ClientInfo,
    ) -> Result<TokenPair, AuthError> {
        self.login_checked(identifier, password, client, None).await
    }

    /// [`login`](Self::login), and [`login_on_device`](Self::login_on_device) with the
    /// device's refresh token.
    pub(super) async fn login_checked(
        &self,
        identifier: &str,
        password: Password,
        client: &ClientInfo,
        device: Option<&str>,
    ) -> Result<TokenPair, AuthError> {
        let now = self.now();
        let user = self
            .check_login(identifier, password, client, device, now)
            .await?;
        self.require_no_second_factor(&user, Some(AuthMethod::Pwd), client, now)
            .await?;
        let pair = self
            .start_session(
                &user,
                client,
                self.assurance(now, [AuthMethod::Pwd.as_str()]),
                now,
            )
            .await?;
        self.audit(
            event(AuditKind::Login, now, true)
                .user(user.id)
                .session(pair.session_id)
                .client(client),
        )
        .await?;
        tracing::info!("login succeeded");
        Ok(pair)
    }

    /// Steps 1 to 5 of [`login`](Self::login) up to, not including, starting a session:
    /// throttling, the password check, counting and auditing failures, and on success
    /// forgetting failures, upgrading the hash and recording the login time. Every kind of
    /// password sign-in goes through here. `device` is the refresh token a login on the
    /// owner's device presents (see [`login_on_device`](Self::login_on_device)).
    pub(super) async fn check_login(
        &self,
        identifier: &str,
        password: Password,
        client: &ClientInfo,
        device: Option<&str>,
        now: SystemTime,
    ) -> Result<User, AuthError> {
        let config = &self.inner.config;
        let user = self.find_login_user(identifier).await?;
        let user_id = user.as_ref().map(|user| user.id);
        if let Some(id) = user_id {
            tracing::Span::current().record("user_id", field::display(id));
        }
        let account_key = user_id.map_or_else(|| name_throttle_key(identifier), user_throttle_key);
        let ip = client.clean_ip();
        let mut gates = password_gates(config, &account_key, ip.as_deref());
        if let (Some(user), Some(device)) = (&user, device)
            && self.is_owner_device(user, device, now).await?
        {
            gates = without_account_ceiling(gates);
        }
        // Count before you check: the attempt is reserved before the password is looked at.
        let attempt = match self.reserve_attempt(gates, now).await? {
            Ok(attempt) => attempt,
            Err((retry_after, which)) => {
                self.audit(
                    event(AuditKind::LoginThrottled, now, false)
                        .maybe_user(user_id)
                        .client(client)
                        .detail(which),
                )
                .await?;
                tracing::info!(throttled_by = which, "login throttled");
                return Err(AuthError::Throttled { retry_after });
            }
        };

        let stored = user.as_ref().and_then(|user| user.password_hash.as_deref());
        let (attempt, check) = self
            .check_password_for(attempt, password, stored, now)
            .await?;
        let (user, rehash_with) = match (user, check) {
            (Some(user), PasswordCheck::Match { rehash_with }) if user.active => {
                (user, rehash_with)
            }
            (user, check) => {
                let detail = match (&user, &check) {
                    (None, _) => "unknown_account",
                    (Some(user), _) if user.password_hash.is_none() => "no_password",
                    (Some(_), PasswordCheck::Mismatch) => "wrong_password",
                    (Some(_), PasswordCheck::Match { .. }) => "account_disabled",
                };
                // The reservations stay: they are this failure.
                drop(attempt);
                self.audit(
                    event(AuditKind::Login, now, false)
                        .maybe_user(user_id)
                        .client(client)
                        .detail(detail),
                )
                .await?;
                tracing::info!(reason = detail, "login refused");
                return Err(
                    if detail == "account_disabled" && !config.hide_inactive_accounts {
                        AuthError::AccountDisabled
                    } else {
                        AuthError::InvalidCredentials
                    },
                );
            }
        };

        let stores = &self.inner.stores;
        self.attempt_succeeded(attempt, now).await?;
        if let Some(password) = rehash_with {
            self.upgrade_hash(&user, password).await;
        }
        stores.users.record_login(user.id, now).await?;
        Ok(user)
    }

    /// Checks the current password of `user_id`, signed in as `current_session`, under the
    /// same per-account throttling as login (a wrong one counts as a failure): for a password
    /// change and a re-authentication. A refusal is audited as `failure` (or
    /// `login_throttled`) with the session. Returns the user and the session.
    pub(super) async fn check_current_password(
        &self,
        user_id: UserId,
        current_session: SessionId,
        password: Password,
        failure: AuditKind,
        now: SystemTime,
    ) -> Result<(User, Session), AuthError> {
        let config = &self.inner.config;
        let user = self.signed_in_user(user_id).await?;
        let session = match self.inner.stores.sessions.session(current_session).await? {
            Some(session) if session.user_id == user_id && session.is_active(now) => session,
            _ => return Err(AuthError::SessionNotFound),
        };
        // The session's network stands for the client's: the request carries no address.
        let gates = password_gates(config, &user_throttle_key(user_id), session.ip.as_deref());
        let attempt = match self.reserve_attempt(gates, now).await? {
            Ok(attempt) => attempt,
            Err((retry_after, which)) => {
                self.audit(
                    event(AuditKind::LoginThrottled, now, false)
                        .user(user_id)
                        .session(current_session)
                        .detail(failure.as_str()),
                )
                .await?;
                tracing::info!(throttled_by = which, "current password check throttled");
                return Err(AuthError::Throttled { retry_after });
            }
        };
        let (attempt, check) = self
            .check_password_for(attempt, password, user.password_hash.as_deref(), now)
            .await?;
        if let PasswordCheck::Mismatch = check {
            drop(attempt); // kept: a wrong current password is a failure
            self.audit(
                event(failure, now, false)
                    .user(user_id)
                    .session(current_session)
                    .detail("wrong_password"),
            )
            .await?;
            return Err(AuthError::InvalidCredentials);
        }
        self.attempt_succeeded(attempt, now).await?;
        Ok((user, session))
    }

    /// Changes the password of a signed-in user, who must give the current one.
    ///
    /// The current password is checked under the same per-account throttling as login (a
    /// wrong one counts as a failure). The new one must satisfy the policy. Then every
    /// **other** session of the user is revoked (`password_changed`), while
    /// `current_session` — the one making the request — stays signed in; the user-wide
    /// cut-off `tokens_valid_after` is deliberately not moved, because it would also end the
    /// current session's access token. The other sessions' access tokens stop working
    /// through their revoked `sid`. Outstanding password-reset links are voided. Audited as
    /// `password_changed`.
    ///
    /// # Errors
    /// [`AuthError::InvalidCredentials`] for a wrong current password or an account without
    /// one (social-only accounts set a password through the reset flow),
    /// [`AuthError::Throttled`], [`AuthError::WeakPassword`], [`AuthError::SessionNotFound`]
    /// when `current_session` is not an active session of the user,
    /// [`AuthError::UserNotFound`], [`AuthError::AccountDisabled`].
    #[tracing::instrument(skip_all, fields(user_id = %user_id, session_id = %current_session))]
    pub async fn change_password(
        &self,
        user_id: UserId,
        current_session: SessionId,
        current: Password,
        new: Password,
    ) -> Result<(), AuthError> {
        let stores = &self.inner.stores;
        let now = self.now();
        let (user, _) = self
            .check_current_password(
                user_id,
                current_session,
                current,
                AuditKind::PasswordChanged,
                now,
            )
            .await?;
        let password_hash = self.new_password_hash(&user, new).await?;

        // The password only: a disable or role change made while hashing must stay.
        self.update_account(user_id, &UserUpdate::new(now).password_hash(password_hash))
            .await?;
        let ended = stores
            .sessions
            .revoke_user_sessions(
                user_id,
                Some(current_session),
                RevokeReason::PasswordChanged,
                now,
            )
            .await?;
        self.inner.revocation.forget_user(user_id);
        stores
            .one_time_tokens
            .void_one_time_tokens(user_id, OneTimePurpose::PasswordReset)
            .await?;
        self.audit(
            event(AuditKind::PasswordChanged, now, true)
                .user(user_id)
                .session(current_session)
                .detail(format!("other_sessions_ended={ended}")),
        )
        .await?;
        tracing::info!(other_sessions_ended = ended, "password changed");
        Ok(())
    }

    /// The signed-in user's account.
    ///
    /// # Errors
    /// [`AuthError::UserNotFound`] when the account is gone, [`AuthError::AccountDisabled`]
    /// when it is disabled.
    #[tracing::instrument(skip_all, fields(user_id = %user_id))]
    pub async fn me(&self, user_id: UserId) -> Result<User, AuthError> {
        self.signed_in_user(user_id).await
    }

    /// The account a login name designates: by email if it contains `@`, else by username.
    async fn find_login_user(&self, identifier: &str) -> Result<Option<User>, AuthError> {
        let users = &self.inner.stores.users;
        let identifier = identifier.trim();
        let user = if identifier.contains('@') {
            users.user_by_email(&normalize_email(identifier)).await?
        } else if identifier.is_empty() {
            None
        } else {
            users.user_by_username(identifier).await?
        };
        Ok(user)
    }

    /// Replaces `user`'s stored hash with a fresh one of `password`, if the stored hash has
    /// not changed meanwhile. Best effort: failures are logged.
    async fn upgrade_hash(&self, user: &User, password: Password) {
        let Some(current) = user.password_hash.clone() else {
            return;
        };
        let new_hash = match self.hash_password(password).await {
            Ok(hash) => hash,
            Err(error) => {
                tracing::warn!(error = %ErrorChain::new(&error), "could not rehash password");
                return;
            }
        };
        // Only the hash, and only if it is still the one verified: a password changed (or
        // an account disabled) meanwhile is never undone.
        let update = UserUpdate::new(self.now())
            .password_hash(new_hash)
            .if_password_hash(current);
        match self.update_account(user.id, &update).await {
            Ok(true) => tracing::info!("password hash upgraded"),
            Ok(false) => tracing::debug!("password changed meanwhile; rehash skipped"),
            Err(error) => {
                tracing::warn!(error = %ErrorChain::new(&error), "could not store upgraded hash")
            }
        }
    }
}

/// The user-facing error for a failed account insert.
pub(super) fn signup_conflict(error: StoreError) -> AuthError {
    match error {
        StoreError::Conflict(what) if what.contains("username") => AuthError::UsernameTaken,
        StoreError::Conflict(_) => AuthError::EmailTaken,
        other => AuthError::Store(other),
    }
}

/// A normalized email that looks like an address: `local@domain`, both parts non-empty, no
/// whitespace or control characters, at most 254 characters. (Deliverability is proved by
/// the verification link, not by parsing.)
pub(super) fn is_valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.rsplit_once('@') else {
        return false;
    };
    email.chars().count() <= MAX_EMAIL_CHARS
        && !local.is_empty()
        && !domain.is_empty()
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// A username: 1 to 64 characters, no `@` (login treats anything with `@` as an email), no
/// whitespace or control characters.
fn is_valid_username(name: &str) -> bool {
    let length = name.chars().count();
    (1..=MAX_USERNAME_CHARS).contains(&length)
        && !name
            .chars()
            .any(|c| c == '@' || c.is_whitespace() || c.is_control())
}

impl AuthService {
    /// `Ok` when `user` has no second factor; otherwise the challenge for it, as
    /// [`AuthError::SecondFactorRequired`] (audited as `second_factor`, `challenged`).
    pub(super) async fn require_no_second_factor(
        &self,
        user: &User,
        first: Option<AuthMethod>,
        client: &ClientInfo,
        now: SystemTime,
    ) -> Result<(), AuthError> {
        let Some(challenge) = self.second_factor_challenge(user, first, now).await? else {
            return Ok(());
        };
        self.audit(
            event(AuditKind::SecondFactor, now, true)
                .user(user.id)
                .client(client)
                .detail("challenged"),
        )
        .await?;
        tracing::info!("login needs a second factor");
        Err(AuthError::SecondFactorRequired(Box::new(challenge)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_shapes() {
        for good in [
            "kim@example.com",
            "a@b",
            "first.last+tag@mail.example.co.kr",
        ] {
            assert!(is_valid_email(good), "{good}");
        }
        let long = format!("{}@example.com", "a".repeat(250));
        for bad in [
            "",
            "kim",
            "@example.com",
            "kim@",
            "kim@.example",
            "kim@example.",
            "k im@example.com",
            "kim@exa\u{0}mple.com",
            long.as_str(),
        ] {
            assert!(!is_valid_email(bad), "{bad:?}");
        }
    }

    #[test]
    fn username_shapes() {
        assert!(is_valid_username("kim_42"));
        assert!(!is_valid_username("kim@home"));
        assert!(!is_valid_username("kim lee"));
        assert!(!is_valid_username(&"k".repeat(65)));
    }

    #[test]
    fn conflicts_map_to_the_taken_field() {
        assert!(matches!(
            signup_conflict(StoreError::Conflict("username")),
            AuthError::UsernameTaken
        ));
        assert!(matches!(
            signup_conflict(StoreError::Conflict("email")),
            AuthError::EmailTaken
        ));
        assert!(matches!(
            signup_conflict(StoreError::NotFound("user")),
            AuthError::Store(_)
        ));
    }
}

/// Proof that refusals for unknown accounts pay for a hash. Timing cannot be asserted
/// reliably in a test, so the service counts its dummy verifications (a `cfg(test)` counter
/// in `check_password`'s dummy path) and these tests read the count.
#[cfg(test)]
mod dummy_hash_tests {
    use std::sync::atomic::Ordering;

    use super::super::test_support::{PASSWORD, service};
    use super::*;
    use crate::store::UserStore as _;

    fn dummies(auth: &AuthService) -> usize {
        auth.inner.dummy_verifications.load(Ordering::SeqCst)
    }

    #[tokio::test]
    async fn unknown_user_and_passwordless_user_run_the_dummy_hash() {
        let (auth, stores) = service();
        let client = ClientInfo::default();
        let (user, _) = auth
            .signup("kim@example.com", Password::from(PASSWORD), &client)
            .await
            .expect("signup");
        assert_eq!(dummies(&auth), 0);

        // Unknown account: one dummy verification, then the common refusal.
        let err = auth
            .login("nobody@example.com", Password::from(PASSWORD), &client)
            .await
            .unwrap_err();
        assert!(matches!(err, AuthError::InvalidCredentials));
        assert_eq!(dummies(&auth), 1);

        // Unknown username: the same.
        let err = auth
            .login("nobody", Password::from(PASSWORD), &client)
            .await
            .unwrap_err();
        assert!(matches!(err, AuthError::InvalidCredentials));
        assert_eq!(dummies(&auth), 2);

        // Known account, wrong password: a real verification, no dummy.
        let err = auth
            .login(
                "kim@example.com",
                Password::from("wrong-password-1"),
                &client,
            )
            .await
            .unwrap_err();
        assert!(matches!(err, AuthError::InvalidCredentials));
        assert_eq!(dummies(&auth), 2);

        // Account without a password (social-only): a dummy verification.
        let mut social = stores
            .users
            .user_by_id(user.id)
            .await
            .expect("store")
            .expect("user");
        social.password_hash = None;
        stores.users.update_user(&social).await.expect("update");
        let err = auth
            .login("kim@example.com", Password::from(PASSWORD), &client)
            .await
            .unwrap_err();
        assert!(matches!(err, AuthError::InvalidCredentials));
        assert_eq!(dummies(&auth), 3);

        // A stored hash that cannot be read: refused like a wrong password, after a dummy.
        social.password_hash = Some("not a phc string".into());
        stores.users.update_user(&social).await.expect("update");
        let err = auth
            .login("kim@example.com", Password::from(PASSWORD), &client)
            .await
            .unwrap_err();
        assert!(matches!(err, AuthError::InvalidCredentials));
        assert_eq!(
            dummies(&auth),
            4,
            "an unreadable hash is followed by a dummy"
        );
    }

    /// Issue 14, count before you check: 40 concurrent wrong-password logins for one account
    /// get at most `account_throttle.max_failures` password checks, counted where the check
    /// runs (real and dummy alike), on a multi-threaded runtime.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_guesses_run_at_most_the_limit_of_password_checks() {
        let (auth, _) = service();
        let client = ClientInfo::default().ip("203.0.113.7");
        auth.signup("kim@example.com", Password::from(PASSWORD), &client)
            .await
            .expect("signup");
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..40 {
            let auth = auth.clone();
            let client = client.clone();
            tasks.spawn(async move {
                auth.login(
                    "kim@example.com",
                    Password::from("wrong-password-1"),
                    &client,
                )
                .await
            });
        }
        while let Some(joined) = tasks.join_next().await {
            let err = joined.expect("task ran").unwrap_err();
            assert!(
                matches!(
                    err,
                    AuthError::InvalidCredentials | AuthError::Throttled { .. }
                ),
                "{err:?}"
            );
        }
        let checks = auth.inner.password_checks.load(Ordering::SeqCst);
        let limit = auth.config().account_throttle.max_failures as usize;
        assert!(checks <= limit, "{checks} password checks, limit {limit}");
    }
}

/// Issue 14: a saturated hashing pool refuses logins at once with `Busy` and the refusal
/// counts as no attempt.
#[cfg(test)]
mod busy_tests {
    use super::super::MailKind;
    use super::super::test_support::{PASSWORD, service_with_hasher, service_with_mailer};
    use super::*;
    use crate::password::PasswordHasher;

    fn small_hasher() -> PasswordHasher {
        PasswordHasher::insecure_fast_for_tests()
            .with_hashing_threads(1)
            .with_queue_length(1)
    }

    // A 503 asks the client to retry; the retry must not find the signup limit (10 an hour
    // per network) used up by refusals that created nothing.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn busy_signups_do_not_use_up_the_signup_limit() {
        let hasher = small_hasher();
        let (auth, _) = service_with_hasher(hasher.clone());
        let client = ClientInfo::default().ip("203.0.113.9");
        let limit = auth
            .config()
            .endpoint_limits
            .signup
            .limit()
            .expect("signup is limited by default")
            .max_failures;

        let release = hasher.saturate_for_tests();
        for n in 0..limit + 2 {
            let error = auth
                .signup(
                    &format!("u{n}@example.com"),
                    Password::from(PASSWORD),
                    &client,
                )
                .await
                .unwrap_err();
            assert!(matches!(error, AuthError::Busy { .. }), "{error:?}");
        }
        release.release();

        auth.signup("kim@example.com", Password::from(PASSWORD), &client)
            .await
            .expect("the retry signs up once the pool has room");
    }

    // "Loses nothing": a reset refused because hashing is at capacity leaves the mailed link
    // usable (it used to be spent before the new password was hashed).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_busy_hasher_does_not_spend_the_reset_link() {
        let hasher = small_hasher();
        let (auth, _, mailer) = service_with_mailer(hasher.clone());
        let client = ClientInfo::default().ip("203.0.113.9");
        auth.signup("kim@example.com", Password::from(PASSWORD), &client)
            .await
            .expect("signup");
        auth.request_password_reset("kim@example.com", &client)
            .await
            .expect("request");
        auth.drain_background_work().await;
        let link = mailer
            .last_token(MailKind::PasswordReset, "kim@example.com")
            .expect("reset mailed");

        let release = hasher.saturate_for_tests();
        let error = auth
            .reset_password(&link, Password::from("a-new-long-passphrase-7"), &client)
            .await
            .unwrap_err();
        assert!(matches!(error, AuthError::Busy { .. }), "{error:?}");
        release.release();

        auth.reset_password(&link, Password::from("a-new-long-passphrase-7"), &client)
            .await
            .expect("the same link works on the retry");
        auth.login(
            "kim@example.com",
            Password::from("a-new-long-passphrase-7"),
            &client,
        )
        .await
        .expect("the new password stands");
    }

    // A flood that fills the hashing queue must not lock the owner out: each Busy refusal
    // gives its throttle reservations back (with the reservations kept, the 6th login below
    // would be `Throttled` for 15 minutes).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn busy_logins_are_503_and_do_not_count_as_failures() {
        let hasher = PasswordHasher::insecure_fast_for_tests()
            .with_hashing_threads(1)
            .with_queue_length(1);
        let (auth, _) = service_with_hasher(hasher.clone());
        let client = ClientInfo::default().ip("203.0.113.9");
        auth.signup("kim@example.com", Password::from(PASSWORD), &client)
            .await
            .expect("signup");
        let limit = auth.config().account_throttle.max_failures;

        let release = hasher.saturate_for_tests();
        for identifier in ["kim@example.com", "nobody@example.com"] {
            for _ in 0..limit + 2 {
                let error = auth
                    .login(identifier, Password::from(PASSWORD), &client)
                    .await
                    .unwrap_err();
                assert!(matches!(error, AuthError::Busy { .. }), "{error:?}");
                assert_eq!(error.status_code(), 503);
            }
        }
        release.release();

        auth.login("kim@example.com", Password::from(PASSWORD), &client)
            .await
            .expect("the owner signs in once the pool has room");
    }
}
