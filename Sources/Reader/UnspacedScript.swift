import Foundation

/// Scripts written without spaces between words, where a whitespace "word" can be a whole sentence.
///
/// Ranges come from the Unicode Scripts data for Han (with its iteration marks and the ideographic
/// number zero), Hiragana, Katakana (with the prolonged sound mark and half-width forms), Thai, Lao,
/// Khmer, Myanmar and Tibetan.
enum UnspacedScript {
    /// Whether `scalar` belongs to a script that does not separate words with spaces.
    static func contains(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x0E00...0x0E7F,  // Thai
            0x0E80...0x0EFF,  // Lao
            0x0F00...0x0FFF,  // Tibetan
            0x1000...0x109F, 0xA9E0...0xA9FF, 0xAA60...0xAA7F,  // Myanmar
            0x1780...0x17FF, 0x19E0...0x19FF,  // Khmer
            0x2E80...0x2FDF, 0x3005...0x3007, 0x3021...0x3029, 0x3038...0x303B,  // Han radicals, marks
            0x3040...0x309F,  // Hiragana
            0x30A0...0x30FF, 0x31F0...0x31FF, 0xFF66...0xFF9F,  // Katakana
            0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF,  // Han
            0x20000...0x323AF:  // Han, supplementary planes
            return true
        default:
            return false
        }
    }
}
