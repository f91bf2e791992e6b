"""A client for the Gatehouse daemon: JSON-RPC 2.0 over its private Unix socket (docs/protocol.md).

Standard library only::

    from gatehouse_client import Client, GatehouseError

    with Client() as gatehouse:                      # the daemon's default socket
        print(gatehouse.call("system.ping"))         # "pong"
        status, methods = gatehouse.batch([("system.status", None), ("system.methods", None)])
        try:
            gatehouse.call("policy.check", {"action": "job.submit", "entity": "component:default/x"})
        except GatehouseError as error:
            print(error.code, error.reason, error.message)

Server notifications (``job.state``, ``cluster.state``, ``approval.pending`` ...) can arrive on the
connection before the answer of the call that streams them; they are handed to the subscribers of
their method (and to ``"*"`` subscribers) as they are read, in order.
"""
from __future__ import annotations

import itertools
import json
import os
import socket
import threading
from typing import Any, Callable, Iterable, Optional, Sequence, Tuple

__all__ = [
    "Client", "GatehouseError", "RPCError", "DeniedError", "UnauthorizedError", "NotFoundError",
    "InvalidParamsError", "MethodNotFoundError", "PendingApprovalError", "ConflictError", "UpstreamError",
    "ConnectionError", "default_socket_path",
]

Notification = Callable[[str, Any], None]


class GatehouseError(Exception):
    """Any failure of a call: the daemon's error, or a broken connection."""


class ConnectionError(GatehouseError):
    """The daemon is not running at the socket, or the connection broke."""


class RPCError(GatehouseError):
    """An error answer: JSON-RPC ``code``, ``message`` and the stable ``data.reason`` scripts branch on."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        self.code = code
        self.message = message
        self.data = data
        self.reason: Optional[str] = data.get("reason") if isinstance(data, dict) else None
        detail = data.get("detail") if isinstance(data, dict) else None
        super().__init__(f"{message} ({code}{', ' + self.reason if self.reason else ''})" + (f": {detail}" if detail else ""))


class MethodNotFoundError(RPCError):
    """-32601: no such method (``data.didYouMean`` may name the nearest)."""


class InvalidParamsError(RPCError):
    """-32602: the params do not fit the method's schema."""


class DeniedError(RPCError):
    """-32002: policy (or the token owner rule) denied the action."""


class UnauthorizedError(RPCError):
    """-32001: this uid may not use the daemon, or the user must sign in first."""


class NotFoundError(RPCError):
    """-32004: the entity, job, cluster or approval does not exist."""


class PendingApprovalError(RPCError):
    """-32007: the action waits for a person's approval (``data.approvalId``)."""


class ConflictError(RPCError):
    """-32008: the request conflicts with the current state."""


class UpstreamError(RPCError):
    """-32003 (unreachable, nothing cached) or -32009 (the upstream answered with an error)."""


_ERROR_TYPES = {-32601: MethodNotFoundError, -32602: InvalidParamsError, -32001: UnauthorizedError, -32002: DeniedError,
                -32003: UpstreamError, -32004: NotFoundError, -32007: PendingApprovalError, -32008: ConflictError,
                -32009: UpstreamError}


def _error(error: dict) -> RPCError:
    code = error.get("code", 0)
    return _ERROR_TYPES.get(code, RPCError)(code, error.get("message", ""), error.get("data"))


def default_socket_path() -> str:
    """Where the daemon listens by default: $XDG_RUNTIME_DIR/gatehouse/gatehouse.sock, else ~/.gatehouse/."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime:
        return os.path.join(runtime, "gatehouse", "gatehouse.sock")
    return os.path.join(os.path.expanduser("~"), ".gatehouse", "gatehouse.sock")


class Client:
    """One connection to the daemon. Calls on one client are serialised (a lock); use one per thread for parallelism."""

    def __init__(self, socket_path: Optional[str] = None, timeout: Optional[float] = 60.0) -> None:
        self.socket_path = socket_path or os.environ.get("GATEHOUSE_SOCKET") or default_socket_path()
        self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._socket.settimeout(timeout)
        try:
            self._socket.connect(self.socket_path)
        except OSError as error:
            self._socket.close()
            raise ConnectionError(
                f"the gatehouse daemon is not running ({self.socket_path}: {error.strerror or error}). "
                "Start it with `gatehouse serve &`") from error
        self._reader = self._socket.makefile("rb")
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._subscribers: dict[str, list[Notification]] = {}

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *_: Any) -> None:
        self.close()

    def close(self) -> None:
        """Closes the connection; streaming calls on the daemon's side end with it."""
        self._reader.close()
        self._socket.close()

    def subscribe(self, method: str, callback: Notification) -> Callable[[], None]:
        """Calls ``callback(method, params)`` for each notification named ``method`` (``"*"``: every one).

        Returns a function that unsubscribes."""
        self._subscribers.setdefault(method, []).append(callback)
        return lambda: self._subscribers.get(method, []).remove(callback)

    def call(self, method: str, params: Any = None) -> Any:
        """Calls ``method`` and returns its result; raises an ``RPCError`` subclass for an error answer."""
        with self._lock:
            request_id = next(self._ids)
            self._send(self._request(method, params, request_id))
            answer = self._read_answer()
        if answer.get("id") != request_id:
            raise ConnectionError(f"answer for id {answer.get('id')!r}, expected {request_id}")
        if "error" in answer:
            raise _error(answer["error"])
        return answer.get("result")

    def notify(self, method: str, params: Any = None) -> None:
        """Sends a JSON-RPC notification (no id): the daemon runs it and sends no answer."""
        with self._lock:
            self._send(self._request(method, params, None))

    def batch(self, calls: Iterable[Tuple[str, Any]], raise_errors: bool = False) -> list:
        """Sends ``[(method, params), ...]`` as one batch; returns the results in the calls' order.

        A failed member's place holds its ``RPCError`` (or it is raised with ``raise_errors``)."""
        calls = list(calls)
        if not calls:
            return []
        with self._lock:
            ids = [next(self._ids) for _ in calls]
            self._send([self._request(method, params, i) for (method, params), i in zip(calls, ids)])
            answers = self._read_answer()
        if isinstance(answers, dict):  # the batch as a whole was refused
            raise _error(answers.get("error", {}))
        by_id = {answer.get("id"): answer for answer in answers}
        results = []
        for request_id in ids:
            answer = by_id.get(request_id)
            if answer is None:
                raise ConnectionError(f"the batch answer has no element for id {request_id}")
            if "error" in answer:
                error = _error(answer["error"])
                if raise_errors:
                    raise error
                results.append(error)
            else:
                results.append(answer.get("result"))
        return results

    @staticmethod
    def _request(method: str, params: Any, request_id: Optional[int]) -> dict:
        request: dict = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            request["params"] = params
        if request_id is not None:
            request["id"] = request_id
        return request

    def _send(self, message: Any) -> None:
        try:
            self._socket.sendall(json.dumps(message, separators=(",", ":")).encode() + b"\n")
        except OSError as error:
            raise ConnectionError(f"cannot write to the daemon: {error}") from error

    def _read_answer(self) -> Any:
        """Reads lines until an answer (not a notification), dispatching notifications on the way."""
        while True:
            try:
                line = self._reader.readline()
            except OSError as error:
                raise ConnectionError(f"cannot read from the daemon: {error}") from error
            if not line:
                raise ConnectionError("the daemon closed the connection")
            message = json.loads(line)
            if isinstance(message, dict) and "method" in message and "id" not in message:
                self._dispatch(message["method"], message.get("params"))
                continue
            return message

    def _dispatch(self, method: str, params: Any) -> None:
        for callback in list(self._subscribers.get(method, [])) + list(self._subscribers.get("*", [])):
            callback(method, params)
