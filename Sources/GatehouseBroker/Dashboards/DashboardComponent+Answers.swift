import GatehouseCore
import GatehouseRPC

extension DashboardComponent {
    /// What `dashboard.*` answers, and the reasons their errors carry.
    public var answers: [RPCResultDescription] {
        typealias S = ResultSchema
        let lookup = [
            RPCErrorDescription(.conflict, "not_configured", "looker.base_url is not set"),
            RPCErrorDescription(.notFound, "no_dashboards", "The entity lists no dashboards (looker.com/dashboard-ids)"),
            RPCErrorDescription(.notFound, "dashboard_not_linked", "The id is not one of the entity's dashboards (data.dashboards lists them)"),
            RPCErrorDescription(.notFound, "not_found", "No such entity in the snapshot"),
            RPCErrorDescription(.unauthorized, "not_signed_in", "Sign in first"),
            RPCErrorDescription(.denied, "denied", "Policy denies dashboard.view on the entity"),
        ]
        let looker = [
            RPCErrorDescription(.notFound, "dashboard_not_found", "Looker has no such dashboard (or hides it from this user)"),
            RPCErrorDescription(.upstreamError, "looker_forbidden", "Looker refused the dashboard to this user"),
            RPCErrorDescription(.upstreamError, "looker_login_rejected", "Looker refused the API credentials"),
            RPCErrorDescription(.upstreamError, "looker_error", "Looker answered with an error"),
            RPCErrorDescription(.upstreamUnavailable, "upstream_unavailable", "Looker cannot be reached"),
            RPCErrorDescription(.upstreamUnavailable, "not_available_offline", "Looker cannot be reached and nothing is cached"),
        ]
        return [
            RPCResultDescription(
                "dashboard.list",
                result: S.record([
                    "entity": S.string, "offline": S.boolean,
                    "dashboards": S.array(
                        S.record(["id": S.string, "title": S.nullable(S.string), "cached": S.boolean, "fetchedAt": S.nullable(S.string)])),
                ]), errors: lookup),
            RPCResultDescription(
                "dashboard.get",
                result: S.object(
                    [
                        "entity": S.string, "fetchedAt": S.string, "stale": S.boolean, "offline": S.boolean, "source": S.string,
                        "lookerUser": S.string,
                    ], required: ["entity", "fetchedAt", "stale", "offline", "source", "lookerUser"]), errors: lookup + looker),
            RPCResultDescription(
                "dashboard.embedUrl",
                result: S.record([
                    "entity": S.string, "id": S.string, "url": S.string, "sessionSeconds": S.integer, "lookerUser": S.string,
                ]), errors: lookup + looker + [RPCErrorDescription(.conflict, "embed_disabled", "looker.embed is off")]),
            RPCResultDescription(
                "dashboard.lookerHistory",
                result: S.record([
                    "record": S.anyObject, "looker": S.array(S.anyObject), "fields": S.array(S.string),
                ]),
                errors: [
                    RPCErrorDescription(.conflict, "looker_not_configured", "looker.base_url is not set"),
                    RPCErrorDescription(.notFound, "no_looker_queries", "The audit record names no Looker queries (only dashboard fetches do)"),
                ] + looker),
        ]
    }
}
