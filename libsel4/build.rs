//! Generates the bindings from the kernel source `cargo xtask` prepared (patched and
//! configured): `UXRT_KERNEL_SOURCE` names it.

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-env-changed=UXRT_KERNEL_SOURCE");
    let Some(source) = std::env::var_os("UXRT_KERNEL_SOURCE").map(PathBuf::from) else {
        panic!(
            "UXRT_KERNEL_SOURCE is not set: the sel4 crate is generated from the patched kernel, \
             so build it through `cargo xtask` (build, run or test)"
        );
    };
    for file in sel4_gen::KernelFiles::new(&source).all() {
        println!("cargo:rerun-if-changed={}", file.display());
    }
    println!("cargo::rustc-check-cfg=cfg(sel4_debug_build)");
    println!("cargo::rustc-check-cfg=cfg(sel4_kernel_entries)");
    let autoconf = std::fs::read_to_string(sel4_gen::KernelFiles::new(&source).autoconf()).unwrap_or_default();
    let configured = |name: &str| autoconf.lines().any(|line| line.split_whitespace().nth(1) == Some(name));
    if configured("CONFIG_DEBUG_BUILD") {
        println!("cargo:rustc-cfg=sel4_debug_build");
    }
    // (Kernel patch 0008 counts kernel entries with the utilisation counters.)
    if configured("CONFIG_BENCHMARK_TRACK_UTILISATION") {
        println!("cargo:rustc-cfg=sel4_kernel_entries");
    }
    let bindings = sel4_gen::generate(&source).unwrap_or_else(|e| panic!("generating the seL4 bindings: {e}"));
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("bindings.rs");
    std::fs::write(&out, bindings).expect("writing the bindings");
}
