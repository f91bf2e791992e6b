import ArgumentParser
import Foundation
import GatehouseCollector
import GatehouseIdentity
import Logging
import PostgresNIO

/// `gatehouse-collector`: the fleet's audit collector in front of PostgreSQL (docs/fleet.md).
@main
struct CollectorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gatehouse-collector",
        abstract: "Receive hosts' audit chains, witness their checkpoints, store them in PostgreSQL.")

    @Option(help: "Address to listen on.") var listen = "127.0.0.1"
    @Option(help: "Port to listen on (0: any free port, printed at start).") var port = 8443
    @Option(help: "PostgreSQL host, or a directory holding its Unix socket.") var pgHost = "127.0.0.1"
    @Option(help: "PostgreSQL port.") var pgPort = 5432
    @Option(help: "PostgreSQL user.") var pgUser = "gatehouse"
    @Option(help: "PostgreSQL database.") var pgDatabase = "gatehouse"
    @Option(help: "Environment variable holding the PostgreSQL password, if the server asks for one.") var pgPasswordEnv = "PGPASSWORD"
    @Option(help: "The witness key file (raw Ed25519, made at first start; share it between collectors of one database).")
    var witnessKey: String
    @Option(help: "The witness name on cosignatures.") var witnessName = "gatehouse-collector"
    @Option(help: "The OIDC issuer whose ID tokens hosts register with (the daemons' identity.issuer).") var oidcIssuer: String?
    @Option(help: "The client id those ID tokens are issued to (the daemons' identity.client_id).") var oidcClientId = "gatehouse"
    @Option(help: "An ID-token group whose members may query records (repeatable).") var auditorGroup: [String] = []
    @Flag(help: "Accept a plain-http issuer (tests against a loopback IdP only).") var allowInsecureHttp = false

    func run() async throws {
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        var logger = Logger(label: "gatehouse.collector")
        logger.logLevel = .info
        let password = ProcessInfo.processInfo.environment[pgPasswordEnv]
        let postgres: PostgresClient.Configuration =
            pgHost.hasPrefix("/")
            ? .init(unixSocketPath: "\(pgHost)/.s.PGSQL.\(pgPort)", username: pgUser, password: password, database: pgDatabase)
            : .init(host: pgHost, port: pgPort, username: pgUser, password: password, database: pgDatabase, tls: .disable)
        var configuration = CollectorConfiguration(postgres: postgres, witnessKeyPath: witnessKey)
        configuration.host = listen
        configuration.port = port
        configuration.witnessName = witnessName
        configuration.auditorGroups = Set(auditorGroup)
        if let oidcIssuer {
            var identity = IdentityConfiguration(issuer: oidcIssuer, clientID: oidcClientId)
            identity.allowInsecureHTTP = allowInsecureHttp
            configuration.identity = identity
        }
        let collector = try await Collector.start(configuration, logger: logger)
        // One line on stdout, so a supervisor (or a test) learns the port when it asked for any.
        FileHandle.standardOutput.write(Data("listening on \(listen):\(collector.port)\n".utf8))
        await collector.runUntilCancelled()
    }
}
