//! Where things lead.

/// Where a notification leads: its task, else its project.
pub fn notification_link(n: &tandem_dto::NotificationResponse) -> Option<String> {
    tandem_web_logic::format::notification_link(&n.data)
}

/// Where a co-edited document opens: its editor.
pub fn doc_href(doc: uuid::Uuid) -> String {
    format!("/docs/{doc}")
}
