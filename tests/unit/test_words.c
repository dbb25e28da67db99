/* Unit tests for words_split (POSIX-like word splitting without expansion)
 * and for the NUL-separated wire form (words_pack, words_unpack). */
#include <stdlib.h>

#include "t.h"
#include "words.h"

static void expect(const char *in, const char *const *want, size_t nwant)
{
	struct strvec sv = { 0 };
	char err[256] = "";
	int rc = words_split(in, &sv, err, sizeof(err));
	int same = rc == 0 && sv.n == nwant;
	for (size_t i = 0; same && i < nwant; i++)
		same = strcmp(sv.v[i], want[i]) == 0;
	CHECK(same, "split [%s] into %zu words", in, nwant);
	if (!same) {
		printf("#   rc=%d err=%s n=%zu\n", rc, err, sv.n);
		for (size_t i = 0; i < sv.n; i++)
			printf("#   [%zu] '%s'\n", i, sv.v[i]);
	}
	strvec_free(&sv);
}

static void expect_error(const char *in, const char *needle)
{
	struct strvec sv = { 0 };
	char err[256] = "";
	int rc = words_split(in, &sv, err, sizeof(err));
	CHECK(rc < 0 && strstr(err, needle), "[%s] is rejected with \"%s\" (got \"%s\")", in, needle, err);
	strvec_free(&sv);
}

/* With WORDS_REFUSE_GLOB (hooks). */
static void expect_glob(const char *in, int refused, const char *needle)
{
	struct strvec sv = { 0 };
	char err[512] = "";
	int rc = words_split_flags(in, WORDS_REFUSE_GLOB, &sv, err, sizeof(err));

	if (refused)
		CHECK(rc < 0 && strstr(err, needle) && strstr(err, "sh -c") && !strchr(err, '\n'),
		      "glob in [%s] refused naming \"%s\" and sh -c (got \"%s\")", in, needle, err);
	else
		CHECK(rc == 0, "[%s] has no unquoted glob: accepted (got \"%s\")", in, err);
	strvec_free(&sv);
}

#define W(...) ((const char *const[]){ __VA_ARGS__ })
#define N(...) (sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(char *))
#define EXPECT(in, ...) expect(in, W(__VA_ARGS__), N(__VA_ARGS__))

/* The NUL-separated form the agent sends rds-hook on its stdin. */
static void check_wire(void)
{
	char *argv[] = { "sh", "-c", "mysqldump -p\"$(cat /run/secrets/pw)\" db", "", "last", NULL };
	char *none[] = { NULL }, *buf = NULL, err[128], *big;
	struct strvec sv = { 0 };
	size_t len = 0;

	CHECK_INT(words_pack(argv, &buf, &len, err, sizeof(err)), 0, "pack five words");
	static const char want[] = "sh\0-c\0mysqldump -p\"$(cat /run/secrets/pw)\" db\0\0last\0";
	CHECK(len == sizeof(want) - 1 && !memcmp(buf, want, len),
	      "every word ended by NUL, an empty one too (%zu bytes)", len);
	CHECK_INT(words_unpack(buf, len, &sv, err, sizeof(err)), 0, "unpack them");
	CHECK(sv.n == 5 && !strcmp(sv.v[2], argv[2]) && !strcmp(sv.v[3], "") && !strcmp(sv.v[4], "last") && !sv.v[5],
	      "the same five words back (%zu)", sv.n);
	strvec_free(&sv);
	free(buf);

	CHECK(words_pack(none, &buf, &len, err, sizeof(err)) < 0 && !buf, "no words: refused (%s)", err);
	CHECK(words_unpack("", 0, &sv, err, sizeof(err)) < 0 && sv.n == 0, "empty input: refused (%s)", err);
	CHECK(words_unpack("sh\0-c", 5, &sv, err, sizeof(err)) < 0 && sv.n == 0,
	      "last word without its NUL: refused, nothing appended (%s)", err);
	big = malloc(WORDS_WIRE_MAX + 2);
	memset(big, 'a', WORDS_WIRE_MAX + 1);
	big[WORDS_WIRE_MAX + 1] = '\0';
	CHECK(words_unpack(big, WORDS_WIRE_MAX + 2, &sv, err, sizeof(err)) < 0 && sv.n == 0,
	      "longer than WORDS_WIRE_MAX: refused (%s)", err);
	{
		char *one[] = { big, NULL };
		big[WORDS_WIRE_MAX] = '\0';
		CHECK(words_pack(one, &buf, &len, err, sizeof(err)) < 0 && !buf,
		      "a word of WORDS_WIRE_MAX bytes does not fit with its NUL: refused (%s)", err);
		big[WORDS_WIRE_MAX - 1] = '\0';
		CHECK(words_pack(one, &buf, &len, err, sizeof(err)) == 0 && len == WORDS_WIRE_MAX,
		      "exactly WORDS_WIRE_MAX bytes: packed");
		free(buf);
	}
	free(big);
}

int main(void)
{
	EXPECT("pg_dumpall -U postgres -f /dump/db.sql", "pg_dumpall", "-U", "postgres", "-f", "/dump/db.sql");
	EXPECT("  a \t b\n c  ", "a", "b", "c");
	EXPECT("sh -c 'pg_dump db | gzip > /d/x.gz'", "sh", "-c", "pg_dump db | gzip > /d/x.gz");
	EXPECT("echo \"a b\" 'c d'", "echo", "a b", "c d");
	EXPECT("echo \"say \\\"hi\\\" \\$HOME \\n\"", "echo", "say \"hi\" $HOME \\n");
	EXPECT("echo a\\ b", "echo", "a b");
	EXPECT("echo ''", "echo", "");
	EXPECT("echo \"\"x", "echo", "x");
	EXPECT("a'b'\"c\"d", "abcd");
	EXPECT("echo '$HOME' \"*\" \\*", "echo", "$HOME", "*", "*");
	EXPECT("rm -f /tmp/x\\\n /y", "rm", "-f", "/tmp/x", "/y");
	{
		struct strvec sv = { 0 };
		char err[64];
		CHECK(words_split("   ", &sv, err, sizeof(err)) == 0 && sv.n == 0, "blank string gives no words");
		strvec_free(&sv);
	}
	expect_error("echo 'abc", "unterminated single quote");
	expect_error("echo \"abc", "unterminated double quote");
	expect_error("echo abc\\", "trailing backslash");
	expect_error("pg_dump db | gzip", "sh -c");
	expect_error("a; b", "';'");
	expect_error("echo $HOME", "'$'");
	expect_error("cat < x", "'<'");
	check_wire();


	/* Globs: words_split (EXTRA_ARGS) keeps them literal... */
	EXPECT("-e --exclude=*.tmp -e --exclude=/a/?/[ab]", "-e", "--exclude=*.tmp", "-e", "--exclude=/a/?/[ab]");
	/* ...WORDS_REFUSE_GLOB (hooks) refuses the unquoted ones. */
	expect_glob("rm -f /dump/*.sql", 1, "'/dump/*.sql'");
	expect_glob("rm -f /dump/*.sql", 1, "'*'");
	expect_glob("ls /dump/db?.sql", 1, "'/dump/db?.sql'");
	expect_glob("ls /dump/db[12].sql", 1, "'/dump/db[12].sql'");
	expect_glob("ls /dump/db[12].sql", 1, "'['");
	expect_glob("echo a \"b\"*c", 1, "'b*c'");
	expect_glob("echo 'a\nb'*", 1, "'a\\x0ab*'");
	expect_glob("rm -f '/dump/*.sql'", 0, NULL);
	expect_glob("rm -f \"/dump/*.sql\"", 0, NULL);
	expect_glob("rm -f /dump/\\*.sql /x/\\? /y/\\[a]", 0, NULL);
	expect_glob("sh -c 'rm -f /dump/*.sql'", 0, NULL);
	expect_glob("[ -f /dump/x ]", 0, NULL);
	expect_glob("echo a[", 0, NULL);
	expect_glob("echo ']'[", 0, NULL);
	expect_glob("pg_dumpall -U postgres -f /dump/db.sql", 0, NULL);
	{
		struct strvec sv = { 0 };
		char err[256] = "";
		int rc = words_split_flags("rm -f '/d/*.sql' x", WORDS_REFUSE_GLOB, &sv, err, sizeof(err));
		CHECK(rc == 0 && sv.n == 4 && !strcmp(sv.v[2], "/d/*.sql"), "a quoted glob stays literal in argv");
		strvec_free(&sv);
	}
	return T_DONE();
}
