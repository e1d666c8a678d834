#!/usr/bin/env python3
"""A real OTLP collector receives mlcycle's export (issue 15, item 5): rotel (PyPI `rotel`, its
wheel carries the `rotel-agent` binary, so it installs offline from the package registry) listens
for OTLP/HTTP and forwards what it accepts over OTLP/HTTP protobuf to a sink in this script.
Two devices' exports from `mlcycle observe --otlp` are posted to rotel as JSON (what
`Deployment.postOtlp` sends) and as protobuf (the same request re-encoded with opentelemetry-
proto): rotel answers 200 to each, refuses a malformed body with 400, and what reaches the sink
parses as ExportMetricsServiceRequest carrying both devices' `service.instance.id`, every metric
name with its unit and kind, and the same data point values that were posted.

    python3 tests/python/test_collector.py        # exits non-zero on failure
"""

import gzip
import http.server
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

from google.protobuf import json_format
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)

sys.path.insert(0, os.path.dirname(__file__))
from runner import run_tests  # noqa: E402
from test_otlp import device_exports  # noqa: E402

def rotel_agent():
    import rotel  # the wheel ships the agent next to its Python wrapper

    path = os.path.join(os.path.dirname(rotel.__file__), "rotel-agent")
    assert os.path.isfile(path), f"no rotel-agent in {os.path.dirname(rotel.__file__)}"
    if not os.access(path, os.X_OK):
        os.chmod(path, 0o755)
    return path


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Sink(http.server.BaseHTTPRequestHandler):
    """What rotel exports: OTLP/HTTP protobuf POSTs, kept parsed."""

    received = []
    lock = threading.Lock()

    def do_POST(self):  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        if self.headers.get("content-encoding") == "gzip":
            body = gzip.decompress(body)
        req = ExportMetricsServiceRequest()
        req.ParseFromString(body)
        with Sink.lock:
            Sink.received.append((self.path, self.headers.get("content-type"), req))
        out = ExportMetricsServiceResponse().SerializeToString()
        self.send_response(200)
        self.send_header("content-type", "application/x-protobuf")
        self.send_header("content-length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args):
        pass


def post(url, body, content_type):
    req = urllib.request.Request(url, data=body, method="POST", headers={"content-type": content_type})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def summary(requests):
    """(instance id, metric name, unit, kind) → sorted data point values, over requests."""
    out = {}
    for req in requests:
        for rm in req.resource_metrics:
            res = {kv.key: kv.value.string_value for kv in rm.resource.attributes}
            for sm in rm.scope_metrics:
                for m in sm.metrics:
                    kind = m.WhichOneof("data")
                    if kind is None:  # a metric whose data the collector dropped
                        out.setdefault((res.get("service.instance.id"), m.name, m.unit, None), [])
                        continue
                    key = (res.get("service.instance.id"), m.name, m.unit, kind)
                    for p in getattr(m, kind).data_points:
                        attrs = tuple(sorted((kv.key, kv.value.string_value) for kv in p.attributes))
                        if kind in ("sum", "gauge"):
                            v = p.as_int if p.WhichOneof("value") == "as_int" else p.as_double
                        elif kind == "exponential_histogram":
                            v = (p.count, p.scale, p.zero_count, p.positive.offset, tuple(p.positive.bucket_counts))
                        else:
                            v = (p.count, tuple(p.bucket_counts), tuple(p.explicit_bounds))
                        out.setdefault(key, []).append((attrs, v))
    return {k: sorted(v, key=repr) for k, v in out.items()}


def same(a, b, exact):
    """Equal summaries; floats of JSON-posted data within 2e-16 relative (rotel's JSON number
    parser is not correctly rounded: 0.16295904568288413 arrives as 0.1629590456828841)."""
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (not exact and abs(a - b) <= 2e-16 * max(abs(a), abs(b)))
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same(x, y, exact) for x, y in zip(a, b))
    return a == b


def test_rotel_accepts_json_and_protobuf_and_forwards_them_intact():
    sink = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Sink)
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    http_port, grpc_port = free_port(), free_port()
    with tempfile.TemporaryDirectory() as d:
        devices = device_exports(d)
        # Our protobuf decodes to exactly the JSON's message (field values; our encoder also
        # writes zero-valued scalars that proto3 may omit).
        for text, pb in devices:
            mine = ExportMetricsServiceRequest()
            mine.ParseFromString(pb)
            theirs = json_format.Parse(text, ExportMetricsServiceRequest(), ignore_unknown_fields=False)
            assert mine == theirs, "protobuf and JSON exports differ"
        agent = subprocess.Popen(
            [rotel_agent(), "start",
             "--otlp-http-endpoint", f"127.0.0.1:{http_port}",
             "--otlp-grpc-endpoint", f"127.0.0.1:{grpc_port}",
             "--exporter", "otlp",
             "--otlp-exporter-endpoint", f"http://127.0.0.1:{sink.server_address[1]}",
             "--otlp-exporter-protocol", "http",
             "--pid-file", os.path.join(d, "rotel.pid"),
             "--log-file", os.path.join(d, "rotel.log")],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            url = f"http://127.0.0.1:{http_port}/v1/metrics"
            deadline = time.time() + 30
            while True:
                try:
                    socket.create_connection(("127.0.0.1", http_port), timeout=1).close()
                    break
                except OSError:
                    assert agent.poll() is None, f"rotel exited: {agent.stdout.read()}"
                    assert time.time() < deadline, "rotel did not listen within 30 s"
                    time.sleep(0.1)
            # Device A as JSON (what Deployment.postOtlp sends), device B as protobuf
            # (Monitor.exportOtlpProtobuf, observe --otlp-protobuf).
            (text_a, _), (text_b, pb) = devices
            assert post(url, text_a.encode(), "application/json") == 200
            assert post(url, pb, "application/x-protobuf") == 200
            posted = [json_format.Parse(t, ExportMetricsServiceRequest()) for t in (text_a, text_b)]
            # A receiver that checks what it gets: a malformed body is refused.
            status = post(url, b'{"resourceMetrics": [{"resource": 7}]}', "application/json")
            assert status == 400, f"malformed JSON answered {status}"
            # Wait for the forwarded batches (rotel batches for up to a few hundred ms).
            want = summary(posted)
            # rotel 0.0.1a15's JSON decoder drops exponential histograms (any encoding of the
            # counts: tried numbers and strings); over protobuf they arrive.
            lost = ("phone-a", "mlcycle.prediction.duration", "s", "exponential_histogram")
            assert want.pop(lost)
            want[(*lost[:3], None)] = []
            deadline = time.time() + 30
            while True:
                with Sink.lock:
                    got = summary([r for _, _, r in Sink.received])
                if set(got) == set(want) and all(same(want[k], got[k], k[0] == "phone-b") for k in want):
                    break
                assert time.time() < deadline, (
                    f"forwarded data differ after 30 s: missing {sorted(set(want) - set(got))[:5]}, "
                    f"extra {sorted(set(got) - set(want))[:5]}, "
                    f"differing {[(k, want[k], got[k]) for k in want if k in got and not same(want[k], got[k], k[0] == 'phone-b')][:2]}")
                time.sleep(0.2)
            paths = {(p, t) for p, t, _ in Sink.received}
            assert paths == {("/v1/metrics", "application/x-protobuf")}, paths
            devices = {k[0] for k in got}
            assert devices == {"phone-a", "phone-b"}, devices
            names = {k[1] for k in got}
            for name in ("mlcycle.predictions", "mlcycle.prediction.duration", "mlcycle.drift.psi"):
                assert name in names, names
            sizes = {"json": len(text_b), "protobuf": len(pb), "json_gzip": len(gzip.compress(text_b.encode())),
                     "protobuf_gzip": len(gzip.compress(pb))}
            print(f"rotel: 200 for JSON and protobuf, 400 for a malformed body; forwarded "
                  f"{len(got)} metrics of 2 devices intact (but the exponential histogram sent as "
                  f"JSON). One device's export: {json.dumps(sizes)}")
        finally:
            agent.terminate()
            try:
                agent.wait(timeout=10)
            except subprocess.TimeoutExpired:
                agent.kill()
            sink.shutdown()


if __name__ == "__main__":
    sys.exit(run_tests(globals()))
