//! Two indicators swept as one: each grid row feeds both, so strategies over two indicators
//! (a fast and a slow moving average) are one sweep, and the first indicator's work is shared
//! by every column of a group.

use std::borrow::Cow;

use super::indicator::{Bar, BarOutputs, Column, Indicator, Streaming};
use crate::error::Result;
use crate::prices::{Inputs, SymbolPrices};
use crate::schema::OutputSpec;

/// Two indicators as one: the grid rows are `(first's parameters, second's parameters)`, and
/// the outputs are the first's, then the second's, each name prefixed with its indicator's
/// name (`fast_ma`, `slow_ma` for two [`Ma`](crate::Ma)s with the default names).
///
/// Adjacent columns with the same first parameters form a group: the first indicator runs once
/// per group (vectorbt's `run_combs` computes every fast average once too), the second in
/// batches of its own lanes. The first indicator's outputs are [per
/// group](OutputSpec::per_group): a reduction's columns of one group share one copy of them.
///
/// # Example
/// ```
/// use ta_sweep::{Grid, Ma, Pair, Prices, Sweep};
///
/// let close: Vec<f64> = (0..50).map(|i| 100.0 + (i as f64 * 0.3).sin()).collect();
/// let prices = Prices::from_close_series([&close[..]])?;
/// let grid = Grid::combinations(&["fast", "slow"], &[3, 5, 8])?;
/// let out = Sweep::new(Pair::new(Ma::simple(), Ma::simple()), &prices, &grid).run()?;
/// let (fast, slow) = (out.get::<f64>("fast_ma").unwrap(), out.get::<f64>("slow_ma").unwrap());
/// // Column 0 is (3, 5), column 1 is (3, 8): the same fast average.
/// let bits = |column: ndarray::ArrayView1<f64>| column.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
/// assert_eq!(bits(fast.column(0)), bits(fast.column(1)));
/// assert_ne!(bits(slow.column(0)), bits(slow.column(1)));
/// # Ok::<(), ta_sweep::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Pair<A, B> {
    first: A,
    second: B,
    names: [Cow<'static, str>; 2],
    schema: Vec<OutputSpec>,
}

impl<A: Indicator, B: Indicator> Pair<A, B> {
    /// `first` and `second`, named `fast` and `slow`.
    pub fn new(first: A, second: B) -> Self {
        Pair::named(first, "fast", second, "slow")
    }

    /// `first` and `second` with names of your own, which prefix their outputs.
    pub fn named(
        first: A,
        first_name: impl Into<Cow<'static, str>>,
        second: B,
        second_name: impl Into<Cow<'static, str>>,
    ) -> Self {
        let names = [first_name.into(), second_name.into()];
        let prefixed = |name: &str, spec: &OutputSpec| {
            OutputSpec::new(format!("{name}_{}", spec.name()), spec.dtype())
        };
        let schema = (first
            .outputs()
            .iter()
            .map(|s| prefixed(&names[0], s).per_group()))
        .chain(second.outputs().iter().map(|s| {
            let spec = prefixed(&names[1], s);
            if s.is_per_group() {
                spec.per_group()
            } else {
                spec
            }
        }))
        .collect();
        Pair {
            first,
            second,
            names,
            schema,
        }
    }

    /// The first indicator.
    pub fn first(&self) -> &A {
        &self.first
    }

    /// The second indicator.
    pub fn second(&self) -> &B {
        &self.second
    }

    /// The two names.
    pub fn names(&self) -> [&str; 2] {
        [&self.names[0], &self.names[1]]
    }
}

/// A worker's memory for a [`Pair`]: both indicators' scratch, and the first indicator's
/// state for the current group.
#[derive(Debug)]
pub struct PairScratch<A: Indicator, B: Indicator> {
    first: A::Scratch,
    second: B::Scratch,
    first_state: Option<A::State>,
}

impl<A: Indicator, B: Indicator> Indicator for Pair<A, B> {
    type Params = (A::Params, B::Params);
    type Shared = (A::Shared, B::Shared);
    type Scratch = PairScratch<A, B>;
    type State = (A::State, B::State);

    const LANES: usize = B::LANES;

    fn outputs(&self) -> &[OutputSpec] {
        &self.schema
    }

    fn inputs(&self) -> Inputs {
        if self.first.inputs() == Inputs::Close && self.second.inputs() == Inputs::Close {
            Inputs::Close
        } else {
            Inputs::HighLowClose
        }
    }

    fn check(&self, params: &Self::Params) -> Result<()> {
        self.first.check(&params.0)?;
        self.second.check(&params.1)
    }

    fn share(&self, prices: &SymbolPrices<'_>) -> Self::Shared {
        (self.first.share(prices), self.second.share(prices))
    }

    fn scratch(&self, bars: usize) -> Self::Scratch {
        PairScratch {
            first: self.first.scratch(bars),
            second: self.second.scratch(bars),
            first_state: None,
        }
    }

    fn same_group(&self, first: &Self::Params, next: &Self::Params) -> bool {
        first.0 == next.0 && self.second.same_group(&first.1, &next.1)
    }

    fn start_group(
        &self,
        prices: &SymbolPrices<'_>,
        shared: &Self::Shared,
        scratch: &mut Self::Scratch,
        first: &Self::Params,
        group: &mut Column<'_, ()>,
    ) {
        // The first indicator's column for the whole group: its own group work, then the
        // rest of its outputs, and its state.
        let split_at = self.first.outputs().len();
        let (mut first_group, mut second_group) = group.split::<(), ()>(split_at, None, None);
        // Only the first indicator's own per-group outputs go to its `start_group`: the rest
        // (per column in its schema, per group only here) are its `run_batch`'s to write.
        let schema = self.first.outputs();
        let mut own_group =
            first_group.part(|k| schema.get(k).is_some_and(OutputSpec::is_per_group));
        self.first.start_group(
            prices,
            &shared.0,
            &mut scratch.first,
            &first.0,
            &mut own_group,
        );
        let mut state = None;
        let mut column = [first_group.with_state(Some(&mut state))];
        self.first.run_batch(
            prices,
            &shared.0,
            &mut scratch.first,
            &[first.0],
            &mut column,
        );
        scratch.first_state = state;
        self.second.start_group(
            prices,
            &shared.1,
            &mut scratch.second,
            &first.1,
            &mut second_group,
        );
    }

    fn run_batch(
        &self,
        prices: &SymbolPrices<'_>,
        shared: &Self::Shared,
        scratch: &mut Self::Scratch,
        params: &[Self::Params],
        columns: &mut [Column<'_, Self::State>],
    ) {
        // The first indicator's outputs are per group, written by `start_group`.
        let split_at = self.first.outputs().len();
        let second_params: Vec<B::Params> = params.iter().map(|p| p.1).collect();
        let mut second_states: Vec<Option<B::State>> = (0..columns.len()).map(|_| None).collect();
        let mut second_columns: Vec<Column<'_, B::State>> = columns
            .iter_mut()
            .zip(second_states.iter_mut())
            .map(|(column, state)| {
                let wants = column.wants_state();
                column
                    .split::<(), B::State>(split_at, None, wants.then_some(state))
                    .1
            })
            .collect();
        self.second.run_batch(
            prices,
            &shared.1,
            &mut scratch.second,
            &second_params,
            &mut second_columns,
        );
        drop(second_columns);
        for (column, second) in columns.iter_mut().zip(second_states) {
            if let (Some(first), Some(second)) = (&scratch.first_state, second) {
                column.set_state((first.clone(), second));
            }
        }
    }
}

impl<A: Streaming, B: Streaming> Streaming for Pair<A, B> {
    fn state(&self, params: &Self::Params) -> Self::State {
        (self.first.state(&params.0), self.second.state(&params.1))
    }

    fn update(&self, state: &mut Self::State, bar: Bar, out: &mut BarOutputs<'_>) {
        let split_at = self.first.outputs().len();
        let (first, second) = out.split(split_at);
        self.first.update(&mut state.0, bar, &mut { first });
        self.second.update(&mut state.1, bar, &mut { second });
    }

    fn state_bytes(&self, params: &Self::Params) -> usize {
        self.first.state_bytes(&params.0) + self.second.state_bytes(&params.1)
    }
}
