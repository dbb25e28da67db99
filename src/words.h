/* words: split a command string into argv the way a POSIX shell splits words
 * (single quotes, double quotes, backslash escapes), without any expansion.
 * Used for PRE_HOOK/POST_HOOK and EXTRA_ARGS, which are exec'd as argv. */
#ifndef RDS_WORDS_H
#define RDS_WORDS_H
#include <stddef.h>

#include "util.h"

/* Appends the words of s to out. Returns 0, or -1 with a one-line reason in
 * err (unterminated quote, trailing backslash, out of memory). Characters
 * that a shell would treat as operators (| ; & < > ( ) $ `) are rejected
 * outside quotes so that "a | b" is not silently passed as argv: use
 * sh -c '...' for pipelines. */
int words_split(const char *s, struct strvec *out, char *err, size_t errlen);

#endif
