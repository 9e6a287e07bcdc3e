//! Links the root server as a static executable with exactly the runtime's segments.

fn main() {
    // Tests of kernel features that are configured out are left out too.
    println!("cargo::rustc-check-cfg=cfg(notification_queues)");
    println!("cargo:rerun-if-env-changed=UXRT_KERNEL_SOURCE");
    if let Some(source) = std::env::var_os("UXRT_KERNEL_SOURCE") {
        let autoconf = std::path::Path::new(&source).join("include/plat/pc99/autoconf.h");
        println!("cargo:rerun-if-changed={}", autoconf.display());
        let text = std::fs::read_to_string(&autoconf).unwrap_or_default();
        if text.lines().any(|line| line.split_whitespace().nth(1) == Some("CONFIG_NOTIFICATION_QUEUES")) {
            println!("cargo:rustc-cfg=notification_queues");
        }
    }
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../rt/link.ld");
    println!("cargo:rerun-if-changed={}", script.display());
    for arg in ["-nostartfiles", "-nostdlib", "-static", "-Wl,--build-id=none", "-Wl,-z,norelro", "-Wl,-z,noexecstack"]
    {
        println!("cargo:rustc-link-arg-bins={arg}");
    }
    println!("cargo:rustc-link-arg-bins=-Wl,-T,{}", script.display());
}
