//! `strs completions` and `strs man`: what shells and `man` need, generated from
//! the same definitions as `--help`.

use std::io::Write;

use clap::Args;
use clap_complete::Shell;

use crate::failure::Failure;
use crate::output;

/// `strs completions` options.
#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell: bash, zsh, fish, elvish or powershell.
    shell: Shell,
}

/// Prints the completion script of `shell` for `command`.
pub fn completions(mut command: clap::Command, args: CompletionsArgs) -> Result<(), Failure> {
    let mut out = output::stdout();
    clap_complete::generate(args.shell, &mut command, "strs", &mut out);
    Ok(output::finish(out)?)
}

/// Prints the manual page of `command` and of each of its subcommands, as one
/// roff document.
pub fn man(command: clap::Command) -> Result<(), Failure> {
    let mut out = output::stdout();
    let command = command.disable_help_subcommand(true);
    clap_mangen::Man::new(command.clone()).render(&mut out)?;
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        // Leaked: clap names are `'static`, and this runs once before exit.
        let name: &'static str = Box::leak(format!("strs-{}", sub.get_name()).into_boxed_str());
        let sub = sub.clone().name(name).bin_name(name);
        writeln!(out)?;
        let man = clap_mangen::Man::new(sub);
        man.render_title(&mut out)?;
        man.render_name_section(&mut out)?;
        man.render_synopsis_section(&mut out)?;
        man.render_description_section(&mut out)?;
        man.render_options_section(&mut out)?;
    }
    Ok(output::finish(out)?)
}
