/*
 * Operating-system services on Windows, through the Win32 API and the
 * Universal C Runtime.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <winsock2.h>
#include <windows.h>

#include "../internal.h"

int pp__os_setenv(const char *name, const char *value) {
  return _putenv_s(name, value) == 0 ? 0 : -1;
}

int pp__os_unsetenv(const char *name) {
  return _putenv_s(name, "") == 0 ? 0 : -1;
}

void pp__os_tzset(void) {
  _tzset();
}

long pp__os_page_size(void) {
  SYSTEM_INFO info;

  GetSystemInfo(&info);
  return (long) info.dwPageSize;
}

int pp__os_net_init(void) {
  static int started;
  WSADATA data;

  if (started)
    return 0;
  if (WSAStartup(MAKEWORD(2, 2), &data) != 0)
    return -1;
  started = 1;
  return 0;
}

const char *pp__os_temp_dir(void) {
  static char dir[MAX_PATH + 1];
  DWORD n;

  n = GetTempPathA(sizeof(dir), dir);
  if (n == 0 || n >= sizeof(dir))
    return ".";
  if (dir[n - 1] == '\\')
    dir[n - 1] = '\0';
  return dir;
}

int pp__os_mkdir(const char *path) {
  return CreateDirectoryA(path, NULL) ? 0 : -1;
}

int pp__os_rmdir(const char *path) {
  return RemoveDirectoryA(path) ? 0 : -1;
}

int pp__os_replace(const char *from, const char *to) {
  /* The CRT's rename() refuses an existing destination; MoveFileEx can be
   * told to replace it. */
  return MoveFileExA(from, to, MOVEFILE_REPLACE_EXISTING) ? 0 : -1;
}

/* Drops the \\?\ prefix GetFinalPathNameByHandle puts before a drive path,
 * so that the result compares with an ordinary path. */
static const char *pp__plain_path(const char *path) {
  if (strncmp(path, "\\\\?\\", 4) == 0 && path[4] != '\0' && path[5] == ':')
    return path + 4;
  return path;
}

int pp__os_realpath(const char *path, char *out, size_t size) {
  char final[MAX_PATH * 2];
  const char *plain;
  HANDLE h;
  DWORD n;

  h = CreateFileA(path, 0,
                  FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                  NULL, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, NULL);
  if (h == INVALID_HANDLE_VALUE)
    return -1;
  n = GetFinalPathNameByHandleA(h, final, (DWORD) sizeof(final),
                                FILE_NAME_NORMALIZED | VOLUME_NAME_DOS);
  CloseHandle(h);
  if (n == 0 || n >= sizeof(final))
    return -1;
  plain = pp__plain_path(final);
  if (strlen(plain) >= size)
    return -1;
  memcpy(out, plain, strlen(plain) + 1);
  return 0;
}

long pp__os_symlink(const char *target, const char *link) {
  /* No SYMBOLIC_LINK_FLAG_ALLOW_UNPRIVILEGED_CREATE: the probe reports what
   * an ordinary call gets, which is what ported code makes. */
  if (CreateSymbolicLinkA(link, target, 0))
    return 0;
  return (long) GetLastError();
}

int pp__os_child_exit(int code, long *status) {
  STARTUPINFOA si;
  PROCESS_INFORMATION pi;
  char command[64];
  DWORD exit_code;
  int ok;

  /* cmd.exe is on every Windows (and in wine); "exit N" sets the code. */
  snprintf(command, sizeof(command), "cmd.exe /d /c exit %d", code);
  memset(&si, 0, sizeof(si));
  si.cb = sizeof(si);
  memset(&pi, 0, sizeof(pi));
  if (!CreateProcessA(NULL, command, NULL, NULL, FALSE, CREATE_NO_WINDOW,
                      NULL, NULL, &si, &pi))
    return -1;
  ok = WaitForSingleObject(pi.hProcess, 10000) == WAIT_OBJECT_0 &&
       GetExitCodeProcess(pi.hProcess, &exit_code);
  CloseHandle(pi.hThread);
  CloseHandle(pi.hProcess);
  if (!ok)
    return -1;
  *status = (long) exit_code;
  return 0;
}

long pp__os_monotonic_resolution_ns(void) {
  LARGE_INTEGER freq;

  if (!QueryPerformanceFrequency(&freq) || freq.QuadPart <= 0)
    return -1;
  /* One counter tick, rounded up to whole nanoseconds. */
  return (long) ((1000000000LL + freq.QuadPart - 1) / freq.QuadPart);
}

long pp__os_allocation_granularity(void) {
  SYSTEM_INFO info;

  GetSystemInfo(&info);
  return (long) info.dwAllocationGranularity;
}

const char *pp__os_hosts_path(void) {
  static char path[MAX_PATH + 32];
  UINT n;

  n = GetSystemDirectoryA(path, MAX_PATH);
  if (n == 0 || n >= MAX_PATH)
    return "C:\\Windows\\System32\\drivers\\etc\\hosts";
  snprintf(path + n, sizeof(path) - n, "\\drivers\\etc\\hosts");
  return path;
}

const char *const *pp__os_zone_dirs(void) {
  /* The Windows CRT reads no IANA zone files at all. */
  static const char *const none[] = {NULL};

  return none;
}
