"""Practice configuration: discovery order and clear errors."""
from __future__ import annotations

import pytest

from claimkit.config import find_config_file, load_practice
from claimkit.errors import ConfigError


def test_discovery_order(tmp_path, demo_dir):
    demo = (demo_dir / "claimkit.toml").read_text()
    inner = tmp_path / "a" / "b"
    inner.mkdir(parents=True)
    (tmp_path / "a" / "pyproject.toml").write_text("[project]\nname = 'x'\n")  # not ours: skipped
    assert find_config_file(inner) is None
    (tmp_path / "pyproject.toml").write_text(
        "[tool.claimkit]\n" + demo.replace("[", "[tool.claimkit.").replace("[tool.claimkit.tool.claimkit]", ""))
    assert find_config_file(inner) == tmp_path / "pyproject.toml"
    assert load_practice(search_from=inner).payers["medicare"].unit_rule == "cms"
    (tmp_path / "a" / "claimkit.toml").write_text(demo)
    assert find_config_file(inner) == tmp_path / "a" / "claimkit.toml"  # nearer wins


@pytest.mark.parametrize("text,needle", [("[submitter\n", "not valid TOML"),
                                         ("[payers.x]\nname = 'X'\n", "submitter")])
def test_bad_config_names_the_file(tmp_path, text, needle):
    path = tmp_path / "claimkit.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as exc:
        load_practice(path)
    assert str(path) in str(exc.value) and needle in str(exc.value)


def test_missing_config(tmp_path):
    with pytest.raises(ConfigError, match="no claimkit.toml"):
        load_practice(search_from=tmp_path)
    with pytest.raises(ConfigError, match="is a directory"):
        load_practice(tmp_path)


def test_config_errors_name_every_key_in_plain_words(tmp_path, demo_dir):
    """Issue 13: config errors name the key, all of them at once, in the user's words, with
    "did you mean" for a misspelt key (also under a table of keys such as [payers.KEY] and an
    aliased table such as [validate])."""
    text = (demo_dir / "claimkit.toml").read_text(encoding="utf-8")
    assert "[validate]" not in text  # the demo has none: this test adds one
    text += ('\n[validate]\nignor = ["CK-T001"]\n'
             '\n[payers.zz]\nname = "X"\npayer_id = "12345"\nunit_rul = "cms"\n')
    cfg = tmp_path / "claimkit.toml"
    cfg.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_practice(cfg)
    msg = str(err.value)
    assert "validate.ignor: unknown field (did you mean 'ignore'?)" in msg
    assert "payers.zz.unit_rul: unknown field (did you mean 'unit_rule'?)" in msg
    assert "Extra inputs are not permitted" not in msg
