//! End to end: the real `axum-app` binary on a free loopback port with a temporary SQLite
//! file, driven over HTTP and through headless Chromium. The scenarios are shared with
//! actix-app (`example_common::testing`).

use example_common::testing::{browser, outage, scenarios};

const BIN: &str = env!("CARGO_BIN_EXE_axum-app");

#[tokio::test(flavor = "multi_thread")]
async fn lifecycle_signup_login_refresh_logout_guards() {
    scenarios::lifecycle(BIN).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn replaying_a_rotated_refresh_token_revokes_the_session() {
    scenarios::refresh_reuse_revokes_the_session(BIN).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_restart_keeps_the_generated_key_and_the_data() {
    scenarios::restart_keeps_key_and_data(BIN).await;
}

#[test]
fn bad_configuration_fails_at_start_saying_what_to_fix() {
    scenarios::startup_errors(BIN);
}

#[tokio::test(flavor = "multi_thread")]
async fn cors_allows_only_the_configured_origin() {
    scenarios::cors(BIN).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_page_works_in_headless_chromium() {
    browser::demo_page(BIN).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_page_enrols_totp_and_signs_in_with_a_code_or_a_recovery_code() {
    browser::totp_page(BIN).await;
}

#[cfg(feature = "passkey")]
#[tokio::test(flavor = "multi_thread")]
async fn the_demo_page_signs_up_and_in_with_a_passkey_through_a_virtual_authenticator() {
    browser::passkey_page(BIN).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_secret_or_a_pem_key_from_the_environment_signs() {
    scenarios::configured_keys(BIN).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn database_url_switches_to_postgresql() {
    scenarios::on_server_database(BIN, "AUTH_TEST_POSTGRES_URL").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn database_url_switches_to_mysql() {
    scenarios::on_server_database(BIN, "AUTH_TEST_MYSQL_URL").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn configured_providers_get_a_button() {
    scenarios::provider_buttons(BIN).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn two_instances_share_logout_refresh_throttle_and_social_login() {
    example_common::testing::multi_instance::two_instances_share_state(BIN).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_postgresql_outage_answers_503_with_retry_after_and_recovers_without_a_restart() {
    outage::database_outage_answers_503_and_recovers(BIN, "AUTH_TEST_POSTGRES_URL").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_mysql_outage_answers_503_with_retry_after_and_recovers_without_a_restart() {
    outage::database_outage_answers_503_and_recovers(BIN, "AUTH_TEST_MYSQL_URL").await;
}

// Issue 14: "the same for Redis" — with REDIS_URL set, revocations, throttling and the login
// limit live there; cutting it answers 503 + Retry-After within the bound, then recovers.
#[tokio::test(flavor = "multi_thread")]
async fn a_redis_outage_answers_503_with_retry_after_and_recovers_without_a_restart() {
    outage::redis_outage_answers_503_and_recovers(BIN).await;
}
