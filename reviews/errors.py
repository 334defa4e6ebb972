class RefusedError(Exception):
    """A request this app refuses, with a message meant for the person who made it.

    `status` is the HTTP status an adapter should answer with.
    """

    def __init__(self, message: str, *, status: int = 422, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.field = field
