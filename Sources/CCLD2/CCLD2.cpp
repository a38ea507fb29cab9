#include "CCLD2.h"

// CLD2's header uses FILE without including <cstdio>.
#include <cstdio>
#include <cstring>

#include <cld2/public/compact_lang_det.h>

extern "C" ccld2_result ccld2_detect(const char *utf8, int32_t length) {
    ccld2_result result;
    std::memset(&result, 0, sizeof result);
    CLD2::Language language3[3];
    int percent3[3] = {0, 0, 0};
    int text_bytes = 0;
    bool reliable = false;
    // The non-extended call: only real languages, never CLD2's pseudo-languages for scripts.
    CLD2::Language top = CLD2::DetectLanguageSummary(utf8, length, /*is_plain_text=*/true, language3, percent3,
                                                     &text_bytes, &reliable);
    const char *code = CLD2::LanguageCode(top);
    std::strncpy(result.code, code ? code : "un", sizeof result.code - 1);
    result.percent = percent3[0];
    result.text_bytes = text_bytes;
    result.reliable = reliable ? 1 : 0;
    return result;
}
