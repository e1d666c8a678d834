"""Errors of the Python side, with the CLI's stable codes."""


class MlcycleError(RuntimeError):
    """A failure of the `mlcycle` CLI (`code`: its stable error code, e.g. `E_CSV`) or of the
    export (`code`: `E_EXPORT`)."""

    def __init__(self, code, message):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
