/* sshkeys: see sshkeys.h. The blob checks follow RFC 4253 6.6 (ssh-rsa),
 * RFC 5656 3.1 (ecdsa-sha2-*), RFC 8709 4 (ssh-ed25519) and OpenSSH's
 * PROTOCOL.u2f (sk-*): a sequence of uint32-length-prefixed strings whose
 * first one repeats the key type, with nothing left over. */
#include "sshkeys.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sha256.h"

enum shape { S_ED25519, S_RSA, S_ECDSA, S_SK_ED25519, S_SK_ECDSA };

struct ktype {
	const char *name;
	enum shape shape;
	const char *curve; /* ECDSA curve identifier */
	size_t qlen;       /* uncompressed point length */
	int bits;
};

static const struct ktype ktypes[] = {
	{ "ssh-ed25519", S_ED25519, NULL, 0, 256 },
	{ "ssh-rsa", S_RSA, NULL, 0, 0 },
	{ "ecdsa-sha2-nistp256", S_ECDSA, "nistp256", 65, 256 },
	{ "ecdsa-sha2-nistp384", S_ECDSA, "nistp384", 97, 384 },
	{ "ecdsa-sha2-nistp521", S_ECDSA, "nistp521", 133, 521 },
	{ "sk-ssh-ed25519@openssh.com", S_SK_ED25519, NULL, 0, 256 },
	{ "sk-ecdsa-sha2-nistp256@openssh.com", S_SK_ECDSA, "nistp256", 65, 256 },
};

#define NKTYPES (sizeof(ktypes) / sizeof(ktypes[0]))
#define BLOB_MAX (SSHKEY_LINE_MAX / 4 * 3)

static const struct ktype *find_type(const char *s, size_t len)
{
	for (size_t i = 0; i < NKTYPES; i++)
		if (strlen(ktypes[i].name) == len && !memcmp(ktypes[i].name, s, len))
			return &ktypes[i];
	return NULL;
}

static int b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

long base64_decode(const char *in, size_t len, unsigned char *out, size_t cap)
{
	size_t n = 0, pad = 0;

	if (len == 0 || len % 4)
		return -1;
	if (in[len - 1] == '=')
		pad++;
	if (in[len - 2] == '=')
		pad++;
	for (size_t i = 0; i < len; i += 4) {
		int v[4];
		uint32_t w;
		size_t emit = (i + 4 == len) ? 3 - pad : 3;

		for (int j = 0; j < 4; j++) {
			v[j] = b64val((unsigned char)in[i + j]);
			/* '=' only as the trailing padding. */
			if (v[j] < 0) {
				if (in[i + j] != '=' || i + 4 != len || j < 4 - (int)pad)
					return -1;
				v[j] = 0;
			}
		}
		w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
		if (n + emit > cap)
			return -1;
		out[n++] = (unsigned char)(w >> 16);
		if (emit > 1)
			out[n++] = (unsigned char)(w >> 8);
		if (emit > 2)
			out[n++] = (unsigned char)w;
	}
	return (long)n;
}

long base64_encode_nopad(const unsigned char *in, size_t len, char *out, size_t cap)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n = 0;

	if (cap < (len * 4 + 2) / 3 + 1)
		return -1;
	for (size_t i = 0; i < len; i += 3) {
		uint32_t w = (uint32_t)in[i] << 16;
		if (i + 1 < len)
			w |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < len)
			w |= in[i + 2];
		out[n++] = tab[(w >> 18) & 63];
		out[n++] = tab[(w >> 12) & 63];
		if (i + 1 < len)
			out[n++] = tab[(w >> 6) & 63];
		if (i + 2 < len)
			out[n++] = tab[w & 63];
	}
	out[n] = '\0';
	return (long)n;
}

void sshkey_fingerprint(const unsigned char *blob, size_t len, char out[SSHKEY_FP_LEN])
{
	unsigned char d[SHA256_DIGEST_LEN];

	sha256(blob, len, d);
	memcpy(out, "SHA256:", 7);
	base64_encode_nopad(d, sizeof(d), out + 7, SSHKEY_FP_LEN - 7);
}

/* A reader over the blob: every field is bounds-checked. */
struct rd {
	const unsigned char *p;
	size_t len, off;
};

static int rd_string(struct rd *r, const unsigned char **s, size_t *slen)
{
	uint32_t n;

	if (r->len - r->off < 4)
		return -1;
	n = (uint32_t)r->p[r->off] << 24 | (uint32_t)r->p[r->off + 1] << 16 | (uint32_t)r->p[r->off + 2] << 8 |
	    r->p[r->off + 3];
	r->off += 4;
	if (n > r->len - r->off)
		return -1;
	*s = r->p + r->off;
	*slen = n;
	r->off += n;
	return 0;
}

static int rd_equals(struct rd *r, const char *want)
{
	const unsigned char *s;
	size_t n;

	return rd_string(r, &s, &n) == 0 && n == strlen(want) && !memcmp(s, want, n) ? 0 : -1;
}

/* A positive mpint (RFC 4251 5) and its size in bits. */
static int rd_mpint_bits(struct rd *r, int *bits)
{
	const unsigned char *s;
	size_t n;

	if (rd_string(r, &s, &n) < 0 || n == 0 || (s[0] & 0x80))
		return -1;
	while (n && !s[0])
		s++, n--;
	if (!n || n > 2048)
		return -1;
	*bits = (int)(n * 8);
	for (unsigned char c = s[0]; !(c & 0x80); c <<= 1)
		(*bits)--;
	return 0;
}

/* Checks the blob's structure against t; sets *bits. */
static int check_blob(const struct ktype *t, const unsigned char *blob, size_t len, int *bits, const char **why)
{
	struct rd r = { blob, len, 0 };
	const unsigned char *s;
	size_t n;
	int e_bits;

	*why = "the key data is malformed";
	if (rd_equals(&r, t->name) < 0) {
		*why = "the key data is of another type than the line says";
		return -1;
	}
	*bits = t->bits;
	switch (t->shape) {
	case S_ED25519:
	case S_SK_ED25519:
		if (rd_string(&r, &s, &n) < 0 || n != 32)
			return -1;
		break;
	case S_RSA:
		if (rd_mpint_bits(&r, &e_bits) < 0 || rd_mpint_bits(&r, bits) < 0)
			return -1;
		if (*bits < 1024) {
			*why = "an RSA key shorter than 1024 bits (sshd refuses those)";
			return -1;
		}
		break;
	case S_ECDSA:
	case S_SK_ECDSA:
		if (rd_equals(&r, t->curve) < 0 || rd_string(&r, &s, &n) < 0 || n != t->qlen || s[0] != 0x04)
			return -1;
		break;
	}
	/* FIDO keys name the relying party ("ssh:" by default). */
	if ((t->shape == S_SK_ED25519 || t->shape == S_SK_ECDSA) && (rd_string(&r, &s, &n) < 0 || n == 0))
		return -1;
	if (r.off != r.len)
		return -1;
	return 0;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* authorized_keys options that take no value (sshd(8) AUTHORIZED_KEYS
 * FILE FORMAT); the first of a comma-separated list decides. */
static int is_option_word(const char *tok, size_t len)
{
	static const char *const words[] = {
		"agent-forwarding", "cert-authority",    "no-agent-forwarding", "no-port-forwarding", "no-pty",
		"no-user-rc",       "no-X11-forwarding", "no-touch-required",   "port-forwarding",    "pty",
		"restrict",         "user-rc",           "verify-required",     "X11-forwarding"
	};
	size_t n = 0;

	while (n < len && tok[n] != ',')
		n++;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strlen(words[i]) == n && !strncasecmp(words[i], tok, n))
			return 1;
	return 0;
}

/* A fixed reason for a first word that is not a key type we accept. */
static const char *why_unknown(const char *tok, size_t toklen, const char *rest, const char *end)
{
	static const char cert[] = "-cert-v01@openssh.com";
	const char *t2;

	if (toklen == 7 && !memcmp(tok, "ssh-dss", 7))
		return "a DSA key (OpenSSH no longer accepts DSA; use ed25519)";
	if (toklen > sizeof(cert) - 1 && !memcmp(tok + toklen - (sizeof(cert) - 1), cert, sizeof(cert) - 1))
		return "a certificate (put the plain public key here)";
	/* A key type as the second word: authorized_keys options ("from=...,
	 * restrict ssh-ed25519 ...", which would need a full parser) or a
	 * known_hosts line. Naming which helps more than "unknown". */
	while (rest < end && is_space(*rest))
		rest++;
	for (t2 = rest; t2 < end && !is_space(*t2);)
		t2++;
	if (!find_type(rest, (size_t)(t2 - rest)))
		return "not an SSH public key line";
	if (memchr(tok, '=', toklen) || is_option_word(tok, toklen))
		return "options before the key type are not supported";
	return "a known_hosts line (host names before the key), not a public key";
}

void sshkey_clear(struct sshkey *k)
{
	if (k) {
		free(k->b64);
		k->b64 = NULL;
	}
}

/* Copies the comment: printable ASCII and UTF-8 bytes, control characters
 * replaced, cut at SSHKEY_COMMENT_MAX on a character boundary. */
static void copy_comment(char *dst, const char *s, const char *end)
{
	size_t n = 0;

	while (end > s && is_space(end[-1]))
		end--;
	for (; s < end && n < SSHKEY_COMMENT_MAX; s++) {
		unsigned char c = (unsigned char)*s;
		dst[n++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	if (s < end)
		while (n > 0 && ((unsigned char)dst[n - 1] & 0xc0) == 0x80)
			n--;
	if (s < end && n > 0 && ((unsigned char)dst[n - 1] & 0xc0) == 0xc0)
		n--;
	dst[n] = '\0';
}

int sshkey_parse_line(const char *line, size_t len, struct sshkey *k, const char **why)
{
	const char *p = line, *end = line + len, *tok, *b64;
	const struct ktype *t;
	unsigned char *blob = NULL;
	size_t toklen, b64len;
	long blen;
	int rc = -1;

	memset(k, 0, sizeof(*k));
	while (end > p && (end[-1] == '\r' || end[-1] == '\n' || is_space(end[-1])))
		end--;
	while (p < end && is_space(*p))
		p++;
	if (end - p > SSHKEY_LINE_MAX) {
		*why = "the line is too long for a public key";
		return -1;
	}
	for (tok = p; p < end && !is_space(*p);)
		p++;
	toklen = (size_t)(p - tok);
	t = find_type(tok, toklen);
	if (!t) {
		*why = why_unknown(tok, toklen, p, end);
		return -1;
	}
	while (p < end && is_space(*p))
		p++;
	for (b64 = p; p < end && !is_space(*p);)
		p++;
	b64len = (size_t)(p - b64);
	*why = "the key data is not valid base64";
	blob = malloc(BLOB_MAX);
	if (!blob) {
		*why = "out of memory";
		return -1;
	}
	blen = b64len ? base64_decode(b64, b64len, blob, BLOB_MAX) : -1;
	if (blen < 0)
		goto out;
	if (check_blob(t, blob, (size_t)blen, &k->bits, why) < 0)
		goto out;
	k->b64 = strndup(b64, b64len);
	if (!k->b64) {
		*why = "out of memory";
		goto out;
	}
	snprintf(k->type, sizeof(k->type), "%s", t->name);
	sshkey_fingerprint(blob, (size_t)blen, k->fp);
	while (p < end && is_space(*p))
		p++;
	copy_comment(k->comment, p, end);
	*why = NULL;
	rc = 0;
out:
	free(blob);
	return rc;
}

/* Whole-file shapes that are recognisable without parsing lines. */
static const char *why_file(const char *text, size_t len)
{
	if (memchr(text, '\0', len))
		return "binary data, not a public key file";
	/* "b3BlbnNzaC1rZXktdjE" is base64 of "openssh-key-v1": the body of an
	 * OpenSSH private key pasted without its BEGIN/END lines. */
	if (memmem(text, len, "PRIVATE KEY-----", 16) || memmem(text, len, "PuTTY-User-Key-File", 19) ||
	    memmem(text, len, "b3BlbnNzaC1rZXktdjE", 19))
		return "a PRIVATE key: it belongs to the agent; give the server the .pub file";
	if (memmem(text, len, "---- BEGIN SSH2 PUBLIC KEY ----", 31))
		return "an RFC 4716 public key; convert it with ssh-keygen -i -f FILE";
	return NULL;
}

int sshkeys_parse_text(const char *text, size_t len, struct sshkey_list *out, char *err, size_t errlen)
{
	struct sshkey_list got = { 0 };
	const char *p = text, *end = text + len, *why;
	size_t lineno = 0;
	int rc = -1;

	if ((why = why_file(text, len))) {
		snprintf(err, errlen, "%s", why);
		return -1;
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *q;
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
		struct sshkey k;

		lineno++;
		for (q = p; q < p + l && (is_space(*q) || *q == '\r');)
			q++;
		if (q < p + l && *q != '#') {
			if (sshkey_parse_line(p, l, &k, &why) < 0) {
				snprintf(err, errlen, "line %zu: %s", lineno, why);
				goto out;
			}
			if (sshkey_list_take(&got, &k) < 0) {
				sshkey_clear(&k);
				snprintf(err, errlen, "line %zu: too many keys (at most %d)", lineno, SSHKEYS_MAX);
				goto out;
			}
		}
		p += l + (nl ? 1 : 0);
	}
	if (got.n == 0) {
		snprintf(err, errlen, "no public key in it (empty or only comments)");
		goto out;
	}
	if (out->n + got.n > SSHKEYS_MAX) {
		snprintf(err, errlen, "too many keys (at most %d in all)", SSHKEYS_MAX);
		goto out;
	}
	for (size_t i = 0; i < got.n; i++)
		if (sshkey_list_take(out, &got.v[i]) < 0) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
	rc = (int)got.n;
out:
	sshkey_list_free(&got);
	return rc;
}

int sshkey_list_find(const struct sshkey_list *l, const struct sshkey *k)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].type, k->type) && !strcmp(l->v[i].b64, k->b64))
			return (int)i;
	return -1;
}

int sshkey_list_take(struct sshkey_list *l, struct sshkey *k)
{
	if (l->n >= SSHKEYS_MAX)
		return -1;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		struct sshkey *v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = *k;
	k->b64 = NULL;
	return 0;
}

void sshkey_list_free(struct sshkey_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		sshkey_clear(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

int sshkeys_check_name(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0 || n > SSHKEYS_NAME_MAX || name[0] == '-' || name[0] == '.')
		return -1;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
		      c == '-' || c == '_' || c == ':'))
			return -1;
	}
	return 0;
}

/* A growable string: every append is checked, failure sticks. */
struct sb {
	char *s;
	size_t n, cap;
	int failed;
};

static void sb_add(struct sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_add(struct sb *b, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (b->failed)
		return;
	for (;;) {
		va_start(ap, fmt);
		w = vsnprintf(b->s ? b->s + b->n : NULL, b->s ? b->cap - b->n : 0, fmt, ap);
		va_end(ap);
		if (w < 0) {
			b->failed = 1;
			return;
		}
		if (b->s && (size_t)w < b->cap - b->n) {
			b->n += (size_t)w;
			return;
		}
		{
			size_t cap = (b->cap ? b->cap * 2 : 1024) + (size_t)w;
			char *s = realloc(b->s, cap);
			if (!s) {
				b->failed = 1;
				return;
			}
			b->s = s;
			b->cap = cap;
		}
	}
}

static char *sb_done(struct sb *b)
{
	if (b->failed || !b->s) {
		free(b->s);
		return NULL;
	}
	return b->s;
}

char *sshkeys_known_hosts_text(const struct sshkey_list *hostkeys, char *const *names, size_t nnames, int port)
{
	static char *const any[] = { "*" };
	struct sb b = { 0 };

	if (nnames == 0) {
		names = any;
		nnames = 1;
	} else {
		for (size_t i = 0; i < nnames; i++)
			if (sshkeys_check_name(names[i]) < 0)
				return NULL;
	}
	sb_add(&b, "# Host keys of the restic-docker-swarm server, written by rds-server.\n"
		   "# Create the agents' restic-ssh-known-hosts secret from this file.\n");
	for (size_t i = 0; i < nnames; i++)
		for (size_t j = 0; j < hostkeys->n; j++) {
			const struct sshkey *k = &hostkeys->v[j];
			/* "*" matches "[host]:port" too, so it needs no port. */
			if (port == 22 || names == any)
				sb_add(&b, "%s %s %s\n", names[i], k->type, k->b64);
			else
				sb_add(&b, "[%s]:%d %s %s\n", names[i], port, k->type, k->b64);
		}
	return sb_done(&b);
}

int sshkeys_known_hosts_keys(const char *text, size_t len, struct sshkey_list *out)
{
	const char *p = text, *end = text + len;
	int n = 0;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p)), *q = p;
		const char *why;
		struct sshkey k;

		if (!eol)
			eol = end;
		while (q < eol && is_space(*q))
			q++;
		/* Blank, comment, and @cert-authority / @revoked lines: none
		 * of them pins a host key. */
		if (q < eol && *q != '#' && *q != '@') {
			while (q < eol && !is_space(*q)) /* the host patterns */
				q++;
			if (sshkey_parse_line(q, (size_t)(eol - q), &k, &why) == 0) {
				if (sshkey_list_find(out, &k) < 0 && sshkey_list_take(out, &k) == 0)
					n++;
				sshkey_clear(&k);
			}
		}
		p = eol + 1;
	}
	return n;
}

char *sshkeys_authorized_text(const struct sshkey_list *keys)
{
	struct sb b = { 0 };

	sb_add(&b, "# Written by rds-server from the public keys in its secrets; edits are lost on restart.\n");
	for (size_t i = 0; i < keys->n; i++) {
		const struct sshkey *k = &keys->v[i];
		sb_add(&b, "restrict %s %s%s%s\n", k->type, k->b64, k->comment[0] ? " " : "", k->comment);
	}
	return sb_done(&b);
}
