//! `conform`: run conformance scenarios against a simulator or real hardware.
//! Exit codes: 0 all conform, 1 conformance failures, 2 usage or infrastructure errors.

fn main() {
    let code = devsim_conformance::cli::main_from_env();
    std::process::exit(code);
}
