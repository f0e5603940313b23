//! The `belong` command: parse flags, run the library's stages, map errors
//! to exit codes (0 ok, 1 error, 2 usage).

mod cli;

fn main() {
    std::process::exit(cli::main());
}
