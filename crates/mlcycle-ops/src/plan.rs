//! Running an optimized model: tract's plan and state loop, instantiated in this crate.
//!
//! Why here: `SimpleState::run` is generic, and a generic function is compiled in the crate
//! that instantiates it, at that crate's optimization level. Called from `mlcycle` (built for
//! size), the per-call bookkeeping around the operators (input checks, session state, the
//! node loop) cost a batch-1 prediction 10–20 % (`bench/`, issue 17); through these
//! non-generic functions it is compiled at this crate's level.
use tract_nnef::internal::*;

/// Runs `inputs` through a state spawned from `plan` earlier (kept between calls, so
/// operators reuse their scratch buffers).
#[inline(never)]
pub fn run_state(state: &mut TypedSimpleState, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
    state.run(inputs)
}

/// Runs `inputs` through `plan` with a fresh state.
#[inline(never)]
pub fn run_plan(plan: &Arc<TypedRunnableModel>, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
    plan.run(inputs)
}
