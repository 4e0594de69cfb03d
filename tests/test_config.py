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
