; Sets System.AppUserModel.ID on an existing shell link (.lnk) with NSIS's built-in System
; plugin, since NSIS's CreateShortcut cannot: the link is opened through IShellLinkW and
; IPersistFile, its IPropertyStore gets PKEY_AppUserModel_ID as a VT_LPWSTR, and the
; store is committed and the link saved. Windows files a toast under an AppUserModelID
; only when a Start-menu shortcut carries it.
;
;   !insertmacro ShortcutSetAppUserModelId "<path of the .lnk>" "<AppUserModelID>"
;
; Leaves "ok" in $0, or "<step> failed: 0x<HRESULT>" (the install goes on either way:
; without the ID the console's toasts fall back to its executable's identity).

!define /ifndef CLSID_ShellLink "{00021401-0000-0000-C000-000000000046}"
!define /ifndef IID_IShellLinkW "{000214F9-0000-0000-C000-000000000046}"
!define /ifndef IID_IPersistFile "{0000010B-0000-0000-C000-000000000046}"
!define /ifndef IID_IPropertyStore "{886D8EEB-8CF2-4446-8D02-CDBA1DBDCF99}"
; PKEY_AppUserModel_ID = {9F4C2855-9F79-4B39-A8D0-E1D42DE1D5F3}, 5
!define /ifndef FMTID_AppUserModel "{9F4C2855-9F79-4B39-A8D0-E1D42DE1D5F3}"
!define /ifndef PID_AppUserModel_ID 5
!define /ifndef VT_LPWSTR 31
!define /ifndef CLSCTX_INPROC_SERVER 1
!define /ifndef STGM_READWRITE 2

!macro ShortcutSetAppUserModelId LNK AUMID
  Push "${AUMID}"
  Push "${LNK}"
  Call ShortcutSetAppUserModelId
  Pop $0
!macroend

; Stack in: the link's path, then the ID. Stack out: "ok" or what failed.
; Registers: $0 path, $1 ID, $2 IShellLinkW, $3 IPersistFile, $4 IPropertyStore,
; $5 PROPERTYKEY, $6 the ID as a wide string, $7 PROPVARIANT, $8 HRESULT, $9 result.
Function ShortcutSetAppUserModelId
  Exch $0
  Exch
  Exch $1
  Push $2
  Push $3
  Push $4
  Push $5
  Push $6
  Push $7
  Push $8
  Push $9
  StrCpy $2 0
  StrCpy $3 0
  StrCpy $4 0
  StrCpy $5 0
  StrCpy $6 0
  StrCpy $7 0

  System::Call "ole32::CoCreateInstance(g '${CLSID_ShellLink}', p 0, i ${CLSCTX_INPROC_SERVER}, g '${IID_IShellLinkW}', *p .r2) i .r8"
  StrCpy $9 "CoCreateInstance(ShellLink)"
  IntCmp $8 0 0 done done
  ; IUnknown::QueryInterface is method 0 of every interface.
  System::Call "$2->0(g '${IID_IPersistFile}', *p .r3) i .r8"
  StrCpy $9 "QueryInterface(IPersistFile)"
  IntCmp $8 0 0 done done
  ; IPersistFile::Load (IUnknown 0-2, IPersist::GetClassID 3, IsDirty 4, Load 5, Save 6).
  System::Call "$3->5(w r0, i ${STGM_READWRITE}) i .r8"
  StrCpy $9 "IPersistFile::Load"
  IntCmp $8 0 0 done done
  System::Call "$2->0(g '${IID_IPropertyStore}', *p .r4) i .r8"
  StrCpy $9 "QueryInterface(IPropertyStore)"
  IntCmp $8 0 0 done done

  ; PROPERTYKEY: a GUID (16 bytes) and a DWORD.
  System::Call "*(&g16 '${FMTID_AppUserModel}', i ${PID_AppUserModel_ID}) p .r5"
  ; The ID as a NUL-terminated UTF-16 string of its own, which the PROPVARIANT points to.
  System::Call "*(&w256 r1) p .r6"
  ; PROPVARIANT on 64-bit Windows is 24 bytes: vt (2 bytes), three reserved WORDs, then
  ; the 8-byte-aligned union at offset 8 whose pwszVal is the pointer; the tail pads to
  ; the union's largest member (16 bytes).
  System::Call "*(&i2 ${VT_LPWSTR}, &i2 0, &i2 0, &i2 0, p r6, p 0) p .r7"
  ; IPropertyStore: GetCount 3, GetAt 4, GetValue 5, SetValue 6, Commit 7.
  System::Call "$4->6(p r5, p r7) i .r8"
  StrCpy $9 "IPropertyStore::SetValue"
  IntCmp $8 0 0 done done
  System::Call "$4->7() i .r8"
  StrCpy $9 "IPropertyStore::Commit"
  IntCmp $8 0 0 done done
  System::Call "$3->6(w r0, i 1) i .r8"
  StrCpy $9 "IPersistFile::Save"
  IntCmp $8 0 0 done done
  StrCpy $9 "ok"

  done:
  ${If} $9 != "ok"
    IntFmt $8 "0x%08X" $8
    StrCpy $9 "$9 failed: $8"
  ${EndIf}
  ; IUnknown::Release is method 2.
  ${If} $4 P<> 0
    System::Call "$4->2()"
  ${EndIf}
  ${If} $3 P<> 0
    System::Call "$3->2()"
  ${EndIf}
  ${If} $2 P<> 0
    System::Call "$2->2()"
  ${EndIf}
  ${If} $5 P<> 0
    System::Free $5
  ${EndIf}
  ${If} $6 P<> 0
    System::Free $6
  ${EndIf}
  ${If} $7 P<> 0
    System::Free $7
  ${EndIf}
  StrCpy $0 $9
  Pop $9
  Pop $8
  Pop $7
  Pop $6
  Pop $5
  Pop $4
  Pop $3
  Pop $2
  Pop $1
  Exch $0
FunctionEnd
