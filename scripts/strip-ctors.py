#!/usr/bin/env python3
"""Drops tract's *named model transform* registrations from a wasm module's static
constructors, so the linker-level dead code they keep alive can be removed by wasm-opt.

Why: tract registers named model transforms ("patch", "batchify", "block_quant", ...) with
`inventory::submit!`, i.e. wasm `.init_array` constructors that `__wasm_call_ctors` runs. A
constructor is always live, so every function its factory points to is too. tract-nnef's
"patch" transform builds `tract_nnef::nnef()` — the registry of **every** tract-core operator
(FFT/STFT with rustfft, LSTM/GRU, scans, quantized convs, resize, ...) — which pinned ~2 MB of
code into the slim (NNEF-only) build even though its own registry holds three primitives.

mlcycle never looks transforms up by name (`tract_core::transform::get_transform`), so their
registrations are dead weight. This script replaces the `call` to each of those constructors
inside `__wasm_call_ctors` with `nop`s of the same length (the binary layout is unchanged);
`wasm-opt` then removes what became unreachable. It refuses to patch (exit 1) unless
`__wasm_call_ctors` is exactly a list of direct calls, the shape wasm-ld emits, so a toolchain
change cannot make it corrupt a module silently. The kernel registrations (tract-linalg) and
tract's runtime registration are kept.

usage: strip-ctors.py <in.wasm> <out.wasm>
"""
import re
import sys

# Constructors of tract's named model transforms (see the module docstring).
DROP = re.compile(
    r"^(tract_nnef::transform|tract_core::transform|tract_core::batchify|"
    r"tract_core::ops::cnn::conv::nhwc)::_::__ctor::h[0-9a-f]+$"
)


def leb(buf, i):
    result = shift = 0
    while True:
        b = buf[i]
        i += 1
        result |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return result, i


def main(src, dst):
    data = bytearray(open(src, "rb").read())
    assert data[:4] == b"\0asm", "not a wasm module"
    i = 8
    imported_funcs = 0
    names = {}
    code_bodies = []  # (start, end) of each function body, defined functions only
    while i < len(data):
        sid = data[i]
        size, j = leb(data, i + 1)
        end = j + size
        if sid == 2:  # imports: count imported functions (they come first in the index space)
            n, k = leb(data, j)
            for _ in range(n):
                for _ in range(2):
                    l, k = leb(data, k)
                    k += l
                kind = data[k]
                k += 1
                if kind == 0:
                    _, k = leb(data, k)
                    imported_funcs += 1
                elif kind == 1:
                    k += 1
                    flags, k = leb(data, k)
                    _, k = leb(data, k)
                    if flags & 1:
                        _, k = leb(data, k)
                elif kind == 2:
                    flags, k = leb(data, k)
                    _, k = leb(data, k)
                    if flags & 1:
                        _, k = leb(data, k)
                elif kind == 3:
                    k += 2
                else:
                    sys.exit(f"strip-ctors: unknown import kind {kind}")
        elif sid == 10:
            n, k = leb(data, j)
            for _ in range(n):
                l, b = leb(data, k)
                code_bodies.append((b, b + l))
                k = b + l
        elif sid == 0:
            l, k = leb(data, j)
            if data[k : k + l] == b"name":
                k += l
                while k < end:
                    sub = data[k]
                    sl, k = leb(data, k + 1)
                    if sub == 1:
                        n, m = leb(data, k)
                        for _ in range(n):
                            idx, m = leb(data, m)
                            nl, m = leb(data, m)
                            names[idx] = data[m : m + nl].decode("utf-8", "replace")
                            m += nl
                    k += sl
        i = end
    if not names:
        sys.exit("strip-ctors: the module has no name section (run before wasm-opt)")
    ctors = [idx for idx, n in names.items() if n == "__wasm_call_ctors"]
    if len(ctors) != 1:
        sys.exit("strip-ctors: no unique __wasm_call_ctors")
    start, stop = code_bodies[ctors[0] - imported_funcs]
    locals_n, k = leb(data, start)
    if locals_n != 0:
        sys.exit("strip-ctors: __wasm_call_ctors has locals: unexpected shape, not patching")
    dropped = kept = 0
    while k < stop - 1:
        if data[k] != 0x10:
            sys.exit(f"strip-ctors: __wasm_call_ctors is not a list of calls (opcode {data[k]:#x}), not patching")
        callee, nxt = leb(data, k + 1)
        if DROP.match(names.get(callee, "")):
            data[k:nxt] = b"\x01" * (nxt - k)
            dropped += 1
        else:
            kept += 1
        k = nxt
    if data[stop - 1] != 0x0B or k != stop - 1:
        sys.exit("strip-ctors: __wasm_call_ctors does not end as expected, not patching")
    open(dst, "wb").write(data)
    print(f"strip-ctors: dropped {dropped} named-transform registrations, kept {kept} constructors")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
