//! Directories that hold secrets or logs are created readable by the owner only
//! (`tidepool-platform` is their one home).

pub use tidepool_platform::{create_private_dir, write_private};
