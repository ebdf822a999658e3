/* A test-only stand-in for Microsoft's offline WebView2 runtime installer
 * (MicrosoftEdgeWebView2RuntimeInstallerX64.exe), which these machines cannot download
 * and Wine could not run usefully anyway. tests/windows_installer.rs gives it to the
 * console's installer with /WEBVIEW2=<path> to check that the installer runs it with
 * exactly "/silent /install" and checks the runtime again afterwards.
 *
 * With those arguments it does what the real one leaves behind for that check: the
 * runtime's version as "pv" under the EdgeUpdate client key of the WebView2 runtime.
 * With any other arguments it registers nothing and exits with 2. */
#include <windows.h>
#include <string.h>

#define CLIENT_KEY \
    "SOFTWARE\\WOW6432Node\\Microsoft\\EdgeUpdate\\Clients\\{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}"

int main(int argc, char **argv)
{
    static const char version[] = "120.0.2210.91";
    HKEY key;
    if (argc != 3 || strcmp(argv[1], "/silent") != 0 || strcmp(argv[2], "/install") != 0)
        return 2;
    if (RegCreateKeyExA(HKEY_LOCAL_MACHINE, CLIENT_KEY, 0, NULL, 0,
                        KEY_SET_VALUE | KEY_WOW64_64KEY, NULL, &key, NULL) != ERROR_SUCCESS)
        return 3;
    if (RegSetValueExA(key, "pv", 0, REG_SZ, (const BYTE *)version, sizeof version)
        != ERROR_SUCCESS)
        return 4;
    RegCloseKey(key);
    return 0;
}
