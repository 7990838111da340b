//! Pure rules: who may do what, password policy, login throttling, delay risk. No I/O, no
//! async.

pub mod board;
pub mod files;
pub mod markdown;
pub mod policy;
pub mod projects;
pub mod risk;
pub mod schedule;
pub mod throttle;
pub mod workload;

/// Minimum password length (A1).
pub const MIN_PASSWORD_LEN: usize = 10;

/// Checks the password rule shared by registration, admin creation and the web form.
pub fn password_acceptable(p: &str) -> bool {
    p.chars().count() >= MIN_PASSWORD_LEN
}

/// Normalises an e-mail for storage and lookup: trimmed and lower-cased, so uniqueness is
/// case-insensitive on every engine.
pub fn normalize_email(e: &str) -> String {
    e.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_shorter_than_ten_characters_are_refused() {
        assert!(!password_acceptable("short"));
        assert!(password_acceptable("0123456789"));
        // Counted in characters, not bytes: ten Chinese characters are enough.
        assert!(password_acceptable("一二三四五六七八九十"));
    }

    #[test]
    fn emails_are_compared_case_insensitively() {
        assert_eq!(
            normalize_email(" Li.Lei@Example.COM "),
            "li.lei@example.com"
        );
    }
}
