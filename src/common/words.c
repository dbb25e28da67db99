/* words: see words.h. Quoting follows POSIX 2.2: inside '' everything is
 * literal; inside "" a backslash escapes only $ ` " \ and newline. */
#include "words.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

#define WORDS_MAX_LEN 65536

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

static int is_operator(char c)
{
	return strchr("|;&<>()$`", c) != NULL;
}

int words_split(const char *s, struct strvec *out, char *err, size_t errlen)
{
	return words_split_flags(s, 0, out, err, errlen);
}

int words_split_flags(const char *s, unsigned flags, struct strvec *out, char *err, size_t errlen)
{
	size_t len = strlen(s), n = 0;
	char *word = NULL;
	int in_word = 0, rc = -1;
	/* Unquoted pattern characters of the current word: the first '*' or
	 * '?', and whether an unquoted '[' was seen (a later ']' makes it a
	 * bracket expression). */
	char glob = 0;
	int bracket = 0;

	if (len > WORDS_MAX_LEN) {
		snprintf(err, errlen, "command is %zu bytes long; the limit is %d", len, WORDS_MAX_LEN);
		return -1;
	}
	word = malloc(len + 1);
	if (!word) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i <= len; i++) {
		char c = s[i];

		if (c == '\0' || is_blank(c)) {
			if (in_word) {
				word[n] = '\0';
				if (glob && (flags & WORDS_REFUSE_GLOB)) {
					char shown[104];
					utf8_copy(shown, sizeof(shown), word, n, UTF8_ESCAPE_CTL);
					snprintf(
						err, errlen,
						"the word '%s' has an unquoted '%c', which a shell would expand to "
						"file names but argv passes literally; wrap the command in sh -c '...' "
						"to expand it, or quote it to mean it literally",
						shown, glob);
					goto out;
				}
				if (strvec_push(out, word) < 0) {
					snprintf(err, errlen, "out of memory");
					goto out;
				}
				n = 0;
				in_word = 0;
			}
			glob = 0;
			bracket = 0;
			continue;
		}
		in_word = 1;
		if (c == '\'') {
			const char *end = strchr(s + i + 1, '\'');
			if (!end) {
				snprintf(err, errlen, "unterminated single quote at offset %zu", i);
				goto out;
			}
			size_t k = (size_t)(end - (s + i + 1));
			memcpy(word + n, s + i + 1, k);
			n += k;
			i = (size_t)(end - s);
		} else if (c == '"') {
			size_t j = i + 1;
			for (; s[j] && s[j] != '"'; j++) {
				if (s[j] == '\\' && s[j + 1] && strchr("$`\"\\\n", s[j + 1])) {
					j++;
					if (s[j] == '\n')
						continue; /* line continuation */
				}
				word[n++] = s[j];
			}
			if (!s[j]) {
				snprintf(err, errlen, "unterminated double quote at offset %zu", i);
				goto out;
			}
			i = j;
		} else if (c == '\\') {
			if (!s[i + 1]) {
				snprintf(err, errlen, "trailing backslash");
				goto out;
			}
			i++;
			if (s[i] != '\n')
				word[n++] = s[i];
			else if (n == 0)
				in_word = 0;
		} else if (is_operator(c)) {
			snprintf(err, errlen,
				 "'%c' at offset %zu would need a shell; quote it, or wrap the command in sh -c '...'",
				 c, i);
			goto out;
		} else {
			if (!glob && (c == '*' || c == '?'))
				glob = c;
			else if (c == '[')
				bracket = 1;
			else if (c == ']' && bracket && !glob)
				glob = '[';
			word[n++] = c;
		}
	}
	rc = 0;
out:
	free(word);
	return rc;
}

int words_pack(char *const *argv, char **out, size_t *len, char *err, size_t errlen)
{
	size_t n = 0, off = 0;
	char *buf;

	*out = NULL;
	*len = 0;
	if (!argv || !argv[0]) {
		snprintf(err, errlen, "no words to pack");
		return -1;
	}
	for (char *const *w = argv; *w; w++) {
		n += strlen(*w) + 1;
		if (n > WORDS_WIRE_MAX) {
			snprintf(err, errlen, "the command is longer than %d bytes", WORDS_WIRE_MAX);
			return -1;
		}
	}
	if (!(buf = malloc(n))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (char *const *w = argv; *w; w++) {
		size_t l = strlen(*w) + 1;
		memcpy(buf + off, *w, l);
		off += l;
	}
	*out = buf;
	*len = n;
	return 0;
}

int words_unpack(const char *buf, size_t len, struct strvec *out, char *err, size_t errlen)
{
	size_t n0 = out->n;

	if (len == 0) {
		snprintf(err, errlen, "no words");
		return -1;
	}
	if (len > WORDS_WIRE_MAX) {
		snprintf(err, errlen, "the words are longer than %d bytes", WORDS_WIRE_MAX);
		return -1;
	}
	if (buf[len - 1] != '\0') {
		snprintf(err, errlen, "the last word is not ended by a NUL byte");
		return -1;
	}
	for (size_t off = 0; off < len; off += strlen(buf + off) + 1) {
		if (strvec_push(out, buf + off) < 0) {
			while (out->n > n0)
				free(out->v[--out->n]);
			if (out->v)
				out->v[out->n] = NULL;
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	return 0;
}
