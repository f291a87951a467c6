//! The target triple, for `broken-tidepool version --json` (it must pass `tidepool update`'s
//! target check to reach the health gate).
fn main() {
    let target = std::env::var("TARGET").unwrap_or_else(|_| "unknown".to_owned());
    println!("cargo:rustc-env=TESTKIT_TARGET={target}");
    println!("cargo:rerun-if-changed=build.rs");
}
