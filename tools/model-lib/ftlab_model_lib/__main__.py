"""`python -m ftlab_model_lib` (what `npm run model-lib` runs inside the builder's venv).

  build    --model DIR [--quant Q] [--schedule fallback|gpu] [--out FILE.wasm] [--json]
                                                                one model library (cached)
  runtime                                                       just the TVM web runtime (cached)
  abi      FILE.wasm                                            imports/exports, as JSON
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .schedule import DEFAULT_SCHEDULE, SCHEDULES

QUANTIZATIONS = ("q0f32", "q4f32_1", "q4f16_1")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="model-lib")
    sub = parser.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build")
    b.add_argument("--model", required=True, type=Path)
    b.add_argument("--quant", choices=QUANTIZATIONS)
    b.add_argument(
        "--schedule",
        choices=SCHEDULES,
        default=DEFAULT_SCHEDULE,
        help="fallback: barrier-free kernels (software adapters such as SwiftShader, small models; the default); gpu: TVM's GPU rules (real GPUs, larger models)",
    )
    b.add_argument("--out", type=Path)
    b.add_argument("--json", action="store_true", help="print the result as one JSON line on stdout")
    sub.add_parser("runtime")
    args = parser.parse_args(argv)

    from .runtime import ToolMissingError, ensure_runtime

    try:
        if args.cmd == "runtime":
            rt = ensure_runtime()
            print(json.dumps({"folder": str(rt.folder), "key": rt.key, "objects": [str(o) for o in rt.objects]}))
            return 0
        from .library import build_library, result_json

        if not (args.model / "mlc-chat-config.json").exists():
            print(f"model-lib: {args.model} has no mlc-chat-config.json (give an MLC model folder)", file=sys.stderr)
            return 2
        result = build_library(args.model, args.quant, args.out, args.schedule)
        if args.json:
            print(result_json(result))
        return 0
    except ToolMissingError as e:
        print(f"model-lib: {e}", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
