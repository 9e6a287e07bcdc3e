//! Checks for the test programs that run in the image: each fails the current function
//! (returning 1, the exit status of a failed test) with a message that names the program,
//! the check and the line.

/// Fails with a message unless `cond` holds.
#[macro_export]
macro_rules! ensure {
    ($cond:expr, $($why:tt)+) => {
        if !$cond {
            $crate::eprintln!("{}: {} (line {})", $crate::env::program_name(), format_args!($($why)+), line!());
            return 1;
        }
    };
}

/// Unwraps a result, failing with the expression and the errno.
#[macro_export]
macro_rules! must {
    ($result:expr) => {
        match $result {
            Ok(value) => value,
            Err(errno) => {
                $crate::eprintln!(
                    "{}: {} failed: {} (line {})",
                    $crate::env::program_name(),
                    stringify!($result),
                    errno,
                    line!()
                );
                return 1;
            }
        }
    };
}

/// Fails unless `$result` is the error `$errno`.
#[macro_export]
macro_rules! fails_with {
    ($result:expr, $errno:expr) => {
        match $result {
            Err(errno) if errno == $errno => {}
            other => {
                $crate::eprintln!(
                    "{}: {} gave {:?}, not {} (line {})",
                    $crate::env::program_name(),
                    stringify!($result),
                    other.map(|_| ()),
                    $errno,
                    line!()
                );
                return 1;
            }
        }
    };
}
