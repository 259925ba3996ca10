"""`make run`'s demo on the sandbox's SIP network: its softphones register with fresh passwords and its callers
come in through the trunk; a demo call is answered by a demo agent's phone."""
from __future__ import annotations

import pytest

from core.policy import load_profile
from hotline.demo import DEMO_AGENTS, DemoCall, DemoPhones, network_sender, originate_action, seed_demo_employees
from tests.service_fixture import running_service, until
from tests.sip_network import PJSIP_DEVICE, PJSIP_TRUNK, REAL_PHONES

pytestmark = [pytest.mark.pbx, pytest.mark.sip]

CALLER = "+37060000095"   # made up


async def test_the_demo_registers_its_softphones_and_its_callers_reach_them(pbx, sip_network, sip_phones, tmp_path):
    profile = load_profile(pbx.settings.profile)
    async with pbx.events() as log, running_service(pbx, tmp_path, **REAL_PHONES) as running:
        service = running.service
        assert await seed_demo_employees(service.directory, service.profile)
        await service.telephony.directory_changed()
        phones = DemoPhones(service.telephony.phones.accounts, service.telephony.phones.endpoints, service.settings)
        await phones.start()
        try:
            await pbx.set_dial_globals(PJSIP_DEVICE, PJSIP_TRUNK)
            for extension in DEMO_AGENTS:
                await sip_phones.wait_device(extension, "NOT_INUSE")
            await network_sender(pbx.settings)(originate_action(DemoCall(profile.public_number, CALLER, 10)))
            connect = await log.wait_for("AgentConnect", timeout=40)
            call = await running.wait_call(connect["Linkedid"], lambda c: c["state"] == "ended", timeout=40)
        finally:
            await phones.stop()
        history = await service.telephony.phones.accounts.history("101")

    assert call["caller"] == CALLER
    [ring] = [r for r in call["rings"] if r["answered"]]
    assert DEMO_AGENTS[ring["extension"]] is not None      # an agent who answers (104 never does)
    assert [change.by for change in history] == ["demo"]   # a new password each start, held by the demo alone
    assert await until(lambda: _unregistered(sip_phones), timeout=10) >= 0


async def _unregistered(sip_phones) -> bool:
    return all([await sip_phones.device_state(ext) == "UNAVAILABLE" for ext in DEMO_AGENTS])
