import Testing

@testable import PostgresStore

@Suite("PostgresURL")
struct PostgresURLTests {
    @Test("libpq URIs parse; the password never shows in the description")
    func parses() throws {
        let url = try PostgresURL(
            "postgres://ann:s%40cret@db.example:6543/docs?sslmode=require&ef_search=200&schema=team_a")
        #expect(url.user == "ann" && url.password == "s@cret" && url.host == "db.example" && url.port == 6543)
        #expect(url.database == "docs" && url.tls == .require && url.efSearch == 200 && url.schema == "team_a")
        #expect(url.description == "postgres://ann@db.example:6543/docs?sslmode=require&ef_search=200&schema=team_a")
        let plain = try PostgresURL("postgresql://localhost/askdocs")
        #expect(plain.port == 5432 && plain.user == "postgres" && plain.tls == .prefer && plain.schema == nil)
        #expect(PostgresURL.isPostgres("postgres://x/y") && !PostgresURL.isPostgres("/tmp/x.sqlite"))
    }

    @Test("malformed URLs are one-line errors that say what is wrong and hide the password")
    func refuses() {
        let cases: [(String, String)] = [
            ("postgres://u:pw@/db", "names no host"),
            ("postgres://u:pw@host", "names no database"),
            ("postgres://u@host/db?sslmode=maybe", "sslmode must be one of"),
            ("postgres://u@host/db?ef_search=0", "ef_search must be"),
            ("postgres://u@host/db?schema=Bad-Name", "schema must be"),
            ("postgres://u@host/db?colour=blue", "unknown parameter 'colour'"),
        ]
        for (text, reason) in cases {
            do {
                _ = try PostgresURL(text)
                Issue.record("\(text) parsed")
            } catch {
                let message = error.localizedDescription
                #expect(message.contains(reason), "\(message)")
                #expect(!message.contains("pw"), "\(message)")
                #expect(!message.contains("\n"))
            }
        }
    }
}
