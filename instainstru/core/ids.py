"""Public identifiers: ULIDs, so ids in URLs and the API are not guessable (80 random bits)
and still sort by creation time. Database keys stay integers for joins."""

from django.db import models
from ulid import ULID


def new_public_id() -> str:
    return str(ULID()).lower()


class PublicIdField(models.CharField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 26)
        kwargs.setdefault("unique", True)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("default", new_public_id)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        for key in ("max_length", "unique", "editable", "default"):
            kwargs.pop(key, None)
        return name, "instainstru.core.ids.PublicIdField", args, kwargs
