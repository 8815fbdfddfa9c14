"""Checks the deploy kit's manifests; run by deploy/check-manifests.sh inside its virtualenv.

    python deploy/check_manifests.py source                 every YAML under deploy/k8s and the
                                                            Compose file, plus the kit's rules
    python deploy/check_manifests.py rendered FILE...       manifests produced by a tool
                                                            (kustomize output, create-secrets.sh)
    python deploy/check_manifests.py same-objects A B       A and B define the same objects
                                                            (kind, name, type, data keys)

Kubernetes objects are validated against the JSON schemas bundled in the `kubernetes-validate`
package (no network), in strict mode (unknown fields are errors), for every version in
K8S_VERSIONS. A kind without a schema is an error, not a warning. On top of the schemas, the
kit's own rules: hardened, resourced and probed workloads, references that resolve (volumes,
ConfigMaps, Secrets, Services), TOML configs that parse, a hub configuration whose regions
match the nodes that are actually deployed, and audit trails that can be written: every hub and
node has an [audit] section whose `dir` and `signing_key_file` lie on a writable volume of its
own, mounted at /var/lib/toex/audit (Kubernetes, Compose), or on a path its systemd unit makes
writable (deploy/config, deploy/systemd).

Prints one line per problem and exits 1 when there is any.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import kubernetes_validate
import yaml
from kubernetes_validate.utils import SchemaNotFoundError, ValidationError, VersionNotSupportedError

DEPLOY = Path(__file__).resolve().parent
K8S = DEPLOY / "k8s"
COMPOSE = DEPLOY / "compose" / "compose.yaml"

# The oldest Kubernetes the manifests support (the preStop `sleep` action is on by default
# from 1.30) and the newest whose schemas the pinned kubernetes-validate ships.
K8S_VERSIONS = ("1.30", "1.37")

# Manifests under deploy/k8s that kustomization.yaml deliberately leaves out.
NOT_IN_KUSTOMIZATION_SUFFIX = ".example.yaml"

NAMESPACE = "toex"
SYSTEMD = DEPLOY / "systemd"
REFERENCE_CONFIG = DEPLOY / "config"

# Where the hub's and every node's audit volume is mounted, and the keys of [audit] (the process
# refuses any other key: extend this set when the audit configuration gains one).
AUDIT_MOUNT = "/var/lib/toex/audit"
AUDIT_KEYS = {
    "dir",
    "signing_key_file",
    "segment_max_bytes",
    "queue_capacity",
    "max_batch_records",
    "checkpoint_every_records",
    "checkpoint_interval_secs",
}
# Kubernetes volume sources that a container can write to (the others are always read-only).
WRITABLE_VOLUME_SOURCES = {"emptyDir", "persistentVolumeClaim", "ephemeral"}
WORKLOAD_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "Job", "Pod"}
SERVER_KINDS = {"Deployment", "StatefulSet", "DaemonSet"}


class Problems:
    """Collects problems; each names the file and, where known, the object."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.items.append(f"{where}: {message}")


class StrictLoader(yaml.SafeLoader):
    """A safe loader that refuses duplicate mapping keys (PyYAML keeps the last one silently)."""


def _construct_mapping(loader: StrictLoader, node: yaml.MappingNode, deep: bool = False):
    seen = set()
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = loader.construct_object(key_node, deep=True)
        try:
            duplicate = key in seen
        except TypeError:
            continue
        if duplicate:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return yaml.SafeLoader.construct_mapping(loader, node, deep)


StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_documents(path: Path, problems: Problems) -> list[dict]:
    """Every non-empty YAML document in `path`; a parse error is a problem."""
    try:
        with path.open(encoding="utf-8") as handle:
            documents = [doc for doc in yaml.load_all(handle, Loader=StrictLoader) if doc is not None]
    except (OSError, yaml.YAMLError) as error:
        problems.add(str(path), f"cannot parse YAML: {error}")
        return []
    result = []
    for index, document in enumerate(documents):
        if not isinstance(document, dict):
            problems.add(str(path), f"document {index} is not a mapping")
            continue
        result.append(document)
    return result


def name_of(obj: dict) -> str:
    return f"{obj.get('kind', '?')}/{(obj.get('metadata') or {}).get('name', '?')}"


def validate_schema(obj: dict, where: str, problems: Problems) -> None:
    for version in K8S_VERSIONS:
        try:
            kubernetes_validate.validate(obj, version, strict=True)
        except ValidationError as error:
            path = ".".join(str(part) for part in error.path) or "(top level)"
            problems.add(where, f"{name_of(obj)} fails the Kubernetes {version} schema at {path}: {error.message}")
        except SchemaNotFoundError as error:
            problems.add(where, f"{name_of(obj)}: {error.message}")
        except VersionNotSupportedError:
            problems.add(where, f"kubernetes-validate has no schemas for Kubernetes {version}")
        except (KeyError, TypeError) as error:
            problems.add(where, f"{name_of(obj)} lacks apiVersion or kind ({error})")


def pod_spec(obj: dict) -> dict | None:
    kind = obj.get("kind")
    spec = obj.get("spec") or {}
    if kind == "Pod":
        return spec
    if kind in {"Deployment", "StatefulSet", "DaemonSet", "Job"}:
        return (spec.get("template") or {}).get("spec") or {}
    return None


def template_labels(obj: dict) -> dict:
    if obj.get("kind") == "Pod":
        return (obj.get("metadata") or {}).get("labels") or {}
    return (((obj.get("spec") or {}).get("template") or {}).get("metadata") or {}).get("labels") or {}


def check_workload(obj: dict, where: str, problems: Problems, rendered: bool) -> None:
    """Hardening, resources, probes and volume references of one workload."""
    spec = pod_spec(obj)
    if spec is None:
        return
    label = name_of(obj)
    pod_security = spec.get("securityContext") or {}
    if spec.get("automountServiceAccountToken") is not False:
        problems.add(where, f"{label}: set automountServiceAccountToken: false (no API access needed)")
    if obj.get("kind") in SERVER_KINDS:
        selector = ((obj.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
        labels = template_labels(obj)
        if not selector or any(labels.get(key) != value for key, value in selector.items()):
            problems.add(where, f"{label}: spec.selector.matchLabels does not match the pod template's labels")
    volumes = {volume.get("name") for volume in spec.get("volumes") or []}
    containers = (spec.get("initContainers") or []) + (spec.get("containers") or [])
    for container in containers:
        cname = f"{label} container {container.get('name')}"
        security = container.get("securityContext") or {}
        non_root = security.get("runAsNonRoot", pod_security.get("runAsNonRoot"))
        if non_root is not True:
            problems.add(where, f"{cname}: runAsNonRoot must be true")
        if security.get("readOnlyRootFilesystem") is not True:
            problems.add(where, f"{cname}: readOnlyRootFilesystem must be true")
        if security.get("allowPrivilegeEscalation") is not False:
            problems.add(where, f"{cname}: allowPrivilegeEscalation must be false")
        capabilities = security.get("capabilities") or {}
        if "ALL" not in (capabilities.get("drop") or []):
            problems.add(where, f"{cname}: capabilities.drop must include ALL")
        if capabilities.get("add"):
            problems.add(where, f"{cname}: adds capabilities {capabilities['add']}")
        seccomp = (security.get("seccompProfile") or pod_security.get("seccompProfile") or {}).get("type")
        if seccomp not in {"RuntimeDefault", "Localhost"}:
            problems.add(where, f"{cname}: seccompProfile must be RuntimeDefault (pod or container)")
        resources = container.get("resources") or {}
        for section in ("requests", "limits"):
            for resource in ("cpu", "memory"):
                if resource not in (resources.get(section) or {}):
                    problems.add(where, f"{cname}: resources.{section}.{resource} is not set")
        if obj.get("kind") in SERVER_KINDS and container in (spec.get("containers") or []):
            for probe in ("readinessProbe", "livenessProbe"):
                if probe not in container:
                    problems.add(where, f"{cname}: no {probe}")
        image = container.get("image", "")
        if image.endswith(":latest"):
            problems.add(where, f"{cname}: image {image} uses the latest tag")
        if rendered and "@sha256:" not in image and ":" not in image.rsplit("/", 1)[-1]:
            problems.add(where, f"{cname}: image {image} has no tag or digest")
        for mount in container.get("volumeMounts") or []:
            if mount.get("name") not in volumes:
                problems.add(where, f"{cname}: volumeMount {mount.get('name')} names no volume")


def referenced_objects(obj: dict) -> list[tuple[str, str]]:
    """(kind, name) of every ConfigMap, Secret and PVC a workload's volumes use."""
    spec = pod_spec(obj) or {}
    references = []
    for volume in spec.get("volumes") or []:
        if "configMap" in volume:
            references.append(("ConfigMap", volume["configMap"].get("name")))
        if "secret" in volume:
            references.append(("Secret", volume["secret"].get("secretName")))
        if "persistentVolumeClaim" in volume:
            references.append(("PersistentVolumeClaim", volume["persistentVolumeClaim"].get("claimName")))
        for source in (volume.get("projected") or {}).get("sources") or []:
            if "configMap" in source:
                references.append(("ConfigMap", source["configMap"].get("name")))
            if "secret" in source:
                references.append(("Secret", source["secret"].get("name")))
    return references


def container_port_names(obj: dict) -> set:
    names = set()
    for container in (pod_spec(obj) or {}).get("containers") or []:
        for port in container.get("ports") or []:
            names.add(port.get("name"))
            names.add(port.get("containerPort"))
    return names


def check_toml_data(obj: dict, where: str, problems: Problems) -> dict[str, dict]:
    """Parses every `*.toml` key of a ConfigMap; returns them by key."""
    parsed = {}
    if obj.get("kind") != "ConfigMap":
        return parsed
    for key, text in (obj.get("data") or {}).items():
        if key.endswith(".toml"):
            try:
                parsed[key] = tomllib.loads(text)
            except tomllib.TOMLDecodeError as error:
                problems.add(where, f"{name_of(obj)} key {key}: invalid TOML: {error}")
    return parsed


def under(path: str, parent: str) -> bool:
    """Whether absolute `path` is `parent` or inside it (by path components, not by prefix)."""
    return PurePosixPath(path).is_relative_to(PurePosixPath(parent))


def audit_paths(config: dict, label: str, where: str, problems: Problems) -> list[tuple[str, str, str]]:
    """What of a hub.toml's or node.toml's [audit] must be writable, as (key, path, the directory
    that must be writable for it): the trail `dir` itself, and the directory holding
    `signing_key_file` (the key is created there on first start). Also checks the section
    itself; a problem in it is reported and leaves out the path at fault."""
    audit = config.get("audit")
    if not isinstance(audit, dict):
        problems.add(where, f"{label}: no [audit] section (the hub and nodes refuse to start without one)")
        return []
    for key in sorted(set(audit) - AUDIT_KEYS):
        problems.add(where, f"{label}: unknown key audit.{key} (the process refuses it)")
    paths = []
    trail = audit.get("dir")
    if not isinstance(trail, str) or not trail.startswith("/"):
        problems.add(where, f"{label}: audit.dir must be an absolute path, found {trail!r}")
        trail = None
    else:
        paths.append(("dir", trail, trail))
    key = audit.get("signing_key_file")
    if key is None:
        if config.get("dev_mode") is not True:
            problems.add(where, f"{label}: audit.signing_key_file is required outside dev mode")
    elif not isinstance(key, str) or not key.startswith("/"):
        problems.add(where, f"{label}: audit.signing_key_file must be an absolute path, found {key!r}")
    else:
        if trail is not None and under(key, trail):
            problems.add(where, f"{label}: audit.signing_key_file {key} is inside the trail directory {trail}; keep it outside")
        paths.append(("signing_key_file", key, str(PurePosixPath(key).parent)))
    return paths


def deepest_mount(path: str, mounts: list[dict]) -> dict | None:
    """The volumeMount (Kubernetes) or mount (Compose, same keys) whose mountPath holds `path`."""
    holding = [mount for mount in mounts if under(path, mount.get("mountPath", ""))]
    return max(holding, key=lambda mount: len(PurePosixPath(mount["mountPath"]).parts), default=None)


def check_audit_volumes(objects: list[tuple[str, dict]], problems: Problems) -> None:
    """Every hub and node workload has an [audit] section whose paths lie on a writable volume
    mounted at AUDIT_MOUNT in each of its containers; a node's is a PersistentVolumeClaim of its
    own; no other workload mounts an audit claim (two writers would fork the hash chain)."""
    config_maps = {
        (obj.get("metadata") or {}).get("name"): obj for _, obj in objects if obj.get("kind") == "ConfigMap"
    }
    workloads = [(where, obj) for where, obj in objects if obj.get("kind") in WORKLOAD_KINDS]
    audit_claims: dict[str, str] = {}
    for where, obj in workloads:
        configs = []
        for kind, name in referenced_objects(obj):
            if kind == "ConfigMap" and name in config_maps:
                parsed = check_toml_data(config_maps[name], where, Problems())
                configs += [(key, parsed[key]) for key in ("hub.toml", "node.toml") if key in parsed]
        if not configs:
            continue
        label = name_of(obj)
        spec = pod_spec(obj) or {}
        volumes = {volume.get("name"): volume for volume in spec.get("volumes") or []}
        for key, config in configs:
            paths = audit_paths(config, f"{label} {key}", where, problems)
            for container in spec.get("containers") or []:
                cname = f"{label} container {container.get('name')}"
                mounts = container.get("volumeMounts") or []
                audit_mounts = [m for m in mounts if m.get("mountPath") == AUDIT_MOUNT]
                if not audit_mounts:
                    problems.add(where, f"{cname}: mounts no audit volume at {AUDIT_MOUNT}")
                for mount in audit_mounts:
                    claim = (volumes.get(mount.get("name")) or {}).get("persistentVolumeClaim") or {}
                    if claim.get("claimName"):
                        audit_claims[claim["claimName"]] = label
                for name, path, directory in paths:
                    mount = deepest_mount(directory, mounts)
                    if mount is None:
                        problems.add(where, f"{cname}: {key} audit.{name} ({path}) is on the read-only root file system")
                        continue
                    volume = volumes.get(mount.get("name")) or {}
                    source = next((s for s in WRITABLE_VOLUME_SOURCES if s in volume), None)
                    what = f"{key} audit.{name} ({path}) is on volume {mount.get('name')}"
                    if mount.get("readOnly") or source is None:
                        problems.add(where, f"{cname}: {what}, which is mounted read-only")
                    elif source == "emptyDir" and (volume.get("emptyDir") or {}).get("medium") == "Memory":
                        problems.add(where, f"{cname}: {what}, which is in memory")
                    elif source == "persistentVolumeClaim" and (volume["persistentVolumeClaim"] or {}).get("readOnly"):
                        problems.add(where, f"{cname}: {what}, whose claim is read-only")
                    elif key == "node.toml" and source != "persistentVolumeClaim":
                        problems.add(where, f"{cname}: {what}, which is not a PersistentVolumeClaim (a node's trail must outlive the pod)")
                    elif key == "node.toml" and under(config.get("data_dir") or "/nonexistent", mount.get("mountPath")):
                        problems.add(where, f"{cname}: {what}, which also holds data_dir; give the audit trail a volume of its own")
    for where, obj in workloads:
        for kind, name in referenced_objects(obj):
            if kind == "PersistentVolumeClaim" and name in audit_claims and audit_claims[name] != name_of(obj):
                problems.add(where, f"{name_of(obj)} mounts {kind}/{name}, the audit trail of {audit_claims[name]}")


def check_cross_references(objects: list[tuple[str, dict]], problems: Problems) -> None:
    """References between objects resolve, and the hub's regions match the deployed nodes."""
    by_kind: dict[str, dict[str, tuple[str, dict]]] = {}
    for where, obj in objects:
        name = (obj.get("metadata") or {}).get("name")
        by_kind.setdefault(obj.get("kind"), {})[name] = (where, obj)
    workloads = [(where, obj) for where, obj in objects if obj.get("kind") in WORKLOAD_KINDS]

    for where, obj in workloads:
        for kind, name in referenced_objects(obj):
            if name not in by_kind.get(kind, {}):
                problems.add(where, f"{name_of(obj)} uses {kind}/{name}, defined nowhere in deploy/k8s")

    for where, service in by_kind.get("Service", {}).values():
        selector = (service.get("spec") or {}).get("selector") or {}
        targets = [
            (w, obj)
            for w, obj in workloads
            if obj.get("kind") in SERVER_KINDS
            and selector
            and all(template_labels(obj).get(key) == value for key, value in selector.items())
        ]
        if not targets:
            problems.add(where, f"{name_of(service)} selects no Deployment")
        for port in (service.get("spec") or {}).get("ports") or []:
            target = port.get("targetPort", port.get("port"))
            if targets and not any(target in container_port_names(obj) for _, obj in targets):
                problems.add(where, f"{name_of(service)} targetPort {target} is no container port")

    hub_configs = [
        (where, obj, config)
        for where, obj in by_kind.get("ConfigMap", {}).values()
        for key, config in check_toml_data(obj, where, Problems()).items()
        if key == "hub.toml"
    ]
    for where, _, hub in hub_configs:
        check_k8s_regions(hub, where, by_kind, workloads, problems)
    check_audit_volumes(objects, problems)


def check_k8s_regions(hub: dict, where: str, by_kind: dict, workloads: list, problems: Problems) -> None:
    codes = set()
    for region in hub.get("regions") or []:
        code = region.get("code")
        codes.add(code)
        host = urlsplit(region.get("endpoint", "")).hostname
        if host not in by_kind.get("Service", {}):
            problems.add(where, f"hub.toml region {code}: endpoint host {host} is no Service in deploy/k8s")
            continue
        selector = (by_kind["Service"][host][1].get("spec") or {}).get("selector") or {}
        if selector.get("toex.federation/region") != code:
            problems.add(where, f"hub.toml region {code}: Service/{host} selects region {selector.get('toex.federation/region')}")
        for w, obj in workloads:
            if template_labels(obj).get("toex.federation/region") == code and obj.get("kind") == "Deployment":
                check_node_deployment(code, w, obj, by_kind, problems)
    for w, obj in workloads:
        region = template_labels(obj).get("toex.federation/region")
        if obj.get("kind") == "Deployment" and region and region not in codes:
            problems.add(w, f"{name_of(obj)} serves {region}, which hub.toml does not list")


def check_node_deployment(code: str, where: str, obj: dict, by_kind: dict, problems: Problems) -> None:
    """The node Deployment for `code` mounts a node.toml for `code` and its data where it says."""
    spec = pod_spec(obj) or {}
    lower = code.lower()
    configs = [name for kind, name in referenced_objects(obj) if kind == "ConfigMap"]
    node_tomls = []
    for name in configs:
        _, config_map = by_kind.get("ConfigMap", {}).get(name, (None, {}))
        parsed = check_toml_data(config_map, where, Problems()) if config_map else {}
        if "node.toml" in parsed:
            node_tomls.append(parsed["node.toml"])
    if len(node_tomls) != 1:
        problems.add(where, f"{name_of(obj)}: expected exactly one node.toml ConfigMap, found {len(node_tomls)}")
        return
    node = node_tomls[0]
    if node.get("region") != code:
        problems.add(where, f"{name_of(obj)}: node.toml says region {node.get('region')}, labels say {code}")
    mounts = {m.get("mountPath") for c in spec.get("containers") or [] for m in c.get("volumeMounts") or []}
    if node.get("data_dir") not in mounts:
        problems.add(where, f"{name_of(obj)}: data_dir {node.get('data_dir')} is not a volume mount")
    secrets = [name for kind, name in referenced_objects(obj) if kind == "Secret"]
    if f"toex-node-{lower}-tls" not in secrets:
        problems.add(where, f"{name_of(obj)}: does not mount Secret/toex-node-{lower}-tls")


def check_kustomization(problems: Problems) -> None:
    path = K8S / "kustomization.yaml"
    documents = load_documents(path, problems)
    if len(documents) != 1:
        problems.add(str(path), "expected one Kustomization document")
        return
    kustomization = documents[0]
    allowed = {"apiVersion", "kind", "namespace", "labels", "resources", "images"}
    for key in set(kustomization) - allowed:
        problems.add(str(path), f"unexpected key {key} (extend the check if it is intended)")
    if kustomization.get("kind") != "Kustomization":
        problems.add(str(path), "kind must be Kustomization")
    listed = set()
    for resource in kustomization.get("resources") or []:
        target = (K8S / resource).resolve()
        if not target.is_file():
            problems.add(str(path), f"resource {resource} does not exist")
        listed.add(target)
    for manifest in sorted(K8S.rglob("*.yaml")):
        if manifest.name == "kustomization.yaml" or manifest.name.endswith(NOT_IN_KUSTOMIZATION_SUFFIX):
            continue
        if manifest.resolve() not in listed:
            problems.add(str(path), f"{manifest.relative_to(K8S)} is not listed in resources")


def check_k8s_source(problems: Problems) -> int:
    objects: list[tuple[str, dict]] = []
    for path in sorted(K8S.rglob("*.yaml")) + sorted(K8S.rglob("*.yml")):
        if path.name == "kustomization.yaml":
            continue
        where = str(path.relative_to(DEPLOY.parent))
        documents = load_documents(path, problems)
        if not documents:
            problems.add(where, "no Kubernetes objects")
        for obj in documents:
            validate_schema(obj, where, problems)
            check_workload(obj, where, problems, rendered=False)
            check_toml_data(obj, where, problems)
            namespace = (obj.get("metadata") or {}).get("namespace")
            if obj.get("kind") != "Namespace" and namespace not in (None, NAMESPACE):
                problems.add(where, f"{name_of(obj)} is in namespace {namespace}, not {NAMESPACE}")
            objects.append((where, obj))
    check_cross_references(objects, problems)
    check_kustomization(problems)
    return len(objects)


def check_rendered(paths: list[str], problems: Problems) -> int:
    objects: list[tuple[str, dict]] = []
    for name in paths:
        path = Path(name)
        for obj in load_documents(path, problems):
            validate_schema(obj, name, problems)
            check_workload(obj, name, problems, rendered=True)
            check_toml_data(obj, name, problems)
            objects.append((name, obj))
    if not objects:
        problems.add(" ".join(paths), "no Kubernetes objects")
    # What is applied keeps every hub and node able to write its audit trail.
    check_audit_volumes(objects, problems)
    return len(objects)


def check_compose(problems: Problems) -> int:
    """The Compose file parses, and keeps the nodes off the host and the hub's config consistent."""
    where = str(COMPOSE.relative_to(DEPLOY.parent))
    documents = load_documents(COMPOSE, problems)
    if len(documents) != 1:
        problems.add(where, "expected exactly one YAML document")
        return 0
    compose = documents[0]
    services = compose.get("services") or {}
    networks = compose.get("networks") or {}
    declared_volumes = set(compose.get("volumes") or {})
    base = COMPOSE.parent
    for name, service in services.items():
        label = f"service {name}"
        if service.get("ports") and name != "hub":
            problems.add(where, f"{label} publishes ports; only the hub may")
        for network in service.get("networks") or []:
            if network not in networks:
                problems.add(where, f"{label} uses undeclared network {network}")
        for mount in service.get("volumes") or []:
            source = str(mount).split(":", 1)[0]
            if source.startswith((".", "/")):
                if not (base / source).exists():
                    problems.add(where, f"{label} mounts {source}, which does not exist")
            elif source not in declared_volumes:
                problems.add(where, f"{label} uses undeclared volume {source}")
        if "ALL" not in (service.get("cap_drop") or []):
            problems.add(where, f"{label}: cap_drop must include ALL")
        if "no-new-privileges:true" not in (service.get("security_opt") or []):
            problems.add(where, f"{label}: security_opt must include no-new-privileges:true")
        if service.get("read_only") is not True:
            problems.add(where, f"{label}: read_only must be true")
        if name != "init" and str(service.get("user", "")).split(":")[0] in {"", "0", "root"}:
            problems.add(where, f"{label} must run as a non-root user")
    for toml_path in sorted((base / "config").rglob("*.toml")):
        try:
            tomllib.loads(toml_path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as error:
            problems.add(str(toml_path.relative_to(DEPLOY.parent)), f"invalid TOML: {error}")
    check_compose_regions(compose, where, problems)
    check_compose_audit(compose, where, problems)
    return len(services)


def compose_mounts(service: dict) -> list[dict]:
    """A service's mounts (short syntax, as the kit writes them) with the keys of a Kubernetes
    volumeMount: name (the volume or host path), mountPath, readOnly, plus kind."""
    mounts = []
    for mount in service.get("volumes") or []:
        parts = str(mount).split(":")
        if len(parts) < 2:
            continue
        kind = "bind" if parts[0].startswith((".", "/")) else "volume"
        read_only = len(parts) > 2 and "ro" in parts[2].split(",")
        mounts.append({"name": parts[0], "mountPath": parts[1], "readOnly": read_only, "kind": kind})
    for entry in service.get("tmpfs") or []:
        mounts.append({"name": "tmpfs", "mountPath": str(entry).split(":", 1)[0], "readOnly": False, "kind": "tmpfs"})
    return mounts


def check_compose_audit(compose: dict, where: str, problems: Problems) -> None:
    """The hub and every node keep their [audit] paths on a writable named volume of their own,
    mounted at AUDIT_MOUNT, which `init` also mounts (to hand it to the runtime user)."""
    base = COMPOSE.parent
    services = compose.get("services") or {}
    init_volumes = {m["name"] for m in compose_mounts(services.get("init") or {}) if m["kind"] == "volume"}
    owners: dict[str, list[str]] = {}
    for name, service in services.items():
        command = [str(part) for part in service.get("command") or []]
        if command[:1] not in (["hub"], ["node"]) or "--config" not in command[:-1]:
            continue
        label = f"service {name}"
        config_path = command[command.index("--config") + 1]
        mounts = compose_mounts(service)
        sources = [m["name"] for m in mounts if m["mountPath"] == config_path and m["kind"] == "bind"]
        if len(sources) != 1:
            problems.add(where, f"{label}: its --config {config_path} is not one file mounted from deploy/compose")
            continue
        try:
            config = tomllib.loads((base / sources[0]).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as error:
            problems.add(where, f"{label}: cannot read {sources[0]}: {error}")
            continue
        audit_mounts = [m for m in mounts if m["mountPath"] == AUDIT_MOUNT]
        if not audit_mounts:
            problems.add(where, f"{label}: mounts no audit volume at {AUDIT_MOUNT}")
        for mount in audit_mounts:
            if mount["kind"] == "volume":
                owners.setdefault(mount["name"], []).append(name)
        for key, path, directory in audit_paths(config, f"{label} {sources[0]}", where, problems):
            mount = deepest_mount(directory, mounts)
            what = f"audit.{key} ({path})"
            if mount is None:
                problems.add(where, f"{label}: {what} is on the read-only root file system")
            elif mount["kind"] != "volume":
                problems.add(where, f"{label}: {what} is on a {mount['kind']} mount, not a named volume that persists")
            elif mount["readOnly"]:
                problems.add(where, f"{label}: {what} is on volume {mount['name']}, which is mounted read-only")
            elif mount["name"] not in init_volumes:
                problems.add(where, f"{label}: {what} is on volume {mount['name']}, which init does not mount to hand to the runtime user")
    for volume, users in sorted(owners.items()):
        if len(users) > 1:
            problems.add(where, f"services {', '.join(sorted(users))} share the audit volume {volume}; each needs its own")


def systemd_writable(unit: Path) -> list[str]:
    """The paths a unit with ProtectSystem=strict may write: StateDirectory= (under /var/lib) and
    ReadWritePaths=. Specifiers are kept as written (%i)."""
    writable = []
    for line in unit.read_text(encoding="utf-8").splitlines():
        key, _, value = line.partition("=")
        if key.strip() == "StateDirectory":
            writable += [f"/var/lib/{entry}" for entry in value.split()]
        elif key.strip() == "ReadWritePaths":
            writable += [entry.lstrip("-+") for entry in value.split()]
    return writable


def check_systemd(problems: Problems) -> int:
    """Each unit can write /var/lib/toex/audit and the [audit] paths of the reference configs in
    deploy/config (which the units are installed with)."""
    units = {"hub": SYSTEMD / "toex-hub.service", "node": SYSTEMD / "toex-node@.service"}
    configs = {"hub": [REFERENCE_CONFIG / "hub.toml"], "node": sorted((REFERENCE_CONFIG / "nodes").glob("*.toml"))}
    for role, unit in units.items():
        where = str(unit.relative_to(DEPLOY.parent))
        try:
            writable = systemd_writable(unit)
        except OSError as error:
            problems.add(where, f"cannot read: {error}")
            continue
        if not any(under(AUDIT_MOUNT, path) for path in writable):
            problems.add(where, f"{AUDIT_MOUNT} is neither a StateDirectory= nor under ReadWritePaths=")
        for config_path in configs[role]:
            config_where = str(config_path.relative_to(DEPLOY.parent))
            try:
                config = tomllib.loads(config_path.read_text(encoding="utf-8"))
            except (OSError, tomllib.TOMLDecodeError) as error:
                problems.add(config_where, f"cannot read: {error}")
                continue
            region = config.get("region", "%i")
            instance = [entry.replace("%i", region) for entry in writable]
            for key, path, directory in audit_paths(config, config_path.name, config_where, problems):
                if not any(under(directory, entry) for entry in instance):
                    problems.add(config_where, f"audit.{key} ({path}) is not writable under {unit.name}")
    return len(units)


def check_compose_regions(compose: dict, where: str, problems: Problems) -> None:
    """Each region in hub.toml is a node service mounting that region's config and data."""
    base = COMPOSE.parent
    services = compose.get("services") or {}
    networks = compose.get("networks") or {}
    try:
        hub = tomllib.loads((base / "config" / "hub.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        problems.add(where, f"cannot read config/hub.toml: {error}")
        return
    node_services = {name for name in services if name.startswith("node-")}
    listed = set()
    for region in hub.get("regions") or []:
        code = region.get("code")
        host = urlsplit(region.get("endpoint", "")).hostname
        listed.add(host)
        service = services.get(host)
        if service is None:
            problems.add(where, f"hub.toml region {code}: endpoint host {host} is no service")
            continue
        for network in service.get("networks") or []:
            if not (networks.get(network) or {}).get("internal"):
                problems.add(where, f"service {host} is on network {network}, which is not internal")
        mounts = [str(mount).split(":") for mount in service.get("volumes") or []]
        configs = [m[0] for m in mounts if len(m) > 1 and m[1] == "/etc/toex/node.toml"]
        if len(configs) != 1:
            problems.add(where, f"service {host} must mount exactly one /etc/toex/node.toml")
            continue
        try:
            node = tomllib.loads((base / configs[0]).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as error:
            problems.add(where, f"service {host}: cannot read {configs[0]}: {error}")
            continue
        if node.get("region") != code:
            problems.add(where, f"service {host} is region {node.get('region')} but hub.toml calls it {code}")
        if node.get("data_dir") not in {m[1] for m in mounts if len(m) > 1}:
            problems.add(where, f"service {host}: data_dir {node.get('data_dir')} is not a mount")
    for name in sorted(node_services - listed):
        problems.add(where, f"service {name} is not a region in config/hub.toml")


def object_shapes(path: Path, problems: Problems) -> dict[tuple, tuple]:
    shapes = {}
    for obj in load_documents(path, problems):
        data_keys = sorted(set(obj.get("data") or {}) | set(obj.get("stringData") or {}))
        kind = obj.get("kind")
        # A Secret without a type is Opaque (the API server's default).
        kind_type = obj.get("type") or ("Opaque" if kind == "Secret" else None)
        shapes[(kind, (obj.get("metadata") or {}).get("name"))] = (kind_type, data_keys)
    return shapes


def check_same_objects(first: str, second: str, problems: Problems) -> int:
    """`first` and `second` define the same objects, with the same types and data keys."""
    expected = object_shapes(Path(first), problems)
    actual = object_shapes(Path(second), problems)
    for key in sorted(set(expected) | set(actual), key=str):
        kind, name = key
        if key not in actual:
            problems.add(second, f"{kind}/{name} is missing (it is in {first})")
        elif key not in expected:
            problems.add(second, f"{kind}/{name} is not in {first}")
        elif expected[key] != actual[key]:
            problems.add(second, f"{kind}/{name} has type and keys {actual[key]}, {first} has {expected[key]}")
    return len(actual)


def main(argv: list[str]) -> int:
    problems = Problems()
    if argv[:1] == ["source"] and len(argv) == 1:
        objects = check_k8s_source(problems)
        services = check_compose(problems)
        units = check_systemd(problems)
        summary = f"{objects} Kubernetes objects under deploy/k8s, {services} Compose services, {units} systemd units"
    elif argv[:1] == ["rendered"] and len(argv) > 1:
        objects = check_rendered(argv[1:], problems)
        summary = f"{objects} rendered Kubernetes objects"
    elif argv[:1] == ["same-objects"] and len(argv) == 3:
        objects = check_same_objects(argv[1], argv[2], problems)
        summary = f"{objects} objects compared with {argv[1]}"
    else:
        print(__doc__, file=sys.stderr)
        return 2
    for problem in problems.items:
        print(f"FAIL {problem}")
    if argv[0] != "same-objects":
        summary += f" (Kubernetes {', '.join(K8S_VERSIONS)}, strict schemas)"
    if problems.items:
        print(f"{len(problems.items)} problems in {summary}")
        return 1
    print(f"ok: {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
