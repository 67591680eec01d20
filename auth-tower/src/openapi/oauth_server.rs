//! `OAuthEndpoints::openapi`: the document of the authorization server (feature
//! `oauth-server`).
//!
//! The bodies of the token, introspection and userinfo answers, the metadata and the keys are
//! auth-core types (which know no OpenAPI); their schemas are written here after RFC 6749
//! §5.1, RFC 7662 §2.2, OIDC Core §5.3, RFC 8414 and RFC 7517, and the tests check real
//! answers against them.

use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterIn, PathsBuilder};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{ArrayBuilder, ComponentsBuilder, ObjectBuilder, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{
    ContentBuilder, InfoBuilder, OpenApi, OpenApiBuilder, Ref, Required, ResponseBuilder,
};

use super::{
    OpenApiService, empty_response, error_components, error_response, json_response,
    redirect_response, string, string_parameter,
};
use crate::oauth_server::Route as Endpoint;
use crate::oauth_server::{OAuthEndpoints, OPENID_CONFIGURATION_PATH};

const BEARER: &str = "bearer";
const CLIENT_BASIC: &str = "clientBasic";
const FORM: &str = "application/x-www-form-urlencoded";

impl OAuthEndpoints {
    /// The OpenAPI 3.1 document of the authorization server: every route at the path it is
    /// configured with (grant routes from the server's `EndpointPaths`, the login, consent
    /// and logout pages from [`OAuthEndpointsConfig`](crate::oauth_server::OAuthEndpointsConfig)),
    /// their parameters, forms, answers and client authentication. See
    /// [`openapi`](crate::openapi) for serving it.
    pub fn openapi(&self) -> OpenApi {
        let mut paths = PathsBuilder::new().build();
        // The endpoints' own route table: a path they do not serve cannot be documented.
        for (path, endpoint) in self.routes() {
            for (method, operation) in operations(endpoint, path) {
                paths.add_path_operation(path, vec![method], operation);
            }
        }
        OpenApiBuilder::new()
            .info(
                InfoBuilder::new()
                    .title("auth-tower authorization server")
                    .version(env!("CARGO_PKG_VERSION"))
                    .description(Some(
                        "OAuth 2.0 / OpenID Connect: authorization code with PKCE, its sign-in \
                         and consent pages, token, userinfo, revocation, introspection, \
                         metadata and keys (auth-tower's OAuthEndpoints). A method a path does \
                         not take is answered 405 with `Allow`.",
                    ))
                    .build(),
            )
            .paths(paths)
            .components(Some(components().build()))
            .build()
    }

    /// [`openapi`](Self::openapi) as a service answering `GET` with the JSON document.
    pub fn openapi_service(&self) -> OpenApiService {
        OpenApiService::new(&self.openapi())
    }
}

fn components() -> ComponentsBuilder {
    let integer = || {
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .minimum(Some(0))
    };
    let boolean = || ObjectBuilder::new().schema_type(Type::Boolean);
    let token = ObjectBuilder::new()
        .description(Some("RFC 6749 §5.1 (and OIDC Core §3.1.3.3)."))
        .property("access_token", string())
        .required("access_token")
        .property("token_type", string().enum_values(Some(["Bearer"])))
        .required("token_type")
        .property("expires_in", integer())
        .required("expires_in")
        .property("refresh_token", string())
        .required("refresh_token")
        .property("scope", string())
        .required("scope")
        .property("id_token", string());
    let oauth_error = ObjectBuilder::new()
        .description(Some("RFC 6749 §5.2."))
        .property("error", string())
        .required("error")
        .property("error_description", string());
    let introspection = ObjectBuilder::new()
        .description(Some("RFC 7662 §2.2: only `active` for an inactive token."))
        .property("active", boolean())
        .required("active")
        .property("scope", string())
        .property("client_id", string())
        .property("sub", string())
        .property("token_type", string())
        .property("exp", integer())
        .property("iat", integer())
        .property("iss", string())
        .property("aud", string())
        .property("jti", string())
        .property("username", string());
    let userinfo = ObjectBuilder::new()
        .description(Some(
            "OIDC Core §5.3.2: the claims the token's scope releases.",
        ))
        .property("sub", string())
        .required("sub")
        .property("name", string())
        .property("preferred_username", string())
        .property("picture", string())
        .property("locale", string())
        .property("updated_at", integer())
        .property("email", string())
        .property("email_verified", boolean())
        .property("groups", ArrayBuilder::new().items(string()));
    let metadata = ObjectBuilder::new()
        .description(Some("RFC 8414 §2 / OpenID Connect Discovery 1.0 §3."))
        .property("issuer", string())
        .required("issuer")
        .property("authorization_endpoint", string())
        .required("authorization_endpoint")
        .property("token_endpoint", string())
        .required("token_endpoint")
        .property("jwks_uri", string())
        .required("jwks_uri");
    let jwks = ObjectBuilder::new()
        .description(Some("RFC 7517 §5: the public keys that verify the tokens."))
        .property(
            "keys",
            ArrayBuilder::new().items(
                ObjectBuilder::new()
                    .property("kty", string())
                    .required("kty")
                    .property("kid", string()),
            ),
        )
        .required("keys");
    error_components(ComponentsBuilder::new())
        .schema("OAuthTokenResponse", token)
        .schema("OAuthError", oauth_error)
        .schema("Introspection", introspection)
        .schema("UserInfo", userinfo)
        .schema("AuthorizationServerMetadata", metadata)
        .schema("JsonWebKeySet", jwks)
        .security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("An access token this server issued."))
                    .build(),
            ),
        )
        .security_scheme(
            CLIENT_BASIC,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Basic)
                    .description(Some(
                        "A confidential client's id and secret (RFC 6749 §2.3.1); public \
                         clients send `client_id` in the form instead.",
                    ))
                    .build(),
            ),
        )
}

/// A form body with these fields (all strings; `required` ones marked).
fn form(fields: &[(&str, bool)]) -> utoipa::openapi::request_body::RequestBody {
    let mut schema = ObjectBuilder::new();
    for (name, required) in fields {
        schema = schema.property(*name, string());
        if *required {
            schema = schema.required(*name);
        }
    }
    RequestBodyBuilder::new()
        .required(Some(Required::True))
        .content(FORM, ContentBuilder::new().schema(Some(schema)).build())
        .build()
}

/// An HTML page.
fn page(description: &str) -> ResponseBuilder {
    ResponseBuilder::new().description(description).content(
        "text/html; charset=utf-8",
        ContentBuilder::new().schema(Some(string())).build(),
    )
}

/// An HTML page with `Retry-After`.
fn page_retry(description: &str) -> utoipa::openapi::Response {
    page(description)
        .header(
            "Retry-After",
            super::seconds_header("Seconds to wait before trying again."),
        )
        .build()
}

/// An RFC 6749 error.
fn oauth_error(description: &str) -> utoipa::openapi::Response {
    json_response(description, Ref::from_schema_name("OAuthError")).build()
}

/// The authorization request's parameters, as the authorize endpoint reads them and the
/// login and consent forms carry them on.
const AUTHORIZATION_PARAMETERS: [(&str, bool, &str); 12] = [
    ("response_type", true, "`code`."),
    ("client_id", true, "The client."),
    (
        "redirect_uri",
        false,
        "Exactly one of the client's registered URIs.",
    ),
    ("scope", false, "Space-separated scopes."),
    ("state", false, "Returned to the client unchanged."),
    (
        "code_challenge",
        true,
        "PKCE (RFC 7636): the S256 challenge.",
    ),
    ("code_challenge_method", true, "`S256`."),
    ("nonce", false, "Copied into the id_token."),
    (
        "prompt",
        false,
        "`none`, `login`, `consent`, `select_account`.",
    ),
    (
        "max_age",
        false,
        "Seconds since the sign-in beyond which it must be repeated.",
    ),
    ("response_mode", false, "`query` (default) or `form_post`."),
    ("login_hint", false, "The account to preselect."),
];

/// The operations of one endpoint at `path`.
fn operations(
    endpoint: Endpoint,
    path: &str,
) -> Vec<(HttpMethod, utoipa::openapi::path::Operation)> {
    const TOO_LARGE: &str = "The body is over the size limit.";
    const SERVER_ERROR: &str = "A server-side failure; the cause is logged.";
    let id = |name: &str| Some(format!("oauth_{name}"));
    let form_page_refusals = |operation: OperationBuilder| {
        operation
            .response(
                "403",
                page("The form's CSRF token or origin check failed.").build(),
            )
            .response("413", error_response(413, TOO_LARGE))
            .response("415", page("The body is not a form.").build())
            .response("500", page(SERVER_ERROR).build())
            .response("503", page_retry("A store could not be reached in time."))
    };
    let client_refusals = |operation: OperationBuilder| {
        operation
            .response(
                "400",
                oauth_error(
                    "An invalid or malformed request (`invalid_request`, `invalid_grant`, …).",
                ),
            )
            .response(
                "401",
                json_response(
                    "Client authentication failed (`invalid_client`).",
                    Ref::from_schema_name("OAuthError"),
                )
                .header(
                    "WWW-Authenticate",
                    utoipa::openapi::header::HeaderBuilder::new()
                        .schema(Some(string()))
                        .description(Some("`Basic realm=\"…\"`."))
                        .build(),
                )
                .build(),
            )
            .response("413", error_response(413, TOO_LARGE))
            .response("500", oauth_error(SERVER_ERROR))
            .response(
                "503",
                error_response(
                    503,
                    "A store could not be reached in time (`temporarily_unavailable`).",
                ),
            )
            .securities(Some([
                SecurityRequirement::default(),
                SecurityRequirement::new(CLIENT_BASIC, Vec::<String>::new()),
            ]))
    };
    let tag = "authorization server";
    match endpoint {
        Endpoint::Authorize => {
            let mut operation = OperationBuilder::new().summary(Some(
                "Authorization endpoint (RFC 6749 §4.1.1, OIDC Core §3.1.2).",
            ));
            for (name, required, description) in AUTHORIZATION_PARAMETERS {
                operation = operation.parameter(string_parameter(
                    name,
                    ParameterIn::Query,
                    required,
                    description,
                    string(),
                ));
            }
            let operation = operation
                .response(
                    "200",
                    page("The sign-in page, the consent page, or (`response_mode=form_post`) a page posting the answer to the client.").build(),
                )
                .response(
                    "302",
                    redirect_response("To the client's redirect URI with `code` (or `error`), `state` and `iss`."),
                )
                .response(
                    "400",
                    page("The client or redirect URI cannot be trusted: an error page, never a redirect.").build(),
                )
                .response("413", error_response(413, TOO_LARGE))
                .response("500", page(SERVER_ERROR).build())
                .response("503", page_retry("A store could not be reached in time."));
            vec![(
                HttpMethod::Get,
                operation.operation_id(id("authorize")).tag(tag).build(),
            )]
        }
        Endpoint::Login => {
            let mut fields = vec![("username", true), ("password", true), ("csrf_token", true)];
            fields.extend(
                AUTHORIZATION_PARAMETERS
                    .iter()
                    .map(|(name, _, _)| (*name, false)),
            );
            let operation = form_page_refusals(
                OperationBuilder::new()
                    .summary(Some("Sign in on the login page."))
                    .request_body(Some(form(&fields)))
                    .response("303", redirect_response("Signed in: back to the authorization endpoint, with the sign-in cookie."))
                    .response("400", page("The form is malformed.").build())
                    .response("401", page("Wrong username or password: the login page again.").build())
                    .response(
                        "429",
                        page("Too many attempts: the login page again.")
                            .header("Retry-After", super::seconds_header("Seconds to wait before trying again."))
                            .build(),
                    ),
            );
            vec![(
                HttpMethod::Post,
                operation.operation_id(id("login")).tag(tag).build(),
            )]
        }
        Endpoint::Consent => {
            let mut fields = vec![("decision", true), ("csrf_token", true)];
            fields.extend(
                AUTHORIZATION_PARAMETERS
                    .iter()
                    .map(|(name, _, _)| (*name, false)),
            );
            let operation = form_page_refusals(
                OperationBuilder::new()
                    .summary(Some("Approve or deny on the consent page (`decision=approve|deny`)."))
                    .request_body(Some(form(&fields)))
                    .response("200", page("With `response_mode=form_post`: a page posting the answer to the client.").build())
                    .response("303", redirect_response("To the client's redirect URI with `code` or `access_denied`."))
                    .response("400", page("The form or the authorization request is invalid.").build()),
            );
            vec![(
                HttpMethod::Post,
                operation.operation_id(id("consent")).tag(tag).build(),
            )]
        }
        Endpoint::Logout => {
            let operation = form_page_refusals(
                OperationBuilder::new()
                    .summary(Some("End the server's sign-in session."))
                    .request_body(Some(form(&[("csrf_token", true)])))
                    .response("200", page("Signed out.").build()),
            );
            vec![(
                HttpMethod::Post,
                operation.operation_id(id("logout")).tag(tag).build(),
            )]
        }
        Endpoint::Token => {
            let operation = client_refusals(
                OperationBuilder::new()
                    .summary(Some("Token endpoint (RFC 6749 §3.2): `authorization_code` with PKCE, `refresh_token`."))
                    .request_body(Some(form(&[
                        ("grant_type", true),
                        ("code", false),
                        ("redirect_uri", false),
                        ("code_verifier", false),
                        ("refresh_token", false),
                        ("scope", false),
                        ("client_id", false),
                        ("client_secret", false),
                    ])))
                    .response("200", json_response("The tokens.", Ref::from_schema_name("OAuthTokenResponse")).build())
                    .response("429", error_response(429, "Over the token endpoint's limit (`too_many_requests`).")),
            );
            vec![(
                HttpMethod::Post,
                operation.operation_id(id("token")).tag(tag).build(),
            )]
        }
        Endpoint::UserInfo => {
            let build = |name: &str| {
                OperationBuilder::new()
                    .summary(Some("The signed-in user's claims (OIDC Core §5.3)."))
                    .security(SecurityRequirement::new(BEARER, Vec::<String>::new()))
                    .response(
                        "200",
                        json_response("The claims.", Ref::from_schema_name("UserInfo")).build(),
                    )
                    .response(
                        "400",
                        error_response(400, "Malformed credentials (`invalid_request`)."),
                    )
                    .response(
                        "401",
                        error_response(401, "No valid access token (`invalid_token`)."),
                    )
                    .response(
                        "403",
                        error_response(
                            403,
                            "The token's scope does not allow userinfo (`insufficient_scope`).",
                        ),
                    )
                    .response("413", error_response(413, TOO_LARGE))
                    .response("500", error_response(500, SERVER_ERROR))
                    .response(
                        "503",
                        error_response(503, "A store could not be reached in time."),
                    )
                    .operation_id(id(name))
                    .tag(tag)
                    .build()
            };
            vec![
                (HttpMethod::Get, build("userinfo")),
                (HttpMethod::Post, build("userinfo_post")),
            ]
        }
        Endpoint::Revoke => {
            let operation = client_refusals(
                OperationBuilder::new()
                    .summary(Some("Revoke a token (RFC 7009)."))
                    .request_body(Some(form(&[
                        ("token", true),
                        ("token_type_hint", false),
                        ("client_id", false),
                        ("client_secret", false),
                    ])))
                    .response(
                        "200",
                        empty_response("Revoked, or unknown (the same answer)."),
                    ),
            );
            vec![(
                HttpMethod::Post,
                operation.operation_id(id("revoke")).tag(tag).build(),
            )]
        }
        Endpoint::Introspect => {
            let operation = client_refusals(
                OperationBuilder::new()
                    .summary(Some("Introspect a token (RFC 7662); confidential clients."))
                    .request_body(Some(form(&[
                        ("token", true),
                        ("token_type_hint", false),
                        ("client_id", false),
                        ("client_secret", false),
                    ])))
                    .response(
                        "200",
                        json_response("The token's state.", Ref::from_schema_name("Introspection"))
                            .build(),
                    ),
            );
            vec![(
                HttpMethod::Post,
                operation.operation_id(id("introspect")).tag(tag).build(),
            )]
        }
        Endpoint::Metadata => {
            let name = if path == OPENID_CONFIGURATION_PATH {
                "openid_configuration"
            } else {
                "metadata"
            };
            let operation = OperationBuilder::new()
                .summary(Some("The server's metadata."))
                .response(
                    "200",
                    json_response(
                        "The metadata.",
                        Ref::from_schema_name("AuthorizationServerMetadata"),
                    )
                    .build(),
                )
                .operation_id(id(name))
                .tag(tag)
                .build();
            vec![(HttpMethod::Get, operation)]
        }
        Endpoint::Jwks => {
            let operation = OperationBuilder::new()
                .summary(Some("The public keys (JWKS)."))
                .response(
                    "200",
                    json_response("The key set.", Ref::from_schema_name("JsonWebKeySet")).build(),
                )
                .operation_id(id("jwks"))
                .tag(tag)
                .build();
            vec![(HttpMethod::Get, operation)]
        }
    }
}
