"""The run services' exceptions, based on `simengine.errors` so the API maps them to 409 and 400."""

from simengine.errors import ConflictError, InvalidInputError


class ControlRefused(ConflictError):
    """A control that the run's current state does not allow (the API answers 409)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class InvalidRunConfig(InvalidInputError):
    """Overrides or a grid that do not produce a valid scenario; carries every error line."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


class InvalidControl(InvalidInputError):
    """A god-mode control naming something the run does not have (the API answers 400)."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors
