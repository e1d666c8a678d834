//! The slim edge build's NNEF framework: NNEF's standard operators as tract loads them minus
//! the convolution family and the trigonometric functions ([`standard_subset`]), the part of
//! tract's `tract_core` extension that mlcycle's models use, and mlcycle's own operators.
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
        registries: vec![standard_subset(), core_subset(), super::nnef::registry()],
        resource_loaders: vec![
            GraphNnefLoader.into_boxed(),
            DatLoader.into_boxed(),
            GraphQuantLoader.into_boxed(),
        ],
        allow_extended_identifier_syntax: false,
        extern_all_constants: false,
    }
}

/// NNEF's standard operators as tract loads them (`tract_nnef::ops::tract_nnef()`, same ids,
/// same loaders, same relative order; tract registers `neg` twice, this once — lookups take the
/// first) except the convolution family — `conv`, `deconv`, `max_pool_with_index`, `box`,
/// `debox` — and the trigonometric and hyperbolic functions, and without dumpers (the slim
/// build never writes NNEF). The test `same_as_tract_but_the_left_out` keeps it in step with
/// tract's registry across upgrades.
///
/// Why: a registered loader keeps its operator alive through the linker, and tract-core's
/// convolutions (im2col, depthwise, deconvolution, pooling: ~0.4 MB of code before wasm-opt)
/// were the largest part of the slim wasm that no tabular model can reach. Convolutions and
/// `sin`…`atanh` are outside what scikit-learn, LightGBM, XGBoost or CatBoost exports contain;
/// a graph that uses one fails to load in the slim build naming the operator, and
/// `mlcycle publish` warns about it ([`super::Model::check_slim`]). The compound fragments of
/// NNEF's stdlib stay registered (each parsed on first use); one that invokes a left-out
/// primitive fails the same way.
fn standard_subset() -> Registry {
    use tract_nnef::ops::nnef::deser;
    let mut registry = Registry::new("tract_nnef");
    let mut taken: Vec<&str> = vec![];
    let mut primitive = |registry: &mut Registry, id: &'static str, func: ToTract| {
        registry.register_lazy_primitive(id, func);
        taken.push(id);
    };
    primitive(&mut registry, "external", deser::external);
    primitive(&mut registry, "variable", deser::variable);
    primitive(&mut registry, "reshape", deser::reshape);
    primitive(&mut registry, "transpose", deser::transpose);
    primitive(&mut registry, "concat", deser::concat);
    primitive(&mut registry, "slice", deser::slice);
    primitive(&mut registry, "squeeze", deser::squeeze);
    primitive(&mut registry, "unsqueeze", deser::unsqueeze);
    primitive(&mut registry, "tile", deser::tile);
    primitive(&mut registry, "pad", deser::pad);
    primitive(&mut registry, "stack", deser::stack);
    primitive(&mut registry, "unstack", deser::unstack);
    primitive(&mut registry, "copy", deser::copy);

    registry.register_binary("add", &ops::math::Add {});
    registry.register_binary("sub", &ops::math::Sub {});
    registry.register_binary("mul", &ops::math::Mul {});
    registry.register_binary("div", &ops::math::Div {});
    registry.register_binary("pow", &ops::math::Pow {});

    registry.register_unit_element_wise("exp", &ops::math::Exp {});
    registry.register_unit_element_wise("log", &ops::math::Ln {});
    registry.register_unit_element_wise("abs", &ops::math::Abs {});
    registry.register_unit_element_wise("neg", &ops::math::Neg {});
    registry.register_unit_element_wise("sign", &ops::math::Sign {});
    registry.register_unit_element_wise("recip", &ops::math::Recip {});
    registry.register_unit_element_wise("floor", &ops::math::Floor {});
    registry.register_unit_element_wise("ceil", &ops::math::Ceil {});
    registry.register_unit_element_wise("round", &ops::math::Round {});
    registry.register_unit_element_wise("square", &ops::math::Square {});
    registry.register_unit_element_wise("sqrt", &ops::math::Sqrt {});
    registry.register_unit_element_wise("rsqrt", &ops::math::Rsqrt {});
    registry.register_unit_element_wise("tanh", &ops::math::Tanh {});
    registry.register_unit_element_wise("sigmoid", &ops::nn::Sigmoid {});
    registry.register_unit_element_wise("not", &ops::logic::Not {});
    registry.register_element_wise(
        "leaky_relu",
        std::any::TypeId::of::<ops::nn::LeakyRelu>(),
        // No dumper (tract passes `ser::leaky_relu`): nothing here writes NNEF.
        Box::new(|_, _| Ok(None)),
        vec![
            TypeName::Scalar.tensor().named("x"),
            TypeName::Scalar.named("alpha"),
        ],
        deser::leaky_relu,
    );

    registry.register_binary("eq", &ops::logic::CompEq);
    registry.register_binary("ne", &ops::logic::CompNE);
    registry.register_binary("lt", &ops::logic::CompLT);
    registry.register_binary("gt", &ops::logic::CompGT);
    registry.register_binary("le", &ops::logic::CompLTE);
    registry.register_binary("ge", &ops::logic::CompGTE);
    registry.register_binary("and", &ops::logic::And {});
    registry.register_binary("or", &ops::logic::Or {});
    // As tract's registry: a binary "select" (never used: the primitive below wins) then the
    // primitive.
    registry.register_binary("select", &ops::logic::Or {});
    primitive(&mut registry, "select", deser::select);
    registry.register_binary("min", &ops::math::Min {});
    registry.register_binary("max", &ops::math::Max {});

    primitive(&mut registry, "matmul", deser::matmul);
    for id in [
        "sum_reduce",
        "max_reduce",
        "min_reduce",
        "all_reduce",
        "any_reduce",
        "argmax_reduce",
        "argmin_reduce",
    ] {
        primitive(&mut registry, id, deser::reduce);
    }
    primitive(&mut registry, "softmax", deser::softmax);
    // Left out, but "taken" as in tract's registry so their stdlib declarations are not
    // registered as compound fragments either: a graph invoking one fails by name.
    taken.extend(["conv", "deconv", "max_pool_with_index", "box", "debox"]);

    for source in tract_nnef::framework::stdlib_sources() {
        if source.has_body && !taken.contains(&source.id) {
            registry.register_lazy_fragment(source.id, source.text);
        }
    }
    registry
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every id of tract's standard registry is in the subset with the same kind (primitive,
    /// compound fragment, unary, element-wise, binary), except the ones left out on purpose;
    /// and the subset has nothing tract's lacks. Fails when a tract upgrade adds, renames or
    /// moves an operator, so the subset is revisited.
    #[test]
    fn same_as_tract_but_the_left_out() {
        fn ids(r: &Registry) -> Vec<(&'static str, String)> {
            let mut v: Vec<(&'static str, String)> = vec![];
            v.extend(
                r.lazy_primitives
                    .keys()
                    .map(|k| ("primitive", k.0.to_string())),
            );
            v.extend(r.primitives.keys().map(|k| ("primitive", k.0.to_string())));
            v.extend(
                r.lazy_fragments
                    .keys()
                    .map(|k| ("fragment", k.0.to_string())),
            );
            v.extend(r.fragments.keys().map(|k| ("fragment", k.0.to_string())));
            v.extend(
                r.unit_element_wise_ops
                    .iter()
                    .map(|(k, _)| ("unary", k.0.to_string())),
            );
            v.extend(
                r.element_wise_ops
                    .iter()
                    .map(|(k, ..)| ("element-wise", k.0.to_string())),
            );
            v.extend(
                r.binary_ops
                    .iter()
                    .map(|(k, _)| ("binary", k.0.to_string())),
            );
            v.sort();
            v.dedup();
            v
        }
        let left_out = [
            "conv",
            "deconv",
            "max_pool_with_index",
            "box",
            "debox",
            "sin",
            "cos",
            "tan",
            "acos",
            "asin",
            "atan",
            "cosh",
            "sinh",
            "acosh",
            "asinh",
            "atanh",
        ];
        let tract: Vec<_> = ids(&tract_nnef::ops::tract_nnef())
            .into_iter()
            .filter(|(_, id)| !left_out.contains(&id.as_str()))
            .collect();
        let ours = ids(&standard_subset());
        assert_eq!(ours, tract);
        for id in left_out {
            assert!(ours.iter().all(|(_, o)| o != id), "{id}");
        }
        assert!(standard_subset().from_tract.is_empty(), "no dumpers");
    }
}
