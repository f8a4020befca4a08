# Toolchain: cross-compile opensslp for 64-bit Windows with Debian's mingw-w64 (posix thread model,
# so std::thread and std::mutex work), and run the Windows executables under Wine for ctest.
# Used by the mingw-x64 and mingw-x64-release presets (CMakePresets.json). OpenSSL's static
# libcrypto for this target is built by `tools/build-openssl-mingw.sh x64`; the root
# CMakeLists.txt locates or builds it.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(OPENSSLP_MINGW_TRIPLE x86_64-w64-mingw32)
set(CMAKE_C_COMPILER ${OPENSSLP_MINGW_TRIPLE}-gcc-posix)
set(CMAKE_CXX_COMPILER ${OPENSSLP_MINGW_TRIPLE}-g++-posix)
set(CMAKE_RC_COMPILER ${OPENSSLP_MINGW_TRIPLE}-windres)
set(CMAKE_OBJDUMP ${OPENSSLP_MINGW_TRIPLE}-objdump CACHE FILEPATH "objdump for PE files")
set(CMAKE_NM ${OPENSSLP_MINGW_TRIPLE}-nm CACHE FILEPATH "nm for COFF objects")

# Libraries and headers come only from the mingw sysroot (plus the OpenSSL prefix, which the root
# CMakeLists.txt appends to CMAKE_FIND_ROOT_PATH); programs from the host.
set(CMAKE_FIND_ROOT_PATH /usr/${OPENSSLP_MINGW_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# add_test() commands naming an executable target run through this wrapper (Wine, own prefix).
set(CMAKE_CROSSCOMPILING_EMULATOR ${CMAKE_CURRENT_LIST_DIR}/wine-run.sh)
