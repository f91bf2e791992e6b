import Foundation
import GatehouseCore

/// Why a client call failed.
public enum RPCClientError: Error, CustomStringConvertible, Sendable {
    /// No daemon listens at the socket.
    case unreachable(path: String, detail: String)
    /// The daemon answered with an error.
    case rpc(RPCError)
    /// The connection broke or the answer was not JSON-RPC.
    case protocolViolation(String)
    /// No answer (or no room to send) within the client's timeout.
    case timedOut(seconds: Double)

    public var description: String {
        switch self {
        case .unreachable(let path, let detail):
            "the gatehouse daemon is not running (\(path): \(detail)). Start it with `gatehouse serve &`"
        case .rpc(let error): error.message + (error.data?["detail"]?.stringValue.map { ": \($0)" } ?? "")
        case .protocolViolation(let detail): "unexpected answer from the daemon: \(detail)"
        case .timedOut(let seconds):
            "the gatehouse daemon did not answer within \(seconds) s; it may be overloaded or stuck (see its log)"
        }
    }
}

/// A blocking JSON-RPC client over the daemon's Unix socket, for the CLI and scripts written in Swift.
public final class RPCClient {
    private let fd: Int32
    private var buffer: [UInt8] = []
    private var nextID: Int64 = 1
    /// The read/write limit, for the `.timedOut` message.
    private let timeoutSeconds: Double?

    /// Connects to the daemon at `socketPath`; with `timeout`, a read or write that waits longer fails with `.timedOut`.
    public init(socketPath: String, timeout: Duration? = nil) throws(RPCClientError) {
        switch UnixSocket.connect(path: socketPath) {
        case .success(let fd): self.fd = fd
        case .failure(let failure):
            throw .unreachable(path: socketPath, detail: String(cString: strerror(failure.code)))
        }
        timeoutSeconds = timeout.map { $0 / .seconds(1) }
        if let timeout {
            let (seconds, attoseconds) = timeout.components
            var limit = timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
            for option in [SO_RCVTIMEO, SO_SNDTIMEO] {
                setsockopt(fd, SOL_SOCKET, option, &limit, socklen_t(MemoryLayout<timeval>.size))
            }
        }
    }

    deinit { close(fd) }

    /// Calls `method` and returns its result, or throws the daemon's error.
    public func call(_ method: String, params: JSONValue? = nil) throws(RPCClientError) -> JSONValue {
        let id = nextID
        nextID += 1
        var request: [String: JSONValue] = ["jsonrpc": "2.0", "method": .string(method), "id": .int(id)]
        if let params { request["params"] = params }
        try send(JSONWriter.bytes(.object(request)))
        while true {
            let message = try readMessage()
            // Server notifications (e.g. job.watch updates) may arrive before the answer.
            if message["method"] != nil && message["id"] == nil {
                onNotification?(message)
                continue
            }
            return try Self.result(of: message)
        }
    }

    /// Called with each server notification received while waiting for an answer.
    public var onNotification: ((JSONValue) -> Void)?

    /// Sends raw bytes followed by a newline.
    public func send(_ bytes: [UInt8]) throws(RPCClientError) {
        var framed = bytes
        framed.append(UInt8(ascii: "\n"))
        var offset = 0
        while offset < framed.count {
            let written = framed[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { throw failure(of: "write") }
            offset += written
        }
    }

    /// Reads the next newline-delimited message.
    public func readMessage() throws(RPCClientError) -> JSONValue {
        let line = try readLine()
        do {
            return try JSONParser.parse(line)
        } catch {
            throw .protocolViolation("not JSON: \(String(decoding: line.prefix(200), as: UTF8.self))")
        }
    }

    /// Reads the next raw line (without its newline).
    public func readLine() throws(RPCClientError) -> [UInt8] {
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(buffer[..<newline])
                buffer.removeSubrange(...newline)
                return line
            }
            var chunk = [UInt8](repeating: 0, count: 65_536)
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count < 0 { throw failure(of: "read") }
            guard count > 0 else { throw .protocolViolation("the daemon closed the connection") }
            buffer.append(contentsOf: chunk[..<count])
        }
    }

    /// The error for a failed read or write: a timeout when the socket's limit ran out.
    private func failure(of operation: String) -> RPCClientError {
        let code = errno
        if let timeoutSeconds, code == EAGAIN || code == EWOULDBLOCK { return .timedOut(seconds: timeoutSeconds) }
        return .protocolViolation("\(operation) failed: \(String(cString: strerror(code)))")
    }

    private static func result(of message: JSONValue) throws(RPCClientError) -> JSONValue {
        if let error = message["error"] {
            let code = error["code"]?.intValue.map(Int.init) ?? RPCErrorCode.internalError.rawValue
            throw .rpc(RPCError(code: code, message: error["message"]?.stringValue ?? "error", data: error["data"]))
        }
        guard let result = message["result"] else { throw .protocolViolation("neither result nor error") }
        return result
    }
}
