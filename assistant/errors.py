"""The assistant's exceptions.

Core code raises these; only the CLI and the UI turn them into messages for people
(and exit codes). Every message says what is wrong *and* what to do about it.
"""


class AssistantError(Exception):
    """Base class: something the user can fix."""

    exit_code = 1


class InputError(AssistantError):
    """A query, file or option the assistant cannot use as given."""

    exit_code = 2


class IndexProblem(AssistantError):
    """The index is missing, damaged, or was built by another model."""

    exit_code = 3
