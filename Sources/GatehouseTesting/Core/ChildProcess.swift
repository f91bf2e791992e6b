import Foundation
import Synchronization

/// A child process started with `posix_spawn`, for tests that start real processes (the daemon,
/// the OIDC mock, helpers).
///
/// Written by hand instead of using Foundation's `Process`: on Linux, `Process.run()` lists
/// `/proc/self/fd` to close every inherited descriptor and copies a fixed 256 bytes out of each
/// directory entry; with more than about 1,360 descriptors open (a parallel test run holds that
/// many for a moment) the last entry sits at the end of its buffer, and the copy reads past it and
/// crashes the whole test process. Here the child closes them itself (`closefrom` as a spawn
/// action), and starts with default signal handling and an empty signal mask.
public final class ChildProcess: Sendable {
    /// Where one of the child's output streams goes.
    public enum Output: Sendable {
        /// The test process's own stream.
        case inherit
        /// `/dev/null`.
        case discard
        /// Appended to the file at this path (created if missing).
        case append(String)
        /// A pipe the caller reads from (`standardOutput`, `standardError`).
        case capture
    }

    /// The child's process id.
    public let pid: pid_t
    /// The read end of the child's stdout when it is `.capture`d.
    public let standardOutput: FileHandle?
    /// The read end of the child's stderr when it is `.capture`d.
    public let standardError: FileHandle?
    /// The wait status, once the child has been reaped.
    private let reaped = Mutex<Int32?>(nil)

    /// Starts `executable` (an absolute path) with `arguments`; `environment` nil inherits the test process's.
    public init(
        _ executable: String, _ arguments: [String] = [], environment: [String: String]? = nil,
        stdout: Output = .inherit, stderr: Output = .inherit
    ) throws(ChildProcessError) {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var parentEnds: [Int32] = []
        defer { for fd in parentEnds { close(fd) } }
        func redirect(_ output: Output, to target: Int32) throws(ChildProcessError) -> FileHandle? {
            switch output {
            case .inherit:
                return nil
            case .discard:
                posix_spawn_file_actions_addopen(&actions, target, "/dev/null", O_WRONLY, 0)
                return nil
            case .append(let path):
                posix_spawn_file_actions_addopen(&actions, target, path, O_WRONLY | O_APPEND | O_CREAT, 0o600)
                return nil
            case .capture:
                var ends: [Int32] = [0, 0]
                guard pipe(&ends) == 0 else { throw .spawnFailed(executable, errno) }
                // Other children started meanwhile close it anyway (closefrom); this is for anyone else's fork.
                for fd in ends { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
                // dup2 clears close-on-exec on the child's copy; the parent closes its write end after spawning.
                posix_spawn_file_actions_adddup2(&actions, ends[1], target)
                parentEnds.append(ends[1])
                return FileHandle(fileDescriptor: ends[0], closeOnDealloc: true)
            }
        }
        standardOutput = try redirect(stdout, to: STDOUT_FILENO)
        standardError = try redirect(stderr, to: STDERR_FILENO)
        Self.closeInheritedDescriptors(&actions)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        // A test runner may ignore or block signals (SIGTERM, SIGPIPE); the child must not inherit that.
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let variables = environment.map { $0.map { "\($0.key)=\($0.value)" } }
        let envp = variables.map { $0.map { strdup($0) } + [nil] }
        defer { for pointer in envp ?? [] { free(pointer) } }

        var child: pid_t = 0
        let status =
            envp.map { posix_spawn(&child, executable, &actions, &attributes, argv, $0) }
            ?? posix_spawn(&child, executable, &actions, &attributes, argv, environ)
        guard status == 0 else { throw .spawnFailed(executable, status) }
        pid = child
    }

    /// True until the child has exited.
    public var isRunning: Bool {
        reaped.withLock { status in
            if status != nil { return false }
            var raw: Int32 = 0
            guard waitpid(pid, &raw, WNOHANG) == pid else { return true }
            status = raw
            return false
        }
    }

    /// Sends `signal` to the child (nothing once it has been reaped, so a reused pid is never hit).
    public func send(_ signal: Int32) {
        reaped.withLock { status in
            if status == nil { kill(pid, signal) }
        }
    }

    /// Waits for the child to exit; its exit code, or 128 + the signal that ended it.
    @discardableResult
    public func waitForExit() -> Int32 {
        // Blocks without reaping, so `isRunning` and `send` are never held up by a waiter.
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) < 0 && errno == EINTR {}
        let raw = reaped.withLock { status -> Int32 in
            if let status { return status }
            var raw: Int32 = 0
            while waitpid(pid, &raw, 0) < 0 && errno == EINTR {}
            status = raw
            return raw
        }
        return Self.exitCode(raw)
    }

    /// Runs `executable` to its end, capturing both output streams.
    public static func run(
        _ executable: String, _ arguments: [String] = [], environment: [String: String]? = nil
    ) throws(ChildProcessError) -> CommandResult {
        let child = try ChildProcess(executable, arguments, environment: environment, stdout: .capture, stderr: .capture)
        // stderr is drained on its own thread, so a child that fills one pipe never blocks on it.
        let errors = Mutex(Data())
        let drained = DispatchSemaphore(value: 0)
        Thread {
            let data = child.standardError?.readDataToEndOfFile() ?? Data()
            errors.withLock { $0 = data }
            drained.signal()
        }.start()
        let output = child.standardOutput?.readDataToEndOfFile() ?? Data()
        drained.wait()
        let status = child.waitForExit()
        return CommandResult(
            status: status, stdout: String(decoding: output, as: UTF8.self),
            stderr: String(decoding: errors.withLock { $0 }, as: UTF8.self))
    }

    private static func exitCode(_ raw: Int32) -> Int32 {
        let signal = raw & 0x7f
        return signal == 0 ? (raw >> 8) & 0xff : 128 + signal
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34+): the child closes every
    /// descriptor from 3 up. Swift's Glibc module does not export it (it is a GNU extension), so it
    /// is looked up at run time.
    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private static let addCloseFrom: AddCloseFrom? = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np")
        .map { unsafeBitCast($0, to: AddCloseFrom.self) }

    private static func closeInheritedDescriptors(_ actions: inout posix_spawn_file_actions_t) {
        if let addCloseFrom {
            _ = addCloseFrom(&actions, 3)
            return
        }
        // Older glibc: close what is open now, found by asking the kernel about each descriptor.
        for fd in 3..<min(getdtablesize(), 65_536) where fcntl(fd, F_GETFD) != -1 {
            posix_spawn_file_actions_addclose(&actions, fd)
        }
    }
}

/// What a finished command printed, and how it ended.
public struct CommandResult: Sendable, Equatable {
    /// The exit code (128 + signal when a signal ended it).
    public var status: Int32
    /// Everything written to stdout.
    public var stdout: String
    /// Everything written to stderr.
    public var stderr: String

    /// Bundles one command's outcome.
    public init(status: Int32, stdout: String, stderr: String) {
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
    }
}

/// A child process could not be started.
public enum ChildProcessError: Error, CustomStringConvertible {
    /// `posix_spawn` (or the pipe for its output) failed with this errno.
    case spawnFailed(String, Int32)

    public var description: String {
        switch self {
        case .spawnFailed(let executable, let code):
            "cannot start \(executable): \(String(cString: strerror(code)))"
        }
    }
}
