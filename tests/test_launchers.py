"""How a kernel's argv is read: interpreters, wrappers that activate an env, and other kernels."""

from __future__ import annotations

import pytest

from jupyter_envdoctor.discovery.launchers import classify_argv, substitutes_to_server

LAUNCHER = ["-m", "ipykernel_launcher", "-f", "{connection_file}"]


@pytest.mark.parametrize(
    ("argv", "kind", "interpreter", "module", "prefix", "name"),
    [
        (["/opt/env/bin/python", *LAUNCHER], "python", "/opt/env/bin/python", "ipykernel_launcher", None, None),
        (["/opt/env/bin/python3.11", "-Xfrozen_modules=off", *LAUNCHER], "python",
         "/opt/env/bin/python3.11", "ipykernel_launcher", None, None),
        (["python", "-m", "ipykernel", "-f", "{connection_file}"], "bare-python", "python", "ipykernel",
         None, None),
        (["python3.9", "-X", "dev", *LAUNCHER], "bare-python", "python3.9", "ipykernel_launcher", None, None),
        (["C:\\Miniconda3\\python.exe", *LAUNCHER], "python", "C:\\Miniconda3\\python.exe",
         "ipykernel_launcher", None, None),
        (["python", "-m", "nb_conda_kernels.runner", "/opt/conda", "/opt/conda/envs/ds", "python", *LAUNCHER],
         "nb-conda-runner", "python", "ipykernel_launcher", "/opt/conda/envs/ds", None),
        (["/opt/conda/bin/conda", "run", "-p", "/opt/conda/envs/ds", "python", *LAUNCHER], "conda-run",
         None, "ipykernel_launcher", "/opt/conda/envs/ds", None),
        (["conda", "run", "--no-capture-output", "-n", "ds", "python", *LAUNCHER], "conda-run", None,
         "ipykernel_launcher", None, "ds"),
        (["bash", "-c", "source activate ds && exec python -m ipykernel_launcher -f {connection_file}"],
         "shell-activate", None, "ipykernel_launcher", None, "ds"),
        (["bash", "-c", ". /home/u/proj/.venv/bin/activate && exec python -m ipykernel_launcher -f x"],
         "shell-activate", None, "ipykernel_launcher", "/home/u/proj/.venv", None),
        (["/bin/bash", "-c", "conda activate /opt/envs/tf; python -m ipykernel_launcher -f x"],
         "shell-activate", None, "ipykernel_launcher", "/opt/envs/tf", None),
        (["pixi", "run", "--manifest-path", "/w/pixi.toml", "python", *LAUNCHER], "pixi-run", None,
         "ipykernel_launcher", "/w/pixi.toml", None),
        (["R", "--slave", "-e", "IRkernel::main()", "--args", "{connection_file}"], "other", None, None,
         None, None),
        (["/usr/bin/julia", "-i", "kernel.jl", "{connection_file}"], "other", None, None, None, None),
        (["bash", "-c", "echo hello"], "other", None, None, None, None),
    ],
)
def test_classify_argv(argv: list[str], kind: str, interpreter: str | None, module: str | None,
                       prefix: str | None, name: str | None) -> None:
    launch = classify_argv(argv)

    assert launch.kind == kind
    assert launch.interpreter == interpreter
    assert launch.module == module
    assert launch.target_prefix == prefix
    assert launch.target_name == name


@pytest.mark.parametrize(
    ("program", "server_version", "substituted"),
    [
        ("python", "3.11.7", True),
        ("python3", "3.11.7", True),
        ("python3.11", "3.11.7", True),
        ("python3.9", "3.11.7", False),
        ("python2", "3.11.7", False),
        ("/usr/bin/python", "3.11.7", False),
    ],
)
def test_jupyter_client_substitution(program: str, server_version: str, substituted: bool) -> None:
    assert substitutes_to_server(program, server_version) is substituted
