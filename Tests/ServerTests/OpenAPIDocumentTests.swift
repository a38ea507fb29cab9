import Foundation
import Testing

@testable import Server

/// The OpenAPI document is valid JSON and lists exactly the routes the server has, with the same methods.
@Suite("OpenAPIDocument")
struct OpenAPIDocumentTests {
    @Test("every route of RouteTable is documented with its methods, and nothing else is")
    func matchesRouteTable() throws {
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8)) as? [String: Any])
        #expect(document["openapi"] as? String == "3.0.3")
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        var documented: [String: Set<String>] = [:]
        for (path, operations) in paths {
            documented[path] = Set(operations.keys.map { $0.uppercased() })
        }
        var routes: [String: Set<String>] = [:]
        for entry in RouteTable.entries {
            routes[entry.isPrefix ? entry.path + "{model_id}" : entry.path] = Set(entry.methods.map(\.rawValue))
        }
        #expect(documented == routes)
        // Every reference resolves.
        let schemas = try #require((document["components"] as? [String: Any])?["schemas"] as? [String: Any])
        let references = OpenAPIDocument.json.components(separatedBy: "\"#/components/schemas/").dropFirst()
            .map { String($0.prefix { $0 != "\"" }) }
        #expect(!references.isEmpty)
        for name in Set(references) { #expect(schemas[name] != nil, "dangling reference \(name)") }
    }
}
