//! Paths as clients send them: bytes to check (length, NUL, UTF-8), then resolved
//! lexically against a working directory: `..` drops the previous component, and the
//! result is always absolute and canonical: `/`, or `/a/b` with no empty, `.` or `..`
//! components. A symbolic link is resolved when a file server meets it
//! ([`through_link`]); a `..` written after a link's name was already taken lexically,
//! as a shell's `cd` does (Linux's kernel would go to the parent of the link's target).

use alloc::string::String;
use alloc::vec::Vec;
use uxrt_protocols::Errno;

/// Longest path accepted, in bytes, including the terminating NUL a C caller has (Linux's).
pub const PATH_MAX: usize = 4096;
/// Longest single name, in bytes (Linux's).
pub const NAME_MAX: usize = 255;

/// A canonical absolute path.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Path(String);

impl Path {
    pub fn root() -> Path {
        Path(String::from("/"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_root(&self) -> bool {
        self.0 == "/"
    }

    /// Its components, outermost first (none for `/`).
    pub fn components(&self) -> impl DoubleEndedIterator<Item = &str> {
        self.0.split('/').filter(|c| !c.is_empty())
    }

    /// The directory holding it and its last name; `None` for `/`.
    pub fn split_last(&self) -> Option<(Path, &str)> {
        let at = self.0.rfind('/')?;
        let name = &self.0[at + 1..];
        if name.is_empty() {
            return None;
        }
        let parent = if at == 0 { Path::root() } else { Path(String::from(&self.0[..at])) };
        Some((parent, name))
    }

    /// Whether `self` is `other` or lies below it.
    pub fn is_within(&self, other: &Path) -> bool {
        other.is_root()
            || self.0 == other.0
            || (self.0.starts_with(other.as_str()) && self.0.as_bytes().get(other.0.len()) == Some(&b'/'))
    }
}

/// Checks a path as received: not empty, not too long, no NUL, valid UTF-8.
pub fn check(bytes: &[u8]) -> Result<&str, Errno> {
    if bytes.is_empty() {
        return Err(Errno::ENOENT);
    }
    if bytes.len() >= PATH_MAX {
        return Err(Errno::ENAMETOOLONG);
    }
    if bytes.contains(&0) {
        return Err(Errno::EINVAL);
    }
    core::str::from_utf8(bytes).map_err(|_| Errno::EILSEQ)
}

/// Resolves `path` (absolute, or relative to `cwd`) to a canonical absolute path.
pub fn resolve(cwd: &Path, path: &[u8]) -> Result<Path, Errno> {
    let text = check(path)?;
    let mut parts: Vec<&str> = if text.starts_with('/') { Vec::new() } else { cwd.components().collect() };
    for component in text.split('/') {
        match component {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            name if name.len() > NAME_MAX => return Err(Errno::ENAMETOOLONG),
            name => parts.push(name),
        }
    }
    let mut out = String::new();
    for part in &parts {
        out.push('/');
        out.push_str(part);
    }
    if out.is_empty() {
        out.push('/');
    }
    if out.len() >= PATH_MAX {
        return Err(Errno::ENAMETOOLONG);
    }
    Ok(Path(out))
}

/// Follows a symbolic link: `path` with its component `index` (a link to `target`)
/// replaced by what the target names, taken relative to the link's directory unless it
/// is absolute; the components after the link follow it.
pub fn through_link(path: &Path, index: usize, target: &[u8]) -> Result<Path, Errno> {
    let components: Vec<&str> = path.components().collect();
    if index >= components.len() {
        return Err(Errno::EIO);
    }
    let mut directory = String::new();
    for component in &components[..index] {
        directory.push('/');
        directory.push_str(component);
    }
    let directory = if directory.is_empty() { Path::root() } else { Path(directory) };
    let mut text = Vec::from(check(target)?.as_bytes());
    for component in &components[index + 1..] {
        text.push(b'/');
        text.extend_from_slice(component.as_bytes());
    }
    resolve(&directory, &text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::string::ToString;

    fn at(cwd: &str, path: &str) -> Result<std::string::String, Errno> {
        let cwd = resolve(&Path::root(), cwd.as_bytes()).unwrap();
        resolve(&cwd, path.as_bytes()).map(|p| p.as_str().to_string())
    }

    #[test]
    fn absolute_and_relative_paths() {
        assert_eq!(at("/", "/").unwrap(), "/");
        assert_eq!(at("/", "a/b").unwrap(), "/a/b");
        assert_eq!(at("/x/y", "a").unwrap(), "/x/y/a");
        assert_eq!(at("/x/y", "/a").unwrap(), "/a");
        assert_eq!(at("/x/y", "..").unwrap(), "/x");
        assert_eq!(at("/x/y", "../../..").unwrap(), "/");
        assert_eq!(at("/", "a//b/./c/../d/").unwrap(), "/a/b/d");
        assert_eq!(at("/x", ".").unwrap(), "/x");
    }

    #[test]
    fn bad_paths_are_refused() {
        assert_eq!(at("/", ""), Err(Errno::ENOENT));
        assert_eq!(resolve(&Path::root(), b"a\0b"), Err(Errno::EINVAL));
        assert_eq!(resolve(&Path::root(), b"/\xff\xfe"), Err(Errno::EILSEQ));
        assert_eq!(at("/", &"x".repeat(NAME_MAX + 1)), Err(Errno::ENAMETOOLONG));
        assert!(at("/", &"x".repeat(NAME_MAX)).is_ok());
        assert_eq!(at("/", &"a/".repeat(PATH_MAX / 2)), Err(Errno::ENAMETOOLONG));
    }

    #[test]
    fn parents_and_containment() {
        let p = at("/", "/a/b").unwrap();
        let p = resolve(&Path::root(), p.as_bytes()).unwrap();
        let (parent, name) = p.split_last().unwrap();
        assert_eq!((parent.as_str(), name), ("/a", "b"));
        assert_eq!(resolve(&Path::root(), b"/a").unwrap().split_last().unwrap().0, Path::root());
        assert_eq!(Path::root().split_last(), None);
        let ab = resolve(&Path::root(), b"/a/b").unwrap();
        assert!(ab.is_within(&resolve(&Path::root(), b"/a").unwrap()));
        assert!(!resolve(&Path::root(), b"/ab").unwrap().is_within(&resolve(&Path::root(), b"/a").unwrap()));
        assert!(ab.is_within(&Path::root()));
    }

    #[test]
    fn links_are_followed_from_their_directory() {
        let p = |s: &str| resolve(&Path::root(), s.as_bytes()).unwrap();
        assert_eq!(through_link(&p("/a/link/c"), 1, b"b"), Ok(p("/a/b/c")));
        assert_eq!(through_link(&p("/a/link/c"), 1, b"/x/y"), Ok(p("/x/y/c")));
        assert_eq!(through_link(&p("/a/link"), 1, b"../up"), Ok(p("/up")));
        assert_eq!(through_link(&p("/link"), 0, b"."), Ok(p("/")));
        assert_eq!(through_link(&p("/a/link/c"), 1, b""), Err(Errno::ENOENT));
        assert_eq!(through_link(&p("/a/link"), 2, b"b"), Err(Errno::EIO));
        let long = "x/".repeat(PATH_MAX / 2 - 2);
        assert_eq!(through_link(&p("/a/link/c"), 1, long.as_bytes()), Err(Errno::ENAMETOOLONG));
    }

    proptest! {
        /// Whatever bytes arrive: an error or a canonical path, never a panic; resolving a
        /// canonical path again changes nothing.
        #[test]
        fn resolution_is_canonical(cwd in "(/[a-z.]{1,3}){0,4}", path in proptest::collection::vec(any::<u8>(), 0..64)) {
            let cwd = resolve(&Path::root(), if cwd.is_empty() { b"/" } else { cwd.as_bytes() }).unwrap();
            if let Ok(p) = resolve(&cwd, &path) {
                let s = p.as_str();
                prop_assert!(s.starts_with('/'));
                prop_assert!(s == "/" || !s.ends_with('/'));
                prop_assert!(!s.split('/').skip(1).any(|c| c.is_empty() && s != "/" || c == "." || c == ".."));
                prop_assert_eq!(resolve(&Path::root(), s.as_bytes()), Ok(p.clone()));
            }
        }
    }
}
