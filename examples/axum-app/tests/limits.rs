//! Seed 002's usage limits on the real binary (configured small through the environment):
//! the monthly image quota per plan, the login rate and the API rate, each answered with 429,
//! a clear JSON body, `Retry-After` and the `RateLimit` fields.

use axum::http::Method;
use example_common::testing::client::Client;
use example_common::testing::process::{ExampleServer, run_to_exit};
use example_common::testing::scenarios::PASSWORD;

const BIN: &str = env!("CARGO_BIN_EXE_axum-app");

#[tokio::test(flavor = "multi_thread")]
async fn seed_002_quotas_and_rate_limits_answer_429() {
    let env = [
        ("RATE_LIMIT_API_PER_MINUTE", "12"),
        ("RATE_LIMIT_LOGIN_PER_MINUTE", "2"),
        ("IMAGE_QUOTA_FREE", "2"),
        ("IMAGE_QUOTA_PRO", "3"),
    ];
    let server = ExampleServer::start(BIN, &env);
    let mut client = Client::new(&server.base_url);
    let email = "painter@example.com";
    let signup = client.credentials("signup", email, PASSWORD).await;
    assert_eq!(signup.status, 201, "{}", signup.text);
    let token = signup.access_token();

    // Free plan: 2 images this month, then 429 "quota exceeded".
    let image =
        |client: &Client, token: &str| client.request(Method::POST, "/api/images", Some(token));
    for left in [1, 0] {
        let generated = client.send(image(&client, &token)).await;
        assert_eq!(generated.status, 200, "{}", generated.text);
        // Two layers, two field lines each: the route's quota, then the API's rate.
        let all = |name: &str| {
            let lines = generated.headers.get_all(name).iter();
            lines
                .map(|v| v.to_str().unwrap())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let policy = all("ratelimit-policy");
        assert!(policy.contains("\"monthly\";q=2;w="), "{policy}");
        assert!(policy.contains("\"api\";q=12;w=60"), "{policy}");
        let current = all("ratelimit");
        assert!(
            current.contains(&format!("\"monthly\";r={left};")),
            "{current}"
        );
    }
    let over = client.send(image(&client, &token)).await;
    assert_eq!(over.status, 429, "{}", over.text);
    assert_eq!(over.json["error"], "quota_exceeded");
    assert!(
        over.json["message"]
            .as_str()
            .unwrap()
            .contains("Quota exceeded")
    );
    assert!(over.header("retry-after").is_some());

    // Upgraded to pro (3 a month): one more this month, from the next login on.
    let granted = run_to_exit(
        BIN,
        server.dir.path(),
        &["grant", email, "--plan", "pro"],
        &[("DATABASE_URL", &server.database_url())],
    );
    assert!(granted.status.success(), "{}", granted.stderr);
    let login = client.credentials("login", email, PASSWORD).await; // login 1 of 2
    assert_eq!(login.status, 200, "{}", login.text);
    let pro = login.access_token();
    assert_eq!(client.send(image(&client, &pro)).await.status, 200);
    assert_eq!(
        client.send(image(&client, &pro)).await.json["error"],
        "quota_exceeded"
    );

    // Login: 2 a minute per IP, whatever the password.
    let wrong = client
        .credentials("login", email, "not-the-password-at-all")
        .await;
    assert_eq!(wrong.status, 401, "{}", wrong.text);
    let limited = client.credentials("login", email, PASSWORD).await;
    assert_eq!(limited.status, 429, "{}", limited.json["error"]);
    assert_eq!(limited.json["error"], "rate_limited");
    assert!(limited.header("retry-after").is_some());
    assert!(
        limited
            .header("ratelimit")
            .unwrap()
            .starts_with("\"login\";r=0;t=")
    );

    // The API: 12 a minute per IP; 5 used above (the image calls), so about 7 more — a
    // little more if the bucket refilled meanwhile (one every 5 s) — then 429.
    let mut passed = 0;
    let refused = loop {
        let me = client.get("/api/me", Some(&pro)).await;
        if me.status != 200 {
            break me;
        }
        passed += 1;
        assert!(passed <= 12, "the API limit never answered 429");
    };
    assert!((7..=9).contains(&passed), "{passed}");
    assert_eq!(refused.status, 429, "{}", refused.text);
    assert_eq!(refused.json["error"], "rate_limited");
    assert!(refused.header("retry-after").is_some());
}
