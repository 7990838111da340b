//! Administration: the registration approval queue, departments, and the audit log.

mod approvals;
mod audit;
mod departments;

pub use approvals::ApprovalsPage;
pub use audit::AuditPage;
pub use departments::DepartmentsPage;
