//! One module per area of the app.

pub mod admin;
pub mod login;
pub mod notifications;
pub mod people;
pub mod profile;
pub mod projects;
pub mod tasks;
