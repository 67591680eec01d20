//! axum 0.8 integration (feature `axum`): extractors for the [`AuthContext`] put there by
//! [`AuthLayer`](crate::AuthLayer), `Require<P>` for policies, and `IntoResponse` for
//! [`AuthRejection`].
//!
//! | extractor | without context | policy refuses |
//! |---|---|---|
//! | `AuthContext<E>` | 401 `Bearer realm="…"` | – |
//! | `Option<AuthContext<E>>` | `None` | – |
//! | [`Require<P, E>`](crate::Require) | 401 | 403 `insufficient_scope` |
//!
//! Requests with bad credentials never reach an extractor: the layer refuses them first.

use ::axum::extract::{FromRequestParts, OptionalFromRequestParts};
use ::axum::response::{IntoResponse, Response};
use http::request::Parts;

use crate::AuthContext;
use crate::authenticator::CustomClaims;
use crate::guard::{Policy, Require, enforce};
use crate::rejection::{AuthRejection, DEFAULT_REALM};

impl IntoResponse for AuthRejection {
    fn into_response(self) -> Response {
        AuthRejection::into_response::<::axum::body::Body>(self)
    }
}

fn context<E: CustomClaims>(parts: &Parts) -> Result<AuthContext<E>, AuthRejection> {
    parts
        .extensions
        .get::<AuthContext<E>>()
        .cloned()
        .ok_or_else(|| AuthRejection::missing(DEFAULT_REALM.into()))
}

impl<S: Send + Sync, E: CustomClaims> FromRequestParts<S> for AuthContext<E> {
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        context(parts)
    }
}

impl<S: Send + Sync, E: CustomClaims> OptionalFromRequestParts<S> for AuthContext<E> {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        Ok(parts.extensions.get::<AuthContext<E>>().cloned())
    }
}

impl<S, P, E> FromRequestParts<S> for Require<P, E>
where
    S: Send + Sync,
    P: Policy<E>,
    E: CustomClaims,
{
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        enforce::<P, E>(context(parts)?)
    }
}

impl crate::AuthEndpoints {
    /// `app` with every route behind [`AuthLayer::required`](crate::AuthLayer::required)
    /// over these endpoints' [`authenticator`](crate::AuthEndpoints::authenticator), and the
    /// endpoints nested at `path` **outside** that layer: the one wiring in which signup and
    /// login are reachable without a token while the host's routes need one. (Nested inside a
    /// required layer, `POST /auth/signup` answers 401 and nothing else says why.)
    ///
    /// Routes merged onto the returned router afterwards are not behind the layer: that is
    /// where public pages go.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use auth_core::flows::{AuthService, RecordingMailer, Stores};
    /// # use auth_core::token::{Algorithm, KeySet, SigningKey};
    /// use auth_tower::{AuthContext, AuthEndpoints, EndpointsConfig};
    /// use axum::{Router, routing::get};
    /// # let keys = KeySet::new(SigningKey::hmac("k1", Algorithm::HS256, &[7; 32])?);
    /// # let service = AuthService::builder(keys, Stores::in_memory())
    /// #     .issuer("https://auth.example.com", "https://api.example.com")
    /// #     .mailer(Arc::new(RecordingMailer::default()))
    /// #     .build()?;
    /// let endpoints = AuthEndpoints::for_service(service, EndpointsConfig::default());
    /// let api = Router::new().route("/me", get(|user: AuthContext| async move {
    ///     user.subject().to_owned()
    /// }));
    /// let app: Router = endpoints
    ///     .protect(api, "/auth")? // /me needs a token; /auth/signup, /auth/login … do not
    ///     .route("/health", get(|| async { "ok" })); // public
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`EndpointsError::MountPath`](crate::EndpointsError::MountPath) when `path` is not
    /// one axum can nest at (`""`, `"/"`, `"auth"`, `"/auth/"`, a `{parameter}` or
    /// `*wildcard`, …): an error at startup rather than axum's panic.
    ///
    /// # Panics
    /// As axum's `nest_service` does when `app` already has a route under `path`.
    pub fn protect<S>(
        self,
        app: ::axum::Router<S>,
        path: &str,
    ) -> Result<::axum::Router<S>, crate::EndpointsError>
    where
        S: Clone + Send + Sync + 'static,
    {
        if !is_mount_path(path) {
            return Err(crate::EndpointsError::MountPath(path.to_owned()));
        }
        let layer = crate::AuthLayer::required(self.authenticator().clone());
        Ok(app.layer(layer).nest_service(path, self.into_service()))
    }
}

/// A literal path axum can nest a service at: `/` then non-empty segments of unreserved
/// characters, no trailing slash.
fn is_mount_path(path: &str) -> bool {
    path.strip_prefix('/').is_some_and(|rest| {
        rest.split('/').all(|segment| {
            !matches!(segment, "" | "." | "..")
                && segment
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~'))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::is_mount_path;

    #[test]
    fn mount_paths_axum_can_nest_at() {
        for good in ["/auth", "/api/v1/auth", "/a-b.c_d~e"] {
            assert!(is_mount_path(good), "{good}");
        }
        for bad in [
            "", "/", "auth", "/auth/", "//auth", "/auth//x", "/{id}", "/*rest", "/a b", "/ä",
            "/..", "/a/./b",
        ] {
            assert!(!is_mount_path(bad), "{bad:?}");
        }
    }
}
