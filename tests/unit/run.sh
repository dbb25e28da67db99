#!/bin/sh
# Runs unit-test binaries (optionally under valgrind) and prints their lines.
# Exit status is non-zero when any binary failed or crashed.
rc=0
for t in "$@"; do
	echo "# $t"
	if [ -n "$VALGRIND" ]; then
		valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
			"$t" || rc=1
	else
		"$t" || rc=1
	fi
done
exit $rc
