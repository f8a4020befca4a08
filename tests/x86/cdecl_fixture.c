/* cdecl_fixture.c - negative control of cmake/check-stdcall-exports.cmake (x86 only): an object
 * that defines one exported name __cdecl (_SslFreeBuffer, no @N), as a forgotten WINAPI would.
 * The check must reject it; tests/x86/CMakeLists.txt runs it on this object alone. */
int __cdecl SslFreeBuffer(void* pvInput);
int __cdecl SslFreeBuffer(void* pvInput) { return pvInput == 0; }
