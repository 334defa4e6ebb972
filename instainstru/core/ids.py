"""Public identifiers: ULIDs, so ids in URLs and the API are not guessable (80 random bits)
and still sort by creation time. Database keys stay integers for joins."""

from django.db import models
from ulid import ULID


def new_public_id() -> str:
    return str(ULID()).lower()


class PublicIdField(models.CharField):
    DEFAULTS = {"max_length": 26, "unique": True, "editable": False, "default": new_public_id}

    def __init__(self, *args, **kwargs):
        for key, value in self.DEFAULTS.items():
            kwargs.setdefault(key, value)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        # Leaves out only what equals this field's own defaults, so an override survives into
        # migrations (CharField's deconstruct drops unique=False, which is its default but not ours).
        name, path, args, kwargs = super().deconstruct()
        actual = {"max_length": self.max_length, "unique": self._unique, "editable": self.editable}
        actual["default"] = self.default
        for key, value in actual.items():
            if value == self.DEFAULTS[key]:
                kwargs.pop(key, None)
            else:
                kwargs[key] = value
        return name, "instainstru.core.ids.PublicIdField", args, kwargs
