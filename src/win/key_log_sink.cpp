// key_log_sink.cpp - the key log's file on Windows (core/key_log_sink.h, docs/key-log.md).
//
// The setting is the REG_SZ value KeyLogFile under HKEY_LOCAL_MACHINE\SOFTWARE\OpenSSLP, read by the
// configuration (win/configuration_source.cpp): HKLM\SOFTWARE is writable by administrators and
// SYSTEM only, so no other account can switch the log on (the environment would not do: any user
// sets their own, and lsass's is the system's). Only SYSTEM and
// elevated administrators create the file; it must be a plain disk file (no junction or symbolic
// link is followed) owned by SYSTEM, Administrators or the process's own user, and it gets a
// protected DACL granting full access to SYSTEM and the Administrators group only -- also when it
// already existed (someone may have created it, readable by everyone, before the log was switched
// on): the DACL is set on the open handle, and the log stays off if anything of this fails. One WriteFile per
// line on a handle opened for FILE_APPEND_DATA only: Windows appends each write whole at the end
// of the file, also with other processes appending. Opening the file is announced (at the first
// open, and again when a re-read configuration names another file) in the Application event log (source "OpenSSLP
// Protocol Provider", event 1000, a warning), where administrators look.
#if defined(_WIN32)
#include <aclapi.h>
#include <sddl.h>
#include <windows.h>

#include <string>
#include <vector>

#include "core/key_log_sink.h"
#include "win/win_text.h"

namespace opensslp::key_log::sink {
namespace {

using win::ToWide;
using win::Win32Error;

// SYSTEM and BUILTIN\Administrators, full access; protected: nothing inherited from the folder.
constexpr wchar_t kFileSddl[] = L"D:P(A;;FA;;;SY)(A;;FA;;;BA)";

// True for SYSTEM and for a token in which BUILTIN\Administrators is enabled (elevated).
bool ProcessIsSystemOrAdministrator() noexcept {
  for (WELL_KNOWN_SID_TYPE type : {WinLocalSystemSid, WinBuiltinAdministratorsSid}) {
    BYTE sid[SECURITY_MAX_SID_SIZE];
    DWORD size = sizeof sid;
    BOOL member = FALSE;
    if (CreateWellKnownSid(type, nullptr, sid, &size) && CheckTokenMembership(nullptr, sid, &member) && member) {
      return true;
    }
  }
  return false;
}

// The SID of this process's user (a copy in `out`), or false.
bool ProcessUserSid(std::vector<BYTE>& out) {
  HANDLE token = nullptr;
  if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token)) return false;
  DWORD size = 0;
  GetTokenInformation(token, TokenUser, nullptr, 0, &size);
  std::vector<BYTE> buffer(size);
  const bool ok = size != 0 && GetTokenInformation(token, TokenUser, buffer.data(), size, &size);
  CloseHandle(token);
  if (!ok) return false;
  const PSID sid = reinterpret_cast<TOKEN_USER*>(buffer.data())->User.Sid;
  out.assign(static_cast<const BYTE*>(sid), static_cast<const BYTE*>(sid) + GetLengthSid(sid));
  return true;
}

// Why an opened key-log file must not be used, or nullptr: not a plain disk file (a reparse point,
// a pipe, a device), or owned by someone other than SYSTEM, Administrators or this process's user
// (its owner could give itself read access again whatever the DACL says).
const char* CheckKeyLogFile(HANDLE handle) {
  if (GetFileType(handle) != FILE_TYPE_DISK) return "not a disk file";
  BY_HANDLE_FILE_INFORMATION info{};
  if (!GetFileInformationByHandle(handle, &info)) return "cannot read its attributes";
  if ((info.dwFileAttributes & (FILE_ATTRIBUTE_REPARSE_POINT | FILE_ATTRIBUTE_DIRECTORY)) != 0) {
    return "a reparse point (junction, symbolic link) or a directory";
  }
  PSID owner = nullptr;
  PSECURITY_DESCRIPTOR descriptor = nullptr;
  if (GetSecurityInfo(handle, SE_FILE_OBJECT, OWNER_SECURITY_INFORMATION, &owner, nullptr, nullptr, nullptr,
                      &descriptor) != ERROR_SUCCESS) {
    return "cannot read its owner";
  }
  std::vector<BYTE> self;
  const bool ok = owner != nullptr &&
                  (IsWellKnownSid(owner, WinLocalSystemSid) || IsWellKnownSid(owner, WinBuiltinAdministratorsSid) ||
                   (ProcessUserSid(self) && EqualSid(owner, self.data())));
  LocalFree(descriptor);
  return ok ? nullptr : "it is owned by another account than SYSTEM, Administrators or this process's user";
}

}  // namespace

std::intptr_t OpenForAppend(const std::string& file, std::string& error) {
  const std::wstring path = ToWide(file);
  if (path.empty()) {
    error = "the file name is not valid UTF-8";
    return -1;
  }
  // Only SYSTEM and elevated administrators may create the file; any other process only opens an
  // existing one (which the DACL below then refuses it): a user's process must not create the file
  // lsass will write the machine's secrets into.
  const bool privileged = ProcessIsSystemOrAdministrator();
  PSECURITY_DESCRIPTOR descriptor = nullptr;
  if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(kFileSddl, SDDL_REVISION_1, &descriptor, nullptr)) {
    error = Win32Error("ConvertStringSecurityDescriptorToSecurityDescriptorW", GetLastError());
    return -1;
  }
  SECURITY_ATTRIBUTES attributes{sizeof attributes, descriptor, FALSE};
  // FILE_FLAG_OPEN_REPARSE_POINT: a junction or symbolic link is opened itself (and refused below),
  // never followed to a file someone else chose.
  HANDLE handle = CreateFileW(path.c_str(), FILE_APPEND_DATA | WRITE_DAC | READ_CONTROL | SYNCHRONIZE,
                              FILE_SHARE_READ | FILE_SHARE_WRITE, &attributes, privileged ? OPEN_ALWAYS : OPEN_EXISTING,
                              FILE_ATTRIBUTE_NORMAL | FILE_FLAG_OPEN_REPARSE_POINT, nullptr);
  if (handle == INVALID_HANDLE_VALUE) {
    const DWORD code = GetLastError();
    LocalFree(descriptor);
    error = Win32Error(("CreateFileW(" + file + ")").c_str(), code);
    return -1;
  }
  const char* refusal;
  try {
    refusal = CheckKeyLogFile(handle);
  } catch (...) {
    refusal = "out of memory while checking it";
  }
  DWORD rc = ERROR_SUCCESS;
  if (refusal == nullptr) {
    // A file that existed keeps its old DACL through OPEN_ALWAYS: set ours on the handle.
    BOOL present = FALSE, defaulted = FALSE;
    PACL dacl = nullptr;
    rc = ERROR_INVALID_SECURITY_DESCR;
    if (GetSecurityDescriptorDacl(descriptor, &present, &dacl, &defaulted) && present) {
      rc = SetSecurityInfo(handle, SE_FILE_OBJECT, DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION,
                           nullptr, nullptr, dacl, nullptr);
    }
  }
  LocalFree(descriptor);
  if (refusal != nullptr || rc != ERROR_SUCCESS) {
    CloseHandle(handle);
    error = refusal != nullptr ? "refusing " + file + ": " + refusal
                               : Win32Error("SetSecurityInfo (restricting the file to SYSTEM and Administrators)", rc);
    return -1;
  }
  return reinterpret_cast<std::intptr_t>(handle);
}

bool Append(std::intptr_t handle, const char* data, std::size_t size) noexcept {
  DWORD written = 0;
  return WriteFile(reinterpret_cast<HANDLE>(handle), data, static_cast<DWORD>(size), &written, nullptr) &&
         written == size;
}

void Close(std::intptr_t handle) noexcept { CloseHandle(reinterpret_cast<HANDLE>(handle)); }

void AnnounceEnabled(const std::string& file) noexcept {
  try {
    win::ReportWarningEvent(
        win::kEventKeyLogOn,
        L"The opensslp key log is on: the secrets of every TLS connection made through the OpenSSLP Protocol "
        L"Provider are written to " +
            ToWide(file) +
            L" (set by HKLM\\SOFTWARE\\OpenSSLP KeyLogFile). Anyone who can read that file can decrypt those "
            L"connections. Delete the value to stop it (docs/operations.md: when a change takes effect).");
  } catch (...) {
    // Out of memory building the message: the log itself works; State() still says it is on.
  }
}

}  // namespace opensslp::key_log::sink
#endif
