//! What every example's `main` does with the outcome of its work: an exit code, and the error
//! on stderr.

use std::error::Error;
use std::io;
use std::process::ExitCode;

/// Success, or the error on stderr and a failure code.
pub fn exit_code(result: Result<(), Box<dyn Error>>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // The reader of the output went away (`... | head`): there is no one left to tell.
        Err(e)
            if e.downcast_ref::<io::Error>()
                .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe) =>
        {
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
