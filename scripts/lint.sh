#!/bin/sh
# SPDX-License-Identifier: MIT
# make lint: every static check CI runs before the tests, each one line when
# it passes and a clear list when it does not. Exits non-zero on the first
# check that fails.
set -eu
cd "$(dirname "$0")/.."
scripts/format.sh --check
/usr/bin/python3 scripts/check_includes.py hub proto collectors/sysmetrics collectors/pub
(cd web && npm run --silent lint) && echo "eslint: web/js clean"
/usr/bin/python3 -m pyflakes tests/integration/*.py tests/docker/*.py proto/vectors/*.py \
    tests/fuzz/*.py && echo "pyflakes: the Python tests clean"
