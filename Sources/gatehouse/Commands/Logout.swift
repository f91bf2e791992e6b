import ArgumentParser
import Foundation
import GatehouseCore
import GatehouseRPC

/// `gatehouse logout`: tears down the person's clusters (unless --keep-clusters), revokes the session and forgets every token.
struct Logout: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sign out: delete your clusters, revoke the refresh token (RFC 7009) and forget every cached token.",
        discussion: """
            Before the tokens go, the clusters Gatehouse created for you are deleted (without a token they could \
            not be deleted later). They are listed first and you are asked; --yes skips the question, \
            --keep-clusters leaves them running until their auto-delete TTL.

            EXAMPLES:
              gatehouse logout
              gatehouse logout --keep-clusters
              gatehouse logout --yes          # from a script: no question
            """)
    @OptionGroup var global: GlobalOptions
    @OptionGroup var confirmation: ConfirmationOption
    @Flag(help: "Leave your clusters running (they are deleted by Dataproc when their TTL ends).") var keepClusters = false

    func run() throws {
        let doomed = keepClusters ? [] : try clustersToTearDown()
        if !doomed.isEmpty {
            if !global.json || !confirmation.yes {
                FileHandle.standardErrorLine("logout deletes \(doomed.count) cluster\(doomed.count == 1 ? "" : "s"):")
                for target in doomed {
                    FileHandle.standardErrorLine(
                        "  \(Output.cell(target["clusterName"]))  \(Output.cell(target["state"]))  \(Output.cell(target["entity"]))  \(Output.cell(target["project"]))/\(Output.cell(target["region"]))"
                    )
                }
            }
            try confirmation.confirm("delete \(doomed.count == 1 ? "this cluster" : "these \(doomed.count) clusters") and sign out")
        }
        let result = try global.call("auth.logout", keepClusters ? ["keepClusters": true] : nil)
        if global.json { return Output.json(result) }
        print(
            result["revoked"]?.boolValue == true
                ? "signed out; the IdP revoked the session" : "signed out locally (the IdP did not confirm a revocation)")
        if keepClusters {
            print("your clusters keep running until their auto-delete TTL (`gatehouse cluster ls`)")
        } else if !doomed.isEmpty {
            print("deleted \(doomed.count) cluster\(doomed.count == 1 ? "" : "s")")
        }
    }

    /// What logout would delete, from `cluster.teardown` (a report); none when clusters are not configured or nobody is signed in.
    private func clustersToTearDown() throws -> [JSONValue] {
        do {
            return try global.call("cluster.teardown")["found"]?.arrayValue ?? []
        } catch let failure as CLIFailure where failure.code != .unreachable {
            return []
        }
    }
}
