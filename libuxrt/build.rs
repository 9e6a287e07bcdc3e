//! Leaves the notification-queue calls (poll, select, epoll) out when the kernel it is
//! built for has no notification queues (their invocations are not generated then).

fn main() {
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
}
