//! Notification mail (C7): one digest per user for everything that arrived within
//! `TANDEM_MAIL_BATCH_SECS` of the first, in the user's language, plain text and HTML, each
//! item linking to its object. Sent through `TANDEM_SMTP_URL` with lettre; nothing is queued
//! when it is not set.

use lettre::message::{Mailbox, MultiPart, SinglePart, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tandem_db::accounts;
use tandem_db::entities::{notifications, users};
use tandem_dto::UserStatus;
use tandem_dto::notification_text::{Lang, link, render};
use uuid::Uuid;

use crate::state::AppState;

/// Notifications in one mail; more go in the next one, queued at once.
const PER_MAIL: u64 = 50;

/// Mails `user` their pending notifications.
pub async fn digest(state: &AppState, user: Uuid) -> Result<(), String> {
    let live = &state.config.live;
    let db = &state.db;
    let pending = accounts::mail_pending(db, user, PER_MAIL + 1)
        .await
        .map_err(|e| e.to_string())?;
    if pending.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = pending
        .iter()
        .take(PER_MAIL as usize)
        .map(|n| n.id)
        .collect();
    let u = accounts::find_user(db, user)
        .await
        .map_err(|e| e.to_string())?;
    // A rejected registrant still hears why; a deactivated account hears nothing.
    let (Some(url), Some(to), true) = (
        live.smtp_url.as_deref(),
        u.email.as_deref(),
        UserStatus::parse(&u.status) != Some(UserStatus::Deactivated),
    ) else {
        // No relay any more, no address, or no longer a user: nothing to send, ever.
        return accounts::clear_mail_pending(db, &ids)
            .await
            .map_err(|e| e.to_string());
    };
    let message = compose(
        &live.mail_from,
        to,
        &u,
        &pending[..ids.len()],
        &live.public_url,
    )?;
    let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
        .map_err(|e| format!("TANDEM_SMTP_URL: {e}"))?
        .timeout(Some(std::time::Duration::from_secs(30)))
        .build();
    transport
        .send(message)
        .await
        .map_err(|e| format!("sending mail: {e}"))?;
    accounts::clear_mail_pending(db, &ids)
        .await
        .map_err(|e| e.to_string())?;
    if pending.len() > ids.len() {
        // More than one mail's worth: the next one goes out right away.
        tandem_db::jobs::enqueue(
            db,
            tandem_db::jobs::NewJob {
                kind: super::MAIL_DIGEST,
                payload: serde_json::json!({ "user_id": user }),
                run_at: chrono::Utc::now(),
                unique_key: Some(format!("{}:{user}", super::MAIL_DIGEST)),
                max_attempts: 8,
            },
        )
        .await
        .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// The mail for `notes` to `u`.
pub fn compose(
    from: &str,
    to: &str,
    u: &users::Model,
    notes: &[notifications::Model],
    public_url: &str,
) -> Result<Message, String> {
    let lang = Lang::parse(&u.locale);
    let base = public_url.trim_end_matches('/');
    let items: Vec<(String, String, Option<String>)> = notes
        .iter()
        .map(|n| {
            let data: serde_json::Value = serde_json::from_str(&n.data).unwrap_or_default();
            let (title, body) =
                render(&n.kind, &data, &n.body, lang).unwrap_or((n.title.clone(), n.body.clone()));
            let href = link(&n.kind, &data).map(|p| format!("{base}{p}"));
            (title, body, href)
        })
        .collect();
    let subject = match (items.as_slice(), lang) {
        ([(title, _, _)], _) => format!("Tandem: {title}"),
        (_, Lang::Zh) => format!("Tandem：你有 {} 条新通知", items.len()),
        (_, Lang::En) => format!("Tandem: {} new notifications", items.len()),
    };
    let (greeting, footer) = match lang {
        Lang::Zh => (
            format!("{}，你好：", u.name),
            format!(
                "在 Tandem 中查看全部通知：{base}/me/notifications\n可在“通知设置”中关闭邮件。"
            ),
        ),
        Lang::En => (
            format!("Hello {},", u.name),
            format!(
                "All your notifications: {base}/me/notifications\nTurn e-mail off under Notification settings."
            ),
        ),
    };
    let mut text = format!("{greeting}\n\n");
    let mut html = format!(
        "<!doctype html><html lang=\"{}\"><body style=\"font-family:sans-serif\"><p>{}</p><ul>",
        lang.tag(),
        escape(&greeting)
    );
    for (title, body, href) in &items {
        text.push_str(&format!("• {title}\n"));
        if !body.is_empty() {
            text.push_str(&format!("  {body}\n"));
        }
        if let Some(h) = href {
            text.push_str(&format!("  {h}\n"));
        }
        html.push_str("<li>");
        match href {
            Some(h) => html.push_str(&format!("<a href=\"{}\">{}</a>", escape(h), escape(title))),
            None => html.push_str(&escape(title)),
        }
        if !body.is_empty() {
            html.push_str(&format!(
                "<br><span style=\"color:#555\">{}</span>",
                escape(body)
            ));
        }
        html.push_str("</li>");
    }
    text.push_str(&format!("\n{footer}\n"));
    html.push_str(&format!(
        "</ul><p style=\"color:#777\">{}</p></body></html>",
        escape(&footer).replace('\n', "<br>")
    ));
    let from: Mailbox = from.parse().map_err(|e| format!("TANDEM_MAIL_FROM: {e}"))?;
    let to: Mailbox = Mailbox::new(
        Some(u.name.clone()),
        to.parse().map_err(|e| format!("recipient address: {e}"))?,
    );
    Message::builder()
        .from(from)
        .to(to)
        .subject(subject)
        .multipart(
            MultiPart::alternative()
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_PLAIN)
                        .body(text),
                )
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_HTML)
                        .body(html),
                ),
        )
        .map_err(|e| format!("building mail: {e}"))
}

/// Text made safe for HTML.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_escaped() {
        assert_eq!(
            escape("<b>\"x\" & 'y'</b>"),
            "&lt;b&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/b&gt;"
        );
    }
}
