//! Unit tests for the pure parts of blame: the short list of an ambiguous prefix's candidates,
//! and how a failed write to stdout changes a command's outcome.

use super::*;

#[test]
fn a_long_list_shows_a_few_and_counts_the_rest() {
    assert_eq!(some_of(&["a", "b"], 5), "a, b");
    assert_eq!(some_of(&["a", "b", "c", "d", "e"], 5), "a, b, c, d, e");
    assert_eq!(
        some_of(&["a", "b", "c", "d", "e", "f", "g"], 5),
        "a, b, c, d, e and 2 more"
    );
}

#[test]
fn a_closed_pipe_keeps_the_outcome_and_a_full_disk_fails() {
    let failure = |kind| StdoutError {
        source: std::io::Error::from(kind),
    };
    let pipe = || failure(std::io::ErrorKind::BrokenPipe);
    let full = || failure(std::io::ErrorKind::StorageFull);
    for status in [ExitStatus::Success, ExitStatus::RunFailed] {
        assert_eq!(with_stdout_failure(Ok(status), pipe()).unwrap(), status);
        assert_eq!(
            with_stdout_failure(Ok(status), full()).unwrap_err().code(),
            1
        );
    }
    let own = with_stdout_failure(Err(CommandError::user_message("bad input")), full());
    assert_eq!(own.unwrap_err().error.to_string(), "bad input");
}
