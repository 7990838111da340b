//! Input rules shared by the server and the browser app, so a form shows exactly the errors the
//! server would answer with, before the request is sent.
//!
//! The `validator` derives on the request types (server only) check lengths and e-mail shape;
//! these functions repeat those limits and add the cross-field and blank checks. A test with the
//! `validate` feature checks that both agree on a corpus of inputs.

use crate::{FieldError, RegisterRequest, TaskStatus};

/// T2: the task lifecycle, the one rule the server's policy (`domain::projects::
/// check_transition`) and the web app's status menus both use: todo → in_progress →
/// in_review → done, reopen (done or in_review → in_progress), archive done tasks. Moving back
/// from in_progress to todo is allowed (work not started after all), skipping review
/// (in_progress → done) too: small teams often have none.
pub fn transition_allowed(from: TaskStatus, to: TaskStatus) -> bool {
    use TaskStatus::*;
    from == to
        || matches!(
            (from, to),
            (Todo, InProgress)
                | (InProgress, Todo)
                | (InProgress, InReview)
                | (InProgress, Done)
                | (InReview, InProgress)
                | (InReview, Done)
                | (Done, InProgress)
                | (Done, Archived)
                | (Archived, Done)
        )
}

/// The statuses a task may take from `from`, itself first, then in lifecycle order.
pub fn next_statuses(from: TaskStatus) -> Vec<TaskStatus> {
    std::iter::once(from)
        .chain(
            TaskStatus::ALL
                .iter()
                .copied()
                .filter(|s| *s != from && transition_allowed(from, *s)),
        )
        .collect()
}

pub const PASSWORD_MIN: usize = 10;
pub const PASSWORD_MAX: usize = 256;
pub const EMAIL_MAX: usize = 254;
pub const EMPLOYEE_ID_MAX: usize = 64;
pub const NAME_MAX: usize = 100;
pub const PHONE_MAX: usize = 64;
pub const CONTACT_MAX: usize = 500;
pub const QUICK_REPLY_TITLE_MAX: usize = 100;
pub const QUICK_REPLY_BODY_MAX: usize = 2000;
pub const TOKEN_NAME_MAX: usize = 100;
pub const REJECT_REASON_MAX: usize = 500;

/// A required text: not blank, at most `max` characters (counted as characters, not bytes, so
/// Chinese text gets the same limit as Latin text).
pub fn required_text(field: &str, value: &str, max: usize) -> Option<FieldError> {
    if value.trim().is_empty() {
        Some(FieldError::new(field, "required", "must not be blank"))
    } else {
        max_len(field, value, max)
    }
}

/// An optional text: at most `max` characters.
pub fn max_len(field: &str, value: &str, max: usize) -> Option<FieldError> {
    (value.chars().count() > max).then(|| {
        FieldError::new(
            field,
            "length",
            format!("must be at most {max} characters long"),
        )
    })
}

/// Employee IDs never contain `@`: a login with an `@` is an e-mail address, anything else an
/// employee ID, so one user's employee ID can never be another user's e-mail.
pub fn employee_id_ok(id: &str) -> bool {
    !id.contains('@')
}

/// Phone numbers: digits, spaces and `+ - ( )`.
pub fn phone_ok(p: &str) -> bool {
    p.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c))
}

/// The shape of an e-mail address as the server's validator sees it: one `@`, an ASCII local part
/// of at most 64 characters, and a domain of dot-separated labels of letters, digits and hyphens
/// (no leading or trailing hyphen; internationalised labels allowed) or an IP literal in brackets.
pub fn email_ok(e: &str) -> bool {
    let Some((local, domain)) = e.rsplit_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local.chars().count() <= 64
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".!#$%&'*+/=?^_`{|}~-".contains(c));
    let literal = domain
        .strip_prefix('[')
        .and_then(|d| d.strip_suffix(']'))
        .is_some_and(|ip| ip.parse::<std::net::IpAddr>().is_ok());
    let domain_ok = literal
        || (!domain.is_empty()
            && domain.chars().count() <= 255
            && domain.split('.').all(|label| {
                !label.is_empty()
                    && label.chars().count() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_alphanumeric() || c == '-')
            }));
    local_ok && domain_ok
}

/// Every rule of `POST /auth/register`, except the ones only the database can answer
/// (department exists, e-mail or employee ID not taken).
pub fn register(r: &RegisterRequest) -> Vec<FieldError> {
    let email = r.email.as_deref().map(str::trim).filter(|e| !e.is_empty());
    let employee_id = r
        .employee_id
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty());
    let mut out = Vec::new();
    match email {
        Some(e) if e.chars().count() > EMAIL_MAX => out.extend(max_len("email", e, EMAIL_MAX)),
        Some(e) if !email_ok(e) => {
            out.push(FieldError::new("email", "email", "not a valid e-mail"))
        }
        _ => {}
    }
    if let Some(id) = employee_id {
        match max_len("employee_id", id, EMPLOYEE_ID_MAX) {
            Some(e) => out.push(e),
            None if !employee_id_ok(id) => out.push(FieldError::new(
                "employee_id",
                "format",
                "an employee ID cannot contain @",
            )),
            None => {}
        }
    }
    if email.is_none() && employee_id.is_none() {
        out.push(FieldError::new(
            "email",
            "required",
            "an e-mail or an employee ID is required",
        ));
    }
    out.extend(required_text("name", &r.name, NAME_MAX));
    out.extend(required_text("position", &r.position, NAME_MAX));
    out.extend(password(&r.password));
    out
}

/// Password length in characters.
pub fn password(p: &str) -> Option<FieldError> {
    let n = p.chars().count();
    if n < PASSWORD_MIN {
        Some(FieldError::new(
            "password",
            "length",
            format!("must be at least {PASSWORD_MIN} characters long"),
        ))
    } else if n > PASSWORD_MAX {
        Some(FieldError::new(
            "password",
            "length",
            format!("must be at most {PASSWORD_MAX} characters long"),
        ))
    } else {
        None
    }
}

/// `PATCH /me`'s phone field (blank clears it).
pub fn phone(p: &str) -> Option<FieldError> {
    let p = p.trim();
    max_len("phone", p, PHONE_MAX).or_else(|| {
        (!phone_ok(p))
            .then(|| FieldError::new("phone", "format", "digits, spaces and + - ( ) only"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_menus_offer_the_lifecycle() {
        use TaskStatus::*;
        assert_eq!(next_statuses(Todo), [Todo, InProgress]);
        assert_eq!(
            next_statuses(InProgress),
            [InProgress, Todo, InReview, Done]
        );
        assert_eq!(next_statuses(InReview), [InReview, InProgress, Done]);
        assert_eq!(next_statuses(Done), [Done, InProgress, Archived]);
        assert_eq!(next_statuses(Archived), [Archived, Done]);
    }
    use uuid::Uuid;

    fn req(email: Option<&str>, employee_id: Option<&str>, password: &str) -> RegisterRequest {
        RegisterRequest {
            email: email.map(str::to_owned),
            employee_id: employee_id.map(str::to_owned),
            name: "李雷".into(),
            department_id: Uuid::nil(),
            position: "工程师".into(),
            password: password.into(),
        }
    }

    fn fields(errors: &[FieldError]) -> Vec<&str> {
        errors.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn employee_ids_never_look_like_e_mails() {
        let r = register(&req(None, Some("li@lei"), "0123456789"));
        assert_eq!(r.len(), 1);
        assert_eq!(
            (r[0].field.as_str(), r[0].code.as_str()),
            ("employee_id", "format")
        );
        assert!(register(&req(None, Some("E-1001"), "0123456789")).is_empty());
    }

    #[test]
    fn either_email_or_employee_id_is_required() {
        assert_eq!(fields(&register(&req(None, None, "0123456789"))), ["email"]);
        assert!(register(&req(None, Some("E1001"), "0123456789")).is_empty());
        assert!(register(&req(Some("a@b.cn"), None, "0123456789")).is_empty());
    }

    #[test]
    fn passwords_are_counted_in_characters() {
        assert!(password("一二三四五六七八九十").is_none());
        assert!(password("一二三四五六七八九").is_some());
    }

    #[test]
    fn phones_allow_digits_and_punctuation_only() {
        assert!(phone("+86 (10) 1234-5678").is_none());
        assert_eq!(phone("call me").map(|e| e.code), Some("format".into()));
    }

    /// The browser's e-mail check and the server's validator agree.
    #[cfg(feature = "validate")]
    #[test]
    fn email_rule_agrees_with_the_server_validator() {
        use validator::ValidateEmail;
        let corpus = [
            "a@b.cn",
            "li.lei@example.com",
            "x+tag@sub.example.org",
            "li@例子.中国",
            "中文@example.com",
            "a@[127.0.0.1]",
            "a@[::1]",
            "a@[nonsense]",
            "no-at-sign",
            "@example.com",
            "a@",
            "a@-bad.com",
            "a@bad-.com",
            "a b@example.com",
            "a@exa mple.com",
            "a@@b.com",
            "a@b..com",
        ];
        for e in corpus {
            assert_eq!(email_ok(e), e.validate_email(), "{e}");
        }
    }
}
