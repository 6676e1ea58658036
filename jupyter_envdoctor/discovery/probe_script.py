"""The script that a probe runs in the probed interpreter, and the marker before its result."""

from __future__ import annotations

# Printed before the JSON result, so that output of sitecustomize or .pth files that runs
# before the probe (even without a trailing newline) cannot be mistaken for the result.
PROBE_MARKER = "@@jupyter-envdoctor-probe-1@@"

# Runs under the probed interpreter, which may be Python 2.7 or any Python 3 from 3.6 on.
# The modules to look for arrive as sys.argv[1:].
PROBE_SCRIPT = r"""
import sys

# Taken before this script imports anything: the modules that interpreter startup (site,
# .pth files, sitecustomize) imported, which later sys.path entries can no longer replace.
STARTUP_MODULES = [(name, module) for name, module in list(sys.modules.items())
                   if "." not in name and module is not None]

import os
import site

PY2 = sys.version_info[0] == 2

# A PYTHONPATH dir or .pth entry may shadow the stdlib modules this script needs (a json
# package, say), so they are imported with sys.path cut down to the stdlib dirs. site and os
# were imported while Python started, so they are the real ones.
STDLIB_DIR = os.path.dirname(os.__file__)
SEARCH_PATH = sys.path
sys.path = [STDLIB_DIR, os.path.join(STDLIB_DIR, "lib-dynload")]
try:
    import json
    if PY2:
        import imp
    else:
        import importlib.machinery
        import importlib.util
finally:
    sys.path = SEARCH_PATH


def text(value):
    if PY2 and isinstance(value, str):
        return value.decode(sys.getfilesystemencoding() or "utf-8", "replace")
    return value


def find_py3(name):
    parts = name.split(".")
    for end in range(1, len(parts) + 1):
        if importlib.util.find_spec(".".join(parts[:end])) is None:
            return False
    return True


def find_py2(name):
    parent_name, _, child = name.rpartition(".")
    search_path = None
    if parent_name:
        # Like find_spec on Python 3: import the parent, then look inside its __path__.
        __import__(parent_name)
        if name in sys.modules:
            return True
        search_path = getattr(sys.modules[parent_name], "__path__", None)
        if search_path is None:
            return False
    handle, _, _ = imp.find_module(child, search_path)
    if handle is not None:
        handle.close()
    return True


def can_find(name):
    try:
        return find_py2(name) if PY2 else find_py3(name)
    except (Exception, SystemExit):
        return False


def user_site():
    try:
        return text(site.getusersitepackages())
    except AttributeError:
        return None


def module_origin(name, module):
    spec = getattr(module, "__spec__", None)
    origin = getattr(spec, "origin", None) or getattr(module, "__file__", None)
    if origin is None and name in sys.builtin_module_names:
        origin = "built-in"
    return text(origin) if isinstance(origin, str) else None


def is_identifier(name):
    # Without the re module, which a shadowing re.py on sys.path could replace.
    return bool(name) and not name[0].isdigit() and all(c.isalnum() or c == "_" for c in name)


def names_in(folder):
    try:
        items = os.listdir(folder)
    except OSError:
        return []
    names = []
    for item in items:
        if os.path.isdir(os.path.join(folder, item)):
            name = item
        elif item.endswith((".py", ".pyc", ".so", ".pyd")):
            name = item.split(".")[0]
        else:
            continue
        if is_identifier(name) and name not in ("site-packages", "dist-packages"):
            names.append(name)
    return names


def stdlib_module_names():
    names = getattr(sys, "stdlib_module_names", None)
    if names is not None:
        return sorted(names)
    # Before Python 3.10: the built-in modules plus what the stdlib dirs contain. Python 2's
    # plat-*, lib-tk and lib-old dirs are sys.path entries inside the stdlib dir.
    folders = [STDLIB_DIR, os.path.join(STDLIB_DIR, "lib-dynload")]
    folders += [entry for entry in sys.path if entry.startswith(STDLIB_DIR + os.sep)
                and not entry.endswith(("site-packages", "dist-packages"))]
    found = set(sys.builtin_module_names)
    for folder in folders:
        found.update(names_in(folder))
    # sys.stdlib_module_names leaves out the regression tests, and so does this list.
    found.discard("test")
    return sorted(found)


def extension_suffixes():
    if PY2:
        return [suffix for suffix, _, kind in imp.get_suffixes() if kind == imp.C_EXTENSION]
    return list(importlib.machinery.EXTENSION_SUFFIXES)


def flag(name):
    value = getattr(sys.flags, name, None)
    return None if value is None else bool(value)


base_prefix = getattr(sys, "real_prefix", None) or getattr(sys, "base_prefix", sys.prefix)
importable = {}
for module in sys.argv[1:]:
    importable[module] = can_find(module)
report = {
    "executable": text(sys.executable),
    "prefix": text(sys.prefix),
    "base_prefix": text(base_prefix),
    "version": "%d.%d.%d" % tuple(sys.version_info[:3]),
    "path": [text(entry) for entry in sys.path],
    "user_site": user_site(),
    "user_site_enabled": getattr(site, "ENABLE_USER_SITE", None),
    "importable": importable,
    "stdlib_module_names": [text(name) for name in stdlib_module_names()],
    "builtin_module_names": sorted(text(name) for name in sys.builtin_module_names),
    "startup_modules": dict((text(name), module_origin(name, module))
                            for name, module in STARTUP_MODULES),
    "extension_suffixes": extension_suffixes(),
    "no_user_site": flag("no_user_site"),
    "safe_path": flag("safe_path"),
    "cwd": text(os.getcwd()),
}
sys.stdout.write("\n" + MARKER + json.dumps(report) + "\n")
sys.stdout.flush()
""".replace("MARKER", repr(PROBE_MARKER))
