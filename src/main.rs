//! The `asbuilt` command. Everything lives in the library; this only hands over.

fn main() -> std::process::ExitCode {
    asbuilt::cli::main()
}
