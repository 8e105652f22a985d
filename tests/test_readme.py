"""The README's Python examples run as written."""

import pathlib
import re


def test_readme_python_blocks_run(capsys):
    text = (pathlib.Path(__file__).parent.parent / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert len(blocks) >= 2
    namespace = {}
    for block in blocks:
        exec(compile(block, "README.md", "exec"), namespace)
    assert namespace["model"].evaluate(namespace["x_test"], namespace["y_test"], return_dict=True)["accuracy"] > 0.9
    assert "gradcheck passed" in capsys.readouterr().out
