"""Execute one notebook headlessly with nbclient; on a cell error print the cell and the error, exit 1.

Used by scripts/run-notebooks.ts (npm run notebooks); runs on Debian's python3 with python3-nbclient.
"""
import argparse
import sys

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("notebook")
    ap.add_argument("--save", action="store_true", help="write the outputs back into the notebook")
    ap.add_argument("--timeout", type=int, default=1800, help="seconds per cell")
    ap.add_argument("--ts-version", default=None, help="TypeScript version tslab compiles with (it reports 3.7.2 to Jupyter)")
    args = ap.parse_args()
    nb = nbformat.read(args.notebook, as_version=4)
    client = NotebookClient(nb, timeout=args.timeout, kernel_name="gbm-tslab", allow_errors=False,
                            resources={"metadata": {"path": "."}})
    try:
        client.execute()
    except CellExecutionError as err:
        print(f"\n{args.notebook}: a cell failed\n{err}", file=sys.stderr)
        # tslab reports compile (type) errors on the cell's stderr stream, not in the error reply: show them.
        for cell in nb.cells:
            outs = cell.get("outputs", [])
            if any(o.get("output_type") == "error" for o in outs):
                for o in outs:
                    if o.get("output_type") == "stream" and o.get("name") == "stderr":
                        print(o.get("text", ""), file=sys.stderr)
        return 1
    if args.save:
        if args.ts_version:
            nb.metadata.setdefault("language_info", {})["version"] = args.ts_version
        nbformat.write(nb, args.notebook)
    return 0


if __name__ == "__main__":
    sys.exit(main())
