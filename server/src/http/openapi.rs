//! `GET /api/v1/openapi.json`: the OpenAPI document of the public HTTP API.
//!
//! Every v1 handler is listed here with `#[utoipa::path]` on the handler, so
//! the document cannot drift from the code that serves it.

use app::error::ErrorBody;
use app::health::Health;
use utoipa::OpenApi;

/// The public API as OpenAPI 3.1.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "aiwidget",
        description = "Embeddable AI chat widget with live human takeover. Errors are \
                       `{\"error\": \"<code>\", \"message\": \"<text>\"}` with the status of the error.",
    ),
    paths(super::health::health, openapi_json),
    components(schemas(Health, ErrorBody)),
    tags((name = "system", description = "Health and the API description"))
)]
pub struct ApiDoc;

/// This document.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    tag = "system",
    responses((status = 200, description = "The OpenAPI document", content_type = "application/json"))
)]
pub async fn openapi_json() -> axum::Json<utoipa::openapi::OpenApi> {
    let mut doc = ApiDoc::openapi();
    doc.info.version = app::VERSION.to_owned();
    axum::Json(doc)
}
