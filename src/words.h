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
 * sh -c '...' for pipelines. Glob characters are kept literally (see
 * WORDS_REFUSE_GLOB). On an error out may hold the words before it. */
int words_split(const char *s, struct strvec *out, char *err, size_t errlen);

/* words_split_flags flags.
 * WORDS_REFUSE_GLOB: refuse a word with an unquoted '*' or '?', or an
 *   unquoted '[' with an unquoted ']' after it in the same word: a shell
 *   would expand it as a file name pattern, argv passes it literally. The
 *   reason names the word and suggests sh -c. Quoted or backslash-escaped
 *   ones stay literal and pass. */
#define WORDS_REFUSE_GLOB 1u

/* words_split with flags (0 is words_split). */
int words_split_flags(const char *s, unsigned flags, struct strvec *out, char *err, size_t errlen);

#endif
