/* fuzz_docker_json: the decisions rds-hook takes from Docker API answers
 * (docker_json.h) over one JSON body, given to each of them as the answer
 * it reads: GET /version, /info, /services, /tasks, /containers/json,
 * /exec/ID/json, and an error body. The names asked for are those of the
 * recorded answers (tests/data/docker), so that seeds reach the choices. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "docker_json.h"
#include "fuzz.h"

#define SERVICE "capdb"
#define NODE "tg51krdcaxkryzuac9qq2ckao"
#define PREFER "c70b0b95c7a1e896"

static void check_task(const struct dj_task *t)
{
	FUZZ_ASSERT(dj_id_ok(t->container_id));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size), err[256], ver[32], id[DJ_ID_MAX + 1], near[512], others[512], msg[300];
	struct dj_swarm sw;
	struct dj_task t;
	int running, code;
	json_t *js;

	dj_error_message(s, msg, sizeof(msg));
	FUZZ_ASSERT(strlen(msg) < sizeof(msg));
	(void)dj_id_ok(s);
	(void)dj_task_slot(s, SERVICE);
	(void)dj_container_is(PREFER "0000", s);
	js = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
	if (js) {
		(void)dj_api_version(js, ver, sizeof(ver), err, sizeof(err));
		(void)dj_swarm_info(js, &sw, err, sizeof(err));
		if (dj_pick_service(js, SERVICE, id) == 0)
			FUZZ_ASSERT(dj_id_ok(id));
		dj_near_services(js, SERVICE, near, sizeof(near));
		dj_near_services(js, "db", near, 40);
		if (dj_pick_task(js, NODE, NULL, &t, others, sizeof(others)) == 0)
			check_task(&t);
		if (dj_pick_task(js, NODE, PREFER, &t, others, 24) == 0)
			check_task(&t);
		if (dj_pick_container(js, SERVICE, NULL, &t) == 0)
			check_task(&t);
		if (dj_pick_container(js, SERVICE, PREFER, &t) == 0)
			check_task(&t);
		(void)dj_exec_state(js, &running, &code);
		json_decref(js);
	}
	free(s);
	return 0;
}
