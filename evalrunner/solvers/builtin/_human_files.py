"""What `human_agent` installs in a sandbox: the `task` command and the login shell's rc file.

The person and evalrunner talk through files in a state folder inside the sandbox, so this
works with every backend: `task submit` and `task score` write a request and wait for
evalrunner (which polls the folder) to write the result.
"""

from __future__ import annotations

import shlex

TASK_SCRIPT = r"""#!/bin/sh
# The task command of an evalrunner human_agent sample.
S=__STATE__
request() {
  rm -f "$S/$1-result"
  printf '%s' "$2" > "$S/$1-request.tmp" && mv "$S/$1-request.tmp" "$S/$1-request"
  i=0
  while [ ! -f "$S/$1-result" ]; do
    sleep 0.2; i=$((i + 1))
    if [ "$i" -gt 600 ]; then echo "no answer from evalrunner: is it running?"; return 1; fi
  done
  cat "$S/$1-result"; echo; rm -f "$S/$1-result"
  [ ! -f "$S/$1-rejected" ]
}
case "$1" in
  submit) shift; request submit "$*" ;;
  score)
    if [ ! -f "$S/intermediate" ]; then echo "task score is off for this task"; exit 1; fi
    shift; request score "$*" ;;
  start) echo "start $(date +%s)" >> "$S/clock"; echo "The clock is running." ;;
  stop) echo "stop $(date +%s)" >> "$S/clock"; echo "The clock is stopped (task start resumes)." ;;
  instructions) cat "$S/instructions" ;;
  *)
    cat <<'USAGE'
task instructions     show the task again
task submit ANSWER    hand in your answer (ends the task)
task score ANSWER     check an answer without handing it in (when the task allows it)
task start            start (or resume) the clock
task stop             stop the clock (for a break)
USAGE
    [ -z "$1" ] || [ "$1" = help ] ;;
esac
"""


def task_script(state_dir: str) -> str:
    return TASK_SCRIPT.replace("__STATE__", shlex.quote(state_dir))


def rc_file(state_dir: str, workdir: str | None, record: bool) -> str:
    """bash's rc file for the person's shell: PATH, folder, clock, and the recording."""
    s = shlex.quote(state_dir)
    lines = [
        f"export PATH={s}/bin:$PATH",
        "export PS1='[task] \\w$ '",
    ]
    if record:
        # Once, in the outer shell: record everything typed and printed from here on.
        lines += [
            'if [ -z "$EVALRUNNER_RECORDING" ] && command -v script >/dev/null; then',
            "  export EVALRUNNER_RECORDING=1",
            f"  exec script -q -f -a {s}/session.log -c \"bash --rcfile {s}/bashrc -i\"",
            "fi",
        ]
    if workdir:
        lines.append(f"cd {shlex.quote(workdir)} 2>/dev/null")
    lines += [
        f'[ -s {s}/clock ] || echo "start $(date +%s)" >> {s}/clock',
        f"cat {s}/instructions",
    ]
    return "\n".join(lines) + "\n"
