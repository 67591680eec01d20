//! A minimal W3C WebDriver client over the workspace's one reqwest, for driving headless
//! Chromium through `chromedriver`.
//!
//! Why not fantoccini or thirtyfour: the demo test needs eight commands (new session,
//! navigate, find, type, click, read text, run a script, screenshot) and three of the W3C
//! WebAuthn "Virtual Authenticators" extension (add, list credentials, remove); the protocol
//! is plain JSON over HTTP, and either crate would add its own HTTP stack and a dozen crates
//! to the tree for them.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};

/// The key under which WebDriver returns an element reference.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// How long to wait for chromedriver, and for a page to show an expected text.
pub const BROWSER_TIMEOUT: Duration = Duration::from_secs(30);

/// A `chromedriver` process, killed on drop.
#[derive(Debug)]
pub struct Chromedriver {
    child: Child,
    url: String,
    chromium: String,
}

impl Chromedriver {
    /// Starts the chromedriver named by `AUTH_TEST_CHROMEDRIVER` on a free loopback port,
    /// driving the Chromium named by `AUTH_TEST_CHROMIUM` (default `/usr/bin/chromium`).
    /// `None` when `AUTH_TEST_CHROMEDRIVER` is unset: the caller skips with a notice.
    pub async fn from_env() -> Option<Self> {
        let driver = std::env::var("AUTH_TEST_CHROMEDRIVER")
            .ok()
            .filter(|v| !v.is_empty())?;
        let chromium = std::env::var("AUTH_TEST_CHROMIUM")
            .ok()
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| "/usr/bin/chromium".to_owned());
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(&driver)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("AUTH_TEST_CHROMEDRIVER={driver} cannot start: {e}"));
        let this = Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
            chromium,
        };
        let http = reqwest::Client::new();
        let deadline = Instant::now() + BROWSER_TIMEOUT;
        loop {
            if let Ok(response) = http.get(format!("{}/status", this.url)).send().await
                && let Ok(status) = response.json::<Value>().await
                && status["value"]["ready"] == true
            {
                return Some(this);
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not become ready"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// A new headless browser session.
    pub async fn browser(&self) -> Browser {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .expect("an HTTP client");
        let capabilities = json!({
            "capabilities": { "alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": {
                    "binary": self.chromium,
                    "args": [
                        "--headless=new", "--no-sandbox", "--disable-gpu",
                        "--disable-dev-shm-usage", "--window-size=1100,1000",
                        "--no-first-run", "--disable-extensions"
                    ]
                }
            }}
        });
        let created: Value = http
            .post(format!("{}/session", self.url))
            .json(&capabilities)
            .send()
            .await
            .expect("chromedriver answers")
            .json()
            .await
            .expect("JSON");
        let id = created["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no browser session: {created}"));
        Browser {
            http,
            session: format!("{}/session/{id}", self.url),
        }
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One browser session.
#[derive(Debug)]
pub struct Browser {
    http: reqwest::Client,
    session: String,
}

impl Browser {
    async fn command(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self.http.request(method, format!("{}{path}", self.session));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let value: Value = request
            .send()
            .await
            .expect("chromedriver answers")
            .json()
            .await
            .expect("JSON");
        value["value"].clone()
    }

    /// Opens `url`.
    pub async fn goto(&self, url: &str) {
        let value = self
            .command(reqwest::Method::POST, "/url", Some(json!({ "url": url })))
            .await;
        assert!(value.is_null(), "navigation failed: {value}");
    }

    async fn element(&self, css: &str) -> Option<String> {
        let value = self
            .command(
                reqwest::Method::POST,
                "/element",
                Some(json!({ "using": "css selector", "value": css })),
            )
            .await;
        value[ELEMENT_KEY].as_str().map(str::to_owned)
    }

    async fn must(&self, css: &str) -> String {
        self.element(css)
            .await
            .unwrap_or_else(|| panic!("no element {css}"))
    }

    /// Types `text` into the element matching `css` (after clearing it).
    pub async fn type_into(&self, css: &str, text: &str) {
        let id = self.must(css).await;
        self.command(
            reqwest::Method::POST,
            &format!("/element/{id}/clear"),
            Some(json!({})),
        )
        .await;
        self.command(
            reqwest::Method::POST,
            &format!("/element/{id}/value"),
            Some(json!({ "text": text })),
        )
        .await;
    }

    /// Clicks the element matching `css`.
    pub async fn click(&self, css: &str) {
        let id = self.must(css).await;
        let value = self
            .command(
                reqwest::Method::POST,
                &format!("/element/{id}/click"),
                Some(json!({})),
            )
            .await;
        assert!(value.is_null(), "click on {css} failed: {value}");
    }

    /// The rendered text of the element matching `css` (empty when hidden or absent).
    pub async fn text(&self, css: &str) -> String {
        match self.element(css).await {
            Some(id) => self
                .command(reqwest::Method::GET, &format!("/element/{id}/text"), None)
                .await
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            None => String::new(),
        }
    }

    /// Waits (polling, up to [`BROWSER_TIMEOUT`]) until the element matching `css` shows
    /// text containing `needle`, and returns that text.
    pub async fn wait_for_text(&self, css: &str, needle: &str) -> String {
        self.wait_until(css, &format!("{needle:?}"), |text| text.contains(needle))
            .await
    }

    /// Waits (polling, up to [`BROWSER_TIMEOUT`]) until the text of the element matching
    /// `css` satisfies `done` (`what` says what was awaited, for the failure), and returns
    /// that text.
    pub async fn wait_until(&self, css: &str, what: &str, done: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + BROWSER_TIMEOUT;
        loop {
            let text = self.text(css).await;
            if done(&text) {
                return text;
            }
            if Instant::now() > deadline {
                let page = self.text("body").await;
                panic!("{css} never showed {what}; last {text:?}; the page:\n{page}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Runs `script` (a function body) in the page and returns its value.
    pub async fn execute(&self, script: &str) -> Value {
        self.command(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({ "script": script, "args": [] })),
        )
        .await
    }

    /// Saves a PNG screenshot to `path`.
    pub async fn screenshot(&self, path: &std::path::Path) {
        let value = self
            .command(reqwest::Method::GET, "/screenshot", None)
            .await;
        if let Some(data) = value.as_str()
            && let Ok(png) = base64::engine::general_purpose::STANDARD.decode(data)
        {
            let _ = std::fs::write(path, png);
        }
    }

    /// Adds a virtual authenticator to this session (W3C WebAuthn Level 2 §11.3, "Add
    /// Virtual Authenticator"): CTAP2, internal transport (a platform authenticator, like a
    /// phone's or laptop's), discoverable credentials, user verification that always
    /// succeeds and a user who always consents — so `navigator.credentials.create()` and
    /// `.get()` complete without a prompt. Chromium then uses it instead of any real one.
    pub async fn add_virtual_authenticator(&self) -> VirtualAuthenticator {
        let value = self
            .command(
                reqwest::Method::POST,
                "/webauthn/authenticator",
                Some(json!({
                    "protocol": "ctap2",
                    "transport": "internal",
                    "hasResidentKey": true,
                    "hasUserVerification": true,
                    "isUserConsenting": true,
                    "isUserVerified": true,
                })),
            )
            .await;
        let id = value
            .as_str()
            .unwrap_or_else(|| panic!("no virtual authenticator: {value}"));
        VirtualAuthenticator { id: id.to_owned() }
    }

    /// The credentials `authenticator` holds (§11.7, "Get Credentials"), in the order it
    /// made them.
    pub async fn virtual_credentials(
        &self,
        authenticator: &VirtualAuthenticator,
    ) -> Vec<VirtualCredential> {
        let value = self
            .command(
                reqwest::Method::GET,
                &format!("/webauthn/authenticator/{}/credentials", authenticator.id),
                None,
            )
            .await;
        let list = value
            .as_array()
            .unwrap_or_else(|| panic!("no credential list: {value}"));
        list.iter()
            .map(|credential| VirtualCredential {
                credential_id: credential["credentialId"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                resident: credential["isResidentCredential"] == true,
                rp_id: credential["rpId"].as_str().unwrap_or_default().to_owned(),
                user_handle: credential["userHandle"].as_str().map(str::to_owned),
                sign_count: credential["signCount"].as_u64().unwrap_or_default(),
            })
            .collect()
    }

    /// Removes `authenticator` from this session (§11.4), with its credentials.
    pub async fn remove_virtual_authenticator(&self, authenticator: VirtualAuthenticator) {
        let value = self
            .command(
                reqwest::Method::DELETE,
                &format!("/webauthn/authenticator/{}", authenticator.id),
                None,
            )
            .await;
        // Success is `null` by the spec; chromedriver answers `{}`. An error has members.
        assert!(
            value.is_null() || value == json!({}),
            "removing the authenticator failed: {value}"
        );
    }

    /// Ends the session (closes the browser).
    pub async fn quit(self) {
        let _ = self.http.delete(&self.session).send().await;
    }
}

/// A virtual authenticator of one browser session
/// ([`Browser::add_virtual_authenticator`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VirtualAuthenticator {
    id: String,
}

/// What a virtual authenticator says about one of its credentials. The private key it also
/// returns is left out.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VirtualCredential {
    /// The credential id, base64url without padding.
    pub credential_id: String,
    /// Whether it is discoverable (a passkey: usable without a user name).
    pub resident: bool,
    /// The relying-party id it is bound to.
    pub rp_id: String,
    /// The user handle the relying party gave it (base64url), for discoverable credentials.
    pub user_handle: Option<String>,
    /// Its signature counter.
    pub sign_count: u64,
}
