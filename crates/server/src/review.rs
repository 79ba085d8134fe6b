//! Supervisor sign-off, shared by the form (`POST /runs/{id}/units/{unit}/review`) and the
//! JSON API (`POST /api/runs/{id}/units/{unit}/review`).

use axum::http::StatusCode;
use lazo_store::{Decision, MAX_REASON_CHARS, NewReview, ReviewRecord, RunId, StoreError, Verdict};

use crate::auth::User;
use crate::error::{ApiError, RequestId};
use crate::{AppState, Backend};

/// What a supervisor submitted, as text (validated here, then by the store).
#[derive(Clone, Debug, Default)]
pub(crate) struct SignOff {
    pub decision: String,
    /// The verdict after review; may be left out of a confirmation.
    pub verdict: Option<String>,
    pub reason: Option<String>,
    /// The version of the latest review the supervisor saw (0: none). Left out, the unit's
    /// latest review at the time of the request.
    pub previous_version: Option<u32>,
}

/// How a sign-off request ended.
#[derive(Debug)]
pub(crate) struct Signed {
    pub review: ReviewRecord,
    /// The same sign-off was already the unit's latest (a double submit): nothing was stored.
    pub repeated: bool,
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "invalid_review", message)
}

/// Stores a sign-off by `user` of one unit and audits it (`review_saved`) before answering.
pub(crate) async fn sign_off<S: Backend>(
    state: &AppState<S>,
    user: &User,
    request_id: &RequestId,
    run_id: RunId,
    unit_id: &str,
    input: SignOff,
) -> Result<Signed, ApiError> {
    let decision: Decision = input
        .decision
        .trim()
        .parse()
        .map_err(|_| invalid("decision must be \"confirmed\" or \"overridden\""))?;
    let reason = input
        .reason
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty());
    if decision == Decision::Overridden && reason.is_none() {
        return Err(invalid("an override needs a written reason"));
    }
    if reason
        .as_ref()
        .is_some_and(|r| r.chars().count() > MAX_REASON_CHARS)
    {
        return Err(invalid(format!(
            "the reason is longer than {MAX_REASON_CHARS} characters"
        )));
    }
    let given_verdict = input
        .verdict
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .map(|v| {
            v.parse::<Verdict>()
                .map_err(|_| invalid(format!("unknown verdict {v:?}")))
        })
        .transpose()?;
    let unit = state
        .store
        .run_units(run_id, None)
        .await?
        .into_iter()
        .find(|u| u.unit_id == unit_id)
        .ok_or_else(|| ApiError::not_found("unit"))?;
    let final_verdict = match (decision, given_verdict) {
        (_, Some(v)) => v,
        (Decision::Confirmed, None) => unit.verdict,
        (Decision::Overridden, None) => {
            return Err(invalid("choose the verdict that replaces the machine's"));
        }
    };
    let history = state.store.unit_reviews(run_id, unit_id).await?;
    let latest_version = history.last().map_or(0, |r| r.version);
    let review = NewReview {
        run_id,
        unit_id: unit_id.to_string(),
        previous_version: input.previous_version.unwrap_or(latest_version),
        reviewer: user.name.clone(),
        decision,
        final_verdict,
        reason,
        reviewed_at: lazo_store::rfc3339_from_unix_ms(state.clock.now_ms()),
    };
    if let Some(latest) = history.last().filter(|l| l.same_sign_off(&review)) {
        return Ok(Signed {
            review: latest.clone(),
            repeated: true,
        });
    }
    // The sign-off and its `review_saved` record in one transaction.
    let audit = |saved: &ReviewRecord| {
        state.event(
            &user.name,
            "review_saved",
            &format!("unit:{run_id}/{unit_id}"),
            serde_json::json!({
                "request_id": request_id.0,
                "version": saved.version,
                "decision": saved.decision,
                "machine_verdict": saved.machine_verdict,
                "final_verdict": saved.final_verdict,
                "reason": saved.reason,
            }),
        )
    };
    let saved = match state
        .store
        .save_review_audited(&review, &state.key, audit)
        .await
    {
        Ok(Some((saved, _record))) => saved,
        Ok(None) => return Err(ApiError::not_found("unit")),
        Err(StoreError::Invalid(why)) => return Err(invalid(why)),
        Err(StoreError::Conflict(_)) => {
            // A double submit that raced its twin, or someone else signed meanwhile.
            let now = state.store.unit_reviews(run_id, unit_id).await?;
            if let Some(latest) = now.last().filter(|l| l.same_sign_off(&review)) {
                return Ok(Signed {
                    review: latest.clone(),
                    repeated: true,
                });
            }
            let by = now.last().map_or(String::new(), |l| {
                format!(" (latest: {} by {})", l.decision, l.reviewer)
            });
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "conflict",
                format!(
                    "the unit was signed off since you loaded it{by}; reload it and review again"
                ),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    Ok(Signed {
        review: saved,
        repeated: false,
    })
}
