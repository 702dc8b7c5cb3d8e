#!/usr/bin/env python3
"""The link's goodput: BYTES sent over one TCP connection on 127.0.0.1 and
received by the same process, timed from the connection to the last byte
received.  Run inside bench/failover.sh's network namespace (ip netns exec),
so that the bytes cross the shaped loopback as the tools' do.  Prints
"BYTES SECONDS"."""
import socket
import sys
import threading
import time

total = int(sys.argv[1])
listener = socket.create_server(('127.0.0.1', 0))
port = listener.getsockname()[1]


def send():
    conn, _ = listener.accept()
    chunk = b'\xa5' * (1 << 20)
    left = total
    while left > 0:
        left -= conn.send(chunk[:min(left, len(chunk))])
    conn.close()


sender = threading.Thread(target=send)
sender.start()
t0 = time.monotonic()
client = socket.create_connection(('127.0.0.1', port))
buf = bytearray(1 << 20)
got = 0
while got < total:
    n = client.recv_into(buf)
    if n == 0:
        break
    got += n
elapsed = time.monotonic() - t0
sender.join()
if got != total:
    sys.exit(f"goodput: received {got} of {total} bytes")
print(got, f"{elapsed:.3f}")
