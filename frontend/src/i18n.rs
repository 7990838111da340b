//! zh-CN and English. Every string the UI shows is a field of [`Tr`]: a missing translation is a
//! compile error, and switching language re-renders only the text nodes that read it.
//!
//! (leptos_i18n was considered: it adds a build-time JSON pipeline and ICU data to the wasm for
//! two languages without plurals; a plain struct gives the same compile-time completeness.)

use leptos::prelude::*;
use tandem_dto::{
    FieldError, Priority, ProjectRole, SystemRole, TaskStatus, TokenScope, UserStatus,
};

use crate::api::ApiError;

mod en;
pub mod texts;
mod zh;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    /// BCP 47 tag, for `<html lang>` and date formatting.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }
    fn from_tag(tag: &str) -> Option<Self> {
        let tag = tag.to_ascii_lowercase();
        if tag.starts_with("zh") {
            Some(Lang::Zh)
        } else if tag.starts_with("en") {
            Some(Lang::En)
        } else {
            None
        }
    }
}

const KEY: &str = "tandem.lang";

#[derive(Clone, Copy)]
pub struct I18n {
    pub lang: RwSignal<Lang>,
}

impl I18n {
    /// The remembered choice, else the browser's preferred language, else Chinese.
    pub fn init() -> Self {
        let window = web_sys::window();
        let stored = window
            .as_ref()
            .and_then(|w| w.local_storage().ok().flatten())
            .and_then(|s| s.get_item(KEY).ok().flatten())
            .and_then(|t| Lang::from_tag(&t));
        let browser = window
            .as_ref()
            .and_then(|w| w.navigator().language())
            .and_then(|t| Lang::from_tag(&t));
        let lang = RwSignal::new(stored.or(browser).unwrap_or(Lang::Zh));
        let me = Self { lang };
        Effect::new(move || {
            let l = lang.get();
            if let Some(doc) = web_sys::window().and_then(|w| w.document())
                && let Some(html) = doc.document_element()
            {
                let _ = html.set_attribute("lang", l.tag());
            }
        });
        me
    }

    pub fn set(&self, l: Lang) {
        self.lang.set(l);
        if let Some(s) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
            let _ = s.set_item(KEY, l.tag());
        }
    }

    /// The strings of the current language (tracked: text re-renders on a switch).
    /// B3: why a task is flagged, as a sentence (the wording the server's notices use too).
    pub fn risk_reason(&self, r: &tandem_dto::RiskReason) -> String {
        let lang = match self.lang.get() {
            Lang::Zh => tandem_dto::notification_text::Lang::Zh,
            Lang::En => tandem_dto::notification_text::Lang::En,
        };
        tandem_dto::notification_text::risk_reason(r, lang)
    }

    pub fn t(&self) -> &'static Tr {
        match self.lang.get() {
            Lang::Zh => &zh::ZH,
            Lang::En => &en::EN,
        }
    }

    pub fn t_untracked(&self) -> &'static Tr {
        match self.lang.get_untracked() {
            Lang::Zh => &zh::ZH,
            Lang::En => &en::EN,
        }
    }

    /// A field error in words: known codes are translated, others keep the server's message.
    pub fn field_error(&self, e: &FieldError) -> String {
        let t = self.t();
        match (e.field.as_str(), e.code.as_str()) {
            ("email", "required") => t.err_email_or_id.into(),
            (_, "required") => t.err_required.into(),
            ("email", "email") => t.err_email.into(),
            ("password" | "new_password", "length") => t.err_password_length.into(),
            ("current_password", "incorrect") => t.err_current_password.into(),
            ("phone", "format") => t.err_phone.into(),
            (_, "length") => t.err_length.into(),
            (_, "not_found") => t.err_not_found_ref.into(),
            (_, "email_taken") | (_, "taken") => t.err_taken.into(),
            (_, "corrupt") => t.err_corrupt_file.into(),
            (_, "before_start") => t.err_before_start.into(),
            (_, "out_of_period") => t.err_out_of_period.into(),
            (_, "milestone_out_of_period") => t.err_milestone_out_of_period.into(),
            ("start_date" | "end_date" | "due_date" | "date", "range") => t.err_date_range.into(),
            (_, "not_member") => t.err_not_member.into(),
            (_, "nested_subtask") => t.err_nested_subtask.into(),
            _ => e.message.clone(),
        }
    }

    /// An API error in words, by its stable code where we know it. Server text is English, so
    /// it is only shown in the English UI; the Chinese UI gets a translated general message.
    pub fn api_error(&self, e: &ApiError) -> String {
        api_error_in(self.t(), self.lang.get(), e)
    }

    /// [`Self::api_error`] for use after an `await` (no reactive tracking).
    pub fn api_error_untracked(&self, e: &ApiError) -> String {
        api_error_in(self.t_untracked(), self.lang.get_untracked(), e)
    }

    pub fn role(&self, r: SystemRole) -> &'static str {
        match r {
            SystemRole::Admin => self.t().role_admin,
            SystemRole::Member => self.t().role_member,
        }
    }

    pub fn status(&self, s: UserStatus) -> &'static str {
        let t = self.t();
        match s {
            UserStatus::Pending => t.status_pending,
            UserStatus::Active => t.status_active,
            UserStatus::Rejected => t.status_rejected,
            UserStatus::Deactivated => t.status_deactivated,
        }
    }

    pub fn task_status(&self, s: TaskStatus) -> &'static str {
        task_status_in(self.t(), s)
    }

    pub fn priority(&self, p: Priority) -> &'static str {
        let t = self.t();
        match p {
            Priority::High => t.prio_high,
            Priority::Medium => t.prio_medium,
            Priority::Low => t.prio_low,
        }
    }

    pub fn project_role(&self, r: ProjectRole) -> &'static str {
        let t = self.t();
        match r {
            ProjectRole::Admin => t.prole_admin,
            ProjectRole::Editor => t.prole_editor,
            ProjectRole::Viewer => t.prole_viewer,
        }
    }

    /// A notification's heading and text in the reader's language, from its kind and data
    /// (the server stores no rendered text); the server's English summary for kinds this
    /// version does not know.
    pub fn notification(&self, n: &tandem_dto::NotificationResponse) -> (String, String) {
        use tandem_dto::notification_text::{Lang as Reader, render};
        let reader = match self.lang.get() {
            Lang::Zh => Reader::Zh,
            Lang::En => Reader::En,
        };
        render(&n.kind, &n.data, &n.body, reader)
            .unwrap_or_else(|| (n.title.clone(), n.body.clone()))
    }

    /// A kind of notification, named for people (filters, settings).
    pub fn notification_kind(&self, kind: &str) -> &'static str {
        let t = self.t();
        match kind {
            "comment.mention" => t.nk_mention,
            "task.assigned" => t.nk_assigned,
            "task.status_changed" => t.nk_status,
            "task.commented" => t.nk_commented,
            "task.due_soon" => t.nk_due_soon,
            "task.overdue" => t.nk_overdue,
            "at_risk" => t.nk_at_risk,
            "project.member_added" => t.nk_member_added,
            "account.approved" => t.nk_approved,
            "account.rejected" => t.nk_rejected,
            _ => t.notifications,
        }
    }

    pub fn scope(&self, s: TokenScope) -> &'static str {
        let t = self.t();
        match s {
            TokenScope::Read => t.scope_read,
            TokenScope::Write => t.scope_write,
            TokenScope::Admin => t.scope_admin,
        }
    }
}

fn task_status_in(t: &Tr, s: TaskStatus) -> &'static str {
    match s {
        TaskStatus::Todo => t.ts_todo,
        TaskStatus::InProgress => t.ts_in_progress,
        TaskStatus::InReview => t.ts_in_review,
        TaskStatus::Done => t.ts_done,
        TaskStatus::Archived => t.ts_archived,
    }
}

fn api_error_in(t: &Tr, lang: Lang, e: &ApiError) -> String {
    let p = match e {
        ApiError::Network(_) => return t.err_network.into(),
        ApiError::SessionExpired => return t.session_expired.into(),
        ApiError::Problem(p) => p,
    };
    let known = match (p.status, p.code.as_deref()) {
        (_, Some("invalid_credentials")) => Some(t.err_invalid_credentials),
        (_, Some("account_pending")) => Some(t.err_account_pending),
        (_, Some("account_rejected")) => {
            // The administrator's reason follows the server's fixed English lead-in.
            let reason = p
                .detail
                .as_deref()
                .and_then(|d| d.split_once(": ").map(|(_, r)| r.trim()))
                .filter(|r| !r.is_empty());
            return match reason {
                Some(r) => format!("{} {}{}", t.err_account_rejected, t.reason_prefix, r),
                None => t.err_account_rejected.into(),
            };
        }
        (_, Some("account_deactivated")) => Some(t.err_account_deactivated),
        (_, Some("stale_version")) | (412, _) => Some(t.err_stale),
        (_, Some("department_has_members")) => Some(t.err_department_has_members),
        (_, Some("department_has_children")) => Some(t.err_department_has_children),
        (_, Some("department_cycle")) => Some(t.err_department_cycle),
        (_, Some("last_admin")) => Some(t.err_last_admin),
        (_, Some("not_pending")) => Some(t.err_not_pending),
        (_, Some("invalid_transition")) => Some(t.err_invalid_transition),
        (_, Some("project_archived")) => Some(t.err_project_archived),
        (_, Some("already_member")) => Some(t.err_already_member),
        (_, Some("dependency_cycle")) => Some(t.err_dependency_cycle),
        (_, Some("project_role")) => Some(t.err_project_role),
        (_, Some("attachments_protected")) => Some(t.err_attachments_protected),
        (_, Some(c)) if c.ends_with("_taken") => Some(t.err_taken),
        (_, Some("corrupt")) => Some(t.err_corrupt_file),
        (413, _) => Some(t.err_too_large),
        (415, _) => Some(t.err_unsupported_type),
        (422, _) if p.errors.iter().any(|e| e.code == "corrupt") => Some(t.err_corrupt_file),
        (422, _) => Some(t.err_validation),
        (429, _) => Some(t.err_throttled),
        (403, _) => Some(t.err_forbidden),
        (404, _) => Some(t.err_not_found),
        (s, _) if s >= 500 => Some(t.err_server),
        _ => None,
    };
    match known {
        Some(text) => text.into(),
        None if lang == Lang::En => p.detail.clone().unwrap_or_else(|| p.title.clone()),
        None if p.status == 409 => t.err_conflict.into(),
        None => format!("{} ({})", t.err_generic, p.status),
    }
}

pub fn use_i18n() -> I18n {
    expect_context()
}

include!("i18n/strings.rs");
