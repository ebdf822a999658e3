//! The Windows access list of the token file: one entry, the current user with full
//! access, protected from the folder's inherited entries (the Windows twin of mode 0600).
//!
//! This is the crate's only unsafe code: the security APIs are C functions over raw
//! buffers, reached through Microsoft's `windows-sys` bindings. Everything unsafe stays
//! in this file behind three safe functions ([`restrict_to_current_user`], [`read`],
//! and, for the tests, [`open_to_everyone`]); every block says why it is sound.
//!
//! SYSTEM and the Administrators group are deliberately not granted. Backup software
//! running as SYSTEM reads the file through the backup privilege, which passes any
//! access list, and an administrator can always take ownership; an entry for either
//! would only let every service and elevated program of the machine read the token
//! without trying.

use std::ffi::c_void;
use std::io;
use std::os::windows::ffi::OsStrExt;
use std::path::Path;

use windows_sys::Win32::Foundation::{CloseHandle, LocalFree, ERROR_SUCCESS, HANDLE};
use windows_sys::Win32::Security::Authorization::{
    GetNamedSecurityInfoW, SetNamedSecurityInfoW, SE_FILE_OBJECT,
};
use windows_sys::Win32::Security::{
    AddAccessAllowedAce, EqualSid, GetAce, GetLengthSid, GetSecurityDescriptorControl,
    GetTokenInformation, InitializeAcl, TokenUser, ACCESS_ALLOWED_ACE, ACL, ACL_REVISION,
    DACL_SECURITY_INFORMATION, PROTECTED_DACL_SECURITY_INFORMATION, PSECURITY_DESCRIPTOR, PSID,
    SE_DACL_PROTECTED, TOKEN_QUERY, TOKEN_USER, UNPROTECTED_DACL_SECURITY_INFORMATION,
};
use windows_sys::Win32::Storage::FileSystem::FILE_ALL_ACCESS;
use windows_sys::Win32::System::Threading::{GetCurrentProcess, OpenProcessToken};

/// `ACCESS_ALLOWED_ACE_TYPE` of winnt.h; windows-sys keeps it in `Win32_System_SystemServices`,
/// a large module this one constant does not justify.
const ACCESS_ALLOWED_ACE_TYPE: u8 = 0;

/// One entry of a file's access list, as the tests and the narrowing check need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// An allowing entry (`false`: denying, or a kind this module does not read).
    pub allows: bool,
    /// Whether the entry's SID is the current process's user.
    pub current_user: bool,
    /// The access mask.
    pub mask: u32,
}

/// A file's access list: `None` entries means no list at all, which grants everyone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dacl {
    /// Protected from inheritance: the folder's entries do not flow in.
    pub protected: bool,
    pub entries: Option<Vec<Entry>>,
}

impl Dacl {
    /// Exactly one entry, allowing the current user full access, and protected.
    pub fn is_current_user_only(&self) -> bool {
        self.protected
            && matches!(self.entries.as_deref(), Some([only])
                if only.allows && only.current_user && only.mask == FILE_ALL_ACCESS)
    }
}

/// Sets `path`'s access list to the current user alone, with full access, protected
/// from the entries its folder would pass on.
pub fn restrict_to_current_user(path: &Path) -> io::Result<()> {
    let user = CurrentUser::get()?;
    set(path, &[(user.sid(), FILE_ALL_ACCESS)], true)
}

/// Reads `path`'s access list.
pub fn read(path: &Path) -> io::Result<Dacl> {
    let user = CurrentUser::get()?;
    let wide = wide(path);
    let mut dacl: *mut ACL = std::ptr::null_mut();
    let mut descriptor: PSECURITY_DESCRIPTOR = std::ptr::null_mut();
    // SAFETY: `wide` is a NUL-terminated UTF-16 path that outlives the call; the owner,
    // group and SACL outputs are null because they are not asked for; `dacl` and
    // `descriptor` are valid places for the two pointers the call writes.
    let status = unsafe {
        GetNamedSecurityInfoW(
            wide.as_ptr(),
            SE_FILE_OBJECT,
            DACL_SECURITY_INFORMATION,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            &mut dacl,
            std::ptr::null_mut(),
            &mut descriptor,
        )
    };
    if status != ERROR_SUCCESS {
        return Err(io::Error::from_raw_os_error(status as i32));
    }
    // The descriptor owns the memory `dacl` points into; it is freed when this drops.
    let descriptor = LocalBox(descriptor);
    let mut control: u16 = 0;
    let mut revision: u32 = 0;
    // SAFETY: `descriptor` is the valid security descriptor the call above allocated,
    // and still alive; the outputs are valid places for a u16 and a u32.
    if unsafe { GetSecurityDescriptorControl(descriptor.0, &mut control, &mut revision) } == 0 {
        return Err(io::Error::last_os_error());
    }
    let protected = control & SE_DACL_PROTECTED != 0;
    if dacl.is_null() {
        return Ok(Dacl {
            protected,
            entries: None,
        });
    }
    // SAFETY: `dacl` is non-null and points into `descriptor`, which is alive; an ACL
    // header is plain data.
    let count = unsafe { (*dacl).AceCount };
    let mut entries = Vec::with_capacity(usize::from(count));
    for index in 0..u32::from(count) {
        let mut ace: *mut c_void = std::ptr::null_mut();
        // SAFETY: `dacl` is a valid ACL (above) and `index` is below its AceCount.
        if unsafe { GetAce(dacl, index, &mut ace) } == 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: GetAce succeeded, so `ace` points at an entry inside the ACL, which
        // always starts with an ACE_HEADER.
        let kind = unsafe { (*ace.cast::<ACCESS_ALLOWED_ACE>()).Header.AceType };
        if kind != ACCESS_ALLOWED_ACE_TYPE {
            entries.push(Entry {
                allows: false,
                current_user: false,
                mask: 0,
            });
            continue;
        }
        let ace = ace.cast::<ACCESS_ALLOWED_ACE>();
        // SAFETY: an entry of type ACCESS_ALLOWED_ACE_TYPE is an ACCESS_ALLOWED_ACE whose
        // SID starts at `SidStart` and lies inside the entry; both SIDs are valid for the
        // duration of the call (the descriptor and `user` are alive).
        let (mask, same) = unsafe {
            let sid: PSID = std::ptr::addr_of_mut!((*ace).SidStart).cast();
            ((*ace).Mask, EqualSid(sid, user.sid()) != 0)
        };
        entries.push(Entry {
            allows: true,
            current_user: same,
            mask,
        });
    }
    Ok(Dacl {
        protected,
        entries: Some(entries),
    })
}

/// For the tests: a file opened the way a careless copy leaves it, readable by
/// Everyone beside the user, inheriting the folder's entries too.
#[cfg(test)]
pub fn open_to_everyone(path: &Path) -> io::Result<()> {
    use windows_sys::Win32::Security::{CreateWellKnownSid, WinWorldSid, SECURITY_MAX_SID_SIZE};
    use windows_sys::Win32::Storage::FileSystem::FILE_GENERIC_READ;
    let user = CurrentUser::get()?;
    let mut everyone = vec![0u32; SECURITY_MAX_SID_SIZE as usize / 4];
    let mut size = SECURITY_MAX_SID_SIZE;
    // SAFETY: `everyone` has room for the largest SID (`size` bytes, u32-aligned), and the
    // world SID needs no domain SID.
    let made = unsafe {
        CreateWellKnownSid(
            WinWorldSid,
            std::ptr::null_mut(),
            everyone.as_mut_ptr().cast(),
            &mut size,
        )
    };
    if made == 0 {
        return Err(io::Error::last_os_error());
    }
    set(
        path,
        &[
            (user.sid(), FILE_ALL_ACCESS),
            (everyone.as_mut_ptr().cast(), FILE_GENERIC_READ),
        ],
        false,
    )
}

/// For the tests: Wine's version when they run under Wine. Wine 8 answers the security
/// calls with success but keeps no access list on its files (it reports one made from
/// the Unix mode), so the tests that read a list back can only pass on Windows.
/// `wine_get_version` in ntdll is how Wine tells a program that it is Wine.
#[cfg(test)]
pub fn wine_version() -> Option<String> {
    use windows_sys::Win32::System::LibraryLoader::{GetModuleHandleA, GetProcAddress};
    // SAFETY: both names are NUL-terminated literals; ntdll is loaded in every process,
    // and a null module handle is answered by GetProcAddress with null (None).
    let found = unsafe {
        let ntdll = GetModuleHandleA(c"ntdll.dll".as_ptr().cast());
        if ntdll.is_null() {
            return None;
        }
        GetProcAddress(ntdll, c"wine_get_version".as_ptr().cast())
    }?;
    // SAFETY: Wine documents `const char *wine_get_version(void)`, a C function taking
    // nothing and returning a pointer to a static NUL-terminated string; calling it
    // through a pointer of that type is calling it as declared.
    let version = unsafe {
        let get: unsafe extern "C" fn() -> *const std::ffi::c_char = std::mem::transmute(found);
        std::ffi::CStr::from_ptr(get())
    };
    Some(version.to_string_lossy().into_owned())
}

/// For the tests: whether a test that reads an access list back must stop here, saying
/// why (under Wine).
#[cfg(test)]
pub fn skip_under_wine(test: &str) -> bool {
    match wine_version() {
        Some(version) => {
            eprintln!("{test}: skipped under Wine {version}, which keeps no access lists on files; run it on Windows");
            true
        }
        None => false,
    }
}

/// Replaces `path`'s access list with one allowing entry per `(sid, mask)`; `protected`
/// blocks the folder's inherited entries, otherwise they are kept after ours.
fn set(path: &Path, grants: &[(PSID, u32)], protected: bool) -> io::Result<()> {
    // The ACL header, then per entry the ACCESS_ALLOWED_ACE without its SidStart
    // placeholder plus the SID itself (the size InitializeAcl's documentation gives).
    let mut size = std::mem::size_of::<ACL>();
    for (sid, _) in grants {
        // SAFETY: every SID handed in is valid and alive for this call (callers own them).
        let length = unsafe { GetLengthSid(*sid) } as usize;
        size += std::mem::size_of::<ACCESS_ALLOWED_ACE>() - std::mem::size_of::<u32>() + length;
    }
    // An ACL must be DWORD-aligned: a buffer of u32 is.
    let mut buffer = vec![0u32; size.div_ceil(4)];
    let acl = buffer.as_mut_ptr().cast::<ACL>();
    let acl_size = u32::try_from(buffer.len() * 4).map_err(io::Error::other)?;
    // SAFETY: `acl` points at `acl_size` writable, aligned bytes owned by `buffer`.
    if unsafe { InitializeAcl(acl, acl_size, ACL_REVISION) } == 0 {
        return Err(io::Error::last_os_error());
    }
    for (sid, mask) in grants {
        // SAFETY: `acl` was initialized above with room for every entry; `sid` is valid.
        if unsafe { AddAccessAllowedAce(acl, ACL_REVISION, *mask, *sid) } == 0 {
            return Err(io::Error::last_os_error());
        }
    }
    let inheritance = if protected {
        PROTECTED_DACL_SECURITY_INFORMATION
    } else {
        UNPROTECTED_DACL_SECURITY_INFORMATION
    };
    let wide = wide(path);
    // SAFETY: `wide` is a NUL-terminated UTF-16 path; `acl` is the valid ACL built above,
    // alive in `buffer` for the call; owner, group and SACL are not changed (null).
    let status = unsafe {
        SetNamedSecurityInfoW(
            wide.as_ptr(),
            SE_FILE_OBJECT,
            DACL_SECURITY_INFORMATION | inheritance,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            acl,
            std::ptr::null(),
        )
    };
    if status != ERROR_SUCCESS {
        return Err(io::Error::from_raw_os_error(status as i32));
    }
    Ok(())
}

/// `path` as the NUL-terminated UTF-16 string the wide APIs take.
fn wide(path: &Path) -> Vec<u16> {
    path.as_os_str().encode_wide().chain([0]).collect()
}

/// Memory the security APIs allocated with LocalAlloc, freed on drop.
struct LocalBox(*mut c_void);

impl Drop for LocalBox {
    fn drop(&mut self) {
        if !self.0.is_null() {
            // SAFETY: the pointer came from an API that documents LocalFree for it, and
            // is freed once, here.
            unsafe { LocalFree(self.0) };
        }
    }
}

/// The process token's user: a TOKEN_USER in a buffer of ours, whose SID points into it.
struct CurrentUser {
    buffer: Vec<u64>,
}

impl CurrentUser {
    fn get() -> io::Result<CurrentUser> {
        let mut token: HANDLE = std::ptr::null_mut();
        // SAFETY: GetCurrentProcess returns a pseudo-handle that needs no closing; `token`
        // is a valid place for the handle OpenProcessToken writes.
        if unsafe { OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &mut token) } == 0 {
            return Err(io::Error::last_os_error());
        }
        let token = TokenHandle(token);
        let mut needed: u32 = 0;
        // SAFETY: asking for the size only: a null buffer of length 0, `needed` writable.
        // The call fails with ERROR_INSUFFICIENT_BUFFER by design.
        unsafe { GetTokenInformation(token.0, TokenUser, std::ptr::null_mut(), 0, &mut needed) };
        if needed == 0 {
            return Err(io::Error::last_os_error());
        }
        // u64 items: TOKEN_USER holds a pointer, so the buffer must be pointer-aligned.
        let mut buffer = vec![0u64; (needed as usize).div_ceil(8)];
        let length = u32::try_from(buffer.len() * 8).map_err(io::Error::other)?;
        // SAFETY: `buffer` has `length` writable, 8-aligned bytes, at least `needed`.
        let ok = unsafe {
            GetTokenInformation(
                token.0,
                TokenUser,
                buffer.as_mut_ptr().cast(),
                length,
                &mut needed,
            )
        };
        if ok == 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(CurrentUser { buffer })
    }

    /// The user's SID; valid while `self` lives.
    fn sid(&self) -> PSID {
        // SAFETY: GetTokenInformation(TokenUser) filled `buffer` with a TOKEN_USER whose
        // SID pointer points into the same buffer, which `self` keeps alive and unmoved
        // (a Vec's heap storage does not move while the Vec is not resized).
        unsafe { (*self.buffer.as_ptr().cast::<TOKEN_USER>()).User.Sid }
    }
}

/// A token handle, closed on drop.
struct TokenHandle(HANDLE);

impl Drop for TokenHandle {
    fn drop(&mut self) {
        // SAFETY: the handle came from OpenProcessToken and is closed once, here.
        unsafe { CloseHandle(self.0) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_restricted_file_has_one_entry_for_the_current_user_and_is_protected() {
        if skip_under_wine("a_restricted_file_has_one_entry_for_the_current_user_and_is_protected")
        {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens.json");
        std::fs::write(&path, "{}").unwrap();
        restrict_to_current_user(&path).unwrap();
        let dacl = read(&path).unwrap();
        assert!(dacl.protected, "{dacl:?}");
        assert_eq!(
            dacl.entries,
            Some(vec![Entry {
                allows: true,
                current_user: true,
                mask: FILE_ALL_ACCESS,
            }])
        );
        assert!(dacl.is_current_user_only());
    }

    #[test]
    fn the_current_users_sid_is_read_from_the_process_token() {
        let user = CurrentUser::get().unwrap();
        // SAFETY: the SID is valid while `user` lives.
        let length = unsafe { GetLengthSid(user.sid()) };
        // A SID is 8 bytes of header plus 4 per sub-authority (at most 15).
        assert!((12..=68).contains(&length), "{length}");
    }

    #[test]
    fn a_file_opened_to_everyone_is_seen_as_such() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens.json");
        std::fs::write(&path, "{}").unwrap();
        open_to_everyone(&path).unwrap();
        let dacl = read(&path).unwrap();
        assert!(!dacl.is_current_user_only(), "{dacl:?}");
        let entries = dacl.entries.unwrap();
        assert!(
            entries.iter().any(|e| e.allows && !e.current_user),
            "{entries:?}"
        );
    }
}
