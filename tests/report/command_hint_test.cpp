#include "report/command_hint.h"

#include <doctest/doctest.h>

#include <cstdlib>

namespace conc::report {

TEST_CASE("a hint names conc-lab as it was started") {
  ::unsetenv(kInvokedAsVariable);
  CHECK(command_hint("info") == "conc-lab info");
  CHECK(command_hint("") == "conc-lab");
  ::setenv(kInvokedAsVariable, "scripts/run", 1);
  CHECK(command_hint("lesson stack") == "scripts/run lesson stack");
  ::setenv(kInvokedAsVariable, "../scripts/run", 1);
  CHECK(invoked_as() == "../scripts/run");
  // Empty, or not one printable line: conc-lab.
  for (const char* bad : {"", "scripts/run\n", "a\x1b[31mb"}) {
    ::setenv(kInvokedAsVariable, bad, 1);
    CHECK(invoked_as() == "conc-lab");
  }
  ::unsetenv(kInvokedAsVariable);
}

}  // namespace conc::report
