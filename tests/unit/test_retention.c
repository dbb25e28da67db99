/* Unit tests for src/agent/retention.c: FORGET_KEEP_* values read, refused with
 * a message naming the variable, and described for the log. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fakeenv.h"
#include "retention.h"
#include "t.h"
#include "utf8.h"

static const char *get(const char *name, void *ud)
{
	(void)ud;
	return fake_getenv(name);
}

static int parse(struct retention *r, char *err, size_t len)
{
	return retention_parse(r, get, NULL, err, len);
}

static void test_unset(void)
{
	struct retention r;
	char err[256] = "x", d[128];

	env_reset();
	CHECK_INT(parse(&r, err, sizeof(err)), 0, "nothing set is fine");
	CHECK(!retention_is_set(&r), "nothing set: no policy (nothing is forgotten)");
	CHECK_STR(err, "", "no message");
	retention_describe(&r, d, sizeof(d));
	CHECK_STR(d, "keep every snapshot (no FORGET_KEEP_* set)", "described");
	retention_free(&r);

	setv("FORGET_KEEP_DAILY", "");
	setv("FORGET_KEEP_TAG", "");
	CHECK_INT(parse(&r, err, sizeof(err)), 0, "empty values are not set");
	CHECK(!retention_is_set(&r), "empty values: no policy");
	retention_free(&r);
	CHECK(!retention_is_set(NULL), "NULL: no policy");
	retention_free(NULL);
}

static void test_full(void)
{
	struct retention r;
	char err[256], d[256], w[32];

	env_reset();
	setv("FORGET_KEEP_LAST", "3");
	setv("FORGET_KEEP_HOURLY", "24");
	setv("FORGET_KEEP_DAILY", "7");
	setv("FORGET_KEEP_WEEKLY", "5");
	setv("FORGET_KEEP_MONTHLY", "12");
	setv("FORGET_KEEP_YEARLY", "100000");
	setv("FORGET_KEEP_WITHIN", "1y2m7d3h");
	setv("FORGET_KEEP_TAG", " keep , monthly-archive ");
	CHECK_INT(parse(&r, err, sizeof(err)), 0, "every variable set parses (%s)", err);
	CHECK(r.last == 3 && r.hourly == 24 && r.daily == 7 && r.weekly == 5 && r.monthly == 12 && r.yearly == 100000,
	      "counts read");
	CHECK(r.within_years == 1 && r.within_months == 2 && r.within_days == 7 && r.within_hours == 3, "within read");
	CHECK_INT(r.keep_tags.n, 2, "two tags");
	CHECK_STR(r.keep_tags.n > 1 ? r.keep_tags.v[1] : NULL, "monthly-archive", "spaces around a tag dropped");
	CHECK(retention_is_set(&r), "a policy");
	retention_within_text(&r, w, sizeof(w));
	CHECK_STR(w, "1y2m7d3h", "within text");
	retention_describe(&r, d, sizeof(d));
	CHECK_STR(d,
		  "keep last 3, hourly 24, daily 7, weekly 5, monthly 12, yearly 100000; within 1y2m7d3h; "
		  "tags keep,monthly-archive (all of them)",
		  "described");
	retention_free(&r);
	CHECK(r.keep_tags.n == 0 && r.keep_tags.v == NULL && r.last == 0, "free empties");

	env_reset();
	setv("FORGET_KEEP_LAST", "3");
	setv("FORGET_KEEP_DAILY", "7");
	setv("FORGET_KEEP_WEEKLY", "5");
	setv("FORGET_KEEP_WITHIN", "1y");
	setv("FORGET_KEEP_TAG", "x");
	CHECK_INT(parse(&r, err, sizeof(err)), 0, "the example policy parses");
	retention_describe(&r, d, sizeof(d));
	CHECK_STR(d, "keep last 3, daily 7, weekly 5; within 1y; tags x", "the example's description");
	retention_free(&r);

	env_reset();
	setv("FORGET_KEEP_WITHIN", "7d1y");
	CHECK_INT(parse(&r, err, sizeof(err)), 0, "within alone, units in any order");
	retention_within_text(&r, w, sizeof(w));
	CHECK_STR(w, "1y7d", "within text in restic's unit order");
	retention_describe(&r, d, sizeof(d));
	CHECK_STR(d, "keep within 1y7d", "within alone described");
	retention_free(&r);

	env_reset();
	setv("FORGET_KEEP_WITHIN", "30d");
	setv("FORGET_KEEP_TAG", "keep");
	CHECK_INT(parse(&r, err, sizeof(err)), 0, "a tag with a within (no count) is a policy");
	retention_describe(&r, d, sizeof(d));
	CHECK_STR(d, "keep within 30d; tags keep", "described");
	retention_free(&r);

	env_reset();
	setv("FORGET_KEEP_LAST", "0");
	setv("FORGET_KEEP_MONTHLY", "007");
	setv("FORGET_KEEP_WITHIN", "0d");
	CHECK_INT(parse(&r, err, sizeof(err)), 0, "zeros next to a count above 0");
	CHECK(r.last == 0 && r.monthly == 7, "leading zeros are decimal");
	retention_within_text(&r, w, sizeof(w));
	CHECK_STR(w, "", "a within of zeros is no within");
	retention_describe(&r, d, sizeof(d));
	CHECK_STR(d, "keep monthly 7", "only the rules used are described");
	retention_free(&r);
}

/* Each refusal: one line that names the variable and shows the value. */
static void refused(const char *var, const char *val, const char *want, const char *what)
{
	struct retention r;
	char err[512] = "";
	int rc;

	env_reset();
	setv("FORGET_KEEP_DAILY", "7");
	setv(var, val);
	rc = parse(&r, err, sizeof(err));
	CHECK_INT(rc, -EINVAL, "%s: refused", what);
	CHECK(strstr(err, var) != NULL, "%s: the message names %s: %s", what, var, err);
	CHECK(strstr(err, want) != NULL, "%s: the message says '%s'", what, want);
	CHECK(!strchr(err, '\n') && utf8_valid(err, strlen(err)), "%s: one line of UTF-8", what);
	CHECK(r.keep_tags.n == 0 && !retention_is_set(&r), "%s: r left empty", what);
	retention_free(&r);
}

static void test_refused(void)
{
	refused("FORGET_KEEP_LAST", "-1", "'-1' is not a count: use a whole number from 0 to 100000", "negative");
	refused("FORGET_KEEP_HOURLY", "abc", "'abc' is not a count", "not a number");
	refused("FORGET_KEEP_WEEKLY", "+5", "'+5' is not a count", "a sign");
	refused("FORGET_KEEP_MONTHLY", " 5", "' 5' is not a count", "a space");
	refused("FORGET_KEEP_YEARLY", "100001", "'100001' is not a count", "too large");
	refused("FORGET_KEEP_YEARLY", "99999999999999999999999", "is not a count", "overflow");
	refused("FORGET_KEEP_DAILY", "unlimited", "'unlimited' is not a count", "restic 0.17's unlimited");
	refused("FORGET_KEEP_DAILY", "1.5", "'1.5' is not a count", "a fraction");
	refused("FORGET_KEEP_WITHIN", "1w", "'1w' is not a restic duration: use one or more NUMBER+UNIT, units y, m, d, h",
		"a unit restic lacks");
	refused("FORGET_KEEP_WITHIN", "1y2m7d3h4", "e.g. 1y2m7d3h", "a number without unit");
	refused("FORGET_KEEP_WITHIN", "d", "is not a restic duration", "a unit without number");
	refused("FORGET_KEEP_WITHIN", "-1d", "is not a restic duration", "negative");
	refused("FORGET_KEEP_WITHIN", "1d2d", "each at most once", "a unit twice");
	refused("FORGET_KEEP_WITHIN", "1D", "is not a restic duration", "upper case");
	refused("FORGET_KEEP_WITHIN", "1y 2m", "is not a restic duration", "a space");
	refused("FORGET_KEEP_WITHIN", "1000000d", "is not a restic duration", "too large");
	refused("FORGET_KEEP_WITHIN", "30days", "is not a restic duration", "a word");
	refused("FORGET_KEEP_TAG", "a,,b", "an empty tag", "an empty tag");
	refused("FORGET_KEEP_TAG", "a,", "an empty tag", "a trailing comma");
	refused("FORGET_KEEP_TAG", " , ", "an empty tag", "blank tags");
	refused("FORGET_KEEP_TAG", "a\x1b[2Jb", "'a\\x1b[2Jb' has a tag with a control character", "an escape, shown");
	refused("FORGET_KEEP_TAG", "caf\xe9", "invalid UTF-8", "Latin-1");
	refused("FORGET_KEEP_TAG", "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r,s,t,u,v,w,x,y,z,1,2,3,4,5,6,7",
		"more than 32 tags", "too many tags");
}

static void test_refused_policy(void)
{
	struct retention r;
	char err[512];
	char long_tag[300];

	env_reset();
	setv("FORGET_KEEP_LAST", "0");
	CHECK_INT(parse(&r, err, sizeof(err)), -EINVAL, "every count 0 is refused");
	CHECK_STR(err,
		  "FORGET_KEEP_LAST=0: every retention rule is 0, a policy that keeps no snapshot; set one to 1 or "
		  "more, or unset all FORGET_KEEP_* variables to never forget",
		  "the message names the variable set");
	env_reset();
	setv("FORGET_KEEP_DAILY", "0");
	setv("FORGET_KEEP_WITHIN", "0y0h");
	CHECK_INT(parse(&r, err, sizeof(err)), -EINVAL, "zeros and a zero within are refused");
	CHECK(strncmp(err, "FORGET_KEEP_DAILY=0, FORGET_KEEP_WITHIN=0y0h: every retention rule is 0", 69) == 0,
	      "both named: %s", err);

	env_reset();
	setv("FORGET_KEEP_TAG", "keep");
	CHECK_INT(parse(&r, err, sizeof(err)), -EINVAL, "FORGET_KEEP_TAG alone is refused");
	CHECK(strstr(err, "FORGET_KEEP_TAG='keep' without a count above 0 or FORGET_KEEP_WITHIN keeps only") &&
		      strstr(err, "also set a count"),
	      "the message says why and what to add: %s", err);
	CHECK_INT(r.keep_tags.n, 0, "no tags left behind");
	setv("FORGET_KEEP_LAST", "0");
	CHECK_INT(parse(&r, err, sizeof(err)), -EINVAL, "FORGET_KEEP_TAG with counts of 0 is refused");
	CHECK(strstr(err, "FORGET_KEEP_TAG='keep' without a count") != NULL, "as a tag alone: %s", err);

	env_reset();
	memset(long_tag, 'x', 256);
	long_tag[256] = '\0';
	setv("FORGET_KEEP_DAILY", "1");
	setv("FORGET_KEEP_TAG", long_tag);
	CHECK_INT(parse(&r, err, sizeof(err)), -EINVAL, "a 256-byte tag is refused");
	CHECK(strstr(err, "longer than 255 bytes") && strlen(err) < 300, "the value is cut in the message: %s", err);
	long_tag[255] = '\0';
	CHECK_INT(parse(&r, err, sizeof(err)), 0, "a 255-byte tag is taken");
	retention_free(&r);

	/* NULL or tiny error buffers are safe. */
	env_reset();
	setv("FORGET_KEEP_LAST", "x");
	CHECK_INT(retention_parse(&r, get, NULL, NULL, 0), -EINVAL, "NULL err");
	CHECK_INT(parse(&r, err, 1), -EINVAL, "1-byte err");
	CHECK_STR(err, "", "1-byte err holds the NUL");
}

static void test_describe_bounds(void)
{
	struct retention r;
	char small[16], tags[600], d[80];

	env_reset();
	setv("FORGET_KEEP_DAILY", "7");
	/* Multi-byte tags, so that a cut would fall inside one. */
	strcpy(tags, "");
	for (int i = 0; i < 20; i++)
		strcat(tags, i ? ",\xc3\xa9t\xc3\xa9" : "\xc3\xa9t\xc3\xa9");
	setv("FORGET_KEEP_TAG", tags);
	CHECK_INT(parse(&r, small, sizeof(small)), 0, "20 UTF-8 tags parse");
	for (size_t len = 1; len < sizeof(d); len++) {
		memset(d, 'Z', sizeof(d));
		retention_describe(&r, d, len);
		if (strlen(d) >= len || !utf8_valid(d, strlen(d))) {
			CHECK(0, "describe into %zu bytes: NUL-terminated, valid UTF-8", len);
			break;
		}
		if (len == sizeof(d) - 1)
			CHECK(1, "describe into 1..%zu bytes: always NUL-terminated, valid UTF-8", len);
	}
	retention_describe(&r, d, 12);
	CHECK_STR(d, "keep daily ", "cut short");
	retention_within_text(&r, small, 1);
	CHECK_STR(small, "", "within text into 1 byte");
	retention_free(&r);
}

int main(void)
{
	test_unset();
	test_full();
	test_refused();
	test_refused_policy();
	test_describe_bounds();
	return T_DONE();
}
