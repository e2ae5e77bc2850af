/*
 * Time zones as the C library resolves them: the TZ variable, tzset() and
 * localtime().  The UTC offset is measured at a winter and a summer instant,
 * which tells a resolved IANA zone from the libc's fallback to UTC.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

/* 2024-01-15T12:00:00Z and 2024-07-15T12:00:00Z. */
#define PP__WINTER ((time_t) 1705320000)
#define PP__SUMMER ((time_t) 1721044800)

/* Days since 1970-01-01 of a proleptic Gregorian date (month 1..12). */
static long pp__days(long y, long m, long d) {
  long era;
  long yoe;
  long doy;

  y -= m <= 2;
  era = (y >= 0 ? y : y - 399) / 400;
  yoe = y - era * 400;
  doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

static long pp__seconds(const struct tm *tm) {
  return pp__days(tm->tm_year + 1900L, tm->tm_mon + 1L, tm->tm_mday) * 86400L +
         tm->tm_hour * 3600L + tm->tm_min * 60L + tm->tm_sec;
}

/* Seconds east of UTC at instant `t` under the current TZ. */
static long pp__offset(time_t t, char *zone, size_t zone_size) {
  struct tm local;
  struct tm utc;
  struct tm *p;

  p = localtime(&t);
  if (p == NULL)
    return 0;
  local = *p;
  p = gmtime(&t);
  if (p == NULL)
    return 0;
  utc = *p;
  if (zone != NULL && strftime(zone, zone_size, "%Z", &local) == 0)
    zone[0] = '\0';
  return pp__seconds(&local) - pp__seconds(&utc);
}

static void pp__use_zone(const char *tz) {
  pp__os_setenv("TZ", tz);
  pp__os_tzset();
}

/* The TZ value before a probe changed it, so that it can be put back. */
typedef struct {
  int was_set;
  char value[256];
} pp__saved_tz_t;

static void pp__save_tz(pp__saved_tz_t *saved) {
  const char *tz = getenv("TZ");

  saved->was_set = tz != NULL;
  snprintf(saved->value, sizeof(saved->value), "%s", tz != NULL ? tz : "");
}

static void pp__restore_tz(const pp__saved_tz_t *saved) {
  if (saved->was_set)
    pp__os_setenv("TZ", saved->value);
  else
    pp__os_unsetenv("TZ");
  pp__os_tzset();
}

/* The offsets at the winter and summer instants under TZ=`tz`, and the
 * summer abbreviation; the caller's TZ is put back afterwards. */
static void pp__offsets_in(const char *tz, long *winter, long *summer,
                           char *zone, size_t zone_size) {
  pp__saved_tz_t saved;

  pp__save_tz(&saved);
  pp__use_zone(tz);
  *winter = pp__offset(PP__WINTER, NULL, 0);
  *summer = pp__offset(PP__SUMMER, zone, zone_size);
  pp__restore_tz(&saved);
}

/* A zone without daylight saving: its summer offset as the value. */
static void pp__fixed_zone(pp__result_t *result, const char *tz) {
  char zone[64];
  long winter;
  long summer;

  pp__offsets_in(tz, &winter, &summer, zone, sizeof(zone));
  pp__set_int(result, summer);
  pp__set_detail(result, "TZ=%s: offset %ld s, abbreviation '%s'", tz, summer,
                 zone);
}

void pp__probe_tz_utc(pp__result_t *result) {
  pp__fixed_zone(result, "UTC");
}

void pp__probe_tz_europe_berlin(pp__result_t *result) {
  char zone[64];
  long winter;
  long summer;

  pp__offsets_in("Europe/Berlin", &winter, &summer, zone, sizeof(zone));
  pp__set_str(result, winter == 3600 && summer == 7200 ? "resolved"
                                                       : "unresolved");
  pp__set_detail(result, "TZ=Europe/Berlin: offsets %ld s / %ld s, '%s'",
                 winter, summer, zone);
}

void pp__probe_tz_posix_tz_string(pp__result_t *result) {
  /* "PMT3": a zone named PMT three hours west of UTC, without daylight
   * saving; both POSIX and the Windows CRT read this form. */
  pp__fixed_zone(result, "PMT3");
}

void pp__probe_tz_zone_database(pp__result_t *result) {
  const char *const *dir;
  char path[512];
  FILE *f;

  for (dir = pp__os_zone_dirs(); *dir != NULL; dir++) {
    snprintf(path, sizeof(path), "%s/Europe/Berlin", *dir);
    f = fopen(path, "rb");
    if (f == NULL)
      continue;
    fclose(f);
    pp__set_str(result, "present");
    pp__set_detail(result, "%s", path);
    return;
  }
  pp__set_str(result, "absent");
  dir = pp__os_zone_dirs();
  if (*dir == NULL)
    pp__set_detail(result, "the C runtime reads no IANA zone files");
  else
    pp__set_detail(result, "no Europe/Berlin under %s or later folders",
                   *dir);
}

void pp__probe_tz_monotonic_resolution(pp__result_t *result) {
  long ns = pp__os_monotonic_resolution_ns();

  if (ns < 0) {
    pp__set_str(result, "error");
    pp__set_detail(result, "the monotonic clock reported no resolution");
    return;
  }
  pp__set_int(result, ns);
  pp__set_detail(result, "monotonic clock resolution %ld ns", ns);
}
