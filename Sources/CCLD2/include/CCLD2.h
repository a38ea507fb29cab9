#ifndef CCLD2_H
#define CCLD2_H
// Compact Language Detector 2 for Swift. CLD2's API is C++ (namespaces, std::vector), so this target wraps
// the one call AskDocs uses in a C function.
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// What CLD2 found in a text.
typedef struct {
    /// The top language's code, NUL-terminated ("en", "zh", "zh-Hant", "iw", ...); "un" when unknown.
    char code[16];
    /// Percent of the text's letters in the top language (0-100).
    int32_t percent;
    /// Bytes of letters CLD2 scored.
    int32_t text_bytes;
    /// 1 when CLD2 calls the result reliable (enough text, a clear margin over the second language).
    int32_t reliable;
} ccld2_result;

/// Detects the language of `length` bytes of valid UTF-8 plain text (CLD2 does not check; a Swift String always is).
ccld2_result ccld2_detect(const char *utf8, int32_t length);

#ifdef __cplusplus
}
#endif
#endif
