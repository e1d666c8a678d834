//! The slim edge build's NNEF framework: tract's standard NNEF operators, the part of tract's
//! `tract_core` extension that mlcycle's models use, and mlcycle's own operators.
//!
//! Why not `tract_nnef::nnef()`: building it registers **every** tract-core operator (FFT/STFT,
//! LSTM/GRU, scans, quantized convolutions, resize, grid sampling, top-k, …) and tract's ONNX
//! extensions, and a registered loader keeps its operator's whole implementation alive through
//! the linker: measured 2.6 MB gzip for an NNEF-only wasm (rustfft alone 0.7 MB raw). A
//! scikit-learn model, decluttered, needs the standard operators (matmul, add, softmax,
//! select, …) plus three `tract_core` primitives, registered here under the same registry name
//! so the graphs the full build writes load unchanged:
//!
//! | primitive | what |
//! |---|---|
//! | `tract_core_external` | the graph input (every model) |
//! | `tract_core_cast` | dtype casts (int64/double inputs, Imputer/Scaler on ints) |
//! | `tract_core_is_nan` | NaN tests (Imputer) |
//!
//! A graph using anything else fails to load in the slim build with the primitive's name;
//! `mlcycle publish` checks each version against this framework ([`super::Model::check_slim`])
//! and warns when the slim package could not serve it.

use tract_nnef::internal::*;
use tract_nnef::tract_core::ops;

/// tract's standard NNEF registry, the `tract_core` subset above, and `mlcycle`.
pub(crate) fn slim_framework() -> Nnef {
    Nnef {
        stdlib: tract_nnef::framework::Stdlib,
        registries: vec![
            tract_nnef::ops::tract_nnef(),
            core_subset(),
            super::nnef::registry(),
        ],
        resource_loaders: vec![
            GraphNnefLoader.into_boxed(),
            DatLoader.into_boxed(),
            GraphQuantLoader.into_boxed(),
        ],
        allow_extended_identifier_syntax: false,
        extern_all_constants: false,
    }
}

/// The `tract_core` primitives listed in the module docs (loaders only: the slim build never
/// writes NNEF).
fn core_subset() -> Registry {
    let mut registry = Registry::new("tract_core")
        .with_doc("mlcycle's subset of tract's `tract_core` extension (loaders only).");
    registry.register_primitive(
        "tract_core_external",
        &[
            TypeName::String.named("datum_type"),
            TypeName::Integer.array().named("shape"),
        ],
        &[("output", TypeName::Any.tensor())],
        external_load,
    );
    registry.register_primitive(
        "tract_core_cast",
        &[
            TypeName::Scalar.tensor().named("input"),
            TypeName::String.named("to"),
        ],
        &[("output", TypeName::Scalar.tensor())],
        cast_load,
    );
    registry.register_unit_element_wise("tract_core_is_nan", &ops::math::IsNan {});
    registry
}

/// `tract_core_external(shape, datum_type)`: a model input (as tract's own loader, without
/// quantization files, which mlcycle never writes).
fn external_load(
    builder: &mut ModelBuilder,
    invocation: &ResolvedInvocation,
) -> TractResult<Value> {
    let shape: TVec<TDim> =
        builder.allowing_new_symbols(|builder| invocation.named_arg_as(builder, "shape"))?;
    let dt: DatumType = invocation
        .named_arg_as::<String>(builder, "datum_type")?
        .parse()?;
    Ok(Value::Wire(builder.model.add_source("", dt.fact(&*shape))?))
}

/// `tract_core_cast(input, to)`.
fn cast_load(builder: &mut ModelBuilder, invocation: &ResolvedInvocation) -> TractResult<Value> {
    let input = invocation.named_arg_as(builder, "input")?;
    let to: DatumType = invocation.named_arg_as::<String>(builder, "to")?.parse()?;
    builder.wire(ops::cast::cast(to), &[input])
}
