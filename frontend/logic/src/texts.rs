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
