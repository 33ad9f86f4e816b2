//! A test client that acts as the dashboard: the admin conversation API and
//! the operators' event stream, with a Bearer token.

use crate::helpers::{TestApp, json};
use crate::widget_client::Events;
use reqwest::Method;
use serde_json::{Value, json};

/// One operator (or admin) at the dashboard.
pub(crate) struct Operator<'a> {
    pub app: &'a TestApp,
    pub token: String,
}

impl<'a> Operator<'a> {
    /// The seeded admin.
    pub(crate) async fn admin(app: &'a TestApp) -> Self {
        Self {
            app,
            token: app.admin_token().await,
        }
    }

    /// A new operator, member of `projects`.
    pub(crate) async fn member_of(app: &'a TestApp, projects: &[&str]) -> Self {
        let ids: Vec<uuid::Uuid> = projects
            .iter()
            .map(|id| id.parse().expect("project id"))
            .collect();
        Self {
            app,
            token: app.user_token("operator", &ids).await,
        }
    }

    /// `GET /api/v1/admin/conversations?{query}`.
    pub(crate) async fn inbox(&self, query: &str) -> (u16, Value) {
        self.get(&format!("/api/v1/admin/conversations?{query}"))
            .await
    }

    /// `GET /api/v1/admin/conversations/{id}`.
    pub(crate) async fn conversation(&self, id: &str) -> (u16, Value) {
        self.get(&format!("/api/v1/admin/conversations/{id}")).await
    }

    /// `POST /api/v1/admin/conversations/{id}/{action}` without a body.
    pub(crate) async fn action(&self, id: &str, action: &str) -> (u16, Value) {
        let response = self
            .app
            .authed(
                Method::POST,
                &format!("/api/v1/admin/conversations/{id}/{action}"),
                &self.token,
            )
            .send()
            .await
            .expect("sent");
        json(response).await
    }

    /// `POST /api/v1/admin/conversations/{id}/messages`.
    pub(crate) async fn send(&self, id: &str, text: &str) -> (u16, Value) {
        self.send_body(id, &json!({"text": text})).await
    }

    /// `POST /api/v1/admin/conversations/{id}/messages` with any body.
    pub(crate) async fn send_body(&self, id: &str, body: &Value) -> (u16, Value) {
        let response = self
            .app
            .authed(
                Method::POST,
                &format!("/api/v1/admin/conversations/{id}/messages"),
                &self.token,
            )
            .json(body)
            .send()
            .await
            .expect("sent");
        json(response).await
    }

    /// The operators' event stream, from after `after` (or live only).
    pub(crate) async fn events(&self, after: Option<i64>) -> Events {
        let path = match after {
            Some(after) => format!("/api/v1/admin/events?after={after}"),
            None => "/api/v1/admin/events".to_owned(),
        };
        let response = self
            .app
            .authed(Method::GET, &path, &self.token)
            .send()
            .await
            .expect("stream opened");
        assert_eq!(response.status(), 200);
        Events::from_response(response)
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        let response = self
            .app
            .authed(Method::GET, path, &self.token)
            .send()
            .await
            .expect("sent");
        json(response).await
    }
}
