//! seL4's C names to Rust names.

/// `SetIPCBuffer` → `set_ipc_buffer`, `X86_PageDirectory` → `x86_page_directory`,
/// `CNode` → `cnode` (one word in seL4's vocabulary).
pub fn snake(name: &str) -> String {
    let name = name.replace("CNode", "Cnode");
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c == '_' {
            if !out.ends_with('_') && !out.is_empty() {
                out.push('_');
            }
            continue;
        }
        if c.is_ascii_uppercase() && i > 0 && !out.ends_with('_') {
            let previous = chars[i - 1];
            let next_is_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if previous.is_ascii_lowercase()
                || ((previous.is_ascii_uppercase() || previous.is_ascii_digit()) && next_is_lower)
            {
                out.push('_');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// `seL4_TCBBits` → `TCB_BITS`
pub fn upper_snake(c_name: &str) -> String {
    snake(c_name.trim_start_matches("seL4_")).to_ascii_uppercase()
}

/// Rust keywords that the kernel uses as parameter names.
/// A parameter name in snake case, with Rust keywords escaped.
pub fn parameter(name: &str) -> String {
    let name = snake(name);
    match name.as_str() {
        "type" | "ref" | "in" | "move" | "mod" => format!("{name}_"),
        _ => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_follows_words_and_acronyms() {
        for (c, rust) in [
            ("SetIPCBuffer", "set_ipc_buffer"),
            ("X86_PageDirectory", "x86_page_directory"),
            ("CNode", "cnode"),
            ("IRQControl", "irq_control"),
            ("X64_PML4", "x64_pml4"),
            ("GetIOAPIC", "get_ioapic"),
            ("In8", "in8"),
            ("ASIDPool", "asid_pool"),
            ("BindNotification", "bind_notification"),
            ("X86_IOPort", "x86_io_port"),
            ("DomainSet", "domain_set"),
        ] {
            assert_eq!(snake(c), rust, "{c}");
        }
    }

    #[test]
    fn constants_become_upper_snake() {
        assert_eq!(upper_snake("seL4_TCBBits"), "TCB_BITS");
        assert_eq!(upper_snake("seL4_MsgMaxLength"), "MSG_MAX_LENGTH");
        assert_eq!(upper_snake("seL4_LargePageBits"), "LARGE_PAGE_BITS");
        assert_eq!(upper_snake("seL4_PML4Bits"), "PML4_BITS");
    }

    #[test]
    fn keywords_are_escaped() {
        assert_eq!(parameter("type"), "type_");
        assert_eq!(parameter("vaddr"), "vaddr");
        assert_eq!(parameter("bufferFrame"), "buffer_frame");
    }
}
