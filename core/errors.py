"""The base of the domain's own refusals that are not a field's validation error."""


class DomainError(Exception):
    """A rule of the domain refuses the action; `code` says which, `status` what the API
    answers (409: the state of the data does not allow it)."""

    status = 409

    def __init__(self, code: str, message: str):
        self.code = code
        self.message = message
        super().__init__(message)
