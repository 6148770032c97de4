//! `--mfa-code`: the code as given, or `-` for one line of standard input, so a script or a
//! password manager can pass it without putting it on a command line (`/proc/<pid>/cmdline`
//! is world-readable, and shells keep history).

use crate::error::{Error, Result};

/// The longest line `--mfa-code -` reads: a code is six digits; anything longer is not one.
const MAX_LINE: usize = 64;

/// The code the user gave: `None` when they gave none, the line read from standard input for
/// `-`, else the argument itself. The code's format is checked where it is used.
pub fn code_from_arg(arg: Option<String>) -> Result<Option<String>> {
    match arg.as_deref() {
        Some("-") => read_stdin_line().map(Some),
        _ => Ok(arg),
    }
}

/// One line of standard input, read a byte at a time straight from the descriptor: `exec`
/// hands the rest of standard input to its command, so nothing past the line may be
/// buffered here.
#[cfg(unix)]
fn read_stdin_line() -> Result<String> {
    use std::os::fd::AsFd;
    let stdin = std::io::stdin();
    let fd = stdin.as_fd();
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    loop {
        match rustix::io::read(fd, &mut byte) {
            Ok(0) => break,
            Ok(_) if byte[0] == b'\n' => break,
            Ok(_) if line.len() >= MAX_LINE => return Err(not_a_code()),
            Ok(_) => line.push(byte[0]),
            Err(rustix::io::Errno::INTR) => continue,
            Err(e) => return Err(cannot_read(&e.to_string())),
        }
    }
    finish(line)
}

#[cfg(not(unix))]
fn read_stdin_line() -> Result<String> {
    use std::io::BufRead;
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .take(MAX_LINE as u64 + 1)
        .read_line(&mut line)
        .map_err(|e| cannot_read(&e.to_string()))?;
    finish(line.into_bytes())
}

fn finish(line: Vec<u8>) -> Result<String> {
    let text = String::from_utf8(line).map_err(|_| not_a_code())?;
    let code = text.trim();
    if code.is_empty() {
        return Err(Error::InvalidParams(
            "--mfa-code - reads the MFA code from standard input, which had none: pipe the 6 digits in (e.g. `ykman oath accounts code -s NAME | rolecall …`)."
                .into(),
        ));
    }
    Ok(code.to_owned())
}

fn not_a_code() -> Error {
    Error::InvalidParams(
        "--mfa-code - read a line from standard input that is not an MFA code: it must be the 6 digits your device shows.".into(),
    )
}

fn cannot_read(reason: &str) -> Error {
    Error::InvalidParams(format!(
        "--mfa-code - cannot read the MFA code from standard input: {reason}."
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_or_nothing_passes_through() {
        assert_eq!(code_from_arg(None).unwrap(), None);
        assert_eq!(
            code_from_arg(Some("123456".into())).unwrap().as_deref(),
            Some("123456")
        );
    }

    #[test]
    fn a_line_is_trimmed_and_an_empty_or_binary_one_refused() {
        assert_eq!(finish(b" 123456\r".to_vec()).unwrap(), "123456");
        assert!(finish(b"  ".to_vec())
            .unwrap_err()
            .to_string()
            .contains("had none"));
        assert!(finish(vec![0xff, 0xfe])
            .unwrap_err()
            .to_string()
            .contains("not an MFA code"));
    }
}
