//! Records the target triple this build is for: `tidepool version --json` reports it and
//! `tidepool update` refuses a binary built for another one.
fn main() {
    let target = std::env::var("TARGET").unwrap_or_else(|_| "unknown".to_owned());
    println!("cargo:rustc-env=TIDEPOOL_TARGET={target}");
    println!("cargo:rerun-if-changed=build.rs");
}
