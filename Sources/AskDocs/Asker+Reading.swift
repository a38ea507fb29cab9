import DocumentStore
import Foundation
import Ingest
import Reader
import Tokenizers

extension Asker {
    /// What reading the passages gave, with the seconds of each stage.
    public struct Reading: Sendable {
        /// The ranked answers.
        public var ranking: RankingResult
        /// Seconds spent tokenizing and running the model.
        public var readSeconds: Double
        /// Seconds spent ranking.
        public var rankSeconds: Double
    }

    /// The passages the reader is given for search results: each retrieved chunk with `neighbours` chunks on each
    /// side, merged per document where they overlap or touch (`AskPassage.passages`).
    public func passages(_ results: [SearchResult], neighbours: Int?) throws -> [AskPassage] {
        try searcher.index.read { try passages(results, neighbours: neighbours, in: $0) }
    }

    /// `passages` inside a read the caller holds.
    func passages(_ results: [SearchResult], neighbours: Int?, in snapshot: any IndexSnapshot) throws
        -> [AskPassage]
    {
        do {
            return try AskPassage.passages(
                for: results.map(\.chunk), neighbours: neighbours, in: snapshot
            ).filter { !$0.text.isEmpty }
        } catch {
            throw AskError.failure(error, stage: "reading")
        }
    }

    /// The ranking options a request asks for.
    public func rankingOptions(for request: AskRequest) -> RankingOptions {
        var options = rankingOptions
        options.topK = request.answers
        options.noAnswerBoost = request.noAnswerBoost
        return options
    }

    /// The longest question (in reader tokens) that leaves every window room for more context tokens than the
    /// window overlap, so any passage can be read.
    public func questionLimit() throws -> Int {
        let windowing = try reader.windowing(windowOptions)
        let probe = reader.tokenizer.encodePair("a", "a", maxLength: nil, stride: 0).first?.ids.count ?? 4
        let specials = probe - 2 * reader.tokenizer.encode("a", addSpecialTokens: false).ids.count
        return max(0, windowing.maxSeqLen - specials - windowing.stride - 1)
    }

    /// Throws `questionTooLong` for a question the reader cannot read with passages.
    func checkLength(_ question: String) throws {
        let limit: Int
        do {
            limit = try questionLimit()
        } catch {
            throw AskError.failure(error, stage: "reading")
        }
        let tokens = reader.tokenizer.encode(question, addSpecialTokens: false).ids.count
        guard tokens <= limit else { throw AskError.questionTooLong(tokens: tokens, limit: limit) }
    }

    /// Reads `passages` in one dynamically padded batch and ranks the answers across them: the same computation as
    /// `ExtractiveReader.rank` over their `readerPassage`s, timed stage by stage.
    public func read(question: String, passages askPassages: [AskPassage], request: AskRequest) throws -> Reading {
        var cache = WindowCache()
        return try read(question: question, passages: askPassages, request: request, cache: &cache)
    }

    /// `read`, taking the windows of passages already read for this question from `cache` (and adding the rest).
    func read(question: String, passages askPassages: [AskPassage], request: AskRequest, cache: inout WindowCache)
        throws -> Reading
    {
        let clock = ContinuousClock()
        let readStart = clock.now
        let passages = askPassages.map(\.readerPassage)
        let ranker: PassageRanker
        let windows: [[ReaderWindow]]
        do {
            ranker = try PassageRanker(options: rankingOptions(for: request))
            let missing = passages.filter { cache[WindowCache.key($0)] == nil }
            let read = try reader.passageWindows(question: question, passages: missing, windowOptions: windowOptions)
            for (passage, passageWindows) in zip(missing, read) { cache[WindowCache.key(passage)] = passageWindows }
            windows = passages.map { cache[WindowCache.key($0)] ?? [] }
        } catch {
            throw AskError.failure(error, stage: "reading")
        }
        let readSeconds = (clock.now - readStart).seconds
        let rankStart = clock.now
        let ranking: RankingResult
        do {
            ranking = try ranker.rank(
                zip(passages, windows).map { passage, passageWindows in
                    RankingPassage(
                        documentId: passage.documentId, documentOffset: passage.documentOffset, text: passage.text,
                        windows: passageWindows)
                })
        } catch {
            throw AskError.failed(stage: "ranking", reason: error.localizedDescription)
        }
        return Reading(ranking: ranking, readSeconds: readSeconds, rankSeconds: (clock.now - rankStart).seconds)
    }

    /// The response for a ranking of `passages`, read for `results`.
    func response(
        question: String, results: [SearchResult], passages: [AskPassage], ranking: RankingResult,
        timings: AskResponse.Timings
    ) -> AskResponse {
        let answers = ranking.answers.compactMap { answer(for: $0, passages: passages) }
        return AskResponse(
            question: question, answerable: ranking.isAnswerable && !answers.isEmpty,
            answers: ranking.isAnswerable ? answers : [], bestCandidate: answers.first,
            noAnswer: AskResponse.NoAnswer(
                probability: ranking.noAnswer.probability,
                score: ranking.noAnswer.score.isFinite ? Double(ranking.noAnswer.score) : nil),
            passages: results.map {
                AskResponse.Passage(
                    chunkID: $0.chunk.id, document: Self.document(of: $0.chunk), start: $0.chunk.startOffset,
                    end: $0.chunk.endOffset, score: $0.score, text: $0.chunk.text)
            },
            timings: timings)
    }

    /// A ranked span placed in its document, with its sentence.
    func answer(for ranked: RankedAnswer, passages: [AskPassage]) -> AskResponse.Answer? {
        guard ranked.kind == .span, let source = ranked.sources.first, passages.indices.contains(source.passageIndex)
        else { return nil }
        let passage = passages[source.passageIndex]
        guard let chunk = passage.chunk(holding: source.documentStart..<source.documentEnd) else { return nil }
        let inPassage = source.start..<source.end
        let sentence = SentenceBoundaries.sentence(around: inPassage, in: passage.text, locale: chunk.language ?? "")
        let scalars = Array(passage.text.unicodeScalars)
        let sentenceText = String(String.UnicodeScalarView(scalars[sentence]))
        return AskResponse.Answer(
            text: ranked.text, probability: ranked.probability, score: Double(ranked.score),
            document: Self.document(of: chunk), chunkID: chunk.id, start: source.documentStart,
            end: source.documentEnd,
            sentence: AskResponse.Sentence(
                text: sentenceText, start: passage.start + sentence.lowerBound,
                end: passage.start + sentence.upperBound, answerStart: source.start - sentence.lowerBound,
                answerEnd: source.end - sentence.lowerBound),
            sightings: ranked.sources.count)
    }

    static func document(of chunk: StoredChunk) -> AskResponse.Document {
        AskResponse.Document(
            path: chunk.sourcePath, key: chunk.documentKey, title: chunk.title, language: chunk.language)
    }
}

/// The windows of the passages read for one question, by document and range.
typealias WindowCache = [String: [ReaderWindow]]

extension WindowCache {
    /// The cache key of a passage: its document and range.
    static func key(_ passage: ReaderPassage) -> String {
        "\(passage.documentId)|\(passage.documentOffset)|\(passage.text.unicodeScalars.count)"
    }
}
