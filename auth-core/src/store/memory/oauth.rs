//! In-memory stores of the OAuth 2.0 authorization server: clients, authorization codes,
//! consents and grants.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use async_trait::async_trait;

use super::{count, lock};
use crate::opaque::TokenHash;
use crate::store::{
    AuthorizationCode, AuthorizationCodeStore, CodeRedemption, Consent, ConsentStore, OAuthClient,
    OAuthClientStore, OAuthGrant, OAuthGrantStore, SessionId, StoreError, UserId,
};

/// An in-memory [`OAuthClientStore`]. Clones share the same clients; see the
/// [module docs](super).
#[derive(Clone, Default)]
pub struct MemoryOAuthClientStore {
    inner: Arc<Mutex<HashMap<String, OAuthClient>>>,
}

impl MemoryOAuthClientStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl fmt::Debug for MemoryOAuthClientStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let clients = lock(&self.inner).len();
        f.debug_struct("MemoryOAuthClientStore")
            .field("clients", &clients)
            .finish()
    }
}

#[async_trait]
impl OAuthClientStore for MemoryOAuthClientStore {
    async fn insert_client(&self, client: &OAuthClient) -> Result<(), StoreError> {
        let mut clients = lock(&self.inner);
        if clients.contains_key(&client.client_id) {
            return Err(StoreError::Conflict("oauth client"));
        }
        clients.insert(client.client_id.clone(), client.clone());
        Ok(())
    }

    async fn client(&self, client_id: &str) -> Result<Option<OAuthClient>, StoreError> {
        Ok(lock(&self.inner).get(client_id).cloned())
    }

    async fn update_client(&self, client: &OAuthClient) -> Result<(), StoreError> {
        match lock(&self.inner).get_mut(&client.client_id) {
            Some(stored) => {
                *stored = client.clone();
                Ok(())
            }
            None => Err(StoreError::NotFound("oauth client")),
        }
    }

    async fn delete_client(&self, client_id: &str) -> Result<bool, StoreError> {
        Ok(lock(&self.inner).remove(client_id).is_some())
    }
}

/// An in-memory [`AuthorizationCodeStore`]: a redemption looks the code up, decides and
/// writes under one lock, so of concurrent redemptions of one code exactly one is
/// [`CodeRedemption::Redeemed`]. Clones share the same codes; see the [module docs](super).
#[derive(Clone, Default)]
pub struct MemoryAuthorizationCodeStore {
    inner: Arc<Mutex<HashMap<TokenHash, AuthorizationCode>>>,
}

impl MemoryAuthorizationCodeStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl fmt::Debug for MemoryAuthorizationCodeStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let codes = lock(&self.inner).len();
        f.debug_struct("MemoryAuthorizationCodeStore")
            .field("codes", &codes)
            .finish()
    }
}

#[async_trait]
impl AuthorizationCodeStore for MemoryAuthorizationCodeStore {
    async fn issue_authorization_code(&self, code: &AuthorizationCode) -> Result<(), StoreError> {
        let mut codes = lock(&self.inner);
        if codes.contains_key(&code.hash) {
            return Err(StoreError::Conflict("authorization code"));
        }
        codes.insert(code.hash, code.clone());
        Ok(())
    }

    async fn redeem_authorization_code(
        &self,
        hash: &TokenHash,
        session_id: SessionId,
        now: SystemTime,
    ) -> Result<CodeRedemption, StoreError> {
        let mut codes = lock(&self.inner);
        let Some(code) = codes.get_mut(hash) else {
            return Ok(CodeRedemption::Unknown);
        };
        if code.used_at.is_some() {
            code.replayed_at.get_or_insert(now);
            return Ok(CodeRedemption::Replayed(code.clone()));
        }
        if now >= code.expires_at {
            return Ok(CodeRedemption::Expired);
        }
        code.used_at = Some(now);
        code.session_id = Some(session_id);
        Ok(CodeRedemption::Redeemed(code.clone()))
    }

    async fn authorization_code(
        &self,
        hash: &TokenHash,
    ) -> Result<Option<AuthorizationCode>, StoreError> {
        Ok(lock(&self.inner).get(hash).cloned())
    }

    async fn purge_expired_authorization_codes(&self, now: SystemTime) -> Result<u64, StoreError> {
        let mut codes = lock(&self.inner);
        let before = codes.len();
        codes.retain(|_, code| code.expires_at >= now);
        Ok(count(before - codes.len()))
    }
}

/// An in-memory [`ConsentStore`]. Clones share the same consents; see the
/// [module docs](super).
#[derive(Clone, Default)]
pub struct MemoryConsentStore {
    inner: Arc<Mutex<HashMap<(UserId, String), Consent>>>,
}

impl MemoryConsentStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl fmt::Debug for MemoryConsentStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let consents = lock(&self.inner).len();
        f.debug_struct("MemoryConsentStore")
            .field("consents", &consents)
            .finish()
    }
}

#[async_trait]
impl ConsentStore for MemoryConsentStore {
    async fn save_consent(&self, consent: &Consent) -> Result<(), StoreError> {
        lock(&self.inner).insert(
            (consent.user_id, consent.client_id.clone()),
            consent.clone(),
        );
        Ok(())
    }

    async fn consent(
        &self,
        user_id: UserId,
        client_id: &str,
    ) -> Result<Option<Consent>, StoreError> {
        Ok(lock(&self.inner)
            .get(&(user_id, client_id.to_owned()))
            .cloned())
    }

    async fn revoke_consent(&self, user_id: UserId, client_id: &str) -> Result<bool, StoreError> {
        Ok(lock(&self.inner)
            .remove(&(user_id, client_id.to_owned()))
            .is_some())
    }
}

/// An in-memory [`OAuthGrantStore`]. Clones share the same grants; see the
/// [module docs](super).
#[derive(Clone, Default)]
pub struct MemoryOAuthGrantStore {
    inner: Arc<Mutex<HashMap<SessionId, OAuthGrant>>>,
}

impl MemoryOAuthGrantStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl fmt::Debug for MemoryOAuthGrantStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let grants = lock(&self.inner).len();
        f.debug_struct("MemoryOAuthGrantStore")
            .field("grants", &grants)
            .finish()
    }
}

#[async_trait]
impl OAuthGrantStore for MemoryOAuthGrantStore {
    async fn insert_grant(&self, grant: &OAuthGrant) -> Result<(), StoreError> {
        let mut grants = lock(&self.inner);
        if grants.contains_key(&grant.session_id) {
            return Err(StoreError::Conflict("oauth grant"));
        }
        grants.insert(grant.session_id, grant.clone());
        Ok(())
    }

    async fn grant(&self, session_id: SessionId) -> Result<Option<OAuthGrant>, StoreError> {
        Ok(lock(&self.inner).get(&session_id).cloned())
    }

    async fn purge_expired_grants(&self, now: SystemTime) -> Result<u64, StoreError> {
        let mut grants = lock(&self.inner);
        let before = grants.len();
        grants.retain(|_, grant| grant.expires_at >= now);
        Ok(count(before - grants.len()))
    }
}
