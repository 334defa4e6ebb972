"""A small websocket client over a real TCP socket (RFC 6455), for tests that talk to a running
server (daphne, or nginx in front of it) the way a browser does: an HTTP upgrade carrying the
session cookie and the page's Origin, then frames."""

import base64
import hashlib
import json
import os
import socket
import struct
from urllib.parse import urlsplit

_ACCEPT_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_TEXT, _CLOSE, _PING, _PONG = 0x1, 0x8, 0x9, 0xA


class WebSocketClosed(Exception):
    def __init__(self, code: int | None):
        super().__init__(f"the server closed the websocket (code {code})")
        self.code = code


class WebSocket:
    """Connects on creation; `status` is the handshake's HTTP status (101 when accepted)."""

    def __init__(self, url: str, *, origin: str, cookies: dict[str, str] | None = None, timeout: float = 10):
        parts = urlsplit(url)
        self.socket = socket.create_connection((parts.hostname, parts.port or 80), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [
            f"GET {parts.path or '/'} HTTP/1.1",
            f"Host: {parts.netloc}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {key}",
            "Sec-WebSocket-Version: 13",
            f"Origin: {origin}",
        ]
        if cookies:
            lines.append("Cookie: " + "; ".join(f"{name}={value}" for name, value in cookies.items()))
        self.socket.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        self._buffer = b""
        head = self._read_until(b"\r\n\r\n").decode("latin-1")
        status_line, *header_lines = head.split("\r\n")
        self.status = int(status_line.split(" ")[1])
        self.headers = {
            name.strip().lower(): value.strip() for name, value in (line.split(":", 1) for line in header_lines if line)
        }
        if self.status == 101:
            expected = base64.b64encode(hashlib.sha1(key.encode() + _ACCEPT_GUID).digest()).decode()  # noqa: S324
            assert self.headers.get("sec-websocket-accept") == expected, self.headers
        else:
            self.socket.close()

    @property
    def accepted(self) -> bool:
        return self.status == 101

    def receive_json(self) -> dict:
        """The next text message, decoded; answers pings; raises WebSocketClosed on a close."""
        while True:
            opcode, payload = self._read_frame()
            if opcode == _TEXT:
                return json.loads(payload)
            if opcode == _PING:
                self._send_frame(_PONG, payload)
            elif opcode == _CLOSE:
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
                raise WebSocketClosed(code)

    def close(self) -> None:
        if self.accepted:
            try:
                self._send_frame(_CLOSE, struct.pack("!H", 1000))
            except OSError:
                pass
        self.socket.close()

    def _read_exactly(self, count: int) -> bytes:
        while len(self._buffer) < count:
            chunk = self.socket.recv(65536)
            if not chunk:
                raise WebSocketClosed(None)
            self._buffer += chunk
        data, self._buffer = self._buffer[:count], self._buffer[count:]
        return data

    def _read_until(self, marker: bytes) -> bytes:
        while marker not in self._buffer:
            chunk = self.socket.recv(65536)
            if not chunk:
                raise WebSocketClosed(None)
            self._buffer += chunk
        data, _, self._buffer = self._buffer.partition(marker)
        return data

    def _read_frame(self) -> tuple[int, bytes]:
        first, second = self._read_exactly(2)
        length = second & 0x7F
        if length == 126:
            length = struct.unpack("!H", self._read_exactly(2))[0]
        elif length == 127:
            length = struct.unpack("!Q", self._read_exactly(8))[0]
        mask = self._read_exactly(4) if second & 0x80 else None
        payload = self._read_exactly(length)
        if mask:
            payload = bytes(byte ^ mask[index % 4] for index, byte in enumerate(payload))
        return first & 0x0F, payload

    def _send_frame(self, opcode: int, payload: bytes) -> None:
        # Frames from a client are always masked (RFC 6455 §5.3).
        mask = os.urandom(4)
        header = bytes([0x80 | opcode, 0x80 | len(payload)])  # control frames stay under 126 bytes
        self.socket.sendall(header + mask + bytes(byte ^ mask[index % 4] for index, byte in enumerate(payload)))
