#!/usr/bin/env bash
# The web admin's outside libraries (Chart.js, for the statistics graphs; qrcode-generator, for
# the softphone settings' QR code on the People page), fetched from the npm registry at the
# version package-lock.json pins (its integrity hash checked by npm) and copied to static/vendor/,
# where the pages load them. Run by `make` and flash.sh; the box itself needs no node. Does
# nothing when the copy is already there for this lock file.
set -euo pipefail
cd "$(dirname "$0")"
stamp=static/vendor/.lock-sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ -f static/vendor/chart.umd.min.js && -f static/vendor/qrcode-generator.js && -f $stamp && $(cat "$stamp") == "$want" ]]; then
    exit 0
fi
if ! command -v npm >/dev/null; then
    echo "web admin: npm is missing; installing Debian's npm" >&2
    SUDO=$([[ $(id -u) == 0 ]] || echo sudo)
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends npm
fi
echo "web admin: fetching Chart.js and qrcode-generator from the npm registry (package-lock.json)" >&2
npm ci --no-audit --no-fund --loglevel=error >&2 || {
    echo "web admin: 'npm ci' in $(pwd) failed (see above); the statistics page needs Chart.js, the People page qrcode-generator" >&2
    exit 1
}
mkdir -p static/vendor
cp node_modules/chart.js/dist/chart.umd.min.js static/vendor/
cp node_modules/chart.js/LICENSE.md static/vendor/chart.js-LICENSE.md
# Its ES module (MIT licence in its header: the package ships no licence file), named .js so
# that it is served as JavaScript, which module scripts need.
cp node_modules/qrcode-generator/dist/qrcode.mjs static/vendor/qrcode-generator.js
echo "$want" > "$stamp"
