//! Projects' milestones.

use tandem_dto::{MilestoneResponse, UpdateMilestoneRequest};
use tandem_web_logic::task_store::etag;
use uuid::Uuid;

use crate::api::{self, ApiError};

/// Changes a milestone at `version` (a newer one answers 412).
pub async fn update_milestone(
    id: Uuid,
    version: i64,
    body: &UpdateMilestoneRequest,
) -> Result<MilestoneResponse, ApiError> {
    api::patch::<_, MilestoneResponse>(&format!("/milestones/{id}"), body, Some(&etag(version)))
        .await
        .map(|(m, _)| m)
}
