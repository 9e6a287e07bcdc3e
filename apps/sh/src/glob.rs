//! File-name expansion: the paths a pattern (`*.c`, `/bin/c*`, `src/*/main.rs`) matches,
//! component by component against the directories' listings. A name starting with `.`
//! matches only a component that starts with `.` too.

use alloc::string::String;
use alloc::vec::Vec;
use uxrt_shell_syntax::pattern;

/// Whether a pattern component has an unescaped `*`, `?` or `[`.
fn has_wildcards(component: &str) -> bool {
    let mut escaped = false;
    for c in component.chars() {
        match (escaped, c) {
            (false, '\\') => escaped = true,
            (false, '*' | '?' | '[') => return true,
            _ => escaped = false,
        }
    }
    false
}

/// A component without wildcards as the name it stands for (escapes taken off).
fn unescaped(component: &str) -> String {
    let mut out = String::new();
    let mut chars = component.chars();
    while let Some(c) = chars.next() {
        out.push(if c == '\\' { chars.next().unwrap_or('\\') } else { c });
    }
    out
}

/// The existing paths `pattern` matches, sorted (none: empty).
pub fn expand(pattern: &str) -> Vec<String> {
    let absolute = pattern.starts_with('/');
    let mut paths: Vec<String> = Vec::from([String::from(if absolute { "/" } else { "" })]);
    let components: Vec<&str> = pattern.split('/').filter(|c| !c.is_empty()).collect();
    for (index, component) in components.iter().enumerate() {
        let last = index + 1 == components.len();
        let mut next = Vec::new();
        for base in &paths {
            let join = |name: &str| match base.as_str() {
                "" => String::from(name),
                "/" => alloc::format!("/{name}"),
                base => alloc::format!("{base}/{name}"),
            };
            if !has_wildcards(component) {
                next.push(join(&unescaped(component)));
                continue;
            }
            let dir = if base.is_empty() { "." } else { base.as_str() };
            let Ok(names) = uxrt::fs::list_dir(dir) else { continue };
            for name in names {
                let hidden = name.starts_with('.') && !component.starts_with('.');
                if !hidden && pattern::matches(component, &name) {
                    next.push(join(&name));
                }
            }
        }
        // (Names before the last must be directories, and the last must exist.)
        next.retain(|path| uxrt::fs::stat(path).is_ok_and(|s| last || s.kind == uxrt::fs::FileKind::Directory));
        paths = next;
    }
    if components.is_empty() {
        return Vec::new();
    }
    paths.sort();
    paths
}
