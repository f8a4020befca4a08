# ctest check (Windows build): the DLL's DllMain is the toolchain's empty default -- "return TRUE"
# and nothing else -- so attaching to or detaching from a process or thread runs no opensslp code
# (docs/windows.md#load-safety). check_static_init.cmake proves src/ defines none; this checks
# what the linked DLL actually contains.
#   cmake -DBINARY=opensslp.dll -DOBJDUMP=x86_64-w64-mingw32-objdump -P check_dllmain.cmake
cmake_minimum_required(VERSION 3.25)
foreach(var BINARY OBJDUMP)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check_dllmain.cmake: -D${var}=... is required")
  endif()
endforeach()
# The symbol is DllMain on x86-64 and _DllMain@12 on i686 (__stdcall decoration).
foreach(symbol DllMain _DllMain@12)
  execute_process(COMMAND ${OBJDUMP} -d --disassemble=${symbol} "${BINARY}"
                  OUTPUT_VARIABLE out RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${OBJDUMP} -d failed (${rc}): ${err}")
  endif()
  if(out MATCHES "<_?DllMain(@12)?>:")
    break()
  endif()
endforeach()
get_filename_component(name "${BINARY}" NAME)
# x86-64: mov $0x1,%eax; ret.  i686 (__stdcall, 12 bytes of arguments): mov $0x1,%eax; ret $0xc.
if(NOT out MATCHES "<_?DllMain(@12)?>:\n[^\n]*\tmov +\\$0x1,%eax\n[^\n]*\tret[^\n]*\n")
  string(REGEX MATCH "<_?DllMain[^\n]*\n([^\n]*\n)?([^\n]*\n)?([^\n]*\n)?" head "${out}")
  message(FATAL_ERROR "${name}: DllMain is not the empty default (return TRUE):\n${head}")
endif()
message(STATUS "${name}: DllMain is the toolchain's default: return TRUE")
