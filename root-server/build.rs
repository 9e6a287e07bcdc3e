//! Links the root server as a static executable with exactly the runtime's segments.

fn main() {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../rt/link.ld");
    println!("cargo:rerun-if-changed={}", script.display());
    for arg in ["-nostartfiles", "-nostdlib", "-static", "-Wl,--build-id=none", "-Wl,-z,norelro", "-Wl,-z,noexecstack"]
    {
        println!("cargo:rustc-link-arg-bins={arg}");
    }
    println!("cargo:rustc-link-arg-bins=-Wl,-T,{}", script.display());
}
