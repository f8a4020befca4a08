// checks.h - what opensslp-register.exe verifies before it registers anything (registry/README.md).
#ifndef OPENSSLP_REGISTRY_CHECKS_H
#define OPENSSLP_REGISTRY_CHECKS_H

#include <string>
#include <vector>

namespace opensslp::registry {

// The process token is elevated (an administrator's full token).
bool IsElevated();

// LSA protection: RunAsPPL = 1 (UEFI lock) or 2 (no lock) under
// HKLM\SYSTEM\CurrentControlSet\Control\Lsa, or the running lsass.exe is a protected process
// (ProcessProtectionInformation; the UEFI variable can keep it on whatever the registry says).
struct LsaProtection {
  bool on = false;
  std::wstring evidence;  // why we think so, or what was checked
};
LsaProtection QueryLsaProtection();

// True when `path` carries an Authenticode signature that verifies (WinVerifyTrust) and whose
// signer chains to a Microsoft root (CERT_CHAIN_POLICY_MICROSOFT_ROOT) - what a protected lsass
// demands of a plug-in (docs/windows.md#lsa-protection-and-signing). `detail` says what was found.
bool HasMicrosoftSignature(const std::wstring& path, std::wstring& detail);

// The PE machine of a file: L"x64", L"x86", another name, or L"" when it is not a PE file.
std::wstring PeMachine(const std::wstring& path);

// Runs `exe` with `arguments` in a process of its own, waits up to `timeout_ms`, and returns its
// exit code (or -1 when it could not be started or timed out); `output` gets its stdout+stderr.
int RunProcess(const std::wstring& exe, const std::wstring& arguments, unsigned timeout_ms, std::string& output);

}  // namespace opensslp::registry

#endif  // OPENSSLP_REGISTRY_CHECKS_H
