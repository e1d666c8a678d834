#!/usr/bin/env bash
# Publishes the demo registry: penguins 1.0.0 (logistic regression, alias production) and 1.1.0
# (gradient-boosted trees, alias canary at 20 %), from the fixtures in tests/data/.
#   scripts/build-demo-registry.sh [OUT_DIR]      (MLCYCLE_BIN picks the CLI, default release)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-demo-registry}
BIN=${MLCYCLE_BIN:-target/release/mlcycle}
D=tests/data
rm -rf "$OUT"
# A demo signing key, made fresh each build (the secret stays outside the served folder); the
# public key is published beside the manifest for the demo page.
KEY=${DEMO_KEY:-target/demo-registry.key}
mkdir -p "$(dirname "$KEY")"
"$BIN" keygen --out "$KEY" > /dev/null
common=(--registry "$OUT" --name penguins --spec "$D/penguins_features.json"
        --train "$D/penguins_train.csv" --holdout "$D/penguins_test.csv" --label species
        --labels Adelie,Chinstrap,Gentoo
        --criteria examples/penguins/criteria.json --monitoring examples/penguins/monitoring.json
        --sign-key "$KEY")
"$BIN" publish "${common[@]}" --version 1.0.0 --model "$D/penguins_logreg.onnx" --alias production
"$BIN" publish "${common[@]}" --version 1.1.0 --model "$D/variants/penguins_gbt.onnx" --alias canary --rollout canary=20
cp "$KEY.pub" "$OUT/registry.pub"
# --allow-rollback: this registry is rebuilt from scratch on purpose, so its manifest version
# may be lower than one `verify` trusted for this folder before (after a `promote` on it).
"$BIN" verify --registry "$OUT" --public-key "$OUT/registry.pub" --allow-rollback > /dev/null
echo "demo registry: $OUT/manifest.json"
