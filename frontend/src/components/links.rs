//! Where things lead.

/// Where a notification leads: its task, else its project.
pub fn notification_link(n: &tandem_dto::NotificationResponse) -> Option<String> {
    let id = |k: &str| n.data.get(k).and_then(|v| v.as_str());
    id("task_id")
        .map(|t| format!("/tasks/{t}"))
        .or_else(|| id("project_id").map(|p| format!("/projects/{p}")))
}
