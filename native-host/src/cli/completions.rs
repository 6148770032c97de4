//! `rolecall completions bash|zsh|fish` and `rolecall man`: generated from the clap
//! definitions, so every command and option is in them as soon as it exists.

use super::{io_err, Cli, Out};
use crate::error::Result;
use clap::CommandFactory;

#[derive(clap::ValueEnum, Debug, Clone, Copy)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

/// The completion script for `shell` (source it, or put it where the shell loads them).
pub fn completions(shell: Shell, out: Out) -> Result<()> {
    let mut cmd = Cli::command();
    let shell = match shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
    };
    clap_complete::generate(shell, &mut cmd, "rolecall", out);
    Ok(())
}

/// The man page (roff) of rolecall, or of one of its commands (`rolecall man role
/// discover`): `rolecall man > rolecall.1`, or `rolecall man | man -l -`.
pub fn man(command: &[String], out: Out) -> Result<()> {
    let mut cmd = Cli::command();
    cmd.build();
    let mut name = "rolecall".to_owned();
    for word in command {
        let sub = cmd
            .get_subcommands()
            .find(|c| c.get_name() == word && !c.is_hide_set())
            .cloned()
            .ok_or_else(|| {
                crate::error::Error::InvalidParams(format!(
                    "`{name}` has no command '{word}'; see `{name} --help`."
                ))
            })?;
        name = format!("{name}-{word}");
        // clap names are `&'static str` (its `string` feature is off): a few bytes, once
        // per process.
        cmd = sub.name(&*Box::leak(name.clone().into_boxed_str()));
    }
    clap_mangen::Man::new(cmd).render(out).map_err(io_err)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subcommands() -> Vec<String> {
        Cli::command()
            .get_subcommands()
            .filter(|c| !c.is_hide_set())
            .map(|c| c.get_name().to_owned())
            .collect()
    }

    #[test]
    fn every_shell_completes_every_subcommand() {
        let names = subcommands();
        assert!(names.len() >= 15, "{names:?}");
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
            let mut buf = Vec::new();
            completions(shell, &mut buf).unwrap();
            let text = String::from_utf8(buf).unwrap();
            for n in &names {
                assert!(text.contains(n.as_str()), "{shell:?} misses {n}");
            }
        }
    }

    #[test]
    fn the_man_page_names_every_subcommand() {
        let mut buf = Vec::new();
        man(&[], &mut buf).unwrap();
        let text = String::from_utf8(buf).unwrap();
        assert!(text.contains(".TH rolecall 1"), "{}", &text[..200]);
        for n in subcommands() {
            let roff = format!("rolecall\\-{}", n.replace('-', "\\-"));
            assert!(text.contains(&roff), "misses {roff}");
        }
        let mut buf = Vec::new();
        man(&["role".into(), "discover".into()], &mut buf).unwrap();
        let text = String::from_utf8(buf).unwrap();
        assert!(
            text.contains(".TH rolecall-role-discover 1"),
            "{}",
            &text[..200]
        );
        assert!(text.contains("\\-\\-via\\-role"));
        assert!(man(&["nope".into()], &mut Vec::new()).is_err());
    }
}
