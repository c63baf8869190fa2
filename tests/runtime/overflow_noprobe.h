#pragma once
#include <cstddef>

namespace conc::rt::test {

// A frame of `bytes` allocated without stack-clash probes; touches its lowest byte, yields.
__attribute__((noinline)) int frame_without_probes(std::size_t bytes);

}  // namespace conc::rt::test
