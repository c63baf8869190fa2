// Built with -fno-stack-clash-protection (tests/runtime/CMakeLists.txt), as code from outside
// the project may be: a large frame then moves the stack pointer in one step, past any guard
// page, and touches only what it writes. The overflow tests check that the runtime still
// reports such a frame as a stack overflow.
#include "overflow_noprobe.h"

#include "runtime/runtime.h"

namespace conc::rt::test {

int frame_without_probes(std::size_t bytes) {
  // alloca: a frame of `bytes` decided at run time, allocated by one subtraction from the
  // stack pointer (no probes in this file). Writes its lowest byte first.
  auto* frame = static_cast<volatile char*>(__builtin_alloca(bytes));
  frame[0] = 1;
  yield();  // with nothing else to run this does not switch: the check must run anyway
  return frame[0];
}

}  // namespace conc::rt::test
