"""``hotline prompts build [--profile NAME]``: synthesise the profiles' prompts into the cache at install time.

The recording-consent announcement must exist as an audio file before the first call: a line that records calls
and cannot say so records nothing. ``make run``, ``make test`` and the Docker image run this; it fails (exit 1),
naming the profile and the prompt, when a profile that records calls has no consent announcement. A start checks
again (``ivr_flows.setup``) and alerts supervisors if it is still missing.
"""
from __future__ import annotations

import argparse
import asyncio

from core.policy import available_profiles, load_profile
from core.settings import Settings
from hotline.service import ivr_sounds
from ivr_flows import SPOKEN_OR_NOTHING, PromptBuilder


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True)
    build = sub.add_parser("build", help="synthesise every profile's prompts (or those of --profile) into the cache")
    build.add_argument("--profile", action="append", help="a profile name or file (repeatable; default: all)")


async def build(profiles: list[str], settings: Settings) -> int:
    failures = 0
    for name in profiles:
        profile = load_profile(name)
        builder = PromptBuilder(ivr_sounds(settings), profile.language)
        made, failed = await builder.cache_all(profile.prompts.model_dump())
        needed = [key for key in failed if key in SPOKEN_OR_NOTHING and profile.records_calls]
        print(f"profile {profile.name}: {made} prompt(s) synthesised, voice {profile.language}"
              + (f"; could not synthesise {', '.join(failed)}" if failed else ""))
        if needed:
            failures += 1
            print(f"profile {profile.name} records calls but its {', '.join(needed)} announcement could not be "
                  f"synthesised: install espeak-ng (with the {profile.language} voice) and sox, then run this again")
    return 1 if failures else 0


def run(args: argparse.Namespace) -> int:
    return asyncio.run(build(args.profile or available_profiles(), Settings()))
