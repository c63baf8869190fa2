#include "lessons/common/glossary.h"

#include <algorithm>
#include <cctype>

namespace conc::lessons {

const std::vector<GlossaryEntry>& glossary() {
  static const std::vector<GlossaryEntry> kEntries = {
      {"ASID",
       "Address-space identifier: Arm's name for what x86 calls a PCID. The CPU tags each TLB "
       "entry with the address space it belongs to, so a switch to another process need not "
       "empty the TLB."},
      {"autogroup",
       "A Linux scheduler feature (CONFIG_SCHED_AUTOGROUP) that puts each session, as started "
       "by setsid(), in a group of its own. The CPU is shared between groups first, then among "
       "the tasks of a group, so a program with many threads cannot crowd out a shell in "
       "another session."},
      {"CFS",
       "The Completely Fair Scheduler, Linux's scheduler from 2.6.23 to 6.5. It ran the task "
       "that had had the least weighted CPU time, and cut a target period into slices shared by "
       "the runnable tasks, with a floor when there were many of them. EEVDF replaced it."},
      {"copy-on-write",
       "After fork(), parent and child share every page of memory, marked read-only. The first "
       "write to a page gives the writer a private copy of that page alone, which is why fork "
       "is cheap and why the two processes still end up with separate memories."},
      {"CR3",
       "The x86 register holding the address of the current page-table root. Switching to "
       "another process loads it with that process's root, which is what makes the other "
       "address space take effect; a switch between threads of one process leaves it alone."},
      {"EEVDF",
       "Earliest Eligible Virtual Deadline First, the Linux scheduler since 6.6. Each task "
       "asks for a slice (se.slice); among the tasks that are owed CPU time, the one whose "
       "slice would end first runs. Unlike CFS, the slice does not shrink as more tasks share "
       "the CPU."},
      {"futex",
       "Fast user-space mutex: a 32-bit word in memory and two system calls, wait (sleep while "
       "the word holds a given value) and wake. Locks use it only when a thread must sleep or "
       "be woken, so a lock nobody else wants never enters the kernel."},
      {"guard page",
       "An inaccessible page just below a thread's stack. A stack that overflows touches it and "
       "the thread gets SIGSEGV, instead of silently overwriting whatever lies below."},
      {"happens-before",
       "The order a memory model guarantees between events in different threads: a read sees a "
       "write that happens before it (or a later one). Only synchronisation creates it, such as "
       "an unlock then a lock of the same mutex, or a channel send and its receive; two "
       "accesses with no such order between them, one a write, are a data race."},
      {"lmbench",
       "A classic suite of operating-system microbenchmarks (McVoy and Staelin, 1996). Its "
       "context-switch test passes a token between processes over pipes and subtracts the cost "
       "of the same pipe operations without a switch, so that what remains is the switch "
       "itself."},
      {"M:N",
       "Scheduling M user-level tasks (goroutines) on N kernel threads, M usually far larger "
       "than N. The runtime switches between tasks in user space, which is cheap, and the "
       "kernel only ever sees the N threads."},
      {"netpoller",
       "The part of a Go-like runtime that waits for many sockets at once (with epoll on "
       "Linux). A goroutine whose read would block is parked, and the netpoller makes it "
       "runnable again when its socket is ready, so ten thousand connections need not mean ten "
       "thousand threads."},
      {"PCID",
       "Process-context identifier (x86): a tag on each TLB entry naming the address space it "
       "belongs to. With PCIDs a switch of address space does not have to flush the TLB: the "
       "old process's entries stay, unused, until it runs again."},
      {"RSS",
       "Resident set size: how much of a process's memory is in RAM right now (VmRSS in "
       "/proc/<pid>/status), as opposed to the address space it has merely reserved (VmSize)."},
      {"schedstat",
       "/proc/<pid>/task/<tid>/schedstat: three numbers the scheduler keeps for every thread, "
       "its time on a CPU, its time waiting for one (both in nanoseconds) and how many turns it "
       "has had. Read before and after an experiment, they show how the CPU was shared."},
      {"TLB",
       "Translation lookaside buffer: the CPU's cache of recent virtual-to-physical address "
       "translations. A miss costs a walk of the page tables, so a TLB emptied by a switch "
       "makes the next moments of the new process slower."},
      {"tsuna's method",
       "Benoit Sigoure's (tsuna's) 2010 measurement of context switches: two threads or "
       "processes hand a futex back and forth, and the time of a round trip is divided by the "
       "two switches in it, system calls included. It gives a higher figure than lmbench, "
       "which subtracts them."},
      {"vDSO",
       "A small shared library the kernel maps into every process ([vdso] in /proc/<pid>/maps). "
       "Calls such as clock_gettime run there, in user space, without entering the kernel, "
       "which is why they cost far less than a real system call."},
      {"XSAVE",
       "The x86 instructions that save a thread's extended register state (floating point, "
       "SSE, AVX...) in one go. The area takes hundreds of bytes to several kilobytes (CPUID "
       "leaf 0xD tells); the kernel saves it when it switches threads, whereas a goroutine "
       "switch saves only a few registers."},
  };
  return kEntries;
}

namespace {
bool same_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}
}  // namespace

std::optional<GlossaryEntry> find_glossary_entry(std::string_view word) {
  for (const auto& e : glossary()) {
    if (same_ignoring_case(e.term, word) ||
        (same_ignoring_case(word, "tsuna") && e.term == "tsuna's method")) {
      return e;
    }
  }
  return std::nullopt;
}

std::vector<std::string> glossary_terms() {
  std::vector<std::string> terms;
  for (const auto& e : glossary()) {
    // The lessons name the method by its author's nickname alone.
    terms.emplace_back(e.term == "tsuna's method" ? std::string_view("tsuna") : e.term);
  }
  return terms;
}

report::Report glossary_report(const std::vector<GlossaryEntry>& entries) {
  report::Report r("glossary", "the words the lessons use");
  for (const auto& e : entries) {
    r.add(report::Section{std::string(e.term), std::string(e.text)});
  }
  return r;
}

}  // namespace conc::lessons
