import Foundation

/// Starts child processes one at a time, for tests that start real processes (the daemon, the
/// sandbox, helpers).
///
/// Foundation's `Process.run()` on Linux was seen to crash (a bad pointer in its memmove) while
/// another thread of the same test process started a process; every test that starts one goes
/// through this one lock, whichever test target it is in.
public enum ProcessSpawner {
    private static let lock = NSLock()

    /// Runs `process` while no other process is being started through here.
    public static func run(_ process: Process) throws {
        lock.lock()
        defer { lock.unlock() }
        try process.run()
    }
}
