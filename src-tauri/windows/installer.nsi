; Plant Console's Windows installer, built on Linux by `cargo xtask package` with Debian's
; makensis (xtask/src/package/nsis.rs). Tauri's own NSIS bundling is not used: it fetches
; its NSIS plugins from the internet, which the build machines cannot reach; this script
; needs only what Debian's `nsis` package ships (its amd64-unicode stubs and plugins).
;
; Defines from nsis.rs (makensis -D...):
;   VERSION    the console's version, e.g. 0.1.0 (from tauri.conf.json)
;   VIVERSION  the same as four numbers, e.g. 0.1.0.0 (for the exe's version resource)
;   SRC        the folder holding plant-console.exe, plant-console-headless.exe and
;              WebView2Loader.dll
;   ROOT       the repository (icons/icon.ico, README.md, LICENSE if there is one)
;   OUT        the installer to write: target/dist/plant-console_<VERSION>_x64-setup.exe
;   COMPRESSOR optional: lzma (the default, for releases) or zlib (the test build)
;
; What it does: a per-machine, 64-bit install into "$PROGRAMFILES64\Plant Console" (it asks
; for administrator rights), a Start-menu shortcut for all users that carries the console's
; AppUserModelID, that ID's registration (toasts look it up), an optional autostart Run
; value, and an uninstaller in Add/Remove Programs.
;
; Command line of the installer (flags are case-insensitive):
;   /S               silent: no pages, no questions; the exit code tells the outcome.
;   /D=<dir>         install folder (NSIS's own flag: last on the line, no quotes).
;   /AUTOSTART       start the console at every logon (HKLM Run value); off by default,
;                    a checkbox ("Start with Windows", unchecked) when interactive.
;   /WEBVIEW2=<path> a local (offline) WebView2 runtime installer to run when the runtime
;                    is missing, e.g. /WEBVIEW2=D:\MicrosoftEdgeWebView2RuntimeInstallerX64.exe
;                    (a path with spaces: /WEBVIEW2="D:\x y\setup.exe" or the whole
;                    argument in quotes, "/WEBVIEW2=D:\x y\setup.exe"; both work)
;                    Without the flag, MicrosoftEdgeWebView2RuntimeInstallerX64.exe beside
;                    this installer is used if it is there. It runs with /silent /install,
;                    and the runtime is checked again afterwards.
;   /NOWEBVIEW2      silent installs only: install even though the WebView2 runtime is
;                    missing and no local installer was given, for headless-only machines
;                    (the recorder, `plant-console --headless`, and the CLI need no WebView2;
;                    the window does).
; When the runtime is missing and no local installer is given, an interactive install
; explains that the window needs WebView2 and offers to continue; a silent one fails
; (exit code 3) and installs nothing unless /NOWEBVIEW2 is given.
;
; Exit codes: 0 installed; 1 cancelled by the user; 2 aborted (NSIS's own code);
;   3 WebView2 runtime missing, no local installer, no /NOWEBVIEW2 (silent; interactively,
;     the operator chose not to go on without it);
;   4 the local WebView2 installer is missing or ran but the runtime is still not there
;     (silent; interactively, likewise declined);
;   5 not running with administrator rights.
;
; Command line of the uninstaller ("$INSTDIR\uninstall.exe"):
;   /S               silent.
;   /REMOVEDATA      also delete the operator's data folder (cache, journal, settings),
;                    %LOCALAPPDATA%\plant-console, of the Windows user running the
;                    uninstaller only; other users' folders are kept. Interactively an
;                    unchecked checkbox ("Remove my data") does the same. Without it the
;                    data is kept, so that a reinstall finds the cache and settings.
;   _?=<dir>         NSIS's own flag: run in place from <dir> and wait (for scripts/tests).

Unicode true
Target amd64-unicode
ManifestDPIAware true
RequestExecutionLevel admin

!ifndef VERSION | SRC | ROOT | OUT | VIVERSION
  !error "VERSION, VIVERSION, SRC, ROOT and OUT must be defined (cargo xtask package does)"
!endif
!ifndef COMPRESSOR
  !define COMPRESSOR lzma
!endif
SetCompressor /SOLID ${COMPRESSOR}

!define PRODUCT "Plant Console"
!define PUBLISHER "Plant Console"
!define EXE "plant-console.exe"
; The headless recorder, beside the window program: the same command line, no window and
; no WebView2 (a console program; services and scheduled tasks run it).
!define HEADLESS_EXE "plant-console-headless.exe"
!define AUMID "com.plantconsole.desktop"
; The autostart Run value's name: one place. It is the name the in-window setting
; (tauri-plugin-autostart, per user under HKCU) gives its own Run value, so both read
; as the same program in Task Manager's Startup list.
!define AUTOSTART_VALUE "plant-console"
!define RUN_KEY "Software\Microsoft\Windows\CurrentVersion\Run"
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${PRODUCT}"
!define AUMID_KEY "SOFTWARE\Classes\AppUserModelId\${AUMID}"
!define SHORTCUT "$SMPROGRAMS\${PRODUCT}.lnk"
!define DATA_DIR_NAME "plant-console"
!define WEBVIEW2_GUID "{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}"
!define WEBVIEW2_LOCAL "MicrosoftEdgeWebView2RuntimeInstallerX64.exe"

!include MUI2.nsh
!include LogicLib.nsh
!include FileFunc.nsh
!include Sections.nsh
!include x64.nsh
!include "shortcut-aumid.nsh"

Name "${PRODUCT}"
OutFile "${OUT}"
InstallDir "$PROGRAMFILES64\${PRODUCT}"
; An upgrade goes where the last install went.
InstallDirRegKey HKLM "${UNINSTALL_KEY}" "InstallLocation"
BrandingText "${PRODUCT} ${VERSION}"
ShowInstDetails show
ShowUninstDetails show

VIProductVersion "${VIVERSION}"
VIAddVersionKey /LANG=1033 "ProductName" "${PRODUCT}"
VIAddVersionKey /LANG=1033 "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=1033 "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=1033 "CompanyName" "${PUBLISHER}"
VIAddVersionKey /LANG=1033 "FileDescription" "${PRODUCT} ${VERSION} Setup"
VIAddVersionKey /LANG=1033 "LegalCopyright" "MIT licence"

!define MUI_ICON "${ROOT}/icons/icon.ico"
!define MUI_UNICON "${ROOT}/icons/icon.ico"
!define MUI_ABORTWARNING
!define MUI_COMPONENTSPAGE_NODESC

!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_COMPONENTS
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH

!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_COMPONENTS
!insertmacro MUI_UNPAGE_INSTFILES

!insertmacro MUI_LANGUAGE "English"

; The runtime installer to run in .onInit, if any ("" when none is needed or given).
Var WebView2Installer

; ---------------------------------------------------------------------------------------
; Installer

Section "${PRODUCT}" SEC_MAIN
  SectionIn RO
  SetOutPath "$INSTDIR"
  File "/oname=${EXE}" "${SRC}/${EXE}"
  File "/oname=${HEADLESS_EXE}" "${SRC}/${HEADLESS_EXE}"
  File "/oname=WebView2Loader.dll" "${SRC}/WebView2Loader.dll"
  File "/oname=icon.ico" "${ROOT}/icons/icon.ico"
  File "/oname=README.md" "${ROOT}/README.md"
  !if /FileExists "${ROOT}/LICENSE"
    File "/oname=LICENSE.txt" "${ROOT}/LICENSE"
  !endif
  WriteUninstaller "$INSTDIR\uninstall.exe"

  ; The shortcut for all users, carrying the AppUserModelID that the console's toasts are
  ; filed under; Windows shows a toast only for an ID that a Start-menu shortcut has.
  CreateShortcut "${SHORTCUT}" "$INSTDIR\${EXE}" "" "$INSTDIR\icon.ico" 0 \
    SW_SHOWNORMAL "" "Control console for a factory's plant server"
  !insertmacro ShortcutSetAppUserModelId "${SHORTCUT}" "${AUMID}"
  DetailPrint "AppUserModelID on the shortcut: $0"

  ; The console reads this key to decide whether its toasts can use its own ID.
  WriteRegStr HKLM "${AUMID_KEY}" "DisplayName" "${PRODUCT}"
  WriteRegStr HKLM "${AUMID_KEY}" "IconUri" "$INSTDIR\icon.ico"

  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayName" "${PRODUCT}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "Publisher" "${PUBLISHER}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKLM "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegStr HKLM "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\icon.ico"
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  IntFmt $0 "0x%08X" $0
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "EstimatedSize" "$0"
SectionEnd

; Off by default; /AUTOSTART selects it in a silent install. It writes the value only:
; an upgrade without it leaves an autostart the operator chose before (.onInit also
; preselects the box when the value is there).
Section /o "Start with Windows" SEC_AUTOSTART
  WriteRegStr HKLM "${RUN_KEY}" "${AUTOSTART_VALUE}" '"$INSTDIR\${EXE}"'
SectionEnd

; Pushes the installed WebView2 runtime's version, or "" when there is none.
Function WebView2Version
  Push $0
  ReadRegStr $0 HKLM "SOFTWARE\WOW6432Node\Microsoft\EdgeUpdate\Clients\${WEBVIEW2_GUID}" "pv"
  ${If} $0 == ""
  ${OrIf} $0 == "0.0.0.0"
    ReadRegStr $0 HKCU "Software\Microsoft\EdgeUpdate\Clients\${WEBVIEW2_GUID}" "pv"
  ${EndIf}
  ${If} $0 == "0.0.0.0"
    StrCpy $0 ""
  ${EndIf}
  Exch $0
FunctionEnd

; Fails a silent install with `code`, or asks an interactive one whether to go on
; without the window's runtime (no: quit).
!macro WebView2Missing code reason
  ${If} ${Silent}
    SetErrorLevel ${code}
    Quit
  ${EndIf}
  MessageBox MB_YESNO|MB_ICONEXCLAMATION "${reason}$\n$\n\
    ${PRODUCT}'s window needs the Microsoft Edge WebView2 Runtime. The headless \
    recorder (plant-console --headless) and the command line work without it.$\n$\n\
    To add it later on a machine without internet access, run this installer again \
    with /WEBVIEW2=<path to ${WEBVIEW2_LOCAL}>, or put that file beside it.$\n$\n\
    Continue installing without it?" IDYES +3
  SetErrorLevel ${code}
  Quit
!macroend

; A deployment tool (PowerShell, or any program quoting with CreateProcess's rules) passes
; an argument with a space in it whole in quotes: "/WEBVIEW2=C:\a b\x.exe". GetOptions
; finds only /WEBVIEW2="C:\a b\x.exe", so the first is rewritten into the second in $R0.
Function NormalizeWebView2Flag
  Push $0
  Push $1
  StrCpy $0 0
  ${Do}
    StrCpy $1 $R0 11 $0
    ${If} $1 == ""
      ${Break}
    ${EndIf}
    ; StrCmp, behind ==, ignores case, as GetOptions does.
    ${If} $1 == '"/WEBVIEW2='
      StrCpy $1 $R0 $0
      IntOp $0 $0 + 11
      StrCpy $R0 $R0 "" $0
      StrCpy $R0 '$1/WEBVIEW2="$R0'
      ${Break}
    ${EndIf}
    IntOp $0 $0 + 1
  ${Loop}
  Pop $1
  Pop $0
FunctionEnd

Function .onInit
  SetShellVarContext all
  SetRegView 64
  ${IfNot} ${RunningX64}
    MessageBox MB_ICONSTOP "${PRODUCT} needs 64-bit Windows." /SD IDOK
    SetErrorLevel 5
    Quit
  ${EndIf}
  UserInfo::GetAccountType
  Pop $0
  ${If} $0 != "Admin"
    MessageBox MB_ICONSTOP "${PRODUCT} installs for all users: run the installer as an administrator." /SD IDOK
    SetErrorLevel 5
    Quit
  ${EndIf}

  ${GetParameters} $R0
  Call NormalizeWebView2Flag
  ClearErrors
  ${GetOptions} $R0 "/AUTOSTART" $0
  ${IfNot} ${Errors}
    !insertmacro SelectSection ${SEC_AUTOSTART}
  ${Else}
    ReadRegStr $0 HKLM "${RUN_KEY}" "${AUTOSTART_VALUE}"
    ${If} $0 != ""
      !insertmacro SelectSection ${SEC_AUTOSTART}
    ${EndIf}
  ${EndIf}

  ; WebView2: everything is decided here, before any page or file, so that a silent
  ; install that cannot go on leaves nothing behind.
  Call WebView2Version
  Pop $0
  ${If} $0 != ""
    Return
  ${EndIf}
  StrCpy $WebView2Installer ""
  ClearErrors
  ${GetOptions} $R0 "/WEBVIEW2=" $1
  ${IfNot} ${Errors}
    ${IfNot} ${FileExists} "$1"
      !insertmacro WebView2Missing 4 "The WebView2 runtime installer given with /WEBVIEW2 is not there: $1"
      Return
    ${EndIf}
    StrCpy $WebView2Installer "$1"
  ${ElseIf} ${FileExists} "$EXEDIR\${WEBVIEW2_LOCAL}"
    StrCpy $WebView2Installer "$EXEDIR\${WEBVIEW2_LOCAL}"
  ${EndIf}
  ${If} $WebView2Installer == ""
    ClearErrors
    ${GetOptions} $R0 "/NOWEBVIEW2" $1
    ${If} ${Silent}
    ${AndIfNot} ${Errors}
      Return
    ${EndIf}
    !insertmacro WebView2Missing 3 "The Microsoft Edge WebView2 Runtime is not installed."
    Return
  ${EndIf}
  ${IfNot} ${Silent}
    Banner::show "Installing the Microsoft Edge WebView2 Runtime..."
  ${EndIf}
  ExecWait '"$WebView2Installer" /silent /install' $1
  ${IfNot} ${Silent}
    Banner::destroy
  ${EndIf}
  Call WebView2Version
  Pop $0
  ${If} $0 == ""
    !insertmacro WebView2Missing 4 "The WebView2 runtime installer ($WebView2Installer) ran (exit code $1), but the runtime is still not installed."
  ${EndIf}
FunctionEnd

; ---------------------------------------------------------------------------------------
; Uninstaller

Section "un.${PRODUCT}" UNSEC_MAIN
  SectionIn RO
  Delete "${SHORTCUT}"
  DeleteRegKey HKLM "${AUMID_KEY}"
  DeleteRegValue HKLM "${RUN_KEY}" "${AUTOSTART_VALUE}"
  ; Each installed file by name, never the folder recursively: /D= may have pointed
  ; at a folder that holds other things.
  Delete "$INSTDIR\${EXE}"
  Delete "$INSTDIR\${HEADLESS_EXE}"
  Delete "$INSTDIR\WebView2Loader.dll"
  Delete "$INSTDIR\icon.ico"
  Delete "$INSTDIR\README.md"
  Delete "$INSTDIR\LICENSE.txt"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  DeleteRegKey HKLM "${UNINSTALL_KEY}"
SectionEnd

; Off by default: the cache, journal and settings outlive a reinstall. Only the folder of
; the user running the uninstaller: other users' profiles are theirs.
Section /o "un.Remove my data (%LOCALAPPDATA%\${DATA_DIR_NAME} of this Windows user only)" UNSEC_DATA
  SetShellVarContext current
  RMDir /r "$LOCALAPPDATA\${DATA_DIR_NAME}"
  SetShellVarContext all
SectionEnd

Function un.onInit
  SetShellVarContext all
  SetRegView 64
  ${GetParameters} $R0
  ClearErrors
  ${GetOptions} $R0 "/REMOVEDATA" $0
  ${IfNot} ${Errors}
    !insertmacro SelectSection ${UNSEC_DATA}
  ${EndIf}
FunctionEnd
