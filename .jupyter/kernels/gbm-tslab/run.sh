#!/bin/sh
# Start tslab from the project root so cells can `import ... from './src/...'` (no global install needed).
cd "$(dirname "$0")/../../.." || exit 1
exec ./node_modules/.bin/tslab kernel --config-path "$1"
