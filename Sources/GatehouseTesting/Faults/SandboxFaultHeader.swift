import HTTPTypes

/// The header a route sets on an answer that breaks its upstream's contract on purpose (a hostile
/// provider's lie): the middleware records the exchange as a fault and strips the header.
enum SandboxFaultHeader {
    /// `X-Sandbox-Fault`, valued with the fault's name.
    static let name = HTTPField.Name("X-Sandbox-Fault")!
}
