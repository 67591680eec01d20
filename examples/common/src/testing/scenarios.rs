//! The end-to-end scenarios. Each example's `tests/e2e.rs` runs every one against its own
//! binary, so axum-app and actix-app are held to exactly the same behaviour.

use std::sync::Arc;

use reqwest::Method;

use super::client::{CSRF_COOKIE, Client, REFRESH_COOKIE, fresh_source};
use super::process::{ExampleServer, TempDir, run_to_exit, skip_notice};

/// A password auth-core's policy accepts.
pub const PASSWORD: &str = "mauve-tulip-orbit-42";

/// The whole lifecycle over HTTP: the page, signup → login → `/api/me` 200 → refresh → the
/// old refresh token refused → sessions → guards (403) → logout → `/api/me` 401; ending a
/// session; `grant` then the guarded routes answer 200; the development key file is 0600.
pub async fn lifecycle(bin: &str) {
    let server = ExampleServer::start(bin, &[]);
    let logs = server.logs();
    assert!(
        logs.contains("DEVELOPMENT KEY"),
        "the generated key must be announced:\n{logs}"
    );
    assert!(
        logs.contains(
            "TOTP secrets are encrypted under a key derived from the generated development key"
        ),
        "the derived MFA key must be announced:\n{logs}"
    );
    let key_file = server.dir.path().join("dev-key");
    assert!(key_file.exists(), "the generated key is kept");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the key file is private");
    }
    let mut client = Client::new(&server.base_url);

    // The demo page.
    let page = client.get("/", None).await;
    assert_eq!(page.status, 200);
    assert!(
        page.header("content-type")
            .unwrap_or_default()
            .starts_with("text/html")
    );
    assert!(page.text.contains("auth-rs demo"));
    assert!(
        page.text.contains("id=\"no-providers\""),
        "no provider configured → the note"
    );
    let csp = page.header("content-security-policy").unwrap_or_default();
    assert!(
        csp.contains("script-src 'sha256-") && !csp.contains("unsafe-inline"),
        "{csp}"
    );

    // Signup: 201, the access token in the body, the refresh token only in the cookie.
    let email = "kim@example.com";
    let signup = client.credentials("signup", email, PASSWORD).await;
    assert_eq!(signup.status, 201, "{}", signup.text);
    assert!(
        signup.json.get("refresh_token").is_none(),
        "cookie mode: no refresh token in the body"
    );
    let refresh_cookie = signup
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with(REFRESH_COOKIE))
        .expect("a refresh cookie");
    for attribute in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
        assert!(
            refresh_cookie.contains(attribute),
            "{refresh_cookie} lacks {attribute}"
        );
    }
    let signup_token = signup.access_token();
    let duplicate = Client::new(&server.base_url)
        .credentials("signup", email, PASSWORD)
        .await;
    assert_eq!(duplicate.status, 409, "{}", duplicate.text);

    // Login: a second session.
    let login = client.credentials("login", email, PASSWORD).await;
    assert_eq!(login.status, 200, "{}", login.text);
    let token = login.access_token();
    let wrong = Client::new(&server.base_url)
        .credentials("login", email, "not-the-password-at-all")
        .await;
    assert_eq!(wrong.status, 401);

    // The protected route.
    let me = client.get("/api/me", Some(&token)).await;
    assert_eq!(me.status, 200, "{}", me.text);
    let subject = me.json["sub"].as_str().expect("sub").to_owned();
    let anonymous = client.get("/api/me", None).await;
    assert_eq!(anonymous.status, 401);
    assert!(
        anonymous
            .header("www-authenticate")
            .unwrap_or_default()
            .starts_with("Bearer")
    );
    let forged = client.get("/api/me", Some(&format!("{token}x"))).await;
    assert_eq!(forged.status, 401);

    // Refresh: the cookie plus the CSRF header; a new pair.
    let old_refresh = client
        .cookies
        .get(REFRESH_COOKIE)
        .cloned()
        .expect("refresh cookie");
    let old_csrf = client
        .cookies
        .get(CSRF_COOKIE)
        .cloned()
        .expect("csrf cookie");
    let without_csrf = {
        let request = client.request(Method::POST, "/auth/refresh", None);
        client.send(request).await
    };
    assert_eq!(
        without_csrf.status, 403,
        "refresh needs the CSRF header: {}",
        without_csrf.text
    );
    let refreshed = client.refresh().await;
    assert_eq!(refreshed.status, 200, "{}", refreshed.text);
    let token = refreshed.access_token();
    assert_ne!(
        client.cookies.get(REFRESH_COOKIE),
        Some(&old_refresh),
        "rotated"
    );
    let me = client.get("/api/me", Some(&token)).await;
    assert_eq!(me.status, 200);
    assert_eq!(me.json["sub"], subject.as_str());

    // The old refresh token is refused (within the reuse grace: 409, nothing issued).
    let mut replay = Client::new(&server.base_url);
    replay.cookies.insert(REFRESH_COOKIE.into(), old_refresh);
    replay.cookies.insert(CSRF_COOKIE.into(), old_csrf);
    let replayed = replay.refresh().await;
    assert_eq!(replayed.status, 409, "{}", replayed.text);
    assert_eq!(replayed.json["error"], "refresh_token_recently_rotated");
    assert!(replayed.json.get("access_token").is_none());

    // Sessions: signup's and login's; this one is marked current.
    let sessions = client.get("/auth/sessions", Some(&token)).await;
    assert_eq!(sessions.status, 200, "{}", sessions.text);
    let list = sessions.json.as_array().expect("a list").clone();
    assert_eq!(list.len(), 2, "{list:?}");
    assert_eq!(list.iter().filter(|s| s["current"] == true).count(), 1);

    // A plain user: 403 on the guarded routes.
    let admin = client.get("/api/admin", Some(&token)).await;
    assert_eq!(admin.status, 403, "{}", admin.text);
    assert!(
        admin
            .header("www-authenticate")
            .unwrap_or_default()
            .contains("insufficient_scope")
    );
    let pro = client.get("/api/pro", Some(&token)).await;
    assert_eq!(pro.status, 403, "{}", pro.text);

    // Logout: 204, cookies cleared; the access token and the refresh token stop working.
    let refresh_before_logout = client.cookies.get(REFRESH_COOKIE).cloned();
    let logout = {
        let request = client.request(Method::POST, "/auth/logout", Some(&token));
        client.send(request).await
    };
    assert_eq!(logout.status, 204, "{}", logout.text);
    assert!(
        !client.cookies.contains_key(REFRESH_COOKIE),
        "logout clears the cookie"
    );
    let me = client.get("/api/me", Some(&token)).await;
    assert_eq!(
        me.status, 401,
        "a logged-out session's access token is refused"
    );
    let mut stale = Client::new(&server.base_url);
    stale.cookies.insert(
        REFRESH_COOKIE.into(),
        refresh_before_logout.unwrap_or_default(),
    );
    stale.cookies.insert(CSRF_COOKIE.into(), "csrf".into());
    assert_eq!(
        stale.refresh().await.status,
        401,
        "a logged-out session cannot refresh"
    );

    // The signup session still stands until it is ended from the session list.
    let me = client.get("/api/me", Some(&signup_token)).await;
    assert_eq!(me.status, 200);
    let sid = me.json["session_id"].as_str().expect("sid").to_owned();
    let end = {
        let request = client.request(
            Method::DELETE,
            &format!("/auth/sessions/{sid}"),
            Some(&signup_token),
        );
        client.send(request).await
    };
    assert_eq!(end.status, 204, "{}", end.text);
    assert_eq!(client.get("/api/me", Some(&signup_token)).await.status, 401);

    // `grant` gives the role and plan; a new login carries them and the guards let it in.
    let granted = run_to_exit(
        bin,
        server.dir.path(),
        &["grant", email, "--role", "admin", "--plan", "pro"],
        &[("DATABASE_URL", &server.database_url())],
    );
    assert!(
        granted.status.success(),
        "grant failed:\n{}",
        granted.stderr
    );
    let mut admin_client = Client::new(&server.base_url);
    let login = admin_client.credentials("login", email, PASSWORD).await;
    let token = login.access_token();
    let admin = admin_client.get("/api/admin", Some(&token)).await;
    assert_eq!(admin.status, 200, "{}", admin.text);
    let pro = admin_client.get("/api/pro", Some(&token)).await;
    assert_eq!(pro.status, 200, "{}", pro.text);
    let unknown = run_to_exit(
        bin,
        server.dir.path(),
        &["grant", "nobody@example.com", "--role", "admin"],
        &[("DATABASE_URL", &server.database_url())],
    );
    assert!(!unknown.status.success());
    assert!(unknown.stderr.contains("no account"), "{}", unknown.stderr);
}

/// With no reuse grace, replaying a rotated refresh token is treated as theft: 401
/// `refresh_token_reused`, and the whole session dies — the newer refresh token and the
/// access token issued with it are refused too.
pub async fn refresh_reuse_revokes_the_session(bin: &str) {
    let server = ExampleServer::start(bin, &[("REFRESH_REUSE_GRACE_SECONDS", "0")]);
    let mut client = Client::new(&server.base_url);
    let signup = client
        .credentials("signup", "lee@example.com", PASSWORD)
        .await;
    assert_eq!(signup.status, 201, "{}", signup.text);
    let stolen = client.cookies.clone();
    let refreshed = client.refresh().await;
    assert_eq!(refreshed.status, 200, "{}", refreshed.text);
    let token = refreshed.access_token();

    let mut thief = Client::new(&server.base_url);
    thief.cookies = stolen;
    let replay = thief.refresh().await;
    assert_eq!(replay.status, 401, "{}", replay.text);
    assert_eq!(replay.json["error"], "refresh_token_reused");

    assert_eq!(client.refresh().await.status, 401, "the session is revoked");
    assert_eq!(client.get("/api/me", Some(&token)).await.status, 401);
}

/// A restart with the same directory keeps the database and the generated key: an access
/// token issued before the restart still verifies.
pub async fn restart_keeps_key_and_data(bin: &str) {
    let dir = Arc::new(TempDir::new("example-e2e-restart"));
    let token = {
        let server = ExampleServer::start_in(bin, dir.clone(), &[]);
        let mut client = Client::new(&server.base_url);
        client
            .credentials("signup", "ari@example.com", PASSWORD)
            .await
            .access_token()
    };
    let server = ExampleServer::start_in(bin, dir, &[]);
    let mut client = Client::new(&server.base_url);
    assert_eq!(client.get("/api/me", Some(&token)).await.status, 200);
}

/// Bad configuration fails at start, with a message that says what to fix and no secret.
pub fn startup_errors(bin: &str) {
    let dir = TempDir::new("example-e2e-errors");
    let refuses = |env: &[(&str, &str)], needles: &[&str], secret: &str| {
        let finished = run_to_exit(bin, dir.path(), &[], env);
        assert!(
            !finished.status.success(),
            "{env:?} must not start:\n{}",
            finished.stderr
        );
        for needle in needles {
            assert!(
                finished.stderr.contains(needle),
                "{env:?}: no {needle:?} in\n{}",
                finished.stderr
            );
        }
        assert!(
            !finished.stderr.contains(secret),
            "{env:?} leaked a secret:\n{}",
            finished.stderr
        );
        assert!(
            !finished.stderr.contains("listening on"),
            "{}",
            finished.stderr
        );
    };
    refuses(
        &[("DATABASE_URL", "nosuchdb://app:hunter2@db.internal/app")],
        &["DATABASE_URL:", "nosuchdb://app:***@db.internal/app"],
        "hunter2",
    );
    let missing_dir = dir.path().join("no/such/dir/app.db");
    let unreachable = format!("sqlite://{}", missing_dir.display());
    refuses(
        &[("DATABASE_URL", &unreachable)],
        &["DATABASE_URL:"],
        "\u{0}",
    );
    refuses(
        &[("JWT_SECRET_KEY", "too-short-secret")],
        &["JWT_SECRET_KEY:", "secret is 16 bytes", "at least 32"],
        "too-short-secret",
    );
    refuses(
        &[("MFA_ENCRYPTION_KEY", "c2l4dGVlbi1ieXRlLWtleQ==")],
        &["MFA_ENCRYPTION_KEY is invalid", "32 bytes"],
        "c2l4dGVlbi1ieXRlLWtleQ",
    );
    // WebAuthn over plain http only on localhost: an IP-address origin is refused at start.
    #[cfg(feature = "passkey")]
    refuses(
        &[("PASSKEY_ORIGINS", "http://127.0.0.1:3000")],
        &["PASSKEY_ORIGINS", "http is allowed for localhost only"],
        "\u{0}",
    );
    let pem = dir.path().join("not-a-key.pem");
    std::fs::write(
        &pem,
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
    )
    .unwrap();
    refuses(
        &[("JWT_PRIVATE_KEY_FILE", pem.to_str().unwrap())],
        &["JWT_PRIVATE_KEY_FILE:", "not a PEM private key"],
        "\u{0}",
    );
    refuses(&[("PORT", "eighty")], &["PORT is invalid"], "\u{0}");
    // A social-login provider with its client id but not its secret: its button would
    // vanish with nothing said, so the start fails naming the missing variable.
    refuses(
        &[("GOOGLE_CLIENT_ID", "only-the-id")],
        &["GOOGLE_CLIENT_SECRET"],
        "\u{0}",
    );
    refuses(
        &[("AUTH_ALLOWED_ORIGINS", "https://app.example/path")],
        &["AUTH_ALLOWED_ORIGINS is invalid"],
        "\u{0}",
    );
}

/// `AUTH_ALLOWED_ORIGINS`: that origin (and only it) may call the API with credentials.
pub async fn cors(bin: &str) {
    let server = ExampleServer::start(bin, &[("AUTH_ALLOWED_ORIGINS", "http://localhost:5173")]);
    let mut client = Client::new(&server.base_url);
    let preflight = {
        let request = client
            .request(Method::OPTIONS, "/api/me", None)
            .header("origin", "http://localhost:5173")
            .header("access-control-request-method", "GET")
            .header("access-control-request-headers", "authorization");
        client.send(request).await
    };
    assert!(
        preflight.status < 300,
        "{} {}",
        preflight.status,
        preflight.text
    );
    assert_eq!(
        preflight.header("access-control-allow-origin"),
        Some("http://localhost:5173")
    );
    assert_eq!(
        preflight.header("access-control-allow-credentials"),
        Some("true")
    );
    let foreign = {
        let request = client
            .request(Method::OPTIONS, "/api/me", None)
            .header("origin", "https://evil.example")
            .header("access-control-request-method", "GET");
        client.send(request).await
    };
    assert_ne!(
        foreign.header("access-control-allow-origin"),
        Some("https://evil.example")
    );
    assert_ne!(foreign.header("access-control-allow-origin"), Some("*"));

    // The configured origin also passes the cookie-mode Origin check; another does not.
    let signup = {
        let request = client
            .request(Method::POST, "/auth/signup", None)
            .header("origin", "http://localhost:5173")
            .json(&serde_json::json!({ "email": "cors@example.com", "password": PASSWORD }));
        client.send(request).await
    };
    assert_eq!(signup.status, 201, "{}", signup.text);
    let cross = {
        let request = client
            .request(Method::POST, "/auth/login", None)
            .header("origin", "https://evil.example")
            .json(&serde_json::json!({ "email": "cors@example.com", "password": PASSWORD }));
        client.send(request).await
    };
    assert_eq!(cross.status, 403, "{}", cross.text);
}

/// The two configured key sources start and sign: `JWT_SECRET_KEY` (HS256) and a PEM file
/// in `JWT_PRIVATE_KEY_FILE` whose algorithm is taken from the key (Ed25519 → EdDSA).
pub async fn configured_keys(bin: &str) {
    let secret = "an-example-secret-that-is-long-enough-for-hs256";
    let pem = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../auth-core/tests/keys/ed25519.pem");
    let pem = pem.to_str().expect("a UTF-8 path");
    for (env, log_needle) in [
        (("JWT_SECRET_KEY", secret), None),
        (("JWT_PRIVATE_KEY_FILE", pem), Some("EdDSA")),
    ] {
        let server = ExampleServer::start(bin, &[env]);
        let logs = server.logs();
        assert!(
            !logs.contains("DEVELOPMENT KEY"),
            "{env:?} must not generate a key:\n{logs}"
        );
        assert!(!logs.contains(secret), "the secret must never be logged");
        assert!(
            logs.contains("TOTP and recovery codes are off: MFA_ENCRYPTION_KEY is not set"),
            "{env:?}: no key is made up for TOTP secrets:\n{logs}"
        );
        if let Some(needle) = log_needle {
            assert!(
                logs.contains(needle),
                "{env:?}: the algorithm is logged:\n{logs}"
            );
        }
        assert!(!server.dir.path().join("dev-key").exists());
        let mut client = Client::new(&server.base_url);
        let token = client
            .credentials("signup", "key@example.com", PASSWORD)
            .await
            .access_token();
        assert_eq!(
            client.get("/api/me", Some(&token)).await.status,
            200,
            "{env:?}"
        );
    }
}

/// `DATABASE_URL` switches to a server database: signup, login, refresh and logout on the
/// URL in `env_var` (`AUTH_TEST_POSTGRES_URL`, `AUTH_TEST_MYSQL_URL`); skipped with a notice
/// when it is unset.
pub async fn on_server_database(bin: &str, env_var: &str) {
    let Some(url) = std::env::var(env_var).ok().filter(|v| !v.is_empty()) else {
        skip_notice(format_args!(
            "SKIPPED: set {env_var} to run the example on that database"
        ));
        return;
    };
    let server = ExampleServer::start(bin, &[("DATABASE_URL", &url)]);
    // The database is shared between runs and between the two examples: a unique account.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let email = format!("e2e-{}-{nanos}@example.com", std::process::id());
    // A loopback source of its own: the shared database keeps the per-network limits that
    // earlier runs spent (signup: 10 per hour from one network).
    let mut client = Client::from_source(&server.base_url, fresh_source());
    assert_eq!(
        client.credentials("signup", &email, PASSWORD).await.status,
        201
    );
    let token = client
        .credentials("login", &email, PASSWORD)
        .await
        .access_token();
    assert_eq!(client.get("/api/me", Some(&token)).await.status, 200);
    let refreshed = client.refresh().await;
    assert_eq!(refreshed.status, 200, "{}", refreshed.text);
    let token = refreshed.access_token();
    let logout = {
        let request = client.request(Method::POST, "/auth/logout", Some(&token));
        client.send(request).await
    };
    assert_eq!(logout.status, 204);
    assert_eq!(client.get("/api/me", Some(&token)).await.status, 401);
}

/// A provider configured in the environment gets its button, and only that one (a
/// half-configured one stops the start: [`startup_errors`]).
pub async fn provider_buttons(bin: &str) {
    let server = ExampleServer::start(
        bin,
        &[
            ("GITHUB_CLIENT_ID", "example-client"),
            ("GITHUB_CLIENT_SECRET", "example-secret"),
            (
                "GITHUB_REDIRECT_URI",
                "http://127.0.0.1:3000/auth/oauth/github/callback",
            ),
        ],
    );
    let page = Client::new(&server.base_url).get("/", None).await;
    assert!(
        page.text
            .contains("data-href=\"/auth/oauth/github\">Continue with GitHub")
            || page
                .text
                .contains("href=\"/auth/oauth/github\">Continue with GitHub")
    );
    assert!(!page.text.contains("Continue with Google"));
    assert!(!page.text.contains("id=\"no-providers\""));
    let logs = server.logs();
    assert!(
        !logs.contains("example-secret"),
        "the client secret is never logged"
    );
}
