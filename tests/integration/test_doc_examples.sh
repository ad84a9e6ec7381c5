#!/usr/bin/env bash
# Every config example in the docs is a file a test loads (issue 21). Each file in
# docs/examples/ must pass `riskgw -n`; each ```json block of a gateway-config page
# that holds config keys must follow a marker line
#   <!-- example: docs/examples/NAME.json -->
# and appear in that file (whitespace aside), so a doc cannot show a config that
# the gateway refuses; and each example file must be shown by some page.
# Not covered: docs/interface.md (messages, not config), docs/simulators.md and
# docs/commissioning.md (riskgw-sim site files).
set -euo pipefail
BUILD=${1:?usage: test_doc_examples.sh BUILD_DIR}
SRC=${RISKGW_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$SRC/tests/lib/harness.sh"
harness_init

n=0
for f in "$SRC"/docs/examples/*.json; do
    "$BUILD/riskgw" -n -c "$f" >"$WORK/check.log" 2>&1 \
        || fail "riskgw -n refused the documented example ${f#"$SRC"/}: $(cat "$WORK/check.log")"
    n=$((n + 1))
done
[ "$n" -gt 0 ] || fail "no examples in docs/examples"

/usr/bin/python3 - "$SRC" <<'PY' || fail "a documented config block is not one of the loaded examples"
import glob, os, re, sys
src = sys.argv[1]
pages = ["rules.md", "configuration.md", "drivers.md", "operations.md", "uplinks-http.md", "console.md", "README.md"]
config_key = re.compile(r'"(devices|alarm|levels|rules|points|calendars|mqtt|store|telemetry|metrics|buses|webhooks|national|measures|fault_flag|console)"')
squash = lambda t: re.sub(r"\s+", "", t)
shown, bad = set(), []
for page in pages:
    path = os.path.join(src, "docs", page) if page != "README.md" else os.path.join(src, page)
    text = open(path, encoding="utf-8").read()
    for m in re.finditer(r"(?ms)^([^\n]*)\n```json\n(.*?)^```", text):
        marker, block = m.group(1), m.group(2)
        line = text[:m.start(2)].count("\n")
        if not config_key.search(block):
            continue
        mk = re.match(r"<!-- example: (docs/examples/[\w.-]+\.json) -->$", marker.strip())
        if not mk:
            bad.append(f"{page}:{line}: a config block without an <!-- example: docs/examples/... --> marker")
            continue
        example = os.path.join(src, mk.group(1))
        if not os.path.exists(example):
            bad.append(f"{page}:{line}: {mk.group(1)} does not exist")
            continue
        shown.add(os.path.realpath(example))
        if squash(block) not in squash(open(example, encoding="utf-8").read()):
            bad.append(f"{page}:{line}: the block is not in {mk.group(1)}")
for f in glob.glob(os.path.join(src, "docs", "examples", "*.json")):
    if os.path.realpath(f) not in shown:
        bad.append(f"{os.path.relpath(f, src)} is shown by no page")
for b in bad:
    print(b)
print(f"{len(shown)} example files shown by the docs")
sys.exit(1 if bad else 0)
PY
echo "PASS: $n example configs load; every config block of the docs is one of them"
