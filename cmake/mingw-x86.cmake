# Toolchain: cross-compile opensslp for 32-bit Windows (x86) with Debian's mingw-w64 (i686, posix
# thread model, so std::thread and std::mutex work), and run the Windows executables under Wine for
# ctest: 32-bit programs run through WoW64 in the same 64-bit prefix as the x64 build's (as on
# 64-bit Windows, where a 32-bit process loads the 32-bit DLLs from SysWOW64).
# Used by the mingw-x86 and mingw-x86-release presets (CMakePresets.json). OpenSSL's static
# libcrypto for this target is built by `tools/build-openssl-mingw.sh x86`; the root CMakeLists.txt
# locates or builds it.
#
# On x86 every export must be __stdcall (WINAPI): the .def names are undecorated, the objects
# define _Name@N, and the linker's stdcall fix-up joins them (the root CMakeLists.txt adds
# -Wl,--enable-stdcall-fixup and checks every export's _Name@N after linking, because a __cdecl
# export would link silently under the same name; it then makes the import library with dlltool
# from the decorated names, so WINAPI callers find _Name@N).
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86)

set(OPENSSLP_MINGW_TRIPLE i686-w64-mingw32)
set(CMAKE_C_COMPILER ${OPENSSLP_MINGW_TRIPLE}-gcc-posix)
set(CMAKE_CXX_COMPILER ${OPENSSLP_MINGW_TRIPLE}-g++-posix)
set(CMAKE_RC_COMPILER ${OPENSSLP_MINGW_TRIPLE}-windres)
set(CMAKE_OBJDUMP ${OPENSSLP_MINGW_TRIPLE}-objdump CACHE FILEPATH "objdump for PE files")
set(CMAKE_NM ${OPENSSLP_MINGW_TRIPLE}-nm CACHE FILEPATH "nm for COFF objects")
set(CMAKE_DLLTOOL ${OPENSSLP_MINGW_TRIPLE}-dlltool CACHE FILEPATH "dlltool: the import library of __stdcall exports")

# Libraries and headers come only from the mingw sysroot (plus the OpenSSL prefix, which the root
# CMakeLists.txt appends to CMAKE_FIND_ROOT_PATH); programs from the host.
set(CMAKE_FIND_ROOT_PATH /usr/${OPENSSLP_MINGW_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# add_test() commands naming an executable target run through this wrapper (Wine, own prefix;
# a 32-bit program runs through WoW64).
set(CMAKE_CROSSCOMPILING_EMULATOR ${CMAKE_CURRENT_LIST_DIR}/wine-run.sh)
