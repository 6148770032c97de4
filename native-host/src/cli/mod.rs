//! The command line: host mode (as a browser starts it, or `rolecall host`) and the setup
//! commands. One file per command group.

mod aws_cli;
mod catalog;
mod completions;
mod discover;
mod doctor;
mod gateway;
mod hardening;
mod import;
mod install;
mod login;
mod mfa;
mod profiles;
mod role;
mod session;
mod sso;

use crate::app::App;
use crate::error::Error;
use crate::protocol::serve;
use crate::{CHROMIUM_EXTENSION_ID, FIREFOX_ADDON_ID};
use clap::{Parser, Subcommand};
use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;
use std::sync::{Arc, LazyLock};

/// What `rolecall --version` prints after the name: the release, and the protocol version
/// `host.info` reports (what the extension compares against).
static VERSION: LazyLock<String> = LazyLock::new(|| {
    format!(
        "{} (protocol {})",
        env!("CARGO_PKG_VERSION"),
        crate::protocol::methods::PROTOCOL_VERSION
    )
});

#[derive(Parser, Debug)]
#[command(
    name = "rolecall",
    version = VERSION.as_str(),
    about = "One click from your browser to the AWS console of any role you can assume.",
    long_about = "One click from your browser to the AWS console of any role you can assume.\n\n\
        Gateway keys live in the OS keyring. Browsers start this binary as the native-messaging \
        host `dev.rolecall.host`; the subcommands below set it up."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve native messaging on stdin/stdout (what a browser starts).
    Host,
    /// Manage gateways: IAM users whose long-term keys live in the OS keyring.
    #[command(subcommand)]
    Gateway(gateway::GatewayCommand),
    /// Manage the roles you assume through a gateway or reach through IAM Identity Center.
    #[command(subcommand)]
    Role(role::RoleCommand),
    /// Mark groups of roles (e.g. as production).
    #[command(subcommand)]
    Group(role::GroupCommand),
    /// Manage IAM Identity Center (SSO) sources: add, sign in, sync their roles.
    #[command(subcommand)]
    Sso(sso::SsoCommand),
    /// Shared role catalogues: a team's roles from a file or URL, read-only beside yours.
    #[command(subcommand)]
    Catalog(catalog::CatalogCommand),
    /// Print a console sign-in URL for a role (and optionally open it).
    Login(login::LoginArgs),
    /// Print a role's credentials as the AWS CLI's `credential_process` JSON (from the same
    /// cache as the console; asks for an MFA code on the terminal when needed).
    CredentialProcess(aws_cli::RoleArgs),
    /// Print `export` lines with a role's credentials: `eval "$(rolecall export ROLE)"`.
    Export(aws_cli::RoleArgs),
    /// Run a command with a role's credentials in its environment: `rolecall exec ROLE -- aws s3 ls`.
    Exec(aws_cli::ExecArgs),
    /// Manage cached role sessions.
    #[command(subcommand)]
    Session(session::SessionCommand),
    /// Register this binary with your browsers (the native-messaging host manifest).
    Install(install::InstallArgs),
    /// Import roles and gateways from other tools' configuration.
    #[command(subcommand)]
    Import(import::ImportCommand),
    /// Check every link from the browser to the AWS console, and say how to fix what is broken.
    Doctor(doctor::DoctorArgs),
    /// The per-role browser data directories of isolated windows (Chromium family).
    #[command(subcommand)]
    Profiles(profiles::ProfilesCommand),
    /// Print a shell completion script: `rolecall completions bash > ~/.local/share/bash-completion/completions/rolecall`.
    Completions {
        #[arg(value_enum)]
        shell: completions::Shell,
    },
    /// Print the man page (roff) of rolecall or of a command: `rolecall man [role discover] | man -l -`.
    Man {
        /// A command (and subcommand) whose page to print.
        command: Vec<String>,
    },
}

/// The launcher's internal command (`rolecall handoff-cleanup <file>`, see browser/handoff.rs),
/// taken before clap so that help, completions and the man page never offer it.
const HANDOFF_CLEANUP: &str = "handoff-cleanup";

/// Any command's failure; each prints as a sentence the user can act on.
#[derive(Debug, thiserror::Error)]
enum CliError {
    #[error(transparent)]
    Rolecall(#[from] Error),
    #[error(transparent)]
    Install(#[from] crate::browser::install::InstallError),
    #[error(transparent)]
    Import(#[from] crate::setup::import::ImportError),
    #[error(transparent)]
    Catalog(Box<crate::setup::catalogs::CatalogSetupError>),
    #[error(transparent)]
    Organizations(#[from] crate::sources::gateway::organizations::OrganizationsError),
}

impl From<crate::setup::catalogs::CatalogSetupError> for CliError {
    fn from(e: crate::setup::catalogs::CatalogSetupError) -> Self {
        CliError::Catalog(Box::new(e))
    }
}

/// How a browser starts a native host: Firefox passes `<manifest path> <add-on id>`,
/// Chromium `chrome-extension://<id>/` (plus `--parent-window=<n>` on Windows).
#[derive(Debug, PartialEq, Eq)]
enum Caller {
    NotABrowser,
    Ours(&'static str),
    Foreign(String),
}

fn browser_caller(args: &[OsString]) -> Caller {
    let args: Vec<String> = args
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    if let Some(origin) = args
        .first()
        .and_then(|a| a.strip_prefix("chrome-extension://"))
    {
        return if origin.trim_end_matches('/') == CHROMIUM_EXTENSION_ID {
            Caller::Ours("chromium")
        } else {
            Caller::Foreign(args[0].clone())
        };
    }
    if args.len() >= 2 && args[0].ends_with(".json") {
        return if args[1] == FIREFOX_ADDON_ID {
            Caller::Ours("firefox")
        } else {
            Caller::Foreign(args[1].clone())
        };
    }
    Caller::NotABrowser
}

pub fn main(args: Vec<OsString>) -> ExitCode {
    hardening::harden_process();
    match browser_caller(&args) {
        Caller::Ours(browser) => {
            log::debug!("started by {browser}");
            return run_host();
        }
        Caller::Foreign(who) => {
            // The manifests allow only our extension; anything else is a misconfiguration.
            log::error!("refusing to serve {who}: only the rolecall extension may use this host");
            return ExitCode::FAILURE;
        }
        Caller::NotABrowser => {}
    }
    if args.first().is_some_and(|a| a == HANDOFF_CLEANUP) {
        return handoff_cleanup(&args[1..]);
    }
    let cli = match Cli::try_parse_from(std::iter::once(OsString::from("rolecall")).chain(args)) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    // `rolecall … | head`: a reader that went away is not an error of ours (see QuietPipe).
    let out = &mut QuietPipe::new(std::io::stdout().lock());
    let ok = |r: Result<(), Error>| r.map(|()| true).map_err(CliError::from);
    let result = match cli.command {
        Command::Host => return run_host(),
        Command::Gateway(c) => ok(gateway::run(c, out)),
        Command::Role(role::RoleCommand::Discover(a)) => discover::run(a, out).map(|()| true),
        Command::Role(c) => ok(role::run(c, out)),
        Command::Sso(c) => ok(sso::run(c, out)),
        Command::Group(c) => ok(role::run_group(c, out)),
        Command::Catalog(c) => catalog::run(c, out).map(|()| true),
        Command::Login(a) => ok(login::run(a, out)),
        Command::CredentialProcess(a) => ok(aws_cli::credential_process(a, out)),
        Command::Export(a) => ok(aws_cli::export(a, out)),
        Command::Exec(a) => match aws_cli::exec(a) {
            Ok(code) => return code,
            Err(e) => Err(CliError::from(e)),
        },
        Command::Session(c) => ok(session::run(c, out)),
        Command::Install(a) => install::run(a, out).map(|()| true),
        Command::Import(c) => import::run(c, out).map(|()| true),
        // Doctor has said what is broken; the status only tells scripts.
        Command::Doctor(a) => doctor::run(a, out),
        Command::Profiles(c) => ok(profiles::run(c, out)),
        Command::Completions { shell } => ok(completions::completions(shell, out)),
        Command::Man { command } => ok(completions::man(&command, out)),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            // Messages may quote the config, a catalogue or an AWS answer.
            let _ = writeln!(
                std::io::stderr(),
                "rolecall: {}",
                crate::logger::escape(&e.to_string())
            );
            ExitCode::FAILURE
        }
    }
}

/// `rolecall handoff-cleanup <file>`: removes a sign-in handoff file once the browser has read
/// it (at most a minute), and only a file in the handoff folder.
fn handoff_cleanup(args: &[OsString]) -> ExitCode {
    let [file] = args else {
        let _ = writeln!(
            std::io::stderr(),
            "rolecall: usage: rolecall handoff-cleanup <file>"
        );
        return ExitCode::from(2);
    };
    let file = std::path::Path::new(file);
    let dir = crate::browser::profiles::handoff_dir();
    if !crate::browser::handoff::is_handoff_file(&dir, file) {
        let _ = writeln!(
            std::io::stderr(),
            "rolecall: {} is not a handoff file",
            file.display()
        );
        return ExitCode::from(2);
    }
    crate::browser::handoff::remove_when_read(
        file,
        crate::browser::handoff::MAX_LIFETIME,
        std::time::Duration::from_millis(50),
    );
    ExitCode::SUCCESS
}

/// Stdout for CLI commands. When the reader has gone (`rolecall role list | head`), the rest
/// of the output is dropped without a word and the command still finishes what it started
/// (a half-done import is worse than lost output); a panic or an "internal error" there
/// would be noise.
struct QuietPipe<W> {
    inner: W,
    closed: bool,
}

impl<W: Write> QuietPipe<W> {
    fn new(inner: W) -> Self {
        QuietPipe {
            inner,
            closed: false,
        }
    }

    fn quiet<T>(&mut self, r: std::io::Result<T>, fallback: T) -> std::io::Result<T> {
        match r {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(fallback)
            }
            r => r,
        }
    }
}

impl<W: Write> Write for QuietPipe<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.closed {
            return Ok(buf.len());
        }
        let r = self.inner.write(buf);
        self.quiet(r, buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.closed {
            return Ok(());
        }
        let r = self.inner.flush();
        self.quiet(r, ())
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Internal(format!("cannot start the async runtime: {e}")))
}

type FrameOutput = Box<dyn tokio::io::AsyncWrite + Unpin + Send>;

/// The stream the browser reads frames from. On Unix the frames go to a private duplicate of
/// stdout and fd 1 itself is pointed at stderr, so a stray print anywhere in the process
/// (a dependency's `println!`) lands in the log instead of corrupting the frame stream.
/// Must run before the runtime has started writing to stdout.
#[cfg(unix)]
fn protocol_output() -> std::io::Result<FrameOutput> {
    use std::os::fd::AsFd;
    // Close-on-exec: a browser or cleanup process the host launches must not inherit a
    // writable copy of the channel (it could forge replies, and the extension would see
    // end-of-stream only when that process exits). `dup` alone would not set the flag.
    let frames = rustix::io::fcntl_dupfd_cloexec(std::io::stdout().as_fd(), 3)?;
    rustix::stdio::dup2_stdout(std::io::stderr().as_fd())?;
    Ok(Box::new(tokio::fs::File::from_std(std::fs::File::from(
        frames,
    ))))
}

#[cfg(not(unix))]
fn protocol_output() -> std::io::Result<FrameOutput> {
    Ok(Box::new(tokio::io::stdout()))
}

fn run_host() -> ExitCode {
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(e) => {
            log::error!("{e}");
            return ExitCode::FAILURE;
        }
    };
    // A browser starts the host to open consoles: have the keyring session ready by then.
    crate::store::secrets::prewarm();
    let output = match protocol_output() {
        Ok(o) => o,
        Err(e) => {
            log::error!("cannot set up the frame stream on stdout: {e}");
            return ExitCode::FAILURE;
        }
    };
    let app = Arc::new(App::from_env());
    let ending = rt.block_on(serve::serve(app, tokio::io::stdin(), output));
    match ending {
        serve::Ending::Eof => ExitCode::SUCCESS,
        serve::Ending::Broken => ExitCode::FAILURE,
    }
}

/// CLI output goes through this, never print macros: stdout is a protocol channel in host mode.
type Out<'a> = &'a mut dyn Write;

fn io_err(e: std::io::Error) -> Error {
    Error::Internal(format!("cannot write output: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<OsString> {
        a.iter().map(OsString::from).collect()
    }

    /// A writer whose reader has gone after `room` bytes.
    struct ClosesAfter {
        room: usize,
        got: Vec<u8>,
    }

    impl Write for ClosesAfter {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if self.room == 0 {
                return Err(std::io::ErrorKind::BrokenPipe.into());
            }
            let n = buf.len().min(self.room);
            self.room -= n;
            self.got.extend_from_slice(&buf[..n]);
            Ok(n)
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_closed_pipe_drops_the_rest_quietly_but_other_errors_still_fail() {
        let mut out = QuietPipe::new(ClosesAfter {
            room: 4,
            got: vec![],
        });
        assert!(out.write_all(b"rolecall man").is_ok());
        assert!(out.write_all(b" more").is_ok() && out.flush().is_ok());
        assert!(out.closed);
        assert_eq!(out.inner.got, b"role");

        struct Full;
        impl Write for Full {
            fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
                Err(std::io::Error::other("disk full"))
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let mut out = QuietPipe::new(Full);
        assert!(out.write_all(b"x").is_err() && !out.closed);
    }

    #[test]
    fn handoff_cleanup_takes_one_file_in_the_handoff_folder_only() {
        assert_eq!(handoff_cleanup(&args(&[])), ExitCode::from(2));
        assert_eq!(handoff_cleanup(&args(&["a", "b"])), ExitCode::from(2));
        assert_eq!(handoff_cleanup(&args(&["/etc/passwd"])), ExitCode::from(2));
    }

    #[test]
    fn version_names_the_release_and_the_protocol() {
        let e = Cli::try_parse_from(["rolecall", "--version"]).unwrap_err();
        assert_eq!(e.kind(), clap::error::ErrorKind::DisplayVersion);
        assert_eq!(
            e.to_string().trim_end(),
            format!(
                "rolecall {} (protocol {})",
                env!("CARGO_PKG_VERSION"),
                crate::protocol::methods::PROTOCOL_VERSION
            )
        );
    }

    #[test]
    fn recognises_how_browsers_start_the_host() {
        assert_eq!(
            browser_caller(&args(&[
                "/home/a/.mozilla/native-messaging-hosts/dev.rolecall.host.json",
                "rolecall@rolecall.dev"
            ])),
            Caller::Ours("firefox")
        );
        assert_eq!(
            browser_caller(&args(&[
                "chrome-extension://oljmfdijhnpmpkckkddnkphelbdifbmp/",
                "--parent-window=0"
            ])),
            Caller::Ours("chromium")
        );
        assert!(matches!(
            browser_caller(&args(&[
                "chrome-extension://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/"
            ])),
            Caller::Foreign(_)
        ));
        assert!(matches!(
            browser_caller(&args(&["/x/dev.rolecall.host.json", "evil@example.com"])),
            Caller::Foreign(_)
        ));
        assert_eq!(
            browser_caller(&args(&["role", "list"])),
            Caller::NotABrowser
        );
        assert_eq!(browser_caller(&args(&[])), Caller::NotABrowser);
    }
}
