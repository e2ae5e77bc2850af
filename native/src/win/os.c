/*
 * Operating-system services on Windows, through the Win32 API and the
 * Universal C Runtime.
 */
#include <stdio.h>
#include <stdlib.h>
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

/* Windows Sockets reads the hosts file from the folder the registry value
 * Tcpip\Parameters\DataBasePath names, by default the system folder's
 * drivers\etc; the default is what a program without registry access can
 * know, and what an unmodified system uses. */
int pp__os_hosts_path(char *buf, size_t size) {
  char dir[MAX_PATH + 1];
  UINT n;
  int written;

  n = GetSystemDirectoryA(dir, sizeof(dir));
  if (n == 0 || n >= sizeof(dir))
    return -1;
  written = snprintf(buf, size, "%s\\drivers\\etc\\hosts", dir);
  return written > 0 && (size_t) written < size ? 0 : -1;
}
