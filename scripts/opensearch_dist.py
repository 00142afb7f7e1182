"""Fetch OpenSearch from Maven Central and assemble a runnable distribution (scripts/opensearch).

The distribution is OpenSearch's integration-test zip (a real node: ``bin/opensearch``, ``lib/``,
one module, transport-netty4). The modules the search engine needs (analysis-common, percolator,
lang-painless, reindex …) are published on Maven Central only as jars "for clients", so each is laid
into ``modules/<name>/`` with its libraries and a plugin descriptor, as OpenSearch's build lays them.

What to fetch is declared in ``scripts/opensearch-node/pom.xml`` and ``modules.tsv``; Maven (the
registry's ordinary client) downloads it with strict checksums, and every file used is checked again
here against the ``.sha1`` that Maven Central served beside it. The assembled distribution is cached
under ``<cache>/opensearch-<version>-<fingerprint>`` and reused until the declaration changes
(older ones are left alone: nodes of another checkout may be running from them).
"""
from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass
from pathlib import Path

NODE_DIR = Path(__file__).resolve().parent / "opensearch-node"
POM = NODE_DIR / "pom.xml"
MODULES_TSV = NODE_DIR / "modules.tsv"
POLICIES = NODE_DIR / "policies"
DIST_GROUP = "org.opensearch.distribution.integ-test-zip"
MAVEN_ATTEMPTS = 3
MAVEN_BACKOFF_SECONDS = (10, 30)
READY_MARK = ".govsearch-assembled"
# Bump when assemble() lays the distribution out differently: the cached one is then rebuilt.
LAYOUT = 1


class DistError(RuntimeError):
    """The distribution could not be fetched, verified or assembled (the message says why)."""


@dataclass(frozen=True)
class Artifact:
    """One resolved Maven artifact: its coordinates and the file in the local repository."""

    group: str
    artifact: str
    type: str
    classifier: str
    version: str

    @property
    def key(self) -> str:
        return f"{self.group}:{self.artifact}"

    @property
    def file_name(self) -> str:
        classifier = f"-{self.classifier}" if self.classifier else ""
        return f"{self.artifact}-{self.version}{classifier}.{self.type}"

    def path_in(self, repo: Path) -> Path:
        return repo.joinpath(*self.group.split("."), self.artifact, self.version, self.file_name)


@dataclass(frozen=True)
class Module:
    """One OpenSearch module to add: its folder name, artifact and plugin descriptor fields."""

    name: str
    artifact: str
    classname: str
    extends: tuple[str, ...]
    description: str


def opensearch_version(pom: Path = POM) -> str:
    """The OpenSearch version the pom declares (its ``opensearch.version`` property)."""
    ns = {"m": "http://maven.apache.org/POM/4.0.0"}
    node = ET.parse(pom).getroot().find("m:properties/m:opensearch.version", ns)
    if node is None or not (node.text or "").strip():
        raise DistError(f"{pom} declares no opensearch.version property")
    return node.text.strip()


def load_modules(path: Path = MODULES_TSV) -> tuple[Module, ...]:
    """The modules table (name, artifact, classname, extends, description), comments skipped."""
    modules = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, artifact, classname, extends, description = line.split("\t")
        modules.append(Module(name, artifact, classname,
                              tuple(e for e in extends.split(",") if e), description))
    return tuple(modules)


def fingerprint() -> str:
    """A short hash of everything that decides the assembled distribution."""
    digest = hashlib.sha256(f"layout {LAYOUT}".encode())
    for path in [POM, MODULES_TSV, *sorted(POLICIES.glob("*.policy"))]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def ensure_distribution(cache: Path, maven_repo: Path, log=print) -> Path:
    """The path of an assembled distribution, fetching and assembling it on first use."""
    version = opensearch_version()
    home = cache / f"opensearch-{version}-{fingerprint()}"
    if (home / READY_MARK).exists():
        return home
    cache.mkdir(parents=True, exist_ok=True)
    cache.chmod(0o755)
    log(f"fetching OpenSearch {version} and its modules from Maven Central (once; cached in {cache})")
    tree = resolve(maven_repo, log)
    bad = verify_checksums(tree, maven_repo)
    if bad:  # a corrupt file in the local repository: it was removed, so Maven fetches it anew
        log("checksum mismatch, fetching again:\n  " + "\n  ".join(bad))
        tree = resolve(maven_repo, log)
        bad = verify_checksums(tree, maven_repo)
    if bad:
        raise DistError("checksum verification failed twice (files differ from the .sha1 Maven "
                        "Central serves):\n  " + "\n  ".join(bad))
    log(f"verified {sum(1 for a in tree if a.type != 'pom')} files against Maven Central's .sha1")
    work = Path(tempfile.mkdtemp(prefix=".assembling-", dir=cache))
    try:
        assembled = assemble(tree, maven_repo, version, work)
        if home.exists():
            shutil.rmtree(home)
        assembled.rename(home)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    log(f"assembled {home}")
    return home


def resolve(maven_repo: Path, log) -> dict[Artifact, tuple[Artifact, ...]]:
    """Download the pom's dependencies with Maven; return each artifact's direct dependencies."""
    with tempfile.TemporaryDirectory(prefix="govsearch-opensearch-") as tmp:
        tgf = Path(tmp) / "tree.tgf"
        command = [
            "mvn", "-B", "-q", "--strict-checksums", "-Dstyle.color=never", "-f", str(POM),
            f"-Dmaven.repo.local={maven_repo}",
            "-Dmaven.wagon.http.retryHandler.count=3",
            "-Dmaven.wagon.httpconnectionManager.ttlSeconds=25",
            "dependency:resolve", "dependency:tree", "-DoutputType=tgf", f"-DoutputFile={tgf}",
        ]
        run_maven(command, log)
        return parse_tgf(tgf.read_text(encoding="utf-8"))


def run_maven(command: list[str], log) -> None:
    """Run Maven, retrying a failed download with back-off; a clear error after the last try."""
    if shutil.which("mvn") is None:
        raise DistError("Maven (mvn) is not installed: it fetches OpenSearch from Maven Central "
                        "(apt-get install maven)")
    output = ""
    for attempt in range(1, MAVEN_ATTEMPTS + 1):
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode == 0:
            return
        output = (done.stdout + done.stderr).strip()
        if attempt < MAVEN_ATTEMPTS:
            wait = MAVEN_BACKOFF_SECONDS[attempt - 1]
            log(f"Maven failed (attempt {attempt} of {MAVEN_ATTEMPTS}); retrying in {wait}s")
            time.sleep(wait)
    raise DistError(f"could not fetch OpenSearch from Maven Central after {MAVEN_ATTEMPTS} "
                    f"attempts ({' '.join(command[:6])} …):\n{maven_reason(output)}")


def maven_reason(output: str, limit: int = 12) -> str:
    r"""The lines of Maven's output that say what went wrong (else its last lines).

    >>> maven_reason("[INFO] x\n[ERROR] Failed to execute goal a: Could not transfer b\n[ERROR] \n[ERROR] help")
    '[ERROR] Failed to execute goal a: Could not transfer b'
    """
    telling = re.compile(r"Could not|Failed|[Cc]hecksum|Connect|refused|timed out|Unknown host|"
                         r"not found|Non-resolvable|BUILD FAILURE")
    lines = [line for line in output.splitlines() if telling.search(line)]
    return "\n".join((lines or output.splitlines())[-limit:])


def parse_tgf(text: str) -> dict[Artifact, tuple[Artifact, ...]]:
    """Maven's dependency tree in Trivial Graph Format as {artifact: its direct dependencies}.

    >>> tree = parse_tgf("1 g:root:pom:1\\n2 a.b:c:jar:2.0:compile\\n3 d:e:jar:natives:1:runtime\\n"
    ...                  "#\\n1 2 compile\\n2 3 runtime\\n")
    >>> [(a.artifact, [d.artifact for d in deps]) for a, deps in tree.items()]
    [('root', ['c']), ('c', ['e']), ('e', [])]
    >>> [a for a in tree if a.artifact == 'e'][0].classifier
    'natives'
    """
    nodes_text, _, edges_text = text.partition("\n#\n")
    nodes: dict[str, Artifact] = {}
    for line in nodes_text.splitlines():
        if line.strip():
            node_id, coordinates = line.split(" ", 1)
            nodes[node_id] = parse_coordinates(coordinates)
    children: dict[Artifact, list[Artifact]] = {artifact: [] for artifact in nodes.values()}
    for line in edges_text.splitlines():
        if line.strip():
            parent, child = line.split()[:2]
            children[nodes[parent]].append(nodes[child])
    return {artifact: tuple(deps) for artifact, deps in children.items()}


def parse_coordinates(text: str) -> Artifact:
    """``group:artifact:type[:classifier]:version[:scope]`` (Maven's tree notation)."""
    parts = text.strip().split(":")
    if len(parts) == 4:  # the root project: group:artifact:type:version
        group, artifact, type_, version = parts
        return Artifact(group, artifact, type_, "", version)
    if len(parts) == 5:
        group, artifact, type_, version, _scope = parts
        return Artifact(group, artifact, type_, "", version)
    group, artifact, type_, classifier, version = parts[:5]
    return Artifact(group, artifact, type_, classifier, version)


def verify_checksums(tree: dict[Artifact, tuple[Artifact, ...]], maven_repo: Path) -> list[str]:
    """Check every fetched file against the .sha1 Maven Central served for it; the mismatches
    (each bad file is removed from the local repository, which Maven would otherwise reuse)."""
    bad = []
    for artifact in tree:
        if artifact.type == "pom":
            continue
        path = artifact.path_in(maven_repo)
        sha1_file = path.with_name(path.name + ".sha1")
        if not path.exists() or not sha1_file.exists():
            bad.append(f"{path} (or its .sha1) is missing")
            continue
        expected = sha1_file.read_text(encoding="ascii", errors="replace").split()[0].lower()
        actual = hashlib.sha1(path.read_bytes()).hexdigest()
        if actual != expected:
            bad.append(f"{path}: sha1 {actual}, Maven Central says {expected}")
            shutil.rmtree(path.parent, ignore_errors=True)
    return bad


def assemble(tree, maven_repo: Path, version: str, work: Path) -> Path:
    """Unzip the distribution into ``work`` and add the modules; return the distribution's root."""
    dist = next((a for a in tree if a.group == DIST_GROUP), None)
    if dist is None:
        raise DistError(f"{POM} has no {DIST_GROUP} dependency")
    with zipfile.ZipFile(dist.path_in(maven_repo)) as archive:
        archive.extractall(work)
    home = work / f"opensearch-{version}"
    if not (home / "bin" / "opensearch").exists():
        raise DistError(f"{dist.file_name} has no opensearch-{version}/bin/opensearch")
    in_lib = {artifact_name(jar.name) for jar in (home / "lib").glob("*.jar")}
    by_key = {artifact.key: artifact for artifact in tree}
    placed: dict[str, set[str]] = {}
    for module in load_modules():
        root = by_key.get(module.artifact)
        if root is None:
            raise DistError(f"{module.artifact} (module {module.name}) is not in {POM}")
        inherited = set().union(*(placed[parent] for parent in module.extends))
        target = home / "modules" / module.name
        target.mkdir(parents=True)
        jars = [a for a in closure(root, tree)
                if a.type == "jar" and a.artifact not in in_lib and a.key not in inherited]
        for jar in jars:
            shutil.copy2(jar.path_in(maven_repo), target / jar.file_name)
        placed[module.name] = {jar.key for jar in jars} | inherited
        (target / "plugin-descriptor.properties").write_text(descriptor(module, version),
                                                             encoding="utf-8")
        policy = POLICIES / f"{module.name}.policy"
        if policy.exists():
            shutil.copy2(policy, target / "plugin-security.policy")
    (home / READY_MARK).write_text(fingerprint() + "\n", encoding="utf-8")
    make_readable(home)
    return home


def make_readable(home: Path) -> None:
    """Everyone may read the distribution and run bin/ (root runs the nodes as another user)."""
    home.chmod(0o755)
    for path in home.rglob("*"):
        executable = path.is_dir() or path.parent.name == "bin"
        path.chmod(0o755 if executable else 0o644)


def closure(root: Artifact, tree) -> list[Artifact]:
    """``root`` and everything it depends on, each once, in tree order."""
    seen: list[Artifact] = []
    stack = [root]
    while stack:
        artifact = stack.pop()
        if artifact not in seen:
            seen.append(artifact)
            stack.extend(reversed(tree.get(artifact, ())))
    return seen


def artifact_name(jar_name: str) -> str:
    """The artifact id of a jar named ``<artifact>-<version>.jar``.

    >>> artifact_name("lucene-core-9.12.3.jar"), artifact_name("zstd-jni-1.5.5-5.jar")
    ('lucene-core', 'zstd-jni')
    """
    match = re.match(r"(.+?)-\d[^/]*\.jar$", jar_name)
    return match.group(1) if match else jar_name.removesuffix(".jar")


def descriptor(module: Module, version: str) -> str:
    """The module's plugin-descriptor.properties, with the fields OpenSearch's build writes."""
    return "\n".join([
        f"description={module.description}",
        f"version={version}",
        f"name={module.name}",
        f"classname={module.classname}",
        "java.version=11",
        f"opensearch.version={version}",
        "custom.foldername=",
        f"extended.plugins={','.join(module.extends)}",
        "has.native.controller=false",
        "",
    ])


if __name__ == "__main__":  # pragma: no cover - a manual check: assemble into the default cache
    print(ensure_distribution(Path.home() / ".cache/govsearch/opensearch",
                              Path.home() / ".m2/repository", log=lambda m: print(m, file=sys.stderr)))
