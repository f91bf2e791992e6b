import CCurl
import Foundation
import Synchronization

/// Runs every transfer of one client on a single dedicated thread through `curl_multi`, so
/// blocking network I/O never occupies Swift's cooperative pool.
final class CurlEngine: Sendable {
    /// The multi handle crosses to the engine thread once; after that only the thread uses it,
    /// except `curl_multi_wakeup`, which libcurl documents as callable from any thread.
    private struct MultiHandle: @unchecked Sendable {
        let pointer: UnsafeMutableRawPointer
    }

    /// Work handed to the engine thread; guarded by `inbox`.
    private struct Inbox {
        var multi: MultiHandle?
        var additions: [CurlTransfer] = []
        var cancellations: [CurlTransfer] = []
        var stopping = false
    }

    private let inbox: Mutex<Inbox>

    /// Starts the engine thread; fails only when libcurl cannot create a multi handle.
    init?() {
        guard CurlRuntime.ensureInitialized(), let pointer = curl_multi_init() else { return nil }
        let multi = MultiHandle(pointer: pointer)
        inbox = Mutex(Inbox(multi: multi))
        let thread = Thread { [self] in self.run(multi) }
        thread.name = "gatehouse.http.curl"
        thread.start()
    }

    /// Runs `transfer` to its end; cancelling the calling task aborts it.
    func perform(_ transfer: CurlTransfer) async -> CurlOutcome {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                if transfer.attach(continuation) { submit(transfer) }
            }
        } onCancel: {
            transfer.requestCancel()
            post { $0.cancellations.append(transfer) }
        }
    }

    /// Stops the engine thread; running and later transfers end with `.shutDown`. Idempotent.
    func shutdown() {
        post { $0.stopping = true }
    }

    private func submit(_ transfer: CurlTransfer) {
        let accepted = inbox.withLock { inbox -> Bool in
            guard !inbox.stopping, let multi = inbox.multi else { return false }
            inbox.additions.append(transfer)
            curl_multi_wakeup(multi.pointer)
            return true
        }
        if !accepted { transfer.complete(.shutDown) }
    }

    /// Changes the inbox and wakes the engine thread from `curl_multi_poll`.
    private func post(_ change: (inout Inbox) -> Void) {
        inbox.withLock { inbox in
            change(&inbox)
            // The thread clears `multi` under this lock before freeing it, so the wakeup never hits freed memory.
            if let multi = inbox.multi { curl_multi_wakeup(multi.pointer) }
        }
    }

    // MARK: engine thread

    private func run(_ multi: MultiHandle) {
        var active: [UnsafeMutableRawPointer: CurlTransfer] = [:]
        while true {
            let (additions, cancellations, stopping) = inbox.withLock { inbox in
                defer {
                    inbox.additions = []
                    inbox.cancellations = []
                }
                return (inbox.additions, inbox.cancellations, inbox.stopping)
            }
            if stopping {
                finishAll(Array(active.values) + additions, multi: multi)
                return
            }
            for transfer in additions {
                if transfer.isCancelRequested {
                    transfer.complete(.cancelled)
                } else if curl_multi_add_handle(multi.pointer, transfer.easy) == CURLM_OK {
                    active[transfer.easy] = transfer
                } else {
                    transfer.complete(.finished(transfer.completion(code: CURLE_FAILED_INIT)))
                }
            }
            for transfer in cancellations where active[transfer.easy] === transfer {
                active[transfer.easy] = nil
                curl_multi_remove_handle(multi.pointer, transfer.easy)
                transfer.complete(.cancelled)
            }

            var running: Int32 = 0
            curl_multi_perform(multi.pointer, &running)
            collectFinished(multi, active: &active)
            // Returns early on socket activity, libcurl's own timers, or curl_multi_wakeup.
            curl_multi_poll(multi.pointer, nil, 0, 1000, nil)
        }
    }

    private func collectFinished(_ multi: MultiHandle, active: inout [UnsafeMutableRawPointer: CurlTransfer]) {
        var queued: Int32 = 0
        while let message = curl_multi_info_read(multi.pointer, &queued) {
            guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
            let code = message.pointee.data.result
            guard let transfer = active.removeValue(forKey: easy) else { continue }
            curl_multi_remove_handle(multi.pointer, easy)
            transfer.complete(.finished(transfer.completion(code: code)))
        }
    }

    private func finishAll(_ transfers: [CurlTransfer], multi: MultiHandle) {
        for transfer in transfers {
            curl_multi_remove_handle(multi.pointer, transfer.easy)
            transfer.complete(.shutDown)
        }
        inbox.withLock { inbox in
            for transfer in inbox.additions { transfer.complete(.shutDown) }
            inbox.additions = []
            inbox.multi = nil
        }
        curl_multi_cleanup(multi.pointer)
    }
}
