#include <doctest/doctest.h>

#include <cerrno>
#include <chrono>
#include <thread>

#include "os/sys/futex.h"
#include "os/sys/shared_memory.h"

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

  TEST_CASE("a baton goes back and forth, and a stop releases a waiting party") {
    for (auto scope : {FutexScope::process_private, FutexScope::shared}) {
      Shared<FutexBaton> baton;
      baton->reset(FutexBaton::first, scope);
      constexpr int kRounds = 1'000;
      int partner_turns = 0;
      std::thread partner([&] {
        while (baton->await(FutexBaton::second) && baton->pass(FutexBaton::second)) {
          ++partner_turns;
        }
      });
      int rounds = 0;
      while (rounds < kRounds && baton->pass(FutexBaton::first) &&
             baton->await(FutexBaton::first)) {
        ++rounds;
      }
      // The partner now waits for a turn that never comes: only the stop ends it.
      baton->stop();
      partner.join();
      CHECK(rounds == kRounds);
      CHECK(partner_turns == kRounds);
      CHECK_FALSE(baton->pass(FutexBaton::first));
      CHECK_FALSE(baton->await(FutexBaton::first));
    }
  }

  TEST_CASE("only the holder can pass the baton") {
    FutexBaton baton;
    baton.reset(FutexBaton::first, FutexScope::process_private);
    CHECK_FALSE(baton.pass(FutexBaton::second));
    CHECK(baton.pass(FutexBaton::first));
    CHECK(baton.await(FutexBaton::second));  // it holds it now: returns at once
  }
}
