//! Social login completion and provider links.

use std::time::SystemTime;

use tracing::field;

use super::account::Removing;
use super::service::{EventExt as _, event};
use super::signup_login::is_valid_email;
use super::{AuthError, AuthService, ClientInfo, SocialProfile, TokenPair};
use crate::store::{AuditKind, ProviderIdentity, StoreError, User, UserId, normalize_email};

impl AuthService {
    /// Signs in with a provider account, after the provider client verified the callback.
    ///
    /// 1. An identity `(provider, subject)` already linked: its user is signed in.
    /// 2. Otherwise, if an account has the profile's email:
    ///    - the provider does not assert the email as verified:
    ///      [`AuthError::EmailNotVerifiedByProvider`], nothing linked (linking on an
    ///      unverified email is an account-takeover hole);
    ///    - [`link_social_by_verified_email`](super::AuthConfig::link_social_by_verified_email)
    ///      is off, or the account's own email was never verified: [`AuthError::EmailTaken`],
    ///      nothing linked. (Linking to an unverified account would hand the provider user an
    ///      account that someone else may have pre-registered with their address and a
    ///      password of their choosing; the owner proves the address with a password reset
    ///      first, or signs in and links from the account.)
    ///    - otherwise the identity is linked to that account (audited as
    ///      `identity_linked`) and it is signed in.
    /// 3. Otherwise, if the provider asserts the email as verified, a new account is created
    ///    from the profile (email, verified; name, avatar, locale; no password), the identity
    ///    linked, and it is signed in (audited as `signup` and `identity_linked`).
    ///    - Without an email the login is refused with [`AuthError::ProviderEmailMissing`]:
    ///      accounts always have an address to reach and recover them by.
    ///    - With an email the provider did **not** verify, it is refused with
    ///      [`AuthError::EmailNotVerifiedByProvider`] and nothing is created (audited as a
    ///      failed `social_login`). Creating the account would be a *pre-account takeover*:
    ///      anyone can register someone else's address at a lax provider, and the account
    ///      made here would claim that address with the stranger's identity linked; when the
    ///      real owner later reset the password or verified the email, the stranger would
    ///      keep signing in. Creating it *without* the email is not an option either: every
    ///      account has one (unique, the way to reach and recover it). The refusal is the
    ///      same as for an unverified address that has an account (step 2), so it tells
    ///      nothing about which addresses have accounts. Such a user signs up with a password
    ///      (and proves the address) and links the provider from their account.
    ///
    /// A disabled account is refused with [`AuthError::AccountDisabled`] (the provider
    /// authenticated the person, so this reveals nothing to a stranger). Successful logins
    /// are audited as `social_login` with the provider name as detail.
    ///
    /// # Errors
    /// The ones above, [`AuthError::InvalidSocialProfile`] for an empty provider or subject,
    /// [`AuthError::IdentityInUse`] when a concurrent login linked the identity first, and
    /// infrastructure errors.
    #[tracing::instrument(
        skip_all,
        fields(provider = %profile.provider, user_id = field::Empty, session_id = field::Empty)
    )]
    pub async fn complete_social_login(
        &self,
        profile: SocialProfile,
        client: &ClientInfo,
    ) -> Result<TokenPair, AuthError> {
        check_profile(&profile)?;
        let config = &self.inner.config;
        let stores = &self.inner.stores;
        let now = self.now();

        if let Some(identity) = stores
            .identities
            .identity(&profile.provider, &profile.subject)
            .await?
        {
            let user = stores
                .users
                .user_by_id(identity.user_id)
                .await?
                .ok_or(AuthError::UserNotFound)?;
            return self.finish_social_login(user, &profile, client, now).await;
        }

        let email = profile
            .email
            .as_deref()
            .map(normalize_email)
            .filter(|email| is_valid_email(email));
        if let Some(email) = &email
            && let Some(existing) = stores.users.user_by_email(email).await?
        {
            tracing::Span::current().record("user_id", field::display(existing.id));
            let refusal = if !profile.email_verified {
                Some((
                    "email_not_verified_by_provider",
                    AuthError::EmailNotVerifiedByProvider,
                ))
            } else if !config.link_social_by_verified_email {
                Some(("linking_by_email_disabled", AuthError::EmailTaken))
            } else if !existing.email_verified {
                Some(("account_email_unverified", AuthError::EmailTaken))
            } else if !existing.active {
                Some(("account_disabled", AuthError::AccountDisabled))
            } else {
                None
            };
            if let Some((detail, error)) = refusal {
                self.audit(
                    event(AuditKind::SocialLogin, now, false)
                        .user(existing.id)
                        .client(client)
                        .detail(format!("{}:{detail}", profile.provider)),
                )
                .await?;
                tracing::info!(reason = detail, "social login refused; nothing linked");
                return Err(error);
            }
            self.link(&existing, &profile, now, "by_verified_email")
                .await?;
            return self
                .finish_social_login(existing, &profile, client, now)
                .await;
        }

        let Some(email) = email else {
            tracing::info!("social login refused: the provider gave no usable email");
            return Err(AuthError::ProviderEmailMissing);
        };
        if !profile.email_verified {
            // Never an account that claims an address nobody proved (pre-account takeover).
            self.audit(
                event(AuditKind::SocialLogin, now, false)
                    .client(client)
                    .detail(format!(
                        "{}:email_not_verified_by_provider",
                        profile.provider
                    )),
            )
            .await?;
            tracing::info!("social login refused: the provider did not verify the email");
            return Err(AuthError::EmailNotVerifiedByProvider);
        }
        let mut user = User::new(UserId::generate()?, &email, now);
        user.email_verified = true;
        user.display_name = profile.display_name.clone();
        user.avatar_url = profile.avatar_url.clone();
        user.locale = profile.locale.clone();
        tracing::Span::current().record("user_id", field::display(user.id));
        stores
            .users
            .insert_user(&user)
            .await
            .map_err(|error| match error {
                StoreError::Conflict(_) => AuthError::EmailTaken,
                other => AuthError::Store(other),
            })?;
        let created = user.clone();
        self.or_undo_signup(&created, async {
            self.audit(
                event(AuditKind::Signup, now, true)
                    .user(user.id)
                    .client(client)
                    .detail(profile.provider.clone()),
            )
            .await?;
            self.link(&user, &profile, now, "new_account").await?;
            tracing::info!("account created by social login");
            self.finish_social_login(user, &profile, client, now).await
        })
        .await
    }

    /// Links a provider account to the signed-in user (from their account settings).
    /// Linking an identity the user already has succeeds and changes nothing. Audited as
    /// `identity_linked`.
    ///
    /// # Errors
    /// [`AuthError::IdentityInUse`] when the identity is linked to another account,
    /// [`AuthError::InvalidSocialProfile`], [`AuthError::UserNotFound`],
    /// [`AuthError::AccountDisabled`].
    #[tracing::instrument(skip_all, fields(user_id = %user_id, provider = %profile.provider))]
    pub async fn link_identity(
        &self,
        user_id: UserId,
        profile: SocialProfile,
    ) -> Result<(), AuthError> {
        check_profile(&profile)?;
        let user = self.signed_in_user(user_id).await?;
        match self
            .inner
            .stores
            .identities
            .identity(&profile.provider, &profile.subject)
            .await?
        {
            Some(identity) if identity.user_id == user_id => Ok(()),
            Some(_) => Err(AuthError::IdentityInUse),
            None => self.link(&user, &profile, self.now(), "signed_in").await,
        }
    }

    /// Removes the link of provider account `(provider, subject)` from the signed-in user.
    /// Audited as `identity_unlinked`.
    ///
    /// # Errors
    /// [`AuthError::LastSignInMethod`] when the user has no password and this is their only
    /// linked identity; [`AuthError::IdentityNotFound`] when it is not linked to this user;
    /// [`AuthError::UserNotFound`], [`AuthError::AccountDisabled`].
    #[tracing::instrument(skip_all, fields(user_id = %user_id, provider = %provider))]
    pub async fn unlink_identity(
        &self,
        user_id: UserId,
        provider: &str,
        subject: &str,
    ) -> Result<(), AuthError> {
        let identities = &self.inner.stores.identities;
        let user = self.signed_in_user(user_id).await?;
        let linked = identities.identities_for_user(user_id).await?;
        if !linked
            .iter()
            .any(|identity| identity.provider == provider && identity.subject == subject)
        {
            return Err(AuthError::IdentityNotFound);
        }
        if !self
            .keeps_a_way_in(&user, Removing::Identity(provider, subject))
            .await?
        {
            return Err(AuthError::LastSignInMethod);
        }
        if !identities
            .unlink_identity(user_id, provider, subject)
            .await?
        {
            return Err(AuthError::IdentityNotFound);
        }
        self.audit(
            event(AuditKind::IdentityUnlinked, self.now(), true)
                .user(user_id)
                .detail(provider.to_owned()),
        )
        .await?;
        tracing::info!("identity unlinked");
        Ok(())
    }

    /// The provider identities linked to the signed-in user, oldest first.
    ///
    /// # Errors
    /// Only infrastructure errors.
    #[tracing::instrument(skip_all, fields(user_id = %user_id))]
    pub async fn identities(&self, user_id: UserId) -> Result<Vec<ProviderIdentity>, AuthError> {
        Ok(self
            .inner
            .stores
            .identities
            .identities_for_user(user_id)
            .await?)
    }

    /// Links `profile`'s identity to `user` and audits it.
    async fn link(
        &self,
        user: &User,
        profile: &SocialProfile,
        now: SystemTime,
        how: &str,
    ) -> Result<(), AuthError> {
        let mut identity = ProviderIdentity::new(
            profile.provider.clone(),
            profile.subject.clone(),
            user.id,
            now,
        );
        identity.email = profile.email.as_deref().map(normalize_email);
        identity.email_verified = profile.email_verified;
        self.inner
            .stores
            .identities
            .link_identity(&identity)
            .await
            .map_err(|error| match error {
                StoreError::Conflict(_) => AuthError::IdentityInUse,
                other => AuthError::Store(other),
            })?;
        self.audit(
            event(AuditKind::IdentityLinked, now, true)
                .user(user.id)
                .detail(format!("{}:{how}", profile.provider)),
        )
        .await?;
        tracing::info!(how, "identity linked");
        Ok(())
    }

    /// Signs `user` in after a social login: refuses a disabled account, records the login,
    /// starts a session, audits.
    async fn finish_social_login(
        &self,
        user: User,
        profile: &SocialProfile,
        client: &ClientInfo,
        now: SystemTime,
    ) -> Result<TokenPair, AuthError> {
        tracing::Span::current().record("user_id", field::display(user.id));
        if !user.active {
            self.audit(
                event(AuditKind::SocialLogin, now, false)
                    .user(user.id)
                    .client(client)
                    .detail(format!("{}:account_disabled", profile.provider)),
            )
            .await?;
            return Err(AuthError::AccountDisabled);
        }
        self.inner.stores.users.record_login(user.id, now).await?;
        // No `amr`: how the provider authenticated the user is its business (an id_token's
        // own `amr`, when there is one, is not evidence this service checked).
        self.require_no_second_factor(&user, None, client, now)
            .await?;
        let assurance = self.assurance(now, Vec::<String>::new());
        let pair = self.start_session(&user, client, assurance, now).await?;
        self.audit(
            event(AuditKind::SocialLogin, now, true)
                .user(user.id)
                .session(pair.session_id)
                .client(client)
                .detail(profile.provider.clone()),
        )
        .await?;
        tracing::info!("social login succeeded");
        Ok(pair)
    }
}

/// Refuses a profile without a provider or subject (a provider-client bug, never a user's).
fn check_profile(profile: &SocialProfile) -> Result<(), AuthError> {
    if profile.provider.trim().is_empty() || profile.subject.trim().is_empty() {
        return Err(AuthError::InvalidSocialProfile);
    }
    Ok(())
}
