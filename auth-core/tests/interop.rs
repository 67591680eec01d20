//! Interoperability with an independent JWT implementation (jwt-simple, pure-Rust build):
//! tokens we issue verify there, and tokens it issues verify here, for every asymmetric
//! algorithm and HS256.

mod common;

use std::collections::HashSet;

use auth_core::token::{
    AccessTokenIssuer, AccessTokenRequest, AccessTokenVerifier, Algorithm, IssuerConfig, KeySet,
    SigningKey, VerifierConfig,
};
use common::*;
use jwt_simple::prelude::*;
use serde::Deserialize;

#[derive(Debug, Serialize, Deserialize)]
struct OurClaims {
    sid: String,
    roles: Vec<String>,
}

fn issue(key: SigningKey) -> String {
    let issuer = AccessTokenIssuer::new(IssuerConfig::new(ISSUER, AUDIENCE), &KeySet::new(key));
    let request = AccessTokenRequest::new("user-7")
        .session("s-1")
        .roles(["admin"]);
    issuer.issue(&request).unwrap().token.into_secret()
}

fn their_options(kid: &str) -> VerificationOptions {
    VerificationOptions {
        required_key_id: Some(kid.to_owned()),
        required_signature_type: Some("at+jwt".to_owned()),
        allowed_issuers: Some(HashSet::from([ISSUER.to_owned()])),
        allowed_audiences: Some(HashSet::from([AUDIENCE.to_owned()])),
        ..Default::default()
    }
}

fn their_claims() -> JWTClaims<OurClaims> {
    Claims::with_custom_claims(
        OurClaims {
            sid: "s-2".into(),
            roles: vec!["editor".into()],
        },
        Duration::from_mins(5),
    )
    .with_issuer(ISSUER)
    .with_audience(AUDIENCE)
    .with_subject("user-8")
    .with_jwt_id("jti-from-jwt-simple")
}

fn at_jwt() -> HeaderOptions {
    HeaderOptions {
        signature_type: Some("at+jwt".to_owned()),
        ..Default::default()
    }
}

fn our_verifier(key: SigningKey) -> AccessTokenVerifier {
    AccessTokenVerifier::new(VerifierConfig::new(ISSUER, AUDIENCE), &KeySet::new(key))
}

fn assert_ours_verified_there(claims: JWTClaims<OurClaims>) {
    assert_eq!(claims.subject.as_deref(), Some("user-7"));
    assert_eq!(claims.custom.sid, "s-1");
    assert_eq!(claims.custom.roles, ["admin"]);
}

fn assert_theirs_verified_here(token: &str, key: SigningKey) {
    let claims = our_verifier(key).verify(token).unwrap();
    assert_eq!(claims.sub, "user-8");
    assert_eq!(claims.sid.as_deref(), Some("s-2"));
    assert_eq!(claims.roles, ["editor"]);
    assert_eq!(claims.jti.as_deref(), Some("jti-from-jwt-simple"));
}

#[test]
fn hs256_both_ways() {
    let ours = SigningKey::hmac("hs", Algorithm::HS256, HMAC_SECRET).unwrap();
    let theirs = HS256Key::from_bytes(HMAC_SECRET).with_key_id("hs");
    let verified =
        theirs.verify_token::<OurClaims>(&issue(ours.clone()), Some(their_options("hs")));
    assert_ours_verified_there(verified.unwrap());
    let token = theirs
        .authenticate_with_options(their_claims(), &at_jwt())
        .unwrap();
    assert_theirs_verified_here(&token, ours);
}

#[test]
fn rs256_both_ways() {
    let ours = SigningKey::from_pem("rsa", Algorithm::RS256, RSA_PEM).unwrap();
    let theirs = RS256KeyPair::from_pem(std::str::from_utf8(RSA_PEM).unwrap())
        .unwrap()
        .with_key_id("rsa");
    let verified = theirs
        .public_key()
        .verify_token::<OurClaims>(&issue(ours.clone()), Some(their_options("rsa")));
    assert_ours_verified_there(verified.unwrap());
    let token = theirs.sign_with_options(their_claims(), &at_jwt()).unwrap();
    assert_theirs_verified_here(&token, ours);
}

#[test]
fn es256_both_ways() {
    let ours = SigningKey::from_pem("ec", Algorithm::ES256, P256_PEM).unwrap();
    let theirs = ES256KeyPair::from_pem(std::str::from_utf8(P256_PEM).unwrap())
        .unwrap()
        .with_key_id("ec");
    let verified = theirs
        .public_key()
        .verify_token::<OurClaims>(&issue(ours.clone()), Some(their_options("ec")));
    assert_ours_verified_there(verified.unwrap());
    let token = theirs.sign_with_options(their_claims(), &at_jwt()).unwrap();
    assert_theirs_verified_here(&token, ours);
}

#[test]
fn eddsa_both_ways() {
    let ours = SigningKey::from_pem("ed", Algorithm::EdDSA, ED25519_PEM).unwrap();
    let theirs = Ed25519KeyPair::from_pem(std::str::from_utf8(ED25519_PEM).unwrap())
        .unwrap()
        .with_key_id("ed");
    let verified = theirs
        .public_key()
        .verify_token::<OurClaims>(&issue(ours.clone()), Some(their_options("ed")));
    assert_ours_verified_there(verified.unwrap());
    let token = theirs.sign_with_options(their_claims(), &at_jwt()).unwrap();
    assert_theirs_verified_here(&token, ours);
}

#[test]
fn their_plain_jwt_typ_is_not_an_access_token_here() {
    // jwt-simple writes typ "JWT" unless told otherwise: such a token is refused as the wrong
    // type even though its signature is good (RFC 9068 §4).
    let theirs = HS256Key::from_bytes(HMAC_SECRET).with_key_id("hs");
    let token = theirs.authenticate(their_claims()).unwrap();
    let ours = SigningKey::hmac("hs", Algorithm::HS256, HMAC_SECRET).unwrap();
    assert_eq!(
        our_verifier(ours).verify(&token).unwrap_err(),
        auth_core::token::TokenError::WrongType
    );
}
