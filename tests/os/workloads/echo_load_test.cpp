#include "os/workloads/echo_load.h"

#include <doctest/doctest.h>

#include <chrono>

using namespace conc::os;
using namespace std::chrono_literals;

TEST_SUITE("echo load") {
  TEST_CASE("the client loads a thread-per-connection server: every request echoed") {
    Connections c = make_connections(50);
    REQUIRE(c.client.size() == 50);
    ThreadPerConnection server;
    int err = 0;
    REQUIRE(server.start(c.server, err) == 50);
    const EchoLoadResult r = drive_echo_load(c.client, 5, 100ms, 1);
    CHECK(r.requests > 0);
    CHECK(r.latencies_ns.size() == r.requests);
    CHECK(r.broken == 0);
    c.close_clients();
    server.join();
  }

  TEST_CASE("the client loads a one-thread epoll server") {
    Connections c = make_connections(50);
    EpollEchoServer server;
    server.start(c.server);
    const EchoLoadResult r = drive_echo_load(c.client, 5, 100ms, 2);
    CHECK(r.requests > 0);
    CHECK(r.broken == 0);
    server.stop();
  }
}
