//! A browser with a software authenticator for the passkey tests: 1Password's
//! passkey-authenticator behind its WebAuthn client (passkey-client), speaking the browser's
//! JSON (`navigator.credentials.create()` / `.get()` answers as `toJSON()` gives them).

#![allow(dead_code)] // each test binary uses a different part of this module

use auth_core::passkey::Url;
use passkey_authenticator::{Authenticator, UiHint, UserCheck, UserValidationMethod};
use passkey_client::{Client, DefaultClientData};
use passkey_crypto::AvailableBackend;
use passkey_types::Passkey as SoftPasskey;
use passkey_types::ctap2::{Aaguid, Ctap2Error};
use passkey_types::webauthn::{CredentialCreationOptions, CredentialRequestOptions};
use serde_json::Value;

/// The user is always present and verified (a PIN or fingerprint that always succeeds). Told
/// that the authenticator already holds an excluded credential, it ends the registration
/// with CTAP2_ERR_CREDENTIAL_EXCLUDED, as CTAP 2.1 §6.1.2 step 1 has authenticators do
/// (passkey-authenticator leaves that answer to its user interface).
struct AlwaysVerified;

#[auth_core::async_trait]
impl UserValidationMethod for AlwaysVerified {
    type PasskeyItem = SoftPasskey;

    async fn check_user<'a>(
        &self,
        hint: UiHint<'a, SoftPasskey>,
        presence: bool,
        verification: bool,
    ) -> Result<UserCheck, Ctap2Error> {
        if matches!(hint, UiHint::InformExcludedCredentialFound(_)) {
            return Err(Ctap2Error::CredentialExcluded);
        }
        Ok(UserCheck {
            presence,
            verification,
        })
    }

    fn is_presence_enabled(&self) -> bool {
        true
    }

    fn is_verification_enabled(&self) -> Option<bool> {
        Some(true)
    }
}

/// A browser with one platform authenticator that holds (at most) one discoverable passkey.
pub struct Browser {
    client: Client<
        Option<SoftPasskey>,
        AlwaysVerified,
        AvailableBackend,
        public_suffix::PublicSuffixList,
        (),
    >,
}

impl Browser {
    pub fn new() -> Self {
        Self::with_counter(false)
    }

    /// An authenticator that keeps a signature counter (a hardware key), or not (a synced
    /// passkey, counter 0).
    pub fn with_counter(counter: bool) -> Self {
        let mut authenticator =
            Authenticator::new(Aaguid::new_empty(), None, AlwaysVerified, AvailableBackend);
        authenticator.set_make_credentials_with_signature_counter(counter);
        Self {
            client: Client::new(authenticator),
        }
    }

    /// `navigator.credentials.create(options)` on a page of `origin`.
    pub async fn create(&mut self, origin: &str, options: Value) -> Result<Value, String> {
        let options: CredentialCreationOptions =
            serde_json::from_value(options).map_err(|error| format!("options: {error}"))?;
        let origin = Url::parse(origin).unwrap();
        let created = self
            .client
            .register(&origin, options, DefaultClientData)
            .await
            .map_err(|error| format!("{error:?}"))?;
        Ok(serde_json::to_value(created).unwrap())
    }

    /// `navigator.credentials.get(options)` on a page of `origin`.
    pub async fn get(&mut self, origin: &str, options: Value) -> Result<Value, String> {
        let options: CredentialRequestOptions =
            serde_json::from_value(options).map_err(|error| format!("options: {error}"))?;
        let origin = Url::parse(origin).unwrap();
        let assertion = self
            .client
            .authenticate(&origin, options, DefaultClientData)
            .await
            .map_err(|error| format!("{error:?}"))?;
        Ok(serde_json::to_value(assertion).unwrap())
    }

    /// The passkey the authenticator holds (to clone it, as an attacker would).
    pub fn passkey(&self) -> Option<SoftPasskey> {
        self.client.authenticator().store().clone()
    }

    pub fn replace_passkey(&mut self, passkey: SoftPasskey) {
        *self.client.authenticator_mut().store_mut() = Some(passkey);
    }
}
