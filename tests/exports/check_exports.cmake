# ctest check: the built library exports exactly the functions declared in sslprovider.h, and
# def/opensslp.def lists exactly those too.
#   cmake -DHEADER=include/sslprovider.h -DDEF=def/opensslp.def -DLIBRARY=<.so or .dll>
#         -DFORMAT=elf|pe -DTOOL=<nm (elf) or x86_64-w64-mingw32-objdump (pe)> -P check_exports.cmake
# ELF: `nm -D --defined-only` lists every defined dynamic symbol (functions and data alike), so
# anything leaking past the version script is caught. PE: the export name table of `objdump -p`;
# names must be undecorated.
cmake_minimum_required(VERSION 3.25)
include(${CMAKE_CURRENT_LIST_DIR}/export_names.cmake)

foreach(var HEADER DEF LIBRARY FORMAT TOOL)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check_exports.cmake: -D${var}=... is required")
  endif()
endforeach()
if(NOT EXISTS "${LIBRARY}")
  message(FATAL_ERROR "library not found: ${LIBRARY}")
endif()

opensslp_header_functions("${HEADER}" header_names)
opensslp_def_exports("${DEF}" def_names)
list(LENGTH header_names header_count)
if(header_count LESS 40)
  # A sanity floor, so a broken extraction can't pass by comparing two empty sets.
  message(FATAL_ERROR "only ${header_count} WINAPI prototypes found in ${HEADER}")
endif()

set(library_names "")
if(FORMAT STREQUAL "elf")
  execute_process(COMMAND ${TOOL} -D --defined-only "${LIBRARY}"
                  OUTPUT_VARIABLE out RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${TOOL} failed (${rc}): ${err}")
  endif()
  string(REPLACE "\n" ";" lines "${out}")
  foreach(line IN LISTS lines)
    # "<address> <type> <name>[@version]"
    if(line MATCHES "^[0-9a-fA-F]* *[A-Za-z] +([^ @]+)")
      list(APPEND library_names "${CMAKE_MATCH_1}")
    endif()
  endforeach()
elseif(FORMAT STREQUAL "pe")
  execute_process(COMMAND ${TOOL} -p "${LIBRARY}"
                  OUTPUT_VARIABLE out RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${TOOL} failed (${rc}): ${err}")
  endif()
  string(REPLACE "\n" ";" lines "${out}")
  set(in_table FALSE)
  foreach(line IN LISTS lines)
    if(line MATCHES "\\[Ordinal/Name Pointer\\] Table")
      set(in_table TRUE)
    elseif(in_table)
      if(line MATCHES "^[ \t]*\\[ *[0-9]+\\] +([^ ]+)[ \t]*$")
        list(APPEND library_names "${CMAKE_MATCH_1}")
      else()
        set(in_table FALSE)
      endif()
    endif()
  endforeach()
else()
  message(FATAL_ERROR "FORMAT must be elf or pe, not '${FORMAT}'")
endif()
list(REMOVE_DUPLICATES library_names)

get_filename_component(lib_name "${LIBRARY}" NAME)
get_filename_component(def_name "${DEF}" NAME)
set(errors "")
opensslp_compare_sets("sslprovider.h" "${header_names}" "${def_name}" "${def_names}" errors)
opensslp_compare_sets("sslprovider.h" "${header_names}" "${lib_name} exports" "${library_names}" errors)
if(errors)
  message(FATAL_ERROR "export list mismatch:${errors}")
endif()
message(STATUS "${lib_name}: exports exactly the ${header_count} functions of sslprovider.h")
