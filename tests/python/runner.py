"""The runner the scripts in tests/python share: every `test_*` function of a module, in name
order, each failure printed with its traceback; exit status 1 when any failed."""

import traceback


def run_tests(namespace):
    tests = [v for k, v in sorted(namespace.items()) if k.startswith("test_") and callable(v)]
    failed = 0
    for t in tests:
        print(t.__name__)
        try:
            t()
        except Exception:  # noqa: BLE001 - report every failure, then fail
            failed += 1
            traceback.print_exc()
    print(f"{len(tests) - failed} passed, {failed} failed")
    return 1 if failed else 0
