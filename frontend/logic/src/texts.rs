//! Texts of one area of the app (boards, …), kept out of the main wasm module. wasm-split moves
//! code into a page's module but never data, so every string in `i18n::Tr` is downloaded by the
//! first screen; an area's texts are instead a JSON file (`frontend/areas/<area>.json`, content-
//! hashed by scripts/build-web.sh) the area fetches with its first page. In the file, `keys`
//! names each entry for people and for the test below; `zh` and `en` hold the texts in the
//! order of the area's enum, so the wasm carries no key strings at all.

/// Declares an area's text keys: an enum whose variant is the index into the file's arrays.
macro_rules! area {
    ($(#[$m:meta])* $name:ident { $($key:ident),* $(,)? }) => {
        $(#[$m])*
        #[allow(non_camel_case_types)]
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name { $($key),* }

        impl $name {
            /// The variants' names, in order: what the file's `keys` must list.
            #[cfg(test)]
            pub const NAMES: &'static [&'static str] = &[$(stringify!($key)),*];
        }
    };
}

area! {
    /// Boards: the Kanban board, the Gantt chart and the dashboard (`frontend/areas/boards.json`).
    Boards {
        swimlanes, lanes_none, lanes_assignee, lanes_department, lanes_milestone, lanes_project,
        no_lane, wip_limits, wip_limits_help, wip_over, kb_card, kb_help, kb_picked, kb_dropped,
        kb_cancelled, kb_put_back, kb_position, column_empty, no_milestone, no_department,
        dates_saved, gantt_empty, toggle_subtasks, undated, critical_path, zoom, zoom_day,
        zoom_week, zoom_month, zoom_quarter, group_by, group_none, export_png, export_svg,
        export_csv, legend_plan, gantt_help, preview_title, preview_intro, shift, days,
        only_this, shift_all, dash_empty, projects_title, project, health, health_on_track,
        health_at_risk, health_late, health_unknown, milestones_soon, flagged_title, no_flagged,
        departments_title, open, done_count, handoffs_title, no_handoffs, ready, waiting_pred,
        waiting, workload_title, workload_people, workload_help, back_to_departments, later,
        no_workload,
    }
}

area! {
    /// The personal center: profile, avatar, password, quick replies, access tokens
    /// (`frontend/areas/me.json`). Labels components take as `fn(&Tr)` stay in `Tr`.
    Me {
        avatar, avatar_bad_type, avatar_hint, avatar_preview, avatar_saved,
        avatar_too_large, change_password, change_password_intro, choose_image, copy,
        copy_manual, create_token, err_future_date, expires, last_used, never_expires,
        never_used, password_changed, quick_replies_intro, quick_reply_added,
        quick_reply_new, saving, scopes, token_created, token_new, token_revoked,
        token_shown_once, tokens_intro, upload_avatar,
    }
}

area! {
    /// The task center: task lists and the task page (`frontend/areas/tasks.json`), moved out
    /// of `i18n::Tr` so the first screen does not carry them. Labels that components take as
    /// `fn(&Tr)` (fields, filters, empty states) stay in `Tr`.
    Tasks {
        act_created, act_dependency_added, act_dependency_removed, act_handed_over,
        act_unnamed, activity, add_dependency, attachments, attachments_empty, blocking,
        choose_task, comment_new, comment_placeholder, comment_post, comments,
        comments_empty, dependencies_empty, details, edited, hidden_task,
        insert_quick_reply, markdown_hint, mention_someone, not_overdue, only_overdue,
        open_tasks, perm_assignee_only, perm_project, post_progress, progress_empty,
        progress_note, progress_percent, progress_posted, more_filters, sort_created,
        sort_due, sort_priority, sort_updated, task_created, task_new, reassign_hint,
        uploaded, who_can_edit, visible_to, visible_all, visible_listed,
        visible_listed_hint, visible_only, list_separator, conflict_changed, someone_else,
        conflict_kept, conflict_take_theirs, conflict_overwrite, conflict_theirs_value,
        task_deleted_notice, delete_task, task_deleted, subtask_new, subtask_title,
        subtasks_empty, err_hours, nothing_to_save, comment_edit, parent_task,
    }
}

area! {
    /// The file library (`frontend/areas/files.json`).
    Files {
        title, all_files, folders, new_folder, upload, drop_hint, drop_here, col_name,
        col_size, col_version, col_updated, col_by, empty_title, empty_text,
        empty_text_view, more_actions, rename, move_to, copy_to, permissions, folder_name,
        file_name, folder_created, renamed, moved, copied, trashed, undo, restored,
        choose_folder, move_here, copy_here, err_name_taken, err_name_invalid, err_quota,
        err_cycle, err_folder_in_trash, trash, trash_empty, trash_empty_text, deleted_at,
        purge_at, restore, back_to_files, storage, storage_used, storage_no_quota,
        storage_counts, set_quota, quota_gb, quota_hint, quota_saved, quota_invalid,
        uploads, up_waiting, up_done, up_cancelled, up_paused, up_retrying,
        up_paused_restart, up_resume, up_clash, as_new_version, keep_both, clear_done,
        resumable, uploaded_to, hide, show, current, note, note_hint, choose_file,
        new_version_of, version_uploaded, restore_version, version_restored, compare,
        compare_from, compare_to, compare_go, diff_summary, diff_same, err_not_text,
        diff_truncated, viewing_version, show_current, preview_none, why_unsupported,
        why_too_large, why_unreadable, why_too_complex, truncated, open_new_tab,
        pdf_blocked, table_truncated, type_label, your_access, lv_view, lv_edit, lv_manage,
        src_admin, src_editor, src_viewer, src_system, src_grant_folder, src_grant_file,
        you, src_attachment, grants_title, grants_intro, grants_none, inherited_from,
        grant_to, level, restricted, restricted_hint, restricted_badge, restricted_by,
        grants_saved, pick_subject, download_version, preview_version, location,
        location_is, folder_gone, open, size_label, offline, file_gone, no_folders,
        open_folder, toggle_folder, uploaded_by, items, sheets, line_numbers, live_added,
        new_doc, doc_name, doc_created, open_editor,
    }
}

area! {
    /// Co-edited documents: the editor, who is in it, versions (`frontend/areas/docs.json`).
    Docs {
        connecting, live, offline, gone_title, gone_text, back_to_files, read_only,
        read_only_hint, editor_label, edit, preview, preview_empty, preview_failed, people,
        you, someone, only_you, save_version, save_title, note, saved_version, no_changes,
        history, current, restore, restore_title, restore_text, restored, compare,
        compare_from, compare_to, compare_go, diff_same, diff_summary, diff_truncated,
        version_by, not_synced, shortcut_save, preview_stale, err_not_text,
    }
}

/// An area's texts in both languages, as fetched.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct AreaTexts {
    pub zh: Vec<String>,
    pub en: Vec<String>,
}

impl AreaTexts {
    /// The text at `index` (an area enum's variant) in Chinese or English; empty if the file
    /// is shorter (a test keeps it from being).
    pub fn get(&self, zh: bool, index: usize) -> &str {
        let list = if zh { &self.zh } else { &self.en };
        list.get(index).map(String::as_str).unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize)]
    struct File {
        keys: Vec<String>,
        zh: Vec<String>,
        en: Vec<String>,
    }

    fn check(json: &str, names: &[&str]) {
        let f: File = serde_json::from_str(json).expect("valid JSON");
        assert_eq!(
            f.keys, names,
            "keys in the file and the enum differ (order matters)"
        );
        assert_eq!(f.zh.len(), names.len(), "zh has one text per key");
        assert_eq!(f.en.len(), names.len(), "en has one text per key");
        for (n, k) in names.iter().enumerate() {
            assert!(
                !f.zh[n].trim().is_empty() && !f.en[n].trim().is_empty(),
                "{k} is empty"
            );
        }
    }

    #[test]
    fn the_boards_file_matches_its_keys() {
        check(include_str!("../../areas/boards.json"), Boards::NAMES);
    }

    #[test]
    fn the_me_file_matches_its_keys() {
        check(include_str!("../../areas/me.json"), Me::NAMES);
    }

    #[test]
    fn the_tasks_file_matches_its_keys() {
        check(include_str!("../../areas/tasks.json"), Tasks::NAMES);
    }

    #[test]
    fn the_files_file_matches_its_keys() {
        check(include_str!("../../areas/files.json"), Files::NAMES);
    }

    #[test]
    fn the_docs_file_matches_its_keys() {
        check(include_str!("../../areas/docs.json"), Docs::NAMES);
    }

    #[test]
    fn texts_are_read_by_index() {
        let t = AreaTexts {
            zh: vec!["看板".into()],
            en: vec!["Board".into()],
        };
        assert_eq!(t.get(true, 0), "看板");
        assert_eq!(t.get(false, 0), "Board");
        assert_eq!(t.get(false, 9), "");
    }
}
