"""A 2-node OpenSearch cluster on loopback ports, for the tests (scripts/opensearch).

Each node has its own folder under the run directory (config, data, logs, tmp), binds HTTP and
transport to 127.0.0.1 on ports free at start-up, and discovers only the other node. The nodes
run with small heaps and without the security plugin (the integration-test distribution has none).
``state.json`` in the run directory records the nodes (pid, ports) for ``stop``, ``status`` and
``kill-node``.
"""
from __future__ import annotations

import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path

NODE_NAMES = ("node-1", "node-2")
CLUSTER_NAME = "govsearch-test"
# OpenSearch refuses to run as root ("can not run opensearch as root"); root runs it as this user.
SERVICE_USER = "govsearch-opensearch"
STOP_GRACE_SECONDS = 30


class ClusterError(RuntimeError):
    """The cluster could not be started or reached (the message says why)."""


@dataclass(frozen=True)
class Node:
    """One node of the cluster as started: its name, folder, ports and process id."""

    name: str
    folder: str
    http_port: int
    transport_port: int
    pid: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"


@dataclass(frozen=True)
class Options:
    """How to run the nodes: the distribution, the run directory, Java, heap and patience."""

    distribution: Path
    run_dir: Path
    java_home: Path
    heap: str = "512m"
    timeout: float = 300.0
    user: str = SERVICE_USER


# ---------------------------------------------------------------- state

def state_path(run_dir: Path) -> Path:
    return run_dir / "state.json"


def load_nodes(run_dir: Path) -> tuple[Node, ...]:
    """The nodes recorded by the last start (empty when none)."""
    path = state_path(run_dir)
    if not path.exists():
        return ()
    return tuple(Node(**node) for node in json.loads(path.read_text(encoding="utf-8"))["nodes"])


def save_nodes(run_dir: Path, nodes: tuple[Node, ...]) -> None:
    path = state_path(run_dir)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"cluster": CLUSTER_NAME, "url": nodes[0].url,
                               "nodes": [asdict(node) for node in nodes]}, indent=2) + "\n",
                   encoding="utf-8")
    tmp.replace(path)


_EXEC_READS = 20  # reads of /proc/<pid>/environ while it is empty (an exec under way), 50 ms apart


def is_running(node: Node) -> bool:
    """Whether the node's process is alive and still this node (not a recycled pid)."""
    if node.pid <= 0:
        return False
    proc = Path(f"/proc/{node.pid}")
    for _ in range(_EXEC_READS):
        try:
            if re.search(r"^State:\s+Z", (proc / "status").read_text(), re.M):
                return False
            # The launcher script, then the JVM it execs, keep the environment it was given.
            environ = (proc / "environ").read_bytes()
        except OSError:
            return False
        if environ:
            return f"OPENSEARCH_PATH_CONF={Path(node.folder) / 'config'}".encode() in environ.split(b"\0")
        # Read while the launcher execs the JVM, a process's environ is briefly empty: that is
        # not a node that exited (it was taken for one, failing starts and restarts now and then).
        time.sleep(0.05)
    return False


# ---------------------------------------------------------------- start

def start(options: Options, log) -> tuple[Node, ...]:
    """Start the cluster (or the nodes of it that died) and wait until it is green."""
    nodes = load_nodes(options.run_dir)
    alive = [node for node in nodes if is_running(node)]
    if nodes and len(alive) == len(nodes) and health(nodes[0].url, timeout=5).get("status") == "green":
        log(f"already running: {nodes[0].url}")
        return nodes
    if not alive:
        nodes = fresh_cluster(options)
    elif len(alive) < len(nodes):
        log(f"restarting {', '.join(n.name for n in nodes if not is_running(n))} with its data; "
            f"{', '.join(n.name for n in alive)} still running")
    began = time.monotonic()
    started = tuple(node if is_running(node) else launch(node, options) for node in nodes)
    save_nodes(options.run_dir, started)
    try:
        wait_green(started, options.timeout)
    except ClusterError:
        for node in started:
            if node not in alive:  # leave alone what was running before this start
                stop_node(node)
        raise
    log(f"cluster green with {len(started)} nodes in {time.monotonic() - began:.1f}s")
    return started


def fresh_cluster(options: Options) -> tuple[Node, ...]:
    """Empty node folders with their configuration, on ports free now."""
    cluster = options.run_dir / "cluster"
    if cluster.exists():
        shutil.rmtree(cluster)
    cluster.mkdir(parents=True)
    options.run_dir.chmod(0o755)
    ports = free_ports(2 * len(NODE_NAMES))
    nodes = tuple(Node(name=name, folder=str(cluster / name), http_port=ports[2 * i],
                       transport_port=ports[2 * i + 1]) for i, name in enumerate(NODE_NAMES))
    account = service_account(options.user)
    if account:
        for path in (options.distribution / "bin" / "opensearch", cluster):
            check_reachable(path, options.user)
    for node in nodes:
        write_config(node, nodes, options)
        if account:
            chown_tree(Path(node.folder), *account)
    return nodes


def service_account(name: str) -> tuple[int, int] | None:
    """The (uid, gid) to run the nodes as when we are root (the user is made once); else None."""
    if os.geteuid() != 0:
        return None
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        done = subprocess.run(["useradd", "--system", "--user-group", "--no-create-home",
                               "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", name],
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise ClusterError(f"OpenSearch will not run as root and the user {name} could not be "
                               f"made: {done.stderr.strip()}")
        entry = pwd.getpwnam(name)
    return entry.pw_uid, entry.pw_gid


def check_reachable(path: Path, user: str) -> None:
    """Fail clearly when the service user could not get to ``path`` (e.g. under /root)."""
    for folder in path.parents:
        if not folder.stat().st_mode & 0o001:
            raise ClusterError(f"{folder} is closed to other users, and the nodes run as {user} "
                               f"(OpenSearch will not run as root): keep the distribution and the "
                               f"run directory outside it (GOVSEARCH_OPENSEARCH_CACHE, "
                               f"GOVSEARCH_OPENSEARCH_RUN)")


def chown_tree(folder: Path, uid: int, gid: int) -> None:
    for path in [folder, *folder.rglob("*")]:
        os.chown(path, uid, gid)


def free_ports(count: int) -> list[int]:
    """Ports on 127.0.0.1 that nothing listens on now (held together so they differ)."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def write_config(node: Node, nodes: tuple[Node, ...], options: Options) -> None:
    """The node's config folder: opensearch.yml, jvm.options (+ heap), log4j2.properties."""
    folder = Path(node.folder)
    config = folder / "config"
    for sub in ("data", "logs", "tmp", "config/jvm.options.d"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    source = options.distribution / "config"
    # Its paths are relative to the distribution (the launcher runs there): make them the node's.
    jvm_options = (source / "jvm.options").read_text(encoding="utf-8")
    jvm_options = re.sub(r"(?<=[=:])logs/", f"{folder / 'logs'}/", jvm_options)
    jvm_options = jvm_options.replace("HeapDumpPath=data", f"HeapDumpPath={folder / 'data'}")
    (config / "jvm.options").write_text(jvm_options, encoding="utf-8")
    shutil.copy2(source / "log4j2.properties", config / "log4j2.properties")
    # jvm.options.d is read after jvm.options, so these replace its 1 GB heap.
    (config / "jvm.options.d" / "govsearch.options").write_text(
        f"-Xms{options.heap}\n-Xmx{options.heap}\n",
        encoding="utf-8")
    seeds = ", ".join(f'"127.0.0.1:{other.transport_port}"' for other in nodes)
    managers = ", ".join(f'"{other.name}"' for other in nodes)
    (config / "opensearch.yml").write_text("\n".join([
        "# Written by scripts/opensearch: a test node on loopback only.",
        f"cluster.name: {CLUSTER_NAME}",
        f"node.name: {node.name}",
        f"path.data: {folder / 'data'}",
        f"path.logs: {folder / 'logs'}",
        "network.host: 127.0.0.1",
        f"http.port: {node.http_port}",
        f"transport.port: {node.transport_port}",
        f"discovery.seed_hosts: [{seeds}]",
        f"cluster.initial_cluster_manager_nodes: [{managers}]",
        # A test cluster on a shared disk: free-space watermarks must not leave replicas unassigned.
        "cluster.routing.allocation.disk.threshold_enabled: false",
        "action.destructive_requires_name: false",
        # A long query (a question of ten words or more) compiles to more than Lucene's default
        # 1,024 clauses: each clause's features appear in the candidates, tiers and contender filter.
        "indices.query.bool.max_clause_count: 8192",
        "",
    ]), encoding="utf-8")


def launch(node: Node, options: Options) -> Node:
    """Start the node's process in its own session; return the node with its pid."""
    folder = Path(node.folder)
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("OPENSEARCH_", "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS"))}
    env.update({
        "OPENSEARCH_JAVA_HOME": str(options.java_home),
        "JAVA_HOME": str(options.java_home),
        "OPENSEARCH_PATH_CONF": str(folder / "config"),
        "OPENSEARCH_TMPDIR": str(folder / "tmp"),
    })
    env["HOME"] = str(folder)
    account = service_account(options.user)
    as_user = {"user": account[0], "group": account[1], "extra_groups": []} if account else {}
    with open(folder / "logs" / "console.log", "ab") as console:
        process = subprocess.Popen([str(options.distribution / "bin" / "opensearch")],
                                   cwd=folder, env=env, stdin=subprocess.DEVNULL,
                                   stdout=console, stderr=subprocess.STDOUT, start_new_session=True,
                                   **as_user)
    launched = Node(node.name, node.folder, node.http_port, node.transport_port, process.pid)
    # Until it execs the launcher, the child still has this process's environment and does
    # not look like the node yet (is_running): wait for that, so a slow fork under load is
    # not taken for a node that exited while starting.
    deadline = time.monotonic() + 30
    while process.poll() is None and not is_running(launched) and time.monotonic() < deadline:
        time.sleep(0.05)
    return launched


def wait_green(nodes: tuple[Node, ...], timeout: float) -> None:
    """Wait until every node has joined and the cluster is green; fail fast if a node dies."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for node in nodes:
            if not is_running(node):
                raise ClusterError(f"{node.name} exited while starting:\n{log_tail(node)}")
        status = health(nodes[0].url, timeout=10,
                        query=f"wait_for_status=green&wait_for_nodes={len(nodes)}&timeout=5s")
        if status.get("status") == "green" and status.get("number_of_nodes") == len(nodes) \
                and not status.get("timed_out"):
            return
        time.sleep(1)
    raise ClusterError(f"the cluster was not green after {timeout:.0f}s:\n"
                       + "\n".join(log_tail(node) for node in nodes))


def log_tail(node: Node, lines: int = 20) -> str:
    """The last lines a node wrote (its console, then its cluster log)."""
    folder = Path(node.folder) / "logs"
    parts = []
    for path in (folder / "console.log", folder / f"{CLUSTER_NAME}.log"):
        if path.exists():
            text = path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
            parts.append(f"--- {path}\n" + "\n".join(text))
    return "\n".join(parts) or f"--- {folder}: no log yet"


# ---------------------------------------------------------------- stop, kill, status

def stop(run_dir: Path, log) -> int:
    """Stop every node (SIGTERM, then SIGKILL after a grace period); the number stopped."""
    stopped = 0
    for node in load_nodes(run_dir):
        if is_running(node):
            stop_node(node)
            log(f"stopped {node.name} (pid {node.pid})")
            stopped += 1
    return stopped


def stop_node(node: Node, sig: int = signal.SIGTERM) -> None:
    """Signal the node's process and wait for it to end (SIGKILL after the grace period)."""
    if not is_running(node):
        return
    os.kill(node.pid, sig)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    while is_running(node) and time.monotonic() < deadline:
        reap(node.pid)
        time.sleep(0.2)
    if is_running(node):
        os.kill(node.pid, signal.SIGKILL)
        while is_running(node):
            reap(node.pid)
            time.sleep(0.1)


def reap(pid: int) -> None:
    """Collect the exit status when the node is our own child (else it lingers as a zombie)."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def kill_node(run_dir: Path, name: str) -> Node:
    """SIGKILL one node, as a crash would (``start`` brings it back with its data)."""
    for node in load_nodes(run_dir):
        if node.name == name:
            if not is_running(node):
                raise ClusterError(f"{name} is not running")
            stop_node(node, signal.SIGKILL)
            return node
    raise ClusterError(f"no node named {name}; the nodes are {', '.join(NODE_NAMES)}")


def status(run_dir: Path) -> dict:
    """The cluster's health and each node's process, port and resident memory."""
    nodes = load_nodes(run_dir)
    alive = [node for node in nodes if is_running(node)]
    report = {"running": bool(alive), "url": nodes[0].url if nodes else None, "health": None,
              "nodes": [{"name": node.name, "url": node.url, "pid": node.pid if is_running(node) else None,
                         "rss_mb": rss_mb(node.pid) if is_running(node) else None}
                        for node in nodes]}
    for node in alive:
        answer = health(node.url, timeout=5)
        if answer:
            report["health"] = answer
            break
    return report


def rss_mb(pid: int) -> float | None:
    """Resident memory of a process in MB (VmRSS)."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    match = re.search(r"^VmRSS:\s+(\d+) kB", text, re.M)
    return round(int(match.group(1)) / 1024, 1) if match else None


def health(url: str, timeout: float, query: str = "") -> dict:
    """GET /_cluster/health (empty dict when the node does not answer)."""
    address = f"{url}/_cluster/health" + (f"?{query}" if query else "")
    try:
        with urllib.request.urlopen(address, timeout=timeout) as answer:
            return json.load(answer)
    except urllib.error.HTTPError as error:  # 408 when wait_for_* times out, with a body
        try:
            return json.load(error)
        except ValueError:
            return {}
    except (OSError, ValueError):
        return {}


# ---------------------------------------------------------------- Java

def find_java(environ: dict[str, str]) -> Path:
    """A Java home that runs OpenSearch 2.x: 11 to 23 (24 removed the security manager it needs)."""
    candidates = [environ.get("OPENSEARCH_JAVA_HOME"), environ.get("JAVA_HOME")]
    java = shutil.which("java")
    if java:
        candidates.append(str(Path(java).resolve().parent.parent))
    candidates.extend(str(p) for p in sorted(Path("/usr/lib/jvm").glob("*17*")))
    tried = []
    for home in filter(None, candidates):
        version = java_major(Path(home))
        tried.append(f"{home} ({version or 'no java'})")
        if version and 11 <= version <= 23:
            return Path(home)
    raise ClusterError("no Java 11-23 for OpenSearch 2.x (Java 17 is the one to install); tried: "
                       + "; ".join(tried))


def java_major(home: Path) -> int | None:
    """The major version of the Java in ``home`` (from its release file, else ``java -version``)."""
    release = home / "release"
    text = release.read_text(errors="replace") if release.exists() else ""
    if not text and (home / "bin" / "java").exists():
        done = subprocess.run([str(home / "bin" / "java"), "-version"], capture_output=True, text=True)
        text = done.stderr
    match = re.search(r'version\s*=?\s*"(\d+)(?:\.(\d+))?', text, re.I) or \
        re.search(r'JAVA_VERSION="(\d+)(?:\.(\d+))?', text)
    if not match:
        return None
    major = int(match.group(1))
    return int(match.group(2)) if major == 1 and match.group(2) else major
