/* Unit tests for src/agent/labeldata.c, the checks that keep label mode's reads
 * inside the container's own volumes and BACKUP_PATH: every short string
 * over an alphabet of path characters is tried, and whatever is accepted
 * must be harmless (test_labels.c tries the same through labels_jobs). */
#include <errno.h>
#include <stdlib.h>

#include "labeldata.h"
#include "t.h"
#include "utf8.h"

/* The characters that matter to a path, and some that do not. */
static const char alphabet[] = { 'a', 'Z', '0', '.', '/', '_', '-', '\\', ' ', '~', '*', ':', '\xc3' };
#define NALPHA (sizeof(alphabet) / sizeof(alphabet[0]))

static int one_line_utf8_ok(const char *s)
{
	return !strchr(s, '\n') && utf8_valid(s, strlen(s)) && !utf8_has_ctl(s, strlen(s));
}

/* 1 when name, joined as ROOT/name/_data, names a directory directly under
 * ROOT: one component, not "." or "..". */
static int one_dir(const char *name)
{
	return *name && !strchr(name, '/') && strcmp(name, ".") && strcmp(name, "..");
}

/* 1 when p joined under a directory stays under it, lexically: no
 * absolute start, no ".." or "." component, no empty component. */
static int stays_inside(const char *p)
{
	char buf[64];
	char *save = NULL, *tok;
	size_t n = strlen(p);

	if (!n || p[0] == '/' || p[n - 1] == '/' || strstr(p, "//") || n >= sizeof(buf))
		return 0;
	memcpy(buf, p, n + 1);
	for (tok = strtok_r(buf, "/", &save); tok; tok = strtok_r(NULL, "/", &save))
		if (!strcmp(tok, "..") || !strcmp(tok, "."))
			return 0;
	return 1;
}

static void test_exhaustive(void)
{
	char s[5];
	long tried = 0, vol_ok = 0, repo_ok = 0, vol_bad = 0, repo_bad = 0;

	/* Every string of 1 to 4 characters over the alphabet. */
	for (size_t len = 1; len <= 4; len++) {
		size_t total = 1;
		for (size_t i = 0; i < len; i++)
			total *= NALPHA;
		for (size_t k = 0; k < total; k++) {
			size_t x = k;
			for (size_t i = 0; i < len; i++, x /= NALPHA)
				s[i] = alphabet[x % NALPHA];
			s[len] = '\0';
			tried++;
			if (labeldata_volume_name_ok(s)) {
				vol_ok++;
				if (!one_dir(s) || s[0] == '-' || s[0] == '.' || strpbrk(s, "\\ ~*:\xc3"))
					vol_bad++;
			}
			if (!labeldata_repo_problem(s)) {
				repo_ok++;
				if (!stays_inside(s) || strpbrk(s, "\\ ~*:\xc3"))
					repo_bad++;
			}
		}
	}
	CHECK(tried > 30000, "%ld strings tried", tried);
	CHECK(vol_ok > 0 && vol_bad == 0, "every accepted volume name (%ld) is one plain directory name", vol_ok);
	CHECK(repo_ok > 0 && repo_bad == 0, "every accepted repository path (%ld) stays inside what it is joined to",
	      repo_ok);
}

static void test_volume_names(void)
{
	static char longest[LABELS_VOLUME_MAX + 2];

	CHECK(labeldata_volume_name_ok("stack_dbdata") && labeldata_volume_name_ok("a..") &&
		      labeldata_volume_name_ok("A.b-c_d") && labeldata_volume_name_ok("0"),
	      "Docker volume names pass");
	CHECK(!labeldata_volume_name_ok(NULL) && !labeldata_volume_name_ok("") && !labeldata_volume_name_ok(".") &&
		      !labeldata_volume_name_ok("..") && !labeldata_volume_name_ok("../x") &&
		      !labeldata_volume_name_ok("/etc") && !labeldata_volume_name_ok("a/b") &&
		      !labeldata_volume_name_ok("-rf") && !labeldata_volume_name_ok("_x") &&
		      !labeldata_volume_name_ok(".x") && !labeldata_volume_name_ok("caf\xc3\xa9"),
	      "paths, dot names, a leading '-', '_' or '.', and non-ASCII are refused");
	memset(longest, 'v', LABELS_VOLUME_MAX);
	CHECK(labeldata_volume_name_ok(longest), "255 bytes pass");
	longest[LABELS_VOLUME_MAX] = 'v';
	CHECK(!labeldata_volume_name_ok(longest), "256 bytes are refused");
}

static void test_split(void)
{
	struct strvec out = { 0 };
	char err[256] = "";

	CHECK(labeldata_split("k", " a , b,c ", 3, &out, err, sizeof(err)) == 0 && out.n == 3 &&
		      !strcmp(out.v[0], "a") && !strcmp(out.v[1], "b") && !strcmp(out.v[2], "c"),
	      "entries split, spaces dropped, 3 of at most 3");
	CHECK(labeldata_split("k", "d", 1, &out, err, sizeof(err)) == 0 && out.n == 4,
	      "the bound counts this call's entries (appended to 3 already there)");
	strvec_free(&out);
	CHECK(labeldata_split("k", "a,b", 1, &out, err, sizeof(err)) == -EINVAL &&
		      !strcmp(err, "k='a,b' has more than 1 entries; give at most 1"),
	      "more than max: refused (%s)", err);
	strvec_free(&out);
	CHECK(labeldata_split("k", "", 4, &out, err, sizeof(err)) == -EINVAL && strstr(err, "k='' has an empty entry"),
	      "an empty value is an empty entry");
	CHECK(labeldata_split("k", "a, ,b", 4, &out, err, sizeof(err)) == -EINVAL && strstr(err, "empty entry"),
	      "a blank entry is empty");
	strvec_free(&out);
}

/* A service with the given mounts (name, driver pairs). */
static void svc_with(struct discovery_service *svc, struct discovery_volume *v, const char *const *m, size_t n)
{
	memset(svc, 0, sizeof(*svc));
	svc->name = (char *)"app_db";
	for (size_t i = 0; i < n; i++) {
		memset(&v[i], 0, sizeof(v[i]));
		v[i].name = (char *)m[2 * i];
		v[i].driver = (char *)m[2 * i + 1];
	}
	svc->volumes = v;
	svc->nvolumes = n;
}

static void test_volumes(void)
{
	static const char *const mounts[] = { "app_dump", "local", "app_data", "local", "app_nfs", "nfs" };
	struct discovery_service svc;
	struct discovery_volume v[3];
	struct strvec names = { 0 }, w = { 0 };
	char err[LABELS_ERROR_MAX] = "";

	svc_with(&svc, v, mounts, 3);
	CHECK(labeldata_volumes(&svc, NULL, &names, &w, err, sizeof(err)) == 0 && names.n == 2 &&
		      !strcmp(names.v[0], "app_data") && !strcmp(names.v[1], "app_dump") && w.n == 1 &&
		      strstr(w.v[0], "service app_db: volume 'app_nfs' (driver 'nfs') is not backed up"),
	      "default: the local mounts sorted, the NFS one warned of");
	strvec_free(&names);
	strvec_free(&w);
	CHECK(labeldata_volumes(&svc, NULL, &names, NULL, err, sizeof(err)) == 0 && names.n == 2,
	      "warnings may be NULL");
	strvec_free(&names);
	CHECK(labeldata_volumes(&svc, "app_dump, app_dump", &names, &w, err, sizeof(err)) == 0 && names.n == 1 &&
		      w.n == 0,
	      "named twice: once; naming: no warning");
	strvec_free(&names);
	CHECK(labeldata_volumes(&svc, "dump", &names, &w, err, sizeof(err)) == 0 && names.n == 1 &&
		      !strcmp(names.v[0], "app_dump"),
	      "the stack's name left out: the one mount named app_dump");
	strvec_free(&names);
	CHECK(labeldata_volumes(&svc, "app_nfs", &names, &w, err, sizeof(err)) == -EINVAL &&
		      strstr(err, "whose driver is 'nfs', not local") && names.n == 0,
	      "a non-local volume named: refused");
	CHECK(labeldata_volumes(&svc, "", &names, &w, err, sizeof(err)) == -EINVAL && strstr(err, "is empty"),
	      "an empty list: refused");
	CHECK(labeldata_volumes(&svc, "../app_dump", &names, &w, err, sizeof(err)) == -EINVAL &&
		      strstr(err, "is not a Docker volume name") && names.n == 0,
	      "a path: refused, nothing appended");
	svc_with(&svc, v, mounts + 4, 1);
	CHECK(labeldata_volumes(&svc, NULL, &names, NULL, err, sizeof(err)) == -EINVAL &&
		      strstr(err, "the container mounts no named local volume") && names.n == 0,
	      "only a non-local mount: no volume left");
	CHECK(one_line_utf8_ok(err), "the message is one line of UTF-8");
}

int main(void)
{
	test_exhaustive();
	test_volume_names();
	test_split();
	test_volumes();
	return T_DONE();
}
