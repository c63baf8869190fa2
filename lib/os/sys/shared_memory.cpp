#include "os/sys/shared_memory.h"

#include <sys/mman.h>

#include "os/sys/error.h"

namespace conc::os {

SharedMapping::SharedMapping(std::size_t bytes) : size_(bytes) {
  data_ = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (data_ == MAP_FAILED) {
    data_ = nullptr;
    throw_errno("mmap(MAP_SHARED|MAP_ANONYMOUS)");
  }
}

SharedMapping::~SharedMapping() {
  if (data_ != nullptr) {
    ::munmap(data_, size_);
  }
}

}  // namespace conc::os
