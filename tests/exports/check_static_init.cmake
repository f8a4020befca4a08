# ctest check: opensslp's own objects have no static initialisers and define no DllMain
# (docs/windows.md#load-safety), so loading the library runs none of our code.
#   cmake -DARCHIVE=libopensslp_static.a -DNM=nm -DOBJDUMP=objdump -P check_static_init.cmake
# Looks, per object of the archive, for
#   * symbols _GLOBAL__sub_I_* -- GCC's per-file dynamic initialiser (a namespace-scope object with
#     a non-constexpr constructor, or a non-trivial destructor registered at load);
#   * sections .init_array* / .ctors* -- anything run at load, __attribute__((constructor)) included;
#   * a defined DllMain / DllEntryPoint -- the toolchain's empty default must be the one that runs.
# Function-local statics are fine (initialised on first use, not at load).
cmake_minimum_required(VERSION 3.25)
foreach(var ARCHIVE NM OBJDUMP)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check_static_init.cmake: -D${var}=... is required")
  endif()
endforeach()
execute_process(COMMAND ${NM} -A "${ARCHIVE}" OUTPUT_VARIABLE symbols RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${NM} -A failed (${rc}): ${err}")
endif()
execute_process(COMMAND ${OBJDUMP} -h "${ARCHIVE}" OUTPUT_VARIABLE sections RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${OBJDUMP} -h failed (${rc}): ${err}")
endif()

set(bad "")
set(objects 0)
string(REPLACE "\n" ";" lines "${symbols}")
foreach(line IN LISTS lines)
  # "<archive>:<member>:<address> <type> <name>"
  # i686 symbols carry one more leading underscore (__GLOBAL__sub_I_...).
  if(line MATCHES "^[^:]*:([^:]+):[0-9a-fA-F]* +[TtDdBbRr] +_?(_GLOBAL__sub_I_[^ ]*)$")
    list(APPEND bad "${CMAKE_MATCH_1}: static initialiser ${CMAKE_MATCH_2}")
  elseif(line MATCHES "^[^:]*:([^:]+):[0-9a-fA-F]* +T +_?(DllMain|DllEntryPoint)(@12)?$")
    list(APPEND bad "${CMAKE_MATCH_1}: defines ${CMAKE_MATCH_2}")
  endif()
endforeach()
string(REPLACE "\n" ";" lines "${sections}")
set(member "")
foreach(line IN LISTS lines)
  if(line MATCHES "^([^ :]+):[ \t]+file format")
    set(member "${CMAKE_MATCH_1}")
    math(EXPR objects "${objects} + 1")
  elseif(line MATCHES "^ +[0-9]+ (\\.init_array[^ ]*|\\.ctors[^ ]*)")
    list(APPEND bad "${member}: section ${CMAKE_MATCH_1} (code run at load)")
  endif()
endforeach()
get_filename_component(name "${ARCHIVE}" NAME)
if(objects EQUAL 0)
  message(FATAL_ERROR "${name}: no objects found (is this an archive?)")
endif()
if(bad)
  list(REMOVE_DUPLICATES bad)
  list(JOIN bad "\n  " text)
  message(FATAL_ERROR "${name}: code that runs when the library loads:\n  ${text}\n"
                      "Use constexpr/constinit objects or function-local statics (docs/windows.md#load-safety).")
endif()
message(STATUS "${name}: ${objects} objects, no static initialisers, no DllMain")
