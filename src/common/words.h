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

/* The wire form of an argv: every word followed by one NUL byte ("sh\0-c\0x\0").
 * The agent hands a hook to rds-hook this way on its stdin, so the hook's
 * words (a password, say) are not in rds-hook's /proc/PID/cmdline. A word
 * holding a NUL cannot occur: argv strings end at the first. */
#define WORDS_WIRE_MAX 65536

/* Packs argv (at least one word) into a new buffer *out (owned by the
 * caller) of *len bytes. Returns 0, or -1 with err set: no words, out of
 * memory, or longer than WORDS_WIRE_MAX. */
int words_pack(char *const *argv, char **out, size_t *len, char *err, size_t errlen);

/* Appends each word of buf[0..len) to out. Returns 0, or -1 with err set:
 * empty, longer than WORDS_WIRE_MAX, the last word not ended by NUL, or out
 * of memory. */
int words_unpack(const char *buf, size_t len, struct strvec *out, char *err, size_t errlen);

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
