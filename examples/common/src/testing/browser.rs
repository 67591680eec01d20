//! The demo page in headless Chromium: sign up and log in through the page, see the
//! protected content, survive a reload through the refresh cookie, log out ([`demo_page`]);
//! enrol TOTP and sign in with password + code or a recovery code ([`totp_page`]); sign up
//! with a passkey only and sign back in with it, through a WebDriver virtual authenticator
//! ([`passkey_page`]).

use std::time::{Duration, SystemTime};

use auth_core::mfa::{TotpConfig, TotpSecret};

use super::process::{ExampleServer, skip_notice};
use super::scenarios::PASSWORD;
use super::webdriver::{Browser, Chromedriver};

/// Runs the browser scenario against `bin`, or prints why it is skipped when
/// `AUTH_TEST_CHROMEDRIVER` is unset (`.ci/run` sets it).
pub async fn demo_page(bin: &str) {
    let Some(driver) = Chromedriver::from_env().await else {
        skip_notice(format_args!(
            "SKIPPED: the headless-Chromium test of the demo page needs \
             AUTH_TEST_CHROMEDRIVER=/usr/bin/chromedriver (apt-get install chromium chromium-driver)"
        ));
        return;
    };
    let server = ExampleServer::start(bin, &[]);
    let browser = driver.browser().await;
    let email = "browser@example.com";

    // Fresh visit: not signed in.
    browser.goto(&server.base_url).await;
    browser.wait_for_text("#status", "Not signed in").await;
    // At 127.0.0.1 the page says passkeys need a host name (WebAuthn refuses IP addresses).
    browser.wait_for_text("#passkey-host", "localhost").await;

    // Sign up through the form: the protected content appears.
    browser.type_into("#email", email).await;
    browser.type_into("#password", PASSWORD).await;
    browser.click("#signup").await;
    browser.wait_for_text("#who", email).await;
    let protected = browser.wait_for_text("#protected", "\"sub\"").await;
    assert!(protected.contains("\"session_id\""), "{protected}");
    browser.wait_for_text("#sessions", "(this page)").await;

    // A plain user is refused on the admin route, shown on the page.
    browser.click("#try-admin").await;
    browser.wait_for_text("#guarded", "403").await;

    // An expired (here: unusable) access token: the page refreshes through the cookie and
    // retries, so the guarded call still reaches the guard (403), not a 401.
    let replaced = browser
        .execute("accessToken = 'expired.access.token'; return accessToken;")
        .await;
    assert_eq!(
        replaced, "expired.access.token",
        "the page's token was replaced"
    );
    browser.click("#try-pro").await;
    browser.wait_for_text("#guarded", "/api/pro → 403").await;
    let token = browser.execute("return accessToken;").await;
    assert_ne!(token, "expired.access.token", "refreshed into a new token");

    // Reload: the access token was only in memory, so staying signed in proves the
    // browser kept the `__Host-` refresh cookie (Secure, on http://127.0.0.1) and the page
    // refreshed with the CSRF header.
    browser.goto(&server.base_url).await;
    browser.wait_for_text("#status", "Signed in").await;
    browser.wait_for_text("#who", email).await;

    // Log out: signed out, and a reload stays signed out (the cookie was cleared).
    browser.click("#logout").await;
    browser.wait_for_text("#status", "Signed out").await;
    browser.goto(&server.base_url).await;
    browser.wait_for_text("#status", "Not signed in").await;

    // Log in through the form: the protected content again.
    browser.type_into("#email", email).await;
    browser.type_into("#password", PASSWORD).await;
    browser.click("#login").await;
    browser.wait_for_text("#who", email).await;
    browser.wait_for_text("#protected", "\"sub\"").await;

    screenshot(&browser, bin, "demo").await;
    // End this session from the session list: signed out, and the refresh cookie no longer
    // signs the page back in.
    browser.wait_for_text("#sessions", "(this page)").await;
    browser.click(".end-session").await;
    browser
        .wait_for_text("#status", "This session was ended")
        .await;
    browser.goto(&server.base_url).await;
    browser.wait_for_text("#status", "Signed out").await;

    browser.quit().await;
}

/// Saves a screenshot as `<AUTH_TEST_SCREENSHOT_DIR>/<binary>-<step>.png`, when that variable
/// is set.
async fn screenshot(browser: &Browser, bin: &str, step: &str) {
    if let Some(dir) = std::env::var_os("AUTH_TEST_SCREENSHOT_DIR") {
        let name = std::path::Path::new(bin)
            .file_name()
            .map_or_else(|| "demo".into(), |n| n.to_string_lossy().into_owned());
        browser
            .screenshot(&std::path::Path::new(&dir).join(format!("{name}-{step}.png")))
            .await;
    }
}

/// The server's page at `http://localhost:PORT`: WebAuthn refuses IP addresses as relying-party
/// ids, so the passkey flows need a host name (and the example's default
/// `PASSKEY_ORIGINS` is `http://localhost:PORT`). `__Host-` cookies work there too.
fn localhost_url(server: &ExampleServer) -> String {
    server.base_url.replacen("127.0.0.1", "localhost", 1)
}

/// Decodes RFC 4648 base32 (the TOTP manual key; spaces and padding ignored).
fn base32_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut bits: u32 = 0;
    let mut pending = 0;
    let mut bytes = Vec::new();
    for character in text.chars().filter(|c| !c.is_whitespace() && *c != '=') {
        let value = ALPHABET
            .find(character.to_ascii_uppercase())
            .unwrap_or_else(|| panic!("{character:?} is not base32"));
        bits = (bits << 5) | value as u32;
        pending += 5;
        if pending >= 8 {
            pending -= 8;
            bytes.push((bits >> pending) as u8);
            bits &= (1 << pending) - 1;
        }
    }
    bytes
}

/// The code an authenticator app shows for the manual key `key` at `at` (RFC 6238 with the
/// apps' defaults: SHA-1, 6 digits, 30 s).
fn app_code(key: &str, at: SystemTime) -> String {
    let secret = TotpSecret::from_bytes(base32_decode(key)).expect("a TOTP secret");
    TotpConfig::default()
        .code_at(&secret, at)
        .expect("a code")
        .to_string()
}

/// Signs in through the password form of the page: an account with TOTP gets the page's
/// second-factor form.
async fn password_login(browser: &Browser, email: &str) {
    browser.type_into("#email", email).await;
    browser.type_into("#password", PASSWORD).await;
    browser.click("#login").await;
}

async fn log_out(browser: &Browser) {
    browser.click("#logout").await;
    browser.wait_for_text("#status", "Signed out").await;
}

/// TOTP through the page: sign up with a password, enrol an authenticator app (the QR code
/// shown; the test reads the manual key and computes the codes itself, as the app would),
/// confirm it, get the recovery codes once; then sign in with password + code, and with
/// password + a recovery code — which is refused when used again (single use).
pub async fn totp_page(bin: &str) {
    let Some(driver) = Chromedriver::from_env().await else {
        skip_notice(format_args!(
            "SKIPPED: the headless-Chromium TOTP test of the demo page needs \
             AUTH_TEST_CHROMEDRIVER=/usr/bin/chromedriver (apt-get install chromium chromium-driver)"
        ));
        return;
    };
    let server = ExampleServer::start(bin, &[]);
    let browser = driver.browser().await;
    let page = localhost_url(&server);
    let email = "totp@example.com";

    browser.goto(&page).await;
    browser.wait_for_text("#status", "Not signed in").await;
    browser.type_into("#email", email).await;
    browser.type_into("#password", PASSWORD).await;
    browser.click("#signup").await;
    browser.wait_for_text("#who", email).await;
    browser.wait_for_text("#amr", "pwd").await;
    browser
        .wait_for_text("#mfa-status", "Authenticator app: off")
        .await;
    for absent in ["#remove-totp", "#new-recovery-codes", "#totp-enrolment"] {
        assert_eq!(
            browser.text(absent).await,
            "",
            "{absent} is hidden before enrolment"
        );
    }

    // A sign-in too old to change second factors (RFC 9470): simulated by answering the
    // first enrolment request as the server does after 10 minutes (a test cannot wait
    // them out). The page asks for the password, confirms it at the real
    // `POST /auth/reauthenticate`, and carries on with the enrolment.
    let stubbed = browser
        .execute(
            "const realFetch = window.fetch; let stale = true; \
             window.fetch = (path, options) => { \
               if (stale && path === '/auth/totp/enroll') { stale = false; \
                 return Promise.resolve(new Response(JSON.stringify({ \
                   error: 'insufficient_user_authentication', \
                   error_description: 'sign in again' }), { status: 401, headers: { \
                   'Content-Type': 'application/json', \
                   'WWW-Authenticate': 'Bearer error=\"insufficient_user_authentication\", max_age=\"600\"' } })); } \
               return realFetch(path, options); }; \
             return true;",
        )
        .await;
    assert_eq!(stubbed, true);
    browser.click("#enrol-totp").await;
    browser.wait_for_text("#reauth", "Confirm it").await;
    assert_eq!(
        browser.text("#totp-enrolment").await,
        "",
        "no enrolment yet"
    );
    browser
        .type_into("#reauth-password", "not-the-password-1")
        .await;
    browser.click("#reauth-submit").await;
    browser
        .wait_until("#error", "a refused password", |text| !text.is_empty())
        .await;
    assert_ne!(browser.text("#reauth").await, "", "still asking");
    browser.type_into("#reauth-password", PASSWORD).await;
    browser.click("#reauth-submit").await;

    // Enrol: the QR code (an SVG) and the manual key are shown.
    browser
        .wait_for_text("#totp-enrolment", "Or type this key")
        .await;
    let key = browser
        .wait_until("#totp-key", "the manual key", |text| text.len() >= 16)
        .await;
    let qr = browser
        .execute("const svg = document.querySelector('#totp-qr svg'); return svg ? svg.getBoundingClientRect().width : 0;")
        .await;
    assert!(
        qr.as_f64().unwrap_or_default() >= 150.0,
        "the QR code is shown: {qr}"
    );
    screenshot(&browser, bin, "totp-enrolment").await;

    // A wrong code is refused, and the enrolment stays open.
    browser.type_into("#totp-code", "000000").await;
    let now = SystemTime::now();
    let window = [
        now - Duration::from_secs(30),
        now,
        now + Duration::from_secs(30),
    ];
    if window.iter().all(|at| app_code(&key, *at) != "000000") {
        browser.click("#confirm-totp").await;
        browser
            .wait_until("#error", "an error", |text| !text.is_empty())
            .await;
        browser
            .wait_for_text("#mfa-status", "Authenticator app: off")
            .await;
    }

    // Confirm with the app's current code: the recovery codes, shown once, and this
    // session's new token says otp + mfa.
    browser
        .type_into("#totp-code", &app_code(&key, SystemTime::now()))
        .await;
    browser.click("#confirm-totp").await;
    let codes = browser
        .wait_until("#recovery-list", "ten recovery codes", |text| {
            text.lines().count() == 10
        })
        .await;
    let codes: Vec<String> = codes.lines().map(str::to_owned).collect();
    browser.wait_for_text("#amr", "mfa").await;
    browser.wait_for_text("#amr", "otp").await;
    browser
        .wait_for_text("#mfa-status", "Recovery codes left: 10")
        .await;
    assert_eq!(
        browser.text("#enrol-totp").await,
        "",
        "hidden once enrolled"
    );
    assert_eq!(browser.text("#totp-enrolment").await, "", "the key is gone");
    screenshot(&browser, bin, "totp-recovery-codes").await;
    browser.click("#recovery-done").await;
    assert_eq!(browser.text("#recovery-list").await, "", "shown once");
    log_out(&browser).await;

    // Password, then the code. The confirmation spent this time step's code (RFC 6238 §5.2:
    // a code is accepted once), so the app's next code, valid within the ±1 step window.
    password_login(&browser, email).await;
    browser
        .wait_for_text("#second-factor", "authenticator app")
        .await;
    assert_eq!(
        browser.text("#signed-in").await,
        "",
        "no tokens before the code"
    );
    assert_eq!(
        browser.text("#second-factor-passkey").await,
        "",
        "no passkey offered to an account without one"
    );
    let next = app_code(&key, SystemTime::now() + Duration::from_secs(30));
    browser.type_into("#second-factor-code", &next).await;
    browser.click("#verify-totp").await;
    browser.wait_for_text("#who", email).await;
    let amr = browser.wait_for_text("#amr", "mfa").await;
    assert!(amr.contains("pwd") && amr.contains("otp"), "{amr}");
    screenshot(&browser, bin, "totp-signed-in").await;
    log_out(&browser).await;

    // Password, then a recovery code instead.
    password_login(&browser, email).await;
    browser
        .wait_for_text("#second-factor", "recovery codes")
        .await;
    browser.type_into("#second-factor-code", &codes[0]).await;
    browser.click("#verify-recovery").await;
    browser.wait_for_text("#who", email).await;
    browser.wait_for_text("#amr", "mfa").await;
    browser
        .wait_for_text("#mfa-status", "Recovery codes left: 9")
        .await;
    log_out(&browser).await;

    // The same recovery code again: refused (single use), the page still asks for a factor.
    password_login(&browser, email).await;
    browser
        .wait_for_text("#second-factor", "recovery codes")
        .await;
    browser.type_into("#second-factor-code", &codes[0]).await;
    browser.click("#verify-recovery").await;
    browser
        .wait_until("#error", "a refusal", |text| !text.is_empty())
        .await;
    assert_eq!(
        browser.text("#who").await,
        "",
        "a spent recovery code signs nobody in"
    );
    // Another code still works with the retry challenge the refusal carried.
    browser.type_into("#second-factor-code", &codes[1]).await;
    browser.click("#verify-recovery").await;
    browser.wait_for_text("#who", email).await;

    // With a passkey on the account, the second step offers it as well.
    #[cfg(feature = "passkey")]
    {
        let authenticator = browser.add_virtual_authenticator().await;
        browser.type_into("#passkey-name", "Laptop").await;
        browser.click("#add-passkey").await;
        browser.wait_for_text("#passkeys", "Laptop").await;
        log_out(&browser).await;
        password_login(&browser, email).await;
        browser
            .wait_for_text("#second-factor-passkey", "passkeys")
            .await;
        screenshot(&browser, bin, "second-factor").await;
        browser.click("#verify-passkey").await;
        browser.wait_for_text("#who", email).await;
        let amr = browser.wait_for_text("#amr", "mfa").await;
        assert!(
            amr.contains("pwd") && (amr.contains("hwk") || amr.contains("swk")),
            "password + passkey: {amr}"
        );
        browser.remove_virtual_authenticator(authenticator).await;
    }

    browser.quit().await;
}

/// Passkeys through the page, with a WebDriver virtual authenticator standing in for the
/// device's (CTAP2, internal, discoverable credentials, user verification that succeeds):
/// sign up with nothing but a passkey, sign out, sign back in with it without typing a
/// name (a discoverable credential), see `amr` say `mfa`; the last passkey of a
/// passkey-only account cannot be removed (it is the only way in), a second one can be
/// added, and then either removed.
pub async fn passkey_page(bin: &str) {
    let Some(driver) = Chromedriver::from_env().await else {
        skip_notice(format_args!(
            "SKIPPED: the headless-Chromium passkey test of the demo page needs \
             AUTH_TEST_CHROMEDRIVER=/usr/bin/chromedriver (apt-get install chromium chromium-driver)"
        ));
        return;
    };
    let server = ExampleServer::start(bin, &[]);
    let browser = driver.browser().await;
    let authenticator = browser.add_virtual_authenticator().await;
    let page = localhost_url(&server);
    let email = "passkey@example.com";

    // Sign up with a passkey only: the email, then the authenticator makes a discoverable
    // credential bound to `localhost`.
    browser.goto(&page).await;
    browser.wait_for_text("#status", "Not signed in").await;
    assert_eq!(
        browser.text("#passkey-host").await,
        "",
        "no warning at localhost"
    );
    browser.type_into("#email", email).await;
    browser.click("#passkey-signup").await;
    browser.wait_for_text("#who", email).await;
    browser
        .wait_for_text("#passkeys", "Passkey from sign-up")
        .await;
    let credentials = browser.virtual_credentials(&authenticator).await;
    assert_eq!(credentials.len(), 1, "{credentials:?}");
    assert!(credentials[0].resident, "a discoverable credential");
    assert_eq!(credentials[0].rp_id, "localhost");
    assert!(credentials[0].user_handle.is_some(), "{credentials:?}");
    log_out(&browser).await;

    // Sign back in with the passkey, no email typed: the browser offers the site's passkey.
    browser.type_into("#email", "").await;
    browser.click("#passkey-login").await;
    browser.wait_for_text("#who", email).await;
    let amr = browser.wait_for_text("#amr", "mfa").await;
    assert!(
        amr.contains("hwk") || amr.contains("swk"),
        "a key-based sign-in: {amr}"
    );
    assert!(!amr.contains("pwd"), "no password involved: {amr}");
    let used = browser.virtual_credentials(&authenticator).await;
    assert!(
        used[0].sign_count > credentials[0].sign_count,
        "the assertion was made by the authenticator: {used:?}"
    );
    browser
        .wait_until("#passkeys", "a last-used date", |text| {
            !text.contains("last used never")
        })
        .await;
    screenshot(&browser, bin, "passkey-signed-in").await;

    // The only passkey of a passkey-only account is its only way in: not removable.
    browser.click(".remove-passkey").await;
    browser
        .wait_until("#error", "a refusal", |text| !text.is_empty())
        .await;
    browser
        .wait_for_text("#passkeys", "Passkey from sign-up")
        .await;

    // A second passkey on another device (an authenticator holding one of the account's
    // passkeys refuses to make another: WebAuthn's excludeCredentials), then the first can
    // go.
    browser.remove_virtual_authenticator(authenticator).await;
    let authenticator = browser.add_virtual_authenticator().await;
    browser.type_into("#passkey-name", "Second key").await;
    browser.click("#add-passkey").await;
    browser.wait_for_text("#passkeys", "Second key").await;
    assert_eq!(browser.virtual_credentials(&authenticator).await.len(), 1);
    browser
        .execute("document.getElementById('passkeys').scrollIntoView(); return null;")
        .await;
    screenshot(&browser, bin, "passkey-list").await;
    let clicked = browser
        .execute(
            "for (const item of document.querySelectorAll('#passkeys li')) \
               if (item.textContent.includes('Passkey from sign-up')) { \
                 item.querySelector('.remove-passkey').click(); return true; } \
             return false;",
        )
        .await;
    assert_eq!(clicked, true, "the first passkey's Remove button");
    browser
        .wait_until("#passkeys", "one passkey left", |text| {
            text.contains("Second key") && !text.contains("Passkey from sign-up")
        })
        .await;
    log_out(&browser).await;

    // Signs in with the passkey that is left.
    browser.click("#passkey-login").await;
    browser.wait_for_text("#who", email).await;
    browser.wait_for_text("#amr", "mfa").await;

    browser.remove_virtual_authenticator(authenticator).await;
    browser.quit().await;
}
