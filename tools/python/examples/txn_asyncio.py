#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The transaction-total exchange (tools/examples/txn.h) on asyncio.

Each client sends its transactions, then disconnects with their total as
disconnect data; the server checks each total against what it received,
and once every client is done answers each with the grand total as its
own disconnect data.  Client ID's transaction N (1..COUNT) is the amount
ID * 1000 + N, an 8-byte host-order record.

  txn_asyncio.py [--stream|--seqpacket] HOST CLIENTS COUNT

HOST is "local" for the same-host transport, or an address or name for
TCP.  Prints the grand total; exits 1 if anything disagrees.
"""

import asyncio
import struct
import sys

import xdiscon


def amount(client, n):
    return client * 1000 + n


async def ready(loop, sock, write=False):
    """Wait until @sock is readable (or writable)."""
    fut = loop.create_future()
    add, remove = ((loop.add_writer, loop.remove_writer) if write else
                   (loop.add_reader, loop.remove_reader))
    add(sock, fut.set_result, None)
    try:
        await fut
    finally:
        remove(sock)


async def recv_disconnect(loop, sock, bufsize):
    """sock.recv_disconnect() on a non-blocking socket."""
    while True:
        try:
            return sock.recv_disconnect(bufsize)
        except BlockingIOError:
            await ready(loop, sock)


async def send_disconnect(loop, sock, data, payload=b""):
    """sock.send_disconnect() on a non-blocking socket, @payload whole
    (a record, or a few bytes): the disconnect follows all of it."""
    while True:
        try:
            sent = sock.send_disconnect(data, payload)
        except BlockingIOError:
            await ready(loop, sock, write=True)
            continue
        if sent != len(payload):
            raise OSError("send_disconnect() sent %d of %d bytes"
                          % (sent, len(payload)))
        return sent


async def read_to_end(loop, sock):
    """The records or bytes up to the end, and the disconnect data."""
    data = b""
    while True:
        chunk, disc = await recv_disconnect(loop, sock, 65536)
        data += chunk
        if disc is not None:
            return data, disc


async def client(loop, address, type, ident, count):
    with xdiscon.socket(type) as sock:
        sock.setblocking(False)
        await loop.sock_connect(sock, address)
        amounts = [amount(ident, n) for n in range(1, count + 1)]
        for a in amounts[:-1]:
            await loop.sock_sendall(sock, struct.pack("=Q", a))
        await send_disconnect(loop, sock, struct.pack("=Q", sum(amounts)),
                              struct.pack("=Q", amounts[-1]))
        _, grand = await read_to_end(loop, sock)
        return struct.unpack("=Q", grand)[0]


async def serve_one(loop, conn):
    """One client's total, checked against its transactions."""
    data, disc = await read_to_end(loop, conn)
    amounts = struct.unpack("=%dQ" % (len(data) // 8), data)
    total = struct.unpack("=Q", disc)[0]
    if len(data) % 8 or sum(amounts) != total:
        raise ValueError("a client's total does not match its transactions")
    return total


async def server(loop, lsock, clients):
    conns = []
    for _ in range(clients):
        conn, _ = await loop.sock_accept(lsock)
        conn.setblocking(False)
        conns.append(conn)
    grand = sum(await asyncio.gather(*(serve_one(loop, c) for c in conns)))
    for conn in conns:
        await send_disconnect(loop, conn, struct.pack("=Q", grand))
        conn.close()
    return grand


async def main(type, host, clients, count):
    loop = asyncio.get_running_loop()
    lsock = xdiscon.socket(type)
    lsock.bind((host, 0))
    lsock.listen(clients)
    lsock.setblocking(False)
    address = (host, lsock.getsockname()[1])
    srv = asyncio.create_task(server(loop, lsock, clients))
    seen = await asyncio.gather(*(client(loop, address, type, i, count)
                                  for i in range(clients)))
    grand = await srv
    lsock.close()
    want = sum(amount(i, n) for i in range(clients)
               for n in range(1, count + 1))
    if grand != want or any(g != want for g in seen):
        print("grand total %d, clients saw %s, expected %d"
              % (grand, seen, want))
        return 1
    print("grand total %d, every client agrees" % grand)
    return 0


if __name__ == "__main__":
    args = sys.argv[1:]
    kind = xdiscon.SOCK_STREAM
    if args and args[0] in ("--stream", "--seqpacket"):
        if args.pop(0) == "--seqpacket":
            kind = xdiscon.SOCK_SEQPACKET
    if len(args) != 3:
        sys.exit(__doc__.strip().split("\n\n")[2])
    sys.exit(asyncio.run(main(kind, args[0], int(args[1]), int(args[2]))))
