# SPDX-License-Identifier: GPL-2.0
"""The xdiscon package against the loaded module: written against the
package's documentation only (no ctypes here)."""

import asyncio
import errno
import os
import selectors
import socket
import struct
import subprocess
import sys
import threading

import pytest

import xdiscon

TYPES = [xdiscon.SOCK_STREAM, xdiscon.SOCK_SEQPACKET]
HOSTS = ["local", "127.0.0.1", "::1"]
EXAMPLE = os.path.join(os.path.dirname(__file__), "..", "examples",
                       "txn_asyncio.py")


def listener(host, type=xdiscon.SOCK_STREAM, backlog=16):
    s = xdiscon.socket(type)
    s.bind((host, 0))
    s.listen(backlog)
    return s


def amount(client, n):
    return client * 1000 + n


def pack(v):
    return struct.pack("=Q", v)


def unpack(b):
    return struct.unpack("=Q", b)[0]


def recv_all(conn):
    """Everything up to the end, and the disconnect data with it."""
    data = b""
    while True:
        chunk, disc = conn.recv_disconnect(65536)
        data += chunk
        if disc is not None:
            return data, disc


def txn_client(address, type, client, count, results):
    with xdiscon.socket(type) as s:
        s.connect(address)
        total = 0
        for n in range(1, count):
            total += amount(client, n)
            s.sendall(pack(amount(client, n)))
        total += amount(client, count)
        s.send_disconnect(pack(total), payload=pack(amount(client, count)))
        data, grand = recv_all(s)
        results[client] = (data, unpack(grand))


@pytest.mark.parametrize("type", TYPES)
@pytest.mark.parametrize("host", HOSTS)
def test_transaction_exchange(type, host):
    """The reference document's exchange: totals as the clients'
    disconnect data, the grand total as the server's."""
    clients, count = 4, 8
    lsock = listener(host, type)
    address = (host, lsock.getsockname()[1])
    results = {}
    threads = [threading.Thread(target=txn_client,
                                args=(address, type, c, count, results))
               for c in range(clients)]
    for t in threads:
        t.start()
    conns, grand = [], 0
    for _ in range(clients):
        conn, _ = lsock.accept()
        data, disc = recv_all(conn)
        amounts = [unpack(data[i:i + 8]) for i in range(0, len(data), 8)]
        assert len(data) == 8 * count and sum(amounts) == unpack(disc)
        grand += unpack(disc)
        conns.append(conn)
    for conn in conns:
        conn.send_disconnect(pack(grand))
        conn.close()
    for t in threads:
        t.join(60)
    lsock.close()
    want = sum(amount(c, n) for c in range(clients)
               for n in range(1, count + 1))
    assert grand == want
    assert results == {c: (b"", want) for c in range(clients)}


@pytest.mark.parametrize("host", HOSTS)
def test_addresses(host):
    lsock = listener(host)
    name = lsock.getsockname()
    assert name[0] == host and name[1] > 0
    c = xdiscon.socket()
    c.connect((host, name[1]))
    a, peer = lsock.accept()
    assert isinstance(a, xdiscon.XdisconSocket)
    assert a.getpeername() == c.getsockname() == peer
    assert c.getpeername()[1] == name[1]
    if host != "local":
        assert c.getpeername()[0] == host
    for s in (a, c, lsock):
        s.close()


def test_host_name():
    lsock = listener("localhost")
    port = lsock.getsockname()[1]
    c = xdiscon.socket()
    c.connect(("localhost", port))
    a, _ = lsock.accept()
    c.send_disconnect(b"bye", payload=b"hi")
    assert recv_all(a) == (b"hi", b"bye")
    for s in (a, c, lsock):
        s.close()


def test_bad_addresses():
    s = xdiscon.socket()
    with pytest.raises(TypeError):
        s.bind("local:5")
    with pytest.raises(OverflowError):
        s.bind(("local", 70000))
    with pytest.raises(socket.gaierror):
        s.connect(("no-such-host.invalid", 5))
    s.close()


def test_connect_ex_refused():
    lsock = listener("local")
    port = lsock.getsockname()[1]
    lsock.close()
    with xdiscon.socket() as s:
        assert s.connect_ex(("local", port)) == errno.ECONNREFUSED
    with xdiscon.socket() as s:
        with pytest.raises(ConnectionRefusedError):
            s.connect(("local", port))


def test_seqpacket_empty_record_is_not_the_end():
    lsock = listener("local", xdiscon.SOCK_SEQPACKET)
    c = xdiscon.socket(xdiscon.SOCK_SEQPACKET)
    c.connect(lsock.getsockname())
    a, _ = lsock.accept()
    c.send(b"")
    c.send_disconnect(b"end")
    assert a.recv_disconnect(100) == (b"", None)
    assert a.recv_disconnect(100) == (b"", b"end")
    for s in (a, c, lsock):
        s.close()


def test_recvmsg_and_recvfrom():
    lsock = listener("::1")
    c = xdiscon.socket()
    c.connect(lsock.getsockname())
    a, _ = lsock.accept()
    c.send_disconnect(b"dd", payload=b"xyz")
    data, anc, flags, _ = a.recvmsg(3, socket.CMSG_SPACE(16))
    assert data == b"xyz" and anc == [] and flags == 0
    data, anc, _, _ = a.recvmsg(3, socket.CMSG_SPACE(16))
    assert data == b""
    assert anc == [(xdiscon.SOL_XDISCON, xdiscon.XDISCON_CMSG_DISCONNECT,
                    b"dd")]
    assert a.recvfrom(10)[0] == b""
    for s in (a, c, lsock):
        s.close()


def test_options():
    lsock = listener("local")
    c = xdiscon.socket()
    c.connect(lsock.getsockname())
    a, _ = lsock.accept()
    limit = c.max_disconnect_data()
    assert 1024 <= limit <= xdiscon.XDISCON_DISCDATA_CAP
    with pytest.raises(OSError) as e:
        a.peer_disconnect_data()
    assert e.value.errno == errno.ENODATA
    with pytest.raises(OSError) as e:
        c.send_disconnect(b"x" * (limit + 1))
    assert e.value.errno == errno.EMSGSIZE
    c.disconnect_data = b"on close"
    assert c.disconnect_data == b"on close"
    assert not c.tx_done()
    c.shutdown(socket.SHUT_WR)
    assert recv_all(a) == (b"", b"on close")
    assert a.peer_disconnect_data() == b"on close"
    assert c.tx_done()
    for s in (a, c, lsock):
        s.close()


@pytest.mark.parametrize("host", HOSTS)
def test_abort(host):
    lsock = listener(host)
    c = xdiscon.socket()
    c.connect(lsock.getsockname())
    a, _ = lsock.accept()
    with pytest.raises(OSError) as e:
        a.peer_abort_data()
    assert e.value.errno == errno.ENODATA
    c.abort(b"quota exceeded")
    with pytest.raises(ConnectionResetError):
        a.recv(16)
    assert a.peer_abort_data() == b"quota exceeded"
    with pytest.raises(BrokenPipeError):
        c.send(b"x")
    for s in (a, c, lsock):
        s.close()


@pytest.mark.parametrize("host", HOSTS)
def test_abort_behind_full_buffer(host):
    """abort() does not wait for room, even with a timeout set."""
    lsock = listener(host)
    c = xdiscon.socket()
    c.connect(lsock.getsockname())
    a, _ = lsock.accept()
    c.settimeout(0.5)
    with pytest.raises(TimeoutError):
        while True:
            c.send(b"x" * 65536)
    c.abort(b"full")
    with pytest.raises(ConnectionResetError):
        while a.recv(65536):
            pass
    assert a.peer_abort_data() == b"full"
    for s in (a, c, lsock):
        s.close()


@pytest.mark.parametrize("host", ["local", "127.0.0.1"])
def test_timeouts(host):
    lsock = listener(host)
    lsock.settimeout(0.2)
    with pytest.raises(TimeoutError):
        lsock.accept()
    c = xdiscon.socket()
    c.settimeout(30)
    c.connect(lsock.getsockname())
    lsock.settimeout(30)
    a, _ = lsock.accept()
    assert a.gettimeout() is None
    a.settimeout(0.2)
    with pytest.raises(TimeoutError):
        a.recv_disconnect(10)
    c.send_disconnect(b"t", payload=b"p")
    assert recv_all(a) == (b"p", b"t")
    for s in (a, c, lsock):
        s.close()


@pytest.mark.parametrize("host", ["local", "::1"])
def test_selectors(host):
    lsock = listener(host)
    lsock.setblocking(False)
    with pytest.raises(BlockingIOError):
        lsock.accept()
    c = xdiscon.socket()
    c.setblocking(False)
    err = c.connect_ex(lsock.getsockname())
    assert err in (0, errno.EINPROGRESS)
    sel = selectors.DefaultSelector()
    sel.register(lsock, selectors.EVENT_READ)
    assert sel.select(10)
    a, _ = lsock.accept()
    a.setblocking(False)
    sel.unregister(lsock)
    sel.register(c, selectors.EVENT_WRITE)
    assert sel.select(10)
    assert c.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0
    sel.unregister(c)
    c.send_disconnect(b"sel", payload=b"data")
    sel.register(a, selectors.EVENT_READ)
    got, disc = b"", None
    while disc is None:
        assert sel.select(10)
        try:
            chunk, disc = a.recv_disconnect(100)
        except BlockingIOError:
            continue
        got += chunk
    assert (got, disc) == (b"data", b"sel")
    sel.close()
    for s in (a, c, lsock):
        s.close()


@pytest.mark.parametrize("host", ["local", "127.0.0.1"])
def test_asyncio_sock_calls(host):
    async def main():
        loop = asyncio.get_running_loop()
        lsock = listener(host)
        lsock.setblocking(False)
        c = xdiscon.socket()
        c.setblocking(False)
        await loop.sock_connect(c, lsock.getsockname())
        a, _ = await loop.sock_accept(lsock)
        await loop.sock_sendall(c, b"ping")
        assert await loop.sock_recv(a, 4) == b"ping"
        c.send_disconnect(b"done")
        assert await loop.sock_recv(a, 4) == b""
        assert a.peer_disconnect_data() == b"done"
        for s in (a, c, lsock):
            s.close()

    asyncio.run(main())


@pytest.mark.parametrize("type", ["stream", "seqpacket"])
@pytest.mark.parametrize("host", ["local", "::1"])
def test_asyncio_example(type, host):
    """The asyncio example carries the transaction exchange."""
    out = subprocess.run([sys.executable, EXAMPLE, "--" + type, host, "4",
                          "8"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "grand total 48144, every client agrees" in out.stdout
