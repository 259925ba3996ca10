"""The shape of the code holds: capability packages import ``core`` only, the composition root reaches them only
through their public surface, modules stay small, constructors take few parameters."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CAPABILITIES = ("telephony", "ivr_flows", "directory", "recording", "qa_sampler", "adapters")
OURS = ("core", "hotline", *CAPABILITIES)
MAX_LINES = 300
MAX_INIT_PARAMETERS = 6


def modules(*packages: str) -> list[Path]:
    return sorted(path for package in packages for path in (ROOT / package).rglob("*.py"))


def imported(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def test_capability_packages_import_core_only_and_core_nothing_of_ours():
    broken = []
    for package in ("core", *CAPABILITIES):
        allowed = {package} if package == "core" else {"core", package}
        for path in modules(package):
            broken += [f"{path.relative_to(ROOT)} imports {name}" for name in imported(path)
                       if name.split(".")[0] in OURS and name.split(".")[0] not in allowed]
    assert broken == []


def test_the_root_reaches_capabilities_only_through_their_public_surface():
    reaching_in = [f"{path.relative_to(ROOT)} imports {name}" for path in modules("hotline")
                   for name in imported(path) if name.split(".")[0] in CAPABILITIES and "." in name]
    assert reaching_in == []


def test_modules_stay_under_the_size_limit():
    big = [f"{path.relative_to(ROOT)}: {lines} lines" for path in modules(*OURS, "tests", "bench")
           if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES]
    assert big == []


def test_constructors_take_few_parameters():
    wide = []
    for path in modules(*OURS):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == "__init__":
                count = len(node.args.args) - 1 + len(node.args.kwonlyargs) + bool(node.args.vararg)
                if count > MAX_INIT_PARAMETERS:
                    wide.append(f"{path.relative_to(ROOT)}:{node.lineno} takes {count}")
    assert wide == []
