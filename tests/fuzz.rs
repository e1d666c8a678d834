//! Mutation fuzzing of every parser that takes outside bytes (issue 13): ONNX load, NNEF load,
//! feature spec, manifest, CSV records and monitor snapshot restore. A stable harness (no
//! nightly toolchain here for cargo-fuzz): seeds are the project's own fixtures and the hostile
//! corpus, mutated by a seeded xorshift generator (bit flips, byte writes, truncation, chunk
//! duplication and deletion, random insertions, splices of two seeds), so every run is
//! reproducible from `MLCYCLE_FUZZ_SEED`.
//!
//! Each case must return (an `Ok` or a typed error): a panic — caught natively by the public
//! API's guard or escaping it — fails the run, because in wasm the same panic is a trap that
//! poisons the instance. Each case must also finish within [`CASE_LIMIT`]. A failing input is
//! written to `target/fuzz-failures/` for `tests/data/hostile/`.
//!
//! `make test` runs a short pass (`MLCYCLE_FUZZ_ITERS`, default 150 per target); `make fuzz`
//! a long one (20,000 per target, a new seed each run unless `MLCYCLE_FUZZ_SEED` is set).
#![cfg(not(target_arch = "wasm32"))]

use mlcycle::features::{read_records, Pipeline};
use mlcycle::monitor::{Monitor, MonitorConfig, ProfileOptions, ReferenceProfile};
use mlcycle::registry::Manifest;
use mlcycle::{LoadOptions, Model};
use std::time::{Duration, Instant};

const CASE_LIMIT: Duration = Duration::from_secs(10);

thread_local! {
    /// Panics on this thread (caught or not) since the hook was installed: per thread, since
    /// the targets run in parallel.
    static PANICS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

fn panics() -> usize {
    PANICS.with(|p| p.get())
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(rng: &mut Rng, seeds: &[Vec<u8>]) -> Vec<u8> {
    let mut b = seeds[rng.below(seeds.len())].clone();
    for _ in 0..1 + rng.below(4) {
        let len = b.len();
        match rng.below(7) {
            0 if len > 0 => {
                let i = rng.below(len);
                b[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.below(len);
                b[i] = [0, 0xff, 0x7f, 0x80, b'9', b'[', b'"'][rng.below(7)];
            }
            2 if len > 0 => b.truncate(rng.below(len)),
            3 if len > 1 => {
                let (i, n) = (rng.below(len), 1 + rng.below(64));
                let chunk: Vec<u8> = b[i..(i + n).min(len)].to_vec();
                let at = rng.below(len);
                b.splice(
                    at..at,
                    chunk
                        .iter()
                        .cycle()
                        .take(chunk.len() * (1 + rng.below(8)))
                        .copied(),
                );
            }
            4 if len > 1 => {
                let i = rng.below(len);
                let n = rng.below(len - i);
                b.drain(i..i + n);
            }
            5 => {
                let at = rng.below(len + 1);
                let junk: Vec<u8> = (0..1 + rng.below(16)).map(|_| rng.next() as u8).collect();
                b.splice(at..at, junk);
            }
            _ => {
                let other = &seeds[rng.below(seeds.len())];
                if !other.is_empty() && len > 0 {
                    let cut = rng.below(len);
                    let from = rng.below(other.len());
                    b.truncate(cut);
                    b.extend_from_slice(&other[from..]);
                }
            }
        }
    }
    b
}

/// A structure-aware mutant of a JSON seed: one value somewhere in the tree replaced by an
/// extreme or odd one (so the mutant still parses as JSON and reaches the checks behind it).
fn mutate_json(rng: &mut Rng, seeds: &[Vec<u8>]) -> Option<Vec<u8>> {
    use serde_json::{json, Value};
    let mut v: Value = serde_json::from_slice(&seeds[rng.below(seeds.len())]).ok()?;
    for _ in 0..1 + rng.below(3) {
        // Walk down to a random node, as a JSON pointer.
        let mut pointer = String::new();
        let mut at = &v;
        for _ in 0..rng.below(8) {
            let (step, next) = match at {
                Value::Object(o) if !o.is_empty() => {
                    let (k, n) = o.iter().nth(rng.below(o.len()))?;
                    (k.replace('~', "~0").replace('/', "~1"), n)
                }
                Value::Array(a) if !a.is_empty() => {
                    let i = rng.below(a.len());
                    (i.to_string(), &a[i])
                }
                _ => break,
            };
            pointer.push('/');
            pointer.push_str(&step);
            at = next;
        }
        let node = v.pointer_mut(&pointer)?;
        let odd = [
            json!(null),
            json!(-1),
            json!(0),
            json!(1e308),
            json!(-1e308),
            json!(u64::MAX),
            json!(i64::MIN),
            json!(0.5),
            json!(""),
            json!("x".repeat(1000)),
            json!([]),
            json!({}),
            json!(true),
            json!("2024-02-30T25:61:00Z"),
        ];
        let replacement = match (&*node, rng.below(4)) {
            (Value::Array(a), 0) if !a.is_empty() => {
                Value::Array(std::iter::repeat_n(a[0].clone(), 1 + rng.below(2000)).collect())
            }
            (Value::Object(o), 1) if !o.is_empty() => {
                let mut o = o.clone();
                let k = o.keys().nth(rng.below(o.len())).cloned()?;
                o.remove(&k);
                Value::Object(o)
            }
            _ => odd[rng.below(odd.len())].clone(),
        };
        *node = replacement;
    }
    serde_json::to_vec(&v).ok()
}

fn iterations() -> usize {
    std::env::var("MLCYCLE_FUZZ_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(150)
}

fn seed() -> u64 {
    std::env::var("MLCYCLE_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x9e37_79b9_7f4a_7c15)
}

fn read(path: &str) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Runs `target` on mutated seeds; fails on any panic or slow case, saving the input.
fn fuzz(name: &str, seeds: Vec<Vec<u8>>, target: impl Fn(&[u8]) -> bool) {
    fuzz_with(name, seeds, false, target)
}

/// [`fuzz`] for JSON inputs: half the mutants are structure-aware ([`mutate_json`]).
fn fuzz_json(name: &str, seeds: Vec<Vec<u8>>, target: impl Fn(&[u8]) -> bool) {
    fuzz_with(name, seeds, true, target)
}

fn fuzz_with(name: &str, seeds: Vec<Vec<u8>>, json: bool, target: impl Fn(&[u8]) -> bool) {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICS.with(|p| p.set(p.get() + 1));
            previous(info);
        }));
    });
    let s = seed()
        ^ name
            .bytes()
            .fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(b as u64));
    let mut rng = Rng(s | 1);
    let n = iterations();
    let mut accepted = 0;
    for i in 0..n {
        let input = if i < seeds.len() {
            seeds[i].clone()
        } else if json && rng.below(2) == 0 {
            mutate_json(&mut rng, &seeds).unwrap_or_else(|| mutate(&mut rng, &seeds))
        } else {
            mutate(&mut rng, &seeds)
        };
        let before = panics();
        let t0 = Instant::now();
        let escaped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| target(&input)));
        let took = t0.elapsed();
        accepted += usize::from(matches!(escaped, Ok(true)));
        let panicked = panics() != before || escaped.is_err();
        if panicked || took > CASE_LIMIT {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/fuzz-failures");
            let _ = std::fs::create_dir_all(&dir);
            let file = dir.join(format!("{name}-{s:x}-{i}.bin"));
            let _ = std::fs::write(&file, &input);
            panic!(
                "{name}: case {i} {} (input saved to {})",
                if panicked { "panicked" } else { "was too slow" },
                file.display()
            );
        }
    }
    println!(
        "fuzz {name}: {n} cases ({accepted} accepted), seed {s:#x}, no panic, none slower than {CASE_LIMIT:?}"
    );
}

#[cfg(feature = "onnx")]
#[test]
fn fuzz_onnx_load() {
    let mut seeds: Vec<Vec<u8>> = [
        "tests/data/penguins_logreg.onnx",
        "tests/data/interop/rf_strlabels.onnx",
        "tests/data/interop/pipeline_columns.onnx",
        "tests/data/interop/svc.onnx",
        "tests/data/interop/knn_nozipmap.onnx",
        "tests/data/interop/te5_lgbm.onnx",
    ]
    .iter()
    .map(|p| read(p))
    .collect();
    for e in std::fs::read_dir("tests/data/hostile").unwrap().flatten() {
        if e.path().extension().is_some_and(|x| x == "onnx") {
            seeds.push(std::fs::read(e.path()).unwrap());
        }
    }
    fuzz("onnx", seeds, |b| {
        let Ok(m) = Model::from_bytes_with(b, &LoadOptions::default()) else {
            return false;
        };
        let x = vec![0.5f32; m.n_features().clamp(1, 4096)];
        let _ = m.predict(&x, 1);
        true
    });
}

#[test]
fn fuzz_nnef_load() {
    let seeds = vec![
        read("tests/data/nnef/penguins_logreg.nnef.tar"),
        read("tests/data/nnef/penguins_gbt.nnef.tar"),
        read("tests/data/hostile/nnef_transpose.nnef.tar"),
        read("tests/data/hostile/nnef_tensor_size.nnef.tar"),
    ];
    fuzz("nnef", seeds, |b| {
        let Ok(m) = Model::from_nnef(b) else {
            return false;
        };
        let x = vec![0.5f32; m.n_features().clamp(1, 4096)];
        let _ = m.predict(&x, 1);
        true
    });
}

#[test]
fn fuzz_feature_spec() {
    let seeds = vec![
        read("tests/data/penguins_features.json"),
        read("tests/data/synthetic_features.json"),
    ];
    let csv = String::from_utf8(read("tests/data/penguins_test.csv")).unwrap();
    let records = read_records(&csv).unwrap().records;
    fuzz_json("spec", seeds, |b| {
        let Ok(p) = Pipeline::from_json(&String::from_utf8_lossy(b)) else {
            return false;
        };
        for r in records.iter().take(5) {
            let _ = p.transform(r);
        }
        true
    });
}

#[test]
fn fuzz_manifest() {
    let sha = "a".repeat(64);
    let m = serde_json::json!({
        "schema": "mlcycle.manifest/1", "version": 3, "expires": "2030-01-01T00:00:00Z",
        "models": {"p": {"aliases": {"production": "1.0.0"},
            "rollouts": [{"alias": "production", "percent": 20, "salt": "s"}],
            "versions": {"1.0.0": {"labels": ["a", "b"], "artifacts": {
                "model": {"url": "p/1.0.0/m.onnx", "sha256": sha, "size": 3}}}}}},
        "signature": {"alg": "ed25519", "value": "00"}
    });
    fuzz_json("manifest", vec![m.to_string().into_bytes()], |b| {
        let Ok(m) = Manifest::from_slice(b) else {
            return false;
        };
        let req = mlcycle::registry::ResolveRequest {
            subject: Some("u".into()),
            ..Default::default()
        };
        let _ = mlcycle::registry::resolve(&m, "p", &req, 0.0);
        let _ = m.signing_bytes();
        true
    });
}

#[test]
fn fuzz_csv_records() {
    let csv = read("tests/data/penguins_test.csv");
    let spec =
        Pipeline::from_json(&String::from_utf8(read("tests/data/penguins_features.json")).unwrap())
            .unwrap();
    fuzz("csv", vec![csv[..csv.len().min(4096)].to_vec()], |b| {
        let text = String::from_utf8_lossy(b);
        let _ = read_records(&text);
        spec.transform_csv(&text).is_ok()
    });
}

#[test]
fn fuzz_snapshot_restore() {
    let spec_text = String::from_utf8(read("tests/data/penguins_features.json")).unwrap();
    let pipeline = Pipeline::from_json(&spec_text).unwrap();
    let csv = String::from_utf8(read("tests/data/penguins_train.csv")).unwrap();
    let records = read_records(&csv).unwrap().records;
    let reference =
        ReferenceProfile::build_for(&pipeline, &records, &ProfileOptions::default()).unwrap();
    let mut m = Monitor::new(reference, MonitorConfig::default(), "fz").unwrap();
    for (i, r) in records.iter().take(50).enumerate() {
        m.observe(i as f64, r, &[0.2, 0.3, 0.5], 1.0);
    }
    let snap = m.snapshot().unwrap();
    fuzz_json("snapshot", vec![snap.into_bytes()], |b| {
        let Ok(m) = Monitor::restore(&String::from_utf8_lossy(b)) else {
            return false;
        };
        let _ = m.report();
        let _ = m.snapshot();
        true
    });
}
