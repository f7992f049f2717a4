#!/usr/bin/env python3
"""pty_run.py: run a command on a pseudo-terminal, answer its first [y/N]
prompt, and report what a person at that terminal would have seen.

    pty_run.py ANSWER COMMAND [ARGS...]

ANSWER is the text to type once "[y/N]" shows (e.g. "n" or "y", a newline
is added), or "^C" to press Ctrl-C there (the terminal sends SIGINT, as for
a person), or "-" when the command asks nothing. Everything the command wrote is printed on stdout with \\r\\n made
\\n; the exit status is the command's (128 + N when signal N ended it), or
124 when the prompt did not show within 10 s (120 s for the whole run with "-").
"""
import os
import pty
import select
import sys
import time


def main():
    answer, argv = sys.argv[1], sys.argv[2:]
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(argv[0], argv)
    out, sent = b"", answer == "-"
    deadline = time.time() + (120 if sent else 10)
    while True:
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                data = os.read(fd, 4096)
            except OSError:
                data = b""
            if not data:
                break
            out += data
        if not sent and b"[y/N]" in out:
            os.write(fd, b"\x03" if answer == "^C" else answer.encode() + b"\n")
            sent, deadline = True, time.time() + 120
        if time.time() > deadline:
            os.kill(pid, 9)
            sys.stdout.write(out.decode(errors="replace").replace("\r\n", "\n"))
            return 124
    _, status = os.waitpid(pid, 0)
    sys.stdout.write(out.decode(errors="replace").replace("\r\n", "\n"))
    if os.WIFSIGNALED(status):
        return 128 + os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


sys.exit(main())
