import Foundation
import GatehouseHTTP
import Hummingbird
import NIOCore
import Testing

@Suite("Bodies and encodings")
struct BodyTests {
    @Test("A body over the limit fails with .responseTooLarge, with or without Content-Length")
    func sizeLimit() async throws {
        let big = String(repeating: "x", count: 64 * 1024)
        try await withScriptedServer(routes: { router in
            router.get("/declared") { _, _ in big }
            router.get("/streamed") { _, _ -> Response in
                // No Content-Length: only the write callback can notice.
                Response(
                    status: .ok,
                    body: ResponseBody { writer in
                        for _ in 0..<64 { try await writer.write(ByteBuffer(string: String(repeating: "y", count: 1024))) }
                        try await writer.finish(nil)
                    })
            }
            router.get("/small") { _, _ in "fits" }
        }) { base in
            let client = makeTestClient(maxResponseBytes: 4096)
            for path in ["/declared", "/streamed"] {
                let error = await #expect(throws: HTTPError.self) { try await client.send(.get(base + path, upstream: "looker")) }
                #expect(error == .responseTooLarge(upstream: "looker", limit: 4096), "\(path)")
            }
            let small = try await client.send(.get("\(base)/small", upstream: "looker"))
            #expect(String(decoding: small.body, as: UTF8.self) == "fits")
        }
    }

    @Test("gzip responses are requested and decoded")
    func gzip() async throws {
        let recorder = RequestRecorder()
        // gzip of 50 × "gatehouse gzip check ", made once with Python's gzip module.
        let compressed = try #require(Data(base64Encoded: "H4sIAAAAAAACA0tPLEnNyC8tTlVIr8osUEjOSE3OVkgfFRwVHBUc2YIA+a8vYBoEAAA="))
        let response = try await withScriptedServer(routes: { router in
            router.get("/zipped") { request, _ -> Response in
                recorder.record(headers: request.headerDictionary)
                return Response(status: .ok, headers: [.contentEncoding: "gzip"], body: .init(byteBuffer: ByteBuffer(bytes: compressed)))
            }
        }) { base in
            try await makeTestClient().send(.get("\(base)/zipped", upstream: "looker"))
        }
        #expect(String(decoding: response.body, as: UTF8.self) == String(repeating: "gatehouse gzip check ", count: 50))
        #expect(recorder.all.first?.headers["accept-encoding"]?.contains("gzip") == true)
    }

    @Test("Form fields with special characters are percent-encoded as the WHATWG form serializer does")
    func formEncoding() async throws {
        let recorder = RequestRecorder()
        let fields = [("scope", "openid email"), ("redirect_uri", "http://127.0.0.1:8/cb?a=1&b=2"), ("note", "é+%*-._~!")]
        try await withScriptedServer(routes: { router in
            router.post("/token") { request, _ -> Response in
                recorder.record(headers: request.headerDictionary, body: try await request.bodyText())
                return Response(status: .ok)
            }
        }) { base in
            _ = try await makeTestClient().send(.form("\(base)/token", upstream: "idp", fields: fields))
        }
        let entry = try #require(recorder.all.first)
        #expect(entry.body == "scope=openid+email&redirect_uri=http%3A%2F%2F127.0.0.1%3A8%2Fcb%3Fa%3D1%26b%3D2&note=%C3%A9%2B%25*-._%7E%21")
        #expect(entry.headers["content-type"] == "application/x-www-form-urlencoded")
        #expect(FormEncoding.decode(entry.body).map(\.1) == fields.map(\.1))
    }

    @Test("JSON requests carry the encoded body and content type; responses decode")
    func jsonRoundTrip() async throws {
        struct Job: Codable, Equatable {
            var id: String
            var args: [String]
        }
        let recorder = RequestRecorder()
        let response = try await withScriptedServer(routes: { router in
            router.put("/jobs/1") { request, _ -> Response in
                let body = try await request.bodyText()
                recorder.record(headers: request.headerDictionary, body: body)
                return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
            }
        }) { base in
            try await makeTestClient().send(try .json(.PUT, "\(base)/jobs/1", upstream: "dataproc", body: Job(id: "j1", args: ["a b"])))
        }
        #expect(try response.decode(Job.self) == Job(id: "j1", args: ["a b"]))
        #expect(recorder.all.first?.headers["content-type"] == "application/json")
        #expect(recorder.all.first?.headers["user-agent"]?.hasPrefix("gatehouse/") == true)
    }

    @Test("A HEAD and a DELETE reach the server with their methods")
    func methods() async throws {
        let recorder = RequestRecorder()
        try await withScriptedServer(routes: { router in
            router.head("/thing") { _, _ -> Response in
                recorder.record(body: "HEAD")
                return Response(status: .noContent)
            }
            router.delete("/thing") { _, _ -> Response in
                recorder.record(body: "DELETE")
                return Response(status: .noContent)
            }
        }) { base in
            let client = makeTestClient()
            let head = try await client.send(HTTPRequest(method: .HEAD, url: "\(base)/thing", upstream: "u"))
            let delete = try await client.send(HTTPRequest(method: .DELETE, url: "\(base)/thing", upstream: "u"))
            #expect(head.status == 204 && delete.status == 204)
        }
        #expect(recorder.all.map(\.body) == ["HEAD", "DELETE"])
    }

    @Test("Redirects are returned, not followed, so credentials never travel to another location")
    func redirectsNotFollowed() async throws {
        let recorder = RequestRecorder()
        let response = try await withScriptedServer(routes: { router in
            router.get("/moved") { _, _ in Response(status: .found, headers: [.location: "/elsewhere"]) }
            router.get("/elsewhere") { _, _ -> Response in
                recorder.record()
                return Response(status: .ok)
            }
        }) { base in
            try await makeTestClient().send(.get("\(base)/moved", upstream: "idp", headers: HTTPHeaders([("Authorization", "Bearer abcd1234")])))
        }
        #expect(response.status == 302)
        #expect(response.headers["location"] == "/elsewhere")
        #expect(recorder.count == 0)
    }
}
