/*
 * The probe table and the JSON encoding of a result: the part of the core
 * shared by the `portprobe` executable and the shared library.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

typedef struct {
  const char *name;
  pp__probe_fn fn;
} pp__entry_t;

static const pp__entry_t pp__table[] = {
#define PP_PROBE(fn, name) {name, pp__probe_##fn},
#include "probes.def"
#undef PP_PROBE
};

#define PP__COUNT ((int) (sizeof(pp__table) / sizeof(pp__table[0])))

void pp__set_int(pp__result_t *result, int64_t value) {
  result->kind = PP__INT;
  result->integer = value;
}

void pp__set_str(pp__result_t *result, const char *value) {
  result->kind = PP__STR;
  snprintf(result->text, sizeof(result->text), "%s", value);
}

void pp__set_bool(pp__result_t *result, int value) {
  result->kind = PP__BOOL;
  result->integer = value != 0;
}

void pp__set_detail(pp__result_t *result, const char *fmt, ...) {
  va_list args;

  va_start(args, fmt);
  vsnprintf(result->detail, sizeof(result->detail), fmt, args);
  va_end(args);
}

/* A bounded writer: appends while there is room, remembers overflow. */
typedef struct {
  char *buf;
  size_t size;
  size_t len;
  int overflow;
} pp__writer_t;

static void pp__put(pp__writer_t *w, const char *text, size_t n) {
  if (w->len + n + 1 > w->size) {
    w->overflow = 1;
    return;
  }
  memcpy(w->buf + w->len, text, n);
  w->len += n;
  w->buf[w->len] = '\0';
}

static void pp__put_cstr(pp__writer_t *w, const char *text) {
  pp__put(w, text, strlen(text));
}

/* Writes `text` as a JSON string; bytes outside printable ASCII are
 * escaped so that the output is valid JSON whatever the OS returned. */
static void pp__put_json_string(pp__writer_t *w, const char *text) {
  const unsigned char *p;
  char esc[8];

  pp__put(w, "\"", 1);
  for (p = (const unsigned char *) text; *p != '\0'; p++) {
    if (*p == '"' || *p == '\\') {
      esc[0] = '\\';
      esc[1] = (char) *p;
      pp__put(w, esc, 2);
    } else if (*p < 0x20 || *p >= 0x7f) {
      snprintf(esc, sizeof(esc), "\\u%04x", *p);
      pp__put_cstr(w, esc);
    } else {
      pp__put(w, (const char *) p, 1);
    }
  }
  pp__put(w, "\"", 1);
}

static void pp__encode(pp__writer_t *w, const char *name,
                       const pp__result_t *r) {
  char number[32];

  pp__put_cstr(w, "{\"probe\":");
  pp__put_json_string(w, name);
  pp__put_cstr(w, ",\"value\":");
  switch (r->kind) {
    case PP__INT:
      snprintf(number, sizeof(number), "%lld", (long long) r->integer);
      pp__put_cstr(w, number);
      break;
    case PP__STR:
      pp__put_json_string(w, r->text);
      break;
    case PP__BOOL:
      pp__put_cstr(w, r->integer ? "true" : "false");
      break;
    case PP__UNSET:
      pp__put_cstr(w, "null");
      break;
  }
  if (r->detail[0] != '\0') {
    pp__put_cstr(w, ",\"detail\":");
    pp__put_json_string(w, r->detail);
  }
  pp__put_cstr(w, "}");
}

int pp_abi_version(void) {
  return PP_ABI_VERSION;
}

int pp_probe_count(void) {
  return PP__COUNT;
}

const char *pp_probe_name(int index) {
  if (index < 0 || index >= PP__COUNT)
    return NULL;
  return pp__table[index].name;
}

int pp_probe_run(const char *name, char *buf, size_t size) {
  pp__result_t result;
  pp__writer_t w;
  int i;

  for (i = 0; i < PP__COUNT; i++) {
    if (strcmp(pp__table[i].name, name) != 0)
      continue;
    memset(&result, 0, sizeof(result));
    pp__table[i].fn(&result);
    w.buf = buf;
    w.size = size;
    w.len = 0;
    w.overflow = size == 0;
    if (size > 0)
      buf[0] = '\0';
    pp__encode(&w, name, &result);
    return w.overflow ? PP_ENOSPACE : (int) w.len;
  }
  return PP_ENOPROBE;
}
