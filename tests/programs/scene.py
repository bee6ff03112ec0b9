#!/usr/bin/env python3
"""Real sockets with known pids for the tests of `portlens sockets`, `who` and live attribution.

Usage: scene.py SCENE ARG [PORT]; prints one JSON line with the pids and ports it made, then holds
its sockets until stdin closes (or $SCENE_HOLD seconds pass, 60 by default), so that every run ends even when a test dies.

Scenes:
  table N [P]   a TCP listener on 127.0.0.1:P (8080; server process), N client connections to
                it from a second process (client), a UDP socket on 0.0.0.0:P-2727 (5353), and one
                connection the server closed first (TIME_WAIT on the server's side).
  listen PORT   a TCP listener on 0.0.0.0:PORT, reuse_address set as most servers do.
  timewait PORT a server without SO_REUSEADDR on PORT accepts one connection and closes it
                first, then closes its listener: only TIME_WAIT holds PORT.
  timewait-reuse PORT  the same with SO_REUSEADDR set, as most servers do.
  udp PORT      a UDP socket bound to 0.0.0.0:PORT.
"""
import json
import os
import select
import socket
import sys
import time


def hold(info):
    print(json.dumps(info), flush=True)
    deadline = time.time() + float(os.environ.get("SCENE_HOLD", "60"))
    while time.time() < deadline:
        r, _, _ = select.select([sys.stdin], [], [], 1.0)
        if r and not sys.stdin.buffer.read1(4096):
            break


def table(n, port=8080, udp_port=5353):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", port))
    ls.listen(4096)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("0.0.0.0", udp_port))
    # One connection the server closes first: TIME_WAIT on 127.0.0.1:8080's side.
    c = socket.create_connection(("127.0.0.1", port))
    a, _ = ls.accept()
    a.close()
    time.sleep(0.05)
    c.close()
    r, w = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(r)
        ls.close()
        udp.close()
        conns = [socket.create_connection(("127.0.0.1", port)) for _ in range(n)]
        os.write(w, b"x")
        # The client lives until the server closes the pipe's other end (the server exits).
        while True:
            time.sleep(0.2)
            if os.getppid() == 1:
                break
        del conns
        os._exit(0)
    os.close(w)
    accepted = []
    while len(accepted) < n:
        a, _ = ls.accept()
        accepted.append(a)
    os.read(r, 1)
    hold({"server": os.getpid(), "client": child, "port": port, "udp": udp_port, "n": n})


def listen(port):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("0.0.0.0", port))
    ls.listen(16)
    hold({"server": os.getpid(), "port": port})


def timewait(port, reuse=False):
    ls = socket.socket()
    if reuse:
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", port))
    ls.listen(1)
    c = socket.create_connection(("127.0.0.1", port))
    a, _ = ls.accept()
    a.close()
    time.sleep(0.05)
    c.close()
    ls.close()
    hold({"server": os.getpid(), "port": port})


def udp(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", port))
    hold({"server": os.getpid(), "port": port})


if __name__ == "__main__":
    scene = sys.argv[1]
    arg = int(sys.argv[2])
    if scene == "table" and len(sys.argv) > 3:
        table(arg, int(sys.argv[3]), int(sys.argv[3]) - 2727)
        sys.exit(0)
    scenes = {"table": table, "listen": listen, "timewait": timewait, "udp": udp,
              "timewait-reuse": lambda p: timewait(p, reuse=True)}
    scenes[scene](arg)
