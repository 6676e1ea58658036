"""environment.yml files: reading them, matching their dependencies against an environment,
and exporting an environment as one.

Conda match specs are parsed and matched by py-rattler, which implements conda's MatchSpec and
version ordering; pip requirements by packaging; YAML by ruamel.yaml, which keeps comments
when a file is rewritten.
"""
