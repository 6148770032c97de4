//! Process hardening at start, for the host and every command alike: the process holds
//! long-term keys, MFA sessions and sign-in tokens in memory, so it writes no core file and,
//! on Linux, other processes of the user cannot attach to it or read its memory through
//! `/proc` (`PR_SET_DUMPABLE=0`). Both are reset for programs it starts (`exec`, browsers):
//! the kernel restores dumpability on `execve`, and they keep the core limit of zero, which
//! only stops a crash of theirs from leaving a file.
//!
//! macOS has no `PR_SET_DUMPABLE`; its equivalent (`ptrace(PT_DENY_ATTACH)`) needs a raw
//! call this crate's `forbid(unsafe_code)` rules out, so there only the core limit applies.
//! Windows writes no core files by default.

/// Applies what the platform offers; a refusal is logged, never fatal (a hardened process
/// that cannot start helps nobody).
pub fn harden_process() {
    #[cfg(unix)]
    {
        use rustix::process::{setrlimit, Resource, Rlimit};
        let none = Rlimit {
            current: Some(0),
            maximum: Some(0),
        };
        if let Err(e) = setrlimit(Resource::Core, none) {
            log::debug!("could not turn off core files: {e}");
        }
    }
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        use rustix::process::{set_dumpable_behavior, DumpableBehavior};
        if let Err(e) = set_dumpable_behavior(DumpableBehavior::NotDumpable) {
            log::debug!("could not make the process non-dumpable: {e}");
        }
    }
}

#[cfg(all(test, any(target_os = "linux", target_os = "android")))]
mod tests {
    use super::*;

    /// Issue 25: a crash or a debugger of the same user could read keys out of the host.
    #[test]
    fn the_process_writes_no_core_and_cannot_be_attached_to() {
        harden_process();
        let core = rustix::process::getrlimit(rustix::process::Resource::Core);
        assert_eq!((core.current, core.maximum), (Some(0), Some(0)));
        assert_eq!(
            rustix::process::dumpable_behavior().unwrap(),
            rustix::process::DumpableBehavior::NotDumpable
        );
    }
}
