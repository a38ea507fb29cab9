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

@Suite("PostgresURL: TLS roots and waits")
struct PostgresURLWaitTests {
    @Test("sslrootcert, connect_timeout, statement_timeout and lock_timeout parse and describe themselves")
    func parses() throws {
        let url = try PostgresURL(
            "postgres://a@h/d?sslmode=verify-ca&sslrootcert=/etc/ca.pem&connect_timeout=3&statement_timeout=90s"
                + "&lock_timeout=1500")
        #expect(url.tls == .verifyCA && url.sslRootCert == "/etc/ca.pem" && url.connectTimeout == 3)
        #expect(url.statementTimeout == 90_000 && url.lockTimeout == 1500)
        #expect(
            url.description
                == "postgres://a@h:5432/d?sslmode=verify-ca&sslrootcert=/etc/ca.pem&connect_timeout=3"
                + "&statement_timeout=90s&lock_timeout=1500ms")
        let plain = try PostgresURL("postgres://a@h/d")
        #expect(plain.connectTimeout == 10 && plain.statementTimeout == nil && plain.lockTimeout == 20_000)
        #expect(plain.description == "postgres://a@h:5432/d")
    }

    @Test("durations use PostgreSQL's units; a bare number is milliseconds; 0 is no limit")
    func durations() {
        let cases: [(String, Int?)] = [
            ("0", 0), ("250", 250), ("250ms", 250), ("30s", 30_000), ("2min", 120_000), ("1h", 3_600_000),
            ("", nil), ("s", nil), ("1.5s", nil), ("-1s", nil), ("10d", nil), ("99999999999", nil), ("1000h", nil),
        ]
        for (text, expected) in cases { #expect(PostgresURL.milliseconds(text) == expected, "\(text)") }
        #expect(PostgresURL.duration(0) == "0ms" && PostgresURL.duration(120_000) == "2min")
        #expect(PostgresURL.duration(1500) == "1500ms" && PostgresURL.duration(7_200_000) == "2h")
    }

    @Test("bad values are one-line errors that name the parameter")
    func refuses() {
        for (text, reason) in [
            ("postgres://u@h/d?connect_timeout=0", "connect_timeout must be"),
            ("postgres://u@h/d?statement_timeout=soon", "statement_timeout must be a duration"),
            ("postgres://u@h/d?lock_timeout=", "lock_timeout must be a duration"),
            ("postgres://u@h/d?sslrootcert=", "sslrootcert must name"),
            ("postgres://u@h/d?sslmode=verify-nothing", "verify-ca"),
        ] {
            #expect(throws: PostgresStoreError.self) { try PostgresURL(text) }
            do {
                _ = try PostgresURL(text)
            } catch {
                #expect(error.localizedDescription.contains(reason), "\(error.localizedDescription)")
            }
        }
    }
}
