//! The root README's "Protect an axum router" snippet is `readme/protect_an_axum_router.rs`,
//! compiled here; the test below fails when the README's copy differs from it.

#[allow(dead_code)] // compiled to prove the snippet builds; serving is axum-app's job
#[path = "readme/protect_an_axum_router.rs"]
mod protect_an_axum_router;

#[test]
fn the_readme_snippet_is_the_compiled_one() {
    let snippet = include_str!("readme/protect_an_axum_router.rs");
    let readme = include_str!("../../../README.md");
    let block = readme
        .split("## Protect an axum router")
        .nth(1)
        .and_then(|section| section.split("```rust\n").nth(1))
        .and_then(|code| code.split("```").next())
        .expect("the README has a rust block under \"Protect an axum router\"");
    assert_eq!(
        block.trim(),
        snippet.trim(),
        "README.md's snippet differs from examples/axum-app/tests/readme/protect_an_axum_router.rs"
    );
}
