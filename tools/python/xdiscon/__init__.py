# SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
"""AF_XDISCON sockets for Python: connections that end with disconnect data.

CPython's socket module refuses the address family it does not know in
bind(), connect(), accept(), getsockname(), getpeername(), recvfrom() and
recvmsg().  ``xdiscon.socket()`` returns a ``socket.socket`` subclass that
does those calls itself (through libc) and speaks address tuples:

- ``("local", port)``: the same-host transport;
- ``("10.0.0.1", port)``, ``("::1", port)``: the TCP transport, IPv4 or
  IPv6 (``("fe80::1", port, 0, scope_id)`` with a scope);
- ``("host.name", port)``: the TCP transport, resolved with getaddrinfo();
  the first address it gives is used.

Port 0 asks for a free port.  Every other call is the socket module's own,
so the sockets work with ``selectors`` and with asyncio's ``loop.sock_*``
calls.  The disconnect data:

- ``send_disconnect(data, payload=b"")`` sends ``payload``, then ends the
  sending direction with ``data`` as the disconnect data
  (WSASendDisconnect);
- ``recv_disconnect(bufsize)`` receives like ``recv()`` and also returns
  the peer's disconnect data, which comes with the end of the stream
  (WSARecvDisconnect): ``(data, None)`` before the end, ``(b"", disc)``
  at it, so that on SOCK_SEQPACKET an empty record, ``(b"", None)``, is
  told from the end;
- ``peer_disconnect_data()``, ``disconnect_data`` and
  ``max_disconnect_data()`` are the socket options ``XDISCON_PEER_DISCDATA``,
  ``XDISCON_DISCDATA`` and ``XDISCON_MAX_DISCDATA``; ``tx_done()`` is
  ``XDISCON_TX_DONE``.

Errors are ``OSError`` with the kernel's errno (``BlockingIOError``,
``ConnectionRefusedError``... as the socket module raises them).  See
xdiscon(7) and Documentation/networking/xdiscon.rst.
"""

import ctypes
import errno as _errno
import os
import select as _select
import socket as _socket
import struct as _struct
import time as _time

__all__ = [
    "AF_XDISCON_DEFAULT", "SOL_XDISCON", "XDISCON_CMSG_DISCONNECT",
    "XDISCON_CMSG_ABORT", "XDISCON_DISCDATA", "XDISCON_PEER_DISCDATA",
    "XDISCON_MAX_DISCDATA", "XDISCON_TX_DONE", "XDISCON_PEER_ABORTDATA", "XDISCON_DISCDATA_CAP", "XDISCON_TRANSPORT_LOCAL",
    "XDISCON_TRANSPORT_INET", "SOCK_STREAM", "SOCK_SEQPACKET", "family",
    "socket", "XdisconSocket",
]

# include/uapi/linux/xdiscon.h
AF_XDISCON_DEFAULT = 22
SOL_XDISCON = 299
XDISCON_TRANSPORT_LOCAL = 1
XDISCON_TRANSPORT_INET = 2
XDISCON_CMSG_DISCONNECT = 1
XDISCON_CMSG_ABORT = 2
XDISCON_DISCDATA_CAP = 65536
XDISCON_DISCDATA = 1
XDISCON_PEER_DISCDATA = 2
XDISCON_MAX_DISCDATA = 3
XDISCON_TX_DONE = 4
XDISCON_PEER_ABORTDATA = 5

SOCK_STREAM = _socket.SOCK_STREAM
SOCK_SEQPACKET = _socket.SOCK_SEQPACKET

_FAMILY_PARAM = "/sys/module/xdiscon/parameters/family"

# struct sockaddr_xdiscon: family, transport, port (network order), flags,
# addr[16], scope_id.
_SOCKADDR = _struct.Struct("=HH2sH16sI")
_V4_MAPPED = b"\0" * 10 + b"\xff\xff"


def family():
    """The family number the loaded module registered (its "family"
    parameter), or AF_XDISCON_DEFAULT when it is not loaded."""
    try:
        with open(_FAMILY_PARAM) as f:
            return int(f.read())
    except (OSError, ValueError):
        return AF_XDISCON_DEFAULT


_family = family       # for the methods whose argument is named family


# -- libc ---------------------------------------------------------------

class _Iovec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]


class _Msghdr(ctypes.Structure):
    _fields_ = [("name", ctypes.c_void_p), ("namelen", ctypes.c_uint32),
                ("iov", ctypes.POINTER(_Iovec)), ("iovlen", ctypes.c_size_t),
                ("control", ctypes.c_void_p),
                ("controllen", ctypes.c_size_t), ("flags", ctypes.c_int)]


class _Cmsghdr(ctypes.Structure):
    _fields_ = [("len", ctypes.c_size_t), ("level", ctypes.c_int),
                ("type", ctypes.c_int)]


_libc = ctypes.CDLL(None, use_errno=True)
_socklen_p = ctypes.POINTER(ctypes.c_uint32)
for _name, _args in (
        ("bind", [ctypes.c_int, ctypes.c_char_p, ctypes.c_uint32]),
        ("connect", [ctypes.c_int, ctypes.c_char_p, ctypes.c_uint32]),
        ("accept4", [ctypes.c_int, ctypes.c_char_p, _socklen_p,
                     ctypes.c_int]),
        ("getsockname", [ctypes.c_int, ctypes.c_char_p, _socklen_p]),
        ("getpeername", [ctypes.c_int, ctypes.c_char_p, _socklen_p]),
        ("getsockopt", [ctypes.c_int, ctypes.c_int, ctypes.c_int,
                        ctypes.c_char_p, _socklen_p]),
        ("recvmsg", [ctypes.c_int, ctypes.POINTER(_Msghdr), ctypes.c_int]),
        ("sendmsg", [ctypes.c_int, ctypes.POINTER(_Msghdr), ctypes.c_int])):
    getattr(_libc, _name).argtypes = _args
getattr(_libc, "recvmsg").restype = ctypes.c_ssize_t
getattr(_libc, "sendmsg").restype = ctypes.c_ssize_t

_CMSG_ALIGN = ctypes.sizeof(ctypes.c_size_t)


def _align(n):
    return (n + _CMSG_ALIGN - 1) & ~(_CMSG_ALIGN - 1)


def _oserror(err):
    """The OSError subclass the socket module raises for @err."""
    return OSError(err, os.strerror(err))


# -- addresses ----------------------------------------------------------

def _inet_addr(host):
    """16 address bytes and the scope for @host (IPv4, IPv6 or a name)."""
    if host in ("", "::"):
        return bytes(16), 0
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    scope = 0
    if "%" in host:
        host, name = host.split("%", 1)
        scope = int(name) if name.isdigit() else _socket.if_nametoindex(name)
    try:
        return _socket.inet_pton(_socket.AF_INET6, host), scope
    except OSError:
        pass
    try:
        return _V4_MAPPED + _socket.inet_pton(_socket.AF_INET, host), scope
    except OSError:
        pass
    ai = _socket.getaddrinfo(host, None, type=_socket.SOCK_STREAM)[0]
    if ai[0] == _socket.AF_INET6:
        return _socket.inet_pton(_socket.AF_INET6, ai[4][0]), ai[4][3]
    return _V4_MAPPED + _socket.inet_pton(_socket.AF_INET, ai[4][0]), 0


def _to_sockaddr(address, fam):
    if not isinstance(address, tuple) or len(address) not in (2, 4):
        raise TypeError("AF_XDISCON address must be a tuple (host, port)"
                        " or (host, port, flowinfo, scope_id)")
    host, port = address[0], address[1]
    if not isinstance(host, str):
        raise TypeError("AF_XDISCON address host must be str")
    if not isinstance(port, int) or isinstance(port, bool):
        raise TypeError("AF_XDISCON address port must be int")
    if not 0 <= port <= 65535:
        raise OverflowError("port must be 0-65535.")
    if host == "local":
        transport, addr, scope = XDISCON_TRANSPORT_LOCAL, bytes(16), 0
    else:
        transport = XDISCON_TRANSPORT_INET
        addr, scope = _inet_addr(host)
    if len(address) == 4:
        if not isinstance(address[3], int):
            raise TypeError("AF_XDISCON address scope_id must be int")
        scope = address[3]
    return _SOCKADDR.pack(fam, transport, _struct.pack("!H", port), 0,
                          addr, scope)


def _from_sockaddr(raw):
    _, transport, port, _, addr, scope = _SOCKADDR.unpack(
        raw[:_SOCKADDR.size].ljust(_SOCKADDR.size, b"\0"))
    port = _struct.unpack("!H", port)[0]
    if transport == XDISCON_TRANSPORT_LOCAL:
        return ("local", port)
    if addr.startswith(_V4_MAPPED):
        return (_socket.inet_ntop(_socket.AF_INET, addr[12:]), port)
    host = _socket.inet_ntop(_socket.AF_INET6, addr)
    return (host, port, 0, scope) if scope else (host, port)


# -- the socket ---------------------------------------------------------

class XdisconSocket(_socket.socket):
    """An AF_XDISCON socket: see the module's documentation."""

    __slots__ = ()

    def __init__(self, family=-1, type=-1, proto=-1, fileno=None):
        if fileno is None:
            family = _family() if family == -1 else family
            type = SOCK_STREAM if type == -1 else type
            proto = 0 if proto == -1 else proto
        super().__init__(family, type, proto, fileno)

    def __repr__(self):
        return super().__repr__().replace("<socket.socket",
                                          "<xdiscon.XdisconSocket", 1)

    # Blocking, timeouts and non-blocking as the socket module has them:
    # with a timeout the descriptor is non-blocking and the call waits
    # for readiness in between; without one (None) the call blocks in the
    # kernel; at 0 a call that would block raises BlockingIOError.
    def _wait(self, write, deadline):
        timeout = None if deadline is None else deadline - _time.monotonic()
        if timeout is not None and timeout <= 0:
            raise TimeoutError("timed out")
        poller = _select.poll()
        poller.register(self, _select.POLLOUT if write else _select.POLLIN)
        if not poller.poll(None if timeout is None else timeout * 1000):
            raise TimeoutError("timed out")

    def _retry(self, call, write=False):
        timeout = self.gettimeout()
        deadline = None if not timeout else _time.monotonic() + timeout
        while True:
            ret = call()
            if ret >= 0:
                return ret
            err = ctypes.get_errno()
            if err == _errno.EINTR:
                continue
            if timeout and err in (_errno.EAGAIN, _errno.EWOULDBLOCK):
                self._wait(write, deadline)
                continue
            raise _oserror(err)

    def _name(self, fn):
        raw = ctypes.create_string_buffer(_SOCKADDR.size)
        size = ctypes.c_uint32(_SOCKADDR.size)
        if fn(self.fileno(), raw, ctypes.byref(size)):
            raise _oserror(ctypes.get_errno())
        return _from_sockaddr(raw.raw[:size.value])

    def bind(self, address):
        raw = _to_sockaddr(address, self.family)
        if _libc.bind(self.fileno(), raw, len(raw)):
            raise _oserror(ctypes.get_errno())

    def connect(self, address):
        raw = _to_sockaddr(address, self.family)
        timeout = self.gettimeout()
        deadline = None if not timeout else _time.monotonic() + timeout
        interrupted = False
        while True:
            if _libc.connect(self.fileno(), raw, len(raw)) == 0:
                return
            err = ctypes.get_errno()
            if err == _errno.EINTR:
                # PEP 475: again; a connect that goes on says EALREADY.
                interrupted = True
                continue
            if err == _errno.EISCONN and interrupted:
                return
            if ((err == _errno.EALREADY and interrupted) or
                    (timeout and err == _errno.EINPROGRESS)):
                self._wait(True, deadline)
                err = self.getsockopt(_socket.SOL_SOCKET, _socket.SO_ERROR)
                if not err:
                    return
            raise _oserror(err)

    def connect_ex(self, address):
        try:
            self.connect(address)
        except TimeoutError:
            return _errno.EWOULDBLOCK   # as socket.connect_ex()
        except _socket.gaierror:
            raise
        except OSError as e:
            if e.errno is None:
                raise
            return e.errno
        return 0

    def accept(self):
        raw = ctypes.create_string_buffer(_SOCKADDR.size)
        size = ctypes.c_uint32(_SOCKADDR.size)
        fd = self._retry(lambda: _libc.accept4(
            self.fileno(), raw, ctypes.byref(size), _socket.SOCK_CLOEXEC))
        sock = XdisconSocket(self.family, self.type, self.proto, fileno=fd)
        # As socket.accept(): without a default timeout the new socket
        # blocks, whatever the listener's timeout.
        if _socket.getdefaulttimeout() is None and self.gettimeout():
            sock.setblocking(True)
        return sock, _from_sockaddr(raw.raw[:size.value])

    def getsockname(self):
        return self._name(_libc.getsockname)

    def getpeername(self):
        return self._name(_libc.getpeername)

    def recvmsg(self, bufsize, ancbufsize=0, flags=0):
        if bufsize < 0 or ancbufsize < 0:
            raise ValueError("negative buffer size in recvmsg()")
        data = ctypes.create_string_buffer(max(bufsize, 1))
        control = ctypes.create_string_buffer(max(ancbufsize, 1))
        name = ctypes.create_string_buffer(_SOCKADDR.size)
        iov = _Iovec(ctypes.cast(data, ctypes.c_void_p), bufsize)
        msg = _Msghdr(ctypes.cast(name, ctypes.c_void_p), _SOCKADDR.size,
                      ctypes.pointer(iov), 1,
                      ctypes.cast(control, ctypes.c_void_p), ancbufsize, 0)

        def call():
            msg.namelen = _SOCKADDR.size
            msg.controllen = ancbufsize
            return _libc.recvmsg(self.fileno(), ctypes.byref(msg), flags)

        n = self._retry(call)
        address = (_from_sockaddr(name.raw[:msg.namelen])
                   if msg.namelen else None)
        return (data.raw[:min(n, bufsize)],
                self._cmsgs(control.raw[:msg.controllen]),
                msg.flags, address)

    @staticmethod
    def _cmsgs(raw):
        out = []
        head = ctypes.sizeof(_Cmsghdr)
        while len(raw) >= head:
            hdr = _Cmsghdr.from_buffer_copy(raw[:head])
            if hdr.len < head or hdr.len > len(raw):
                break
            out.append((hdr.level, hdr.type, raw[head:hdr.len]))
            raw = raw[_align(hdr.len):]
        return out

    def recvfrom(self, bufsize, flags=0):
        data, _, _, address = self.recvmsg(bufsize, 0, flags)
        return data, address

    # -- disconnect data ----------------------------------------------

    def send_disconnect(self, data, payload=b"", flags=0):
        """Send @payload, then end the sending direction with @data as
        the disconnect data, in one sendmsg() (WSASendDisconnect).
        Returns the bytes of @payload sent."""
        data = bytes(memoryview(data))
        return self.sendmsg(
            [payload], [(SOL_XDISCON, XDISCON_CMSG_DISCONNECT, data)], flags)

    def recv_disconnect(self, bufsize, flags=0):
        """recv(), and the peer's disconnect data: (data, None) before
        the end of the stream, (b"", disconnect data) at it."""
        data, anc, _, _ = self.recvmsg(
            bufsize, _socket.CMSG_SPACE(XDISCON_DISCDATA_CAP), flags)
        disc = None
        for level, kind, value in anc:
            if level == SOL_XDISCON and kind == XDISCON_CMSG_DISCONNECT:
                disc = value
        return data, disc

    def _discdata_option(self, option):
        # socket.getsockopt() takes buffers of 1024 bytes at most.
        buf = ctypes.create_string_buffer(XDISCON_DISCDATA_CAP)
        size = ctypes.c_uint32(XDISCON_DISCDATA_CAP)
        if _libc.getsockopt(self.fileno(), SOL_XDISCON, option, buf,
                            ctypes.byref(size)):
            raise _oserror(ctypes.get_errno())
        return buf.raw[:size.value]

    def peer_disconnect_data(self):
        """The peer's disconnect data, once it came; OSError ENODATA
        before (XDISCON_PEER_DISCDATA)."""
        return self._discdata_option(XDISCON_PEER_DISCDATA)

    @property
    def disconnect_data(self):
        """What a later shutdown(SHUT_WR) or close() sends
        (XDISCON_DISCDATA)."""
        return self._discdata_option(XDISCON_DISCDATA)

    @disconnect_data.setter
    def disconnect_data(self, data):
        self.setsockopt(SOL_XDISCON, XDISCON_DISCDATA,
                        bytes(memoryview(data)))

    def max_disconnect_data(self):
        """The most disconnect data this socket sends or receives."""
        return self.getsockopt(SOL_XDISCON, XDISCON_MAX_DISCDATA)

    def abort(self, data=b""):
        """Reset the connection, the peer getting @data as the reason
        (XDISCON_CMSG_ABORT): what is not yet delivered is dropped, and
        the peer's next call fails with ECONNRESET.  Never waits, even
        behind a full send buffer or with a timeout set."""
        data = bytes(memoryview(data))
        space = _socket.CMSG_SPACE(len(data))
        control = ctypes.create_string_buffer(max(space, 1))
        head = _Cmsghdr(_socket.CMSG_LEN(len(data)), SOL_XDISCON,
                        XDISCON_CMSG_ABORT)
        ctypes.memmove(control, ctypes.byref(head), ctypes.sizeof(head))
        ctypes.memmove(ctypes.addressof(control) + _align(
            ctypes.sizeof(head)), data, len(data))
        msg = _Msghdr(None, 0, None, 0,
                      ctypes.cast(control, ctypes.c_void_p), space, 0)
        if _libc.sendmsg(self.fileno(), ctypes.byref(msg),
                         _socket.MSG_NOSIGNAL) < 0:
            raise _oserror(ctypes.get_errno())

    def peer_abort_data(self):
        """The data of the peer's abort, possibly empty; OSError ENODATA
        when it did not abort with data (XDISCON_PEER_ABORTDATA)."""
        return self._discdata_option(XDISCON_PEER_ABORTDATA)

    def tx_done(self):
        """True once the sending direction is shut down and the peer's
        transport has taken everything, and on a socket that never
        connected or listens (XDISCON_TX_DONE)."""
        return bool(self.getsockopt(SOL_XDISCON, XDISCON_TX_DONE))


def socket(type=SOCK_STREAM, proto=0, fileno=None):
    """A new AF_XDISCON socket of @type (SOCK_STREAM or SOCK_SEQPACKET),
    or one for the descriptor @fileno."""
    if fileno is not None:
        return XdisconSocket(fileno=fileno)
    return XdisconSocket(family(), type, proto)
