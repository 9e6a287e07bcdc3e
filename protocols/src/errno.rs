//! Unix error numbers, with Linux's values (so that C programs built against the host libc
//! and against posix-shim print the same numbers).

use core::fmt;

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Errno(pub u16);

macro_rules! errnos {
    ($($name:ident = $value:literal: $text:literal,)*) => {
        impl Errno {
            $(pub const $name: Errno = Errno($value);)*

            /// The symbolic name (`"ENOENT"`), if this is a known errno.
            pub const fn name(self) -> Option<&'static str> {
                match self.0 {
                    $($value => Some(stringify!($name)),)*
                    _ => None,
                }
            }

            /// What `strerror` says.
            pub const fn description(self) -> &'static str {
                match self.0 {
                    $($value => $text,)*
                    _ => "Unknown error",
                }
            }
        }
    };
}

errnos! {
    EPERM = 1: "Operation not permitted",
    ENOENT = 2: "No such file or directory",
    ESRCH = 3: "No such process",
    EINTR = 4: "Interrupted system call",
    EIO = 5: "Input/output error",
    ENXIO = 6: "No such device or address",
    E2BIG = 7: "Argument list too long",
    ENOEXEC = 8: "Exec format error",
    EBADF = 9: "Bad file descriptor",
    ECHILD = 10: "No child processes",
    EAGAIN = 11: "Resource temporarily unavailable",
    ENOMEM = 12: "Cannot allocate memory",
    EACCES = 13: "Permission denied",
    EFAULT = 14: "Bad address",
    EBUSY = 16: "Device or resource busy",
    EEXIST = 17: "File exists",
    EXDEV = 18: "Invalid cross-device link",
    ENODEV = 19: "No such device",
    ENOTDIR = 20: "Not a directory",
    EISDIR = 21: "Is a directory",
    EINVAL = 22: "Invalid argument",
    ENFILE = 23: "Too many open files in system",
    EMFILE = 24: "Too many open files",
    ENOTTY = 25: "Inappropriate ioctl for device",
    EFBIG = 27: "File too large",
    ENOSPC = 28: "No space left on device",
    ESPIPE = 29: "Illegal seek",
    EROFS = 30: "Read-only file system",
    EPIPE = 32: "Broken pipe",
    ERANGE = 34: "Numerical result out of range",
    ENAMETOOLONG = 36: "File name too long",
    ENOSYS = 38: "Function not implemented",
    ENOTEMPTY = 39: "Directory not empty",
    ELOOP = 40: "Too many levels of symbolic links",
    EILSEQ = 84: "Invalid or incomplete multibyte or wide character",
    ENOTSUP = 95: "Operation not supported",
    ENOBUFS = 105: "No buffer space available",
    ETIMEDOUT = 110: "Connection timed out",
    EDQUOT = 122: "Disk quota exceeded",
}

impl fmt::Debug for Errno {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "Errno({})", self.0),
        }
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.description())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_descriptions() {
        assert_eq!(Errno::ENOENT.name(), Some("ENOENT"));
        assert_eq!(Errno::ENOENT.0, 2);
        assert_eq!(Errno(9999).name(), None);
        assert_eq!(std::format!("{}", Errno::ECHILD), "No child processes");
        assert_eq!(std::format!("{:?}", Errno(4242)), "Errno(4242)");
    }
}
