import GatehouseRPC

/// A failure the CLI reports with a message and one of its documented exit codes.
struct CLIFailure: Error, CustomStringConvertible {
    /// 1 error, 2 usage, 3 daemon unreachable, 4 denied.
    enum Code: Int32 {
        case error = 1, usage = 2, unreachable = 3, denied = 4
    }

    let message: String
    let code: Code

    var description: String { message }

    init(_ message: String, code: Code = .error) {
        self.message = message
        self.code = code
    }

    /// The CLI's reading of a client error: unreachable daemon → 3, policy denial → 4, else 1.
    init(_ error: RPCClientError) {
        switch error {
        case .unreachable: self.init(error.description, code: .unreachable)
        case .rpc(let rpc) where rpc.code == RPCErrorCode.denied.rawValue || rpc.code == RPCErrorCode.unauthorized.rawValue:
            self.init(error.description, code: .denied)
        case .rpc(let rpc) where rpc.code == RPCErrorCode.invalidParams.rawValue:
            self.init(error.description, code: .usage)
        default: self.init(error.description)
        }
    }
}
