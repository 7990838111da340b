//! C7: a notification's words in the reader's language, made from its kind and data — one
//! wording for the web app's bell and the server's mail. The server stores kind + data (and an
//! English title for clients that know no kind), never pre-rendered text in two languages.

use crate::{RiskReason, TaskStatus};

/// A reader's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    /// `zh-CN` / `zh…` → Chinese, anything else → English.
    pub fn parse(tag: &str) -> Self {
        if tag.to_ascii_lowercase().starts_with("zh") {
            Lang::Zh
        } else {
            Lang::En
        }
    }

    pub fn tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }
}

/// The longest piece of a user's text quoted in a one-line notification.
const QUOTE: usize = 60;

/// `s` cut to fit a one-line notification.
pub fn cut(s: &str) -> String {
    let mut out: String = s.chars().take(QUOTE).collect();
    if s.chars().count() > QUOTE {
        out.push('…');
    }
    out
}

/// A task status in `lang`.
pub fn status_name(s: TaskStatus, lang: Lang) -> &'static str {
    match (s, lang) {
        (TaskStatus::Todo, Lang::Zh) => "待办",
        (TaskStatus::InProgress, Lang::Zh) => "进行中",
        (TaskStatus::InReview, Lang::Zh) => "待审核",
        (TaskStatus::Done, Lang::Zh) => "已完成",
        (TaskStatus::Archived, Lang::Zh) => "已归档",
        (TaskStatus::Todo, Lang::En) => "To do",
        (TaskStatus::InProgress, Lang::En) => "In progress",
        (TaskStatus::InReview, Lang::En) => "In review",
        (TaskStatus::Done, Lang::En) => "Done",
        (TaskStatus::Archived, Lang::En) => "Archived",
    }
}

/// B3: why a task (milestone, project) is flagged, as one sentence in `lang` — for the web app,
/// notifications and mail alike.
pub fn risk_reason(r: &RiskReason, lang: Lang) -> String {
    let zh = lang == Lang::Zh;
    let days = |n: i64| {
        if n == 1 {
            "1 day".to_owned()
        } else {
            format!("{n} days")
        }
    };
    let working = |n: i64| {
        if n == 1 {
            "1 working day".to_owned()
        } else {
            format!("{n} working days")
        }
    };
    match r {
        RiskReason::Overdue { due, days_late } if zh => {
            format!("已逾期 {days_late} 天（截止 {due}）")
        }
        RiskReason::Overdue { due, days_late } => {
            format!("{} overdue (due {due})", days(*days_late))
        }
        RiskReason::BehindPace {
            projected_finish,
            due,
            percent,
        } if zh => {
            format!("按目前进度（已完成 {percent}%）预计 {projected_finish} 完成，晚于截止日 {due}")
        }
        RiskReason::BehindPace {
            projected_finish,
            due,
            percent,
        } => format!(
            "At the pace so far ({percent}% done) it finishes on {projected_finish}, after its due date {due}"
        ),
        RiskReason::NoProgress {
            since,
            working_days,
            due,
        } if zh => format!("自 {since} 起已 {working_days} 个工作日没有进度更新（截止 {due}）"),
        RiskReason::NoProgress {
            since,
            working_days,
            due,
        } => format!(
            "No progress reported for {} since {since} (due {due})",
            working(*working_days)
        ),
        RiskReason::Blocked {
            predecessor_finish,
            due,
            needed_days,
            available_days,
            ..
        } if zh => format!(
            "前置任务预计 {predecessor_finish} 完成，之后到截止日 {due} 只剩 {available_days} 个工作日，需要 {needed_days} 个"
        ),
        RiskReason::Blocked {
            predecessor_finish,
            due,
            needed_days,
            available_days,
            ..
        } => format!(
            "A predecessor finishes on {predecessor_finish}, leaving {} before its due date {due}; it needs {}",
            working(*available_days),
            working(*needed_days)
        ),
        RiskReason::Task { .. } if zh => "有任务存在延期风险".to_owned(),
        RiskReason::Task { .. } => "A task is at risk of delay".to_owned(),
        RiskReason::MilestoneMissed { date, .. } if zh => {
            format!("里程碑日期 {date} 已过，仍有未完成的任务")
        }
        RiskReason::MilestoneMissed { date, .. } => {
            format!("A milestone's date, {date}, passed with tasks still open")
        }
        RiskReason::EndPassed { end, open_tasks } if zh => {
            format!("项目结束日 {end} 已过，仍有 {open_tasks} 个未完成的任务")
        }
        RiskReason::EndPassed { end, open_tasks } => format!(
            "The project's end date, {end}, passed with {open_tasks} task{} still open",
            if *open_tasks == 1 { "" } else { "s" }
        ),
    }
}

/// The title and body of a notification of `kind` with `data` (and its stored `body`, an
/// excerpt or a reason) in `lang`; `None` for a kind this version does not know.
pub fn render(
    kind: &str,
    data: &serde_json::Value,
    body: &str,
    lang: Lang,
) -> Option<(String, String)> {
    let text = |key: &str| {
        data.get(key)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_owned()
    };
    let zh = lang == Lang::Zh;
    let task = cut(&text("task_title"));
    let actor = text("actor_name");
    let title = match kind {
        "comment.mention" => {
            let author = text("author_name");
            if zh {
                format!("{author} 在「{task}」中提到了你")
            } else {
                format!("{author} mentioned you in “{task}”")
            }
        }
        "task.assigned" if zh => format!("{actor} 把「{task}」分配给了你"),
        "task.assigned" => format!("{actor} assigned you “{task}”"),
        "task.status_changed" => {
            let status = TaskStatus::parse(&text("to"))
                .map(|s| status_name(s, lang))
                .unwrap_or_default();
            if zh {
                format!("{actor} 把「{task}」改为{status}")
            } else {
                format!("{actor} moved “{task}” to {status}")
            }
        }
        "task.commented" if zh => format!("{actor} 评论了「{task}」"),
        "task.commented" => format!("{actor} commented on “{task}”"),
        "task.due_soon" if zh => format!("「{task}」将于 {} 到期", text("due_date")),
        "task.due_soon" => format!("“{task}” is due {}", text("due_date")),
        "task.overdue" if zh => format!("「{task}」已逾期（截止 {}）", text("due_date")),
        "task.overdue" => format!("“{task}” is overdue (due {})", text("due_date")),
        "at_risk" => {
            // The body: the first reason, in the reader's language.
            let reason = data
                .get("reasons")
                .and_then(|r| r.get(0))
                .and_then(|r| serde_json::from_value::<RiskReason>(r.clone()).ok())
                .map(|r| risk_reason(&r, lang))
                .unwrap_or_default();
            let title = if zh {
                format!("「{task}」有延期风险")
            } else {
                format!("“{task}” is at risk of delay")
            };
            return Some((title, reason));
        }
        "project.member_added" => {
            let project = cut(&text("project_name"));
            if zh {
                format!("{actor} 把你加入了项目「{project}」")
            } else {
                format!("{actor} added you to “{project}”")
            }
        }
        "account.approved" => {
            let (t, b) = if zh {
                ("注册已通过", "您现在可以登录使用了。")
            } else {
                ("Registration approved", "You can now sign in.")
            };
            return Some((t.into(), b.into()));
        }
        "account.rejected" => {
            let t = if zh {
                "注册未通过"
            } else {
                "Registration rejected"
            };
            return Some((t.into(), text("reason")));
        }
        _ => return None,
    };
    Some((title, body.to_owned()))
}

/// Where a notification leads in the web app (a path under `/`), when it is about something.
pub fn link(kind: &str, data: &serde_json::Value) -> Option<String> {
    let id = |key: &str| data.get(key).and_then(|v| v.as_str()).map(str::to_owned);
    match kind {
        "project.member_added" => id("project_id").map(|p| format!("/projects/{p}")),
        "account.approved" | "account.rejected" => None,
        _ => id("task_id").map(|t| format!("/tasks/{t}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_kind_reads_in_both_languages() {
        let data = json!({ "task_id": "t", "project_id": "p", "task_title": "原型设计",
            "actor_name": "李雷", "author_name": "韩梅梅", "to": "in_review",
            "project_name": "新品上市", "due_date": "2026-12-01", "reason": "重复注册" });
        for kind in crate::NOTIFICATION_KINDS {
            let (zh, _) = render(kind, &data, "", Lang::Zh).unwrap();
            let (en, _) = render(kind, &data, "", Lang::En).unwrap();
            assert_ne!(zh, en, "{kind}");
            // The Chinese text is Chinese, the English one has no Chinese of its own.
            assert!(
                zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{zh}"
            );
        }
        let (t, _) = render("task.status_changed", &data, "", Lang::Zh).unwrap();
        assert_eq!(t, "李雷 把「原型设计」改为待审核");
        let (t, _) = render("task.overdue", &data, "", Lang::En).unwrap();
        assert_eq!(t, "“原型设计” is overdue (due 2026-12-01)");
    }

    #[test]
    fn every_risk_reason_reads_as_a_sentence_in_both_languages() {
        let reasons = crate::risk::example_reasons();
        for r in &reasons {
            let (zh, en) = (risk_reason(r, Lang::Zh), risk_reason(r, Lang::En));
            assert!(
                zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{zh}"
            );
            assert!(
                !en.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{en}"
            );
        }
        assert_eq!(
            risk_reason(&reasons[1], Lang::En),
            "At the pace so far (30% done) it finishes on 2026-12-03, after its due date 2026-11-30"
        );
        assert_eq!(
            risk_reason(&reasons[0], Lang::Zh),
            "已逾期 3 天（截止 2026-11-27）"
        );
        assert_eq!(
            risk_reason(&reasons[6], Lang::En),
            "The project's end date, 2026-11-29, passed with 1 task still open"
        );
        // The at-risk notification's body is its first reason, in the reader's language.
        let data = json!({ "task_title": "原型设计", "reasons": [reasons[1]] });
        let (t, b) = render("at_risk", &data, "", Lang::Zh).unwrap();
        assert_eq!(t, "「原型设计」有延期风险");
        assert!(b.starts_with("按目前进度（已完成 30%）"), "{b}");
        let (t, _) = render("at_risk", &data, "", Lang::En).unwrap();
        assert_eq!(t, "“原型设计” is at risk of delay");
    }

    #[test]
    fn long_titles_are_cut_and_links_lead_to_the_object() {
        let long = "长".repeat(100);
        let (t, _) = render(
            "task.assigned",
            &json!({ "task_title": long, "actor_name": "a" }),
            "",
            Lang::En,
        )
        .unwrap();
        assert!(t.chars().count() < 80 && t.contains('…'));
        assert_eq!(
            link("task.due_soon", &json!({ "task_id": "x" })).as_deref(),
            Some("/tasks/x")
        );
        assert_eq!(
            link("project.member_added", &json!({ "project_id": "p" })).as_deref(),
            Some("/projects/p")
        );
        assert_eq!(render("no.such.kind", &json!({}), "", Lang::En), None);
        assert_eq!(Lang::parse("zh-CN"), Lang::Zh);
        assert_eq!(Lang::parse("en-US"), Lang::En);
    }
}
