//! Runs N access-token verifications through one implementation, so that an instruction
//! counter (`valgrind --tool=callgrind`, see `instructions.sh`) can compare auth-core with
//! `jsonwebtoken::decode` without the timing noise of a shared machine.
//!
//! Usage: `verify_work <HS256|RS256|ES256|EdDSA> <auth-core|jsonwebtoken> <iterations>`

use std::hint::black_box;
use std::process::ExitCode;

use auth_benches::{RawClaims, raw_claims, raw_header, raw_validation, request, token_cases};
use auth_core::token::{
    AccessTokenIssuer, AccessTokenVerifier, IssuerConfig, KeySet, VerifierConfig,
};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [algorithm, implementation, iterations] = args.as_slice() else {
        eprintln!("usage: verify_work <HS256|RS256|ES256|EdDSA> <auth-core|jsonwebtoken> <n>");
        return ExitCode::FAILURE;
    };
    let Ok(iterations) = iterations.parse::<u32>() else {
        eprintln!("iterations must be a number");
        return ExitCode::FAILURE;
    };
    let Some(case) = token_cases()
        .into_iter()
        .find(|case| case.name == algorithm)
    else {
        eprintln!("unknown algorithm {algorithm}");
        return ExitCode::FAILURE;
    };
    let keys = KeySet::new(case.ours.clone());
    match implementation.as_str() {
        "auth-core" => {
            let issuer = AccessTokenIssuer::new(
                IssuerConfig::new(auth_benches::ISSUER, auth_benches::AUDIENCE),
                &keys,
            );
            let verifier = AccessTokenVerifier::new(
                VerifierConfig::new(auth_benches::ISSUER, auth_benches::AUDIENCE),
                &keys,
            );
            let token = issuer.issue(&request()).expect("issue").token.into_secret();
            for _ in 0..iterations {
                black_box(verifier.verify(black_box(&token)).expect("verify"));
            }
        }
        "jsonwebtoken" => {
            let validation = raw_validation(case.algorithm);
            let token = jsonwebtoken::encode(
                &raw_header(case.algorithm),
                &raw_claims(),
                &case.raw_encoding,
            )
            .expect("encode");
            for _ in 0..iterations {
                black_box(
                    jsonwebtoken::decode::<RawClaims>(
                        black_box(&token),
                        &case.raw_decoding,
                        &validation,
                    )
                    .expect("decode"),
                );
            }
        }
        other => {
            eprintln!("unknown implementation {other}");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
