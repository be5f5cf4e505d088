//! Outgoing webhooks over the API (owners and admins): endpoints (create with the signing
//! secret shown once, list, read, change, delete, rotate the secret), each endpoint's delivery
//! log (newest first, keyset paged, with every attempt) and manual redelivery.

use super::List;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, Auth, Pagination, PathId};
use crate::state::AppState;
use axum::Json;
use axum::extract::{FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use revos_app::outgoing_webhooks::log::WebhookDelivery;
use revos_app::outgoing_webhooks::{
    CreatedWebhookEndpoint, NewWebhookEndpoint, SigningSecret, WebhookEndpoint,
    WebhookEndpointChange,
};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create, list))
        .routes(routes!(get_one, update, delete))
        .routes(routes!(rotate_secret))
        .routes(routes!(deliveries))
        .routes(routes!(redeliver))
}

/// Creates an endpoint. The `secret` field is shown only in this answer.
#[utoipa::path(post, path = "/api/v1/webhook-endpoints", tag = "webhook-endpoints", security(("bearer" = [])),
    request_body = NewWebhookEndpoint,
    responses((status = 201, body = CreatedWebhookEndpoint), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiJson(req): ApiJson<NewWebhookEndpoint>,
) -> Result<(StatusCode, Json<CreatedWebhookEndpoint>), ApiError> {
    let created = state.app.create_webhook_endpoint(&who, &req).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Lists the workspace's endpoints, oldest first, without their secrets.
#[utoipa::path(get, path = "/api/v1/webhook-endpoints", tag = "webhook-endpoints", security(("bearer" = [])),
    params(("limit" = Option<u32>, Query, description = "1 to 200, default 50"),
           ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, body = List<WebhookEndpoint>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    Auth(who): Auth,
    Pagination(page): Pagination,
) -> Result<Json<List<WebhookEndpoint>>, ApiError> {
    Ok(Json(
        state.app.list_webhook_endpoints(&who, page).await?.into(),
    ))
}

/// One endpoint.
#[utoipa::path(get, path = "/api/v1/webhook-endpoints/{id}", tag = "webhook-endpoints", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "the endpoint's id")),
    responses((status = 200, body = WebhookEndpoint), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_one(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
) -> Result<Json<WebhookEndpoint>, ApiError> {
    Ok(Json(state.app.get_webhook_endpoint(&who, id).await?))
}

/// Changes the fields given (URL, description, events, on or off).
#[utoipa::path(patch, path = "/api/v1/webhook-endpoints/{id}", tag = "webhook-endpoints", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "the endpoint's id")),
    request_body = WebhookEndpointChange,
    responses((status = 200, body = WebhookEndpoint), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
    ApiJson(change): ApiJson<WebhookEndpointChange>,
) -> Result<Json<WebhookEndpoint>, ApiError> {
    Ok(Json(
        state.app.update_webhook_endpoint(&who, id, &change).await?,
    ))
}

/// Deletes an endpoint and its delivery log.
#[utoipa::path(delete, path = "/api/v1/webhook-endpoints/{id}", tag = "webhook-endpoints", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "the endpoint's id")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn delete(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
) -> Result<StatusCode, ApiError> {
    state.app.delete_webhook_endpoint(&who, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Makes a new signing secret, shown only in this answer; the old one signs nothing more.
#[utoipa::path(post, path = "/api/v1/webhook-endpoints/{id}/rotate-secret", tag = "webhook-endpoints", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "the endpoint's id")),
    responses((status = 200, body = SigningSecret), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn rotate_secret(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
) -> Result<Json<SigningSecret>, ApiError> {
    Ok(Json(state.app.rotate_webhook_secret(&who, id).await?))
}

/// The endpoint's deliveries, newest first, each with its body and every attempt (time,
/// status or error, duration).
#[utoipa::path(get, path = "/api/v1/webhook-endpoints/{id}/deliveries", tag = "webhook-endpoints", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "the endpoint's id"),
           ("limit" = Option<u32>, Query, description = "1 to 200, default 50"),
           ("cursor" = Option<String>, Query, description = "next_cursor of the previous page (older deliveries)")),
    responses((status = 200, body = List<WebhookDelivery>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn deliveries(
    State(state): State<AppState>,
    Auth(who): Auth,
    PathId(id): PathId,
    Pagination(page): Pagination,
) -> Result<Json<List<WebhookDelivery>>, ApiError> {
    Ok(Json(
        state
            .app
            .list_webhook_deliveries(&who, id, page)
            .await?
            .into(),
    ))
}

/// The endpoint and delivery ids of a redelivery's path.
struct DeliveryPath {
    endpoint: Uuid,
    delivery: Uuid,
}

impl<S: Send + Sync> FromRequestParts<S> for DeliveryPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let axum::extract::Path((endpoint, delivery)): axum::extract::Path<(String, String)> =
            axum::extract::Path::from_request_parts(parts, state)
                .await
                .map_err(|e| ApiError::bad_request(e.body_text()))?;
        let parse = |raw: &str, field: &str| {
            Uuid::parse_str(raw).map_err(|_| {
                ApiError::bad_request("an id in the path is not a UUID")
                    .with_field(field, "must be a UUID")
            })
        };
        Ok(Self {
            endpoint: parse(&endpoint, "id")?,
            delivery: parse(&delivery, "delivery_id")?,
        })
    }
}

/// Sends a delivery again now (the same body and `webhook-id`, signed afresh), whatever its
/// state; 409 while the endpoint is turned off.
#[utoipa::path(post, path = "/api/v1/webhook-endpoints/{id}/deliveries/{delivery_id}/redeliver", tag = "webhook-endpoints", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "the endpoint's id"),
           ("delivery_id" = Uuid, Path, description = "the delivery's id")),
    responses((status = 202, body = WebhookDelivery), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn redeliver(
    State(state): State<AppState>,
    Auth(who): Auth,
    path: DeliveryPath,
) -> Result<(StatusCode, Json<WebhookDelivery>), ApiError> {
    let delivery = state
        .app
        .redeliver_webhook(&who, path.endpoint, path.delivery)
        .await?;
    Ok((StatusCode::ACCEPTED, Json(delivery)))
}
