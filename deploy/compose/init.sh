#!/bin/sh
# One-shot set-up for the Compose federation, run by the `init` service (toolbox image, as root
# with only the CHOWN, DAC_OVERRIDE and FOWNER capabilities, no network).
#
#  1. Makes a development PKI (`toex certs`) and token keys (`toex keys`) once, into volumes only
#     this service mounts. Delete them (`docker compose down -v`) to start again from scratch.
#  2. Hands each service only what it needs, owned by the runtime user (65532):
#       hub:   ca.pem, hub.pem/.key, hub-public.pem/.key; delegation-signing-key.pem, issuer-jwks.json
#       nodes: ca.pem, its own nodes/<REGION>.pem/.key as node.pem/.key; delegation-public-key.pem
#     The CA key and the issuer's signing key never leave the init volumes.
#     It also makes the root of each audit volume (the hub's and every node's) the runtime user's,
#     mode 0700, so the process can create its trail and checkpoint signing key there; it never
#     touches what is inside.
#  3. Generates each region's synthetic data (`toex gen-data`) once.
#
# It is idempotent: running it again (every `docker compose up` does) keeps the existing PKI,
# keys and data, and re-copies the files, so the running services keep matching certificates.
set -eu

REGIONS="NERSOU NWROCU LONDON"
SCALE="${TOEX_SCALE:-2000}"
RUNTIME_UID=65532
PKI=/var/lib/toex-init/pki
KEYS=/var/lib/toex-init/keys
OUT=/var/lib/toex-init/out

umask 077

if [ ! -f "$PKI/ca.pem" ]; then
    echo "init: creating the development PKI for $REGIONS"
    toex certs --out "$PKI" --regions "$(echo "$REGIONS" | tr ' ' ',')"
else
    echo "init: keeping the existing development PKI"
fi

if [ ! -f "$KEYS/issuer-jwks.json" ]; then
    echo "init: creating the issuer and delegation keys"
    toex keys --out "$KEYS"
else
    echo "init: keeping the existing issuer and delegation keys"
fi

# copy MODE SOURCE DEST: one file, owned by the runtime user.
copy() {
    install -o "$RUNTIME_UID" -g "$RUNTIME_UID" -m "$1" "$2" "$3"
}

# owned DIR: the volume's root directory, owned by the runtime user, private.
owned() {
    chown "$RUNTIME_UID:$RUNTIME_UID" "$1"
    chmod 0700 "$1"
}

owned "$OUT/hub/pki"
copy 0644 "$PKI/ca.pem" "$OUT/hub/pki/ca.pem"
copy 0644 "$PKI/hub.pem" "$OUT/hub/pki/hub.pem"
copy 0600 "$PKI/hub.key" "$OUT/hub/pki/hub.key"
copy 0644 "$PKI/hub-public.pem" "$OUT/hub/pki/hub-public.pem"
copy 0600 "$PKI/hub-public.key" "$OUT/hub/pki/hub-public.key"

owned "$OUT/hub/keys"
copy 0600 "$KEYS/delegation-signing-key.pem" "$OUT/hub/keys/delegation-signing-key.pem"
copy 0644 "$KEYS/issuer-jwks.json" "$OUT/hub/keys/issuer-jwks.json"

owned "$OUT/hub/audit"

owned "$OUT/node-keys"
copy 0644 "$KEYS/delegation-public-key.pem" "$OUT/node-keys/delegation-public-key.pem"

for region in $REGIONS; do
    owned "$OUT/nodes/$region/pki"
    copy 0644 "$PKI/ca.pem" "$OUT/nodes/$region/pki/ca.pem"
    copy 0644 "$PKI/nodes/$region.pem" "$OUT/nodes/$region/pki/node.pem"
    copy 0600 "$PKI/nodes/$region.key" "$OUT/nodes/$region/pki/node.key"

    owned "$OUT/nodes/$region/audit"

    data="/var/lib/toex/$region"
    if [ ! -d "$data/persons" ]; then
        echo "init: generating synthetic data for $region (scale $SCALE)"
        toex gen-data --region "$region" --out "$data" --scale "$SCALE"
    else
        echo "init: keeping the existing data for $region"
    fi
    chown -R "$RUNTIME_UID:$RUNTIME_UID" "$data"
done

echo "init: done"
