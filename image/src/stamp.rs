//! Input fingerprints: a build step is redone only when what went into it changed.

use std::path::Path;

/// A fingerprint of named inputs (FNV-1a over names and contents).
#[derive(Default)]
pub struct Fingerprint(u64);

impl Fingerprint {
    pub fn new() -> Self {
        Fingerprint(0xcbf2_9ce4_8422_2325)
    }

    pub fn add(&mut self, name: &str, contents: &[u8]) -> &mut Self {
        for chunk in [name.as_bytes(), &(contents.len() as u64).to_le_bytes(), contents] {
            for &byte in chunk {
                self.0 = (self.0 ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
            }
        }
        self
    }

    pub fn hex(&self) -> String {
        format!("{:016x}", self.0)
    }

    /// True if `stamp` records this fingerprint.
    pub fn matches(&self, stamp: &Path) -> bool {
        std::fs::read_to_string(stamp).map(|text| text.trim() == self.hex()).unwrap_or(false)
    }

    pub fn record(&self, stamp: &Path) -> std::io::Result<()> {
        std::fs::write(stamp, self.hex() + "\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fingerprint(inputs: &[(&str, &str)]) -> String {
        let mut f = Fingerprint::new();
        for (name, contents) in inputs {
            f.add(name, contents.as_bytes());
        }
        f.hex()
    }

    #[test]
    fn same_inputs_same_fingerprint() {
        assert_eq!(fingerprint(&[("a", "1"), ("b", "2")]), fingerprint(&[("a", "1"), ("b", "2")]));
    }

    #[test]
    fn any_change_changes_the_fingerprint() {
        let base = fingerprint(&[("a", "1"), ("b", "2")]);
        assert_ne!(base, fingerprint(&[("a", "1"), ("b", "3")]));
        assert_ne!(base, fingerprint(&[("a", "1"), ("c", "2")]));
        assert_ne!(base, fingerprint(&[("b", "2"), ("a", "1")]));
        // Moving bytes between a name and its contents is a change too.
        assert_ne!(fingerprint(&[("ab", "")]), fingerprint(&[("a", "b")]));
    }

    #[test]
    fn stamp_file_round_trip() {
        let dir = std::env::temp_dir().join(format!("uxrt-stamp-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let stamp = dir.join("stamp");
        let mut f = Fingerprint::new();
        f.add("x", b"y");
        assert!(!f.matches(&stamp));
        f.record(&stamp).unwrap();
        assert!(f.matches(&stamp));
        f.add("z", b"");
        assert!(!f.matches(&stamp));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
