"""The hot path builds segments, loop records and service lines without calling their
constructors (a third of a segment's cost). Those objects must still be complete: every slot
and model field set, with the values the constructor or model validation would give. A field
added to the class but not to the hot path fails here."""
from __future__ import annotations

from claimkit.models.claim import ServiceLine
from claimkit.rules.scan import loops
from claimkit.x12.reader import Segment, read_segments


def test_segments_have_every_slot_their_constructor_sets(reference_text) -> None:
    segs = list(read_segments(reference_text))
    assert len(segs) > 30
    for s in segs:
        made = Segment(s.id, s.elements, s.index, s.delimiters, s.raw)
        assert [getattr(s, n) for n in Segment.__slots__] == [getattr(made, n) for n in Segment.__slots__]


def test_loop_records_have_every_slot(reference_text, scan, monkeypatch) -> None:
    made: list[loops.LoopRecord] = []

    def new(cls):
        obj = object.__new__(cls)
        if cls is loops.LoopRecord:
            made.append(obj)
        return obj

    monkeypatch.setattr(loops, "_new", new)
    scan(reference_text.encode())
    assert {r.id for r in made} >= {"2000A", "2010AA", "2000B", "2010BA", "2300", "2400"}
    for rec in made:
        for name in loops.LoopRecord.__slots__:
            getattr(rec, name)  # AttributeError: a slot the hot path does not set


def test_service_lines_are_what_model_validation_gives(reference_text, scan) -> None:
    _, claims, _ = scan(reference_text.encode())
    lines = [ln for pc in claims for ln in pc.claim.lines]
    assert lines
    for ln in lines:
        assert list(ln.__dict__) == list(ServiceLine.model_fields)
        assert ln.model_fields_set == set(ServiceLine.model_fields)
        again = ServiceLine.model_validate(ln.model_dump())
        assert again == ln and again.__dict__ == ln.__dict__
