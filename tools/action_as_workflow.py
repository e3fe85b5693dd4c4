"""Print a workflow that runs action.yml's composite steps, so actionlint can check them.

actionlint lints workflows, not action metadata. The steps of a composite action are
the same YAML as a workflow job's; declaring the action's inputs as workflow_dispatch
inputs makes ``${{ inputs.NAME }}`` type-check as it does inside the action.

    python tools/action_as_workflow.py action.yml > action-steps.yml
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml


def as_workflow(action: dict[str, Any]) -> dict[str, Any]:
    runs = action.get("runs") or {}
    if runs.get("using") != "composite":
        raise SystemExit("action_as_workflow: only composite actions have steps to lint")
    inputs = {
        name: {
            "description": spec.get("description", name),
            "required": bool(spec.get("required", False)),
            "type": "string",
        }
        for name, spec in (action.get("inputs") or {}).items()
    }
    return {
        "name": f"steps of {action.get('name', 'the action')}",
        "on": {"workflow_dispatch": {"inputs": inputs}},
        "permissions": {},
        "jobs": {
            "action": {
                "runs-on": "ubuntu-latest",
                "steps": runs.get("steps") or [],
            }
        },
    }


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: action_as_workflow.py ACTION_YML", file=sys.stderr)
        return 2
    action = yaml.safe_load(Path(argv[0]).read_text(encoding="utf-8"))
    # JSON is YAML: no YAML emitter quirks (`on` quoted, keys reordered) to worry about.
    print(json.dumps(as_workflow(action), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
