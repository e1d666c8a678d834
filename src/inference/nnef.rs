//! Precompiled models in tract's NNEF form (prototype, issue 8).
//!
//! [`Model::to_nnef`](super::Model::to_nnef) writes the **decluttered** typed model (not the
//! optimized one: tract's optimized kernels have no NNEF dumpers, tract's own advice is to
//! dump decluttered and optimize at load) as an NNEF tar archive, and
//! [`Model::from_nnef`](super::Model::from_nnef) reads it back without touching ONNX parsing
//! or shape inference: only `into_optimized()` (which declutters again: tract's NNEF reader does
//! not always give back the decluttered graph) and `into_runnable()` remain.
//!
//! ## File format
//!
//! A plain (uncompressed) tar, readable by `tract` itself:
//!
//! | entry | content |
//! |---|---|
//! | `mlcycle.json` | [`Meta`]: format tag, version and the [`ModelInfo`] (kind, labels, …) |
//! | `graph.nnef` | the graph, with `extension mlcycle` when it uses mlcycle's operators |
//! | `*.dat` | tensors (weights, tree arrays) |
//!
//! `mlcycle.json` is written as the **first** entry in front of tract's own archive (tract
//! ignores files no resource loader claims). Timestamps are fixed (tract's deterministic
//! mode), so the same model always gives the same bytes, and no clock is read (wasm has none).
//!
//! ## mlcycle's own operators
//!
//! `mlcycle_row_normalize(input, norm)` is [`RowNormalize`](super::row_normalize) (softmax and
//! the ONNX Normalizer's L1/L2/MAX in one row loop; format version 2).
//!
//! Scaler and Imputer are wired as tract core ops and serialize natively. The tree ensemble
//! ([`TreeEnsembleScores`]) is the primitive `mlcycle_tree_ensemble`: its basic arrays are
//! stored as tensors (`nodes` = `(n, 3)` u32 feature/a/b, `thresholds` f32, `modes` u8 =
//! `cmp·2 + missing_tracks_true`, `roots` u32, `weight_ids` u32, `weight_values` f64,
//! `base_values` f64) plus scalar attributes; the lockstep/heap layouts and `n_features_used`
//! are re-derived at load by [`Ensemble::from_parts`], the same constructors the ONNX parser
//! uses, after validating every index (a hostile file is refused, never indexed out of range).
//!
//! ## Untrusted input
//!
//! Before tract sees the bytes, [`scan_tar`] walks the archive headers itself and accepts
//! only `graph.nnef`, `graph.quant`, `mlcycle.json` and `*.dat` entries of regular-file type:
//! this keeps out nested sub-models (tract's sub-model path has an `unwrap`) and anything
//! the `tar` crate would interpret differently than this scan.

use super::admission::{self, Budget};
use super::tree_ensemble::{parse_post, Aggregate, Cmp, Ensemble, Node, TreeEnsembleScores, LEAF};
use super::ModelInfo;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use tract_nnef::internal::*;

/// Name of the metadata entry in the tar.
const META_FILE: &str = "mlcycle.json";
/// The fragment in which tract's writer stores model properties (dropped at read).
const PROPERTIES_FRAGMENT: &str = "tract_core_properties";
/// Value of [`Meta::format`].
const FORMAT: &str = "mlcycle-nnef";
/// Current [`Meta::version`]. 1: tree ensembles; 2: adds `mlcycle_row_normalize`; 3: adds
/// `mlcycle_svm`, `mlcycle_binarizer`, `mlcycle_knn`, several inputs and interned string inputs (`ModelInfo::vocabulary`). Readers
/// accept every version up to theirs, so an older runtime refuses a newer file by its version
/// (and the full build falls back to the ONNX artifact) instead of failing on an operator.
const VERSION: u32 = 3;

/// The `mlcycle.json` entry.
#[derive(Serialize, Deserialize)]
pub(crate) struct Meta {
    pub format: String,
    pub version: u32,
    pub info: ModelInfo,
}

/// The NNEF framework models load with: in the full build, tract core (its tabular operators:
/// the vendored tract-nnef registers convolutions, pooling, FFT, recurrent cells and resize
/// only with a feature mlcycle leaves off), the part of tract's ONNX extensions that the ONNX
/// front end can produce ([`onnx_extensions`]) and mlcycle's operators: everything the full
/// build can write; in the slim build, [`slim_framework`].
///
/// Built once and shared: building it fills every registry, which measured ~11 ms, ten times
/// the load of a small model, when it still parsed tract's whole NNEF stdlib (now parsed a
/// fragment at a time when a graph first invokes it: vendor/README.md).
#[cfg(feature = "onnx")]
pub(crate) fn framework() -> &'static Nnef {
    super::ensure_static_ctors();
    static FRAMEWORK: std::sync::OnceLock<Nnef> = std::sync::OnceLock::new();
    FRAMEWORK.get_or_init(|| {
        tract_nnef::nnef()
            .with_registry(onnx_extensions())
            .with_registry(registry())
    })
}

/// tract's `tract_onnx` NNEF extension (`tract_onnx_opl::onnx_opl_registry`, same registry
/// name, so graphs written before load unchanged) limited to what the vendored tract-onnx
/// still creates: the category lookups (`CategoryMapper`, mlcycle's string labels) and
/// `NonZero`. Left out: resize, grid sampling, non-max suppression, LRN, multinomial and
/// random sampling (their ONNX operators are not registered: vendor/README.md) and tract's
/// tree ensemble (mlcycle's `mlcycle_tree_ensemble` replaces it). Why not `with_onnx()`: a
/// registered loader keeps its operator's implementation in the wasm package.
#[cfg(feature = "onnx")]
fn onnx_extensions() -> Registry {
    let mut registry = Registry::new("tract_onnx")
        .with_doc("Extension `tract_onnx`: the ONNX operators tract writes as its own primitives.")
        .with_doc("")
        .with_doc("Add `extension tract_onnx` to `graph.nnef`");
    tract_onnx_opl::ml::category_mapper::register(&mut registry);
    tract_onnx_opl::non_zero::register(&mut registry);
    registry
}

/// The slim build's framework: [`slim_framework`].
#[cfg(not(feature = "onnx"))]
pub(crate) fn framework() -> &'static Nnef {
    slim_framework()
}

/// The slim build's framework ([`nnef_core`](super::nnef_core)), also in the full build so
/// `publish` can check that the slim package will load what it writes.
pub(crate) fn slim_framework() -> &'static Nnef {
    super::ensure_static_ctors();
    static FRAMEWORK: std::sync::OnceLock<Nnef> = std::sync::OnceLock::new();
    FRAMEWORK.get_or_init(super::nnef_core::slim_framework)
}

/// The NNEF registry of mlcycle's own operators.
pub(crate) fn registry() -> Registry {
    let mut registry = Registry::new("mlcycle")
        .with_doc(
            "Extension `mlcycle`: mlcycle's own operators (tree ensembles, row normalization).",
        )
        .with_doc("")
        .with_doc("Add `extension mlcycle` to `graph.nnef`");
    registry.register_primitive(
        "mlcycle_tree_ensemble",
        &tree_parameters(),
        &[("output", TypeName::Scalar.tensor())],
        load_tree,
    );
    // Dumpers only where NNEF is written: the slim build reads it, never writes it.
    #[cfg(feature = "onnx")]
    registry.register_dumper(dump_tree);
    super::row_normalize::register_nnef(&mut registry);
    super::svm_op::register_nnef(&mut registry);
    super::binarizer::register_nnef(&mut registry);
    super::knn::register_nnef(&mut registry);
    registry
}

fn tree_parameters() -> Vec<Parameter> {
    vec![
        TypeName::Scalar.tensor().named("input"),
        TypeName::Scalar.tensor().named("nodes"),
        TypeName::Scalar.tensor().named("thresholds"),
        TypeName::Scalar.tensor().named("modes"),
        TypeName::Scalar.tensor().named("roots"),
        TypeName::Scalar.tensor().named("weight_ids"),
        TypeName::Scalar.tensor().named("weight_values"),
        TypeName::Scalar.tensor().named("base_values"),
        TypeName::Integer.named("n_outputs"),
        TypeName::String.named("post_transform"),
        TypeName::String.named("aggregate"),
        TypeName::Logical.named("binary_single_score"),
        TypeName::Integer.named("single_class"),
        TypeName::Logical.named("weights_all_positive"),
    ]
}

const CMPS: [Cmp; 6] = [Cmp::Leq, Cmp::Lt, Cmp::Gte, Cmp::Gt, Cmp::Eq, Cmp::Neq];

#[cfg(feature = "onnx")] // for the NNEF dumpers only
fn aggregate_name(a: Aggregate) -> &'static str {
    match a {
        Aggregate::Sum => "SUM",
        Aggregate::Average => "AVERAGE",
        Aggregate::Min => "MIN",
        Aggregate::Max => "MAX",
    }
}

fn parse_aggregate(s: &str) -> TractResult<Aggregate> {
    Ok(match s {
        "SUM" => Aggregate::Sum,
        "AVERAGE" => Aggregate::Average,
        "MIN" => Aggregate::Min,
        "MAX" => Aggregate::Max,
        other => bail!("unsupported aggregate {other}"),
    })
}

#[cfg(feature = "onnx")]
fn dump_tree(
    ast: &mut IntoAst,
    node: &TypedNode,
    op: &TreeEnsembleScores,
) -> TractResult<Option<Arc<RValue>>> {
    let e = &op.ensemble;
    let input = ast
        .mapping
        .get(&node.inputs[0])
        .cloned()
        .ok_or_else(|| format_err!("tree ensemble input not serialized"))?;
    let n = e.nodes.len();
    let mut nodes = Vec::with_capacity(n * 3);
    for nd in &e.nodes {
        nodes.extend([nd.feature, nd.a, nd.b]);
    }
    let thresholds: Vec<f32> = e.nodes.iter().map(|nd| nd.threshold).collect();
    let modes: Vec<u8> = e
        .modes
        .iter()
        .map(|(c, m)| {
            let ix = CMPS.iter().position(|x| x == c).unwrap_or(0) as u8;
            ix * 2 + u8::from(*m)
        })
        .collect();
    let ids: Vec<u32> = e.weights.iter().map(|w| w.0).collect();
    let values: Vec<f64> = e.weights.iter().map(|w| w.1).collect();
    let name = &node.name;
    let mut konst = |suffix: &str, t: Tensor| {
        ast.konst_variable(format!("{name}_{suffix}"), &t.into_arc_tensor())
    };
    let nodes = konst("nodes", Tensor::from_shape(&[n, 3], &nodes)?)?;
    let thresholds = konst("thresholds", tensor1(&thresholds))?;
    let modes = konst("modes", tensor1(&modes))?;
    let roots = konst("roots", tensor1(&e.roots))?;
    let ids = konst("weight_ids", tensor1(&ids))?;
    let values = konst("weight_values", tensor1(&values))?;
    let base = konst("base_values", tensor1(&e.base_values))?;
    Ok(Some(invocation(
        "mlcycle_tree_ensemble",
        &[input, nodes, thresholds, modes, roots, ids, values, base],
        &[
            ("n_outputs", numeric(e.n_outputs)),
            ("post_transform", string(e.post.as_onnx_str())),
            ("aggregate", string(aggregate_name(e.aggregate))),
            ("binary_single_score", logical(e.binary_single_score)),
            ("single_class", numeric(e.single_class)),
            ("weights_all_positive", logical(e.weights_all_positive)),
        ],
    )))
}

/// The values of a rank-`rank` tensor of exactly type `T`.
fn values<T: Datum + Copy>(t: &Tensor, what: &str, rank: usize) -> TractResult<Vec<T>> {
    ensure!(
        t.datum_type() == T::datum_type(),
        "{what}: expected {:?}, found {:?}",
        T::datum_type(),
        t.datum_type()
    );
    ensure!(
        t.rank() == rank,
        "{what}: expected rank {rank}, found {}",
        t.rank()
    );
    Ok(t.try_as_plain_ram()?.as_slice::<T>()?.to_vec())
}

fn load_tree(builder: &mut ModelBuilder, invocation: &ResolvedInvocation) -> TractResult<Value> {
    let input = invocation.named_arg_as(builder, "input")?;
    let mut arg =
        |name: &str| -> TractResult<Arc<Tensor>> { invocation.named_arg_as(builder, name) };
    let nodes_t = arg("nodes")?;
    let thresholds = values::<f32>(&*arg("thresholds")?, "thresholds", 1)?;
    let modes_raw = values::<u8>(&*arg("modes")?, "modes", 1)?;
    let roots = values::<u32>(&*arg("roots")?, "roots", 1)?;
    let ids = values::<u32>(&*arg("weight_ids")?, "weight_ids", 1)?;
    let weight_values = values::<f64>(&*arg("weight_values")?, "weight_values", 1)?;
    let base_values = values::<f64>(&*arg("base_values")?, "base_values", 1)?;
    let flat = values::<u32>(&nodes_t, "nodes", 2)?;
    let n = thresholds.len();
    ensure!(
        nodes_t.shape() == [n, 3],
        "nodes: shape {:?}, expected [{n}, 3]",
        nodes_t.shape()
    );
    ensure!(
        modes_raw.len() == n,
        "modes: {} entries for {n} nodes",
        modes_raw.len()
    );
    ensure!(
        ids.len() == weight_values.len(),
        "weight_ids and weight_values lengths differ"
    );
    let nodes: Vec<Node> = flat
        .chunks_exact(3)
        .zip(&thresholds)
        .map(|(c, &threshold)| Node {
            feature: c[0],
            threshold: if c[0] == LEAF { 0.0 } else { threshold },
            a: c[1],
            b: c[2],
        })
        .collect();
    let modes = modes_raw
        .iter()
        .map(|&m| {
            CMPS.get((m / 2) as usize)
                .map(|c| (*c, m % 2 == 1))
                .ok_or_else(|| format_err!("invalid node mode {m}"))
        })
        .collect::<TractResult<Vec<_>>>()?;
    let n_outputs: usize = invocation.named_arg_as(builder, "n_outputs")?;
    let post: String = invocation.named_arg_as(builder, "post_transform")?;
    let aggregate: String = invocation.named_arg_as(builder, "aggregate")?;
    let binary_single_score: bool = invocation.named_arg_as(builder, "binary_single_score")?;
    let single_class: usize = invocation.named_arg_as(builder, "single_class")?;
    let weights_all_positive: bool = invocation.named_arg_as(builder, "weights_all_positive")?;
    let ensemble = Ensemble::from_parts(
        nodes,
        modes,
        roots,
        ids.into_iter().zip(weight_values).collect(),
        n_outputs,
        base_values,
        parse_post(&post)?,
        parse_aggregate(&aggregate)?,
        binary_single_score,
        single_class,
        weights_all_positive,
    )?;
    builder.wire(TreeEnsembleScores { ensemble }, &[input])
}

/// Writes `model` (decluttered, typed) and `info` as an mlcycle NNEF tar (full build only:
/// the slim build never exports).
#[cfg(feature = "onnx")]
pub(crate) fn write(model: &TypedModel, info: &ModelInfo) -> TractResult<Vec<u8>> {
    // The lowest version that describes the model, so that runtimes older than a feature
    // still load the files that do not use it.
    let uses_v3 = info.inputs.len() > 1
        || !info.vocabulary.is_empty()
        || info
            .ops
            .iter()
            .any(|op| op.contains("SVM") || op.ends_with("Binarizer") || op == "Scan");
    let meta = Meta {
        format: FORMAT.into(),
        version: if uses_v3 { VERSION } else { 2 },
        info: info.for_storage(),
    };
    let json = serde_json::to_vec(&meta)?;
    let mut out = tar_entry(META_FILE, &json)?;
    let tract_tar = framework().write_to_tar_with_config(model, Vec::new(), false, true)?;
    out.extend_from_slice(&tract_tar);
    Ok(out)
}

/// Reads an mlcycle NNEF tar: the typed (decluttered) model and its metadata.
///
/// The full build first translates the graph with the slim build's framework, which knows
/// every operator of the archives `mlcycle publish` writes for the slim package (it checks them
/// against it) and is built in a fraction of the time (the full one registers the rest of
/// tract-core's tabular operators, tract's NNEF dumpers and a part of tract's ONNX extensions;
/// measured ~10 ms of a first load in wasm when it still registered every tract-core operator,
/// not measured since the vendored registries left the non-tabular families out). A graph it
/// cannot translate is translated again with the full framework, whose answer is returned; the
/// archive is scanned, admitted and parsed once.
pub(crate) fn read(
    bytes: &[u8],
    budget: &Budget,
) -> std::result::Result<(TypedModel, Meta), String> {
    #[cfg(feature = "onnx")]
    let frameworks: &[fn() -> &'static Nnef] = &[slim_framework, framework];
    #[cfg(not(feature = "onnx"))]
    let frameworks: &[fn() -> &'static Nnef] = &[framework];
    read_with(frameworks, bytes, budget)
}

/// [`read`] with the given frameworks, tried in order for the translation. The graph text and
/// every tensor header are checked against `budget` before tract parses them (see
/// `admission`); tensors the graph never names are not read at all.
pub(crate) fn read_with(
    frameworks: &[fn() -> &'static Nnef],
    bytes: &[u8],
    budget: &Budget,
) -> std::result::Result<(TypedModel, Meta), String> {
    // Whatever the bytes, tract's kernels are registered before anything of tract runs (wasm:
    // a registry built without the constructors would stay without their kernels).
    super::ensure_static_ctors();
    let archive = scan_tar(bytes)?;
    let meta: Meta = serde_json::from_slice(archive.meta)
        .map_err(|e| format!("{META_FILE} is not valid: {e}"))?;
    if meta.format != FORMAT || !(1..=VERSION).contains(&meta.version) {
        return Err(format!(
            "unsupported format {:?} version {} (expected {FORMAT:?} version 1 to {VERSION})",
            meta.format, meta.version
        ));
    }
    // The archive is assembled into tract's `ProtoModel` here rather than with tract's
    // `model_for_read`: that path goes through a sub-model loader which builds the complete
    // `tract_nnef::nnef()` framework and so links every tract-core operator into the slim
    // build (see `nnef_core`); our own scan has already read and checked every entry anyway.
    let graph = std::str::from_utf8(archive.graph).map_err(|_| "graph.nnef is not UTF-8")?;
    admission::check_nnef_text(graph, budget).map_err(admission::reason)?;
    let mut doc = tract_nnef::ast::parse::parse_document(graph)
        .map_err(|e| format!("graph.nnef: {}", super::chain(&e)))?;
    admission::check_nnef_doc(&doc, budget).map_err(admission::reason)?;
    // tract's writer records the source model's properties (ONNX producer, doc string, IR
    // version as `tract_core_cast(8, to = "i64")`) in this fragment and its reader evaluates
    // it into `TypedModel::properties`, which mlcycle never reads (its metadata is
    // `mlcycle.json`). Evaluating it ran tract's generic cast between every pair of datum
    // types, 39 kB of wasm compiled on first use: a cold start's worth (issue 17).
    doc.fragments.retain(|f| f.decl.id.0 != PROPERTIES_FRAGMENT);
    let named = string_literals(&doc);
    let mut tensors = HashMap::default();
    let mut total = 0u64;
    for (name, mut data) in archive.tensors {
        let id = name.strip_suffix(".dat").unwrap_or(&name);
        if !named.contains(id) {
            continue;
        }
        total = total.saturating_add(
            admission::check_nnef_tensor(&name, data, budget).map_err(admission::reason)?,
        );
        if total > budget.max_bytes {
            return Err(format!(
                "the tensors together declare {total} bytes, over the model budget of {} bytes",
                budget.max_bytes
            ));
        }
        let tensor = tract_nnef::tensors::read_tensor(&mut data)
            .map_err(|e| format!("tensor {name}: {}", super::chain(&e)))?;
        tensors.insert(Identifier::from(id), Arc::new(tensor));
    }
    let proto = tract_nnef::ast::ProtoModel {
        doc,
        tensors,
        quantization: None,
        resources: HashMap::default(),
    };
    let mut error = String::from("NNEF: no framework to read it with");
    for framework in frameworks {
        match framework().model_for_proto_model(&proto) {
            Ok(model) => return Ok((model, meta)),
            Err(e) => error = format!("NNEF: {}", super::chain(&e)),
        }
    }
    Err(error)
}

/// Every string literal of the document (graph and fragments): a tensor whose name is none of
/// them is never looked up by a `variable` and is not read. One walk of the parsed document
/// (admitted, so its depth is bounded) where a search of the graph text for each tensor's
/// quoted name made the load's own code hot enough for V8 to recompile it in the background
/// during a cold start (issue 17).
fn string_literals(doc: &tract_nnef::ast::Document) -> HashSet<&str> {
    use tract_nnef::ast::{Literal, RValue};
    fn literal<'a>(l: &'a Literal, out: &mut HashSet<&'a str>) {
        match l {
            Literal::String(s) => {
                out.insert(s.as_str());
            }
            Literal::Array(items) | Literal::Tuple(items) => {
                items.iter().for_each(|i| literal(i, out))
            }
            Literal::Numeric(_) | Literal::Logical(_) => {}
        }
    }
    let mut out = HashSet::new();
    let walked = admission::for_each_rvalue(doc, |v, _| {
        if let RValue::Literal(l) = v {
            literal(l, &mut out);
        }
        Ok::<(), std::convert::Infallible>(())
    });
    match walked {
        Ok(()) => out,
        Err(never) => match never {},
    }
}

const BLOCK: usize = 512;

/// One regular-file ustar entry (header + data padded to 512 bytes).
#[cfg(feature = "onnx")]
fn tar_entry(name: &str, data: &[u8]) -> TractResult<Vec<u8>> {
    ensure!(name.len() < 100, "tar entry name too long");
    let mut h = [0u8; BLOCK];
    h[..name.len()].copy_from_slice(name.as_bytes());
    let mut field = |at: usize, width: usize, v: u64| {
        // width − 1 octal digits, then NUL.
        let s = format!("{v:0w$o}", w = width - 1);
        h[at..at + width - 1].copy_from_slice(s.as_bytes());
    };
    field(100, 8, 0o644); // mode
    field(108, 8, 0); // uid
    field(116, 8, 0); // gid
    field(124, 12, data.len() as u64); // size
    field(136, 12, 315_532_800); // mtime: 1980-01-01, as tract's deterministic mode
    h[156] = b'0';
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|b| *b as u32).sum();
    let s = format!("{sum:06o}\0 ");
    h[148..156].copy_from_slice(s.as_bytes());
    let mut out = h.to_vec();
    out.extend_from_slice(data);
    out.resize(out.len().div_ceil(BLOCK) * BLOCK, 0);
    Ok(out)
}

fn octal(field: &[u8]) -> std::result::Result<usize, String> {
    let s: String = field
        .iter()
        .take_while(|b| **b != 0)
        .map(|b| *b as char)
        .collect();
    let s = s.trim();
    if s.is_empty() {
        return Ok(0);
    }
    usize::from_str_radix(s, 8).map_err(|_| format!("bad tar number field {s:?}"))
}

fn cstr(b: &[u8]) -> std::result::Result<String, String> {
    let end = b.iter().position(|c| *c == 0).unwrap_or(b.len());
    std::str::from_utf8(&b[..end])
        .map(str::to_string)
        .map_err(|_| "tar entry name is not UTF-8".to_string())
}

/// The entries of an mlcycle NNEF tar, borrowed from its bytes.
pub(crate) struct Archive<'a> {
    pub meta: &'a [u8],
    pub graph: &'a [u8],
    /// `*.dat` tensors by entry name.
    pub tensors: Vec<(String, &'a [u8])>,
}

/// Walks the tar headers, refuses anything but the entries mlcycle writes, and returns them.
pub(crate) fn scan_tar(bytes: &[u8]) -> std::result::Result<Archive<'_>, String> {
    if bytes.len() < BLOCK {
        return Err(format!("not an NNEF tar ({} bytes)", bytes.len()));
    }
    let mut off = 0usize;
    let mut long_name: Option<String> = None;
    let mut meta = None;
    let mut graph = None;
    let mut tensors = Vec::new();
    loop {
        let h = bytes
            .get(off..off + BLOCK)
            .ok_or("truncated tar archive (no end marker)")?;
        if h.iter().all(|b| *b == 0) {
            break;
        }
        let stored = octal(&h[148..156])?;
        // The checksum counts its own 8 bytes as spaces. Summed whole and corrected (a loop
        // LLVM vectorizes) rather than with a per-byte test of the position.
        let byte_sum = |b: &[u8]| b.iter().map(|&b| b as usize).sum::<usize>();
        let sum = byte_sum(h) - byte_sum(&h[148..156]) + 8 * 32;
        if stored != sum {
            return Err("not an NNEF tar (bad header checksum)".into());
        }
        let size = octal(&h[124..136])?;
        let start = off + BLOCK;
        let end = start
            .checked_add(size)
            .filter(|e| *e <= bytes.len())
            .ok_or("truncated tar entry")?;
        let data = &bytes[start..end];
        off = start + size.div_ceil(BLOCK) * BLOCK;
        match h[156] {
            b'L' => {
                long_name = Some(cstr(data)?);
                continue;
            }
            b'0' | 0 => {}
            t => return Err(format!("unsupported tar entry type {:?}", t as char)),
        }
        let name = match long_name.take() {
            Some(n) => n,
            None if &h[257..263] == b"ustar\0" && h[345] != 0 => {
                format!("{}/{}", cstr(&h[345..500])?, cstr(&h[..100])?)
            }
            None => cstr(&h[..100])?,
        };
        let name = name.strip_prefix("./").unwrap_or(&name);
        match name {
            META_FILE => meta = Some(data),
            "graph.nnef" => graph = Some(data),
            "graph.quant" => return Err("quantized NNEF models are not supported".into()),
            // tract names tensors after nodes (`…k.4..9….dat`): only a `..` path component
            // or an absolute path would step outside the archive.
            n if n.ends_with(".dat") && !n.starts_with('/') && !n.split('/').any(|c| c == "..") => {
                tensors.push((n.to_string(), data))
            }
            other => return Err(format!("unexpected entry {other:?} in the NNEF tar")),
        }
    }
    let graph = graph.ok_or("the NNEF tar has no graph.nnef")?;
    let meta =
        meta.ok_or_else(|| format!("the NNEF tar has no {META_FILE} (not written by mlcycle)"))?;
    Ok(Archive {
        meta,
        graph,
        tensors,
    })
}
