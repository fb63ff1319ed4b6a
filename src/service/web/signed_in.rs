//! `SignedIn`: the user of a page that needs one. Without a valid session the browser
//! goes to the login page and comes back after; an API token is not a page session.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};

use super::render::{login_url, page_path};
use crate::service::auth::CurrentUser;
use crate::service::auth::current::Via;
use crate::service::state::AppState;

pub struct SignedIn(pub CurrentUser);

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<SignedIn, Response> {
        let path = page_path(&parts.uri);
        match CurrentUser::from_request_parts(parts, state).await {
            Ok(user) if matches!(user.via, Via::Session { .. }) => Ok(SignedIn(user)),
            Ok(_) | Err(crate::service::ApiError::Unauthenticated) => {
                Err(Redirect::to(&login_url(&path)).into_response())
            }
            Err(other) => Err(other.into_response()),
        }
    }
}
