import Foundation
import Tokenizers

extension ExtractiveReader {
    /// Ranking mode: reads one question over many passages, all their windows in one set of
    /// dynamically padded batches, and ranks the answers across passages with `PassageRanker`
    /// (raw-logit scores, first-class "no answer").
    ///
    /// `windowOptions` supplies `maxSeqLen` and `docStride`; its pipeline options and batch size are unused.
    public func rank(
        question: String, passages: [ReaderPassage], options: RankingOptions = RankingOptions(),
        windowOptions: ReaderOptions = ReaderOptions()
    ) throws(ReaderError) -> RankingResult {
        let ranker = try PassageRanker(options: options)
        let windows = try passageWindows(question: question, passages: passages, windowOptions: windowOptions)
        return try ranker.rank(
            zip(passages, windows).map { passage, passageWindows in
                RankingPassage(
                    documentId: passage.documentId, documentOffset: passage.documentOffset, text: passage.text,
                    windows: passageWindows)
            })
    }

    /// The reading stage of `rank`: every window of every passage through the model in one dynamically padded
    /// batch (the passages of one question are few and of similar length), grouped by passage.
    public func passageWindows(
        question: String, passages: [ReaderPassage], windowOptions: ReaderOptions = ReaderOptions()
    ) throws(ReaderError) -> [[ReaderWindow]] {
        let windowing = try self.windowing(windowOptions)
        var encodings: [[Encoding]] = []
        encodings.reserveCapacity(passages.count)
        for (index, passage) in passages.enumerated() {
            do {
                encodings.append(
                    try encode(ReaderInput(question: question, context: passage.text), windowing: windowing))
            } catch {
                throw .inputFailed(index: index, reason: error.localizedDescription)
            }
        }
        let total = encodings.reduce(0) { $0 + $1.count }
        return try readerWindows(encodings, batchSize: max(total, 1))
    }
}
