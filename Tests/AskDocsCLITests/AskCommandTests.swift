import AskDocs
import DocumentStore
import Foundation
import Reader
import Testing

/// corpora/sample plus XQuAD paragraphs in six languages, indexed with the tiny retriever, asked with the tiny
/// XLM-R reader.
final class AskCorpus {
    let corpus: IndexedCorpus
    /// (language, question) pairs whose paragraphs are in the index.
    var questions: [(String, String)] = []

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let reader = root.appendingPathComponent("Tests/TransformerTests/Fixtures/tiny-xlmr-qa").path
    static let xquad = root.deletingLastPathComponent().appendingPathComponent("shared/data/xquad")

    init() throws {
        corpus = try IndexedCorpus()
        for language in ["en", "de", "es", "zh", "ar", "ru"] {
            let dataset = try SQuADDataset(contentsOf: Self.xquad.appendingPathComponent("xquad.\(language).json"))
            var titles: [String] = []
            for question in dataset.questions where titles.last != question.title { titles.append(question.title) }
            for article in [40, 44] {
                // The article's first paragraph and its first question.
                let first = try #require(dataset.questions.first { $0.title == titles[article] })
                try corpus.workspace.write("docs/xquad/\(language)-\(article).txt", first.context)
                questions.append((language, first.question))
            }
            if language == "en" {
                // One long document of the article's first four paragraphs: several chunks, so reading a chunk
                // with its neighbours merges passages; asked with a question of its third paragraph.
                let paragraphs = dataset.questions.filter { $0.title == titles[41] }.map(\.context)
                var distinct: [String] = []
                for paragraph in paragraphs where !distinct.contains(paragraph) { distinct.append(paragraph) }
                try corpus.workspace.write("docs/xquad/en-41-long.txt", distinct.prefix(4).joined(separator: "\n\n"))
                let third = try #require(dataset.questions.first { $0.context == distinct[2] })
                questions.append((language, third.question))
            }
        }
        let result = try corpus.index()
        #expect(result.status == 0, "\(result.standardError)")
    }

    func ask(_ arguments: [String], input: Data? = nil) throws -> AskDocsProcess.Result {
        try AskDocsProcess.run(["ask"] + arguments + ["--db", corpus.db, "--reader", Self.reader], input: input)
    }

    func askJSON(_ question: String, _ options: [String] = []) throws -> [String: Any] {
        let result = try ask([question, "--json"] + options)
        #expect(result.status == 0, "\(result.standardError)")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
    }
}

@Suite("askdocs ask with the tiny retriever and reader")
struct AskCommandTests {
    @Test("every answer is what ExtractiveReader.rank gives for the same retrieved passages (no drift)")
    func answersEqualRankingMode() throws {
        let ask = try AskCorpus()
        let store = try DocumentStore(path: ask.corpus.db)
        let reader = try ExtractiveReader(directory: URL(fileURLWithPath: AskCorpus.reader))
        var answered = 0
        var merged = 0
        for (language, question) in ask.questions + [("de", "Wie lang ist der Rhein?"), ("zh", "长江有多长？")] {
            let response = try ask.askJSON(question, ["--passages", "5", "--answers", "3"])
            let passages = try #require(response["passages"] as? [[String: Any]])
            // Adaptive reading may stop after the first round: the passages are then the best few of the hits.
            let hits = Array(try ask.corpus.search(question, ["--k", "5"]).prefix(passages.count))
            #expect(passages.count == 5 || passages.count == AskRequest.defaultFirstPassages)
            #expect(passages.map { $0["chunk_id"] as? Int64 } == hits.map(\.chunk_id), "\(language): \(question)")
            let chunks = try store.chunks(ids: hits.map(\.chunk_id))
            let byID = Dictionary(uniqueKeysWithValues: chunks.map { ($0.id, $0) })
            let ordered = try hits.map { try #require(byID[$0.chunk_id]) }
            // The documented reading: each retrieved chunk with its neighbours, merged per document.
            let read = try AskPassage.passages(
                for: ordered, neighbours: AskRequest.defaultNeighbours, store: store)
            merged += read.filter { $0.chunks.count > 1 }.count
            let expected = try reader.rank(
                question: question, passages: read.map(\.readerPassage),
                options: RankingOptions(topK: 3, scoring: Asker.defaultScoring, ordering: Asker.defaultOrdering))
            #expect(response["answerable"] as? Bool == expected.isAnswerable, "\(question)")
            let noAnswer = try #require(response["no_answer"] as? [String: Any])
            #expect(Self.close(noAnswer["probability"] as? Double, expected.noAnswer.probability))
            let best = response["best_candidate"] as? [String: Any]
            #expect(best?["text"] as? String == expected.answers.first?.text)
            let answers = try #require(response["answers"] as? [[String: Any]])
            let wanted = expected.isAnswerable ? expected.answers : []
            #expect(answers.count == wanted.count, "\(question)")
            for (got, want) in zip(answers, wanted) {
                #expect(got["text"] as? String == want.text)
                #expect(Self.close(got["probability"] as? Double, want.probability))
                #expect(got["start"] as? Int == want.sources[0].documentStart)
                #expect(got["end"] as? Int == want.sources[0].documentEnd)
                let source = want.sources[0]
                let chunk = try #require(
                    read[source.passageIndex].chunk(holding: source.documentStart..<source.documentEnd))
                #expect(got["chunk_id"] as? Int64 == chunk.id)
                #expect((got["document"] as? [String: Any])?["path"] as? String == chunk.sourcePath)
                answered += 1
            }
        }
        #expect(answered > 0, "the tiny reader answered none of the questions; the comparison tested nothing")
        #expect(
            merged > 0 || AskRequest.defaultNeighbours == nil,
            "no passage spanned several chunks; the neighbours were not tested")
    }

    @Test("--json has the documented keys and types; offsets slice the document to the answer and its sentence")
    func jsonSchema() throws {
        let ask = try AskCorpus()
        let store = try DocumentStore(path: ask.corpus.db)
        let response = try ask.askJSON(
            ask.questions[0].1, ["--passages", "8", "--answers", "5", "--no-answer-boost=-100"])
        #expect(
            Set(response.keys) == [
                "question", "answerable", "answers", "best_candidate", "no_answer", "passages", "timings",
                "generation",
            ])
        #expect(response["generation"] as? Int ?? 0 >= 1, "the published generation that answered")
        #expect(response["question"] as? String == ask.questions[0].1)
        #expect(response["answerable"] as? Bool == true, "a boost of -100 makes every question answerable")
        let noAnswer = try #require(response["no_answer"] as? [String: Any])
        #expect(Set(noAnswer.keys) == ["probability", "score"])
        let timings = try #require(response["timings"] as? [String: Double])
        #expect(Set(timings.keys) == ["embed", "search", "read", "rank"])
        let passages = try #require(response["passages"] as? [[String: Any]])
        #expect(passages.count == 8)
        for passage in passages {
            #expect(Set(passage.keys) == ["chunk_id", "document", "start", "end", "score", "text"])
            #expect(passage["score"] is Double && passage["text"] is String && passage["start"] is Int)
        }
        let answers = try #require(response["answers"] as? [[String: Any]])
        try #require(!answers.isEmpty)
        for answer in answers {
            #expect(
                Set(answer.keys) == [
                    "text", "probability", "score", "document", "chunk_id", "start", "end", "sentence", "sightings",
                ])
            let document = try #require(answer["document"] as? [String: Any])
            #expect(Set(document.keys) == ["path", "key", "title", "language"])
            #expect(document["path"] is String && document["key"] is String)
            #expect(document["title"] is String || document["title"] is NSNull)
            let text = try #require(answer["text"] as? String)
            let probability = try #require(answer["probability"] as? Double)
            #expect(probability > 0 && probability <= 1)
            #expect(answer["sightings"] as? Int ?? 0 >= 1)
            let chunkID = try #require(answer["chunk_id"] as? Int64)
            let chunk = try #require(try store.chunks(ids: [chunkID]).first)
            let documentText = Array(try #require(try store.text(ofDocument: chunk.documentID)).unicodeScalars)
            func slice(_ lower: Int, _ upper: Int) -> String {
                String(String.UnicodeScalarView(documentText[lower..<upper]))
            }
            let start = try #require(answer["start"] as? Int)
            let end = try #require(answer["end"] as? Int)
            #expect(slice(start, end) == text)
            let sentence = try #require(answer["sentence"] as? [String: Any])
            #expect(Set(sentence.keys) == ["text", "start", "end", "answer_start", "answer_end"])
            let sentenceText = try #require(sentence["text"] as? String)
            let sentenceStart = try #require(sentence["start"] as? Int)
            let sentenceEnd = try #require(sentence["end"] as? Int)
            #expect(slice(sentenceStart, sentenceEnd) == sentenceText)
            #expect(sentence["answer_start"] as? Int == start - sentenceStart)
            #expect(sentence["answer_end"] as? Int == end - sentenceStart)
        }
        #expect((response["best_candidate"] as? [String: Any])?["text"] as? String == answers[0]["text"] as? String)
    }

    @Test("a question no passage matches gives valid --json: no answer, probability 1, a null score, no passages")
    func nothingMatched() throws {
        // A filter no document passes: nothing is read and there is no null score (it was -inf, which JSON
        // cannot hold, and the encoder failed; found by the schemathesis run against serve).
        let ask = try AskCorpus()
        let json = try ask.askJSON("Where is it?", ["--mode", "bm25", "--lang", "xx"])
        #expect(json["answerable"] as? Bool == false && (json["passages"] as? [Any])?.isEmpty == true)
        let noAnswer = try #require(json["no_answer"] as? [String: Any])
        #expect(noAnswer["probability"] as? Double == 1 && noAnswer["score"] is NSNull, "\(noAnswer)")
    }

    @Test("piped human output marks the answer with brackets and no colour; no answer prints the best candidate")
    func humanOutput() throws {
        let ask = try AskCorpus()
        let question = ask.questions[2].1
        let response = try ask.askJSON(question, ["--no-answer-boost=-100"])
        let answer = try #require((response["answers"] as? [[String: Any]])?.first)
        let human = try ask.ask([question, "--no-answer-boost=-100"])
        #expect(human.status == 0, "\(human.standardError)")
        #expect(!human.standardOutput.contains("\u{1B}"))
        let text = try #require(answer["text"] as? String)
        #expect(human.standardOutput.contains("[\(text)]"))
        let path = try #require((answer["document"] as? [String: Any])?["path"] as? String)
        #expect(human.standardOutput.contains(path))
        #expect(human.standardOutput.contains("[\(answer["start"] as? Int ?? -1)..<\(answer["end"] as? Int ?? -1)]"))
        let none = try ask.ask([question, "--no-answer-boost", "100"])
        #expect(none.status == 0, "\(none.standardError)")
        #expect(none.standardOutput.hasPrefix("No answer (probability "))
        #expect(none.standardOutput.contains("best candidate \"\(text)\""))
        let noneJSON = try ask.askJSON(question, ["--no-answer-boost", "100"])
        #expect(noneJSON["answerable"] as? Bool == false)
        #expect((noneJSON["answers"] as? [Any])?.isEmpty == true)
    }

    @Test("questions from standard input and from --questions give the single-question answers; --verbose times stages")
    func manyQuestions() throws {
        let ask = try AskCorpus()
        let questions = ask.questions.prefix(3).map(\.1)
        let single = try questions.map { try ask.askJSON($0) }
        let piped = try ask.ask(["--json", "--verbose"], input: Data((questions.joined(separator: "\n") + "\n").utf8))
        #expect(piped.status == 0, "\(piped.standardError)")
        let lines = piped.standardOutput.split(separator: "\n")
        try #require(lines.count == questions.count)
        for (line, want) in zip(lines, single) {
            let got = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(got["question"] as? String == want["question"] as? String)
            #expect(
                (got["best_candidate"] as? [String: Any])?["text"] as? String
                    == (want["best_candidate"] as? [String: Any])?["text"] as? String)
        }
        #expect(piped.standardError.components(separatedBy: "load ").count == 2, "models load once")
        #expect(piped.standardError.components(separatedBy: "search ").count == questions.count + 1)
        #expect(piped.standardError.contains(" s, read ") && piped.standardError.contains(" s, rank "))

        let file = questions.enumerated().map { index, question in
            String(
                decoding: try! JSONSerialization.data(withJSONObject: ["id": "q\(index)", "question": question]),
                as: UTF8.self)
        }.joined(separator: "\n")
        try ask.corpus.workspace.write("questions.jsonl", file + "\n")
        let batch = try ask.ask(["--questions", ask.corpus.workspace.path("questions.jsonl")])
        #expect(batch.status == 0, "\(batch.standardError)")
        let batchLines = batch.standardOutput.split(separator: "\n")
        try #require(batchLines.count == questions.count)
        for (index, (line, want)) in zip(batchLines, single).enumerated() {
            let got = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(got["id"] as? String == "q\(index)")
            #expect(
                (got["no_answer"] as? [String: Double])?["probability"]
                    == (want["no_answer"] as? [String: Double])?["probability"])
        }
    }

    @Test("one-line errors: no index, missing reader, another retriever, empty and over-long questions")
    func errors() throws {
        let ask = try AskCorpus()
        let missing = try AskDocsProcess.run([
            "ask", "Where?", "--db", ask.corpus.workspace.path("none.sqlite"), "--reader", AskCorpus.reader,
        ])
        #expect(missing.status != 0)
        #expect(missing.standardError.contains("askdocs index"), "\(missing.standardError)")

        let noReader = try AskDocsProcess.run([
            "ask", "Where?", "--db", ask.corpus.db, "--reader", ask.corpus.workspace.path("no-reader"),
        ])
        #expect(noReader.status != 0)
        #expect(noReader.standardError.contains("reader model folder"), "\(noReader.standardError)")
        let noCachedReader = try AskDocsProcess.run(["ask", "Where?", "--db", ask.corpus.db, "--reader", "org/none"])
        #expect(noCachedReader.standardError.contains("org/none is not available locally"))
        #expect(noCachedReader.standardError.contains("askdocs models pull org/none"))

        let other = try Self.otherRetriever()
        defer { try? FileManager.default.removeItem(at: other) }
        let mismatch = try ask.ask(["Where?", "--retriever", other.path])
        #expect(mismatch.status != 0)
        #expect(mismatch.standardError.contains("built with the retriever"), "\(mismatch.standardError)")

        let empty = try ask.ask(["   "])
        #expect(empty.status != 0)
        #expect(empty.standardError.contains("the question is empty; ask a question"))

        let long = try ask.ask([Array(repeating: "Which river flows through Basel", count: 60).joined(separator: " ")])
        #expect(long.status != 0)
        #expect(long.standardError.contains("the reader accepts at most"), "\(long.standardError)")
        #expect(!long.standardError.contains("--"), "library errors name no flags")
        for line in [missing, noReader, noCachedReader, mismatch, empty, long].map(\.standardError) {
            #expect(line.split(separator: "\n").count == 1, "\(line)")
        }
    }

    /// Equal up to the JSON decimal round trip (Foundation's parser may be an ulp off the printed shortest form).
    static func close(_ got: Double?, _ want: Double) -> Bool {
        guard let got else { return false }
        return abs(got - want) <= 4 * Double.ulpOfOne * abs(want)
    }

    /// The tiny CLS-pooling embedding model with the index's tokenizer: another retriever than the index's.
    static func otherRetriever() throws -> URL {
        try EmbedCommandTests.modelFolder("tiny-bert-cls")
    }
}
