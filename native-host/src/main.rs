use std::process::ExitCode;

fn main() -> ExitCode {
    rolecall::logger::init();
    rolecall::cli::main(std::env::args_os().skip(1).collect())
}
