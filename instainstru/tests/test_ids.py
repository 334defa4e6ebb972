"""Public ids: a PublicIdField's migrations keep exactly what the model says."""

from instainstru.core.ids import PublicIdField, new_public_id


def other_id() -> str:
    return "x" * 30


def test_a_field_with_the_defaults_deconstructs_to_no_arguments():
    field = PublicIdField()
    field.set_attributes_from_name("public_id")
    name, path, args, kwargs = field.deconstruct()
    assert (name, path, args, kwargs) == ("public_id", "instainstru.core.ids.PublicIdField", [], {})
    assert (field.max_length, field.unique, field.editable, field.default) == (26, True, False, new_public_id)


def test_overrides_survive_deconstruction_and_rebuild_the_same_field():
    field = PublicIdField(max_length=40, unique=False, editable=True, default=other_id, db_index=True)
    field.set_attributes_from_name("public_id")
    _, _, args, kwargs = field.deconstruct()
    assert kwargs == {"max_length": 40, "unique": False, "editable": True, "default": other_id, "db_index": True}
    rebuilt = PublicIdField(*args, **kwargs)
    assert (rebuilt.max_length, rebuilt.unique, rebuilt.editable, rebuilt.default, rebuilt.db_index) == (
        40,
        False,
        True,
        other_id,
        True,
    )
