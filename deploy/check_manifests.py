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
ConfigMaps, Secrets, Services), TOML configs that parse, and a hub configuration whose regions
match the nodes that are actually deployed.

Prints one line per problem and exits 1 when there is any.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path
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
    count = 0
    for name in paths:
        path = Path(name)
        for obj in load_documents(path, problems):
            validate_schema(obj, name, problems)
            check_workload(obj, name, problems, rendered=True)
            check_toml_data(obj, name, problems)
            count += 1
    if count == 0:
        problems.add(" ".join(paths), "no Kubernetes objects")
    return count


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
    return len(services)


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
        summary = f"{objects} Kubernetes objects under deploy/k8s, {services} Compose services"
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
