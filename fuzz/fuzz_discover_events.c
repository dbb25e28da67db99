/* fuzz_discover_events: rds-discover's reading of the GET /events stream:
 * discover_lines_feed splitting it into lines (fed in pieces), and per line
 * discover_event_relevant and discover_event_life with the dead list they
 * keep (discover_dead.h). */
#include <stdlib.h>
#include <string.h>

#include "discover.h"
#include "discover_dead.h"
#include "fuzz.h"

struct run {
	struct discover_dead dead;
	size_t lines;
};

static void on_line(void *ud, const char *line, size_t len)
{
	struct run *r = ud;
	char id[DISCOVERY_ID_MAX + 1];
	enum discover_life life;

	r->lines++;
	if (!line) {
		FUZZ_ASSERT(len == 0);
		return;
	}
	FUZZ_ASSERT(len <= DISCOVER_EVENT_MAX);
	(void)discover_event_relevant(line, len);
	life = discover_event_life(line, len, id);
	if (life == DISCOVER_LIFE_DIED)
		discover_dead_add(&r->dead, id);
	else if (life == DISCOVER_LIFE_STARTED)
		discover_dead_remove(&r->dead, id);
	else
		FUZZ_ASSERT(id[0] == '\0');
	FUZZ_ASSERT(r->dead.n <= DISCOVER_DEAD_MAX);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct discover_lines l; /* 64 KiB */
	struct run r = { .lines = 0 };
	size_t i = 0, step = size % 97 + 1;

	memset(&l, 0, sizeof(l));
	r.dead.n = 0;
	while (i < size) {
		size_t n = size - i < step ? size - i : step;

		discover_lines_feed(&l, (const char *)data + i, n, on_line, &r);
		i += n;
		step = step * 13 % 97 + 1;
	}
	discover_lines_feed(&l, "\n", 1, on_line, &r);
	return 0;
}
