#!/usr/bin/env python3
"""OTLP export against the OpenTelemetry protobuf schema (issue 15): two devices' exports from
`mlcycle observe --otlp` parse strictly with opentelemetry-proto (`json_format.Parse`, unknown
fields refused) into ExportMetricsServiceRequest, are told apart by `service.instance.id`, follow
the conventions chosen (docs/monitoring.md: `service.*` and `telemetry.sdk.*` resource
attributes, `mlcycle.*` / `error.type` attribute keys, durations in seconds as an exponential
histogram whose buckets add up to its count, no metric without data points), and the same
payload encodes to OTLP protobuf. A real collector receives the export in
tests/python/test_collector.py (rotel).

    python3 tests/python/test_otlp.py        # exits non-zero on failure
"""

import json
import math
import os
import subprocess
import sys
import tempfile

from google.protobuf import json_format
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("MLCYCLE_BIN", os.path.join(ROOT, "target", "debug", "mlcycle"))
DATA = os.path.join(ROOT, "tests", "data")
LABELS = "Adelie,Chinstrap,Gentoo"


def run(args):
    r = subprocess.run([BIN, *args], capture_output=True, text=True)
    assert r.returncode == 0, f"{args[:2]}: {r.stderr}"
    return r.stdout


def device_exports(d):
    """Two devices' exports from `mlcycle observe --otlp --otlp-protobuf` of the held-out rows:
    (JSON text, protobuf bytes) each, same monitor state. tests/python/test_collector.py uses
    them too."""
    ref = os.path.join(d, "reference.json")
    run(["profile", "--spec", f"{DATA}/penguins_features.json", "--input", f"{DATA}/penguins_train.csv",
         "--model", f"{DATA}/penguins_logreg.onnx", "--labels", LABELS, "--output", ref])
    out = []
    for device in ("phone-a", "phone-b"):
        path = os.path.join(d, f"{device}.otlp")
        run(["observe", "--reference", ref, "--input", f"{DATA}/penguins_test.csv",
             "--model", f"{DATA}/penguins_logreg.onnx", "--spec", f"{DATA}/penguins_features.json",
             "--labels", LABELS, "--device", device, "--now-ms", "1764900000000", "--quiet",
             "--service-name", "penguin-app", "--otlp", path + ".json", "--otlp-protobuf", path + ".pb",
             "--output", os.path.join(d, f"{device}.json")])
        with open(path + ".json") as fh, open(path + ".pb", "rb") as pb:
            out.append((fh.read(), pb.read()))
    return out


def attrs(kvs):
    return {kv.key: kv.value.string_value for kv in kvs}


def main():
    with tempfile.TemporaryDirectory() as d:
        requests = []
        for text, _ in device_exports(d):
            req = json_format.Parse(text, ExportMetricsServiceRequest(), ignore_unknown_fields=False)
            requests.append(req)
            sizes = (len(text), len(req.SerializeToString()))
            assert len(req.SerializeToString()) > 0
        ids = []
        for req in requests:
            (rm,) = req.resource_metrics
            res = attrs(rm.resource.attributes)
            for key in ("service.name", "service.instance.id", "service.version", "telemetry.sdk.name",
                        "telemetry.sdk.language", "telemetry.sdk.version", "mlcycle.model.name",
                        "mlcycle.build.flavor"):
                assert key in res, f"resource lacks {key}: {res}"
            assert res["service.name"] == "penguin-app", res
            ids.append(res["service.instance.id"])
            (sm,) = rm.scope_metrics
            names = {}
            for m in sm.metrics:
                kind = m.WhichOneof("data")
                points = getattr(m, kind).data_points
                assert len(points) > 0, f"{m.name} has no data point"
                names[m.name] = (m.unit, kind)
                for p in points:
                    for key in attrs(p.attributes):
                        assert key.startswith("mlcycle.") or key == "error.type", f"{m.name}: attribute {key}"
                if kind == "exponential_histogram":
                    (p,) = points
                    assert p.count == p.zero_count + sum(p.positive.bucket_counts), m.name
                    assert 0 < p.min <= p.max < 1.0, "seconds, not ms"
                    base = 2 ** (2 ** -p.scale)
                    lo = base ** p.positive.offset
                    hi = base ** (p.positive.offset + len(p.positive.bucket_counts))
                    assert lo <= p.min * (1 + 0.02) and p.max <= hi * (1 + 0.02), (lo, p.min, p.max, hi)
            assert names["mlcycle.prediction.duration"] == ("s", "exponential_histogram"), names
            assert names["mlcycle.prediction.duration.quantile"][0] == "s"
            assert names["mlcycle.predictions"] == ("{prediction}", "sum")
            assert names["mlcycle.drift.psi"] == ("1", "gauge")
            assert "mlcycle.errors" not in names, "no errors: no metric with zero points"
        assert ids == ["phone-a", "phone-b"], ids
        print(f"  2 devices: strict ExportMetricsServiceRequest parse ok, instances {ids}, "
              f"{len(requests[0].resource_metrics[0].scope_metrics[0].metrics)} metrics, "
              f"OTLP/JSON {sizes[0]} B, the same as protobuf {sizes[1]} B")
    return 0


if __name__ == "__main__":
    sys.exit(main())
