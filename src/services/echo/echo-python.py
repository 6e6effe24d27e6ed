# director's echo service for a client with python3 (no install: director writes this file to
# the service's folder). The protocol of src/local/protocol.ts, on every port given:
#   python3 echo-python.py --bind <address> --idle-ms <ms> <port>...
# Only modules of Debian's python3-minimal; python 3.5 and later. Twins: echo-node.cjs, echo-perl.pl.
import errno
import os
import selectors
import signal
import socket
import sys
import time

MAX_LINE = 4096
HIGH_WATER = 64 * 1024
LINGER_S = 1.0
ECHO_LIMIT = 80
BLANKS = '\t\n\x0b\x0c\r \xa0'
OUT_OF_FILES = (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM)


def printable(text):
    cut = text[:ECHO_LIMIT]
    out = []
    for ch in cut:
        code = ord(ch)
        if ch == '\\':
            out.append('\\\\')
        elif 0x20 <= code < 0x7f:
            out.append(ch)
        else:
            out.append('\\x%02x' % code)
    return ''.join(out) + ('...' if len(cut) < len(text) else '')


def rss_mb():
    try:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith('VmRSS:'):
                    return round(int(line.split()[1]) / 1024.0, 1)
    except OSError:
        pass
    return 0


def address(sock):
    host, port = sock.getsockname()[:2]
    if host.startswith('::ffff:') and '.' in host:
        host = host[7:]
    return ('[%s]' % host if ':' in host else host) + ':%d' % port


class Listener:
    def __init__(self, sock, port):
        self.sock = sock
        self.port = port
        self.conns = set()
        self.open = True


class Conn:
    """One client. Once `closing`, requests are no longer read: the last replies go out, our
    side is shut, and what the peer still sends is read and dropped until it closes (or for
    LINGER_S), so that our last words are not lost to a reset."""

    def __init__(self, sock, listener, now, idle_s):
        self.sock = sock
        self.listener = listener
        self.pending = bytearray()
        self.out = bytearray()
        self.closing = False
        self.shut = False
        self.paused = False
        self.eof = False
        self.deadline = None
        self.idle_at = now + idle_s
        self.line_at = None


class Echo:
    def __init__(self, bind, idle_s, ports):
        self.bind = bind
        self.idle_s = idle_s
        self.sel = selectors.DefaultSelector()
        self.listeners = []
        self.started = time.monotonic()
        self.requests = 0
        self.accept_again = None
        self.exit_at = None
        self.conns = set()
        for port in ports:
            self.listen(port)

    def listen(self, port):
        try:
            info = socket.getaddrinfo(self.bind, port, 0, socket.SOCK_STREAM)[0]
            s = socket.socket(info[0], socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(info[4])
            s.listen(511)
            s.setblocking(False)
        except OSError as e:
            sys.stderr.write('echo: port %d: %s\n' % (port, e.strerror or e))
            return
        lst = Listener(s, port)
        self.listeners.append(lst)
        self.sel.register(s, selectors.EVENT_READ, lst)
        sys.stdout.write('echo: listening on %s:%d (python %s)\n' % (self.bind, port, sys.version.split()[0]))
        sys.stdout.flush()

    # ---- connections -----------------------------------------------------------------------

    def watch(self, c):
        # A closing connection is read (and the bytes dropped) until the peer closes.
        ev = selectors.EVENT_READ if not c.eof and (c.closing or not c.paused) else 0
        if c.out:
            ev |= selectors.EVENT_WRITE
        try:
            if ev:
                self.sel.modify(c.sock, ev, c)
            else:
                self.sel.unregister(c.sock)
        except KeyError:
            if ev:
                self.sel.register(c.sock, ev, c)

    def drop(self, c):
        try:
            self.sel.unregister(c.sock)
        except KeyError:
            pass
        c.sock.close()
        c.listener.conns.discard(c)
        self.conns.discard(c)

    def send(self, c, text):
        c.out += (text + '\n').encode('latin-1')
        if len(c.out) > HIGH_WATER:
            c.paused = True
        self.watch(c)

    def finish(self, c, text):
        if c.closing:
            return
        c.closing = True
        c.pending = bytearray()
        c.deadline = time.monotonic() + LINGER_S
        self.send(c, text)

    def answer(self, c, text):
        self.requests += 1
        self.send(c, text)

    def request(self, c, line):
        word = line.strip(BLANKS).lower()
        if word == 'ping':
            self.answer(c, 'Echo sent from ' + address(c.sock))
        elif word == 'stat':
            up = round(time.monotonic() - self.started, 1)
            self.answer(c, '{"service":"director-echo","interpreter":"python3","port":%d,"pid":%d,"uptimeSec":%s,"memoryMB":%s,"requests":%d}'
                        % (c.listener.port, os.getpid(), up, rss_mb(), self.requests))
        elif word == '':
            self.answer(c, 'ERR empty request')
        elif word == 'shutdown':
            self.requests += 1
            self.shutdown(c)
            return False
        else:
            self.answer(c, 'ERR unknown command: ' + printable(line))
        return True

    def shutdown(self, c):
        lst = c.listener
        self.sel.unregister(lst.sock)
        lst.sock.close()
        lst.open = False
        self.listeners.remove(lst)
        for other in list(lst.conns):
            if other is not c:
                self.drop(other)
        self.finish(c, 'Client %s shutting down.' % address(c.sock))
        if not self.listeners:
            self.exit_at = time.monotonic() + LINGER_S

    def received(self, c, data, now):
        c.idle_at = now + self.idle_s
        if c.closing:
            return
        start = 0
        ended = False
        while True:
            nl = data.find(b'\n', start)
            if nl == -1:
                break
            if len(c.pending) + nl - start > MAX_LINE:
                return self.overflow(c)
            c.pending += data[start:nl]
            line = c.pending.decode('latin-1')
            if line.endswith('\r'):
                line = line[:-1]
            c.pending = bytearray()
            start = nl + 1
            ended = True
            if not self.request(c, line):
                return
        if len(c.pending) + len(data) - start > MAX_LINE:
            return self.overflow(c)
        c.pending += data[start:]
        # A line once begun must end within the idle timeout; each finished line restarts that clock.
        if not c.pending or ended:
            c.line_at = None
        if c.pending and c.line_at is None:
            c.line_at = now + self.idle_s

    def overflow(self, c):
        self.requests += 1
        self.finish(c, 'ERR line too long (over %d bytes)' % MAX_LINE)

    def readable(self, c, now):
        try:
            data = c.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            return self.drop(c)
        if data:
            return self.received(c, data, now)
        # The peer shut its side: what was complete is answered, an unfinished line dropped.
        c.eof = True
        if not c.closing:
            c.closing = True
            c.pending = bytearray()
            c.deadline = now + LINGER_S
        if c.out:
            self.watch(c)
        else:
            self.drop(c)

    def writable(self, c, now):
        try:
            n = c.sock.send(c.out)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            return self.drop(c)
        del c.out[:n]
        c.idle_at = now + self.idle_s
        if c.out:
            return
        if c.closing:
            if not c.shut:
                c.shut = True
                try:
                    c.sock.shutdown(socket.SHUT_WR)
                except OSError:
                    return self.drop(c)
            if c.eof:
                return self.drop(c)
        c.paused = False
        self.watch(c)

    def accept(self, lst, now):
        for _ in range(64):
            try:
                sock, _peer = lst.sock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as e:
                if e.errno in OUT_OF_FILES:
                    # Out of descriptors: shed, and stop accepting for a moment rather than spin.
                    self.accept_again = now + 0.1
                    for other in self.listeners:
                        try:
                            self.sel.unregister(other.sock)
                        except KeyError:
                            pass
                return
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            c = Conn(sock, lst, now, self.idle_s)
            lst.conns.add(c)
            self.conns.add(c)
            self.sel.register(sock, selectors.EVENT_READ, c)

    # ---- the loop --------------------------------------------------------------------------

    def timers(self, now):
        """Acts on every deadline that has passed; returns the time until the next one."""
        wait = 1.0
        if self.accept_again is not None:
            if now >= self.accept_again:
                self.accept_again = None
                for lst in self.listeners:
                    try:
                        self.sel.register(lst.sock, selectors.EVENT_READ, lst)
                    except KeyError:
                        pass
            else:
                wait = min(wait, self.accept_again - now)
        for c in list(self.conns):
            if c.deadline is not None:
                if now >= c.deadline:
                    self.drop(c)
                else:
                    wait = min(wait, c.deadline - now)
            elif now >= c.idle_at:
                # Idle wins a tie with the line clock, as in the local service.
                self.finish(c, 'ERR idle timeout')
            elif c.line_at is not None and now >= c.line_at:
                self.finish(c, 'ERR line not finished within the idle timeout')
            else:
                wait = min(wait, c.idle_at - now, c.line_at - now if c.line_at is not None else wait)
        return max(0.0, wait)

    def run(self):
        # After the last port's shutdown: go once its reply is out, or after LINGER_S.
        while self.exit_at is None or (self.conns and time.monotonic() < self.exit_at):
            wait = self.timers(time.monotonic())
            if self.exit_at is not None:
                wait = min(wait, max(0.0, self.exit_at - time.monotonic()))
            for key, ev in self.sel.select(wait):
                now = time.monotonic()
                obj = key.data
                if isinstance(obj, Listener):
                    if obj.open:
                        self.accept(obj, now)
                    continue
                if obj.sock.fileno() != -1 and ev & selectors.EVENT_READ:
                    self.readable(obj, now)
                if obj.sock.fileno() != -1 and ev & selectors.EVENT_WRITE and obj.out:
                    self.writable(obj, now)


def main(argv):
    bind, idle_ms, ports = '127.0.0.1', '60000', []
    i = 0
    while i < len(argv):
        if argv[i] in ('--bind', '--idle-ms') and i + 1 < len(argv):
            if argv[i] == '--bind':
                bind = argv[i + 1]
            else:
                idle_ms = argv[i + 1]
            i += 2
        elif argv[i].isdigit() and 1 <= int(argv[i]) <= 65535:
            ports.append(int(argv[i]))
            i += 1
        else:
            ports = []
            break
    if not ports or not idle_ms.isdigit() or int(idle_ms) <= 0:
        sys.stderr.write('usage: echo-python.py --bind <address> --idle-ms <ms> <port>...\n')
        sys.exit(2)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    echo = Echo(bind, int(idle_ms) / 1000.0, ports)
    if not echo.listeners:
        sys.exit(1)
    echo.run()


if __name__ == '__main__':
    main(sys.argv[1:])
