//! A small HTTP client for the end-to-end scenarios: keeps the `__Host-` cookies itself
//! (a cookie jar would refuse `Secure` cookies over plain HTTP, which browsers accept on
//! loopback) and echoes the CSRF cookie like the demo page does.

use std::collections::BTreeMap;

use reqwest::header::{HeaderMap, SET_COOKIE};
use reqwest::{Method, RequestBuilder};
use serde_json::Value;

/// The refresh-token cookie.
pub const REFRESH_COOKIE: &str = "__Host-refresh";
/// The CSRF double-submit cookie.
pub const CSRF_COOKIE: &str = "__Host-csrf";

/// One answer, read whole.
#[derive(Debug)]
pub struct Reply {
    /// The status code.
    pub status: u16,
    /// The headers.
    pub headers: HeaderMap,
    /// The body as JSON (`Null` when empty or not JSON).
    pub json: Value,
    /// The body as text.
    pub text: String,
}

impl Reply {
    /// The `access_token` of a token response.
    pub fn access_token(&self) -> String {
        self.json["access_token"]
            .as_str()
            .unwrap_or_else(|| panic!("no access token in {} {}", self.status, self.text))
            .to_owned()
    }

    /// Every `Set-Cookie` value.
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect()
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// A browser-like client of one example server.
#[derive(Debug)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    /// The cookies the server set and did not delete.
    pub cookies: BTreeMap<String, String>,
}

/// A loopback address no earlier run is likely to have used (`127.x.y.z` from the clock), for
/// [`Client::from_source`]: tests on a database shared between runs count as a new client
/// network each time, so per-network limits from earlier runs do not carry over.
pub fn fresh_source() -> std::net::IpAddr {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| {
            d.subsec_nanos() ^ (d.as_secs() as u32).rotate_left(16)
        });
    let [_, b, c, d] = nanos.to_be_bytes();
    std::net::Ipv4Addr::new(127, b, c, d.max(1)).into()
}

impl Client {
    /// A client of the server at `base` (`http://127.0.0.1:PORT`), giving up on a request
    /// after 30 s.
    pub fn new(base: &str) -> Self {
        Self::with_options(base, None, std::time::Duration::from_secs(30))
    }

    /// A client that gives up on a request after `timeout` (a test that measures how long
    /// the server takes to answer must wait longer than the bug it looks for).
    pub fn with_timeout(base: &str, timeout: std::time::Duration) -> Self {
        Self::with_options(base, None, timeout)
    }

    /// A client whose requests come from `source` (any `127.x.y.z` reaches a loopback
    /// server on Linux): the server then counts them as another client network. Tests on a
    /// database shared between runs use a fresh one, so that the per-network limits counted
    /// by earlier runs (signup: 10 per hour) do not carry over.
    pub fn from_source(base: &str, source: std::net::IpAddr) -> Self {
        Self::with_options(base, Some(source), std::time::Duration::from_secs(30))
    }

    /// A client with both: requests from `source` (when given), giving up after `timeout`.
    pub fn with_options(
        base: &str,
        source: Option<std::net::IpAddr>,
        timeout: std::time::Duration,
    ) -> Self {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .local_address(source)
            .build()
            .expect("an HTTP client");
        Self {
            http,
            base: base.to_owned(),
            cookies: BTreeMap::new(),
        }
    }

    /// A request to `path` with the access token (if any) and the kept cookies.
    pub fn request(&self, method: Method, path: &str, token: Option<&str>) -> RequestBuilder {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if !self.cookies.is_empty() {
            let header: Vec<String> = self
                .cookies
                .iter()
                .map(|(name, value)| format!("{name}={value}"))
                .collect();
            request = request.header("cookie", header.join("; "));
        }
        request
    }

    /// Sends `request`, keeps the cookies it sets, and reads the answer.
    pub async fn send(&mut self, request: RequestBuilder) -> Reply {
        let response = request.send().await.expect("the server answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.expect("a body");
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        let reply = Reply {
            status,
            headers,
            json,
            text,
        };
        for cookie in reply.set_cookies() {
            let pair = cookie.split(';').next().unwrap_or_default();
            if let Some((name, value)) = pair.split_once('=') {
                if value.is_empty() || cookie.contains("Max-Age=0") {
                    self.cookies.remove(name);
                } else {
                    self.cookies.insert(name.to_owned(), value.to_owned());
                }
            }
        }
        reply
    }

    /// `POST /auth/{signup|login}` with a JSON body.
    pub async fn credentials(&mut self, route: &str, email: &str, password: &str) -> Reply {
        let request = self
            .request(Method::POST, &format!("/auth/{route}"), None)
            .json(&serde_json::json!({ "email": email, "password": password }));
        self.send(request).await
    }

    /// `POST /auth/refresh` with the kept refresh cookie and the CSRF header.
    pub async fn refresh(&mut self) -> Reply {
        let csrf = self.cookies.get(CSRF_COOKIE).cloned().unwrap_or_default();
        let request = self
            .request(Method::POST, "/auth/refresh", None)
            .header("x-csrf-token", csrf);
        self.send(request).await
    }

    /// `GET path` with `token`.
    pub async fn get(&mut self, path: &str, token: Option<&str>) -> Reply {
        let request = self.request(Method::GET, path, token);
        self.send(request).await
    }
}
