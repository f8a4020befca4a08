// registration_status.h - the registration lines of `opensslp status`: on Windows, what is
// registered with the CNG configuration, read as `opensslp-register.exe status` reads it
// (registry/src/registration_report.h; registry/README.md).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace opensslp::cli {

// (name, value) pairs for status_command.cpp's Line(), in this order. On Windows:
//
//   registered       yes: OpenSSLP Protocol Provider, UM image opensslp.dll, 34 suites
//                    | no: OpenSSLP Protocol Provider is not registered
//   dll (x64)        C:\Windows\system32\opensslp.dll: present (x64) | present (x86, expected x64) | missing
//   dll (x86)        C:\Windows\SysWOW64\opensslp.dll: ...   (only on a Windows with WoW64)
//   suites routed    33 of 34 to OpenSSLP Protocol Provider (first in their provider list)
//                    [, K behind another provider][, L not listing it][, M not in the suite order]
//                    [; priority top|bottom (from the install record)]
//                    | none   (no registration and no install record name a suite)
//   group policy     no SSL suite order policy
//                    | an SSL suite order policy overrides the local order (N suites)
//                      [; it leaves out K of opensslp's suites (not offered)]
//
// The suites are those the registration lists plus those the install record routed; a suite is
// "routed" to opensslp when opensslp is first in its Providers list (Schannel uses the first).
// The DLL labels are the architectures of the processes that load each copy (System32: the
// native one). Under Wine the registry is read directly, as opensslp-register.exe does there.
// When the CNG configuration cannot be read: one line, "registration", "(unavailable: REASON)".
//
// Elsewhere (libopensslp.so, nothing to register): one line, "registration",
// "not applicable (Windows only)".
std::vector<std::pair<std::string, std::string>> RegistrationLines();

}  // namespace opensslp::cli
