/* rds-server: the server image's entrypoint (work in progress, issue #3). */
#include <stdio.h>

int main(void)
{
	fprintf(stderr, "rds-server: not implemented yet\n");
	return 2;
}
