import Foundation
import GatehousePeer
import GatehouseRPC
import GatehouseTesting
import Testing

/// What the RPC layer learns about a caller from `/proc`: terminal, parents, executable hash.
@Suite("Peer process facts")
struct PeerProcessTests {
    @Test func statParsesNamesWithSpacesAndParentheses() {
        let line = "4242 (my (odd) name) S 99 4242 4242 34816 4242 4194560 106 0 0 0 0 0 0 0 20 0 1 0 1234 5 6\n"
        #expect(ProcStat(parsing: line) == ProcStat(name: "my (odd) name", parentPID: 99, terminalDevice: 34816))
        #expect(ProcStat(parsing: "4242 (x) S 99 1 1 0 1 2")?.hasTerminal == false)
        #expect(ProcStat(parsing: "not a stat line") == nil)
        #expect(ProcStat(parsing: "1 (x) S") == nil)
    }

    @Test func aProcessInItsOwnSessionHasNoTerminal() throws {
        // setsid() drops the controlling terminal even when the tests themselves run in one; it needs
        // a process that leads no group, hence the fork.
        let child = try SleepingChild(
            python: """
                import os, time
                if os.fork() == 0:
                    os.setsid(); print(os.getpid(), flush=True); time.sleep(30)
                else:
                    time.sleep(30)
                """)
        defer { child.stop() }
        let peer = PeerCredentials.inspect(pid: child.reportedPID, uid: getuid(), gid: getgid())
        #expect(peer.hasTerminal == false)
        #expect(peer.executable?.contains("python") == true)
        #expect(peer.parents.map(\.pid).prefix(2) == [child.process.pid, getpid()], "nearest parent first")
    }

    @Test func aProcessUnderAPseudoTerminalHasOne() throws {
        // pty.fork() makes the child a session leader whose controlling terminal is a new pty. The
        // child reports its pid through the pty, so it is read only once the terminal is attached.
        let child = try SleepingChild(
            python: """
                import os, pty, time
                pid, fd = pty.fork()
                if pid == 0:
                    print(os.getpid(), flush=True); time.sleep(30)
                else:
                    print(os.read(fd, 64).decode().strip(), flush=True); time.sleep(30)
                """)
        defer { child.stop() }
        let peer = PeerCredentials.inspect(pid: child.reportedPID, uid: getuid(), gid: getgid())
        #expect(peer.hasTerminal)
        #expect(peer.parents.map(\.pid).prefix(2) == [child.process.pid, getpid()])
        #expect(peer.parents.first?.executable?.contains("python") == true)
        #expect(peer.parents.count <= 6)
    }

    @Test func hashesAreCachedUntilTheFileChanges() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("gh-hash-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data("first version\n".utf8).write(to: URL(fileURLWithPath: path))
        let hasher = ExecutableHasher()
        let first = try #require(hasher.sha256(ofFileAt: path))
        #expect(try first == "sha256:" + Self.sha256sum(path))
        #expect(hasher.sha256(ofFileAt: path) == first)
        #expect(hasher.hashesComputed == 1, "the second lookup is served from the cache")

        try Data("second version, longer\n".utf8).write(to: URL(fileURLWithPath: path))
        let second = try #require(hasher.sha256(ofFileAt: path))
        #expect(second != first)
        #expect(try second == "sha256:" + Self.sha256sum(path))
        #expect(hasher.hashesComputed == 2)
        #expect(hasher.sha256(ofFileAt: path + ".missing") == nil)
    }

    @Test func aRunningProcessIsHashedThroughProc() throws {
        let child = try SleepingChild(python: "import os, time; print(os.getpid(), flush=True); time.sleep(30)")
        defer { child.stop() }
        let hasher = ExecutableHasher()
        let running = try #require(hasher.sha256(ofExecutableOf: child.reportedPID))
        let onDisk = try #require(PeerCredentials.executablePath(of: child.reportedPID))
        #expect(try running == "sha256:" + Self.sha256sum(onDisk))
        #expect(hasher.sha256(ofFileAt: onDisk) == running)
        #expect(hasher.hashesComputed == 1, "same inode and mtime through /proc and by path: one read")
    }

    static func sha256sum(_ path: String) throws -> String {
        String(try ChildProcess.run("/usr/bin/sha256sum", [path]).stdout.prefix(64))
    }
}

/// A python child that prints a pid (its own or its pty child's) and sleeps; killed by `stop()`.
struct SleepingChild {
    let process: ChildProcess
    let reportedPID: Int32

    init(python script: String) throws {
        process = try ChildProcess("/usr/bin/env", ["python3", "-c", script], stdout: .capture)
        var line: [UInt8] = []
        // Bounded: one short line.
        while line.count < 32 {
            let byte = process.standardOutput?.readData(ofLength: 1) ?? Data()
            guard let first = byte.first, first != UInt8(ascii: "\n") else { break }
            line.append(first)
        }
        guard let pid = Int32(String(decoding: line, as: UTF8.self)) else {
            process.send(SIGKILL)
            process.waitForExit()
            throw SleepingChildError.noPID(String(decoding: line, as: UTF8.self))
        }
        reportedPID = pid
    }

    func stop() {
        kill(reportedPID, SIGKILL)
        process.send(SIGKILL)
        process.waitForExit()
    }
}

enum SleepingChildError: Error, CustomStringConvertible {
    case noPID(String)
    var description: String {
        switch self {
        case .noPID(let text): "the helper printed no pid (got \"\(text)\")"
        }
    }
}
