#!/usr/bin/env python3
"""A TCP relay in front of a PostgreSQL server, for tests (standard library only).

It stands in for what lies between a client and its server in production:

  --tls CERT KEY   a server that offers TLS: answers the client's SSLRequest with 'S', completes the handshake
                   with CERT and KEY, and relays the decrypted protocol to the plain upstream (the test servers
                   are built without TLS). Without it an SSLRequest is answered 'N', as a server without TLS does.
  --frozen         a network that drops everything: connections are accepted and nothing is forwarded, either
                   way, until thawed. SIGUSR1 freezes a running relay, SIGUSR2 thaws it (data held meanwhile
                   is then delivered, as TCP would once a partition heals).

Usage: pg_relay.py --upstream HOST:PORT [--tls CERT KEY] [--frozen]
Binds 127.0.0.1 on a port the system picks and prints it as the first line of stdout; then one line per
TLS handshake ("tls TLSv1.3") and per switch ("frozen", "thawed"), printed once it holds. Exits when its standard input closes, so it never outlives the test.
"""

import argparse
import asyncio
import os
import signal
import ssl
import struct
import sys
import threading

SSL_REQUEST = struct.pack("!ii", 8, 80877103)


async def pump(reader, writer, thawed):
    try:
        while True:
            await thawed.wait()
            data = await reader.read(65536)
            if not data:
                break
            await thawed.wait()
            writer.write(data)
            await writer.drain()
    except (ConnectionError, ssl.SSLError, OSError):
        pass
    finally:
        writer.close()


async def handle(reader, writer, upstream, context, thawed):
    try:
        await thawed.wait()
        first = await reader.readexactly(8)
        if first == SSL_REQUEST:
            writer.write(b"S" if context else b"N")
            await writer.drain()
            if context:
                await writer.start_tls(context)
                print("tls", writer.get_extra_info("ssl_object").version(), flush=True)
            first = b""
        host, port = upstream
        up_reader, up_writer = await asyncio.open_connection(host, port)
        up_writer.write(first)
        await asyncio.gather(pump(reader, up_writer, thawed), pump(up_reader, writer, thawed))
    except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError, OSError) as error:
        print("closed", type(error).__name__, flush=True)
        writer.close()


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    parser.add_argument("--frozen", action="store_true")
    args = parser.parse_args()
    host, _, port = args.upstream.rpartition(":")
    context = None
    if args.tls:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(*args.tls)
    thawed = asyncio.Event()
    if not args.frozen:
        thawed.set()
    loop = asyncio.get_running_loop()

    def switch(thaw):
        thawed.set() if thaw else thawed.clear()
        print("thawed" if thaw else "frozen", flush=True)

    loop.add_signal_handler(signal.SIGUSR1, switch, False)
    loop.add_signal_handler(signal.SIGUSR2, switch, True)
    server = await asyncio.start_server(
        lambda r, w: handle(r, w, (host, int(port)), context, thawed), "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)

    def watch_stdin():
        while sys.stdin.buffer.read(4096):
            pass
        os._exit(0)

    threading.Thread(target=watch_stdin, daemon=True).start()
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
