import Foundation
import PostgresNIO

extension PostgresIndex {
    /// What disagrees inside the published index, one line each (empty when it is whole): documents against their
    /// chunks, one vector per chunk, the BM25 statistics (document frequencies, corpus totals, chunk lengths)
    /// against the postings, and rows of a generation later than the published one. Read in one snapshot, so a
    /// publish committing meanwhile is not seen half.
    public func consistencyProblems() throws -> [String] {
        try pool.withSession { session in
            try session.transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") {
                try Self.problems(session)
            }
        }
    }

    private static func count(_ session: PostgresSession, _ sql: String, _ binds: [PostgresData] = []) throws -> Int64 {
        try session.query(sql, binds).first?.value(0, Int64.self) ?? 0
    }

    private static func problems(_ session: PostgresSession) throws -> [String] {
        guard
            try session.query("SELECT to_regclass('askdocs_documents') IS NOT NULL").first?.value(0, Bool.self) == true
        else { return ["no AskDocs schema: nothing was published here"] }
        var problems: [String] = []
        func report(_ n: Int64, _ what: String) { if n > 0 { problems.append("\(n) \(what)") } }
        report(
            try count(
                session,
                """
                SELECT count(*) FROM askdocs_documents d
                WHERE d.chunk_count <> (SELECT count(*) FROM askdocs_chunks c WHERE c.document_id = d.id)
                """), "documents whose chunk count disagrees with their chunks")
        // The snapshot's own reads: the generation and whether vectors exist are read as searches read them.
        let snapshot = PostgresSnapshot(session: session, efSearch: 0)
        let published = try snapshot.generation()
        if let published {
            report(
                try count(
                    session, "SELECT count(*) FROM askdocs_documents WHERE generation > $1",
                    [PostgresData(int64: published)]), "documents of a generation after the published \(published)")
        } else {
            problems.append("no published generation recorded")
        }
        if try snapshot.hasVectors() {
            report(
                try count(
                    session,
                    """
                    SELECT count(*) FROM askdocs_chunks c
                    WHERE NOT EXISTS (SELECT 1 FROM askdocs_embeddings e WHERE e.chunk_id = c.id)
                    """), "chunks without a vector")
            report(
                try count(
                    session,
                    """
                    SELECT count(*) FROM askdocs_embeddings e
                    WHERE NOT EXISTS (SELECT 1 FROM askdocs_chunks c WHERE c.id = e.chunk_id)
                    """), "vectors without a chunk")
            report(
                try count(
                    session,
                    "SELECT count(*) FROM (SELECT chunk_id FROM askdocs_embeddings GROUP BY chunk_id HAVING count(*) > 1) x"
                ), "chunks with more than one vector")
        }
        report(
            try count(
                session,
                """
                SELECT count(*) FROM (SELECT term, count(*) AS n FROM askdocs_postings GROUP BY term) p
                FULL JOIN askdocs_terms t USING (term) WHERE p.n IS DISTINCT FROM t.df
                """), "terms whose document frequency disagrees with their postings")
        report(
            try count(
                session,
                """
                SELECT count(*) FROM askdocs_chunks c
                WHERE c.term_count <> coalesce((SELECT sum(tf) FROM askdocs_postings p WHERE p.chunk_id = c.id), 0)
                """), "chunks whose length disagrees with their postings")
        let totals = try session.query(
            """
            SELECT (SELECT count(*) FROM askdocs_corpus), coalesce(max(rows), 0)::bigint,
                coalesce(max(tokens), 0)::bigint, (SELECT count(*) FROM askdocs_chunks),
                (SELECT coalesce(sum(term_count), 0) FROM askdocs_chunks)::bigint
            FROM askdocs_corpus
            """)
        if let row = totals.first {
            let (records, rows, tokens) = (
                try row.value(0, Int64.self), try row.value(1, Int64.self), try row.value(2, Int64.self)
            )
            let (chunks, terms) = (try row.value(3, Int64.self), try row.value(4, Int64.self))
            if records != 1 || rows != chunks || tokens != terms {
                problems.append(
                    "corpus totals say \(rows) chunks of \(tokens) terms, the chunks are \(chunks) of \(terms)")
            }
        }
        return problems
    }
}
