//! Building blocks every feature uses: form fields, toasts, the upload control, the Markdown editor, the confirmation dialog, a searchable choice, avatars, a version diff, loading/empty/error
//! states, paged lists, formatting. Components never call the API themselves, except to fetch
//! what they draw (an avatar).

mod avatar;
mod combobox;
mod confirm;
mod diff;
mod fields;
mod focus;
mod format;
mod links;
mod markdown;
mod paged;
mod select;
mod slots;
mod states;
mod toast;
mod upload;

pub use avatar::{Avatar, forget_avatar};
pub use combobox::Combobox;
pub use confirm::{ConfirmKind, ConfirmRegion, Confirmer, use_confirmer};
pub use diff::{CompareText, VersionCompare};
pub use fields::{FormErrors, TextArea, TextField};
pub use focus::{focus_first_in, focus_first_invalid, focus_later};
pub use format::{date_or_dash, fmt_time, human_size};
pub use links::{doc_href, notification_link};
pub use markdown::MarkdownEditor;
pub use paged::{Paged, filter_query, replace, with_filter, with_filters};
pub use select::SettledSelect;
pub use slots::{ProjectTasks, ProjectTasksView};
pub use states::{Empty, ErrorBox, LoadFailed, Loading};
pub use toast::{ToastKind, ToastRegion, Toaster, use_toaster};
pub use upload::{Sending, Upload};
