#!/usr/bin/env bash
# demo.sh: the main job (README "Run the demo"): the chat demo on :3000 by default.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --no-browser --no-services
exec go run ./examples/chat "$@"
