/*
 * bcryptprimitives.dll for Wine 8, which lacks ProcessPrng: Go 1.24 and later
 * fill their random source from it at start-up, so without it no Go Windows
 * program (and no `go test` binary) starts under Wine. Test machines only:
 * scripts/wine-test.sh puts it in the Wine prefix's system32, never on Windows.
 */
#include <windows.h>

/* RtlGenRandom, exported from advapi32 under this name. */
BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
	/* RtlGenRandom takes a ULONG: fill big requests in pieces. */
	while (len > 0) {
		ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
		if (!SystemFunction036(data, n))
			return FALSE;
		data += n;
		len -= n;
	}
	return TRUE;
}
