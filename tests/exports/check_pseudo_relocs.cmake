# ctest check (Windows build): the DLL has no runtime pseudo-relocations (docs/windows.md#load-safety).
#   cmake -DBINARY=opensslp.dll -DNM=x86_64-w64-mingw32-nm -P check_pseudo_relocs.cmake
# mingw-w64 emits a pseudo-relocation for every reference to data auto-imported from another DLL;
# its runtime fixes them up at load by making image pages writable with VirtualProtect, which a
# process that blocks dynamic code (a protected lsass, a "Microsoft-signed only" policy) may refuse.
# The linker brackets the list with __RUNTIME_PSEUDO_RELOC_LIST__ and
# __RUNTIME_PSEUDO_RELOC_LIST_END__ (one more leading underscore on i686): equal addresses = empty.
cmake_minimum_required(VERSION 3.25)
foreach(var BINARY NM)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check_pseudo_relocs.cmake: -D${var}=... is required")
  endif()
endforeach()
execute_process(COMMAND ${NM} "${BINARY}" OUTPUT_VARIABLE out RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${NM} failed (${rc}): ${err}")
endif()
get_filename_component(name "${BINARY}" NAME)
set(start "")
set(end "")
string(REPLACE "\n" ";" lines "${out}")
foreach(line IN LISTS lines)
  if(line MATCHES "^([0-9a-fA-F]+) [A-Za-z] _*_RUNTIME_PSEUDO_RELOC_LIST__$")
    set(start "${CMAKE_MATCH_1}")
  elseif(line MATCHES "^([0-9a-fA-F]+) [A-Za-z] _*_RUNTIME_PSEUDO_RELOC_LIST_END__$")
    set(end "${CMAKE_MATCH_1}")
  endif()
endforeach()
if(start STREQUAL "" OR end STREQUAL "")
  message(FATAL_ERROR "${name}: __RUNTIME_PSEUDO_RELOC_LIST__ / _END__ not found in the symbol table "
                      "(stripped binary?); the check needs an unstripped build")
endif()
if(NOT start STREQUAL end)
  message(FATAL_ERROR "${name} has runtime pseudo-relocations (list 0x${start} .. 0x${end}): some code refers to "
                      "data auto-imported from a DLL; declare it dllimport or stop using it "
                      "(docs/windows.md#load-safety)")
endif()
message(STATUS "${name}: no runtime pseudo-relocations (list empty at 0x${start})")
