//! One test per error of the sweep API; every check happens before anything is written.

use ndarray::{s, Array2, ShapeBuilder};
use ta_sweep::{
    fraction_range, supertrend, Columns, Dtype, Error, Indicator, Prices, SuperTrend, Sweep,
    SweepBar, SweepBuffers, SweepState,
};

fn one_symbol() -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    (
        vec![10.0, 11.0, 12.0],
        vec![9.0, 10.0, 11.0],
        vec![9.5, 10.5, 11.5],
    )
}

#[test]
fn empty_grid() {
    assert_eq!(supertrend::grid(&[], &[1.0]).unwrap_err(), Error::EmptyGrid);
    assert_eq!(supertrend::grid(&[3], &[]).unwrap_err(), Error::EmptyGrid);
    assert_eq!(supertrend::pairs(&[]).unwrap_err(), Error::EmptyGrid);
}

#[test]
fn invalid_parameters_in_a_grid() {
    assert_eq!(
        supertrend::grid(&[3, 0], &[1.0]).unwrap_err(),
        Error::InvalidPeriod { period: 0 }
    );
    assert!(matches!(
        supertrend::grid(&[3], &[1.0, f64::NAN]).unwrap_err(),
        Error::InvalidMultiplier { multiplier } if multiplier.is_nan()
    ));
    assert_eq!(
        supertrend::pairs(&[(3, 1.0), (4, -2.0)]).unwrap_err(),
        Error::InvalidMultiplier { multiplier: -2.0 }
    );
    assert_eq!(
        supertrend::pairs(&[(3, f64::INFINITY)]).unwrap_err(),
        Error::InvalidMultiplier {
            multiplier: f64::INFINITY
        }
    );
}

#[test]
fn duplicate_params() {
    assert_eq!(
        supertrend::grid(&[3, 5, 3], &[1.0]).unwrap_err(),
        Error::DuplicateParams {
            params: "p3_m1".into()
        }
    );
    assert_eq!(
        supertrend::grid(&[3], &[1.0, 2.0, 2.0]).unwrap_err(),
        Error::DuplicateParams {
            params: "p3_m2".into()
        }
    );
    // 0.0 and -0.0 are the same multiplier.
    assert!(supertrend::grid(&[3], &[0.0, -0.0]).is_err());
    let err = supertrend::pairs(&[(3, 1.0), (3, 2.0), (3, 1.0)]).unwrap_err();
    assert_eq!(
        err,
        Error::DuplicateParams {
            params: "p3_m1".into()
        }
    );
    assert!(err.to_string().contains("p3_m1"), "{err}");
    // The same period with another multiplier is not a duplicate.
    assert!(supertrend::pairs(&[(3, 1.0), (3, 2.0)]).is_ok());
}

#[test]
fn price_arrays_of_different_shapes() {
    let a = Array2::<f64>::zeros((5, 2));
    let b = Array2::<f64>::zeros((5, 3));
    let err = Prices::from_arrays(&a, &a, &b).unwrap_err();
    assert_eq!(
        err,
        Error::PriceShape {
            high: (5, 2),
            low: (5, 2),
            close: (5, 3)
        }
    );
    assert!(err.to_string().contains("(5, 3)"));
}

#[test]
fn symbols_of_different_lengths_name_the_symbol_and_lengths() {
    let (h, l, c) = one_symbol();
    let short = [1.0, 2.0];
    let err = Prices::from_symbols([
        (&h[..], &l[..], &c[..]),
        (&h[..], &l[..], &c[..]),
        (&h[..], &short[..], &c[..]),
    ])
    .unwrap_err();
    assert_eq!(
        err,
        Error::SymbolLength {
            symbol: 2,
            high: 3,
            low: 2,
            close: 3,
            expected: 3
        }
    );
    let message = err.to_string();
    assert!(
        message.contains("symbol 2") && message.contains("2 low"),
        "{message}"
    );
    assert_eq!(
        Prices::single(&h, &l, &short).unwrap_err(),
        Error::SymbolLength {
            symbol: 0,
            high: 3,
            low: 3,
            close: 2,
            expected: 3
        }
    );
}

#[test]
fn output_too_large_is_refused_before_allocating() {
    let (h, l, c) = one_symbol();
    let prices = Prices::single(&h, &l, &c).unwrap();
    let grid = supertrend::grid(&[2, 3], &[1.0, 2.0]).unwrap();
    let sweep = Sweep::new(SuperTrend::default(), &prices, &grid);
    assert_eq!(sweep.output_bytes().unwrap(), 3 * 4 * 25);
    // The limit also counts the documented 128 bytes of bookkeeping per column.
    let needed = 3 * 4 * 25 + 4 * 128;
    let err = sweep.memory_limit(needed - 1).run().unwrap_err();
    assert_eq!(
        err,
        Error::OutputTooLarge {
            bytes: u128::from(needed),
            limit: u128::from(needed - 1)
        }
    );
    let message = err.to_string();
    assert!(
        message.contains(&format!("{needed} bytes")) && message.contains("fewer outputs"),
        "{message}"
    );
    assert!(sweep.memory_limit(needed).run().is_ok());
    // Fewer outputs fit under the same limit.
    assert!(sweep
        .memory_limit(needed - 1)
        .outputs(&["superd"])
        .run()
        .is_ok());
    // States come on top.
    let err = sweep.memory_limit(needed).run_with_states().unwrap_err();
    assert!(
        matches!(err, Error::OutputTooLarge { bytes, .. } if bytes > u128::from(needed)),
        "{err:?}"
    );
}

#[test]
fn a_sweep_of_many_columns_over_zero_bars_is_held_to_the_limit_too() {
    // Zero bars make zero output bytes, but every column still costs bookkeeping (and a state
    // if asked for): 200,000 columns used to allocate ~18 MB under a limit of 1 MiB, and a
    // billion would exhaust any machine's memory instead of being refused.
    let empty: [f64; 0] = [];
    let symbols =
        |n| Prices::from_symbols(std::iter::repeat_n((&empty[..], &empty[..], &empty[..]), n));
    let grid =
        supertrend::grid(&(1..=100).collect::<Vec<_>>(), &fraction_range(0..=19, 1)).unwrap();
    let prices = symbols(100).unwrap();
    let sweep = Sweep::new(SuperTrend::default(), &prices, &grid).memory_limit(1 << 20);
    assert_eq!(sweep.output_bytes().unwrap(), 0);
    let err = sweep.run().unwrap_err();
    assert_eq!(
        err,
        Error::OutputTooLarge {
            bytes: 200_000 * 128,
            limit: 1 << 20
        }
    );
    let mut buffer = Array2::<i8>::zeros((0, 200_000).f());
    let buffers = SweepBuffers::new().with("superd", &mut buffer);
    assert_eq!(sweep.run_into(buffers).unwrap_err(), err);

    // A billion columns, from a grid of 2,000 and 500,000 empty symbols: refused at once.
    let prices = symbols(500_000).unwrap();
    let started = std::time::Instant::now();
    for with_states in [false, true] {
        let sweep = Sweep::new(SuperTrend::default(), &prices, &grid);
        let err = if with_states {
            sweep.run_with_states().map(drop).unwrap_err()
        } else {
            sweep.run().map(drop).unwrap_err()
        };
        assert!(
            matches!(err, Error::OutputTooLarge { bytes, .. } if bytes >= 1_000_000_000 * 128),
            "{err:?}"
        );
    }
    assert!(
        started.elapsed() < std::time::Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    // Within the limit, zero bars work as before.
    let prices = symbols(3).unwrap();
    let (out, _states) = Sweep::new(SuperTrend::default(), &prices, &grid)
        .memory_limit(4 << 20)
        .run_with_states()
        .unwrap();
    assert_eq!(out.superd().unwrap().dim(), (0, 6_000));
}

#[test]
fn a_sweep_whose_size_overflows_usize_is_refused_in_microseconds() {
    // bars x columns x 25 bytes = 2^21 x (1,200 x 1,000 combinations x 2^19 symbols) x 25
    // ~ 3.3e19: beyond `usize`, so a size computed in `usize` would wrap to a small number.
    // Built from ~80 MB of input: one 2^21-bar series shared by every symbol.
    let bars = vec![1.0; 1 << 21];
    let symbol = (&bars[..], &bars[..], &bars[..]);
    let prices = Prices::from_symbols(std::iter::repeat_n(symbol, 1 << 19)).unwrap();
    let periods: Vec<usize> = (1..=1_200).collect();
    let grid = supertrend::grid(&periods, &fraction_range(0..=999, 10)).unwrap();
    let columns = 1_200u128 * 1_000 * (1 << 19);
    let sweep = Sweep::new(SuperTrend::default(), &prices, &grid);
    let expected = (1u128 << 21) * columns * 25;
    assert!(expected > usize::MAX as u128);
    assert_eq!(sweep.output_bytes().unwrap(), expected);

    let started = std::time::Instant::now();
    let err = sweep.run().unwrap_err();
    let took = started.elapsed();
    assert!(
        matches!(err, Error::OutputTooLarge { bytes, .. } if bytes == expected + columns * 128),
        "{err:?}"
    );
    // Nothing was allocated or computed: microseconds, with a wide margin for a busy machine.
    assert!(took < std::time::Duration::from_millis(100), "{took:?}");
    // Even the largest limit a caller can set does not let it through.
    assert!(matches!(
        sweep.memory_limit(u64::MAX).run().unwrap_err(),
        Error::OutputTooLarge { .. }
    ));
}

#[test]
fn the_default_memory_limit_refuses_a_grid_larger_than_the_machine() {
    // 100k bars x (1000 x 1000) combinations x 25 bytes = 2.5 TB (and 128 bytes of
    // bookkeeping per column), refused before allocating
    // (an attempted allocation of that size would abort the test process instead).
    let bars = vec![1.0; 100_000];
    let prices = Prices::single(&bars, &bars, &bars).unwrap();
    let periods: Vec<usize> = (1..=1000).collect();
    let multipliers: Vec<f64> = (0..1000).map(f64::from).collect();
    let grid = supertrend::grid(&periods, &multipliers).unwrap();
    let err = Sweep::new(SuperTrend::default(), &prices, &grid)
        .run()
        .unwrap_err();
    assert!(
        matches!(err, Error::OutputTooLarge { bytes, .. } if bytes == 2_500_000_000_000 + 128_000_000),
        "{err:?}"
    );
}

#[test]
fn output_buffer_of_the_wrong_shape() {
    let (h, l, c) = one_symbol();
    let prices = Prices::single(&h, &l, &c).unwrap();
    let grid = supertrend::grid(&[2, 3], &[1.0]).unwrap();
    let mut good = Array2::<f64>::zeros((3, 2).f());
    let mut bad = Array2::<i8>::zeros((3, 3).f());
    let err = Sweep::new(SuperTrend::default(), &prices, &grid)
        .run_into(
            SweepBuffers::new()
                .with("supert", &mut good)
                .with("superd", &mut bad),
        )
        .unwrap_err();
    assert_eq!(
        err,
        Error::OutputShape {
            output: "superd".into(),
            expected: (3, 2),
            actual: (3, 3)
        }
    );
    assert!(err.to_string().contains("superd"));
    assert!(
        good.iter().all(|&x| x == 0.0),
        "nothing is written before the checks pass"
    );
}

#[test]
fn output_buffer_in_row_major_or_strided_layout() {
    let (h, l, c) = one_symbol();
    let prices = Prices::single(&h, &l, &c).unwrap();
    let grid = supertrend::grid(&[2, 3], &[1.0]).unwrap();
    let mut row_major = Array2::<f64>::zeros((3, 2));
    let err = Sweep::new(SuperTrend::default(), &prices, &grid)
        .run_into(SweepBuffers::new().with("superl", &mut row_major))
        .unwrap_err();
    assert_eq!(
        err,
        Error::OutputLayout {
            output: "superl".into(),
            strides: (2, 1)
        }
    );
    let mut big = Array2::<f64>::zeros((6, 2).f());
    let mut every_other_row = big.slice_mut(s![..;2, ..]);
    let err = Sweep::new(SuperTrend::default(), &prices, &grid)
        .run_into(SweepBuffers::new().with("supers", &mut every_other_row))
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::OutputLayout {
                ref output,
                ..
            } if output == "supers"
        ),
        "{err:?}"
    );
}

#[test]
fn chunk_length_zero() {
    let (h, l, c) = one_symbol();
    let prices = Prices::single(&h, &l, &c).unwrap();
    let grid = supertrend::grid(&[2], &[1.0]).unwrap();
    let err = Sweep::new(SuperTrend::default(), &prices, &grid)
        .chunk_len(0)
        .run()
        .unwrap_err();
    assert_eq!(err, Error::InvalidChunkLen { chunk_len: 0 });
}

#[test]
fn too_many_columns() {
    let grid = supertrend::grid(&[2, 3], &[1.0]).unwrap();
    let err = Columns::new(grid.clone(), usize::MAX).unwrap_err();
    assert_eq!(
        err,
        Error::TooManyColumns {
            combinations: 2,
            symbols: usize::MAX
        }
    );
    assert_eq!(
        SweepState::new(SuperTrend::default(), &grid, usize::MAX).unwrap_err(),
        err
    );
}

#[test]
fn streaming_update_with_the_wrong_number_of_symbols_or_outputs() {
    let grid = supertrend::grid(&[2, 3], &[1.0]).unwrap();
    let mut state = SweepState::new(SuperTrend::default(), &grid, 2).unwrap();
    let before = format!("{state:?}");
    assert_eq!(
        state.update(&[1.0, 2.0], &[1.0], &[1.0, 2.0]).unwrap_err(),
        Error::SymbolCount {
            expected: 2,
            actual: 1
        }
    );
    // A bar of 3 columns for a state of 4 (the old test's one short `superl` slice: a bar's
    // outputs are now one value per column each, sized together by `SweepBar::new`).
    let mut out = SweepBar::new(SuperTrend::default().outputs(), 3);
    assert_eq!(
        state
            .update_into(&[1.0; 2], &[1.0; 2], &[1.0; 2], &mut out)
            .unwrap_err(),
        Error::OutputLength {
            output: "bar",
            expected: 4,
            actual: 3
        }
    );
    assert_eq!(
        out,
        SweepBar::new(SuperTrend::default().outputs(), 3),
        "a failed update writes nothing"
    );
    assert_eq!(
        before,
        format!("{state:?}"),
        "a failed update changes nothing"
    );
}

#[test]
fn duplicate_checks_scale_to_long_lists() {
    // 200k distinct pairs: a quadratic check would take minutes.
    let pairs: Vec<(usize, f64)> = (1..=200_000).map(|p| (p, 1.0)).collect();
    assert!(supertrend::pairs(&pairs).is_ok());
    let mut with_repeat = pairs.clone();
    with_repeat.push((150_000, 1.0));
    assert_eq!(
        supertrend::pairs(&with_repeat).unwrap_err(),
        Error::DuplicateParams {
            params: "p150000_m1".into()
        }
    );
}

// ---------------------------------------------------------------------------------------------
// Errors the open factory added: outputs are chosen and given buffers by name.
// ---------------------------------------------------------------------------------------------

#[test]
fn unknown_output_names_are_refused_before_anything_is_written() {
    let (h, l, c) = one_symbol();
    let prices = Prices::single(&h, &l, &c).unwrap();
    let grid = supertrend::grid(&[2, 3], &[1.0]).unwrap();
    let expected = Error::UnknownOutput {
        name: "atr".into(),
        available: "supert, superd, superl, supers".into(),
    };
    let sweep = Sweep::new(SuperTrend::default(), &prices, &grid);
    assert_eq!(
        sweep.outputs(&["superd", "atr"]).run().unwrap_err(),
        expected
    );
    assert_eq!(
        sweep.outputs(&["atr"]).output_bytes().unwrap_err(),
        expected
    );
    assert_eq!(
        sweep.outputs(&["atr"]).reduce(|_| ()).unwrap_err(),
        expected
    );
    let mut good = Array2::<f64>::zeros((3, 2).f());
    let mut unknown = Array2::<f64>::zeros((3, 2).f());
    let err = sweep
        .run_into(
            SweepBuffers::new()
                .with("supert", &mut good)
                .with("atr", &mut unknown),
        )
        .unwrap_err();
    assert_eq!(err, expected);
    assert!(err.to_string().contains("atr"), "{err}");
    assert!(
        good.iter().all(|&x| x == 0.0),
        "nothing is written before the checks pass"
    );
}

#[test]
fn an_output_selected_or_given_a_buffer_twice() {
    let (h, l, c) = one_symbol();
    let prices = Prices::single(&h, &l, &c).unwrap();
    let grid = supertrend::grid(&[2, 3], &[1.0]).unwrap();
    let sweep = Sweep::new(SuperTrend::default(), &prices, &grid);
    let expected = Error::DuplicateOutput {
        name: "superd".into(),
    };
    assert_eq!(
        sweep
            .outputs(&["superd", "supert", "superd"])
            .run()
            .unwrap_err(),
        expected
    );
    let (mut a, mut b) = (
        Array2::<i8>::zeros((3, 2).f()),
        Array2::<i8>::zeros((3, 2).f()),
    );
    let err = sweep
        .run_into(
            SweepBuffers::new()
                .with("superd", &mut a)
                .with("superd", &mut b),
        )
        .unwrap_err();
    assert_eq!(err, expected);
    assert!(
        a.iter().chain(b.iter()).all(|&d| d == 0),
        "nothing is written"
    );
}

#[test]
fn output_buffer_of_the_wrong_element_type() {
    let (h, l, c) = one_symbol();
    let prices = Prices::single(&h, &l, &c).unwrap();
    let grid = supertrend::grid(&[2, 3], &[1.0]).unwrap();
    let mut good = Array2::<i8>::zeros((3, 2).f());
    let mut wrong = Array2::<i8>::zeros((3, 2).f());
    let err = Sweep::new(SuperTrend::default(), &prices, &grid)
        .run_into(
            SweepBuffers::new()
                .with("superd", &mut good)
                .with("supert", &mut wrong),
        )
        .unwrap_err();
    assert_eq!(
        err,
        Error::OutputType {
            name: "supert".into(),
            expected: Dtype::I8,
            actual: Dtype::F64
        }
    );
    assert!(err.to_string().contains("supert"), "{err}");
    assert!(
        good.iter().all(|&d| d == 0),
        "nothing is written before the checks pass"
    );
}

#[test]
fn the_values_of_a_reduction_are_held_to_the_memory_limit() {
    let (high, low, close) = one_symbol();
    let prices = Prices::single(&high, &low, &close).unwrap();
    let grid = supertrend::grid(&[1, 2], &[1.0, 2.0, 3.0]).unwrap();
    let sweep = Sweep::new(SuperTrend::default(), &prices, &grid).outputs(&["superd"]);
    let last = |column: ta_sweep::ColumnView<'_, _>| column.get::<i8>("superd").unwrap()[2];
    let whole = sweep.reduce(last).unwrap();
    assert_eq!(whole.len(), 6);
    // Six one-byte values, then six 16-byte ones.
    assert_eq!(sweep.memory_limit(6).reduce(last).unwrap(), whole);
    assert_eq!(
        sweep.memory_limit(5).reduce(last).unwrap_err(),
        Error::OutputTooLarge { bytes: 6, limit: 5 }
    );
    let wide = |column: ta_sweep::ColumnView<'_, _>| [i64::from(last(column)); 2];
    assert_eq!(
        sweep.memory_limit(95).reduce(wide).unwrap_err(),
        Error::OutputTooLarge {
            bytes: 96,
            limit: 95
        }
    );
    // Nothing of the values is allocated for zero-sized ones.
    assert_eq!(sweep.memory_limit(0).reduce(|_| ()).unwrap().len(), 6);
}
