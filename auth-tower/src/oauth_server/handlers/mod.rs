//! One handler per route, a file per endpoint group: the authorization endpoint with its
//! login and consent pages ([`authorize`]), the login post and sign-out ([`sign_in`]), the
//! token endpoint ([`token`]), revocation and introspection ([`revoke_introspect`]), userinfo
//! ([`userinfo`]), metadata and keys ([`metadata`]), over the shared form parsing ([`form`])
//! and answers ([`response`]).

mod authorize;
mod form;
mod metadata;
mod response;
mod revoke_introspect;
mod sign_in;
mod token;
mod userinfo;

pub(super) use response::no_store;
