#include <doctest/doctest.h>

#include <cerrno>
#include <chrono>
#include <thread>

#include "os/futex.h"
#include "os/shared_memory.h"

using namespace conc::os;
using namespace std::chrono_literals;

TEST_SUITE("futex") {
  TEST_CASE("a wait on a value the word does not hold returns at once") {
    FutexWord word{1};
    CHECK(futex_wait(word, 0, FutexScope::process_private) == EAGAIN);
    CHECK(futex_wait_for(word, 0, FutexScope::shared, 5s) == EAGAIN);
  }

  TEST_CASE("a wait on the value it holds ends at its timeout") {
    FutexWord word{0};
    CHECK(futex_wait_for(word, 0, FutexScope::process_private, 1ms) == ETIMEDOUT);
  }

  TEST_CASE("a wake with no waiter wakes nobody") {
    FutexWord word{0};
    CHECK(futex_wake(word, 1, FutexScope::process_private) == 0);
    CHECK(futex_wake_all(word, FutexScope::process_private) == 0);
  }

  TEST_CASE("a sleeper is woken when the word changes") {
    for (auto scope : {FutexScope::process_private, FutexScope::shared}) {
      Shared<FutexWord> word;  // a MAP_SHARED page suits both scopes
      std::thread sleeper([&] {
        // Bounded: at most a few hundred timeouts of 10 ms.
        for (int i = 0; i < 500 && word->load() == 0; ++i) {
          futex_wait_for(*word, 0, scope, 10ms);
        }
      });
      word->store(1);
      futex_wake_all(*word, scope);
      sleeper.join();
      CHECK(word->load() == 1);
    }
  }
}
