"""The Python projects the machine's environments install, drawn from one seeded catalog.

Each project has a fixed version and file set, so the same project is byte-identical in
every environment that has it, as packages from one channel are. Requirements only name
foundation projects, which every environment has, so no requirement is unmet unless a
fault plants one.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

# (distribution name, conda name, top-level modules, module files). Real projects, so the
# site dirs read like a data scientist's; a module list of None means the name itself.
_KNOWN = (
    ("pip", "pip", ("pip",), 400), ("setuptools", "setuptools", ("setuptools", "pkg_resources"), 300),
    ("wheel", "wheel", ("wheel",), 30), ("packaging", "packaging", None, 20),
    ("six", "six", ("six",), 0), ("typing_extensions", "typing_extensions", ("typing_extensions",), 0),
    ("python-dateutil", "python-dateutil", ("dateutil",), 25), ("numpy", "numpy", None, 450),
    ("certifi", "certifi", None, 4), ("idna", "idna", None, 8), ("urllib3", "urllib3", None, 40),
    ("charset-normalizer", "charset-normalizer", ("charset_normalizer",), 15),
    ("requests", "requests", None, 18), ("attrs", "attrs", ("attr", "attrs"), 30),
    ("traitlets", "traitlets", None, 60), ("tornado", "tornado", None, 70),
    ("pyzmq", "pyzmq", ("zmq",), 90), ("jupyter_core", "jupyter_core", None, 25),
    ("jupyter_client", "jupyter_client", None, 50), ("decorator", "decorator", ("decorator",), 0),
    ("pygments", "pygments", None, 300), ("parso", "parso", None, 60), ("jedi", "jedi", None, 200),
    ("wcwidth", "wcwidth", None, 5), ("prompt_toolkit", "prompt-toolkit", None, 250),
    ("pexpect", "pexpect", None, 15), ("ptyprocess", "ptyprocess", None, 6),
    ("executing", "executing", None, 8), ("asttokens", "asttokens", None, 8),
    ("pure_eval", "pure_eval", None, 6), ("stack_data", "stack_data", None, 6),
    ("matplotlib-inline", "matplotlib-inline", ("matplotlib_inline",), 4),
    ("ipython", "ipython", ("IPython",), 280), ("comm", "comm", None, 5),
    ("debugpy", "debugpy", None, 350), ("nest-asyncio", "nest-asyncio", ("nest_asyncio",), 0),
    ("psutil", "psutil", None, 40), ("platformdirs", "platformdirs", None, 10),
    ("ipykernel", "ipykernel", ("ipykernel", "ipykernel_launcher"), 70),
)
# Projects every environment has, in dependency order: the tools and a kernel's needs.
FOUNDATION_SIZE = len(_KNOWN)
_FOUNDATION_NAMES = tuple(entry[0] for entry in _KNOWN)
# The module file counts above are about what the real wheels install; the generator writes
# half as many, so that the default machine (about 400,000 files) is written in under a
# minute. NOTE: the doctor checks that every RECORD path exists, so a machine with the full
# counts would take it longer than this one does.
KNOWN_FILE_DIVISOR = 2

_OPTIONAL = (
    ("pandas", "pandas", None, 400), ("scipy", "scipy", None, 450), ("matplotlib", "matplotlib", ("matplotlib", "mpl_toolkits", "pylab"), 250),
    ("scikit-learn", "scikit-learn", ("sklearn",), 300), ("torch", "pytorch", ("torch",), 600),
    ("sympy", "sympy", None, 350), ("networkx", "networkx", None, 200), ("pillow", "pillow", ("PIL",), 90),
    ("pyyaml", "pyyaml", ("yaml", "_yaml"), 20), ("jinja2", "jinja2", None, 25),
    ("markupsafe", "markupsafe", None, 6), ("click", "click", None, 15), ("pytz", "pytz", None, 30),
    ("tzdata", "python-tzdata", None, 60), ("sqlalchemy", "sqlalchemy", None, 200),
    ("pyarrow", "pyarrow", None, 200), ("numba", "numba", None, 300), ("llvmlite", "llvmlite", None, 40),
    ("bokeh", "bokeh", None, 250), ("seaborn", "seaborn", None, 25), ("statsmodels", "statsmodels", None, 300),
    ("xarray", "xarray", None, 100), ("dask", "dask", None, 180), ("distributed", "distributed", None, 200),
    ("toolz", "toolz", ("toolz", "tlz"), 20), ("cloudpickle", "cloudpickle", None, 4),
    ("fsspec", "fsspec", None, 60), ("h5py", "h5py", None, 60), ("tables", "pytables", None, 80),
    ("openpyxl", "openpyxl", None, 120), ("lxml", "lxml", None, 50), ("beautifulsoup4", "beautifulsoup4", ("bs4",), 30),
    ("soupsieve", "soupsieve", None, 8), ("html5lib", "html5lib", None, 30), ("bleach", "bleach", None, 15),
    ("tinycss2", "tinycss2", None, 8), ("webencodings", "webencodings", None, 6), ("defusedxml", "defusedxml", None, 10),
    ("nbformat", "nbformat", None, 40), ("nbconvert", "nbconvert", None, 150), ("nbclient", "nbclient", None, 15),
    ("mistune", "mistune", None, 40), ("jsonschema", "jsonschema", None, 50), ("referencing", "referencing", None, 12),
    ("rpds-py", "rpds-py", ("rpds",), 4), ("fastjsonschema", "python-fastjsonschema", None, 10),
    ("jupyter_server", "jupyter_server", None, 180), ("jupyterlab", "jupyterlab", None, 250),
    ("jupyterlab_server", "jupyterlab_server", None, 40), ("notebook", "notebook", None, 60),
    ("ipywidgets", "ipywidgets", None, 50), ("widgetsnbextension", "widgetsnbextension", None, 10),
    ("terminado", "terminado", None, 8), ("send2trash", "send2trash", None, 10), ("argon2-cffi", "argon2-cffi", ("argon2",), 10),
    ("cffi", "cffi", None, 30), ("pycparser", "pycparser", None, 30), ("cryptography", "cryptography", None, 150),
    ("anyio", "anyio", None, 40), ("sniffio", "sniffio", None, 6), ("h11", "h11", None, 15), ("httpx", "httpx", None, 30),
    ("httpcore", "httpcore", None, 30), ("websocket-client", "websocket-client", ("websocket",), 20),
    ("prometheus_client", "prometheus_client", None, 30), ("overrides", "overrides", None, 10),
    ("pandocfilters", "pandocfilters", ("pandocfilters",), 0), ("babel", "babel", None, 900),
    ("json5", "json5", None, 8), ("fqdn", "fqdn", None, 4), ("isoduration", "isoduration", None, 10),
    ("arrow", "arrow", None, 15), ("rfc3339-validator", "rfc3339-validator", ("rfc3339_validator",), 0),
    ("uri-template", "uri-template", ("uri_template",), 6), ("webcolors", "webcolors", None, 6),
    ("tqdm", "tqdm", None, 40), ("joblib", "joblib", None, 80), ("threadpoolctl", "threadpoolctl", ("threadpoolctl",), 0),
    ("kiwisolver", "kiwisolver", None, 4), ("cycler", "cycler", ("cycler",), 0), ("fonttools", "fonttools", ("fontTools",), 350),
    ("pyparsing", "pyparsing", None, 20), ("contourpy", "contourpy", None, 15), ("protobuf", "protobuf", ("google",), 120),
    ("grpcio", "grpcio", ("grpc",), 60), ("absl-py", "absl-py", ("absl",), 40), ("tensorboard", "tensorboard", None, 300),
    ("transformers", "transformers", None, 900), ("tokenizers", "tokenizers", None, 20), ("huggingface-hub", "huggingface_hub", ("huggingface_hub",), 90),
    ("safetensors", "safetensors", None, 10), ("regex", "regex", None, 6), ("filelock", "filelock", None, 10),
    ("sentencepiece", "sentencepiece", None, 8), ("nltk", "nltk", None, 250), ("spacy", "spacy", None, 500),
    ("shapely", "shapely", None, 60), ("pyproj", "pyproj", None, 60), ("fiona", "fiona", None, 40),
    ("geopandas", "geopandas", None, 90), ("rasterio", "rasterio", None, 70), ("xgboost", "xgboost", None, 40),
    ("lightgbm", "lightgbm", None, 20), ("plotly", "plotly", None, 900), ("altair", "altair", None, 120),
    ("flask", "flask", None, 25), ("werkzeug", "werkzeug", None, 60), ("itsdangerous", "itsdangerous", None, 8),
    ("fastapi", "fastapi", None, 50), ("starlette", "starlette", None, 40), ("pydantic", "pydantic", None, 100),
    ("pydantic_core", "pydantic-core", None, 6), ("uvicorn", "uvicorn", None, 40), ("boto3", "boto3", None, 60),
    ("botocore", "botocore", None, 900), ("s3transfer", "s3transfer", None, 15), ("jmespath", "jmespath", None, 8),
    ("pytest", "pytest", ("pytest", "_pytest", "py"), 80), ("pluggy", "pluggy", None, 10), ("iniconfig", "iniconfig", None, 4),
    ("black", "black", ("black", "blib2to3"), 60), ("mypy_extensions", "mypy_extensions", ("mypy_extensions",), 0),
    ("pathspec", "pathspec", None, 20), ("tomli", "tomli", None, 5), ("colorama", "colorama", None, 10),
    ("rich", "rich", None, 90), ("markdown-it-py", "markdown-it-py", ("markdown_it",), 60), ("mdurl", "mdurl", None, 6),
    ("opencv-python", "py-opencv", ("cv2",), 40), ("imageio", "imageio", None, 60), ("scikit-image", "scikit-image", ("skimage",), 400),
    ("tifffile", "tifffile", None, 10), ("lazy_loader", "lazy_loader", None, 4), ("numexpr", "numexpr", None, 15),
    ("bottleneck", "bottleneck", None, 20), ("patsy", "patsy", None, 40), ("mpmath", "mpmath", None, 60),
)

# Words for the made-up projects that fill environments beyond the real names above.
_WORDS = ("graph", "stream", "vector", "schema", "signal", "metric", "token", "sketch", "atlas",
          "orbit", "parcel", "lattice", "quill", "ember", "harbor", "mosaic", "prism", "ledger",
          "beacon", "cobalt", "delta", "fathom", "glyph", "helix", "index", "juniper", "kestrel",
          "lumen", "meridian", "nimbus")
_SUFFIXES = ("-utils", "-client", "-core", "kit", "lib", "-tools", "-io", "-py", "-plot", "-cli")


@dataclass(frozen=True)
class Project:
    """One Python project, as every environment that installs it has it."""

    name: str
    conda_name: str
    version: str
    modules: tuple[str, ...]
    module_files: int
    requires: tuple[str, ...]
    native: bool
    scripts: tuple[str, ...]
    top_level_txt: bool

    @property
    def conda_build(self) -> str:
        if not self.native:
            return "pyhd8ed1ab_0"
        digest = abs(hash_text(self.name)) % 16**7
        return f"py311h{digest:07x}_0"


def hash_text(text: str) -> int:
    """Return a stable integer for ``text``; Python's hash() changes between runs."""
    value = 0
    for char in text.encode():
        value = (value * 131 + char) % (2**61 - 1)
    return value


def build_catalog(size: int, seed: int) -> list[Project]:
    """Return ``size`` distinct projects: the foundation first, then real, then made-up names."""
    rng = random.Random(seed)
    entries = list(_KNOWN) + list(_OPTIONAL)
    made_up = (f"{word}{suffix}" for suffix in _SUFFIXES for word in _WORDS)
    number = 2
    while len(entries) < size:
        name = next(made_up, None)
        if name is None:
            made_up = (f"{word}{suffix}{number}" for suffix in _SUFFIXES for word in _WORDS)
            number += 1
            continue
        entries.append((name, name, None, _random_file_count(rng)))

    projects = []
    for index, (name, conda_name, modules, files) in enumerate(entries[:size]):
        foundation = [p for p in projects[:min(index, FOUNDATION_SIZE)]]
        files = files // KNOWN_FILE_DIVISOR if index < len(_KNOWN) + len(_OPTIONAL) else files
        projects.append(_project(rng, name, conda_name, modules, files, foundation))
    return projects


def _random_file_count(rng: random.Random) -> int:
    roll = rng.random()
    if roll < 0.75:
        return rng.randint(0, 5)
    if roll < 0.93:
        return rng.randint(6, 25)
    if roll < 0.99:
        return rng.randint(26, 100)
    return rng.randint(101, 300)


def _project(rng: random.Random, name: str, conda_name: str, modules: tuple[str, ...] | None,
             module_files: int, foundation: list[Project]) -> Project:
    version = f"{rng.randint(0, 5)}.{rng.randint(0, 30)}.{rng.randint(0, 15)}"
    # ipykernel is left out because one env lacks it on purpose (the K103 fault).
    candidates = [p for p in foundation if p.name != "ipykernel"]
    dependencies = rng.sample(candidates, min(len(candidates), rng.randint(0, 3)))
    return Project(
        name=name,
        conda_name=conda_name,
        version=version,
        modules=modules or (name.lower().replace("-", "_").replace(".", "_"),),
        module_files=module_files,
        requires=tuple(_requirement(p) for p in dependencies),
        native=rng.random() < 0.3,
        scripts=(name.lower(),) if rng.random() < 0.08 else (),
        top_level_txt=rng.random() < 0.5,
    )


def _requirement(project: Project) -> str:
    major = project.version.split(".")[0]
    return project.name if major == "0" else f"{project.name}>={major}.0"


def foundation_count(name: str) -> int:
    """Return the smallest project count whose choose_projects() result has foundation project ``name``."""
    return _FOUNDATION_NAMES.index(name) + 1


def choose_projects(catalog: list[Project], count: int, rng: random.Random) -> list[Project]:
    """Return the foundation plus ``count`` minus its size projects sampled from the rest."""
    optional = catalog[FOUNDATION_SIZE:]
    extra = rng.sample(optional, max(0, min(len(optional), count - FOUNDATION_SIZE)))
    chosen = catalog[:FOUNDATION_SIZE] + sorted(extra, key=catalog.index)
    return chosen[:count]
