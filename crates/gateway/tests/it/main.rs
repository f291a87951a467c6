//! The gateway library's integration tests, one binary: the exec policy, OpenClaw's config keys,
//! the providers against the testkit's fakes of their wire formats, and the agent tools.

mod exec_policy;
mod openclaw_config_keys;
mod providers;
mod tools;
