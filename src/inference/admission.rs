//! Model admission: a resource budget checked on the file before tract sees the graph.
//!
//! tract trusts its input: a tensor whose declared shape asks for terabytes is allocated (an
//! abort natively, `unreachable` in wasm — and a trap poisons the whole wasm instance, so
//! models loaded before it stop working too); a `ConstantOfShape`/`Expand`/`Tile`/`Range` fed
//! constant shapes computes its output at load (constant folding); deeply nested NNEF text
//! recurses its parser into a stack overflow. A 263-byte ONNX file was enough. So every size
//! that can be known from the file alone is bounded here, once, with a typed error
//! (`E_MODEL_INVALID` naming the tensor or node), and the defaults are generous for tabular
//! models (the largest forest we ship is a few MB).
//!
//! What is checked (ONNX): node count and subgraph depth; every initializer and `Constant`
//! (dims non-negative, rank, bytes from the dims within the budget, and the data actually in
//! the file matching the dims — no "declared 2 GB, holds 0 bytes"); external data (refused:
//! there is no filesystem); the outputs of `ConstantOfShape`, `Expand`, `Tile` and `Range` whose
//! shape inputs are constants. (NNEF): bracket nesting depth of `graph.nnef`; every tensor
//! header (rank, declared bytes within the budget and present in the archive); literal
//! `variable` shapes, `tile` repeats and `transpose` axes (a permutation).
//!
//! Not covered: sizes that only appear at run time from data-dependent shapes (those are
//! bounded by the batch the caller sends).

use crate::error::{Error, Result};

/// Default [`Budget::max_bytes`]: 512 MiB.
pub const DEFAULT_MAX_BYTES: u64 = 512 << 20;

/// The limits a model file must fit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    /// Bytes of any one tensor whose size is known from the file, and of all constants
    /// together.
    pub max_bytes: u64,
    /// Nodes, subgraphs included.
    pub max_nodes: usize,
    /// Rank of any tensor.
    pub max_rank: usize,
    /// Nesting of brackets in NNEF text (tract's parser recurses on each).
    pub max_depth: usize,
    /// Nesting of ONNX subgraphs (`Scan`/`Loop`/`If` bodies).
    pub max_subgraph_depth: usize,
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            max_bytes: DEFAULT_MAX_BYTES,
            max_nodes: 1_000_000,
            max_rank: 16,
            max_depth: 64,
            max_subgraph_depth: 8,
        }
    }
}

impl Budget {
    /// The default budget with `max_bytes` replaced when given (`0` is refused).
    pub fn with_max_bytes(max_bytes: Option<u64>) -> Result<Budget> {
        match max_bytes {
            Some(0) => Err(Error::invalid_argument("maxBytes", "must be at least 1")),
            Some(m) => Ok(Budget {
                max_bytes: m,
                ..Budget::default()
            }),
            None => Ok(Budget::default()),
        }
    }

    fn over(&self, what: &str, bytes: u64) -> Error {
        Error::ModelInvalid {
            reason: format!(
                "{what} needs {} bytes, over the model budget of {} bytes (raise it with \
                 `maxBytes` / `--max-model-bytes` if the model is meant to be this large)",
                bytes, self.max_bytes
            ),
        }
    }

    fn fits(&self, what: &str, bytes: u64) -> Result<()> {
        if bytes > u64::from(self.max_bytes) {
            return Err(self.over(what, bytes));
        }
        Ok(())
    }
}

fn invalid(reason: String) -> Error {
    Error::ModelInvalid { reason }
}

/// The reason of an admission error, for callers that wrap it in their own message.
pub(crate) fn reason(e: Error) -> String {
    match e {
        Error::ModelInvalid { reason } => reason,
        other => other.to_string(),
    }
}

/// Product of dimensions; `None` on overflow (over any budget).
fn product(dims: impl IntoIterator<Item = u64>) -> Option<u64> {
    dims.into_iter().try_fold(1u64, |acc, d| acc.checked_mul(d))
}

#[cfg(feature = "onnx")]
pub(crate) use onnx::check_onnx;

#[cfg(feature = "onnx")]
mod onnx {
    use super::{invalid, product, Budget};
    use crate::error::Result;
    use std::collections::HashMap;
    use tract_onnx::pb::{GraphProto, NodeProto, TensorProto};

    /// Bytes per element of an ONNX data type (strings counted separately).
    fn elem_size(data_type: i32) -> u64 {
        match data_type {
            2 | 3 | 9 | 17..=24 => 1,
            4 | 5 | 10 | 16 => 2,
            1 | 6 | 12 => 4,
            7 | 11 | 13 | 14 => 8,
            15 => 16,
            _ => 8,
        }
    }

    /// Values of a small integer constant (shapes, repeats), when they are in the file.
    fn small_ints(t: &TensorProto) -> Option<Vec<i64>> {
        let n = product(t.dims.iter().map(|&d| d.max(0) as u64))?;
        if n > 64 || t.dims.iter().any(|&d| d < 0) {
            return None;
        }
        match t.data_type {
            7 if !t.int64_data.is_empty() => Some(t.int64_data.clone()),
            7 => Some(
                t.raw_data
                    .chunks_exact(8)
                    .map(|c| i64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
                    .collect(),
            ),
            6 if !t.int32_data.is_empty() => Some(t.int32_data.iter().map(|&v| v as i64).collect()),
            6 => Some(
                t.raw_data
                    .chunks_exact(4)
                    .map(|c| i64::from(i32::from_le_bytes(c.try_into().unwrap_or([0; 4]))))
                    .collect(),
            ),
            _ => None,
        }
    }

    /// A scalar constant as f64 (for `Range`).
    fn scalar(t: &TensorProto) -> Option<f64> {
        if t.dims.iter().any(|&d| d != 1) {
            return None;
        }
        let raw = |n: usize| t.raw_data.get(..n);
        match t.data_type {
            1 => t
                .float_data
                .first()
                .map(|&v| f64::from(v))
                .or_else(|| Some(f64::from(f32::from_le_bytes(raw(4)?.try_into().ok()?)))),
            11 => t
                .double_data
                .first()
                .copied()
                .or_else(|| raw(8).and_then(|b| Some(f64::from_le_bytes(b.try_into().ok()?)))),
            6 | 7 => small_ints(t).and_then(|v| v.first().map(|&x| x as f64)),
            _ => None,
        }
    }

    struct Walk<'a> {
        budget: &'a Budget,
        nodes: usize,
        total: u64,
    }

    impl<'a> Walk<'a> {
        /// Checks one constant tensor: shape, declared bytes, data present.
        fn tensor(&mut self, what: &str, t: &TensorProto) -> Result<()> {
            if t.dims.len() > self.budget.max_rank {
                return Err(invalid(format!(
                    "{what} has rank {}, above the limit of {}",
                    t.dims.len(),
                    self.budget.max_rank
                )));
            }
            if let Some(d) = t.dims.iter().find(|&&d| d < 0) {
                return Err(invalid(format!("{what} has a negative dimension {d}")));
            }
            if t.data_location == Some(1) || !t.external_data.is_empty() {
                return Err(invalid(format!(
                    "{what} keeps its data in an external file; save the model with its \
                     tensors inside (onnx.save(..., save_as_external_data=False))"
                )));
            }
            let elems = product(t.dims.iter().map(|&d| d as u64))
                .ok_or_else(|| self.budget.over(what, u64::MAX))?;
            let bytes = if t.data_type == 8 {
                t.string_data
                    .iter()
                    .map(|s| s.len() as u64 + 8)
                    .sum::<u64>()
            } else {
                elems.saturating_mul(elem_size(t.data_type))
            };
            let typed = (t.float_data.len()
                + t.int32_data.len()
                + t.string_data.len()
                + t.int64_data.len()
                + t.double_data.len()
                + t.uint64_data.len()) as u64;
            let (declared, holds) = match t.data_type {
                // Undefined and complex types: tract refuses them later, with its own words.
                0 | 14 | 15 => (0, 0),
                8 => (elems, t.string_data.len() as u64),
                // 4-bit types (int4, uint4, float4e2m1): two per byte, or per int32_data entry.
                21..=23 if !t.raw_data.is_empty() => (elems.div_ceil(2), t.raw_data.len() as u64),
                21..=23 => (elems.div_ceil(2), typed),
                _ if !t.raw_data.is_empty() => (bytes, t.raw_data.len() as u64),
                _ => (elems, typed),
            };
            if declared != holds {
                return Err(invalid(format!(
                    "{what} declares dims {:?} ({declared} {}) but holds {holds}",
                    t.dims,
                    if t.raw_data.is_empty() {
                        "values"
                    } else {
                        "bytes"
                    }
                )));
            }
            self.budget.fits(what, bytes)?;
            self.total = self.total.saturating_add(bytes);
            self.budget
                .fits("the model's constants together", self.total)?;
            Ok(())
        }

        fn graph(&mut self, g: &GraphProto, depth: usize) -> Result<()> {
            if depth > self.budget.max_subgraph_depth {
                return Err(invalid(format!(
                    "subgraphs are nested more than {} deep",
                    self.budget.max_subgraph_depth
                )));
            }
            self.nodes += g.node.len();
            if self.nodes > self.budget.max_nodes {
                return Err(invalid(format!(
                    "the model has more than {} nodes",
                    self.budget.max_nodes
                )));
            }
            let mut constants: HashMap<&str, &TensorProto> = HashMap::new();
            for t in &g.initializer {
                self.tensor(&format!("initializer `{}`", t.name), t)?;
                constants.insert(t.name.as_str(), t);
            }
            for node in &g.node {
                for a in &node.attribute {
                    // ai.onnx.ml operators keep their model in list attributes (a forest's
                    // nodes, a linear model's coefficients): constants like any other.
                    let lists = (a.floats.len() as u64) * 4
                        + (a.ints.len() as u64) * 8
                        + a.strings.iter().map(|s| s.len() as u64 + 8).sum::<u64>();
                    if lists > 0 {
                        let what = format!(
                            "attribute `{}` of node `{}` ({})",
                            a.name, node.name, node.op_type
                        );
                        self.budget.fits(&what, lists)?;
                        self.total = self.total.saturating_add(lists);
                        self.budget
                            .fits("the model's constants together", self.total)?;
                    }
                    if let Some(t) = &a.t {
                        self.tensor(
                            &format!(
                                "attribute `{}` of node `{}` ({})",
                                a.name, node.name, node.op_type
                            ),
                            t,
                        )?;
                        if node.op_type == "Constant" && a.name == "value" {
                            if let Some(out) = node.output.first() {
                                constants.insert(out.as_str(), t);
                            }
                        }
                    }
                    for t in &a.tensors {
                        self.tensor(
                            &format!("attribute `{}` of node `{}`", a.name, node.name),
                            t,
                        )?;
                    }
                    if let Some(sub) = &a.g {
                        self.graph(sub, depth + 1)?;
                    }
                    for sub in &a.graphs {
                        self.graph(sub, depth + 1)?;
                    }
                }
                self.shape_op(node, &constants)?;
            }
            Ok(())
        }

        /// Outputs whose size the file fixes through constant shape inputs.
        fn shape_op(
            &self,
            node: &NodeProto,
            constants: &HashMap<&str, &TensorProto>,
        ) -> Result<()> {
            let input = |i: usize| node.input.get(i).and_then(|n| constants.get(n.as_str()));
            let what = || format!("the output of node `{}` ({})", node.name, node.op_type);
            let dims_bytes = |dims: &[i64], elem: u64| -> Result<()> {
                if dims.len() > self.budget.max_rank {
                    return Err(invalid(format!(
                        "{} has rank {}, above the limit of {}",
                        what(),
                        dims.len(),
                        self.budget.max_rank
                    )));
                }
                let elems = product(dims.iter().map(|&d| d.max(1) as u64))
                    .ok_or_else(|| self.budget.over(&what(), u64::MAX))?;
                self.budget.fits(&what(), elems.saturating_mul(elem))
            };
            match node.op_type.as_str() {
                "ConstantOfShape" => {
                    if let Some(shape) = input(0).and_then(|t| small_ints(t)) {
                        let elem = node
                            .attribute
                            .iter()
                            .find(|a| a.name == "value")
                            .and_then(|a| a.t.as_ref())
                            .map(|t| elem_size(t.data_type))
                            .unwrap_or(4);
                        dims_bytes(&shape, elem)?;
                    }
                }
                "Expand" => {
                    if let Some(shape) = input(1).and_then(|t| small_ints(t)) {
                        let elem = input(0).map(|t| elem_size(t.data_type)).unwrap_or(4);
                        dims_bytes(&shape, elem)?;
                    }
                }
                "Tile" => {
                    if let Some(repeats) = input(1).and_then(|t| small_ints(t)) {
                        let base = input(0)
                            .map(|t| {
                                product(t.dims.iter().map(|&d| d.max(0) as u64))
                                    .unwrap_or(u64::MAX)
                                    .saturating_mul(elem_size(t.data_type))
                            })
                            .unwrap_or(4);
                        let reps =
                            product(repeats.iter().map(|&r| r.max(0) as u64)).unwrap_or(u64::MAX);
                        self.budget.fits(&what(), reps.saturating_mul(base))?;
                    }
                }
                "Range" => {
                    let (Some(start), Some(limit), Some(delta)) = (
                        input(0).and_then(|t| scalar(t)),
                        input(1).and_then(|t| scalar(t)),
                        input(2).and_then(|t| scalar(t)),
                    ) else {
                        return Ok(());
                    };
                    if delta == 0.0 || !delta.is_finite() {
                        return Err(invalid(format!("{} has a zero or non-finite step", what())));
                    }
                    let n = ((limit - start) / delta).ceil().max(0.0);
                    if !n.is_finite() || n * 8.0 > self.budget.max_bytes as f64 {
                        return Err(self.budget.over(&what(), (n * 8.0).min(1e30) as u64));
                    }
                }
                _ => {}
            }
            Ok(())
        }
    }

    /// Checks an ONNX graph against the budget (see the module doc).
    pub(crate) fn check_onnx(graph: &GraphProto, budget: &Budget) -> Result<()> {
        Walk {
            budget,
            nodes: 0,
            total: 0,
        }
        .graph(graph, 0)
    }
}

/// How many `(`, `[`, `{` the text holds, strings and comments included: a bound on
/// [`nesting_depth`].
fn opening_brackets(text: &str) -> usize {
    text.as_bytes()
        .iter()
        .map(|&b| usize::from(b == b'(' || b == b'[' || b == b'{'))
        .sum()
}

/// Deepest nesting of `(`, `[`, `{` in NNEF text, outside strings and `#` comments.
///
/// Walks bytes, not `char`s: every delimiter is ASCII and no byte of a multi-byte UTF-8
/// sequence is one, so the answer is the same without decoding each character (this scan runs
/// in a cold start, in V8's baseline code: issue 17).
fn nesting_depth(text: &str) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    let mut quote: Option<u8> = None;
    let (mut comment, mut escaped) = (false, false);
    for &c in text.as_bytes() {
        if comment {
            comment = c != b'\n';
            continue;
        }
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == b'\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            b'#' => comment = true,
            b'"' | b'\'' => quote = Some(c),
            b'(' | b'[' | b'{' => {
                depth += 1;
                max = max.max(depth);
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// Checks `graph.nnef` text before tract parses it: bracket nesting (tract's parser recurses
/// on each level).
pub(crate) fn check_nnef_text(text: &str, budget: &Budget) -> Result<()> {
    // No text nests deeper than it has opening brackets: when those are few enough, the
    // exact scan is not needed. The count is a loop LLVM vectorizes; the scan is a byte-wise
    // state machine which, inlined into the load, made a cold start's first load hot enough for
    // V8 to recompile the whole load function in the background (issue 17; every fixture's
    // graph has at most 60 brackets).
    if opening_brackets(text) <= budget.max_depth {
        return Ok(());
    }
    let depth = nesting_depth(text);
    if depth > budget.max_depth {
        return Err(invalid(format!(
            "graph.nnef nests brackets {depth} deep, above the limit of {}",
            budget.max_depth
        )));
    }
    Ok(())
}

/// Checks the parsed document before tract builds the model: `variable` shapes and `tile`
/// repeats within the budget, `transpose` axes a permutation — wherever they are written
/// literally (whitespace, argument names and nesting as tract's own parser saw them).
pub(crate) fn check_nnef_doc(doc: &tract_nnef::ast::Document, budget: &Budget) -> Result<()> {
    let limit = 4 * budget.max_depth;
    for_each_rvalue(doc, |v, depth| {
        if depth > limit {
            return Err(invalid(format!(
                "graph.nnef has an expression nested more than {limit} deep"
            )));
        }
        match v {
            tract_nnef::ast::RValue::Invocation(inv) => check_invocation(inv, budget),
            _ => Ok(()),
        }
    })
}

/// Calls `f` on every expression of the document's graph and fragment bodies, each before the
/// expressions inside it, with its nesting depth (0 for an assignment's right side); stops at
/// the first error. Unbounded by itself: `f` bounds the recursion by refusing a depth
/// ([`check_nnef_doc`] does; later walks of an admitted document need not).
pub(crate) fn for_each_rvalue<'a, E>(
    doc: &'a tract_nnef::ast::Document,
    mut f: impl FnMut(&'a tract_nnef::ast::RValue, usize) -> std::result::Result<(), E>,
) -> std::result::Result<(), E> {
    use tract_nnef::ast::{RValue, Subscript};
    fn walk<'a, E>(
        v: &'a RValue,
        depth: usize,
        f: &mut impl FnMut(&'a RValue, usize) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        f(v, depth)?;
        let d = depth + 1;
        match v {
            RValue::Invocation(inv) => {
                for a in &inv.arguments {
                    walk(&a.rvalue, d, f)?;
                }
            }
            RValue::Binary(a, _, b) => {
                walk(a, d, f)?;
                walk(b, d, f)?;
            }
            RValue::Unary(_, a) => walk(a, d, f)?,
            RValue::Tuple(vs) | RValue::Array(vs) => {
                for x in vs {
                    walk(x, d, f)?;
                }
            }
            RValue::Subscript(a, sub) => {
                walk(a, d, f)?;
                match sub.as_ref() {
                    Subscript::Single(x) => walk(x, d, f)?,
                    Subscript::Range(x, y) => {
                        for z in [x, y].into_iter().flatten() {
                            walk(z, d, f)?;
                        }
                    }
                }
            }
            RValue::Comprehension(c) => {
                for (_, x) in &c.loop_iters {
                    walk(x, d, f)?;
                }
                if let Some(filter) = &c.filter {
                    walk(filter, d, f)?;
                }
                walk(&c.yields, d, f)?;
            }
            RValue::IfThenElse(c) => {
                walk(&c.cond, d, f)?;
                walk(&c.then, d, f)?;
                walk(&c.otherwise, d, f)?;
            }
            RValue::Identifier(_) | RValue::Literal(_) => {}
        }
        Ok(())
    }
    let bodies = std::iter::once(&doc.graph_def.body)
        .chain(doc.fragments.iter().filter_map(|f| f.body.as_ref()));
    for assignment in bodies.flatten() {
        walk(&assignment.right, 0, &mut f)?;
    }
    Ok(())
}

/// The integers of a literal list argument (`[2, 3]`), if it is one.
fn literal_ints(v: &tract_nnef::ast::RValue) -> Option<Vec<i64>> {
    use tract_nnef::ast::{Literal, RValue};
    fn lit(l: &Literal) -> Option<Vec<i64>> {
        match l {
            Literal::Array(items) => items
                .iter()
                .map(|i| match i {
                    Literal::Numeric(n) => n.parse().ok(),
                    _ => None,
                })
                .collect(),
            _ => None,
        }
    }
    match v {
        RValue::Literal(l) => lit(l),
        RValue::Array(items) => items
            .iter()
            .map(|i| match i {
                RValue::Literal(Literal::Numeric(n)) => n.parse().ok(),
                _ => None,
            })
            .collect(),
        _ => None,
    }
}

/// The argument `name` of an invocation, named or at `position`.
fn argument<'a>(
    inv: &'a tract_nnef::ast::Invocation,
    name: &str,
    position: usize,
) -> Option<&'a tract_nnef::ast::RValue> {
    inv.arguments
        .iter()
        .find(|a| a.id.as_ref().is_some_and(|id| id.0 == name))
        .or_else(|| inv.arguments.get(position).filter(|a| a.id.is_none()))
        .map(|a| &a.rvalue)
}

fn check_invocation(inv: &tract_nnef::ast::Invocation, budget: &Budget) -> Result<()> {
    let list = |name: &str, position: usize| argument(inv, name, position).and_then(literal_ints);
    match inv.id.0.as_str() {
        "variable" => {
            if let Some(shape) = list("shape", 1) {
                if shape.len() > budget.max_rank || shape.iter().any(|&d| d < 0) {
                    return Err(invalid(format!("a variable has the shape {shape:?}")));
                }
                let n = product(shape.iter().map(|&d| d as u64)).unwrap_or(u64::MAX);
                budget.fits("a variable of graph.nnef", n.saturating_mul(4))?;
            }
        }
        "tile" => {
            if let Some(reps) = list("repeats", 1) {
                let n = product(reps.iter().map(|&r| r.max(0) as u64)).unwrap_or(u64::MAX);
                budget.fits("a tile of graph.nnef", n.saturating_mul(4))?;
            }
        }
        "transpose" => {
            if let Some(axes) = list("axes", 1) {
                let mut seen = vec![false; axes.len()];
                for &a in &axes {
                    match usize::try_from(a).ok().and_then(|a| seen.get_mut(a)) {
                        Some(s) if !*s => *s = true,
                        _ => {
                            return Err(invalid(format!(
                                "a transpose of graph.nnef has axes {axes:?}, not a permutation"
                            )))
                        }
                    }
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// Checks one NNEF tensor file (`.dat`) before tract reads it: a header, rank ≤ 8, and the
/// declared data size within the budget and actually present in the archive. Returns the
/// declared size, for the running total.
pub(crate) fn check_nnef_tensor(name: &str, data: &[u8], budget: &Budget) -> Result<u64> {
    let what = format!("tensor {name}");
    if data.len() < 128 || data[..2] != [0x4e, 0xef] {
        return Err(invalid(format!("{what} has no NNEF tensor header")));
    }
    let u32_at = |o: usize| u32::from_le_bytes([data[o], data[o + 1], data[o + 2], data[o + 3]]);
    let size = u64::from(u32_at(4));
    let rank = u32_at(8) as usize;
    if rank > 8 {
        return Err(invalid(format!("{what} has rank {rank}, above NNEF's 8")));
    }
    if size > (data.len() - 128) as u64 {
        return Err(invalid(format!(
            "{what} declares {size} bytes of data, the archive holds {}",
            data.len() - 128
        )));
    }
    let elems = product((0..rank).map(|i| u64::from(u32_at(12 + 4 * i)))).unwrap_or(u64::MAX);
    let bits = u32_at(44);
    let item_type = u16::from_le_bytes([data[48], data[49]]);
    // What tract allocates: `bits == u32::MAX` is tract's string type (a `String` per element,
    // 24 bytes, however few bytes the file holds); otherwise the declared data, which must
    // match the shape (tract skips that check for some item types).
    let in_memory = if bits == u32::MAX {
        elems.saturating_mul(24)
    } else {
        if bits == 0 || (item_type == 5 && size == 0 && elems > 0) {
            return Err(invalid(format!(
                "{what} declares {bits} bits per item for {elems} items in {size} bytes"
            )));
        }
        let expected = elems.saturating_mul(u64::from(bits)).div_ceil(8);
        if item_type != 5 && expected != size {
            return Err(invalid(format!(
                "{what} declares {elems} items of {bits} bits but {size} bytes"
            )));
        }
        size.max(expected)
    };
    budget.fits(&what, in_memory)?;
    Ok(size)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nnef_text_limits() {
        let b = Budget::default();
        assert_eq!(nesting_depth("a = f([[1], (2)]); # ((((\n s = '(('"), 3);
        // An escaped quote does not end the string (tract's parser agrees).
        assert_eq!(nesting_depth(r"y = f('\'', (((x)))); z = '('"), 4);
        assert_eq!(opening_brackets("a = f([[1], (2)]); # ((((\n s = '(('"), 10);
        // More brackets than the limit, in a comment and a string only: the exact scan runs
        // and accepts the text.
        let shallow = format!("# {}\ny = f('{}', x);", "(".repeat(200), "[".repeat(200));
        assert!(opening_brackets(&shallow) > b.max_depth);
        assert!(check_nnef_text(&shallow, &b).is_ok());
        let deep = format!(
            "graph g(x) -> (y) {{ y = {}x{}; }}",
            "(".repeat(200),
            ")".repeat(200)
        );
        assert!(check_nnef_text(&deep, &b)
            .unwrap_err()
            .to_string()
            .contains("deep"));
        let escaped = format!("y = f('\\'', {}x{});", "(".repeat(200), ")".repeat(200));
        assert!(
            check_nnef_text(&escaped, &b).is_err(),
            "a backslash does not hide the brackets"
        );
    }

    fn doc(body: &str) -> tract_nnef::ast::Document {
        tract_nnef::ast::parse::parse_document(&format!(
            "version 1.0;\ngraph g(x) -> (y) {{\n{body}\n}}"
        ))
        .expect("parses")
    }

    #[test]
    fn nnef_literal_arguments() {
        let b = Budget::default();
        let ok = "v = variable<scalar>(label = 'v', shape = [2, 3]);\n\
                  y = transpose(reduce_sum(x, axes = [1]), axes = [1, 0]);";
        check_nnef_doc(&doc(ok), &b).unwrap();
        for (bad, why) in [
            ("y = transpose(x, axes = [1, 5]);", "permutation"),
            ("y=transpose(x,axes=[0,0]);", "permutation"),
            ("y = transpose(x, [2, 2]);", "permutation"),
            (
                "v = variable<scalar>(label='v',shape=[100000,100000]); y = x;",
                "budget",
            ),
            ("y = tile(x, repeats = [1000000, 100000]);", "budget"),
            ("y = add(x, tile(x, repeats=[1000000,100000]));", "budget"),
        ] {
            let e = check_nnef_doc(&doc(bad), &b).expect_err(bad);
            assert!(e.to_string().contains(why), "{bad}: {e}");
        }
    }

    #[test]
    fn nnef_tensor_headers() {
        let b = Budget::default();
        let mut h = vec![0u8; 128 + 8];
        h[0] = 0x4e;
        h[1] = 0xef;
        h[4..8].copy_from_slice(&8u32.to_le_bytes());
        h[8..12].copy_from_slice(&1u32.to_le_bytes());
        h[12..16].copy_from_slice(&2u32.to_le_bytes());
        h[44..48].copy_from_slice(&32u32.to_le_bytes());
        assert_eq!(check_nnef_tensor("t", &h, &b).unwrap(), 8);
        // tract's string tensors: 24 bytes per element in memory, whatever the file holds.
        let mut strings = h.clone();
        strings[44..48].copy_from_slice(&u32::MAX.to_le_bytes());
        strings[12..16].copy_from_slice(&500_000_000u32.to_le_bytes());
        assert!(check_nnef_tensor("t", &strings, &b)
            .unwrap_err()
            .to_string()
            .contains("budget"));
        let mut zero_bits = h.clone();
        zero_bits[44..48].copy_from_slice(&0u32.to_le_bytes());
        assert!(check_nnef_tensor("t", &zero_bits, &b).is_err());
        let mut mismatch = h.clone();
        mismatch[12..16].copy_from_slice(&3u32.to_le_bytes());
        assert!(check_nnef_tensor("t", &mismatch, &b)
            .unwrap_err()
            .to_string()
            .contains("3 items"));
        let mut big = h.clone();
        big[4..8].copy_from_slice(&(1u32 << 30).to_le_bytes());
        assert!(check_nnef_tensor("t", &big, &b)
            .unwrap_err()
            .to_string()
            .contains("holds 8"));
        let mut rank = h.clone();
        rank[8..12].copy_from_slice(&9u32.to_le_bytes());
        assert!(check_nnef_tensor("t", &rank, &b).is_err());
        assert!(check_nnef_tensor("t", &h[..100], &b).is_err());
        let small = Budget::with_max_bytes(Some(4)).unwrap();
        assert!(check_nnef_tensor("t", &h, &small).is_err());
        assert!(Budget::with_max_bytes(Some(0)).is_err());
    }
}
