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

    /// The passages the reader is given for search results: each chunk, placed in its document.
    public static func passages(_ results: [SearchResult]) -> [ReaderPassage] {
        results.map {
            ReaderPassage(documentId: $0.chunk.documentKey, documentOffset: $0.chunk.startOffset, text: $0.chunk.text)
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
            throw AskError.failed(stage: "reading", reason: error.localizedDescription)
        }
        let tokens = reader.tokenizer.encode(question, addSpecialTokens: false).ids.count
        guard tokens <= limit else { throw AskError.questionTooLong(tokens: tokens, limit: limit) }
    }

    /// Reads the passages of `results` in one dynamically padded batch and ranks the answers across them: the
    /// same computation as `ExtractiveReader.rank`, timed stage by stage.
    public func read(question: String, results: [SearchResult], request: AskRequest) throws -> Reading {
        let clock = ContinuousClock()
        let readStart = clock.now
        let passages = Self.passages(results.filter { !$0.chunk.text.isEmpty })
        let ranker: PassageRanker
        let windows: [[ReaderWindow]]
        do {
            ranker = try PassageRanker(options: rankingOptions(for: request))
            windows = try reader.passageWindows(question: question, passages: passages, windowOptions: windowOptions)
        } catch {
            throw AskError.failed(stage: "reading", reason: error.localizedDescription)
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

    /// The response for a ranking of `results`.
    func response(question: String, results: [SearchResult], ranking: RankingResult, timings: AskResponse.Timings)
        -> AskResponse
    {
        let read = results.filter { !$0.chunk.text.isEmpty }
        let answers = ranking.answers.compactMap { answer(for: $0, results: read) }
        return AskResponse(
            question: question, answerable: ranking.isAnswerable && !answers.isEmpty,
            answers: ranking.isAnswerable ? answers : [], bestCandidate: answers.first,
            noAnswer: AskResponse.NoAnswer(
                probability: ranking.noAnswer.probability, score: Double(ranking.noAnswer.score)),
            passages: results.map {
                AskResponse.Passage(
                    chunkID: $0.chunk.id, document: Self.document(of: $0.chunk), start: $0.chunk.startOffset,
                    end: $0.chunk.endOffset, score: $0.score, text: $0.chunk.text)
            },
            timings: timings)
    }

    /// A ranked span placed in its document, with its sentence.
    func answer(for ranked: RankedAnswer, results: [SearchResult]) -> AskResponse.Answer? {
        guard ranked.kind == .span, let source = ranked.sources.first, results.indices.contains(source.passageIndex)
        else { return nil }
        let chunk = results[source.passageIndex].chunk
        let inChunk = source.start..<source.end
        let sentence = SentenceBoundaries.sentence(around: inChunk, in: chunk.text, locale: chunk.language ?? "")
        let scalars = Array(chunk.text.unicodeScalars)
        let sentenceText = String(String.UnicodeScalarView(scalars[sentence]))
        return AskResponse.Answer(
            text: ranked.text, probability: ranked.probability, score: Double(ranked.score),
            document: Self.document(of: chunk), chunkID: chunk.id, start: source.documentStart,
            end: source.documentEnd,
            sentence: AskResponse.Sentence(
                text: sentenceText, start: chunk.startOffset + sentence.lowerBound,
                end: chunk.startOffset + sentence.upperBound, answerStart: source.start - sentence.lowerBound,
                answerEnd: source.end - sentence.lowerBound),
            sightings: ranked.sources.count)
    }

    static func document(of chunk: StoredChunk) -> AskResponse.Document {
        AskResponse.Document(
            path: chunk.sourcePath, key: chunk.documentKey, title: chunk.title, language: chunk.language)
    }
}
