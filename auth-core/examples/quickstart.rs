//! Issues and verifies an access token, shows a refused one, and hashes a password.
//!
//! Run with `cargo run -p auth-core --example quickstart`. Set `JWT_SECRET_KEY` (32 bytes or
//! more) to sign with your own secret; otherwise a random one is generated for this run.

// An example talks to the person running it.
#![allow(clippy::print_stdout)]

use std::error::Error;

use auth_core::password::{PasswordHasher, PasswordPolicy};
use auth_core::token::{
    AccessTokenIssuer, AccessTokenRequest, AccessTokenVerifier, Algorithm, IssuerConfig, KeySet,
    Scope, SigningKey, VerifierConfig,
};

const ISSUER: &str = "http://127.0.0.1:3000";
const AUDIENCE: &str = "quickstart-api";

fn main() -> Result<(), Box<dyn Error>> {
    let key = match std::env::var("JWT_SECRET_KEY") {
        Ok(secret) => SigningKey::hmac("env", Algorithm::HS256, secret.as_bytes())?,
        Err(_) => {
            println!("JWT_SECRET_KEY is not set: signing with a random key for this run");
            SigningKey::generate_hmac("generated", Algorithm::HS256)?
        }
    };
    let keys = KeySet::new(key);
    let issuer = AccessTokenIssuer::new(IssuerConfig::new(ISSUER, AUDIENCE), &keys);
    let verifier = AccessTokenVerifier::new(VerifierConfig::new(ISSUER, AUDIENCE), &keys);

    let request = AccessTokenRequest::new("user-42")
        .session("session-1")
        .roles(["admin"])
        .plan("pro")
        .scope(Scope::new(["read:profile"]));
    let issued = issuer.issue(&request)?;
    println!(
        "issued an access token (jti {}, expires in {} s)",
        issued.jti, issued.expires_in
    );

    let claims = verifier.verify(issued.token.secret())?;
    println!(
        "verified: sub={} roles={:?} plan={:?} scope={}",
        claims.sub, claims.roles, claims.plan, claims.scope
    );

    let mut tampered = issued.token.into_secret();
    tampered.truncate(tampered.len() - 2);
    tampered.push_str("AA");
    match verifier.verify(&tampered) {
        Ok(_) => return Err("a tampered token verified".into()),
        Err(error) => println!("tampered token refused: {error}"),
    }

    let password = "mauve-tulip-orbit-42";
    PasswordPolicy::default().check(password, &["kim@example.com"])?;
    if let Err(refused) = PasswordPolicy::default().check("password1", &[]) {
        println!("weak password refused: {refused}");
    }
    let hasher = PasswordHasher::default();
    let stored = hasher.hash(password)?;
    println!("argon2id hash: {}…", &stored.as_str()[..31]);
    let outcome = hasher.verify(password, stored.as_str())?;
    println!("password verifies: {}", outcome.is_match());
    Ok(())
}
