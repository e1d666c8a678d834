use tar::Builder;
use tract_core::tract_data::itertools::Itertools;

use crate::ast::quant::write_quant_format;
use crate::ast::{Identifier, ProtoModel, QuantFormat};
use crate::resource::GraphNnef;
use crate::{internal::*, nnef};
use std::io::Read;
#[cfg(target_family = "unix")]
use std::os::unix::prelude::OsStrExt;
use std::path::Path;
use std::str::FromStr;

/// Checks a label can be used as a path inside a serialized model, relative to its root.
///
/// Labels come from the model, which may itself have been loaded from an untrusted file: a
/// label escaping the root would make serialization write outside the destination directory.
/// A leading `/` is tolerated (and dropped by the writers), parent components are not.
pub fn ensure_label_is_relative_path(label: &str) -> TractResult<()> {
    let label = label.trim_start_matches('/');
    ensure!(
        Path::new(label).components().all(|c| matches!(c, std::path::Component::Normal(_)))
            && !label.split(['/', '\\']).any(|part| part == ".."),
        "Invalid label {label:?}: expected a path relative to the model root"
    );
    Ok(())
}

// mlcycle: the stdlib is parsed a fragment at a time, when a fragment is first needed (see
// vendor/README.md). Building a framework used to parse the whole text (3.3 ms natively, ~35 ms
// in a freshly instantiated wasm module, most of a precompiled model's first load), although
// loading a model needs the declarations of a dozen primitives and the bodies of the few
// compound fragments its graph invokes.
const STDLIB_TEXT: &str = include_str!("../stdlib.nnef");

/// One fragment of the stdlib text (mlcycle).
#[derive(Clone, Copy, Debug)]
pub struct StdlibSource {
    pub id: &'static str,
    /// The whole definition, declaration and body (and the comments that follow it).
    pub text: &'static str,
    /// The declaration alone: `text` up to its body or its `;`.
    pub header: &'static str,
    pub has_body: bool,
}

/// The stdlib text cut into one source per fragment, in file order.
///
/// A fragment starts at the keyword `fragment` outside comments and braces and runs to the next
/// one; the comments between two fragments stay with the first (the parser skips them).
///
/// Cut at compile time (`const` evaluation of [`scan`]): cut on first use, the byte scan of the
/// 18 kB text ran in a freshly instantiated wasm module's baseline code and was hot enough for
/// V8 to recompile it in the background during a model's first load (mlcycle issue 17).
pub fn stdlib_sources() -> &'static [StdlibSource] {
    &STDLIB_SOURCES
}

static STDLIB_SOURCES: [StdlibSource; STDLIB_FRAGMENTS] = cut(scan(STDLIB_TEXT.as_bytes()));

/// How many fragments the stdlib defines.
const STDLIB_FRAGMENTS: usize = scan(STDLIB_TEXT.as_bytes()).1;

/// Upper bound on the fragments [`scan`] records (a compile error if the stdlib outgrows it).
const MAX_FRAGMENTS: usize = 256;

/// One fragment's byte offsets in the text: start, end of its header (`{` or `;`), end.
#[derive(Clone, Copy)]
struct Span {
    start: usize,
    header_end: usize,
    end: usize,
    has_body: bool,
}

const fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

const fn is_keyword_at(bytes: &[u8], i: usize) -> bool {
    let k = b"fragment";
    if i + k.len() >= bytes.len() || (i > 0 && is_ident(bytes[i - 1])) {
        return false;
    }
    let mut j = 0;
    while j < k.len() {
        if bytes[i + j] != k[j] {
            return false;
        }
        j += 1;
    }
    !is_ident(bytes[i + k.len()])
}

/// The fragments' spans and their count.
const fn scan(bytes: &[u8]) -> ([Span; MAX_FRAGMENTS], usize) {
    let empty = Span { start: 0, header_end: 0, end: 0, has_body: false };
    let mut out = [empty; MAX_FRAGMENTS];
    let mut n = 0;
    // The open fragment: its span so far (`header_end == 0` while its header runs).
    let mut open: Option<Span> = None;
    let (mut i, mut depth, mut in_comment) = (0, 0usize, false);
    while i < bytes.len() {
        let b = bytes[i];
        if in_comment {
            in_comment = b != b'\n';
        } else if b == b'#' {
            in_comment = true;
        } else if b == b'{' {
            if let Some(span) = &mut open {
                if span.header_end == 0 {
                    span.header_end = i;
                    span.has_body = true;
                }
            }
            depth += 1;
        } else if b == b'}' {
            depth = depth.saturating_sub(1);
        } else if b == b';' && depth == 0 {
            if let Some(span) = &mut open {
                if span.header_end == 0 {
                    span.header_end = i;
                }
            }
        } else if depth == 0 && is_keyword_at(bytes, i) {
            if let Some(mut span) = open {
                span.end = i;
                out[n] = span;
                n += 1;
            }
            open = Some(Span { start: i, header_end: 0, end: 0, has_body: false });
            i += 8;
            continue;
        }
        i += 1;
    }
    if let Some(mut span) = open {
        span.end = bytes.len();
        out[n] = span;
        n += 1;
    }
    (out, n)
}

/// `STDLIB_TEXT[a..b]` in a `const` context.
const fn slice(a: usize, b: usize) -> &'static str {
    let (_, tail) = STDLIB_TEXT.split_at(a);
    tail.split_at(b - a).0
}

/// The spans of [`scan`] as sources of [`STDLIB_TEXT`].
const fn cut(scanned: ([Span; MAX_FRAGMENTS], usize)) -> [StdlibSource; STDLIB_FRAGMENTS] {
    let spans = scanned.0;
    let none = StdlibSource { id: "", text: "", header: "", has_body: false };
    let mut out = [none; STDLIB_FRAGMENTS];
    let mut f = 0;
    while f < STDLIB_FRAGMENTS {
        let Span { start, header_end, end, has_body } = spans[f];
        let bytes = STDLIB_TEXT.as_bytes();
        let mut id_start = start + "fragment".len();
        while bytes[id_start].is_ascii_whitespace() {
            id_start += 1;
        }
        let mut id_end = id_start;
        while is_ident(bytes[id_end]) {
            id_end += 1;
        }
        out[f] = StdlibSource {
            id: slice(id_start, id_end),
            text: slice(start, end),
            header: slice(start, if header_end == 0 { end } else { header_end }),
            has_body,
        };
        f += 1;
    }
    out
}

fn stdlib_source(id: &str) -> TractResult<&'static StdlibSource> {
    stdlib_sources()
        .iter()
        .find(|s| s.id == id)
        .ok_or_else(|| format_err!("No fragment {id} in the NNEF stdlib"))
}

/// One stdlib fragment, parsed from its own text.
pub fn stdlib_fragment(id: &str) -> TractResult<FragmentDef> {
    let mut defs = crate::ast::parse::parse_fragments(stdlib_source(id)?.text)?;
    ensure!(defs.len() == 1, "stdlib source of {id} holds {} fragments", defs.len());
    Ok(defs.remove(0))
}

/// One stdlib fragment's declaration, parsed from its header alone.
pub fn stdlib_decl(id: &str) -> TractResult<FragmentDecl> {
    crate::ast::parse::parse_fragment_decl(stdlib_source(id)?.header)
}

/// The whole stdlib, parsed once (on first call) and cloned.
pub fn stdlib() -> Vec<FragmentDef> {
    Stdlib.iter().cloned().collect()
}

/// mlcycle: `Nnef::stdlib`, parsed on first use. Only serialization reads it (to copy a pooling
/// fragment's declaration); loading a model never does.
#[derive(Clone, Copy, Debug, Default)]
pub struct Stdlib;

impl Stdlib {
    pub fn iter(&self) -> std::slice::Iter<'static, FragmentDef> {
        static STDLIB: std::sync::OnceLock<Vec<FragmentDef>> = std::sync::OnceLock::new();
        // The text is compiled in, so it parses or no build does (upstream unwraps the same
        // parse; mlcycle's tests/nnef_golden.rs parses it whole and fragment by fragment).
        STDLIB.get_or_init(|| crate::ast::parse::parse_fragments(STDLIB_TEXT).unwrap()).iter()
    }
}

pub struct Nnef {
    pub stdlib: Stdlib,
    pub registries: Vec<Registry>,
    pub resource_loaders: Vec<Box<dyn ResourceLoader + 'static>>,
    pub allow_extended_identifier_syntax: bool,
    pub extern_all_constants: bool,
}

impl Default for Nnef {
    fn default() -> Nnef {
        Nnef {
            stdlib: Stdlib,
            registries: vec![crate::ops::tract_nnef(), crate::ops::tract_core()],
            resource_loaders: vec![
                GraphNnefLoader.into_boxed(),
                DatLoader.into_boxed(),
                GraphQuantLoader.into_boxed(),
                TypedModelLoader::new(false).into_boxed(),
                #[cfg(feature = "unstable-safetensors")]
                crate::resource::SafeTensorsLoader.into_boxed(),
            ],
            allow_extended_identifier_syntax: false,
            extern_all_constants: false,
        }
    }
}

impl Nnef {
    pub fn with_registry(mut self, registry: Registry) -> Nnef {
        self.registries.push(registry);
        self
    }

    pub fn with_resource_loader(mut self, loader: impl ResourceLoader + 'static) -> Nnef {
        self.resource_loaders.push(Box::new(loader));
        self
    }

    pub fn disable_tract_core(&mut self) {
        self.registries.retain(|r| r.id.0 != "tract_core");
    }

    pub fn without_tract_core(mut self) -> Self {
        self.disable_tract_core();
        self
    }

    pub fn enable_tract_resource(&mut self) {
        self.registries.push(crate::ops::tract_resource());
    }

    pub fn with_tract_resource(mut self) -> Self {
        self.registries.push(crate::ops::tract_resource());
        self
    }

    pub fn allow_extended_identifier_syntax(&mut self, allow_extended_identifier_syntax: bool) {
        self.allow_extended_identifier_syntax = allow_extended_identifier_syntax;
    }

    pub fn extern_all_constants(&mut self, value: bool) {
        self.extern_all_constants = value;
    }

    #[allow(clippy::result_large_err)]
    pub fn translate(
        &self,
        proto_model: &ProtoModel,
        template: TypedModel,
    ) -> Result<TypedModel, (TypedModel, TractError)> {
        debug!("Build TypedModel from NNEF proto model (translate)");
        ModelBuilder::new(self, proto_model, template).into_typed_model()
    }

    pub fn write(&self, model: &TypedModel, w: impl std::io::Write) -> TractResult<()> {
        self.write_to_tar(model, w)?;
        Ok(())
    }

    pub fn write_to_tar<W: std::io::Write>(&self, model: &TypedModel, w: W) -> TractResult<W> {
        let mut ar = tar::Builder::new(w);
        let timestamp =
            std::time::SystemTime::now().duration_since(std::time::SystemTime::UNIX_EPOCH).unwrap();
        self._write_to_tar(model, &mut ar, false, timestamp)?;
        ar.into_inner().context("Finalizing tar")
    }

    pub fn write_to_tar_with_config<W: std::io::Write>(
        &self,
        model: &TypedModel,
        w: W,
        compress_nested_models: bool,
        deterministic: bool,
    ) -> TractResult<W> {
        let mut ar = tar::Builder::new(w);
        let timestamp = if deterministic {
            // 1 Jan 1980, MS-DOS epoch. Some tools have issues with 0 timestamps.
            std::time::Duration::from_secs(315532800)
        } else {
            std::time::SystemTime::now().duration_since(std::time::SystemTime::UNIX_EPOCH).unwrap()
        };

        self._write_to_tar(model, &mut ar, compress_nested_models, timestamp)?;
        ar.into_inner().context("Finalizing tar")
    }

    fn _write_to_tar<W: std::io::Write>(
        &self,
        model: &TypedModel,
        ar: &mut Builder<W>,
        compress_nested_models: bool,
        timestamp: std::time::Duration,
    ) -> TractResult<()> {
        let proto_model =
            crate::ser::to_proto_model(self, model).context("Translating model to proto_model")?;

        let mut graph_data = vec![];
        crate::ast::dump::Dumper::new(self, &mut graph_data)
            .document(&proto_model.doc)
            .context("Serializing graph.nnef")?;

        let mut header = tar::Header::new_gnu();
        header.set_path("graph.nnef").context("Setting graph.nnef path")?;
        header.set_size(graph_data.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(timestamp.as_secs());
        header.set_cksum();
        ar.append(&header, &mut &*graph_data).context("Appending graph.nnef")?;

        if let Some(mut quantization) = proto_model.quantization {
            let mut quant_data = vec![];

            let mut keys = quantization.keys().cloned().collect::<Vec<_>>();
            keys.sort();
            for name in keys {
                let format = quantization.remove(&name).unwrap();
                write_quant_format(
                    &mut quant_data,
                    &name,
                    format,
                    self.allow_extended_identifier_syntax,
                )
                .context("Serializing graph.quant")?;
            }

            header.set_path("graph.quant").context("Setting graph.quant path")?;
            header.set_size(quant_data.len() as u64);
            header.set_mode(0o644);
            header.set_mtime(timestamp.as_secs());
            header.set_cksum();
            ar.append(&header, &mut &*quant_data).context("Appending graph.quant")?;
        }

        let mut labels = proto_model.tensors.keys().collect::<Vec<_>>();
        labels.sort();
        for label in labels {
            let t = proto_model.tensors.get(label).unwrap();
            ensure_label_is_relative_path(&label.0)?;
            let mut label = label.0.to_string() + ".dat";
            if label.starts_with('/') {
                label.insert(0, '.');
            }
            let filename = std::path::Path::new(&label);
            let mut data = vec![];
            crate::tensors::write_tensor(&mut data, t)
                .with_context(|| format!("Serializing tensor {filename:?}: {t:?}"))?;

            let mut header = tar::Header::new_gnu();
            header.set_size(data.len() as u64);
            header.set_mode(0o644);
            header.set_mtime(timestamp.as_secs());
            header.set_cksum();

            ar.append_data(&mut header, filename, &mut &*data)
                .with_context(|| format!("Appending tensor {filename:?}"))?;
        }

        let mut labels = proto_model.resources.keys().collect::<Vec<_>>();
        labels.sort();
        for label in labels {
            let resource = proto_model.resources.get(label).unwrap();
            if let Some(typed_model_resource) = resource.downcast_ref::<TypedModelResource>() {
                ensure_label_is_relative_path(label)?;
                let mut submodel_data = vec![];
                let mut filename = std::path::PathBuf::from_str(label)?;
                let typed_model = &typed_model_resource.0;

                if compress_nested_models {
                    #[cfg(not(feature = "flate2"))]
                    bail!("Cannot compress nested models without flate2 enabled.");
                    #[cfg(feature = "flate2")]
                    {
                        filename.set_extension("nnef.tgz");
                        let encoder = flate2::write::GzEncoder::new(
                            &mut submodel_data,
                            flate2::Compression::default(),
                        );
                        self.write(typed_model, encoder)?;
                    }
                } else {
                    filename.set_extension("nnef.tar");
                    self.write(typed_model, &mut submodel_data)?;
                }

                let mut header = tar::Header::new_gnu();
                header.set_size(submodel_data.len() as u64);
                header.set_mode(0o644);
                header.set_mtime(timestamp.as_secs());
                header.set_cksum();

                ar.append_data(&mut header, filename, &mut &*submodel_data)
                    .with_context(|| format!("Appending submodel {label:?}"))?;
            }
        }
        Ok(())
    }

    pub fn write_to_dir(
        &self,
        model: &TypedModel,
        path: impl AsRef<std::path::Path>,
    ) -> TractResult<()> {
        let path = path.as_ref();
        if path.exists() {
            bail!("{:?} already exists. Won't overwrite.", path);
        }
        let proto_model = crate::ser::to_proto_model(self, model)?;
        std::fs::create_dir_all(path)?;
        let mut graph_nnef = std::fs::File::create(path.join("graph.nnef"))?;
        crate::ast::dump::Dumper::new(self, &mut graph_nnef).document(&proto_model.doc)?;

        if let Some(quantization) = proto_model.quantization {
            let mut graph_quant = std::fs::File::create(path.join("graph.quant"))?;
            for (name, format) in quantization.into_iter().sorted_by_key(|(x, _)| x.clone()) {
                write_quant_format(
                    &mut graph_quant,
                    &name,
                    format,
                    self.allow_extended_identifier_syntax,
                )?;
            }
        }

        for (label, t) in &proto_model.tensors {
            ensure_label_is_relative_path(&label.0)?;
            let label = label.0.to_string() + ".dat";
            let label = label.trim_start_matches('/');
            let parent = path.join(label).parent().unwrap().to_owned();
            std::fs::create_dir_all(&parent).with_context(|| format!("Creating dir {parent:?}"))?;
            let filename = path.join(label).to_owned();
            let mut file = std::fs::File::create(&filename)
                .with_context(|| format!("Creating file {filename:?}"))?;

            crate::tensors::write_tensor(&mut file, t)?;
        }
        Ok(())
    }
}

impl tract_core::prelude::Framework<ProtoModel, TypedModel> for Nnef {
    fn model_for_path(&self, p: impl AsRef<Path>) -> TractResult<TypedModel> {
        let proto = self.proto_model_for_path(p)?;
        self.model_for_proto_model(&proto)
    }

    fn proto_model_for_path(&self, path: impl AsRef<Path>) -> TractResult<ProtoModel> {
        let path = path.as_ref();
        if path.is_file() {
            let mut f = std::fs::File::open(path)?;
            return self.proto_model_for_read(&mut f);
        }

        let mut resources: HashMap<String, Arc<dyn Resource>> = Default::default();

        // `walkdir::new` will first yield the given path at depth 0, but we don't want to load this
        // entry here: only its descendants at depth >= 1.
        for entry in walkdir::WalkDir::new(path).min_depth(1) {
            let entry =
                entry.map_err(|e| format_err!("Can not walk directory {:?}: {:?}", path, e))?;
            // We don't want to load sub-directories themselves either.
            if entry.path().is_dir() {
                continue;
            }
            let subpath = entry
                .path()
                .components()
                .skip(path.components().count())
                .collect::<std::path::PathBuf>();
            let mut stream = std::fs::File::open(entry.path())?;
            read_stream(&subpath, &mut stream, &mut resources, self)?;
        }
        proto_model_from_resources(resources)
    }

    fn proto_model_for_read(&self, reader: &mut dyn std::io::Read) -> TractResult<ProtoModel> {
        let mut resources: HashMap<String, Arc<dyn Resource>> = Default::default();

        let mut buffer = vec![0u8; 2];
        reader.read_exact(&mut buffer)?;
        let header = std::io::Cursor::new(buffer.clone());
        let stream = header.chain(reader);
        let mut tar = if buffer == [0x1f, 0x8b] {
            #[cfg(feature = "flate2")]
            {
                let f = flate2::read::GzDecoder::new(stream);
                tar::Archive::new(Box::new(f) as Box<dyn Read>)
            }
            #[cfg(not(feature = "flate2"))]
            bail!("Cannot read gzip file without flate2 enabled.");
        } else {
            tar::Archive::new(Box::new(stream) as Box<dyn Read>)
        };
        for entry in tar.entries()? {
            let mut entry = entry?;
            let mut path = entry.path()?.to_path_buf();
            if path.starts_with("./") {
                path = path.strip_prefix("./")?.to_path_buf();
            }
            read_stream(&path, &mut entry, &mut resources, self)?;
        }
        proto_model_from_resources(resources)
    }

    fn model_for_proto_model_with_model_template(
        &self,
        proto: &ProtoModel,
        template: TypedModel,
    ) -> TractResult<TypedModel> {
        self.translate(proto, template).map_err(|e| e.1)
    }
}

fn proto_model_from_resources(
    resources: HashMap<String, Arc<dyn Resource>>,
) -> TractResult<ProtoModel> {
    // Iter resources IDs to detect submodels. Submodels are IDs with
    // - two path compoents (ex: XXX/file)
    // - a graph.nnef file as filename
    let sub_models = resources
        .keys()
        .clone()
        .filter_map(|id| {
            let id_components = id.split('/').collect::<Vec<_>>();
            if (id_components.last() == Some(&crate::resource::GRAPH_NNEF_FILENAME))
                & (id_components.len() == 2)
            {
                id_components.first().map(|it| it.to_string())
            } else {
                None
            }
        })
        .collect::<Vec<_>>();

    // If there are submodels, we use the associated resources to create a TypedModel resource and add
    // it as a new resource.
    let mut new_resources = if sub_models.len() > 0 {
        sub_models.into_iter().try_fold(resources, |r, it| -> TractResult<HashMap<_, _>> {
            let (submodel_resources, mut resources): (HashMap<String, Arc<dyn Resource>>, _) =
                r.into_iter().partition(|(k, _v)| k.starts_with(&it));
            let submodel_resources = submodel_resources
                .into_iter()
                .map(|(k, v)| (k.split('/').next_back().unwrap().to_string(), v))
                .collect::<HashMap<String, Arc<dyn Resource>>>();
            let typed_model = nnef()
                .model_for_proto_model(&proto_model_from_resources(submodel_resources).unwrap())?;
            resources.insert(it, Arc::new(TypedModelResource(typed_model)));
            Ok(resources)
        })?
    } else {
        resources
    };

    // NNEF document extraction
    let doc = new_resources
        .remove(crate::resource::GRAPH_NNEF_FILENAME)
        .with_context(|| {
            anyhow!("Resource {} was not found in the model", crate::resource::GRAPH_NNEF_FILENAME)
        })?
        .downcast_arc::<GraphNnef>()
        .map_err(|_| anyhow!("Error while downcasting NNEF document resource"))?;

    let doc = Arc::try_unwrap(doc)
            .map_err(|_| anyhow!("Error while extracting NNEF Document from shared reference. Only one reference to the document is expected"))?;

    // Collect all resources that can be downcastable to Arc<Tensor>.
    let mut tensors: HashMap<_, _> = new_resources
        .iter()
        .filter_map(|(key, resource)| {
            Arc::clone(resource)
                .downcast_arc::<Tensor>()
                .ok()
                .map(|r| (Identifier::from(&**key), r))
        })
        .collect();

    for r in new_resources.values() {
        if let Some(safe_tensors) = r.downcast_ref::<Vec<(String, Arc<Tensor>)>>() {
            for (name, t) in safe_tensors.iter() {
                tensors.insert(Identifier::from(&**name), Arc::clone(t));
            }
        }
    }
    new_resources.retain(|_, r| !r.is::<Tensor>() && !r.is::<Vec<(String, Arc<Tensor>)>>());

    // Quantization format resources extraction if present.
    let quantization = if let Some(q_r) =
        new_resources.remove(crate::resource::GRAPH_QUANT_FILENAME)
    {
        let Ok(q_r) = q_r.downcast_arc::<HashMap<String, QuantFormat>>() else {
            bail!("Error while downcasting quantization format resource")
        };
        let Ok(q_r) = Arc::try_unwrap(q_r) else {
            bail!(
                "Error while extracting quantization format resource from shared reference. Only one reference to it is expected"
            )
        };
        Some(q_r.into_iter().map(|(k, v)| (Identifier(k), v)).collect())
    } else {
        None
    };

    #[cfg(feature = "unstable-jinja")]
    let doc = crate::jinja::process_file(&doc.0, &new_resources)?;
    #[cfg(not(feature = "unstable-jinja"))]
    let doc = doc.0;
    let doc = crate::ast::parse::parse_document(&doc)?;

    let proto = ProtoModel { doc, tensors, quantization, resources: new_resources };
    proto.validate()?;
    Ok(proto)
}

fn read_stream<R: std::io::Read>(
    path: &Path,
    reader: &mut R,
    resources: &mut HashMap<String, Arc<dyn Resource>>,
    framework: &Nnef,
) -> TractResult<()> {
    // ignore path with any component starting with "." (because OSX's tar is weird)
    #[cfg(target_family = "unix")]
    if path.components().any(|name| name.as_os_str().as_bytes().first() == Some(&b'.')) {
        return Ok(());
    }
    let mut last_loader_name;
    for loader in framework.resource_loaders.iter() {
        last_loader_name = Some(loader.name());
        let loaded = loader.try_load(path, reader, framework).with_context(|| {
            anyhow!("Error while loading resource by {:?} at path {:?}", loader.name(), path)
        })?;
        if let Some((id, resource)) = loaded {
            ensure!(
                !resources.contains_key(&id),
                "Loader {:?} succeeded to load {:?} which has been already loaded by {:?}",
                loader.name(),
                id,
                last_loader_name
            );
            resources.insert(id, resource);
            break;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_as_path() {
        assert!(ensure_label_is_relative_path("conv/weights").is_ok());
        assert!(ensure_label_is_relative_path("/model/layer.0/weights").is_ok());
        assert!(ensure_label_is_relative_path("../evil").is_err());
        assert!(ensure_label_is_relative_path("a/../../evil").is_err());
        assert!(ensure_label_is_relative_path("..\\evil").is_err());
        assert!(ensure_label_is_relative_path("/../evil").is_err());
    }

    #[test]
    fn hostile_const_name_does_not_escape_output_dir() -> TractResult<()> {
        let mut model = TypedModel::default();
        let x = model.add_source("x", f32::fact([9]))?;
        let k = model.add_const("../evil", tensor1(&[0f32; 9]))?;
        let y = model.wire_node("add", tract_core::ops::math::add(), &[x, k])?;
        model.select_output_outlets(&y)?;

        let dir = temp_dir::TempDir::new()?;
        for e in [
            nnef().write_to_dir(&model, dir.path().join("model")).unwrap_err(),
            nnef().write(&model, &mut vec![]).unwrap_err(),
        ] {
            assert!(format!("{e:?}").contains("Invalid label"), "{e:?}");
        }
        assert!(!dir.path().parent().unwrap().join("evil.dat").exists());
        Ok(())
    }
}
