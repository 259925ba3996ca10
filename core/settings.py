"""Process settings from the environment (HOTLINE_*), validated by pydantic-settings."""
from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_cache_dir() -> Path:
    return Path.home() / ".cache" / "hotline"


class Settings(BaseSettings):
    """Everything an operator may set. Defaults run a local sandbox with SQLite under ``var/``."""

    model_config = SettingsConfigDict(env_prefix="HOTLINE_", env_file=".env", extra="ignore")

    profile: str = Field("lt-employment-1883", description="policy profile name or path to a profile file")
    var_dir: Path = Field(Path("var"), description="runtime files: database, recordings, PBX credentials")
    database_url: str = Field("", description="SQLAlchemy async URL; empty = SQLite file under var_dir")

    ami_host: str = "127.0.0.1"
    ami_port: int = 5038
    ami_username: str = "hotline"
    ami_secret: str = Field("", description="empty = read the sandbox's generated secret")
    ami_action_timeout: float = 10.0
    ami_ping_interval: float = 3.0
    ami_ping_timeout: float = 5.0
    ami_reconnect_min: float = 0.5
    ami_reconnect_max: float = 30.0

    pbx_device_template: str = Field("PJSIP/{extension}", description="an employee's softphone as the PBX dials "
                                                                      "it (the sandbox renders its simulated ones)")
    pbx_trunk_template: str = Field("PJSIP/{number}@trunk", description="a public number dialled out through the "
                                                                       "trunk: fallback numbers and callbacks")
    agent_interface_template: str = Field(
        "Local/{extension}@agent-reach",
        description="queue-member interface of an employee; the agent-reach dialplan context rings the softphone "
                    "and, when it is unreachable, the employee's fallback number (LT-2021 §12.14)",
    )

    # SIP on the PBX (rendered into its pjsip includes): the softphones register on these transports; the trunk
    # to the public network is identified by its address (calls from it land in from-pstn)
    sip_bind: str = Field("0.0.0.0", description="address the PBX's SIP transports (UDP and TCP) listen on")
    sip_port: int = Field(5060, ge=1, le=65535, description="port of both SIP transports")
    sip_media_address: str = Field("", description="address the PBX puts in its SDP and binds RTP to; empty = "
                                                   "Asterisk's choice")
    sip_trunk_address: str = Field("", description="host[:port] of the SIP trunk (the carrier); empty = no trunk")
    pbx_config_dir: Path | None = Field(None, description="where hotline writes the PBX includes it keeps up to "
                                                          "date (the agents' SIP endpoints): the directory Asterisk "
                                                          "includes as hotline/; empty = the sandbox instance's")

    pbx_cdr_file: Path | None = Field(None, description="the PBX's own call records (docker/asterisk/"
                                                        "cdr_custom.conf's hotline-calls.csv), read at start for "
                                                        "calls made while hotline was down; empty = the sandbox "
                                                        "instance's")

    recordings_dir: Path | None = Field(None, description="the PBX's monitor directory as hotline reads it: where "
                                                          "MixMonitor and the voice messages write their files "
                                                          "(the recordings catalogue's local store); empty = the "
                                                          "sandbox instance's")
    recording_close_wait_seconds: float = Field(15.0, gt=0, description="how long after a call's end the "
                                                "catalogue waits for the PBX to close its recording files")
    recording_store: Literal["local", "nats"] = Field("local", description="where finalised recordings are kept: "
                                                      "local = where the PBX wrote them; nats = moved to a NATS "
                                                      "JetStream object store (HOTLINE_NATS_URL) once finalised")
    nats_url: str = Field("nats://127.0.0.1:4222", description="NATS server of the recordings' object store")
    recording_bucket: str = Field("hotline-recordings", pattern=r"^[A-Za-z0-9_-]+$",
                                  description="object-store bucket of the recordings (created when missing)")
    listen_dir: Path | None = Field(None, description="where the redacted audio of listen-only sessions is kept "
                                                     "until they expire (private: 0700); empty = var_dir/listen")
    recording_check_seconds: float = Field(300.0, gt=0, description="how often the catalogue checks that its "
                                           "files are still there (a file deleted behind its back: missing)")

    retention_purge_seconds: float = Field(3600.0, gt=0, description="how often the retention purge runs (the "
                                           "profile's [retention] periods; a failed round is tried again then)")
    retention_batch: int = Field(100, ge=1, le=10000, description="rows the retention purge claims per transaction")

    ivr_enabled: bool = Field(True, description="serve the IVR over FastAGI; off, every public call goes straight "
                                                "to the default queue (the dialplan's fallback)")
    callback_dialer: bool = Field(True, description="run the callback dialer (one per SQLite database; any number "
                                                    "of instances on one PostgreSQL)")
    dialer_worker: str = Field("", description="this instance's name on claimed callback tasks; empty = "
                                               "<host>:<http_port> (stable across restarts, so a restart finds "
                                               "its own tries)")
    callback_poll_seconds: float = Field(1.0, gt=0, description="how often the dialer looks for due tasks")
    callback_rescan_seconds: float = Field(10.0, gt=0, description="how often the dialer reads the database for "
                                           "tasks written by another instance or the CLI (its own it sees at once)")
    agi_host: str = "127.0.0.1"
    agi_port: int = 4573
    agi_allowlist: list[str] = Field(["127.0.0.1", "::1"], description="client IPs/networks allowed to connect")
    agi_session_timeout: float = Field(120.0, description="longest IVR session before the caller is queued")
    agi_command_timeout: float = Field(10.0, description="longest wait for one AGI reply (plain commands)")

    http_host: str = "127.0.0.1"
    http_port: int = 8080
    # TLS: served by hotline when both files are given; usually a reverse proxy terminates it (then cookie_secure)
    tls_cert: Path | None = Field(None, description="PEM certificate (chain) of the web server; with tls_key, "
                                                    "hotline serves HTTPS")
    tls_key: Path | None = Field(None, description="PEM private key of tls_cert")
    cookie_secure: bool = Field(False, description="mark the pages' session cookies Secure although hotline serves "
                                                   "plain HTTP: it is behind a TLS-terminating proxy (always on "
                                                   "with tls_cert)")

    pbx_cache_dir: Path = Field(default_factory=default_cache_dir)
    pbx_root: Path | None = Field(None, description="debootstrap root of the sandbox PBX; default under cache")
    pbx_instance: str = Field("default", description="name of the sandbox instance (tests use their own)")
    # the sandbox's simulated public network: a second Asterisk on loopback at the trunk's far side
    sandbox_network_sip_port: int = Field(5080, ge=1, le=65535, description="SIP port of the sandbox's network")
    sandbox_network_ami_port: int = Field(5039, ge=1, le=65535, description="AMI port of the sandbox's network")
    # a PBX that is not the sandbox (compose, an existing Asterisk) reads the IVR's prompts from a shared directory
    prompts_dir: Path | None = Field(None, description="where hotline writes the IVR prompts; empty = the sandbox "
                                                       "instance's sounds directory")
    pbx_prompts_dir: str = Field("", description="that directory as Asterisk sees it (prompts are played by this "
                                                 "path); empty = the sandbox instance's")
    analysis_enabled: bool = Field(True, description="run the recordings' voice-activity analysis in this "
                                   "instance (its queue is in the database: any number of instances may)")
    analysis_workers: int = Field(0, ge=0, le=64, description="processes analysing recordings' voice activity "
                                                              "(off the event loop); 0 = one per CPU")
    analysis_warm_start: bool = Field(True, description="start the analysis processes with the service, so the "
                                      "first calls' analyses do not wait for them (off: the first job starts them)")
    analysis_lease_seconds: float = Field(300.0, gt=0, le=86400, description="how long a claimed analysis job is "
                                          "this instance's; a job whose worker died is taken again after it")
    analysis_poll_seconds: float = Field(60.0, gt=0, description="how often the analysis worker looks for jobs "
                                         "it was not woken for (another instance's, a lease run out, a "
                                         "restriction lifted); its own enqueues wake it at once")

    @model_validator(mode="after")
    def _tls_pair(self) -> Settings:
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ValueError("HOTLINE_TLS_CERT and HOTLINE_TLS_KEY go together: set both to serve HTTPS, or neither")
        return self

    @property
    def tls(self) -> bool:
        return self.tls_cert is not None

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.var_dir / 'hotline.sqlite3').resolve()}"
