/* log: levelled, timestamped lines on stderr, optionally JSON lines.
 * Never pass a secret's content to these functions. */
#ifndef RDS_LOG_H
#define RDS_LOG_H

enum rds_log_level { RDS_LOG_ERROR = 0, RDS_LOG_WARN, RDS_LOG_INFO, RDS_LOG_DEBUG };

/* Sets the threshold and the format (json != 0: one JSON object a line). */
void rds_log_init(enum rds_log_level level, int json);
int rds_log_enabled(enum rds_log_level level);
void rds_log(enum rds_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The level test comes first so arguments are not formatted for nothing. */
#define RDS_LOGF(lvl, ...)                           \
	do {                                         \
		if (rds_log_enabled(lvl))            \
			rds_log((lvl), __VA_ARGS__); \
	} while (0)
#define log_error(...) RDS_LOGF(RDS_LOG_ERROR, __VA_ARGS__)
#define log_warn(...) RDS_LOGF(RDS_LOG_WARN, __VA_ARGS__)
#define log_info(...) RDS_LOGF(RDS_LOG_INFO, __VA_ARGS__)
#define log_debug(...) RDS_LOGF(RDS_LOG_DEBUG, __VA_ARGS__)

#endif
