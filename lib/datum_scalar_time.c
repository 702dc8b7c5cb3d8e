/*
 * Date and time types, as PostgreSQL prints them with DateStyle ISO and
 * IntervalStyle postgres: date, time, timetz, timestamp, timestamptz (in
 * UTC, with "+00") and interval.
 *
 * Stored values count from 2000-01-01 00:00:00 (UTC for timestamptz) in
 * the proleptic Gregorian calendar: date in days (int32), times and
 * timestamps in microseconds (int64).  timetz adds its zone as int32
 * seconds west of UTC; interval is time (int64 µs), days (int32), months
 * (int32).  Years are printed astronomically shifted: year 0 is 1 BC.
 */
#include <inttypes.h>
#include <stdlib.h>

#include "bytes.h"
#include "datum_scalar_family.h"

#define USECS_PER_SEC	INT64_C(1000000)
#define USECS_PER_MIN	(60 * USECS_PER_SEC)
#define USECS_PER_HOUR	(60 * USECS_PER_MIN)
#define USECS_PER_DAY	(24 * USECS_PER_HOUR)

/* The range PostgreSQL accepts: 4714-11-24 BC (Julian day 0) up to the end
 * of 5874897 for a date, to the end of 294276 for a timestamp. */
#define DATE_MIN		INT32_C(-2451545)
#define DATE_MAX		INT32_C(2145031948)
#define TIMESTAMP_MIN	INT64_C(-211813488000000000)
#define TIMESTAMP_END	INT64_C(9223371331200000000)
/* A zone is at most 15:59:59 away from UTC. */
#define TZ_LIMIT		(16 * 60 * 60)

/* Gregorian year, month, day of a day count from 2000-01-01. */
static void
civil_from_days(int64_t days, int64_t *year, int *month, int *day)
{
	/* count from 0000-03-01, so that leap days end each 4, 100, 400-year
	 * cycle; 146097 days in 400 years */
	int64_t		z = days + 730425;
	int64_t		era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t		doe = z - era * 146097;
	int64_t		yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t		doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t		mp = (5 * doy + 2) / 153;

	*day = (int) (doy - (153 * mp + 2) / 5 + 1);
	*month = (int) (mp < 10 ? mp + 3 : mp - 9);
	*year = yoe + era * 400 + (*month <= 2);
}

/* "YYYY-MM-DD", with the year as PostgreSQL writes it (" BC" comes last). */
static void
append_date(text_buf *out, int64_t days, bool *bc)
{
	int64_t		year;
	int			month,
				day;

	civil_from_days(days, &year, &month, &day);
	*bc = year <= 0;
	text_buf_appendf(out, "%04" PRId64 "-%02d-%02d", *bc ? 1 - year : year, month, day);
}

/* Seconds, then the fraction without its trailing zeros. */
static void
append_seconds(text_buf *out, int64_t sec, int64_t usec)
{
	int			digits = 6;

	text_buf_appendf(out, "%02" PRId64, sec);
	if (usec == 0)
		return;
	while (usec % 10 == 0)
	{
		usec /= 10;
		digits--;
	}
	text_buf_appendf(out, ".%0*" PRId64, digits, usec);
}

/* HH:MM:SS[.ffffff] of a non-negative time of day in microseconds. */
static void
append_time(text_buf *out, int64_t t)
{
	text_buf_appendf(out, "%02" PRId64 ":%02" PRId64 ":", t / USECS_PER_HOUR,
					 t / USECS_PER_MIN % 60);
	append_seconds(out, t / USECS_PER_SEC % 60, t % USECS_PER_SEC);
}

/* A zone of seconds west of UTC, as +HH[:MM[:SS]] east of it. */
static void
append_zone(text_buf *out, int32_t west)
{
	int			s = abs(west);

	text_buf_appendf(out, "%c%02d", west <= 0 ? '+' : '-', s / 3600);
	if (s % 60 != 0)
		text_buf_appendf(out, ":%02d:%02d", s / 60 % 60, s % 60);
	else if (s / 60 % 60 != 0)
		text_buf_appendf(out, ":%02d", s / 60 % 60);
}

static scalar_status
date_out(const uint8_t *p, size_t len, text_buf *out, char *why, size_t why_len)
{
	int32_t		d;
	bool		bc;

	if (!scalar_len_ok("date", len, 4, why, why_len))
		return SCALAR_MALFORMED;
	d = (int32_t) get32(p);
	if (d == INT32_MIN || d == INT32_MAX)
	{
		text_buf_appendf(out, "%s", d == INT32_MIN ? "-infinity" : "infinity");
		return SCALAR_OK;
	}
	if (d < DATE_MIN || d > DATE_MAX)
		return scalar_malformed(why, why_len, "date value %" PRId32 " out of range", d);
	append_date(out, d, &bc);
	if (bc)
		text_buf_append(out, " BC", 3);
	return SCALAR_OK;
}

static scalar_status
time_out(bool tz, const uint8_t *p, size_t len, text_buf *out, char *why, size_t why_len)
{
	const char *type = tz ? "timetz" : "time";
	int64_t		t;
	int32_t		west = 0;

	if (!scalar_len_ok(type, len, tz ? 12 : 8, why, why_len))
		return SCALAR_MALFORMED;
	t = (int64_t) get64(p);
	if (tz)
		west = (int32_t) get32(p + 8);
	if (t < 0 || t > USECS_PER_DAY)
		return scalar_malformed(why, why_len, "%s value %" PRId64 " out of range", type, t);
	if (west <= -TZ_LIMIT || west >= TZ_LIMIT)
		return scalar_malformed(why, why_len, "timetz zone of %" PRId32 " s out of range", west);
	append_time(out, t);
	if (tz)
		append_zone(out, west);
	return SCALAR_OK;
}

static scalar_status
timestamp_out(bool tz, const uint8_t *p, size_t len, text_buf *out, char *why,
			  size_t why_len)
{
	const char *type = tz ? "timestamptz" : "timestamp";
	int64_t		ts,
				days,
				t;
	bool		bc;

	if (!scalar_len_ok(type, len, 8, why, why_len))
		return SCALAR_MALFORMED;
	ts = (int64_t) get64(p);
	if (ts == INT64_MIN || ts == INT64_MAX)
	{
		text_buf_appendf(out, "%s", ts == INT64_MIN ? "-infinity" : "infinity");
		return SCALAR_OK;
	}
	if (ts < TIMESTAMP_MIN || ts >= TIMESTAMP_END)
		return scalar_malformed(why, why_len, "%s value %" PRId64 " out of range", type, ts);
	days = ts / USECS_PER_DAY;
	t = ts % USECS_PER_DAY;
	if (t < 0)
	{
		t += USECS_PER_DAY;
		days--;
	}
	append_date(out, days, &bc);
	text_buf_append(out, " ", 1);
	append_time(out, t);
	if (tz)
		text_buf_append(out, "+00", 3);
	if (bc)
		text_buf_append(out, " BC", 3);
	return SCALAR_OK;
}

/* One of the year, month, day parts: "+" marks a positive part after a
 * negative one, so that each part's sign reads unambiguously. */
static void
append_interval_part(text_buf *out, int64_t value, const char *unit, bool *first,
					 bool *after_negative)
{
	if (value == 0)
		return;
	text_buf_appendf(out, "%s%s%" PRId64 " %s%s", *first ? "" : " ",
					 *after_negative && value > 0 ? "+" : "", value, unit,
					 value != 1 ? "s" : "");
	*first = false;
	*after_negative = value < 0;
}

static scalar_status
interval_out(const uint8_t *p, size_t len, text_buf *out, char *why, size_t why_len)
{
	int64_t		time,
				hours,
				mins,
				secs,
				usecs;
	int32_t		days,
				months;
	bool		first = true,
				after_negative = false;

	if (!scalar_len_ok("interval", len, 16, why, why_len))
		return SCALAR_MALFORMED;
	time = (int64_t) get64(p);
	days = (int32_t) get32(p + 8);
	months = (int32_t) get32(p + 12);
	/* PostgreSQL 17+ keeps infinite intervals as every field at its limit */
	if (time == INT64_MAX && days == INT32_MAX && months == INT32_MAX)
	{
		text_buf_append(out, "infinity", 8);
		return SCALAR_OK;
	}
	if (time == INT64_MIN && days == INT32_MIN && months == INT32_MIN)
	{
		text_buf_append(out, "-infinity", 9);
		return SCALAR_OK;
	}

	append_interval_part(out, months / 12, "year", &first, &after_negative);
	append_interval_part(out, months % 12, "mon", &first, &after_negative);
	append_interval_part(out, days, "day", &first, &after_negative);
	if (!first && time == 0)
		return SCALAR_OK;
	/* every part of the time has the sign of time (or is 0) */
	hours = time / USECS_PER_HOUR;
	mins = time / USECS_PER_MIN % 60;
	secs = time / USECS_PER_SEC % 60;
	usecs = time % USECS_PER_SEC;
	text_buf_appendf(out, "%s%s%02" PRId64 ":%02" PRId64 ":", first ? "" : " ",
					 time < 0 ? "-" : after_negative ? "+" : "",
					 hours < 0 ? -hours : hours, mins < 0 ? -mins : mins);
	append_seconds(out, secs < 0 ? -secs : secs, usecs < 0 ? -usecs : usecs);
	return SCALAR_OK;
}

scalar_status
datum_scalar_time(uint32_t typid, const uint8_t *p, size_t len, text_buf *out,
				  char *why, size_t why_len)
{
	switch (typid)
	{
		case SCALAR_DATE:
			return date_out(p, len, out, why, why_len);
		case SCALAR_TIME:
		case SCALAR_TIMETZ:
			return time_out(typid == SCALAR_TIMETZ, p, len, out, why, why_len);
		case SCALAR_TIMESTAMP:
		case SCALAR_TIMESTAMPTZ:
			return timestamp_out(typid == SCALAR_TIMESTAMPTZ, p, len, out, why, why_len);
		case SCALAR_INTERVAL:
			return interval_out(p, len, out, why, why_len);
		default:
			return SCALAR_UNKNOWN;
	}
}
