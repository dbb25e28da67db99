/* pingurl: PING_URL, a dead man's switch that is told when each backup
 * starts, succeeds and fails, parsed into a struct notifyurl (no libcurl:
 * the agent links this to refuse a bad PING_URL at start).
 *
 * Form: http(s)://[user:pass@]host[:port]/path[?query], used as a
 * healthchecks.io check (NOTIFYURL_PING_HC): POST to the path + "/start"
 * when a backup starts, to the path on success, to the path + "/fail" on
 * failure, with the text (the error) as a text/plain body; the query is kept
 * (https://hc-ping.com/KEY/slug?create=1 gives .../slug/fail?create=1).
 * An Uptime Kuma push URL (path /api/push/TOKEN: NOTIFYURL_PING_KUMA) is
 * requested with GET as Kuma expects, with status=up&msg=OK on success and
 * status=down&msg=<the text's first line, at most 200 bytes> on failure in
 * place of the URL's own status and msg; its other parameters (ping=) are
 * kept. Kuma has no start signal: nothing is sent then.
 * A user and password in the URL are sent as basic auth. The error texts
 * and the shown form never hold the path, the query or the user info. */
#ifndef RDS_PINGURL_H
#define RDS_PINGURL_H
#include <stddef.h>

#include "notifyurl.h"

enum pingurl_signal { PINGURL_START, PINGURL_SUCCESS, PINGURL_FAIL };

#define PINGURL_KUMA_MSG_MAX 200

/* Parses url into *out (free with notifyurl_free, also after an error);
 * out->url is the URL without its user info. Returns 0, or -1 with a
 * one-line reason in err that says what is valid. */
int pingurl_parse(const char *url, struct notifyurl *out, char *err, size_t errlen);

/* pingurl_parse with an error that names the setting:
 * "PING_URL (https://host): REASON". */
int pingurl_parse_setting(const char *value, struct notifyurl *out, char *err, size_t errlen);

/* The URL to request for one signal, into a new string *out (owned by the
 * caller). text is the failure's text (Kuma's msg; may be NULL). Returns 0;
 * 1 when the signal sends nothing (Kuma has no start), *out NULL; -1 out of
 * memory. */
int pingurl_request(const struct notifyurl *ping, enum pingurl_signal what, const char *text, char **out);

#endif
