#!/usr/bin/env bash
# Creates or updates the federation's Secrets and key ConfigMaps from PKI and key files laid out
# as `toex certs` and `toex keys` write them (or your CA's files, named the same way):
#
#   PKI_DIR/ca.pem                     federation CA certificate (never ca.key)
#   PKI_DIR/hub.pem, hub.key           hub federation certificate
#   PKI_DIR/hub-public.pem, .key       hub caller-facing certificate
#   PKI_DIR/nodes/<REGION>.pem, .key   one per region
#   KEYS_DIR/delegation-signing-key.pem, delegation-public-key.pem
#   KEYS_DIR/issuer-jwks.json          the identity provider's public keys
#
# Usage:
#   deploy/k8s/create-secrets.sh PKI_DIR KEYS_DIR REGION...     apply to the cluster
#   TOEX_SECRETS_DRY_RUN=1 deploy/k8s/create-secrets.sh ...     print the manifests instead
#
# TOEX_NAMESPACE (default toex) selects the namespace. Re-running it replaces the objects'
# content, which is how certificates and keys are rotated (deploy/README.md, "Rotation").
# Pods pick up new certificates on restart; the issuer JWKS is re-read without one.
set -euo pipefail

if [[ $# -lt 3 ]]; then
    echo "usage: $0 PKI_DIR KEYS_DIR REGION..." >&2
    exit 2
fi
pki=$1
keys=$2
shift 2
namespace=${TOEX_NAMESPACE:-toex}
dry_run=${TOEX_SECRETS_DRY_RUN:-0}

for file in "$pki/ca.pem" "$pki/hub.pem" "$pki/hub.key" "$pki/hub-public.pem" "$pki/hub-public.key" \
    "$keys/delegation-signing-key.pem" "$keys/delegation-public-key.pem" "$keys/issuer-jwks.json"; do
    [[ -f $file ]] || { echo "error: missing $file" >&2; exit 1; }
done
for region in "$@"; do
    [[ $region =~ ^[A-Z][A-Z0-9]{0,31}$ ]] || { echo "error: bad region code $region" >&2; exit 2; }
    for file in "$pki/nodes/$region.pem" "$pki/nodes/$region.key"; do
        [[ -f $file ]] || { echo "error: missing $file" >&2; exit 1; }
    done
done

# emit KIND ARGS...: renders one object client-side, then applies it (or prints it).
emit() {
    local rendered
    rendered=$(kubectl create "$@" --namespace "$namespace" --dry-run=client --output yaml)
    if [[ $dry_run == 1 ]]; then
        printf -- '---\n%s\n' "$rendered"
    else
        printf '%s\n' "$rendered" | kubectl apply --filename -
    fi
}

emit secret generic toex-hub-federation-tls --type=kubernetes.io/tls \
    --from-file=tls.crt="$pki/hub.pem" --from-file=tls.key="$pki/hub.key" --from-file=ca.crt="$pki/ca.pem"
emit secret generic toex-hub-public-tls --type=kubernetes.io/tls \
    --from-file=tls.crt="$pki/hub-public.pem" --from-file=tls.key="$pki/hub-public.key"
emit secret generic toex-hub-delegation-key \
    --from-file=delegation-signing-key.pem="$keys/delegation-signing-key.pem"
emit configmap toex-issuer-jwks --from-file=issuer-jwks.json="$keys/issuer-jwks.json"
emit configmap toex-delegation-public-key \
    --from-file=delegation-public-key.pem="$keys/delegation-public-key.pem"
for region in "$@"; do
    lower=$(tr '[:upper:]' '[:lower:]' <<<"$region")
    emit secret generic "toex-node-$lower-tls" --type=kubernetes.io/tls \
        --from-file=tls.crt="$pki/nodes/$region.pem" --from-file=tls.key="$pki/nodes/$region.key" \
        --from-file=ca.crt="$pki/ca.pem"
done
