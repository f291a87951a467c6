//! The CLI crate's integration tests, one binary (one link of the gateway) for all: each module
//! starts the real `tidepool` binary or the gateway library and talks to it. `common` holds
//! what they share (the gateway builder, clients, the chat fixtures, the schemas).

mod common;

mod agents;
mod chat;
mod chat_cli;
mod chat_recovery;
mod chat_view;
mod cli;
mod client;
mod config;
mod config_cli;
mod conformance;
mod contract;
mod exec;
mod import;
mod method_coverage;
mod openclaw_cli;
mod probes;
mod process_contract;
mod protocol;
mod secrets;
mod service;
mod tls;
mod tools_catalog;
mod update;
mod usage;
