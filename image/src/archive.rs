//! The archive of programs carried in the image: cpio "newc" (the format of Linux's
//! initramfs), read in the root server by the `cpio_reader` crate.

/// A file to put in the archive: its path inside (no leading `/`) and its contents.
pub struct Entry<'a> {
    pub path: &'a str,
    pub data: &'a [u8],
    pub mode: u32,
}

/// Regular file, rwxr-xr-x.
pub const EXECUTABLE: u32 = 0o100755;
/// Regular file, rw-r--r--.
pub const REGULAR: u32 = 0o100644;

fn header(out: &mut Vec<u8>, inode: usize, mode: u32, size: usize, name: &str) {
    let fields = [inode, mode as usize, 0, 0, 1, 0, size, 0, 0, 0, 0, name.len() + 1, 0];
    out.extend_from_slice(b"070701");
    for field in fields {
        out.extend_from_slice(format!("{field:08x}").as_bytes());
    }
    out.extend_from_slice(name.as_bytes());
    out.push(0);
    pad(out);
}

fn pad(out: &mut Vec<u8>) {
    out.resize(out.len().next_multiple_of(4), 0);
}

/// The archive holding `entries`, with the closing `TRAILER!!!` record.
pub fn write(entries: &[Entry]) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        header(&mut out, i + 1, entry.mode, entry.data.len(), entry.path);
        out.extend_from_slice(entry.data);
        pad(&mut out);
    }
    header(&mut out, 0, 0, 0, "TRAILER!!!");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reader_finds_every_entry_intact() {
        let big: Vec<u8> = (0..10_001u32).map(|i| i as u8).collect();
        let entries = [
            Entry { path: "bin/a", data: b"hello", mode: EXECUTABLE },
            Entry { path: "bin/longer-name", data: &big, mode: EXECUTABLE },
            Entry { path: "etc/empty", data: b"", mode: REGULAR },
        ];
        let archive = write(&entries);
        assert_eq!(archive.len() % 4, 0);
        let read: Vec<(String, Vec<u8>, u32)> = cpio_reader::iter_files(&archive)
            .map(|e| (e.name().to_string(), e.file().to_vec(), e.mode().bits()))
            .collect();
        assert_eq!(read.len(), 3);
        for (entry, (name, data, mode)) in entries.iter().zip(&read) {
            assert_eq!((entry.path, entry.data, entry.mode), (name.as_str(), data.as_slice(), *mode));
        }
    }
}
