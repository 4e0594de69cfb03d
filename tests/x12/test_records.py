"""The hot path builds plain records through their constructors: segments and loop records are
slotted classes, claims are slotted dataclasses (pydantic only validates and dumps them at the
edges), and the rules are called from one dispatch method. These tests keep it that way."""
from __future__ import annotations

import ast
import dataclasses
import importlib.util
import json
from pathlib import Path

import pydantic

import claimkit
from claimkit.models import claim as claim_models
from claimkit.models import common, edge
from claimkit.models.claim import Claim, ServiceLine
from claimkit.rules.scan import loops
from claimkit.x12.reader import Segment, read_segments

PACKAGE = Path(claimkit.__file__).resolve().parent
REPO = Path(__file__).resolve().parents[2]
DOMAIN = [claim_models.Party, claim_models.Provider, claim_models.Payer, ServiceLine,
          claim_models.OriginalSegment, claim_models.OriginalSegments, Claim,
          claim_models.Party837, claim_models.Envelope, claim_models.ClaimBatch, common.Address]


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


def test_no_constructor_bypass_in_the_package() -> None:
    """No ``object.__new__`` + slot stores, no pydantic internals set by hand."""
    bad = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.Attribute) and (node.attr == "__new__" or node.attr.startswith("__pydantic_")):
                bad.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {node.attr}")
    assert not bad, bad


def test_rules_are_called_from_one_dispatch_method() -> None:
    """``r.func(...)`` appears once in the scan: in Events._fire (no inlined copies)."""
    calls = []
    for path in sorted((PACKAGE / "rules" / "scan").glob("*.py")):
        tree = _tree(path)
        for fn in ast.walk(tree):
            if isinstance(fn, ast.FunctionDef):
                for node in ast.walk(fn):
                    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                            and node.func.attr == "func"):
                        calls.append((path.name, fn.name))
    assert calls == [("events.py", "_fire")]


def test_segments_and_loop_records_are_slotted_and_complete(reference_text, scan, monkeypatch) -> None:
    segs = list(read_segments(reference_text))
    assert len(segs) > 30
    for s in segs:
        assert not hasattr(s, "__dict__")
        made = Segment(s.id, s.elements, s.index, s.delimiters, s.raw)
        assert [getattr(s, n) for n in Segment.__slots__] == [getattr(made, n) for n in Segment.__slots__]
    opened: list[loops.LoopRecord] = []
    init = loops.LoopRecord.__init__

    def counting(self, *a) -> None:  # every loop record goes through its constructor
        init(self, *a)
        opened.append(self)

    monkeypatch.setattr(loops.LoopRecord, "__init__", counting)
    scan(reference_text.encode())
    assert {r.id for r in opened} >= {"2000A", "2010AA", "2000B", "2010BA", "2300", "2400"}


def test_domain_records_are_slotted_dataclasses_not_pydantic_models() -> None:
    for cls in DOMAIN:
        assert dataclasses.is_dataclass(cls) and "__slots__" in vars(cls), cls
        assert not issubclass(cls, pydantic.BaseModel), cls
        assert cls.__pydantic_config__["extra"] == "forbid", cls


def test_parsed_claims_are_what_edge_validation_gives(reference_text, scan) -> None:
    _, claims, _ = scan(reference_text.encode())
    assert claims
    for pc in claims:
        again = edge.validate(Claim, edge.dump(pc.claim, exclude={"total_charge"}))
        assert again == pc.claim
        for ln in pc.claim.lines:
            assert edge.validate(ServiceLine, edge.dump(ln)) == ln


def test_parsed_claims_share_nothing_mutable(reference_text, scan) -> None:
    """The billing provider and procedure readings are built once and copied: a consumer that
    changes one claim's record must not change another's."""
    _, claims, _ = scan(reference_text.encode())
    a, b = claims[0].claim, claims[1].claim
    assert a.billing_provider == b.billing_provider
    assert a.billing_provider is not b.billing_provider
    assert a.billing_provider.address is not b.billing_provider.address
    lines = [ln for pc in claims for ln in pc.claim.lines]
    assert len({id(ln.modifiers) for ln in lines}) == len(lines)
    assert len({id(ln.pointers) for ln in lines}) == len(lines)


def test_edge_validation_keeps_the_strict_input_rules() -> None:
    """Unknown fields are errors and text is trimmed, as with the pydantic models before; the
    error reads as a model's did (claimkit.messages words it)."""
    try:
        edge.validate(common.Address, {"line1": "1 A St", "city": "Xy", "state": "IL",
                                       "zip": "60601", "county": "Cook"})
    except pydantic.ValidationError as exc:
        (e,) = edge.errors(exc)
        assert e["type"] == "extra_forbidden" and e["loc"] == ("county",)
    else:
        raise AssertionError("an unknown field was accepted")
    a = edge.validate(common.Address, {"line1": " 1 A St ", "city": "Xy", "state": "IL", "zip": "60601-1234"})
    assert a.line1 == "1 A St" and a.zip == "606011234"


def _limits_tool():
    spec = importlib.util.spec_from_file_location("gen_x12_guide", REPO / "tools" / "gen_x12_guide.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_model_limits_are_the_guides() -> None:
    """claimkit/models/x12_limits.py is what the converter derives from the committed guide
    (the --check of tests/x12/test_guide.py also compares it, with pyx12's map)."""
    tool = _limits_tool()
    data = json.loads((PACKAGE / "x12" / "guide" / "x222a1.json").read_text(encoding="utf-8"))
    assert (PACKAGE / "models" / "x12_limits.py").read_text(encoding="utf-8") == tool.render_limits(data)


def test_model_lengths_are_named_constants() -> None:
    """Every max_length in the models is a named constant (the guide's, or claimkit's own ID
    and separator limits), never a restated number."""
    bad = []
    for path in sorted((PACKAGE / "models").glob("*.py")):
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.keyword) and node.arg == "max_length" and isinstance(node.value, ast.Constant):
                bad.append(f"{path.name}:{node.value.lineno}")
    assert not bad, bad


def test_models_import_nothing_from_x12_rules_or_cli() -> None:
    for path in sorted((PACKAGE / "models").glob("*.py")):
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert not node.module.startswith(("claimkit.x12", "claimkit.rules", "cli")), path
