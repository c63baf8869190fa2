// Lesson `channels`: Go's rules for closed and nil channels, each case run live, then the
// misuse cases that make Go panic, and a pointer sent over a channel. Every case is its own
// small rt::run, so a panic or a deadlock ends only that case.

#include <fmt/format.h>

#include <chrono>
#include <functional>
#include <optional>

#include "lessons/channels/channels.h"
#include "lessons/common/lesson.h"
#include "os/sys/clock.h"
#include "runtime/chan.h"
#include "runtime/runtime.h"
#include "runtime/select.h"

namespace conc::lessons::channels {

namespace {

using std::chrono::milliseconds;
constexpr rt::Config kOneWorker{.workers = 1};
constexpr milliseconds kTimeout{20};

// Go's `v, ok := <-c`: the zero value and false once closed and drained.
std::string received_text(const std::optional<int>& v) {
  return fmt::format("{} {}", v.value_or(0), v.has_value());
}

RuleCase recv_from_closed() {
  std::string seen;
  rt::run(
      [&seen] {
        const rt::Chan<int> c(3);
        c.send(1);
        c.send(2);
        c.close();
        const auto a = c.recv();
        const auto b = c.recv();
        const auto after = c.recv();
        seen = fmt::format("{}, {}, then {}", a.value_or(0), b.value_or(0), received_text(after));
      },
      kOneWorker);
  const std::string go = "1, 2, then 0 false";
  return {"recv: 2 queued, closed", go, seen, seen == go};
}

RuleCase len_and_cap() {
  std::string seen;
  rt::run(
      [&seen] {
        const rt::Chan<int> c(3);
        c.send(1);
        c.send(2);
        seen = fmt::format("{}/{}", c.len(), c.cap());
        c.close();
        seen += fmt::format(" {}/{}", c.len(), c.cap());
        while (c.recv()) {
        }
        seen += fmt::format(" {}/{}", c.len(), c.cap());
      },
      kOneWorker);
  const std::string go = "2/3 2/3 0/3";
  return {"len/cap: 2 queued of 3", go, seen, seen == go};
}

RuleCase len_and_cap_of_nil() {
  const rt::Chan<int> nil;  // len and cap never block: no goroutine needed
  const std::string seen = fmt::format("{}/{}", nil.len(), nil.cap());
  return {"len/cap of nil channel", "0/0", seen, seen == "0/0"};
}

RuleCase range_until_closed() {
  int values = 0;
  rt::run(
      [&values] {
        const rt::Chan<int> c(0);
        rt::go([c] {
          for (int i = 0; i < 5; ++i) {
            c.send(i);
          }
          c.close();
        });
        while (c.recv()) {  // Go: for v := range c
          ++values;
        }
      },
      kOneWorker);
  const std::string seen = fmt::format("{} values, ends", values);
  return {"range: 5 sent, closed", "5 values, ends", seen, values == 5};
}

// A receive on a nil channel never returns; the runtime sees main blocked with nothing left
// to wake it and reports the deadlock, as Go does.
RuleCase recv_on_nil(std::string& report) {
  const rt::RunResult r = rt::run(
      [] {
        const rt::Chan<int> nil;
        static_cast<void>(nil.recv());
      },
      kOneWorker);
  report = r.report;
  const bool blocked = r.outcome == rt::Outcome::deadlock &&
                       r.report.find("[chan receive (nil chan)]") != std::string::npos;
  return {"recv on nil channel", "blocks forever", blocked ? "blocked: deadlock" : "returned",
          blocked};
}

// In a select, a nil channel's case is never ready: the timeout wins.
RuleCase nil_in_select() {
  int chosen = -1;
  double waited_ms = 0;
  rt::run(
      [&] {
        const rt::Chan<int> nil;
        std::optional<int> v;
        std::optional<rt::Time> t;
        const os::Stopwatch clock;
        chosen = rt::select(rt::recv_case(nil, v), rt::recv_case(rt::after(kTimeout), t));
        waited_ms = clock.elapsed_ms();
      },
      kOneWorker);
  const std::string seen =
      chosen == 1 ? fmt::format("timeout, {:.1f} ms", waited_ms) : std::string("nil case ran");
  return {fmt::format("select: nil, after({}ms)", kTimeout.count()), "timeout fires", seen,
          chosen == 1};
}

// One misuse in a program of its own: the panic ends that program, RunResult says why.
RuleCase misuse(const std::string& name, const std::string& go_message,
                const std::function<void()>& body, std::string& first_line) {
  const rt::RunResult r = rt::run(body, kOneWorker);
  const bool panicked = r.outcome == rt::Outcome::panic;
  first_line = r.report.substr(0, r.report.find('\n'));
  return {name, go_message, panicked ? r.panic_message : std::string("no panic"),
          panicked && r.panic_message == go_message};
}

void add_rules_table(LessonContext& ctx, const std::vector<RuleCase>& rules, std::string id,
                     std::string title, std::string note) {
  report::Table t{std::move(id), std::move(title), {"case", "Go", "this run", "same"}, {}, ""};
  for (const auto& c : rules) {
    t.rows.push_back({c.name, c.go_says, c.observed, std::string(c.as_go ? "yes" : "NO")});
  }
  t.note = std::move(note);
  ctx.report().add(std::move(t));
}

std::string indented(const std::string& text, std::size_t max_lines) {
  std::string out;
  std::size_t start = 0;
  for (std::size_t line = 0; line < max_lines && start < text.size(); ++line) {
    const std::size_t end = text.find('\n', start);
    out += "    " + text.substr(start, end - start) + "\n";
    if (end == std::string::npos) {
      break;
    }
    start = end + 1;
  }
  return out;
}

}  // namespace

std::vector<RuleCase> close_rules_experiment(LessonContext& ctx) {
  std::vector<RuleCase> rules;
  rules.push_back(recv_from_closed());
  rules.push_back(len_and_cap());
  rules.push_back(len_and_cap_of_nil());
  rules.push_back(range_until_closed());
  LessonContext::check_interrupted();
  std::string deadlock_report;
  rules.push_back(recv_on_nil(deadlock_report));
  rules.push_back(nil_in_select());
  add_rules_table(
      ctx, rules, "close_rules", "The rules for closed and nil channels, each run live",
      "'0 false' is Go's `v, ok := <-c` on a closed, drained channel: the zero value and "
      "ok = false (here recv() returns an empty std::optional). len/cap is read while open, "
      "after close and after draining: closing keeps the queued values. A nil channel is a "
      "channel variable never made (Go: var c chan int; here a default-constructed Chan).");
  ctx.explain("A nil channel blocks forever: what the runtime said",
              "Main received from a nil channel with no other goroutine left to help. Go "
              "prints 'fatal error: all goroutines are asleep - deadlock!'; conc::rt ends the "
              "program the same way and returns this report (first lines):\n\n" +
                  indented(deadlock_report, 3));
  return rules;
}

void misuse_experiment(LessonContext& ctx, std::vector<RuleCase>& rules) {
  std::vector<RuleCase> cases;
  std::string line, lines;
  cases.push_back(misuse(
      "send on closed", "send on closed channel",
      [] {
        const rt::Chan<int> c(1);
        c.close();
        c.send(1);
      },
      line));
  lines += "    " + line + "\n";
  cases.push_back(misuse(
      "close of closed", "close of closed channel",
      [] {
        const rt::Chan<int> c(1);
        c.close();
        c.close();
      },
      line));
  lines += "    " + line + "\n";
  cases.push_back(misuse(
      "close of nil", "close of nil channel",
      [] {
        const rt::Chan<int> nil;
        nil.close();
      },
      line));
  lines += "    " + line + "\n";
  add_rules_table(
      ctx, cases, "misuse", "Misuse: Go panics, with these exact messages",
      "Each case ran as a program of its own. In Go the panic ends the process (exit status "
      "2); conc::rt catches it at the end of rt::run, which returns Outcome::panic with Go's "
      "message (RunResult::panic_message), so this lesson goes on without a child process.");
  ctx.explain("The first line of each panic report, as this run produced it", lines);
  rules.insert(rules.end(), cases.begin(), cases.end());
}

void pointer_experiment(LessonContext& ctx) {
  struct Box {
    int value = 1;
  };
  std::uintptr_t sent = 0, received = 0;
  int seen_after = 0;
  rt::run(
      [&] {
        Box box;
        const rt::Chan<Box*> boxes(0);
        const rt::Chan<int> done(0);
        rt::go([boxes, done, &received] {
          Box* p = *boxes.recv();
          received = reinterpret_cast<std::uintptr_t>(p);
          p->value = 2;  // writes the sender's own variable
          done.send(0);
        });
        sent = reinterpret_cast<std::uintptr_t>(&box);
        boxes.send(&box);
        static_cast<void>(done.recv());  // the receive orders the write before our read
        seen_after = box.value;
      },
      kOneWorker);
  ctx.explain(
      "A pointer over a channel is still shared memory",
      fmt::format(
          "Main sent the address of its local `box` (0x{:x}); the receiver got 0x{:x} and wrote "
          "2 into it; main then read box.value = {}. The channel copied the pointer, not the "
          "box: both goroutines now reach the same memory. Here a second channel (`done`) "
          "orders the write before main's read, so the program is correct. Without it, both "
          "could touch `box` at once: a data race (two accesses to one location, at least one "
          "a write, with nothing ordering them), exactly what channels were meant to avoid. "
          "Send values, or hand a pointer over and stop using it on the sending side. (The "
          "race detector is not part of conc-lab yet, so this run cannot flag such a race.)",
          sent, received, seen_after));
}

}  // namespace conc::lessons::channels
