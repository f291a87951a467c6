fn main() {
    println!("cargo:rerun-if-changed=../capabilities");
    tauri_build::try_build(
        tauri_build::Attributes::new().capabilities_path_pattern("../capabilities/**/*"),
    )
    .unwrap_or_else(|e| {
        println!("cargo:warning=tauri-build failed: {e:#}");
        std::process::exit(1);
    });
}
