/* A test-only stand-in for Windows' bcryptprimitives.dll, for Wine 8, which lacks it.
 *
 * Rust's standard library (1.78 and later) takes its random numbers from ProcessPrng in
 * bcryptprimitives.dll, which every Windows 10 and 11 has; Wine 8.0 does not, so a Rust
 * exe exits at once under it. This DLL gives ProcessPrng on top of advapi32's
 * SystemFunction036 (RtlGenRandom), which Wine has. The tests put it into their private
 * Wine prefix's system32; it is never shipped, and no installer carries it. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    /* RtlGenRandom takes a ULONG length; a larger request is served in pieces. */
    while (length > 0) {
        ULONG piece = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, piece))
            return FALSE;
        data += piece;
        length -= piece;
    }
    return TRUE;
}
