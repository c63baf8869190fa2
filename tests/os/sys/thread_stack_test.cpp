#include <doctest/doctest.h>

#include <sys/mman.h>

#include <cstring>
#include <thread>

#include "os/procfs/limits.h"
#include "os/sys/thread.h"
#include "os/sys/thread_stack.h"

using namespace conc::os;

TEST_SUITE("thread stack") {
  TEST_CASE("a thread's stack span holds its locals and has the size it was created with") {
    StackSpan span;
    std::uintptr_t local_address = 0;
    Thread t;
    REQUIRE(Thread::start(t,
                          [&] {
                            volatile int local = 1;
                            local_address = reinterpret_cast<std::uintptr_t>(&local);
                            span = current_thread_stack();
                          },
                          {std::size_t{256} * 1024, -1}) == 0);
    t.join();
    CHECK(span.low <= local_address);
    CHECK(local_address < span.low + span.bytes);
    CHECK(span.reserved() >= 256 * 1024);
    CHECK(span.reserved() == span.bytes + span.guard);
  }

  TEST_CASE("resident bytes: untouched pages count nothing, touched ones a page each") {
    const std::size_t page = page_size();
    void* p = ::mmap(nullptr, 8 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(p != MAP_FAILED);
    const auto low = reinterpret_cast<std::uintptr_t>(p);
    CHECK(resident_bytes(low, 8 * page) == 0);
    std::memset(static_cast<char*>(p) + 2 * page, 1, 3 * page);
    CHECK(resident_bytes(low, 8 * page) == 3 * page);
    CHECK(resident_bytes(low + 2 * page + 10, 10) == page);  // an unaligned start
    CHECK(resident_bytes(low, 0) == 0);
    ::munmap(p, 8 * page);
  }
}
