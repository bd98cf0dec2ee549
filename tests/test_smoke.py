from conftest import Cli


def test_list(cli: Cli, repo: object) -> None:
    """The shipped database lists all 37 papers."""
    result = cli("list", "--json")
    assert result.stdout.count('"key"') == 37
