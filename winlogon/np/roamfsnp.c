/*
 * roamfsnp.dll: roamfs' network provider (issue 19). Winlogon's mpnotify
 * calls NPLogonNotify after the user's credentials are checked and before
 * the User Profile Service loads the profile; this asks the roamfs service,
 * over the named pipe \\.\pipe\roamfs-logon (SYSTEM only), to prepare the
 * profile (hive into C:\Users\NAME, volume mounted, junctions placed), and
 * waits for the answer, bounded by the NPLogonTimeout policy. Whatever
 * happens it returns WN_SUCCESS: the logon must never fail or hang because
 * of roamfs, and the service finishes in the background what the wait cut
 * short. It never reads the password.
 *
 * Protocol: internal/winpipe/protocol.go (one line each way, UTF-8):
 *   v1 TAB prepare TAB DOMAIN TAB USER TAB SID LF  ->  ready | later | skip | error ...
 * The SID is left empty: the service resolves the account itself.
 *
 * Build: x86_64-w64-mingw32-gcc -shared (make np); registered by
 * `roamfs service install` under Services\roamfs\NetworkProvider.
 */
#include <windows.h>
#include <npapi.h>
#include <ntsecapi.h>

#define PIPE_NAME L"\\\\.\\pipe\\roamfs-logon"
#define DEFAULT_WAIT_S 60
#define MAX_WAIT_S 600
/* Past the policy's wait the service answers "later" itself; this margin
 * covers connecting and the answer's way back. */
#define MARGIN_MS 5000
#define MAX_LINE 4096
#define WNNC_CRED_MANAGER_TYPE 0xFFFF0000

DWORD WINAPI NPGetCaps(DWORD index)
{
	switch (index) {
	case WNNC_SPEC_VERSION:
		return WNNC_SPEC_VERSION51;
	case WNNC_NET_TYPE:
		return WNNC_CRED_MANAGER_TYPE; /* a credential manager, no network */
	case WNNC_DRIVER_VERSION:
		return 1;
	case WNNC_START:
		return 1; /* started: nothing to wait for */
	default:
		return 0; /* no connections, dialogs, enumeration, admin */
	}
}

/* The NPLogonTimeout policy in seconds, where roamfs' policy reader looks
 * for machine values first. */
static DWORD wait_seconds(void)
{
	static const wchar_t *keys[] = {
		L"Software\\Policies\\Microsoft\\Windows\\System",
		L"Software\\Policies\\roamfs",
	};
	for (int i = 0; i < 2; i++) {
		DWORD v, size = sizeof v;
		if (RegGetValueW(HKEY_LOCAL_MACHINE, keys[i], L"NPLogonTimeout", RRF_RT_REG_DWORD, NULL, &v, &size) == ERROR_SUCCESS)
			return v > MAX_WAIT_S ? MAX_WAIT_S : v;
	}
	return DEFAULT_WAIT_S;
}

/* Appends s as UTF-8 to buf at *n; FALSE when it does not fit or holds a
 * character the line format cannot carry. */
static BOOL append_utf8(char *buf, int *n, const wchar_t *s, int len)
{
	for (int i = 0; i < len; i++)
		if (s[i] < 0x20)
			return FALSE;
	if (len == 0)
		return TRUE;
	int w = WideCharToMultiByte(CP_UTF8, 0, s, len, buf + *n, MAX_LINE - *n, NULL, NULL);
	if (w <= 0)
		return FALSE;
	*n += w;
	return TRUE;
}

static BOOL append(char *buf, int *n, const char *s)
{
	int len = lstrlenA(s);
	if (*n + len > MAX_LINE)
		return FALSE;
	CopyMemory(buf + *n, s, len);
	*n += len;
	return TRUE;
}

static DWORD remaining(ULONGLONG deadline)
{
	ULONGLONG now = GetTickCount64();
	return now >= deadline ? 0 : (DWORD)(deadline - now);
}

/* Opens the pipe, retrying while the service is not up yet (a logon right
 * after boot) or every instance is busy, until the deadline. */
static HANDLE open_pipe(ULONGLONG deadline)
{
	for (;;) {
		HANDLE h = CreateFileW(PIPE_NAME, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING,
				       FILE_FLAG_OVERLAPPED | SECURITY_SQOS_PRESENT | SECURITY_IDENTIFICATION, NULL);
		if (h != INVALID_HANDLE_VALUE)
			return h;
		DWORD err = GetLastError(), left = remaining(deadline);
		if (left == 0)
			return INVALID_HANDLE_VALUE;
		if (err == ERROR_PIPE_BUSY)
			WaitNamedPipeW(PIPE_NAME, left < 1000 ? left : 1000);
		else if (err == ERROR_FILE_NOT_FOUND)
			Sleep(left < 250 ? left : 250);
		else
			return INVALID_HANDLE_VALUE;
	}
}

/* One overlapped read or write, bounded by the deadline; cancelled (and its
 * cancellation waited for, so the buffer is free again) when it runs out. */
static BOOL io_bounded(HANDLE h, BOOL write, char *buf, DWORD len, DWORD *done, ULONGLONG deadline)
{
	OVERLAPPED ov = {0};
	ov.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL);
	if (ov.hEvent == NULL)
		return FALSE;
	BOOL ok = write ? WriteFile(h, buf, len, NULL, &ov) : ReadFile(h, buf, len, NULL, &ov);
	if (!ok && GetLastError() == ERROR_IO_PENDING) {
		if (WaitForSingleObject(ov.hEvent, remaining(deadline)) != WAIT_OBJECT_0)
			CancelIo(h);
		ok = TRUE;
	}
	if (ok)
		ok = GetOverlappedResult(h, &ov, done, TRUE);
	CloseHandle(ov.hEvent);
	return ok;
}

DWORD WINAPI NPLogonNotify(PLUID logonId, LPCWSTR authType, LPVOID authInfo, LPCWSTR prevAuthType,
			   LPVOID prevAuthInfo, LPWSTR stationName, LPVOID stationHandle, LPWSTR *logonScript)
{
	(void)logonId, (void)prevAuthType, (void)prevAuthInfo, (void)stationName, (void)stationHandle;
	if (logonScript != NULL)
		*logonScript = NULL; /* no logon script */
	/* MSV1_0_INTERACTIVE_LOGON and KERB_INTERACTIVE_LOGON begin alike:
	 * message type, domain, user name (then the password, never read). */
	if (authType == NULL || authInfo == NULL ||
	    (lstrcmpiW(authType, L"MSV1_0:Interactive") != 0 && lstrcmpiW(authType, L"Kerberos:Interactive") != 0))
		return WN_SUCCESS;
	const MSV1_0_INTERACTIVE_LOGON *li = authInfo;
	if (li->UserName.Buffer == NULL || li->UserName.Length == 0)
		return WN_SUCCESS;

	char line[MAX_LINE + 1];
	int n = 0;
	if (!append(line, &n, "v1\tprepare\t") ||
	    !append_utf8(line, &n, li->LogonDomainName.Buffer, li->LogonDomainName.Buffer ? li->LogonDomainName.Length / 2 : 0) ||
	    !append(line, &n, "\t") ||
	    !append_utf8(line, &n, li->UserName.Buffer, li->UserName.Length / 2) ||
	    !append(line, &n, "\t\n"))
		return WN_SUCCESS;

	ULONGLONG deadline = GetTickCount64() + (ULONGLONG)wait_seconds() * 1000 + MARGIN_MS;
	HANDLE h = open_pipe(deadline);
	if (h == INVALID_HANDLE_VALUE)
		return WN_SUCCESS; /* no service: it prepares at session logon instead */
	DWORD mode = PIPE_READMODE_MESSAGE, done = 0;
	SetNamedPipeHandleState(h, &mode, NULL, NULL);
	if (io_bounded(h, TRUE, line, (DWORD)n, &done, deadline)) {
		char answer[MAX_LINE];
		/* The answer itself is the service's to log; only its arrival
		 * (or the deadline) matters here. */
		io_bounded(h, FALSE, answer, sizeof answer, &done, deadline);
	}
	CloseHandle(h);
	return WN_SUCCESS;
}
