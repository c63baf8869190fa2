// Lesson `deadlock`: the same hazards on goroutines, and the runtime's deadlock report for
// each, in Go's words. The runtime finds them itself: when every goroutine is parked on a
// runtime object and no timer is pending, nothing can wake anyone (runtime/deadlock.cpp).

#include <fmt/format.h>

#include <sstream>

#include "lessons/common/lesson.h"
#include "lessons/deadlock/deadlock.h"
#include "os/sys/clock.h"
#include "report/units.h"
#include "runtime/chan.h"
#include "runtime/runtime.h"
#include "runtime/sync.h"

namespace conc::lessons::deadlock {

namespace {

struct Case {
  std::string name;
  std::string what;
  std::function<void()> program;
};

constexpr std::size_t kReportWidth = 74;  // with the indent, within 80 columns

// Every line indented (the text renderer keeps indented paragraphs verbatim), tabs as four
// spaces, and a long wait-for chain broken before its arrows.
std::string indented(const std::string& text) {
  std::istringstream in(text);
  std::string out, line;
  while (std::getline(in, line)) {
    for (auto tab = line.find('\t'); tab != std::string::npos; tab = line.find('\t')) {
      line.replace(tab, 1, "    ");
    }
    while (line.size() > kReportWidth) {
      const auto cut = line.rfind(" -> ", kReportWidth);
      if (cut == std::string::npos || cut == 0) {
        break;
      }
      out += "    " + line.substr(0, cut) + "\n";
      line = "        " + line.substr(cut + 1);
    }
    out += "    " + line + "\n";
  }
  return out;
}

const char* outcome_text(rt::Outcome o) {
  switch (o) {
    case rt::Outcome::completed:
      return "completed";
    case rt::Outcome::deadlock:
      return "deadlock reported";
    case rt::Outcome::panic:
      return "panic";
  }
  return "?";
}

}  // namespace

void goroutine_experiments(LessonContext& ctx) {
  ctx.progress("deadlock: goroutines");
  const std::vector<Case> cases = {
      {"mutex cycle",
       "two goroutines lock two Mutexes in opposite orders (each takes its second lock only "
       "once both hold their first, so the cycle forms on any number of workers)",
       [] {
         rt::Mutex a, b;
         rt::WaitGroup wg, both_hold_first;
         wg.add(2);
         both_hold_first.add(2);
         const auto lock_in_order = [&](rt::Mutex& first, rt::Mutex& second) {
           const std::lock_guard hold_first(first);
           both_hold_first.done();
           both_hold_first.wait();
           const std::lock_guard hold_second(second);
           wg.done();
         };
         rt::go([&] { lock_in_order(a, b); });
         rt::go([&] { lock_in_order(b, a); });
         wg.wait();
       }},
      {"receive, no sender", "main receives from a channel nobody will ever send to",
       [] {
         rt::Chan<int> c(0);
         static_cast<void>(c.recv());
       }},
      {"WaitGroup never done", "main waits for a WaitGroup of 1 that nobody marks done",
       [] {
         rt::WaitGroup wg;
         wg.add(1);
         wg.wait();
       }},
  };
  report::Table t{"goroutine_deadlocks",
                  "Goroutine deadlocks, found by the runtime",
                  {"case", "outcome", "ms to report"},
                  {},
                  ""};
  std::string reports;
  for (const auto& c : cases) {
    LessonContext::check_interrupted();
    const auto start = os::monotonic_ns();
    const auto r = rt::run(c.program);
    const double ms = static_cast<double>(os::monotonic_ns() - start) * 1e-6;
    t.rows.push_back({c.name, std::string(outcome_text(r.outcome)), ms});
    reports +=
        fmt::format("{}: {}.\n\n{}\n", c.name, c.what,
                    r.report.empty() ? std::string("    (no report)\n") : indented(r.report));
  }
  t.note =
      "The runtime reports when every goroutine is asleep on a runtime object (a lock, a "
      "channel, a WaitGroup) and no timer is pending: nothing can ever wake them. The "
      "goroutines are then unwound and run() returns; Go would end the process.";
  ctx.report().add(std::move(t));
  ctx.explain("The runtime's reports (Go prints the first line as 'fatal error: ...')", reports);
}

}  // namespace conc::lessons::deadlock
