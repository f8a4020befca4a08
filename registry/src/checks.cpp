// checks.cpp - see checks.h.
#include "checks.h"

#include <windows.h>
// windows.h first: the headers below need its types.
#include <softpub.h>
#include <tlhelp32.h>
#include <wincrypt.h>
#include <wintrust.h>

#include <cstdio>
#include <cwchar>

#include "registry_common.h"

namespace opensslp::registry {

namespace {

class Handle {
 public:
  explicit Handle(HANDLE h = nullptr) : h_(h) {}
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() { reset(); }
  void reset(HANDLE h = nullptr) {
    if (h_ != nullptr && h_ != INVALID_HANDLE_VALUE) CloseHandle(h_);
    h_ = h;
  }
  HANDLE get() const { return h_; }
  HANDLE* put() {
    reset();
    return &h_;
  }

 private:
  HANDLE h_;
};

std::wstring Hex(unsigned long value) {
  wchar_t text[16];
  std::swprintf(text, 16, L"0x%08lX", value);
  return text;
}

}  // namespace

bool IsElevated() {
  Handle token;
  if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, token.put())) return false;
  TOKEN_ELEVATION elevation{};
  DWORD size = 0;
  return GetTokenInformation(token.get(), TokenElevation, &elevation, sizeof elevation, &size) &&
         elevation.TokenIsElevated != 0;
}

LsaProtection QueryLsaProtection() {
  LsaProtection result;
  const auto run_as_ppl = ReadDword(HKEY_LOCAL_MACHINE, L"SYSTEM\\CurrentControlSet\\Control\\Lsa", L"RunAsPPL");
  if (run_as_ppl && (*run_as_ppl == 1 || *run_as_ppl == 2)) {
    result.on = true;
    result.evidence = L"HKLM\\SYSTEM\\CurrentControlSet\\Control\\Lsa RunAsPPL = " + std::to_wstring(*run_as_ppl) +
                      (*run_as_ppl == 1 ? L" (on, UEFI-locked)" : L" (on, no UEFI lock)");
    return result;
  }
  result.evidence = run_as_ppl ? L"RunAsPPL = " + std::to_wstring(*run_as_ppl) : L"RunAsPPL not set";

  // The running lsass.exe: PS_PROTECTION (ProcessProtectionInformation = 61) is one byte, zero for
  // an unprotected process.
  using NtQueryInformationProcessFn = LONG(WINAPI*)(HANDLE, ULONG, PVOID, ULONG, PULONG);
  const auto query = reinterpret_cast<NtQueryInformationProcessFn>(
      reinterpret_cast<void*>(GetProcAddress(GetModuleHandleW(L"ntdll.dll"), "NtQueryInformationProcess")));
  Handle snapshot(CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0));
  PROCESSENTRY32W entry{};
  entry.dwSize = sizeof entry;
  bool found = false;
  if (snapshot.get() != INVALID_HANDLE_VALUE && Process32FirstW(snapshot.get(), &entry)) {
    do {
      if (_wcsicmp(entry.szExeFile, L"lsass.exe") != 0) continue;
      found = true;
      Handle process(OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, entry.th32ProcessID));
      unsigned char protection = 0;
      ULONG size = 0;
      if (process.get() != nullptr && query != nullptr &&
          query(process.get(), 61, &protection, sizeof protection, &size) == 0 && protection != 0) {
        result.on = true;
        result.evidence = L"lsass.exe (pid " + std::to_wstring(entry.th32ProcessID) +
                          L") runs as a protected process (PS_PROTECTION " + Hex(protection) + L")";
        return result;
      }
    } while (Process32NextW(snapshot.get(), &entry));
  }
  result.evidence += found ? L"; lsass.exe is not a protected process" : L"; no lsass.exe process found";
  return result;
}

bool HasMicrosoftSignature(const std::wstring& path, std::wstring& detail) {
  WINTRUST_FILE_INFO file{};
  file.cbStruct = sizeof file;
  file.pcwszFilePath = path.c_str();
  WINTRUST_DATA data{};
  data.cbStruct = sizeof data;
  data.dwUIChoice = WTD_UI_NONE;
  data.fdwRevocationChecks = WTD_REVOKE_NONE;
  data.dwUnionChoice = WTD_CHOICE_FILE;
  data.pFile = &file;
  data.dwStateAction = WTD_STATEACTION_VERIFY;
  GUID action = WINTRUST_ACTION_GENERIC_VERIFY_V2;
  const LONG rc = WinVerifyTrust(static_cast<HWND>(INVALID_HANDLE_VALUE), &action, &data);
  bool microsoft = false;
  if (rc == ERROR_SUCCESS) {
    CRYPT_PROVIDER_DATA* provider_data = WTHelperProvDataFromStateData(data.hWVTStateData);
    CRYPT_PROVIDER_SGNR* signer =
        provider_data != nullptr ? WTHelperGetProvSignerFromChain(provider_data, 0, FALSE, 0) : nullptr;
    if (signer != nullptr && signer->pChainContext != nullptr) {
      CERT_CHAIN_POLICY_PARA para{};
      para.cbSize = sizeof para;
      CERT_CHAIN_POLICY_STATUS status{};
      status.cbSize = sizeof status;
      microsoft =
          CertVerifyCertificateChainPolicy(CERT_CHAIN_POLICY_MICROSOFT_ROOT, signer->pChainContext, &para, &status) &&
          status.dwError == 0;
      detail = microsoft ? L"signed; the signer chains to a Microsoft root"
                         : L"signed, but the signer does not chain to a Microsoft root";
    } else {
      detail = L"signed, but the signer's certificate chain could not be read";
    }
  } else if (static_cast<unsigned long>(rc) == static_cast<unsigned long>(TRUST_E_NOSIGNATURE)) {
    detail = L"not signed";
  } else {
    detail = L"the signature does not verify (WinVerifyTrust " + Hex(static_cast<unsigned long>(rc)) + L")";
  }
  data.dwStateAction = WTD_STATEACTION_CLOSE;
  WinVerifyTrust(static_cast<HWND>(INVALID_HANDLE_VALUE), &action, &data);
  return microsoft;
}

std::wstring PeMachine(const std::wstring& path) {
  Handle file(CreateFileW(path.c_str(), GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_DELETE, nullptr, OPEN_EXISTING,
                          FILE_ATTRIBUTE_NORMAL, nullptr));
  if (file.get() == INVALID_HANDLE_VALUE) return L"";
  IMAGE_DOS_HEADER dos{};
  DWORD read = 0;
  if (!ReadFile(file.get(), &dos, sizeof dos, &read, nullptr) || read != sizeof dos ||
      dos.e_magic != IMAGE_DOS_SIGNATURE) {
    return L"";
  }
  if (SetFilePointer(file.get(), dos.e_lfanew, nullptr, FILE_BEGIN) == INVALID_SET_FILE_POINTER) return L"";
  struct {
    DWORD signature;
    IMAGE_FILE_HEADER header;
  } nt{};
  if (!ReadFile(file.get(), &nt, sizeof nt, &read, nullptr) || read != sizeof nt ||
      nt.signature != IMAGE_NT_SIGNATURE) {
    return L"";
  }
  switch (nt.header.Machine) {
    case IMAGE_FILE_MACHINE_AMD64: return L"x64";
    case IMAGE_FILE_MACHINE_I386: return L"x86";
    case 0xAA64: return L"arm64";
    default: return L"machine " + Hex(nt.header.Machine);
  }
}

int RunProcess(const std::wstring& exe, const std::wstring& arguments, unsigned timeout_ms, std::string& output) {
  output.clear();
  SECURITY_ATTRIBUTES inherit{sizeof inherit, nullptr, TRUE};
  Handle read_end, write_end;
  if (!CreatePipe(read_end.put(), write_end.put(), &inherit, 0)) return -1;
  SetHandleInformation(read_end.get(), HANDLE_FLAG_INHERIT, 0);
  STARTUPINFOW startup{};
  startup.cb = sizeof startup;
  startup.dwFlags = STARTF_USESTDHANDLES;
  startup.hStdInput = GetStdHandle(STD_INPUT_HANDLE);
  startup.hStdOutput = write_end.get();
  startup.hStdError = write_end.get();
  std::wstring command = L"\"" + exe + L"\" " + arguments;
  PROCESS_INFORMATION info{};
  if (!CreateProcessW(exe.c_str(), command.data(), nullptr, nullptr, TRUE, CREATE_NO_WINDOW, nullptr, nullptr, &startup,
                      &info)) {
    output = "could not start the process (error " + std::to_string(GetLastError()) + ")";
    return -1;
  }
  Handle process(info.hProcess), thread(info.hThread);
  write_end.reset();  // our copy: the pipe ends when the child exits
  const DWORD start = GetTickCount();
  char buffer[4096];
  for (;;) {
    DWORD available = 0;
    if (!PeekNamedPipe(read_end.get(), nullptr, 0, nullptr, &available, nullptr)) break;  // child closed it
    if (available > 0) {
      DWORD got = 0;
      if (!ReadFile(read_end.get(), buffer, sizeof buffer, &got, nullptr) || got == 0) break;
      output.append(buffer, got);
      continue;
    }
    if (WaitForSingleObject(process.get(), 20) == WAIT_OBJECT_0) {
      // Drain what is left.
      while (PeekNamedPipe(read_end.get(), nullptr, 0, nullptr, &available, nullptr) && available > 0) {
        DWORD got = 0;
        if (!ReadFile(read_end.get(), buffer, sizeof buffer, &got, nullptr) || got == 0) break;
        output.append(buffer, got);
      }
      break;
    }
    if (GetTickCount() - start > timeout_ms) {
      TerminateProcess(process.get(), 1);
      output += "\n(timed out)";
      return -1;
    }
  }
  WaitForSingleObject(process.get(), timeout_ms);
  DWORD code = 0;
  if (!GetExitCodeProcess(process.get(), &code)) return -1;
  return static_cast<int>(code);
}

}  // namespace opensslp::registry
