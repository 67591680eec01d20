//! Registering clients and authenticating them at the token, revocation and introspection
//! endpoints.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::redirect::{check_redirect_uri, form_decode};
use super::{OAuthError, RegistrationError};
use crate::opaque::{OpaqueToken, TokenHash};
use crate::store::{ClientType, GrantType, OAuthClient};
use crate::token::Scope;

/// The longest `client_id` accepted, in bytes.
const MAX_CLIENT_ID_BYTES: usize = 128;
/// The shortest client secret a host may set itself, in bytes.
const MIN_SECRET_BYTES: usize = 32;
/// The longest client secret accepted at authentication, in bytes (checked before hashing).
const MAX_SECRET_BYTES: usize = 512;

/// A client secret this authorization server issued: shown to the client's developer once,
/// stored only as its SHA-256. (The secret *your* application holds at a social-login
/// provider is auth-providers' `ClientSecret`.)
///
/// Not `Clone`; `Debug` prints `IssuedClientSecret([redacted])`.
pub struct IssuedClientSecret(Zeroizing<String>);

impl IssuedClientSecret {
    /// The secret, to show once. Never log or store it.
    pub fn secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for IssuedClientSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("IssuedClientSecret([redacted])")
    }
}

/// A client to register with
/// [`OAuthServer::register_client`](super::OAuthServer::register_client).
///
/// ```
/// use auth_core::oauth_server::ClientRegistration;
///
/// let web = ClientRegistration::confidential("Workflow studio")
///     .client_id("workflow-studio")
///     .redirect_uri("https://studio.example/oauth/callback")
///     .scopes("openid profile read:profile manage:workflows");
/// let spa = ClientRegistration::public("Dashboard")
///     .redirect_uri("http://localhost:5173/callback")
///     .scopes("openid read:profile")
///     .first_party(true);
/// # let _ = (web, spa);
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ClientRegistration {
    /// The `client_id`; a random one is generated when `None`.
    pub client_id: Option<String>,
    /// Confidential (gets a secret) or public.
    pub client_type: ClientType,
    /// Shown on the consent page.
    pub name: String,
    /// Exact redirect URIs.
    pub redirect_uris: Vec<String>,
    /// The scopes the client may ask for; each must be supported by the server.
    pub allowed_scopes: Scope,
    /// Defaults to both `authorization_code` and `refresh_token`.
    pub grant_types: Vec<GrantType>,
    /// Skip the consent page (the service's own apps). Defaults to `false`.
    pub first_party: bool,
}

impl ClientRegistration {
    fn new(client_type: ClientType, name: impl Into<String>) -> Self {
        Self {
            client_id: None,
            client_type,
            name: name.into(),
            redirect_uris: Vec::new(),
            allowed_scopes: Scope::default(),
            grant_types: vec![GrantType::AuthorizationCode, GrantType::RefreshToken],
            first_party: false,
        }
    }

    /// A confidential client (a server-side app) named `name`.
    pub fn confidential(name: impl Into<String>) -> Self {
        Self::new(ClientType::Confidential, name)
    }

    /// A public client (a browser or native app) named `name`.
    pub fn public(name: impl Into<String>) -> Self {
        Self::new(ClientType::Public, name)
    }

    /// Sets [`client_id`](Self::client_id).
    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = Some(client_id.into());
        self
    }

    /// Adds a redirect URI.
    pub fn redirect_uri(mut self, uri: impl Into<String>) -> Self {
        self.redirect_uris.push(uri.into());
        self
    }

    /// Sets [`allowed_scopes`](Self::allowed_scopes) from the space-separated form.
    pub fn scopes(mut self, scopes: &str) -> Self {
        self.allowed_scopes = Scope::parse(scopes);
        self
    }

    /// Sets [`grant_types`](Self::grant_types).
    pub fn grant_types(mut self, grant_types: impl IntoIterator<Item = GrantType>) -> Self {
        self.grant_types = grant_types.into_iter().collect();
        self
    }

    /// Sets [`first_party`](Self::first_party).
    pub fn first_party(mut self, first_party: bool) -> Self {
        self.first_party = first_party;
        self
    }

    /// Checks everything but the secret against `supported` scopes and builds the record
    /// (without a secret hash yet).
    pub(crate) fn check(
        self,
        supported: &Scope,
        now: std::time::SystemTime,
    ) -> Result<OAuthClient, RegistrationError> {
        let client_id = match self.client_id {
            Some(client_id) => {
                check_client_id(&client_id)?;
                client_id
            }
            None => OpaqueToken::generate()
                .map_err(|_| RegistrationError::Random)?
                .secret()
                .chars()
                .take(22)
                .collect(),
        };
        let name = self.name.trim().to_owned();
        if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
            return Err(RegistrationError::InvalidName);
        }
        if self.redirect_uris.is_empty() {
            return Err(RegistrationError::NoRedirectUri);
        }
        for uri in &self.redirect_uris {
            check_redirect_uri(uri)?;
        }
        if self
            .allowed_scopes
            .iter()
            .any(|scope| !supported.contains(scope))
        {
            return Err(RegistrationError::UnsupportedScope);
        }
        let mut grant_types = self.grant_types;
        grant_types.dedup();
        if grant_types.is_empty() {
            return Err(RegistrationError::NoGrantType);
        }
        Ok(OAuthClient {
            client_id,
            secret_hash: None,
            client_type: self.client_type,
            name,
            redirect_uris: self.redirect_uris,
            allowed_scopes: self.allowed_scopes,
            grant_types,
            first_party: self.first_party,
            created_at: now,
        })
    }
}

/// `client_id`: 1–128 bytes of `A–Z a–z 0–9 - _ . ~` (safe in URLs, headers and HTML).
fn check_client_id(client_id: &str) -> Result<(), RegistrationError> {
    if client_id.is_empty() || client_id.len() > MAX_CLIENT_ID_BYTES {
        return Err(RegistrationError::InvalidClientId(
            "it must be 1 to 128 bytes",
        ));
    }
    if !client_id
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~'))
    {
        return Err(RegistrationError::InvalidClientId(
            "only A-Z a-z 0-9 - _ . ~ are allowed",
        ));
    }
    Ok(())
}

/// A new random client secret (256 bits) and its hash.
pub(crate) fn generate_secret() -> Result<(IssuedClientSecret, TokenHash), RegistrationError> {
    let token = OpaqueToken::generate().map_err(|_| RegistrationError::Random)?;
    let hash = token.hash();
    Ok((
        IssuedClientSecret(Zeroizing::new(token.secret().to_owned())),
        hash,
    ))
}

/// A host-chosen secret (at least 32 bytes) and its hash.
pub(crate) fn provided_secret(
    secret: &str,
) -> Result<(IssuedClientSecret, TokenHash), RegistrationError> {
    if secret.len() < MIN_SECRET_BYTES || secret.len() > MAX_SECRET_BYTES {
        return Err(RegistrationError::WeakSecret);
    }
    Ok((
        IssuedClientSecret(Zeroizing::new(secret.to_owned())),
        TokenHash::of(secret),
    ))
}

/// How a client identifies itself at the token, revocation and introspection endpoints: the
/// `Authorization` header (`client_secret_basic`) and the `client_id` / `client_secret` form
/// fields (`client_secret_post`, or `client_id` alone for a public client).
///
/// `Debug` never shows the header or the secret.
#[derive(Default, Clone)]
#[non_exhaustive]
pub struct ClientCredentials {
    /// The raw `Authorization` header, if the request had one.
    pub authorization_header: Option<String>,
    /// The `client_id` form field.
    pub client_id: Option<String>,
    /// The `client_secret` form field.
    pub client_secret: Option<String>,
}

impl ClientCredentials {
    /// Credentials from a request's `Authorization` header and its form fields.
    pub fn new(
        authorization_header: Option<String>,
        client_id: Option<String>,
        client_secret: Option<String>,
    ) -> Self {
        Self {
            authorization_header,
            client_id,
            client_secret,
        }
    }
}

impl fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCredentials")
            .field(
                "authorization_header",
                &self.authorization_header.as_ref().map(|_| "[redacted]"),
            )
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "[redacted]"),
            )
            .finish()
    }
}

/// What a client presented, once the method is known.
pub(crate) enum Presented {
    /// `client_secret_basic` or `client_secret_post`.
    Secret {
        client_id: String,
        secret: Zeroizing<String>,
    },
    /// A public client: `client_id` alone.
    ClientIdOnly(String),
}

/// Works out which authentication method a request used, refusing two at once (RFC 6749
/// §2.3: a client must not use more than one method per request).
pub(crate) fn presented(credentials: &ClientCredentials) -> Result<Presented, OAuthError> {
    if let Some(header) = &credentials.authorization_header {
        if credentials.client_secret.is_some() {
            return Err(OAuthError::InvalidRequest(
                "use one client authentication method, not two",
            ));
        }
        let (client_id, secret) = parse_basic(header).ok_or(OAuthError::InvalidClient)?;
        if credentials
            .client_id
            .as_ref()
            .is_some_and(|body_id| *body_id != client_id)
        {
            return Err(OAuthError::InvalidRequest(
                "client_id does not match the Authorization header",
            ));
        }
        return Ok(Presented::Secret { client_id, secret });
    }
    let client_id = credentials
        .client_id
        .clone()
        .filter(|id| !id.is_empty())
        .ok_or(OAuthError::InvalidClient)?;
    match &credentials.client_secret {
        Some(secret) => Ok(Presented::Secret {
            client_id,
            secret: Zeroizing::new(secret.clone()),
        }),
        None => Ok(Presented::ClientIdOnly(client_id)),
    }
}

/// `Basic base64(urlencode(id) ":" urlencode(secret))` (RFC 6749 §2.3.1, RFC 7617).
fn parse_basic(header: &str) -> Option<(String, Zeroizing<String>)> {
    let header = header.trim();
    let scheme = header.get(..6)?;
    if !scheme.eq_ignore_ascii_case("basic ") {
        return None;
    }
    let encoded = header[6..].trim();
    if encoded.len() > 2048 {
        return None;
    }
    let decoded = Zeroizing::new(STANDARD.decode(encoded).ok()?);
    let text = std::str::from_utf8(&decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    let id = form_decode(id)?;
    let secret = Zeroizing::new(form_decode(secret)?);
    (!id.is_empty()).then_some((id, secret))
}

/// Authenticates `presented` against `client` (already looked up by its id): a confidential
/// client must present its secret (compared as SHA-256 hashes, in constant time); a public
/// client must present none.
pub(crate) fn verify(client: &OAuthClient, presented: &Presented) -> Result<(), OAuthError> {
    match (client.client_type, &client.secret_hash, presented) {
        (ClientType::Confidential, Some(stored), Presented::Secret { secret, .. }) => {
            if secret.len() > MAX_SECRET_BYTES {
                return Err(OAuthError::InvalidClient);
            }
            let matches: bool = TokenHash::of(secret).ct_eq(stored).into();
            if matches {
                Ok(())
            } else {
                Err(OAuthError::InvalidClient)
            }
        }
        (ClientType::Public, None, Presented::ClientIdOnly(_)) => Ok(()),
        _ => Err(OAuthError::InvalidClient),
    }
}

impl Presented {
    pub(crate) fn client_id(&self) -> &str {
        match self {
            Self::Secret { client_id, .. } | Self::ClientIdOnly(client_id) => client_id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basic(id: &str, secret: &str) -> String {
        format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")))
    }

    #[test]
    fn basic_header_is_decoded_with_form_encoding() {
        let (id, secret) = parse_basic(&basic("my%3Aclient", "s%2Bcret+x")).unwrap();
        assert_eq!(id, "my:client");
        assert_eq!(secret.as_str(), "s+cret x");
        let (id, _) = parse_basic(&basic("c", "s").replace("Basic", "bAsIc")).unwrap();
        assert_eq!(id, "c");
    }

    #[test]
    fn malformed_basic_headers_are_refused() {
        for header in [
            "Bearer abc".to_owned(),
            "Basic !!!".to_owned(),
            format!("Basic {}", STANDARD.encode("no-colon")),
            format!("Basic {}", STANDARD.encode(":secret")),
            format!("Basic {}", STANDARD.encode("id:%zz")),
            "Basic".to_owned(),
        ] {
            assert!(parse_basic(&header).is_none(), "{header}");
        }
    }

    #[test]
    fn two_methods_at_once_are_refused() {
        let credentials =
            ClientCredentials::new(Some(basic("c", "s")), Some("c".into()), Some("s".into()));
        assert!(matches!(
            presented(&credentials),
            Err(OAuthError::InvalidRequest(_))
        ));
        let mismatch = ClientCredentials::new(Some(basic("c", "s")), Some("d".into()), None);
        assert!(matches!(
            presented(&mismatch),
            Err(OAuthError::InvalidRequest(_))
        ));
        assert!(matches!(
            presented(&ClientCredentials::default()),
            Err(OAuthError::InvalidClient)
        ));
    }

    #[test]
    fn debug_redacts_credentials() {
        let credentials = ClientCredentials::new(
            Some(basic("c", "hunter2")),
            Some("c".into()),
            Some("hunter2".into()),
        );
        let shown = format!("{credentials:?}");
        assert!(!shown.contains("hunter2") && !shown.contains(&basic("c", "hunter2")[6..]));
        let (secret, _) = generate_secret().unwrap();
        assert_eq!(format!("{secret:?}"), "IssuedClientSecret([redacted])");
        assert_eq!(secret.secret().len(), 43);
    }

    #[test]
    fn client_ids_are_checked() {
        assert!(check_client_id("workflow-studio_1.0~x").is_ok());
        for bad in ["", "a b", "a/b", "é", &"x".repeat(129)] {
            assert!(check_client_id(bad).is_err(), "{bad:?}");
        }
    }
}
