"""diff_views on a view that shares its unchanged records with the state before (a copy-on-write backend's view):
shared records and collections are taken as unchanged without being compared; the diff is the one a full
comparison gives."""

from sparring.backend.overlay import diff_views


class Record(dict):
    """A record that counts how often it is compared."""

    compared = 0

    def __eq__(self, other):
        Record.compared += 1
        return dict.__eq__(self, other)

    def __ne__(self, other):
        Record.compared += 1
        return dict.__ne__(self, other)

    __hash__ = None


def test_shared_records_are_not_compared_and_the_diff_is_exact():
    orders = {f"O-{i}": Record(status="placed", total=i) for i in range(1000)}
    users = {"U-1": Record(name="Ann")}
    before = {"orders": orders, "users": users}
    after_orders = dict(orders)  # a new collection sharing every record but the changed ones
    after_orders["O-5"] = Record(status="cancelled", total=5)
    after_orders["O-6"] = Record(status="placed", total=6)  # a copy, equal to the one before
    del after_orders["O-7"]
    after_orders["O-new"] = Record(status="placed", total=0)
    after = {"orders": after_orders, "users": users}  # `users` shared whole
    Record.compared = 0
    diff = diff_views(before, after)
    assert Record.compared <= 4, "only the two records that are not shared (and the diff's own check of them)"
    assert diff.updated == {"orders": {"O-5": {"status": "cancelled", "total": 5}}}
    assert diff.created == {"orders": {"O-new": {"status": "placed", "total": 0}}}
    assert diff.deleted == {"orders": ["O-7"]}


def test_an_equal_copy_of_every_record_is_no_change():
    before = {"orders": {"O-1": {"status": "placed"}}, "users": {}}
    after = {"orders": {"O-1": {"status": "placed"}}, "users": {}, "extra": {}}
    diff = diff_views(before, after)
    assert not diff.updated and not diff.created and not diff.deleted
