import Foundation
import GatehouseCore
@_spi(Fuzzing) import GatehouseRPC

/// The libFuzzer targets. `GATEHOUSE_FUZZ_TARGET` picks one per run (see `scripts/fuzz.sh`).
enum FuzzTarget: String, CaseIterable {
    /// Frame decoder (in reads of varying size) and JSON-RPC parsing of every frame.
    case frames
    /// JSON parser and the canonical writer's round trip (the bytes audit hashes cover).
    case canonical
    /// The dispatcher answering whole frames with a table of test methods.
    case dispatch

    static let selected: FuzzTarget = {
        let name = ProcessInfo.processInfo.environment["GATEHOUSE_FUZZ_TARGET"] ?? ""
        guard let target = FuzzTarget(rawValue: name) else {
            FileHandle.standardError.write(Data("set GATEHOUSE_FUZZ_TARGET to one of: \(allCases.map(\.rawValue).joined(separator: ", "))\n".utf8))
            exit(2)
        }
        return target
    }()

    nonisolated(unsafe) static var harness: RPCFuzzing.DispatchHarness?

    func run(_ input: [UInt8]) {
        switch self {
        case .frames: RPCFuzzing.decodeAndParse(input)
        case .canonical: RPCFuzzing.canonicalRoundTrip(input)
        case .dispatch:
            if Self.harness == nil { Self.harness = RPCFuzzing.DispatchHarness() }
            // Only whole lines reach the dispatcher; anything after the first newline is ignored.
            let frame = input.split(separator: UInt8(ascii: "\n"), maxSplits: 1, omittingEmptySubsequences: false).first.map(Array.init) ?? []
            Self.harness?.serve(frame)
        }
    }
}

/// libFuzzer's entry point: one input per call, on one thread.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    FuzzTarget.selected.run(input)
    return 0
}

#if FUZZING
/// libFuzzer's driver for a program with its own `main` (SwiftPM always links one in): it parses
/// the usual libFuzzer flags from `argv` and calls `callback` with each input.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt
#endif

/// Built with `-sanitize=fuzzer -DFUZZING` (scripts/fuzz.sh): runs libFuzzer on the selected target.
/// A plain build replays saved inputs instead: `GATEHOUSE_FUZZ_TARGET=frames gatehouse-fuzz FILE|DIR...`
/// runs each file once (a crash found by the fuzzer, or the seed corpus).
@main
struct FuzzMain {
    static func main() throws {
        _ = FuzzTarget.selected
        #if FUZZING
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(runFuzzerDriver(&argc, &argv) { data, size in fuzzOneInput(data, size) })
        #else
        var files: [String] = []
        for argument in CommandLine.arguments.dropFirst() {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory) else { continue }
            if isDirectory.boolValue {
                files += try FileManager.default.contentsOfDirectory(atPath: argument).sorted().map { argument + "/" + $0 }
            } else {
                files.append(argument)
            }
        }
        for file in files {
            let data = try Data(contentsOf: URL(fileURLWithPath: file))
            FuzzTarget.selected.run(Array(data))
        }
        print("\(FuzzTarget.selected.rawValue): replayed \(files.count) inputs, no invariant broken")
        #endif
    }
}
