#include "CICU.h"

#include <string.h>
#include <unicode/ubrk.h>
#include <unicode/utypes.h>

struct cicu_break {
    UBreakIterator *iterator;
};

#include <stdlib.h>

cicu_break *cicu_break_open(cicu_break_kind kind, const char *locale, const uint16_t *text, int32_t length,
                            char *error, int32_t error_capacity) {
    UErrorCode status = U_ZERO_ERROR;
    UBreakIteratorType type = kind == CICU_BREAK_WORD ? UBRK_WORD : UBRK_SENTENCE;
    UBreakIterator *iterator = ubrk_open(type, locale ? locale : "", (const UChar *)text, length, &status);
    if (U_FAILURE(status) || iterator == NULL) {
        if (error && error_capacity > 0) {
            strncpy(error, u_errorName(status), (size_t)error_capacity - 1);
            error[error_capacity - 1] = 0;
        }
        if (iterator) ubrk_close(iterator);
        return NULL;
    }
    cicu_break *result = malloc(sizeof(cicu_break));
    if (!result) {
        ubrk_close(iterator);
        return NULL;
    }
    result->iterator = iterator;
    return result;
}

int32_t cicu_break_next(cicu_break *iterator) {
    int32_t next = ubrk_next(iterator->iterator);
    return next == UBRK_DONE ? -1 : next;
}

int32_t cicu_break_rule_status(cicu_break *iterator) { return ubrk_getRuleStatus(iterator->iterator); }

void cicu_break_close(cicu_break *iterator) {
    if (!iterator) return;
    ubrk_close(iterator->iterator);
    free(iterator);
}
