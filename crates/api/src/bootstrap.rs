//! Creating administrators outside the HTTP flow: `tandem admin create`, the first start
//! (A8) and the test kit all go through this one function.

use tandem_db::DatabaseConnection;
use tandem_db::accounts::{self, NewUser};
use tandem_db::entities::users;
use tandem_dto::{SystemRole, UserStatus};

/// Creates an active administrator, applying the same rules as registration.
pub async fn create_admin(
    db: &DatabaseConnection,
    email: &str,
    name: &str,
    employee_id: Option<String>,
    password: String,
) -> Result<users::Model, String> {
    if !tandem_domain::password_acceptable(&password) {
        return Err("the password must be at least 10 characters".into());
    }
    let email = tandem_domain::normalize_email(email);
    if !email.contains('@') {
        return Err("the e-mail address is not valid".into());
    }
    if name.trim().is_empty() {
        return Err("the name must not be blank".into());
    }
    if let Some(id) = &employee_id
        && !tandem_dto::rules::employee_id_ok(id)
    {
        return Err("an employee ID cannot contain @".into());
    }
    if accounts::identifier_taken(db, Some(&email), employee_id.as_deref())
        .await
        .map_err(|e| e.to_string())?
        .is_some()
    {
        return Err(format!(
            "a user with e-mail {email} or that employee ID exists already"
        ));
    }
    let hash = crate::security::hash_password(password).await?;
    accounts::insert_user(
        db,
        NewUser {
            email: Some(email),
            employee_id,
            name: name.trim().to_owned(),
            department_id: None,
            position: "Administrator".into(),
            password_hash: hash,
            role: SystemRole::Admin,
            status: UserStatus::Active,
        },
    )
    .await
    .map_err(|e| e.to_string())
}
