//! The desktop crate's integration tests, one binary (one link of Tauri and WebKitGTK):
//! `bindings` keeps `ui/src/bindings.ts` current, `commands` drives every command over Tauri's
//! IPC on the mock runtime.

mod bindings;
mod commands;
