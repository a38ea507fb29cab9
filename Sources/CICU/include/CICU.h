#ifndef CICU_H
#define CICU_H
// ICU break iteration for Swift. ICU renames its symbols per version with macros Swift cannot import,
// so this target wraps the few calls AskDocs uses. Offsets are UTF-16 code unit indices into the text.
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// A break iterator over a UTF-16 buffer that the caller keeps alive until cicu_break_close.
typedef struct cicu_break cicu_break;

/// Kind of boundaries to find.
typedef enum { CICU_BREAK_SENTENCE = 0, CICU_BREAK_WORD = 1 } cicu_break_kind;

/// Opens an iterator; returns NULL on failure and writes ICU's error name to error (64 bytes are enough).
cicu_break *cicu_break_open(cicu_break_kind kind, const char *locale, const uint16_t *text, int32_t length,
                            char *error, int32_t error_capacity);
/// The next boundary after the current one, or -1 at the end.
int32_t cicu_break_next(cicu_break *iterator);
/// The rule status of the last boundary (word iterators: 0 for spaces and punctuation, >= 100 for words).
int32_t cicu_break_rule_status(cicu_break *iterator);
/// Closes an iterator; NULL is ignored.
void cicu_break_close(cicu_break *iterator);

#ifdef __cplusplus
}
#endif
#endif
