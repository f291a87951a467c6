//! The control crate's integration tests, one binary: the supervisor, the desktop's config
//! access, the remote gateway and approvals, against the real `tidepool` binary (and, for what
//! the real one cannot do, the testkit's fake gateway). `support` holds what they share.

mod support;

mod approvals;
mod config_access;
mod hosts;
mod hosts_install;
mod hosts_password;
mod hosts_tunnel;
mod remote;
mod service;
mod sessions;
mod supervisor;
mod usage;
