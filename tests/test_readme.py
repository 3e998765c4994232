"""The README's code samples run as written, and its Quick start is what CI runs."""
import re
from pathlib import Path

import pytest

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()
SNIPPETS = re.findall(r"<!-- readme-snippet -->\n```python\n(.*?)```", README, re.S)


def test_readme_has_the_snippets():
    assert len(SNIPPETS) >= 2


@pytest.mark.parametrize("index", range(len(SNIPPETS)))
def test_snippet_runs(index):
    exec(compile(SNIPPETS[index], f"README snippet {index}", "exec"), {"__name__": "readme"})


def test_quick_start_has_exactly_two_commands_and_ci_runs_the_test_one():
    quick = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```bash\n(.*?)\n```", quick, re.S)
    assert len(commands) == 2 and all("\n" not in c for c in commands)
    assert "examples/cats_vs_dogs.py" in commands[0] and "pytest" in commands[1]
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text()
    assert "quickstart-test" in ci and "eval" in ci


def test_the_op_table_snippet_defines_a_working_property_test():
    namespace = {"__name__": "readme"}
    snippet = next(s for s in SNIPPETS if "property_test" in s)
    exec(compile(snippet, "README op-table snippet", "exec"), namespace)
    namespace["test_softplus"]()   # runs the hypothesis property checks
