//! What both examples' `main` does around its work: turning the outcome into an exit code,
//! and building the prices with errors that name the symbol.

use std::error::Error;
use std::io;
use std::process::ExitCode;

use ta_sweep::Prices;

use super::ohlc::Ohlc;

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

/// The symbols' prices, with a length error that names the symbol.
pub fn named_prices<'a>(names: &[String], data: &'a [Ohlc]) -> Result<Prices<'a>, Box<dyn Error>> {
    Prices::from_symbols(data.iter().map(Ohlc::as_slices)).map_err(|e| match e {
        // The library counts symbols; the user knows them by name.
        ta_sweep::Error::SymbolLength { symbol, .. } => format!("{}: {e}", names[symbol]).into(),
        e => e.into(),
    })
}
