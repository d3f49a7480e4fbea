"""A small process that runs a command and reports its wall time, CPU time and peak memory.

    python benchmarks/timed.py RESULT_FILE COMMAND [ARGS...]

Like `/usr/bin/time`, but portable and writing JSON to RESULT_FILE. It exists because Linux
carries a process's peak resident memory across `fork` and `exec`: a child forked straight
from the benchmark process (hundreds of MB after importing absorb, SimPy and Ciw) would
report at least the benchmark's own size. Forked from this small process instead, the
command's peak memory is its own. The command's exit status is passed on.
"""

import json
import os
import subprocess
import sys
import time


def main() -> int:
    """Run the command, wait for it, and write the measurement."""
    result_file, command = sys.argv[1], sys.argv[2:]
    start = time.perf_counter()
    process = subprocess.Popen(command)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = code = os.waitstatus_to_exitcode(status)
    with open(result_file, "w") as out:
        json.dump(
            {
                "wall_seconds": wall,
                "cpu_seconds": usage.ru_utime + usage.ru_stime,
                "max_rss_kb": usage.ru_maxrss,
                "returncode": code,
            },
            out,
        )
    return code if code >= 0 else 128 - code


if __name__ == "__main__":
    sys.exit(main())
