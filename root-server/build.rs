//! Configures the root server for the kernel it runs on, and brings in the archive of
//! programs it starts. (Link flags for every userland program come from `cargo xtask`.)

fn main() {
    // Tests of kernel features that are configured out are left out too.
    println!("cargo::rustc-check-cfg=cfg(notification_queues)");
    println!("cargo::rustc-check-cfg=cfg(debug_kernel)");
    println!("cargo:rerun-if-env-changed=UXRT_KERNEL_SOURCE");
    if let Some(source) = std::env::var_os("UXRT_KERNEL_SOURCE") {
        let autoconf = std::path::Path::new(&source).join("include/plat/pc99/autoconf.h");
        println!("cargo:rerun-if-changed={}", autoconf.display());
        let text = std::fs::read_to_string(&autoconf).unwrap_or_default();
        let configured = |name: &str| text.lines().any(|line| line.split_whitespace().nth(1) == Some(name));
        if configured("CONFIG_NOTIFICATION_QUEUES") {
            println!("cargo:rustc-cfg=notification_queues");
        }
        if configured("CONFIG_DEBUG_BUILD") {
            println!("cargo:rustc-cfg=debug_kernel");
        }
    }
    // The archive of programs the root server starts (made by `cargo xtask`); without
    // one (a plain `cargo check`), an empty archive.
    println!("cargo:rerun-if-env-changed=UXRT_PROGRAMS");
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("programs.cpio");
    match std::env::var_os("UXRT_PROGRAMS") {
        Some(archive) => {
            println!("cargo:rerun-if-changed={}", std::path::Path::new(&archive).display());
            std::fs::copy(&archive, &out).expect("copying the program archive");
        }
        None => std::fs::write(&out, b"").expect("writing an empty program archive"),
    }
}
