//! TOTP (RFC 6238) for authenticator apps: [`TotpConfig`], the enrolment
//! ([`TotpEnrolment`]: secret, otpauth URI, QR code as SVG) and the check
//! ([`TotpConfig::verify`]), on the `totp-rs` crate.
//!
//! Codes are HMAC-SHA1, 6 digits, 30-second steps by default: the parameters every
//! authenticator app supports (several silently ignore others and show wrong codes).
//! Secrets are 160 random bits (RFC 4226 §4's recommendation).

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::cipher::{self, SecretKey};
use super::{MfaError, TotpError};
use crate::store::UserId;

/// Bytes of a new secret: 160 bits.
const SECRET_LEN: usize = 20;
/// RFC 4226 §4: at least 128 bits.
const MIN_SECRET_LEN: usize = 16;
/// Longer input than this is refused before looking at it (a code is at most 8 digits;
/// generous room for spaces).
const MAX_CODE_INPUT: usize = 32;
/// What the ciphertext of a TOTP secret is bound to, besides the account's id.
const AAD_LABEL: &[u8] = b"auth-rs totp secret\0";

/// How TOTP codes are made and checked.
///
/// The [`Default`] is what authenticator apps expect and RFC 6238 §5.2 recommends: 6
/// digits, 30-second steps, one step of clock skew either way. Set [`issuer`](Self::issuer)
/// to your product's name.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Deserialize),
    serde(default, deny_unknown_fields)
)]
#[non_exhaustive]
pub struct TotpConfig {
    /// The name the authenticator app shows above the account (the otpauth label's issuer
    /// and `issuer` parameter). Non-empty, without `:`. Defaults to `"auth-rs"`.
    pub issuer: String,
    /// Digits per code, 6 to 8 (RFC 4226 §5.3). Defaults to 6: most apps show only 6.
    pub digits: u8,
    /// The time step, whole seconds from 1 to 300. Defaults to 30 s, the only step most
    /// apps support.
    #[cfg_attr(
        feature = "serde",
        serde(deserialize_with = "crate::config_serde::duration")
    )]
    pub step: Duration,
    /// How many steps before and after the current one a code may be from, for clock drift
    /// and typing time: 0 to 2. Defaults to 1 (RFC 6238 §5.2: "at most one time step").
    pub skew: u8,
}

impl Default for TotpConfig {
    fn default() -> Self {
        Self {
            issuer: "auth-rs".to_owned(),
            digits: 6,
            step: Duration::from_secs(30),
            skew: 1,
        }
    }
}

impl TotpConfig {
    /// The default configuration with `issuer` as the name apps show.
    pub fn new(issuer: impl Into<String>) -> Self {
        Self {
            issuer: issuer.into(),
            ..Self::default()
        }
    }

    /// Checks every field (every method does too; call this at start-up to refuse a bad
    /// configuration before the first enrolment).
    ///
    /// # Errors
    ///
    /// [`TotpError::InvalidConfig`] naming the field: an empty issuer or one with `:`,
    /// digits outside 6–8, a skew over 2, a step that is not whole seconds from 1 to 300.
    pub fn validate(&self) -> Result<(), TotpError> {
        self.checked_step().map(|_| ())
    }

    /// The step in seconds, after checking every field.
    fn checked_step(&self) -> Result<u64, TotpError> {
        if self.issuer.is_empty() || self.issuer.contains(':') {
            return Err(TotpError::InvalidConfig(
                "issuer must be non-empty and contain no ':'",
            ));
        }
        if !(6..=8).contains(&self.digits) {
            return Err(TotpError::InvalidConfig("digits must be 6, 7 or 8"));
        }
        if self.skew > 2 {
            return Err(TotpError::InvalidConfig("skew must be at most 2 steps"));
        }
        let step = self.step.as_secs();
        if self.step.subsec_nanos() != 0 || !(1..=300).contains(&step) {
            return Err(TotpError::InvalidConfig(
                "step must be whole seconds from 1 to 300",
            ));
        }
        Ok(step)
    }

    /// A `totp-rs` generator for `secret` (no label: only for codes).
    fn generator(&self, secret: &TotpSecret) -> Result<(totp_rs::Totp, u64), TotpError> {
        let step = self.checked_step()?;
        let totp = totp_rs::Builder::new()
            .with_algorithm(totp_rs::Algorithm::SHA1)
            .with_digits(self.digits)
            .with_step_duration(step)
            .with_skew(0)
            .with_secret(secret.expose_secret())
            .build()
            .map_err(map_totp_rs)?;
        Ok((totp, step))
    }

    /// The time step `at` falls in (seconds since the epoch divided by the step).
    ///
    /// # Errors
    ///
    /// [`TotpError::InvalidConfig`] for an invalid configuration,
    /// [`TotpError::TimeBeforeEpoch`] for a time before 1970.
    pub fn step_at(&self, at: SystemTime) -> Result<u64, TotpError> {
        let step = self.checked_step()?;
        Ok(unix_seconds(at)? / step)
    }

    /// Starts an enrolment for `account_name` (the user's email or username, shown in the
    /// app): a new random 160-bit secret, its otpauth URI and QR code.
    ///
    /// # Errors
    ///
    /// [`MfaError::Totp`] with [`TotpError::InvalidConfig`] or [`TotpError::InvalidLabel`]
    /// (an empty account name, or one containing `:`); [`MfaError::Random`] if no secret
    /// could be drawn.
    pub fn enrol(&self, account_name: &str) -> Result<TotpEnrolment, MfaError> {
        let secret = TotpSecret::generate()?;
        self.enrolment(secret, account_name)
    }

    /// An enrolment for an existing `secret` (to show the QR code again while it is not
    /// confirmed yet).
    ///
    /// # Errors
    ///
    /// As [`enrol`](Self::enrol), without [`MfaError::Random`].
    pub fn enrolment(
        &self,
        secret: TotpSecret,
        account_name: &str,
    ) -> Result<TotpEnrolment, MfaError> {
        let step = self.checked_step()?;
        if account_name.is_empty() || account_name.contains(':') {
            return Err(TotpError::InvalidLabel.into());
        }
        let totp = totp_rs::Builder::new()
            .with_algorithm(totp_rs::Algorithm::SHA1)
            .with_digits(self.digits)
            .with_step_duration(step)
            .with_skew(0)
            .with_secret(secret.expose_secret())
            .with_issuer(Some(self.issuer.as_str()))
            .with_account_name(account_name)
            .build()
            .map_err(map_totp_rs)?;
        let uri = Zeroizing::new(totp.to_url().map_err(map_totp_rs)?);
        let manual_key = Zeroizing::new(totp.secret().to_base32());
        Ok(TotpEnrolment {
            secret,
            uri,
            manual_key,
        })
    }

    /// The code for `secret` at `at`, as an authenticator app would show it. For tests and
    /// development tools; a server only ever [`verify`](Self::verify)s.
    ///
    /// # Errors
    ///
    /// As [`step_at`](Self::step_at), and [`TotpError::SecretTooShort`].
    pub fn code_at(
        &self,
        secret: &TotpSecret,
        at: SystemTime,
    ) -> Result<Zeroizing<String>, TotpError> {
        let (totp, _) = self.generator(secret)?;
        Ok(Zeroizing::new(totp.generate(unix_seconds(at)?).to_string()))
    }

    /// Checks `code` against `secret` at `now` and returns the time step it was accepted for.
    ///
    /// The code must be exactly [`digits`](Self::digits) ASCII digits (spaces are ignored,
    /// as apps show `123 456`), match one of the steps `now − skew ..= now + skew` (compared
    /// in constant time), **and** that step must be strictly after `last_used_step`:
    /// RFC 6238 §5.2, a code is accepted once, and an older one is never accepted after a
    /// newer one. Record the returned step (atomically, with
    /// [`SecondFactorStore::use_totp_step`](crate::store::SecondFactorStore::use_totp_step))
    /// before treating the user as verified: two concurrent requests with one code both
    /// pass this check, and only the store's conditional write tells them apart.
    ///
    /// # Errors
    ///
    /// Rejections: [`TotpError::Malformed`], [`TotpError::Mismatch`],
    /// [`TotpError::Replayed`]. Setup: [`TotpError::InvalidConfig`],
    /// [`TotpError::SecretTooShort`], [`TotpError::TimeBeforeEpoch`]. Never panics.
    pub fn verify(
        &self,
        secret: &TotpSecret,
        code: &str,
        now: SystemTime,
        last_used_step: Option<u64>,
    ) -> Result<u64, TotpError> {
        let (totp, step) = self.generator(secret)?;
        if code.len() > MAX_CODE_INPUT {
            return Err(TotpError::Malformed);
        }
        let code: Zeroizing<String> = Zeroizing::new(
            code.chars()
                .filter(|character| !character.is_whitespace())
                .collect(),
        );
        if code.len() != usize::from(self.digits) || !code.bytes().all(|byte| byte.is_ascii_digit())
        {
            return Err(TotpError::Malformed);
        }
        let origin = unix_seconds(now)? / step;
        let skew = u64::from(self.skew);
        let mut accepted: Option<u64> = None;
        let mut replayed = false;
        // Every step of the window is computed and compared, whichever matches.
        for counter in origin.saturating_sub(skew)..=origin.saturating_add(skew) {
            let Some(at) = counter.checked_mul(step) else {
                continue;
            };
            let expected = Zeroizing::new(totp.generate(at).to_string());
            let matches: bool = expected.as_bytes().ct_eq(code.as_bytes()).into();
            if matches {
                if last_used_step.is_none_or(|last| counter > last) {
                    accepted = Some(counter);
                } else {
                    replayed = true;
                }
            }
        }
        match accepted {
            Some(counter) => Ok(counter),
            None if replayed => Err(TotpError::Replayed),
            None => Err(TotpError::Mismatch),
        }
    }
}

fn unix_seconds(at: SystemTime) -> Result<u64, TotpError> {
    at.duration_since(UNIX_EPOCH)
        .map(|since| since.as_secs())
        .map_err(|_| TotpError::TimeBeforeEpoch)
}

/// `totp-rs`'s errors as ours (its messages may carry the label; ours never do).
fn map_totp_rs(error: totp_rs::TotpError) -> TotpError {
    match error {
        totp_rs::TotpError::SecretTooShort { .. } | totp_rs::TotpError::SecretNotSet => {
            TotpError::SecretTooShort
        }
        totp_rs::TotpError::InvalidDigits { .. } => {
            TotpError::InvalidConfig("digits must be 6, 7 or 8")
        }
        totp_rs::TotpError::InvalidStepZero => {
            TotpError::InvalidConfig("step must be whole seconds from 1 to 300")
        }
        _ => TotpError::InvalidLabel,
    }
}

/// A TOTP shared secret (the key of the HMAC).
///
/// Not `Clone`; `Debug` prints `[redacted]`; zeroed on drop. Store it only encrypted
/// ([`encrypt`](Self::encrypt)).
pub struct TotpSecret(Zeroizing<Vec<u8>>);

impl TotpSecret {
    /// 160 fresh random bits from the operating system.
    ///
    /// # Errors
    ///
    /// [`MfaError::Random`] if the generator fails.
    pub fn generate() -> Result<Self, MfaError> {
        let mut bytes = Zeroizing::new(vec![0u8; SECRET_LEN]);
        getrandom::getrandom(bytes.as_mut_slice()).map_err(|_| MfaError::Random)?;
        Ok(Self(bytes))
    }

    /// Wraps existing secret bytes (a migration from another system, a test vector).
    ///
    /// # Errors
    ///
    /// [`TotpError::SecretTooShort`] under 128 bits.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self, TotpError> {
        let bytes = Zeroizing::new(bytes);
        if bytes.len() < MIN_SECRET_LEN {
            return Err(TotpError::SecretTooShort);
        }
        Ok(Self(bytes))
    }

    /// The secret bytes. Never log them.
    pub fn expose_secret(&self) -> &[u8] {
        &self.0
    }

    /// The stored form of this secret for `user`: encrypted under `key` (XChaCha20-Poly1305, see
    /// [`encrypt`](super::encrypt)), bound to the user's id, so the ciphertext copied onto
    /// another account does not decrypt.
    ///
    /// # Errors
    ///
    /// [`MfaError::Random`] if no nonce could be drawn.
    pub fn encrypt(&self, key: &SecretKey, user: UserId) -> Result<Vec<u8>, MfaError> {
        cipher::encrypt(key, &self.0, &aad(user))
    }

    /// Reads back what [`encrypt`](Self::encrypt) stored for `user`.
    ///
    /// # Errors
    ///
    /// [`MfaError::Decrypt`] for a wrong key, another user's ciphertext or altered bytes;
    /// [`MfaError::UnknownVersion`]; [`MfaError::Totp`] with [`TotpError::SecretTooShort`]
    /// for a decrypted secret under 128 bits.
    pub fn decrypt(key: &SecretKey, user: UserId, stored: &[u8]) -> Result<Self, MfaError> {
        let mut plain = cipher::decrypt(key, stored, &aad(user))?;
        Ok(Self::from_bytes(std::mem::take(&mut *plain))?)
    }
}

fn aad(user: UserId) -> Vec<u8> {
    let mut aad = AAD_LABEL.to_vec();
    aad.extend_from_slice(user.0.as_bytes());
    aad
}

impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpSecret([redacted])")
    }
}

/// A TOTP enrolment in progress: the new secret and the two ways to hand it to the user's
/// authenticator app (the QR code of the otpauth URI, or the key typed by hand).
///
/// Store [`secret`](Self::secret) encrypted as an unconfirmed record, show the QR code,
/// and confirm the record only when the user has typed a code that
/// [`TotpConfig::verify`] accepts. `Debug` prints `[redacted]` for everything.
pub struct TotpEnrolment {
    secret: TotpSecret,
    uri: Zeroizing<String>,
    manual_key: Zeroizing<String>,
}

impl TotpEnrolment {
    /// The new secret (to encrypt and store).
    pub fn secret(&self) -> &TotpSecret {
        &self.secret
    }

    /// Consumes the enrolment, keeping the secret.
    pub fn into_secret(self) -> TotpSecret {
        self.secret
    }

    /// The `otpauth://totp/Issuer:account?secret=…&issuer=…` URI (Key URI Format) apps read
    /// from the QR code. It contains the secret: send it to the user once, never log it.
    pub fn otpauth_uri(&self) -> &str {
        &self.uri
    }

    /// The secret in unpadded base32, for apps where the user types it in.
    pub fn manual_key(&self) -> &str {
        &self.manual_key
    }

    /// The otpauth URI as a QR code, an SVG document (`<?xml …><svg …>`, black on white,
    /// at least 200 × 200). It contains the secret, like the URI.
    ///
    /// # Errors
    ///
    /// [`TotpError::QrCode`] if the URI is too long for a QR code (an issuer and account
    /// name of thousands of characters).
    pub fn qr_svg(&self) -> Result<String, TotpError> {
        let code =
            qrcode::QrCode::with_error_correction_level(self.uri.as_bytes(), qrcode::EcLevel::M)
                .map_err(|_| TotpError::QrCode)?;
        Ok(code
            .render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(200, 200)
            .build())
    }
}

impl fmt::Debug for TotpEnrolment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpEnrolment([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(unix: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(unix)
    }

    fn rfc_secret() -> TotpSecret {
        TotpSecret::from_bytes(b"12345678901234567890".to_vec()).unwrap()
    }

    // RFC 6238 Appendix B, the SHA1 column: 8 digits, 30-second steps, T0 = 0, the ASCII
    // secret "12345678901234567890". Each code goes through `verify` (the production path)
    // and comes back with the step it belongs to.
    #[test]
    fn rfc6238_appendix_b_sha1_test_vectors() {
        let config = TotpConfig {
            digits: 8,
            ..TotpConfig::default()
        };
        let secret = rfc_secret();
        for (unix, code) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            assert_eq!(config.code_at(&secret, at(unix)).unwrap().as_str(), code);
            assert_eq!(
                config.verify(&secret, code, at(unix), None),
                Ok(unix / 30),
                "RFC 6238 vector at T = {unix}"
            );
        }
    }

    #[test]
    fn one_step_either_way_is_accepted_two_are_refused() {
        let config = TotpConfig::default();
        let secret = rfc_secret();
        let now: u64 = 1_700_000_000 / 30 * 30 + 10; // inside a step
        let origin = now / 30;
        for (offset, accepted) in [
            (-2_i64, false),
            (-1, true),
            (0, true),
            (1, true),
            (2, false),
        ] {
            let code_time = now.checked_add_signed(offset * 30).unwrap();
            let code = config.code_at(&secret, at(code_time)).unwrap();
            let result = config.verify(&secret, &code, at(now), None);
            if accepted {
                assert_eq!(result, Ok(origin.checked_add_signed(offset).unwrap()));
            } else {
                assert_eq!(result, Err(TotpError::Mismatch), "offset {offset}");
            }
        }
        let strict = TotpConfig {
            skew: 0,
            ..TotpConfig::default()
        };
        let previous = config.code_at(&secret, at(now - 30)).unwrap();
        assert_eq!(
            strict.verify(&secret, &previous, at(now), None),
            Err(TotpError::Mismatch)
        );
    }

    // RFC 6238 §5.2: "the verifier MUST NOT accept the second attempt of the OTP after the
    // successful validation has been issued for the first OTP". An attacker who saw a code
    // (shoulder surfing, a phishing proxy) cannot use it again once the user has.
    #[test]
    fn totp_code_replay_is_refused_rfc6238_5_2() {
        let config = TotpConfig::default();
        let secret = rfc_secret();
        let now = at(1_700_000_000);
        let code = config.code_at(&secret, now).unwrap();
        let step = config.verify(&secret, &code, now, None).unwrap();
        assert_eq!(
            config.verify(&secret, &code, now, Some(step)),
            Err(TotpError::Replayed)
        );
        // Still refused a step later, while it is inside the window.
        assert_eq!(
            config.verify(&secret, &code, now + Duration::from_secs(30), Some(step)),
            Err(TotpError::Replayed)
        );
        // An older code (the previous step) after a newer one was used: refused too.
        let older = config
            .code_at(&secret, now - Duration::from_secs(30))
            .unwrap();
        assert_eq!(
            config.verify(&secret, &older, now, Some(step)),
            Err(TotpError::Replayed)
        );
        // The next step's code is fresh.
        let next = now + Duration::from_secs(30);
        let next_code = config.code_at(&secret, next).unwrap();
        assert_eq!(
            config.verify(&secret, &next_code, next, Some(step)),
            Ok(step + 1)
        );
    }

    #[test]
    fn malformed_codes_are_errors_not_panics() {
        let config = TotpConfig::default();
        let secret = rfc_secret();
        let now = at(1_700_000_000);
        for bad in [
            "",
            "12345",
            "1234567",
            "12345a",
            "+12345",
            "-12345",
            "１２３４５６",
            "123456\0",
            "١٢٣٤٥٦",
            &"1".repeat(10_000),
        ] {
            assert_eq!(
                config.verify(&secret, bad, now, None),
                Err(TotpError::Malformed),
                "{bad:?}"
            );
        }
        // Spaces as apps show them are fine.
        let code = config.code_at(&secret, now).unwrap();
        let spaced = format!(" {} {} ", &code[..3], &code[3..]);
        assert!(config.verify(&secret, &spaced, now, None).is_ok());
        assert_eq!(
            config.verify(&secret, &code, UNIX_EPOCH - Duration::from_secs(1), None),
            Err(TotpError::TimeBeforeEpoch)
        );
    }

    #[test]
    fn the_default_is_what_authenticator_apps_expect() {
        let config = TotpConfig::default();
        assert_eq!(config.validate(), Ok(()));
        assert_eq!(
            (config.digits, config.step, config.skew),
            (6, Duration::from_secs(30), 1)
        );
    }

    #[test]
    fn weakening_configurations_are_refused() {
        let secret = rfc_secret();
        let now = at(1_700_000_000);
        for config in [
            TotpConfig {
                digits: 5,
                ..TotpConfig::default()
            },
            TotpConfig {
                digits: 10,
                ..TotpConfig::default()
            },
            TotpConfig {
                skew: 3,
                ..TotpConfig::default()
            },
            TotpConfig {
                step: Duration::ZERO,
                ..TotpConfig::default()
            },
            TotpConfig {
                step: Duration::from_millis(1_500),
                ..TotpConfig::default()
            },
            TotpConfig {
                step: Duration::from_secs(3_600),
                ..TotpConfig::default()
            },
            TotpConfig::new(""),
            TotpConfig::new("Acme: Inc"),
        ] {
            assert!(
                matches!(
                    config.verify(&secret, "123456", now, None),
                    Err(TotpError::InvalidConfig(_))
                ),
                "{config:?}"
            );
            assert!(matches!(
                config.enrol("kim@example.com"),
                Err(MfaError::Totp(TotpError::InvalidConfig(_)))
            ));
            assert!(matches!(
                config.validate(),
                Err(TotpError::InvalidConfig(_))
            ));
        }
        assert_eq!(
            TotpSecret::from_bytes(vec![1; 15]).unwrap_err(),
            TotpError::SecretTooShort
        );
    }

    #[test]
    fn the_otpauth_uri_parses_back_with_the_same_secret_and_label() {
        let config = TotpConfig::new("Acme Cloud");
        let enrolment = config.enrol("kim@example.com").unwrap();
        let uri = enrolment.otpauth_uri();
        assert!(
            uri.starts_with("otpauth://totp/Acme%20Cloud:kim%40example.com?"),
            "{uri}"
        );
        assert!(uri.contains("issuer=Acme%20Cloud"), "{uri}");
        let parsed = totp_rs::Totp::from_url(uri).expect("totp-rs reads our URI");
        assert_eq!(parsed.secret().as_ref(), enrolment.secret().expose_secret());
        assert_eq!(
            enrolment.secret().expose_secret().len(),
            20,
            "160-bit secret"
        );
        assert_eq!(parsed.issuer(), Some("Acme Cloud"));
        assert_eq!(parsed.account_name(), "kim@example.com");
        assert_eq!(parsed.digits(), 6);
        assert_eq!(parsed.step(), 30);
        assert_eq!(parsed.algorithm(), totp_rs::Algorithm::SHA1);
        // The app's code (from the parsed URI) is what the server accepts.
        let now = 1_700_000_000;
        let app_code = parsed.generate(now).to_string();
        assert!(
            config
                .verify(enrolment.secret(), &app_code, at(now), None)
                .is_ok()
        );
        assert_eq!(enrolment.manual_key(), parsed.secret().to_base32());

        for bad in ["", "kim:admin"] {
            assert!(matches!(
                config.enrol(bad),
                Err(MfaError::Totp(TotpError::InvalidLabel))
            ));
        }
    }

    #[test]
    fn the_qr_code_is_an_svg_document() {
        let enrolment = TotpConfig::new("Acme").enrol("kim@example.com").unwrap();
        let svg = enrolment.qr_svg().unwrap();
        assert!(
            svg.starts_with("<?xml") || svg.starts_with("<svg"),
            "{svg:.80}"
        );
        assert!(svg.contains("<svg"));
        assert!(svg.trim_end().ends_with("</svg>"));
        assert!(svg.len() > 1_000, "a real QR code has many modules");
        let too_long = TotpConfig::new("Acme").enrol(&"k".repeat(5_000)).unwrap();
        assert_eq!(too_long.qr_svg(), Err(TotpError::QrCode));
    }

    #[test]
    fn secrets_round_trip_encrypted_and_bound_to_the_user() {
        let key = SecretKey::generate().unwrap();
        let user = UserId::generate().unwrap();
        let other = UserId::generate().unwrap();
        let secret = TotpSecret::generate().unwrap();
        let stored = secret.encrypt(&key, user).unwrap();
        let back = TotpSecret::decrypt(&key, user, &stored).unwrap();
        assert_eq!(back.expose_secret(), secret.expose_secret());
        // Copied onto another account's row: refused.
        assert!(matches!(
            TotpSecret::decrypt(&key, other, &stored),
            Err(MfaError::Decrypt)
        ));
        // Another key: refused.
        let wrong = SecretKey::generate().unwrap();
        assert!(matches!(
            TotpSecret::decrypt(&wrong, user, &stored),
            Err(MfaError::Decrypt)
        ));
        // Tampered: refused.
        let mut altered = stored.clone();
        let last = altered.len() - 1;
        altered[last] ^= 0x80;
        assert!(matches!(
            TotpSecret::decrypt(&key, user, &altered),
            Err(MfaError::Decrypt)
        ));
    }

    #[test]
    fn debug_never_shows_secrets() {
        let enrolment = TotpConfig::new("Acme").enrol("kim@example.com").unwrap();
        let shown = format!("{enrolment:?} {:?}", enrolment.secret());
        assert!(!shown.contains(enrolment.manual_key()), "{shown}");
        assert_eq!(shown, "TotpEnrolment([redacted]) TotpSecret([redacted])");
    }
}
