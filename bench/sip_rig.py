"""The rig of ``bench/sip_calls.py``: a sandbox Asterisk rendered for real phones, ``hotline run`` as a process of
its own (the whole service, as it is deployed), and sipp for the network: one process registering N agents and
answering their calls, one placing N callers through the trunk.

The PBX is the sandbox's own render without its simulated network: the trunk's far side is the callers' sipp.
"""
from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from bench.sip_media import wav_to_pcap
from core.policy import load_profile
from core.settings import Settings
from hotline import pbx as sandbox
from hotline.pbx.instance import hotline_includes
from hotline.pbx.lifecycle import up_rendered
from hotline.pbx.network import speech_cache
from hotline.pbx.softphone import free_port
from hotline.pbx.speech import PHRASES, phrase_wav

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "bench" / "sip"
HOTLINE = str(ROOT / ".venv" / "bin" / "hotline")
FIRST_EXTENSION = 201


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process (all its threads) so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def descendants(pid: int) -> list[int]:
    """The processes under ``pid`` now (the service's analysis processes and their forkserver)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):   # a process that just ended
            continue
        children.setdefault(parent, []).append(int(stat.parent.name))
    found, todo = [], list(children.get(pid, []))
    while todo:
        child = todo.pop()
        found.append(child)
        todo += children.get(child, [])
    return found


def children_cpu_seconds(pid: int) -> dict[int, float]:
    """Each process under ``pid`` and its CPU so far (one that ended meanwhile is left out)."""
    out = {}
    for child in descendants(pid):
        try:
            out[child] = cpu_seconds(child)
        except OSError:
            continue
    return out


@dataclass
class Rig:
    calls: int
    work: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="hotline-sip-bench-")))

    def __post_init__(self) -> None:
        self.caller_port, self.agents_port = free_port(), free_port()
        ami, agi, sip, http, net_ami = (free_port() for _ in range(5))
        values = {"pbx_instance": f"bench-sip-{os.getpid()}-{self.calls}", "ami_port": ami, "agi_port": agi,
                  "sip_port": sip, "http_port": http, "var_dir": self.work, "ami_secret": "",
                  # the trunk's far side is the callers' sipp: its address identifies the public network
                  "sandbox_network_sip_port": self.caller_port, "sandbox_network_ami_port": net_ami}
        keep = ("HOTLINE_PBX_CACHE_DIR", "HOTLINE_PBX_ROOT", "HOTLINE_PROFILE")
        self.env = {name: value for name, value in os.environ.items()
                    if not name.startswith("HOTLINE_") or name in keep}
        self.env.update({f"HOTLINE_{name.upper()}": str(value) for name, value in values.items()})
        self.settings = Settings(**values)
        self.service: subprocess.Popen | None = None
        self.agents: subprocess.Popen | None = None
        self.extensions = [str(FIRST_EXTENSION + n) for n in range(self.calls)]

    # --- the PBX and the service -------------------------------------------------------------------------------
    async def start_pbx(self) -> None:
        await up_rendered(self.settings, hotline_includes(self.settings, ""))

    @property
    def paths(self) -> sandbox.InstancePaths:
        return sandbox.instance_paths(self.settings)

    def asterisk_pid(self) -> int:
        pid = sandbox.running_pid(self.paths)
        if pid is None:
            raise RuntimeError("the benchmark's Asterisk is not running")
        return pid

    def cli(self, command: str) -> str:
        return subprocess.run(["chroot", str(self.paths.root), "/usr/sbin/asterisk", "-C",
                               str(self.paths.asterisk_conf), "-rx", command], capture_output=True, text=True,
                              timeout=30).stdout

    def hotline(self, *args: str) -> str:
        result = subprocess.run([HOTLINE, *args], env=self.env, capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"hotline {' '.join(args)} failed: {result.stdout}{result.stderr}")
        return result.stdout

    def provision(self) -> dict[str, str]:
        """N employees in the menu's key-1 queue (and every other), each with a SIP account."""
        queues = ";".join(queue.name for queue in load_profile(self.settings.profile).queues)
        staff = self.work / "staff.csv"
        staff.write_text("extension,name,competences\n" + "".join(
            f"{ext},Agent {ext},{queues}\n" for ext in self.extensions))
        self.hotline("employees", "import", str(staff))
        lines = self.hotline("phones", "provision").splitlines()
        return dict(line.split("\t") for line in lines if "\t" in line and line.split("\t")[0] in self.extensions)

    async def start_service(self, timeout: float = 60.0) -> None:
        log = open(self.work / "hotline.log", "w")
        self.service = subprocess.Popen([HOTLINE, "run"], env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        deadline = time.monotonic() + timeout
        while not self._ready():
            if self.service.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"hotline run did not become ready; see {self.work / 'hotline.log'}")
            await asyncio.sleep(0.5)
        while self.cli("pjsip show endpoints").count("Endpoint:  2") < self.calls:
            if time.monotonic() > deadline:
                raise RuntimeError("the agents' endpoints did not appear on the PBX")
            await asyncio.sleep(0.5)

    def _ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.settings.http_port}/readyz", timeout=2) as reply:
                return reply.status == 200
        except OSError:   # refused, or 503 while the PBX or the database does not answer yet
            return False

    def metrics(self) -> str:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.settings.http_port}/metrics", timeout=5) as reply:
            return reply.read().decode()

    # --- the network: sipp --------------------------------------------------------------------------------------
    def _media(self) -> tuple[Path, Path]:
        voice = load_profile(self.settings.profile).language
        cache = speech_cache(self.settings)
        caller = wav_to_pcap(phrase_wav(cache, voice, PHRASES[voice]["caller"], pad_seconds=4),
                             self.work / "caller.pcap")
        agent = wav_to_pcap(phrase_wav(cache, voice, PHRASES[voice]["agent"], lead_seconds=0.5, pad_seconds=4),
                            self.work / "agent.pcap")
        return caller, agent

    def _scenario(self, name: str, **values: str) -> Path:
        text = (SCENARIOS / name).read_text()
        for key, value in values.items():
            text = text.replace(f"@{key}@", value)
        target = self.work / name
        target.write_text(text)
        return target

    async def register_agents(self, passwords: dict[str, str], timeout: float = 30.0) -> None:
        _, agent_pcap = self._media()
        (self.work / "agents.csv").write_text("SEQUENTIAL\n" + "".join(
            f"{ext};[authentication username={ext} password={passwords[ext]}]\n" for ext in self.extensions))
        self.agents = subprocess.Popen(
            ["sipp", f"127.0.0.1:{self.settings.sip_port}", "-sf", str(self._scenario("agents_register.xml")),
             "-oocsf", str(self._scenario("agents_answer.xml", AGENT_PCAP=str(agent_pcap))),
             "-inf", str(self.work / "agents.csv"), "-i", "127.0.0.1", "-p", str(self.agents_port),
             "-m", str(self.calls), "-r", str(self.calls), "-l", str(self.calls), "-nostdin", "-trace_err",
             "-error_file", str(self.work / "agents_errors.log")],
            cwd=self.work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + timeout
        while len(re.findall(r"Contact:\s+2\d\d/sip:", self.cli("pjsip show contacts"))) < self.calls:
            if self.agents.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the agents did not register; see {self.work / 'agents_errors.log'}")
            await asyncio.sleep(0.5)

    async def place_calls(self, menu_seconds: float, talk_seconds: float, timeout: float = 300.0) -> dict:
        """N callers at once; returns sipp's counts of successful and failed calls."""
        caller_pcap, _ = self._media()
        (self.work / "callers.csv").write_text("SEQUENTIAL\n" + "".join(
            f"+3706{7000000 + n:07d}\n" for n in range(self.calls)))
        scenario = self._scenario("caller.xml", CALLER_PCAP=str(caller_pcap), MENU_MS=str(int(menu_seconds * 1000)),
                                  TALK_MS=str(int(talk_seconds * 1000)))
        process = await asyncio.create_subprocess_exec(
            "sipp", f"127.0.0.1:{self.settings.sip_port}", "-sf", str(scenario), "-s",
            load_profile(self.settings.profile).public_number, "-inf", str(self.work / "callers.csv"),
            "-i", "127.0.0.1", "-p", str(self.caller_port), "-m", str(self.calls), "-r", str(self.calls),
            "-l", str(self.calls), "-nostdin", "-trace_stat", "-stf", str(self.work / "callers_stats.csv"),
            "-fd", "1", "-trace_err", "-error_file", str(self.work / "callers_errors.log"),
            "-timeout", f"{int(timeout)}s", cwd=self.work, stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL)
        await process.wait()
        return _sipp_totals(self.work / "callers_stats.csv")

    # --- the end ------------------------------------------------------------------------------------------------
    async def close(self) -> None:
        for process in (self.agents, self.service):
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    await asyncio.to_thread(process.wait, 20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
        keep = bool(os.environ.get("BENCH_KEEP"))   # BENCH_KEEP=1: leave the files for a post-mortem
        await sandbox.down(self.settings, purge=not keep)
        if not keep:
            shutil.rmtree(self.work, ignore_errors=True)


def _sipp_totals(stats: Path) -> dict:
    """The last line of sipp's statistics file: cumulative successful and failed calls."""
    rows = [line.split(";") for line in stats.read_text().splitlines() if line.strip()]
    header, last = rows[0], rows[-1]
    value = dict(zip(header, last))
    return {"successful": int(value.get("SuccessfulCall(C)", 0)), "failed": int(value.get("FailedCall(C)", 0))}
