//! File helpers: private (0600) atomic writes and owner-only directories, from
//! `tidepool-platform` (their one home).

pub use tidepool_platform::{create_private_dir, restrict_file, write_private, write_private_copy};
