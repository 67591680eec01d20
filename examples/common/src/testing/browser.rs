//! The demo page in headless Chromium: sign up and log in through the page, see the
//! protected content, survive a reload through the refresh cookie, log out.

use super::process::{ExampleServer, skip_notice};
use super::scenarios::PASSWORD;
use super::webdriver::Chromedriver;

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

    if let Some(dir) = std::env::var_os("AUTH_TEST_SCREENSHOT_DIR") {
        let name = std::path::Path::new(bin)
            .file_name()
            .map_or_else(|| "demo".into(), |n| n.to_string_lossy().into_owned());
        browser
            .screenshot(&std::path::Path::new(&dir).join(format!("{name}-demo.png")))
            .await;
    }
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
