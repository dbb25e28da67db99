/* Unit tests for sshkeys: real keys recorded with ssh-keygen (fingerprints
 * compared with `ssh-keygen -lf`), every kind of file that is not a public key
 * (a private key's content never in the reason), base64, host names, and the
 * known_hosts and authorized_keys text. Run from the repository root. */
#include <stdlib.h>

#include "sshkeys.h"
#include "t.h"
#include "util.h"

#define DATA "tests/data/sshkeys/"

static char *load(const char *name, size_t *len)
{
	char path[256], *buf = NULL;

	snprintf(path, sizeof(path), DATA "%s", name);
	if (read_file_bounded(path, 1 << 20, &buf, len) < 0) {
		printf("# cannot read %s\n", path);
		exit(1);
	}
	return buf;
}

/* Every line of fingerprints.txt: "FILE BITS SHA256:... COMMENT (TYPE)". */
static void check_recorded(void)
{
	size_t len;
	char *fps = load("fingerprints.txt", &len), *save = NULL;

	for (char *line = strtok_r(fps, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char file[64], fp[64], *comment, *paren;
		int bits, off = 0;
		struct sshkey_list l = { 0 };
		char err[256] = "";
		size_t klen;
		char *text;

		if (sscanf(line, "%63s %d %63s %n", file, &bits, fp, &off) != 3)
			continue;
		comment = line + off;
		paren = strrchr(comment, '(');
		if (paren)
			paren[-1] = '\0';
		text = load(file, &klen);
		CHECK_INT(sshkeys_parse_text(text, klen, &l, err, sizeof(err)), 1, "%s parses as one key (%s)", file,
			  err);
		if (l.n == 1) {
			CHECK_STR(l.v[0].fp, fp, "%s: fingerprint is ssh-keygen's", file);
			CHECK_INT(l.v[0].bits, bits, "%s: %d bits", file, bits);
			CHECK_STR(l.v[0].comment, comment, "%s: comment", file);
			CHECK(!strncmp(text, l.v[0].type, strlen(l.v[0].type)), "%s: type %s", file, l.v[0].type);
		}
		sshkey_list_free(&l);
		free(text);
	}
	free(fps);
}

static void expect_reject(const char *file, const char *needle)
{
	struct sshkey_list l = { 0 };
	char err[256] = "";
	size_t len;
	char *text = load(file, &len);
	int r = sshkeys_parse_text(text, len, &l, err, sizeof(err));

	CHECK(r < 0 && strstr(err, needle), "%s is refused: '%s'", file, r < 0 ? err : "accepted");
	CHECK(l.n == 0, "%s: nothing added", file);
	sshkey_list_free(&l);
	free(text);
}

/* No word of 5 or more characters from the file's content may appear in
 * the reason (the "-----BEGIN ... PRIVATE KEY-----" armor lines are not
 * secret and are left out). */
static void expect_secret_not_echoed(const char *file)
{
	struct sshkey_list l = { 0 };
	char err[256] = "", *save = NULL, *wsave = NULL;
	size_t len;
	char *text = load(file, &len), *copy = strdup(text);
	int leaked = 0;

	sshkeys_parse_text(text, len, &l, err, sizeof(err));
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "-----", 5))
			continue;
		for (char *w = strtok_r(line, " ", &wsave); w; w = strtok_r(NULL, " ", &wsave))
			if (strlen(w) >= 5 && strstr(err, w))
				leaked = 1;
	}
	CHECK(!leaked, "%s: the reason '%s' holds none of its words", file, err);
	sshkey_list_free(&l);
	free(copy);
	free(text);
}

static void check_base64(void)
{
	unsigned char out[16];
	char enc[16];

	CHECK_INT(base64_decode("Zg==", 4, out, sizeof(out)), 1, "base64 'Zg==' is 1 byte");
	CHECK_INT(base64_decode("Zm8=", 4, out, sizeof(out)), 2, "base64 'Zm8=' is 2 bytes");
	CHECK(base64_decode("Zm9v", 4, out, sizeof(out)) == 3 && !memcmp(out, "foo", 3), "base64 'Zm9v' is foo");
	CHECK_INT(base64_decode("Zm9vYmFy", 8, out, sizeof(out)), 6, "base64 'Zm9vYmFy' is 6 bytes");
	CHECK_INT(base64_decode("", 0, out, sizeof(out)), -1, "empty base64 refused");
	CHECK_INT(base64_decode("Zg=", 3, out, sizeof(out)), -1, "length not a multiple of 4 refused");
	CHECK_INT(base64_decode("Z===", 4, out, sizeof(out)), -1, "three padding characters refused");
	CHECK_INT(base64_decode("Zg==Zm9v", 8, out, sizeof(out)), -1, "padding in the middle refused");
	CHECK_INT(base64_decode("Zm=v", 4, out, sizeof(out)), -1, "'=' before data refused");
	CHECK_INT(base64_decode("Zm9@", 4, out, sizeof(out)), -1, "a character outside the alphabet refused");
	CHECK_INT(base64_decode("Zm9vYmFy", 8, out, 5), -1, "output larger than the buffer refused");
	base64_encode_nopad((const unsigned char *)"f", 1, enc, sizeof(enc));
	CHECK_STR(enc, "Zg", "encode 'f' without padding");
	base64_encode_nopad((const unsigned char *)"fo", 2, enc, sizeof(enc));
	CHECK_STR(enc, "Zm8", "encode 'fo' without padding");
	base64_encode_nopad((const unsigned char *)"foob", 4, enc, sizeof(enc));
	CHECK_STR(enc, "Zm9vYg", "encode 'foob' without padding");
	CHECK_INT(base64_encode_nopad((const unsigned char *)"foobar", 6, enc, 8), -1, "encode refuses a short buffer");
}

static void check_lines(void)
{
	struct sshkey k;
	const char *why;
	size_t len;
	char *ed = load("ed25519.pub", &len), line[1024], *blob, longc[600];

	ed[len - 1] = '\0';
	blob = strchr(ed, ' ') + 1;
	*strchr(blob, ' ') = '\0';

	snprintf(line, sizeof(line), "  ssh-ed25519 %s\t", blob);
	CHECK(sshkey_parse_line(line, strlen(line), &k, &why) == 0 && !k.comment[0], "no comment, surrounding blanks");
	sshkey_clear(&k);
	snprintf(line, sizeof(line), "ssh-ed25519 %s bell\a and\ttab ", blob);
	CHECK(sshkey_parse_line(line, strlen(line), &k, &why) == 0 && !strcmp(k.comment, "bell? and?tab"),
	      "control characters in a comment are replaced ('%s')", k.comment);
	sshkey_clear(&k);
	memset(longc, 0, sizeof(longc));
	for (int i = 0; i < 199; i++)
		longc[i] = 'x';
	strcat(longc, "\xc3\xa4\xc3\xa4 tail");
	snprintf(line, sizeof(line), "ssh-ed25519 %s %s", blob, longc);
	CHECK(sshkey_parse_line(line, strlen(line), &k, &why) == 0 && strlen(k.comment) == 199,
	      "a long comment is cut before a split UTF-8 character (%zu bytes)", strlen(k.comment));
	sshkey_clear(&k);
	snprintf(line, sizeof(line), "ssh-ed25519");
	CHECK(sshkey_parse_line(line, strlen(line), &k, &why) < 0 && strstr(why, "base64"), "type without data: %s",
	      why);
	snprintf(line, sizeof(line), "ssh-ed25519 %s", blob);
	CHECK(sshkey_parse_line(line, 20, &k, &why) < 0, "the length argument bounds the line");
	{
		char *huge = malloc(SSHKEY_LINE_MAX + 100);
		memset(huge, 'A', SSHKEY_LINE_MAX + 99);
		memcpy(huge, "ssh-rsa ", 8);
		huge[SSHKEY_LINE_MAX + 99] = '\0';
		CHECK(sshkey_parse_line(huge, strlen(huge), &k, &why) < 0 && strstr(why, "too long"),
		      "an overlong line: %s", why);
		free(huge);
	}
	free(ed);
}

static void check_texts(void)
{
	struct sshkey_list l = { 0 };
	char err[256] = "", *kh, *ak;
	size_t len;
	char *ed = load("ed25519.pub", &len), *ec;
	char *names[] = { "backup-server", "10.0.0.5" };
	char *bad[] = { "a b" };

	sshkeys_parse_text(ed, len, &l, err, sizeof(err));
	free(ed);
	ec = load("ecdsa256.pub", &len);
	sshkeys_parse_text(ec, len, &l, err, sizeof(err));
	free(ec);
	CHECK_INT(l.n, 2, "two host keys loaded");
	kh = sshkeys_known_hosts_text(&l, names, 2, 2222);
	CHECK(kh && strstr(kh, "\n[backup-server]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA") &&
		      strstr(kh, "\n[backup-server]:2222 ecdsa-sha2-nistp256 AAAA") &&
		      strstr(kh, "\n[10.0.0.5]:2222 ssh-ed25519 ") &&
		      strstr(kh, "\n[10.0.0.5]:2222 ecdsa-sha2-nistp256 "),
	      "known_hosts: [name]:port for every name and key");
	CHECK(kh && !strstr(kh, "agent@node1"), "known_hosts lines carry no comment");
	{
		int lines = 0;
		for (const char *p = kh; p && *p; p++)
			lines += *p == '\n';
		CHECK_INT(lines, 2 + 4, "known_hosts: 2 comment lines and 2 x 2 key lines");
	}
	free(kh);
	kh = sshkeys_known_hosts_text(&l, names, 1, 22);
	CHECK(kh && strstr(kh, "\nbackup-server ssh-ed25519 ") && !strchr(kh, '['), "port 22: plain name");
	free(kh);
	kh = sshkeys_known_hosts_text(&l, NULL, 0, 2222);
	CHECK(kh && strstr(kh, "\n* ssh-ed25519 ") && strstr(kh, "\n* ecdsa-sha2-nistp256 "),
	      "no names: the pattern '*'");
	free(kh);
	CHECK(sshkeys_known_hosts_text(&l, bad, 1, 2222) == NULL, "a bad name yields no text");
	ak = sshkeys_authorized_text(&l);
	CHECK(ak && strstr(ak, "\nrestrict ssh-ed25519 AAAA") && strstr(ak, " agent@node1\n") &&
		      strstr(ak, "\nrestrict ecdsa-sha2-nistp256 AAAA"),
	      "authorized_keys: 'restrict TYPE BLOB COMMENT' per key");
	free(ak);
	{
		struct sshkey dup = l.v[1];
		CHECK_INT(sshkey_list_find(&l, &dup), 1, "a key is found in the list by its blob");
	}
	sshkey_list_free(&l);
}

static void check_names(void)
{
	char long_name[300];

	CHECK_INT(sshkeys_check_name("backup-server"), 0, "name: backup-server");
	CHECK_INT(sshkeys_check_name("stack_server.example.org"), 0, "name: stack_server.example.org");
	CHECK_INT(sshkeys_check_name("10.0.0.5"), 0, "name: an IPv4 address");
	CHECK_INT(sshkeys_check_name("fe80::1"), 0, "name: an IPv6 address");
	CHECK_INT(sshkeys_check_name(""), -1, "name: empty refused");
	CHECK_INT(sshkeys_check_name("-oProxyCommand"), -1, "name: leading '-' refused");
	CHECK_INT(sshkeys_check_name(".hidden"), -1, "name: leading '.' refused");
	CHECK_INT(sshkeys_check_name("a b"), -1, "name: space refused");
	CHECK_INT(sshkeys_check_name("a,b"), -1, "name: comma refused (it would be two patterns)");
	CHECK_INT(sshkeys_check_name("*.example.org"), -1, "name: wildcard refused");
	CHECK_INT(sshkeys_check_name("[a]:22"), -1, "name: brackets refused");
	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[254] = '\0';
	CHECK_INT(sshkeys_check_name(long_name), -1, "name: 254 characters refused");
	long_name[253] = '\0';
	CHECK_INT(sshkeys_check_name(long_name), 0, "name: 253 characters accepted");
}

int main(void)
{
	struct sshkey_list l = { 0 };
	char err[256] = "";
	size_t len;
	char *text;

	check_recorded();

	text = load("multi.pub", &len);
	CHECK_INT(sshkeys_parse_text(text, len, &l, err, sizeof(err)), 2,
		  "multi.pub: comment, blank line, CRLF: 2 keys (%s)", err);
	CHECK(l.n == 2 && !strcmp(l.v[0].comment, "agent@node1") && !strcmp(l.v[1].comment, "ecdsa256"),
	      "multi.pub: the CR is not part of the comments");
	free(text);

	expect_reject("id_throwaway", "PRIVATE key");
	expect_secret_not_echoed("id_throwaway");
	expect_reject("password.txt", "line 1: not an SSH public key line");
	expect_secret_not_echoed("password.txt");
	expect_reject("known_hosts", "line 1: a known_hosts line");
	expect_reject("options.pub", "line 1: options before the key type are not supported");
	expect_reject("cert.pub", "certificate");
	expect_reject("dsa.pub", "DSA");
	expect_reject("rfc4716.pub", "RFC 4716");
	expect_reject("mismatch.pub", "another type");
	expect_reject("badb64.pub", "base64");
	expect_reject("trailing.pub", "malformed");
	expect_reject("rsa768.pub", "shorter than 1024 bits");
	expect_reject("empty.pub", "no public key");
	CHECK(sshkeys_parse_text("ssh-ed25519 \0AAAA", 17, &l, err, sizeof(err)) < 0 && strstr(err, "binary"),
	      "binary data refused: %s", err);
	{
		/* One good line does not carry a bad one. */
		size_t elen;
		char *ed = load("ed25519.pub", &elen), mixed[512];
		snprintf(mixed, sizeof(mixed), "%shunter2\n", ed);
		CHECK(sshkeys_parse_text(mixed, strlen(mixed), &l, err, sizeof(err)) < 0 && strstr(err, "line 2:") &&
			      !strstr(err, "hunter2"),
		      "a file with one good and one bad line is refused as a whole: %s", err);
		CHECK_INT(l.n, 2, "the list is unchanged after a refused file");
		free(ed);
	}
	{
		/* An OpenSSH private key pasted without its BEGIN/END lines. */
		size_t plen;
		char *priv = load("id_throwaway", &plen), *body = strchr(priv, '\n') + 1,
		     *end = strstr(body, "-----END");
		CHECK(end && sshkeys_parse_text(body, (size_t)(end - body), &l, err, sizeof(err)) < 0 &&
			      strstr(err, "PRIVATE key"),
		      "a private key body without its armor lines is named a private key: %s", err);
		free(priv);
	}
	sshkey_list_free(&l);
	{
		/* The keys a known_hosts pins: patterns skipped, duplicates
		 * dropped, markers, comments and junk ignored. */
		size_t elen;
		char *ed = load("ed25519.pub", &elen), kh[2048];
		snprintf(kh, sizeof(kh),
			 "# comment\n\n[a]:2222 %s[b]:2222 %s@revoked * ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB\n"
			 "garbage line\nhost ssh-ed25519 notbase64\n",
			 ed, ed);
		CHECK_INT(sshkeys_known_hosts_keys(kh, strlen(kh), &l), 1, "known_hosts: one key pinned twice is one");
		CHECK(l.n == 1 && !strcmp(l.v[0].fp, "SHA256:Eb9AO+Kp/FOhNx2HEVprediZlhtGB9vr3xYoKTMj8V0"),
		      "known_hosts: its fingerprint");
		CHECK_INT(sshkeys_known_hosts_keys(kh, strlen(kh), &l), 0, "known_hosts: nothing new the second time");
		sshkey_list_free(&l);
		text = load("known_hosts", &len);
		CHECK(sshkeys_known_hosts_keys(text, len, &l) == 1 &&
			      !strcmp(l.v[0].fp, "SHA256:Eb9AO+Kp/FOhNx2HEVprediZlhtGB9vr3xYoKTMj8V0"),
		      "the recorded known_hosts pins ed25519.pub's key");
		free(text);
		free(ed);
	}
	sshkey_list_free(&l);

	check_base64();
	check_lines();
	check_texts();
	check_names();
	return T_DONE();
}
