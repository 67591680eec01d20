//! The end-to-end harness both examples' tests use (feature `e2e`): start the real binary
//! on a free loopback port with a temporary SQLite file ([`process`]), drive it over HTTP
//! ([`client`], [`scenarios`]) and through headless Chromium ([`webdriver`], [`browser`]);
//! cut its database away and bring it back ([`outage`], through auth-core's
//! [`OutageProxy`](auth_core::testkit::OutageProxy)).

pub mod browser;
pub mod client;
pub mod multi_instance;
pub mod outage;
pub mod process;
pub mod scenarios;
pub mod webdriver;
