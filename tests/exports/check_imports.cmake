# ctest check (Windows build): a PE file imports only Windows system DLLs, so opensslp.dll is one
# self-contained file (libcrypto, libgcc, libstdc++ and winpthread linked statically).
#   cmake -DBINARY=opensslp.dll -DOBJDUMP=x86_64-w64-mingw32-objdump [-DEXTRA_ALLOWED=a.dll;b.dll]
#         -P check_imports.cmake
cmake_minimum_required(VERSION 3.25)
foreach(var BINARY OBJDUMP)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check_imports.cmake: -D${var}=... is required")
  endif()
endforeach()

# Lower-case names of DLLs that ship with every supported Windows (10 and later).
set(allowed
  kernel32.dll advapi32.dll bcrypt.dll ncrypt.dll crypt32.dll ws2_32.dll user32.dll
  msvcrt.dll ucrtbase.dll ntdll.dll secur32.dll sspicli.dll rpcrt4.dll shell32.dll ole32.dll
  gdi32.dll iphlpapi.dll userenv.dll)
foreach(extra IN LISTS EXTRA_ALLOWED)
  string(TOLOWER "${extra}" extra)
  list(APPEND allowed "${extra}")
endforeach()

execute_process(COMMAND ${OBJDUMP} -p "${BINARY}"
                OUTPUT_VARIABLE out RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${OBJDUMP} -p failed (${rc}): ${err}")
endif()
string(REGEX MATCHALL "DLL Name: [^\n]+" entries "${out}")
set(imports "")
set(bad "")
foreach(entry IN LISTS entries)
  string(REGEX REPLACE "^DLL Name: " "" dll "${entry}")
  string(STRIP "${dll}" dll)
  list(APPEND imports "${dll}")
  string(TOLOWER "${dll}" lower)
  # api-ms-win-* are the Universal CRT / core API sets (ucrt builds import these).
  if(NOT lower IN_LIST allowed AND NOT lower MATCHES "^api-ms-win-[a-z0-9-]+\\.dll$")
    list(APPEND bad "${dll}")
  endif()
endforeach()
get_filename_component(name "${BINARY}" NAME)
list(JOIN imports ", " text)
if(NOT imports)
  message(FATAL_ERROR "${name}: no import table found (is this a PE file?)")
endif()
if(bad)
  list(JOIN bad ", " bad_text)
  message(FATAL_ERROR "${name} imports non-system DLLs: ${bad_text}\n  all imports: ${text}")
endif()
message(STATUS "${name} imports only system DLLs: ${text}")
