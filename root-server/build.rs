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
    linux_syscall_names();
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

/// Linux's x86_64 system call numbers and names, from musl's `bits/syscall.h` (Debian's
/// musl-dev, which `cargo xtask` installs): the root server names a foreign system call
/// in its report, and emulates a few by number.
fn linux_syscall_names() {
    const DEFAULT: &str = "/usr/include/x86_64-linux-musl/bits/syscall.h";
    println!("cargo:rerun-if-env-changed=UXRT_LINUX_SYSCALLS");
    let header = std::env::var("UXRT_LINUX_SYSCALLS").unwrap_or_else(|_| DEFAULT.into());
    println!("cargo:rerun-if-changed={header}");
    let text = std::fs::read_to_string(&header)
        .unwrap_or_else(|e| panic!("{header}: {e} (Debian's musl-dev has it; `cargo xtask` installs it)"));
    let mut calls: Vec<(u64, &str)> = text
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            let (Some("#define"), Some(name), Some(number)) = (words.next(), words.next(), words.next()) else {
                return None;
            };
            Some((number.parse().ok()?, name.strip_prefix("__NR_")?))
        })
        .collect();
    calls.sort();
    let mut out =
        String::from("/// Linux system calls (number, name), by number.\npub const NAMES: &[(u64, &str)] = &[\n");
    for (number, name) in &calls {
        out += &format!("    ({number}, \"{name}\"),\n");
    }
    out += "];\n\n/// Their numbers (only a few are used).\n#[allow(dead_code)]\npub mod nr {\n";
    for (number, name) in &calls {
        out += &format!("    pub const {}: u64 = {number};\n", name.to_uppercase());
    }
    out += "}\n";
    let path =
        std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("linux_syscalls.rs");
    std::fs::write(path, out).expect("writing linux_syscalls.rs");
}
