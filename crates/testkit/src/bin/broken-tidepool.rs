//! A tidepool build that is broken on purpose, for `tidepool update`'s rollback tests: it
//! answers `version --json` like a real build for this host (so it passes the checks before
//! the swap) and exits with an error when it is started as the gateway.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("version") {
        println!(
            "{{\"version\":\"9.9.9-broken\",\"target\":\"{}\"}}",
            env!("TESTKIT_TARGET")
        );
        return;
    }
    eprintln!("broken-tidepool: this build cannot start (it is broken on purpose)");
    std::process::exit(1);
}
