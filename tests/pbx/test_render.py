"""Rendering the Asterisk configuration from settings and policy profiles (no PBX needed)."""
from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from core import dialplan
from core.policy import available_profiles, load_profile
from core.settings import Settings
from hotline.commands import pbx as pbx_command
from hotline.pbx.credentials import check_secret, effective_secret
from hotline.pbx.paths import instance_paths
from hotline.pbx.instance import directories_section
from hotline.pbx.render import SANDBOX_SOURCE, config_source, generated_includes
from ivr_flows.prompts import cache_name


@pytest.mark.parametrize("profile_name", available_profiles())
def test_every_profile_renders_its_public_number_and_queues(profile_name):
    profile = load_profile(profile_name)
    settings = Settings(profile=profile_name, agi_port=4999, ami_port=5999)
    files = generated_includes(settings, "s3cret-value")

    assert f"exten => {profile.public_number},1,Goto({dialplan.CONTEXT_PUBLIC},${{EXTEN}},1)" in files[
        "public-number.conf"]
    assert f"{dialplan.GLOBAL_DEFAULT_QUEUE} = {profile.default_queue}" in files["globals.conf"]
    assert f"{dialplan.GLOBAL_AGI_URL} = agi://127.0.0.1:4999/ivr" in files["globals.conf"]
    # whole seconds, rounded down, so the direct line stops ringing before the ring-SLA deadline
    direct = int(profile.ring_sla.direct_line_ring_timeout)
    assert f"{dialplan.GLOBAL_DIRECT_RING} = {direct}\n" in files["globals.conf"]
    assert direct < profile.ring_sla.deadline_seconds
    assert "port = 5999" in files["manager-general.conf"]
    for queue in profile.queues:
        section = files["queues.conf"].split(f"[{queue.name}](hotline-queue)\n", 1)[1].split("\n\n", 1)[0]
        assert f"strategy = {queue.strategy}" in section
        assert f"timeout = {round(queue.member_ring_timeout)}" in section
        assert f"wrapuptime = {round(queue.wrapup_seconds)}" in section
        # key 1 while waiting leaves the queue for the callback request (extensions.conf has that context)
        assert f"context = {dialplan.CONTEXT_QUEUE_EXIT}" in section
        # ...and waiting callers are told so, by the prompt the service synthesises under this name
        announcement = instance_paths(settings).prompts / cache_name(profile.language,
                                                                     profile.prompts.callback_in_queue)
        assert f"periodic-announce = {announcement}" in section
        assert f"periodic-announce-frequency = {profile.callbacks.announce_every_seconds}" in section
        assert "member" not in section  # hotline owns membership over AMI (static members cannot be removed)
        if queue.overflow_queue:
            assert f"{dialplan.GLOBAL_OVERFLOW_PREFIX}{queue.name} = {queue.overflow_queue}\n" in files["globals.conf"]
            assert (f"{dialplan.GLOBAL_OVERFLOW_AFTER_PREFIX}{queue.name} = {round(queue.overflow_after_seconds)}\n"
                    in files["globals.conf"])
        else:
            assert f"{dialplan.GLOBAL_OVERFLOW_PREFIX}{queue.name} =" not in files["globals.conf"]


def test_ami_user_is_loopback_only_with_the_given_secret():
    users = generated_includes(Settings(ami_username="svc"), "s3cret-value")["manager-users.conf"]
    assert "[svc]" in users and "secret = s3cret-value" in users
    assert users.index("deny = 0.0.0.0/0.0.0.0") < users.index("permit = 127.0.0.1/255.255.255.255")


def test_the_ami_user_reads_no_dtmf_events():
    """Keys a caller presses (personal-code digits among them) would go to every AMI client reading `dtmf`
    (DTMFBegin/End), `agi` (AGIExecEnd carries GET DATA's result) or `dialplan` (VarSet)."""
    users = generated_includes(Settings(ami_username="svc"), "s3cret-value")["manager-users.conf"]
    section = users[users.index("[svc]"):].split("\n\n")[0]
    [read] = [line.split("=", 1)[1] for line in section.splitlines() if line.startswith("read")]
    classes = {name.strip() for name in read.split(",")}
    assert classes == {"system", "call", "agent", "user"}
    assert not classes & {"dtmf", "agi", "dialplan", "all"}
    # and the static manager.conf defines no user of its own that could read more
    assert not re.search(r"^\s*read\s*=", (config_source() / "manager.conf").read_text(), re.M)


def test_static_configs_keep_ami_on_loopback_with_auth_limits():
    manager = (config_source() / "manager.conf").read_text()
    for line in ("bindaddr = 127.0.0.1", "authtimeout = 5", "authlimit = 20", "webenabled = no"):
        assert re.search(rf"^{re.escape(line)}$", manager, re.M), line


def test_the_members_state_interface_names_the_hint_context():
    assert dialplan.STATE_INTERFACE_TEMPLATE.format(extension="101") == f"hint:101@{dialplan.CONTEXT_HINTS}"
    assert f"[{dialplan.CONTEXT_HINTS}]" in (config_source() / "extensions.conf").read_text()


def test_every_shared_dialplan_name_is_spelled_the_same_in_the_dialplan():
    extensions = "".join((config_source() / name).read_text() for name in ("extensions.conf", "pjsip.conf"))
    extensions += (SANDBOX_SOURCE / "network" / "extensions.conf").read_text()
    names = [value for key, value in vars(dialplan).items() if key.isupper() and isinstance(value, str)]
    for name in names:
        if name in (dialplan.AGI_IVR_PATH, dialplan.SANDBOX_DEVICE_TEMPLATE,
                    dialplan.STATE_INTERFACE_TEMPLATE, dialplan.USEREVENT_CALLBACK_BOOKED):
            continue  # appear inside rendered URLs, rendered globals and AMI actions (checked below), or are sent
            # by the IVR over AGI (the callback-booked UserEvent: tests/ivr_flows)
        assert name in extensions, name
    assert f"DB_EXISTS({dialplan.ASTDB_AGENT_FAMILY}/${{EXTEN}}/{dialplan.ASTDB_ANSWER_AFTER})" in extensions


def test_instance_directories_are_its_own_and_sounds_are_shared(tmp_path):
    paths = instance_paths(Settings(pbx_root=tmp_path, pbx_instance="demo"))
    section = directories_section(paths)
    for key in ("astetcdir", "astrundir", "astspooldir", "astlogdir", "astdbdir", "astvarlibdir"):
        assert re.search(rf"^{key} => /var/lib/hotline-sandbox/demo/", section, re.M), key
    assert "astdatadir => /usr/share/asterisk\n" in section


@pytest.mark.parametrize("name", ["", "../etc", "a b", "x" * 65])
def test_instance_names_cannot_escape_the_instances_directory(name):
    with pytest.raises(ValueError, match="instance name"):
        instance_paths(Settings(pbx_instance=name))


@pytest.mark.parametrize("secret", ["short", "has space here", "line\nbreak-injected", "semi;colon-comment"])
def test_secrets_that_could_break_manager_conf_are_refused(secret):
    with pytest.raises(ValueError, match="AMI secret"):
        check_secret(secret)


def test_configured_secret_wins_over_the_generated_one(tmp_path):
    settings = Settings(pbx_root=tmp_path, pbx_instance="demo", ami_secret="from-the-environment")
    assert effective_secret(settings, instance_paths(settings), create=True) == "from-the-environment"
    assert not instance_paths(settings).secret_file.exists()


def test_render_command_writes_the_includes_for_docker(tmp_path, monkeypatch):
    monkeypatch.setenv("HOTLINE_AMI_SECRET", "compose-secret-123")
    monkeypatch.setenv("HOTLINE_PROFILE", "lv-social-insurance")
    parser = argparse.ArgumentParser()
    pbx_command.add_arguments(parser)
    assert pbx_command.run(parser.parse_args(["render", str(tmp_path / "hotline")])) == 0
    written = {p.name: p.read_text() for p in Path(tmp_path / "hotline").iterdir()}
    assert set(written) == {"manager-general.conf", "manager-users.conf", "globals.conf", "public-number.conf",
                            "pjsip-transports.conf", "pjsip-trunk.conf", "hints.conf",
                            "queues.conf", "opening-hours.conf"}
    # docker compose gets the profile's real hours, never the sandbox's round-the-clock line
    assert "GotoIfTime(08:30-16:59,mon,*,*,Europe/Riga?open)" in written["opening-hours.conf"]
    assert "secret = compose-secret-123" in written["manager-users.conf"]
    assert "exten => 80001234," in written["public-number.conf"]


def test_render_command_needs_a_secret(tmp_path, monkeypatch):
    monkeypatch.delenv("HOTLINE_AMI_SECRET", raising=False)
    monkeypatch.setenv("HOTLINE_PBX_ROOT", str(tmp_path / "no-root"))
    parser = argparse.ArgumentParser()
    pbx_command.add_arguments(parser)
    with pytest.raises(ValueError, match="HOTLINE_AMI_SECRET"):
        pbx_command.run(parser.parse_args(["render", str(tmp_path / "out")]))


def test_a_production_render_has_no_sandbox_and_dials_pjsip_phones_and_the_trunk():
    static = (config_source() / "extensions.conf").read_text()
    assert not re.search(r"^\[sandbox", static, re.M) and "sandbox-agents" not in static
    settings = Settings(agi_port=4999, ami_port=5999, pbx_trunk_template="PJSIP/{number}@operator")
    production = generated_includes(settings, "s3cret-value")
    assert "sandbox.conf" not in production and "sandbox" not in production["globals.conf"]
    for line in ("HOTLINE_DEVICE_PREFIX = PJSIP/", "HOTLINE_DEVICE_SUFFIX = \n", "HOTLINE_TRUNK_PREFIX = PJSIP/",
                 "HOTLINE_TRUNK_SUFFIX = @operator\n"):
        assert line in production["globals.conf"], line


def test_the_sandbox_render_adds_its_test_dialplan_and_dials_what_the_settings_say():
    simulated = Settings(agi_port=4999, ami_port=5999, pbx_device_template=dialplan.SANDBOX_DEVICE_TEMPLATE)
    sandbox = generated_includes(simulated, "s3cret-value", sandbox=True)
    assert "HOTLINE_DEVICE_PREFIX = PJSIP/sim\nHOTLINE_DEVICE_SUFFIX = \n" in sandbox["globals.conf"]
    assert "HOTLINE_TRUNK_PREFIX = PJSIP/\nHOTLINE_TRUNK_SUFFIX = @trunk" in sandbox["globals.conf"]
    real = generated_includes(Settings(agi_port=4999, ami_port=5999), "s3cret-value", sandbox=True)
    assert "HOTLINE_DEVICE_PREFIX = PJSIP/\n" in real["globals.conf"]


@pytest.mark.parametrize("template", ["PJSIP/trunk", "PJSIP/{number}@{number}", "PJSIP/{number}\n@x"])
def test_a_trunk_template_without_exactly_one_number_is_refused(template):
    with pytest.raises(ValueError, match="exactly once"):
        generated_includes(Settings(pbx_trunk_template=template), "s3cret-value")
