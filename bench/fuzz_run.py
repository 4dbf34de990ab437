"""Long fuzz run over the script loader and the import readers; prints inputs tried and crashes.

    .venv/bin/python -m bench.fuzz_run --examples 20000 --loader-examples 20000 [--seed 1]

Every input is derived from ``random.Random(seed + i)``, so a crash is reproduced by its index.
A crash is any exception other than the expected refusals (see ``bench/fuzz_targets.py``); the first
few are printed with their traceback.  The result is also written to ``bench/results/fuzz.json``.
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import sys
import tempfile
import time
import traceback
from pathlib import Path

from bench.fuzz_targets import TARGETS

RESULTS = Path(__file__).resolve().parent / "results"


def run(target: str, examples: int, seed: int, scratch: Path, show: int = 3) -> dict[str, object]:
    function = TARGETS[target]
    outcomes: collections.Counter[str] = collections.Counter()
    crashes: list[dict[str, object]] = []
    started = time.perf_counter()
    for index in range(examples):
        try:
            outcomes[function(random.Random(seed + index), scratch / target)] += 1
        except Exception as exc:  # noqa: BLE001 - a crash is what we are counting
            crashes.append({"index": index, "error": f"{type(exc).__name__}: {exc}"[:300]})
            if len(crashes) <= show:
                print(f"[{target}] crash at input {seed + index}:", file=sys.stderr)
                traceback.print_exc(limit=6)
    elapsed = time.perf_counter() - started
    return {"target": target, "inputs": examples, "crashes": len(crashes), "outcomes": dict(outcomes),
            "seconds": round(elapsed, 1), "inputs_per_second": round(examples / elapsed, 1) if elapsed else None,
            "first_crashes": crashes[:10]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=20000, help="inputs for the import readers")
    parser.add_argument("--loader-examples", type=int, default=20000,
                        help="inputs for the script loader (slower: every input parses the common file)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", choices=sorted(TARGETS), default=None)
    args = parser.parse_args(argv)
    plan = {"importer_readers": args.examples, "script_loader": args.loader_examples}
    results = []
    with tempfile.TemporaryDirectory(prefix="dissuade-fuzz-") as scratch:
        for target, examples in plan.items():
            if args.only and target != args.only:
                continue
            result = run(target, examples, args.seed, Path(scratch))
            results.append(result)
            print(f"{target:18s} inputs tried: {result['inputs']:>7}   crashes: {result['crashes']}   "
                  f"({result['seconds']} s, {result['inputs_per_second']}/s)  outcomes: {result['outcomes']}")
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / "fuzz.json"
    merged = {r["target"]: r for r in json.loads(path.read_text(encoding="utf-8")).get("results", [])} \
        if path.exists() else {}
    merged.update({str(r["target"]): r for r in results})  # a --only run keeps the other target's figures
    path.write_text(json.dumps({"seed": args.seed, "results": list(merged.values())}, ensure_ascii=False,
                               indent=2), encoding="utf-8")
    return 1 if any(r["crashes"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
