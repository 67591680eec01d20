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
