// What a new user meets first: hints that name a command they can type, a lesson's name or
// number where a command was expected, help as sentences, two conc-labs measuring at once, and
// Ctrl-C during `bench`.

#include <doctest/doctest.h>

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <thread>

#include "os/sys/pid_lock.h"
#include "run_process.h"

using conc::testing::run_conc_lab;

namespace {

using Clock = std::chrono::steady_clock;

std::size_t longest_line(const std::string& text) {
  std::istringstream in(text);
  std::size_t longest = 0;
  for (std::string line; std::getline(in, line);) {
    // Count characters, not bytes (help holds "×").
    longest = std::max<std::size_t>(
        longest, static_cast<std::size_t>(std::count_if(line.begin(), line.end(), [](char c) {
          return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
        })));
  }
  return longest;
}

// Polls `done` every 10 ms for at most `limit`; true once it holds.
bool eventually(const std::function<bool()>& done, std::chrono::seconds limit) {
  const auto give_up = Clock::now() + limit;
  while (!done()) {
    if (Clock::now() > give_up) {
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

bool gone(int pid) {
  return ::kill(pid, 0) != 0;
}

// The measuring lock every lesson of this test process takes (run_process.cpp gives the test
// process a state folder of its own).
std::filesystem::path measuring_lock() {
  return std::filesystem::path(std::getenv("XDG_STATE_HOME")) / "conc-lab" / "measuring.lock";
}

}  // namespace

TEST_SUITE("cli: first minutes") {
  TEST_CASE("hints name the command as the user typed it") {
    const auto direct = run_conc_lab({});
    CHECK(direct.out.find("  conc-lab info ") != std::string::npos);
    const std::vector<std::string> script{"CONC_LAB_INVOKED_AS=scripts/run"};
    const auto syllabus = run_conc_lab({}, script);
    CHECK(syllabus.out.find("  scripts/run info ") != std::string::npos);
    CHECK(syllabus.out.find("scripts/run lesson concurrency-vs-parallelism") != std::string::npos);
    CHECK(syllabus.out.find("conc-lab info") == std::string::npos);
    CHECK(run_conc_lab({"lesson"}, script).err ==
          "conc-lab: which lesson? (scripts/run list shows them)\n");
    CHECK(run_conc_lab({"lesson", "process", "--repeat", "0"}, script)
              .err.find("(see scripts/run lesson process --help)") != std::string::npos);
    CHECK(run_conc_lab({"lesson", "stack", "--help"}, script)
              .out.find("Usage: scripts/run lesson stack") != std::string::npos);
    // Not one printable line: ignored.
    CHECK(run_conc_lab({"lesson"}, {"CONC_LAB_INVOKED_AS=a\nb"}).err ==
          "conc-lab: which lesson? (conc-lab list shows them)\n");
  }

  TEST_CASE("a lesson's name typed as a command suggests the lesson") {
    auto r = run_conc_lab({"stack"}, {"CONC_LAB_INVOKED_AS=scripts/run"});
    CHECK(r.exit_code == 2);
    CHECK(r.err ==
          "conc-lab: unknown command 'stack' (did you mean 'scripts/run lesson stack'?)\n");
    r = run_conc_lab({"proces"});
    CHECK(r.err ==
          "conc-lab: unknown command 'proces' (did you mean 'conc-lab lesson process'?)\n");
    r = run_conc_lab({"lessons"});  // nearer to a command
    CHECK(r.err.find("(did you mean 'lesson'?)") != std::string::npos);
  }

  TEST_CASE("lesson N runs the N-th lesson of list; a number out of range is one line") {
    const auto list = run_conc_lab({"list"});
    CHECK(list.out.find(" 3. thread") != std::string::npos);
    const auto third = run_conc_lab({"lesson", "3", "--help"});
    CHECK(third.exit_code == 0);
    CHECK(third.out.find("Usage: conc-lab lesson thread") != std::string::npos);
    for (const std::string n : {"15", "0", "999999"}) {
      CAPTURE(n);
      const auto r = run_conc_lab({"lesson", n});
      CHECK(r.exit_code == 2);
      CHECK(r.err ==
            "conc-lab: there is no lesson " + n + ": conc-lab list numbers them 1 to 14\n");
      CHECK(r.out.empty());
    }
  }

  // Help text wrapped to 80 columns, joined back into one line per paragraph for searching.
  std::string one_line(const std::string& text) {
    std::string out;
    for (char c : text) {
      if (c == '\n' || c == ' ') {
        if (!out.empty() && out.back() != ' ') {
          out += ' ';
        }
      } else {
        out += c;
      }
    }
    return out;
  }

  TEST_CASE("help reads as sentences and fits 80 columns") {
    for (const std::string lesson :
         {"concurrency-vs-parallelism", "process", "thread", "context-switch", "c10k", "stack",
          "data-race", "locking", "deadlock", "goroutines", "channels", "select", "sync",
          "waitgroup"}) {
      CAPTURE(lesson);
      const auto r = run_conc_lab({"lesson", lesson, "--help"});
      REQUIRE(r.exit_code == 0);
      CHECK(longest_line(r.out) <= 80);
      CHECK(one_line(r.out).find("N: a whole number from 1 to 1000.") != std::string::npos);
      CHECK(r.out.find(":a whole") == std::string::npos);
      CHECK(r.out.find("FILE:FILE") == std::string::npos);
    }
    const auto bench = run_conc_lab({"bench", "--help"});
    CHECK(longest_line(bench.out) <= 80);
    CHECK(bench.out.find("--only NAME") != std::string::npos);
    CHECK(bench.out.find("\n                          spawn_join_p1\n") != std::string::npos);
    CHECK(bench.out.find("{spawn_join") == std::string::npos);
  }

  TEST_CASE("a second lesson waits for the measuring lock, and Ctrl-C ends the wait") {
    conc::os::PidLock held(measuring_lock());
    REQUIRE(held.try_lock());
    const std::string err = "/tmp/conc-lab-wait-" + std::to_string(::getpid()) + ".err";
    const std::string notice =
        "another conc-lab is measuring (pid " + std::to_string(::getpid()) + "); waiting...";
    const int pid = conc::testing::start_conc_lab({"lesson", "process", "--quick"}, err);
    CHECK(eventually([&] { return conc::testing::slurp(err).find(notice) != std::string::npos; },
                     std::chrono::seconds(30)));
    // Still waiting: it measures nothing while the lock is held.
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    CHECK_FALSE(gone(pid));
    CHECK(conc::testing::session_members(pid).size() == 1);
    const auto sent = Clock::now();
    ::kill(pid, SIGINT);
    CHECK(conc::testing::wait_exit(pid) == 130);
    // The bound is a second; twice that leaves room for a loaded machine.
    CHECK(Clock::now() - sent < std::chrono::seconds(2));
    CHECK(conc::testing::slurp(err).find("forced") == std::string::npos);
    std::remove(err.c_str());
  }

  TEST_CASE("two conc-labs: the second measures once the first is done") {
    std::optional<conc::os::PidLock> held;
    held.emplace(measuring_lock());
    REQUIRE(held->try_lock());
    const std::string err = "/tmp/conc-lab-second-" + std::to_string(::getpid()) + ".err";
    const int first = conc::testing::start_conc_lab({"lesson", "process", "--quick"}, err + "1");
    const int second = conc::testing::start_conc_lab({"lesson", "process", "--quick"}, err + "2");
    const auto waiting = [&](const std::string& file) {
      return conc::testing::slurp(file).find("waiting...") != std::string::npos;
    };
    CHECK(eventually([&] { return waiting(err + "1") && waiting(err + "2"); },
                     std::chrono::seconds(30)));
    held.reset();  // both wake; one measures, the other waits on for it
    CHECK(conc::testing::wait_exit(first) == 0);
    CHECK(conc::testing::wait_exit(second) == 0);
    std::remove((err + "1").c_str());
    std::remove((err + "2").c_str());
  }

  TEST_CASE("--no-wait measures at once and marks every figure as disturbed") {
    conc::os::PidLock held(measuring_lock());
    REQUIRE(held.try_lock());
    const auto r = run_conc_lab({"lesson", "process", "--quick", "--json", "--no-wait"});
    REQUIRE(r.exit_code == 0);
    CHECK(r.err.find("waiting") == std::string::npos);
    const auto doc = nlohmann::json::parse(r.out);
    REQUIRE_FALSE(doc["measurements"].empty());
    const std::string pid = "(pid " + std::to_string(::getpid()) + ")";
    for (const auto& m : doc["measurements"]) {
      CHECK(m["trusted"] == false);
      CHECK(m["caveat"].get<std::string>().find(pid) != std::string::npos);
    }
    bool warned = false;
    for (const auto& w : doc["warnings"]) {
      warned = warned || w.get<std::string>().rfind("Disturbed: ", 0) == 0;
    }
    CHECK(warned);
  }
}
