/*
 * portprobe: the native core of portmatrix.
 *
 * The core holds a table of run-time probes.  Each probe observes one
 * documented portability behaviour of the platform it runs on and reports it
 * as one JSON object: {"probe": NAME, "value": VALUE, "detail": TEXT}.
 * VALUE is a JSON integer, string or boolean; "detail" is optional prose.
 *
 * The same table is reached from the `portprobe` executable (which prints one
 * object per line) and from Python through ctypes on the shared library.
 */
#ifndef PORTPROBE_H
#define PORTPROBE_H

#include <stddef.h>

#if defined(_WIN32)
# if defined(PP_BUILDING_SHARED)
#  define PP_EXTERN __declspec(dllexport)
# else
#  define PP_EXTERN
# endif
#else
# define PP_EXTERN __attribute__((visibility("default")))
#endif

#define PP_ABI_VERSION 1

/* Errors returned by pp_probe_run(). */
#define PP_ENOPROBE (-1)
#define PP_ENOSPACE (-2)

#ifdef __cplusplus
extern "C" {
#endif

/* The ABI version this library was built with (PP_ABI_VERSION). */
PP_EXTERN int pp_abi_version(void);

/* Number of probes in the table, and the name of the one at `index`
 * (NULL when out of range).  Names look like "signals.sigusr1". */
PP_EXTERN int pp_probe_count(void);
PP_EXTERN const char *pp_probe_name(int index);

/* Runs the probe `name` and writes its JSON object, NUL-terminated, into
 * `buf`.  Returns the length written, PP_ENOPROBE for an unknown name or
 * PP_ENOSPACE when `size` is too small. */
PP_EXTERN int pp_probe_run(const char *name, char *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* PORTPROBE_H */
