# check_includes.cmake - enforces the include directions of src/ (docs/architecture.md#layers).
#
#   cmake -DSRC_DIR=<dir> -P check_includes.cmake
#
# Every .h/.cpp under SRC_DIR belongs to the layer named by its first directory (abi, core, ...).
# A quoted include "layer/file.h" must name a layer the table below allows for the including
# layer; <openssl/...> is for ossl/ only; the Windows ABI headers (sslprovider.h, opensslp/*.h) for
# abi/ and win/ only; Windows system headers for abi/, win/ and util/rw_lock.cpp (SRWLOCK). Prints
# every violation as file:line and fails if there is any.

cmake_minimum_required(VERSION 3.25)

if(NOT SRC_DIR)
  message(FATAL_ERROR "usage: cmake -DSRC_DIR=<src> -P check_includes.cmake")
endif()

# Which layers each layer may include (itself always). base/ and util/ depend on nothing; ossl/ only
# on the vocabulary; core/ may use ossl/ and handles/; abi/ everything except ossl/ (the ABI layer
# makes no OpenSSL calls: core/library.h and core/tls12_key_exchange.h are its way in).
set(allowed_base "")
set(allowed_util "")
set(allowed_ossl "util;base")
set(allowed_handles "util;base")
set(allowed_core "handles;ossl;util;base")
set(allowed_record "core;handles;ossl;util;base")
set(allowed_win "core;ossl;util;base")
set(allowed_abi "core;handles;record;win;util;base")
set(layers base util ossl handles core record win abi)
set(windows_headers "windows.h;bcrypt.h;ncrypt.h;wincrypt.h;winternl.h;ntstatus.h")

file(GLOB_RECURSE sources RELATIVE "${SRC_DIR}" "${SRC_DIR}/*.h" "${SRC_DIR}/*.cpp")
set(violations 0)
set(checked 0)
foreach(rel IN LISTS sources)
  string(REGEX MATCH "^[^/]+" layer "${rel}")
  if(NOT layer IN_LIST layers)
    message(SEND_ERROR "${rel}: '${layer}' is not a known layer (add it to check_includes.cmake)")
    math(EXPR violations "${violations} + 1")
    continue()
  endif()
  math(EXPR checked "${checked} + 1")
  file(STRINGS "${SRC_DIR}/${rel}" lines REGEX "^[ \t]*#[ \t]*include")
  foreach(line IN LISTS lines)
    set(bad "")
    if(line MATCHES "#[ \t]*include[ \t]*\"([^\"/]+)/[^\"]*\"")
      set(target "${CMAKE_MATCH_1}")
      if(target STREQUAL "opensslp")
        if(NOT layer MATCHES "^(abi|win)$")
          set(bad "the Windows ABI header ${target}/ is for abi/ and win/ only")
        endif()
      elseif(NOT target STREQUAL layer AND NOT target IN_LIST allowed_${layer})
        set(bad "${layer}/ may not include ${target}/")
      endif()
    elseif(line MATCHES "#[ \t]*include[ \t]*\"sslprovider\\.h\"")
      if(NOT layer MATCHES "^(abi|win)$")
        set(bad "sslprovider.h is for abi/ and win/ only")
      endif()
    elseif(line MATCHES "#[ \t]*include[ \t]*<openssl/")
      if(NOT layer STREQUAL "ossl")
        set(bad "OpenSSL headers are for ossl/ only")
      endif()
    elseif(line MATCHES "#[ \t]*include[ \t]*<([A-Za-z_]+\\.h)>")
      if(CMAKE_MATCH_1 IN_LIST windows_headers AND NOT layer MATCHES "^(abi|win)$" AND NOT rel STREQUAL "util/rw_lock.cpp")
        set(bad "Windows headers are for abi/ and win/ only")
      endif()
    endif()
    if(bad)
      string(STRIP "${line}" shown)
      message("layering: src/${rel}: ${shown}: ${bad}")
      math(EXPR violations "${violations} + 1")
    endif()
  endforeach()
endforeach()

if(checked EQUAL 0)
  message(FATAL_ERROR "layering: no source files under ${SRC_DIR}")
endif()
if(violations GREATER 0)
  message(FATAL_ERROR "layering: ${violations} forbidden include(s) in ${checked} files")
endif()
message("layering: ${checked} files, every include allowed")
