#include "lessons/common/thread_team.h"

#include <atomic>
#include <system_error>
#include <thread>
#include <vector>

#include "os/sys/affinity.h"
#include "os/sys/clock.h"

namespace conc::lessons {

TeamResult run_team(int threads, int pin_cpu, const std::function<void(int)>& body) {
  TeamResult result;
  std::atomic<int> ready{0};
  std::atomic<bool> release{false};
  std::vector<std::thread> team;
  team.reserve(static_cast<std::size_t>(threads));
  for (int i = 0; i < threads; ++i) {
    try {
      team.emplace_back([&, i] {
        if (pin_cpu >= 0) {
          os::pin_self_nothrow(pin_cpu);
        }
        ready.fetch_add(1, std::memory_order_release);
        while (!release.load(std::memory_order_acquire)) {
          std::this_thread::yield();
        }
        body(i);
      });
    } catch (const std::system_error& e) {
      result.error = e.code().value();
      break;
    }
  }
  result.started = static_cast<int>(team.size());
  while (ready.load(std::memory_order_acquire) < result.started) {
    std::this_thread::yield();
  }
  const auto start = os::monotonic_ns();
  release.store(true, std::memory_order_release);
  for (auto& t : team) {
    t.join();
  }
  result.seconds = static_cast<double>(os::monotonic_ns() - start) * 1e-9;
  return result;
}

}  // namespace conc::lessons
