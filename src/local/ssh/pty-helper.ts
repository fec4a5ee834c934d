/**
 * Pseudo-terminals for interactive sessions without a native addon (node-pty is not a
 * dependency). A short Python program — `python3` ships with every Linux and macOS the local
 * provider targets — forks the command onto a real pty, copies bytes between its own
 * stdin/stdout and the pty, applies window-size changes that arrive as "rows cols" lines on
 * file descriptor 3, forwards signals to the command's process group, and exits with the
 * command's status (re-raising the signal that killed it, so the SSH exit-signal is right).
 */
export const ptyHelperSource = String.raw`
import os, pty, select, signal, struct, sys, fcntl, termios
rows, cols = int(sys.argv[1]), int(sys.argv[2])
argv = sys.argv[3:]
pid, master = pty.fork()
if pid == 0:
    try:
        os.execvp(argv[0], argv)
    finally:
        os._exit(127)
def resize(r, c):
    try:
        fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", r, c, 0, 0))
    except OSError:
        pass
def forward(sig, _frame):
    try:
        os.killpg(pid, sig)
    except OSError:
        pass
for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2):
    signal.signal(s, forward)
resize(rows, cols)
def write_all(fd, data):
    while data:
        n = os.write(fd, data)
        data = data[n:]
watch = [0, master, 3]
pending = b""
while True:
    try:
        ready, _, _ = select.select(watch, [], [])
    except InterruptedError:
        continue
    if master in ready:
        try:
            data = os.read(master, 65536)
        except OSError:
            data = b""
        if not data:
            break
        write_all(1, data)
    if 0 in ready:
        data = os.read(0, 65536)
        if data:
            write_all(master, data)
        else:
            watch.remove(0)
    if 3 in ready:
        data = os.read(3, 4096)
        if not data:
            watch.remove(3)
        pending += data
        while b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            parts = line.split()
            if len(parts) == 2:
                resize(int(parts[0]), int(parts[1]))
while True:
    try:
        _, status = os.waitpid(pid, 0)
        break
    except InterruptedError:
        continue
if os.WIFSIGNALED(status):
    sig = os.WTERMSIG(status)
    signal.signal(sig, signal.SIG_DFL)
    os.kill(os.getpid(), sig)
sys.exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 1)
`;
