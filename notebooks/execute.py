"""Executes a notebook headless with nbclient; exits non-zero on any error."""
import sys

import nbformat
from nbclient import NotebookClient

path = sys.argv[1]
notebook = nbformat.read(path, as_version=4)
client = NotebookClient(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": "notebooks"}})
client.execute()
for cell in notebook.cells:
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream":
            print(output["text"], end="")
        elif "image/png" in output.get("data", {}):
            print("[figure]")
print(f"{path}: {len(notebook.cells)} cells executed without error")
