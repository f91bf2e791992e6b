import GatehouseHTTP

// Hummingbird re-exports swift-http-types, which has its own HTTPRequest/HTTPResponse/HTTPError;
// declarations in this module take precedence, so the tests mean Gatehouse's types unqualified.
typealias HTTPRequest = GatehouseHTTP.HTTPRequest
typealias HTTPResponse = GatehouseHTTP.HTTPResponse
typealias HTTPError = GatehouseHTTP.HTTPError
typealias HTTPHeaders = GatehouseHTTP.HTTPHeaders
typealias HTTPMethod = GatehouseHTTP.HTTPMethod
