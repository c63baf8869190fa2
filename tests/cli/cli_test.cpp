// The executable as a user meets it: exit statuses, messages, JSON on stdout, Ctrl-C.

#include <doctest/doctest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <thread>

#include "run_process.h"

using conc::testing::run_conc_lab;

namespace {
// What every usage error looks like: exit 2, one short line on stderr naming conc-lab (no
// 309-digit bounds), nothing on stdout.
void check_usage_error(const conc::testing::Finished& r) {
  CHECK(r.exit_code == 2);
  CHECK(r.err.rfind("conc-lab: ", 0) == 0);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  CHECK(r.err.size() < 200);
  CHECK(r.out.empty());
}
}  // namespace

TEST_SUITE("cli") {
  TEST_CASE("no arguments print the syllabus") {
    const auto r = run_conc_lab({});
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("Syllabus") != std::string::npos);
    CHECK(r.out.find("process") != std::string::npos);
  }

  TEST_CASE("--help and --version exit 0") {
    CHECK(run_conc_lab({"--help"}).exit_code == 0);
    const auto v = run_conc_lab({"--version"});
    CHECK(v.exit_code == 0);
    CHECK(v.out.find("conc-lab ") != std::string::npos);
    CHECK(run_conc_lab({"lesson", "process", "--help"}).exit_code == 0);
  }

  TEST_CASE("completion scripts come from the command tree; an unknown shell exits 2") {
    const auto bash = run_conc_lab({"completion", "bash"});
    CHECK(bash.exit_code == 0);
    CHECK(bash.out.find("complete -F _conc_lab conc-lab") != std::string::npos);
    CHECK(bash.out.find("\"/lesson/waitgroup\"") != std::string::npos);
    const auto zsh = run_conc_lab({"completion", "zsh"});
    CHECK(zsh.exit_code == 0);
    CHECK(zsh.out.rfind("#compdef conc-lab\n", 0) == 0);
    const auto man = run_conc_lab({"man"});
    CHECK(man.exit_code == 0);
    CHECK(man.out.rfind(".TH CONC\\-LAB 1", 0) == 0);
    check_usage_error(run_conc_lab({"completion", "fish"}));
    check_usage_error(run_conc_lab({"completion"}));
  }

  TEST_CASE("an unknown lesson exits 2 and suggests the nearest") {
    const auto r = run_conc_lab({"lesson", "proces"});
    CHECK(r.exit_code == 2);
    CHECK(r.err == "conc-lab: unknown lesson 'proces' (did you mean 'process'?)\n");
    CHECK(r.out.empty());
  }

  TEST_CASE("an unknown command exits 2") {
    const auto r = run_conc_lab({"lessons"});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("unknown command 'lessons' (did you mean 'lesson'?)") != std::string::npos);
  }

  TEST_CASE("bad numbers exit 2 with a readable one-line message") {
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"lesson", "process", "--repeat", "0"},
          {"lesson", "process", "--repeat", "-3"},
          {"lesson", "process", "--repeat", "many"},
          {"lesson", "process", "--threads", "100000"},
          {"lesson", "process", "--cpu", "4096"}}) {
      CAPTURE(args.back());
      check_usage_error(run_conc_lab(args));
    }
  }

  TEST_CASE("the range is named in the message") {
    const auto r = run_conc_lab({"lesson", "process", "--repeat", "0"});
    CHECK(r.err.find("1 to 1000") != std::string::npos);
  }

  TEST_CASE("an unknown flag exits 2") {
    CHECK(run_conc_lab({"lesson", "process", "--bogus"}).exit_code == 2);
    CHECK(run_conc_lab({"list", "--bogus"}).exit_code == 2);
  }

  TEST_CASE("list --json is one JSON document") {
    const auto r = run_conc_lab({"list", "--json"});
    REQUIRE(r.exit_code == 0);
    const auto doc = nlohmann::json::parse(r.out);
    CHECK(doc["lessons"][0].contains("claims"));
  }

  TEST_CASE("info --json describes the machine") {
    const auto r = run_conc_lab({"info", "--json"});
    REQUIRE(r.exit_code == 0);
    const auto doc = nlohmann::json::parse(r.out);
    CHECK(doc["env"].contains("kernel"));
    CHECK(doc["tables"].size() >= 2);
  }

  TEST_CASE("a lesson with --json prints JSON only, and claims then shows its verdicts") {
    const std::string state = "XDG_STATE_HOME=/tmp/conc-lab-cli-test-" + std::to_string(::getpid());
    const auto r = run_conc_lab({"lesson", "process", "--quick", "--json"}, {state});
    REQUIRE(r.exit_code == 0);
    const auto doc = nlohmann::json::parse(r.out);
    CHECK(doc["lesson"] == "process");
    const auto claims = run_conc_lab({"claims", "--json"}, {state});
    REQUIRE(claims.exit_code == 0);
    const auto ledger = nlohmann::json::parse(claims.out);
    bool found = false;
    for (const auto& c : ledger["claims"]) {
      if (c["id"] == "C04") {
        CHECK(c["lessons"][0]["lesson"] == "process");
        CHECK(c["lessons"][0]["verdict"] == "confirmed");
        CHECK(c["lessons"][0]["quick"] == true);
        found = true;
      }
    }
    CHECK(found);
  }

  // Ctrl-C once `underway(pid)` holds; the lesson must stop by itself (not through the
  // watchdog's forced exit) with status 130, and leave no process of its session behind.
  void interrupt_when(const std::vector<std::string>& args,
                      const std::function<bool(int)>& underway, int signal = SIGINT) {
    const std::string err = "/tmp/conc-lab-sigint-" + std::to_string(::getpid()) + ".err";
    const int pid = conc::testing::start_conc_lab(args, err);
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    bool seen = false;
    while (!(seen = underway(pid)) && std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    CHECK_MESSAGE(seen, "the lesson never got under way");
    ::kill(pid, signal);
    const int code = conc::testing::wait_exit(pid);
    CHECK(code == 128 + signal);
    const std::string said = conc::testing::slurp(err);
    CHECK(said.find("conc-lab: interrupted") != std::string::npos);
    CHECK(said.find("forced") == std::string::npos);
    // Children killed by PR_SET_PDEATHSIG are reaped by init; give that a moment.
    std::vector<int> left;
    for (int i = 0; i < 200; ++i) {
      left = conc::testing::session_members(pid);
      if (left.empty()) {
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    CHECK(left.empty());
    std::remove(err.c_str());
  }

  TEST_CASE("Ctrl-C during the process lesson's forks leaves no child behind") {
    interrupt_when({"lesson", "process", "--repeat", "1000"},
                   [](int pid) { return conc::testing::session_members(pid).size() >= 2; });
  }

  TEST_CASE("Ctrl-C during context-switch's process ping-pong leaves no child behind") {
    interrupt_when({"lesson", "context-switch"},
                   [](int pid) { return conc::testing::session_members(pid).size() >= 2; });
  }

  TEST_CASE("SIGHUP and SIGQUIT stop a lesson as Ctrl-C does, leaving no child") {
    for (const int sig : {SIGHUP, SIGQUIT}) {
      CAPTURE(sig);
      interrupt_when(
          {"lesson", "process", "--repeat", "1000"},
          [](int pid) { return conc::testing::session_members(pid).size() >= 2; }, sig);
    }
  }

  TEST_CASE("SIGHUP during context-switch --reference leaves no perf process behind") {
    if (::access("/usr/bin/perf", X_OK) != 0) {
      MESSAGE("perf is not installed: nothing to check");
      return;
    }
    // Under way once perf's forked pair runs (3 or more processes in the session).
    interrupt_when(
        {"lesson", "context-switch", "--reference", "--quick"},
        [](int pid) { return conc::testing::session_members(pid).size() >= 3; }, SIGHUP);
  }

  TEST_CASE("a lesson stopped and continued marks its figures untrusted and warns") {
    const std::string out = "/tmp/conc-lab-cli-stop-" + std::to_string(::getpid()) + ".json";
    const pid_t pid = ::fork();
    if (pid == 0) {
      const int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(fd, 1);
      // context-switch --quick measures for about a second after its first few tens of ms
      // (process --quick is over in under 0.2 s): the stop lands inside a measurement.
      ::execl(CONC_LAB_BINARY, "conc-lab", "lesson", "context-switch", "--quick", "--json",
              nullptr);
      ::_exit(127);
    }
    // Stop it once it is measuring, neither at a fixed time nor after a fixed CPU time (ASan's
    // start-up alone can use more than that, and a stop before the SIGCONT handler is in place
    // goes unseen): its handler is installed and the first ping-pong between processes has
    // its child (a thread alone could be one of the start-up's, before the lesson's baseline).
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    const auto measuring = [pid] {
      return conc::testing::catches_signal(pid, SIGCONT) && conc::testing::has_children(pid);
    };
    while (!measuring() && std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    ::kill(pid, SIGSTOP);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    ::kill(pid, SIGCONT);
    CHECK(conc::testing::wait_exit(pid) == 0);
    const auto doc = nlohmann::json::parse(conc::testing::slurp(out));
    bool marked = false;
    for (const auto& m : doc["measurements"]) {
      marked = marked ||
               (m["trusted"] == false &&
                m["caveat"].get<std::string>().find("stopped and continued") != std::string::npos);
    }
    CHECK(marked);
    bool warned = false;
    for (const auto& w : doc["warnings"]) {
      warned = warned || w.get<std::string>().find("paused") != std::string::npos;
    }
    CHECK(warned);
    std::remove(out.c_str());
  }

  TEST_CASE("Ctrl-C during a benchmark ends bench and the benchmark's own process") {
    // bench runs each benchmark in a child of its own (`bench --in-process`): under way once
    // that child exists; the 1,000,000-goroutine row runs long enough to be interrupted.
    interrupt_when({"bench", "--only", "mem_per_goroutine_1m"},
                   [](int pid) { return conc::testing::session_members(pid).size() >= 2; });
  }

  TEST_CASE("Ctrl-C with 1,000 busy threads ends c10k") {
    interrupt_when({"lesson", "c10k", "--thread-counts", "1000"},
                   [](int pid) { return conc::testing::thread_count(pid) >= 500; });
  }
}

TEST_SUITE("cli: thread and stack lessons") {
  TEST_CASE("another lesson's flag, negative counts and out-of-range values exit 2") {
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"lesson", "thread", "--max-threads", "10"},
          {"lesson", "stack", "--busy-threads", "4"},
          {"lesson", "stack", "--threads", "4"},
          {"lesson", "process", "--max-threads", "10"},
          {"lesson", "stack", "--max-threads", "-5"},
          {"lesson", "stack", "--max-threads", "0"},
          {"lesson", "stack", "--max-threads", "100000"},
          {"lesson", "stack", "--max-threads", "lots"},
          {"lesson", "thread", "--busy-threads", "-1"},
          {"lesson", "thread", "--threads", "1000"},
          {"lesson", "thread", "--window-ms", "0"}}) {
      CAPTURE(args[1]);
      CAPTURE(args[2]);
      CAPTURE(args[3]);
      check_usage_error(run_conc_lab(args));
    }
  }

  TEST_CASE("a bad count list exits 2 naming the position of the bad item") {
    for (const char* list : {"1,,10", "1,0", "10,10", ""}) {
      CAPTURE(list);
      const auto r = run_conc_lab({"lesson", "c10k", "--thread-counts", list});
      check_usage_error(r);
      CHECK((r.err.find("item ") != std::string::npos || r.err.find("empty") != std::string::npos));
    }
  }

  TEST_CASE("the --max-threads bound is named in the message") {
    const auto r = run_conc_lab({"lesson", "stack", "--max-threads", "100000"});
    CHECK(r.err.find("1 to ") != std::string::npos);
  }

  TEST_CASE("stack --json: the soft limit in bytes is what getrlimit (and ulimit -s) gives") {
    const std::string state =
        "XDG_STATE_HOME=/tmp/conc-lab-cli-stack-" + std::to_string(::getpid());
    const auto r = run_conc_lab({"lesson", "stack", "--quick", "--json"}, {state});
    REQUIRE(r.exit_code == 0);
    const auto doc = nlohmann::json::parse(r.out);
    rlimit rl{};
    REQUIRE(::getrlimit(RLIMIT_STACK, &rl) == 0);
    bool found = false;
    for (const auto& m : doc["measurements"]) {
      if (m["id"] == "rlimit_stack_soft_bytes") {
        found = true;
        CHECK(m["median"].get<double>() == static_cast<double>(rl.rlim_cur));
      }
    }
    CHECK(found == (rl.rlim_cur != RLIM_INFINITY));
    CHECK(doc["verdicts"].size() == 4);
  }

  TEST_CASE("the stack lesson survives ulimit -s 64 and says what it did about it") {
    const std::string base = "/tmp/conc-lab-cli-ulimit-" + std::to_string(::getpid());
    const std::string line = "ulimit -s 64 && timeout 120 env XDG_STATE_HOME=" + base + " " +
                             CONC_LAB_BINARY + " lesson stack --quick --json >" + base +
                             ".json 2>/dev/null";
    const int status = std::system(line.c_str());
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    const auto doc = nlohmann::json::parse(conc::testing::slurp(base + ".json"));
    bool warned = false;
    for (const auto& w : doc["warnings"]) {
      warned = warned || w.get<std::string>().find("ulimit -s") != std::string::npos;
    }
    CHECK(warned);
    std::filesystem::remove_all(base);
    std::remove((base + ".json").c_str());
  }

  TEST_CASE("a misspelt thread lesson is suggested") {
    const auto r = run_conc_lab({"lesson", "thred"});
    CHECK(r.exit_code == 2);
    CHECK(r.err == "conc-lab: unknown lesson 'thred' (did you mean 'thread'?)\n");
  }
}

namespace {
// Runs a shell command line with a bound (coreutils timeout) and returns its exit status.
int shell(const std::string& line) {
  const int status = std::system(("timeout 60 " + line).c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
std::string binary() {
  return CONC_LAB_BINARY;
}
}  // namespace

TEST_SUITE("cli: bad input and write errors") {
  TEST_CASE("flags given a value, control characters and hidden misuse are usage errors") {
    struct Case {
      std::vector<std::string> args;
      std::string says;
    };
    for (const Case& c : std::vector<Case>{
             {{"lesson", "c10k", "--full=3"}, "--full is a flag and takes no value"},
             {{"lesson", "process", "--quick=2"}, "--quick is a flag and takes no value"},
             {{"lesson", "process", "--no-color=yes"}, "--no-color is a flag"},
             {{"lesson", "process", "--json=maybe"}, "--json is a flag"},
             {{"list", "--json=1"}, "--json is a flag"},
             {{"lesson", "process", "--repeat", "1\n2"}, "\\n"},
             {{"lesson", "proc\ness"}, "unknown lesson 'proc\\ness'"},
             {{"bench", "--in-process"}, "--in-process needs --only"},
             {{"lesson"}, "which lesson?"},
             {{"lesson", "--bogus"}, "unknown option '--bogus'"},
             {{"lesson", "process", "stray"}, "unexpected argument 'stray'"},
             {{"info", "a", "b"}, "unexpected arguments 'a' 'b' (see conc-lab info --help)"},
             {{"list", "--foo", "bar"}, "unknown option '--foo' (see conc-lab list --help)"},
             {{"-x"}, "unknown option '-x'"},
             {{"lesson", "c10k", "--max-threads", "10"}, "(it belongs to: stack)"},
         }) {
      CAPTURE(c.says);
      const auto r = run_conc_lab(c.args);
      check_usage_error(r);
      CHECK(r.err.find(c.says) != std::string::npos);
    }
  }

  TEST_CASE("a failed write of stdout is one line on stderr and exit 1, for every command") {
    const std::string err = "/tmp/conc-lab-full-" + std::to_string(::getpid()) + ".err";
    for (const std::string command :
         {"list", "info", "claims --json", "--help", "lesson process --help", "bench --help"}) {
      for (const std::string redirect : {">/dev/full", ">&-"}) {
        CAPTURE(command);
        CAPTURE(redirect);
        std::string line = binary();
        line.append(" ").append(command).append(" ").append(redirect).append(" 2>").append(err);
        CHECK(shell(line) == 1);
        const std::string said = conc::testing::slurp(err);
        CHECK(said.rfind("conc-lab: cannot write to standard output: ", 0) == 0);
        CHECK(std::count(said.begin(), said.end(), '\n') == 1);
      }
    }
    std::remove(err.c_str());
  }

  TEST_CASE("a FIFO or a directory in place of the state file: one warning, no hang, untouched") {
    namespace fs = std::filesystem;
    const fs::path state = "/tmp/conc-lab-cli-fifo-" + std::to_string(::getpid());
    const std::string err = state.string() + ".err";
    fs::remove_all(state);
    fs::create_directories(state / "conc-lab");
    const fs::path file = state / "conc-lab" / "verdicts.json";
    REQUIRE(::mkfifo(file.c_str(), 0644) == 0);
    const std::string env = "env XDG_STATE_HOME=" + state.string() + " ";
    CHECK(shell(env + binary() + " claims >/dev/null 2>" + err) == 0);
    std::string said = conc::testing::slurp(err);
    CHECK(said.find(file.string() + " is a FIFO") != std::string::npos);
    CHECK(std::count(said.begin(), said.end(), '\n') == 1);
    fs::remove(file);
    fs::create_directories(file);
    CHECK(shell(env + binary() + " claims --json >/dev/null 2>" + err) == 0);
    said = conc::testing::slurp(err);
    CHECK(said.find(file.string() + " is a directory") != std::string::npos);
    CHECK(fs::is_directory(file));
    fs::remove_all(state);
    std::remove(err.c_str());
  }
}
