"""The environment a tool's process runs with: the basics a program needs, nothing secret.

A model that can run commands can print its environment, and evalrunner's environment holds
provider keys. So tools do not inherit it: they get the variables of `BASE_VARIABLES`
(search path, home, user, locale, terminal, temporary folder), the ones a suite passes on
by name (`pass_env`), and the ones it sets. Sandboxes build their environment here too.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable, Mapping

from .._util.secrets import register_environment_secrets

__all__ = ["BASE_VARIABLES", "tool_environment"]

# What a shell or an interpreter needs to behave normally; none of these holds a secret.
BASE_VARIABLES = (
    "PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE", "LC_*", "TERM", "TZ",
    "TMPDIR", "TEMP", "TMP",
)


def tool_environment(
    pass_env: Iterable[str] = (),
    set_env: Mapping[str, str] | None = None,
    source: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The variables a tool's process gets.

    `pass_env` names more variables to pass on from `source` (default: this process's
    environment); a name may be a glob (`MY_APP_*`). `set_env` sets values on top.
    """
    source = os.environ if source is None else source
    patterns = [*BASE_VARIABLES, *pass_env]
    env = {name: value for name, value in source.items()
           if any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)}
    # What a suite passes on by name is a secret wherever it would be printed.
    register_environment_secrets(env, [n for n in env if not _is_base(n)])
    env.update(set_env or {})
    return env


def _is_base(name: str) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in BASE_VARIABLES)
