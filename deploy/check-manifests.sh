#!/usr/bin/env bash
# Checks the deploy kit without a cluster, a container engine or the network (package registries
# aside): Kubernetes manifests against the Kubernetes JSON schemas, the kustomize rendering, the
# Secrets create-secrets.sh makes, the Compose file against the Compose spec, the Containerfile,
# the shell scripts and the systemd units. Exits non-zero if any check fails; every check runs, so
# one run shows every problem.
#
#   deploy/check-manifests.sh
#
# The tools come from PyPI, pinned in deploy/check-manifests.requirements.txt, installed into a
# virtualenv under target/ (ignored by git; reused while the requirements file is unchanged;
# TOEX_CHECK_VENV overrides the location). Needs python3 >= 3.11 (for tomllib) with venv.
set -euo pipefail
cd "$(dirname "$0")/.."

requirements=deploy/check-manifests.requirements.txt
venv=${TOEX_CHECK_VENV:-target/deploy-check/venv}
[[ $venv == /* ]] || venv=$PWD/$venv

if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "error: python3 >= 3.11 is needed (found $(python3 --version 2>&1))" >&2
    exit 1
fi

# Tools: (re)create the virtualenv when the pinned requirements change.
wanted=$(python3 -c 'import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest())' "$requirements")
if [[ ! -x $venv/bin/python || $(cat "$venv/.requirements.sha256" 2>/dev/null) != "$wanted" ]]; then
    echo "== installing the check tools into $venv"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$requirements"
    echo "$wanted" >"$venv/.requirements.sha256"
fi
# The pinned tools come first on PATH (create-secrets.sh calls `kubectl` by name), and are
# called by full path here, so a kubectl or docker-compose installed on the machine is never used.
export PATH="$venv/bin:$PATH"
tools=$venv/bin
python=$tools/python

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

failures=()

# step NAME COMMAND...: runs one check, records a failure without stopping.
step() {
    local name=$1
    shift
    echo "== $name"
    if "$@"; then
        echo "   ok: $name"
    else
        echo "   FAILED: $name"
        failures+=("$name")
    fi
}

# Every YAML under deploy/k8s (schemas, hardening, references, kustomization coverage), the
# Compose file (YAML, published ports, networks, mounts, regions), and the audit trails: every hub
# and node has [audit] on a writable audit volume of its own (Kubernetes, Compose) or on a path
# its systemd unit may write (deploy/config with deploy/systemd).
check_sources() {
    "$python" deploy/check_manifests.py source
}

# What `kubectl apply -k deploy/k8s` would apply.
check_kustomize() {
    "$tools/kubectl" kustomize deploy/k8s >"$work/rendered.yaml" || return 1
    "$python" deploy/check_manifests.py rendered "$work/rendered.yaml"
}

# create-secrets.sh on stand-in files: valid objects, the same names and keys as
# secrets.example.yaml (which the workloads' references were checked against).
check_create_secrets() {
    local pki=$work/pki keys=$work/keys region
    mkdir -p "$pki/nodes" "$keys"
    for file in ca.pem hub.pem hub.key hub-public.pem hub-public.key; do
        echo "stand-in $file" >"$pki/$file"
    done
    for region in NERSOU NWROCU LONDON; do
        echo "stand-in" >"$pki/nodes/$region.pem"
        echo "stand-in" >"$pki/nodes/$region.key"
    done
    for file in delegation-signing-key.pem delegation-public-key.pem; do
        echo "stand-in $file" >"$keys/$file"
    done
    echo '{"keys": []}' >"$keys/issuer-jwks.json"
    TOEX_SECRETS_DRY_RUN=1 deploy/k8s/create-secrets.sh "$pki" "$keys" NERSOU NWROCU LONDON \
        >"$work/secrets.yaml" || return 1
    "$python" deploy/check_manifests.py rendered "$work/secrets.yaml" || return 1
    "$python" deploy/check_manifests.py same-objects deploy/k8s/secrets.example.yaml "$work/secrets.yaml"
}

# The Compose file against the Compose specification (no engine needed for `config`).
check_compose() {
    "$tools/docker-compose" --file deploy/compose/compose.yaml config --quiet
}

check_containerfile() {
    "$tools/hadolint" deploy/Containerfile
}

check_scripts() {
    "$tools/shellcheck" deploy/check-manifests.sh deploy/compose/init.sh deploy/k8s/create-secrets.sh \
        deploy/local/federation.sh
}

# systemd's own parser, on copies whose ExecStart points at an executable that exists here, and
# its offline security assessment: exposure at most 2.0 on systemd's 0 (locked down) to 10 (fully
# exposed) scale; --threshold counts in tenths.
check_systemd() {
    local unit
    for unit in toex-hub.service toex-node@.service; do
        sed 's|/usr/local/bin/toex|/bin/true|' "deploy/systemd/$unit" >"$work/$unit"
    done
    cp "$work/toex-node@.service" "$work/toex-node@NWROCU.service"
    SYSTEMD_LOG_LEVEL=warning systemd-analyze verify "$work/toex-hub.service" "$work/toex-node@NWROCU.service" \
        || return 1
    for unit in toex-hub.service toex-node@NWROCU.service; do
        systemd-analyze security --offline=yes --threshold=20 --no-pager "$work/$unit" | tail -n 1 || return 1
    done
}

step "Kubernetes, Compose and systemd sources" check_sources
step "kustomize rendering of deploy/k8s" check_kustomize
step "Secrets from create-secrets.sh" check_create_secrets
step "Compose specification" check_compose
step "Containerfile lint (hadolint)" check_containerfile
step "shell scripts (shellcheck)" check_scripts
if command -v systemd-analyze >/dev/null; then
    step "systemd units" check_systemd
else
    echo "== systemd units"
    echo "   SKIPPED: systemd-analyze is not installed (Debian package systemd)"
fi

if ((${#failures[@]})); then
    echo "deploy kit check FAILED: ${failures[*]}"
    exit 1
fi
echo "deploy kit check passed"
