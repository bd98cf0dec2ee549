"""`evlm check`'s rules from what `evlm update` learnt (issue 11): "link-other-paper" and "preprint-published",
reported from the cache with no network."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import Cli
from fakeapi import FakeApi
from test_update import answer_isomorphic, api, survey  # noqa: F401 - the fixtures


class TestCheckRules:
    def test_check_warns_offline_from_what_update_learnt(self, cli: Cli, api: FakeApi, survey: Path) -> None:  # noqa: F811
        """After `update` (nothing applied), `check` reports the link and the published version with no network."""
        assert "link-other-paper" not in cli("check", "--json", code=0).stdout
        answer_isomorphic(api)
        cli("update", "fang2024isomorphic")
        asked = len(api.requests)
        findings = json.loads(cli("check", "--json").stdout)
        assert len(api.requests) == asked, "check asks no service"
        by_rule = {f["rule"]: f for f in findings if f["key"] == "fang2024isomorphic"}
        assert "2308.13137 'OmniQuant: Omnidirectionally" in by_rule["link-other-paper"]["message"]
        assert by_rule["preprint-published"]["message"].startswith("published as ECCV (46) 2024")

    def test_a_fixed_paper_is_not_reported(self, cli: Cli, api: FakeApi, survey: Path) -> None:  # noqa: F811
        answer_isomorphic(api)
        cli("update", "fang2024isomorphic", "--apply", "--no-build")
        findings = json.loads(cli("check", "--json").stdout)
        rules = {f["rule"] for f in findings if f["key"] == "fang2024isomorphic"}
        assert not rules & {"link-other-paper", "preprint-published"}
